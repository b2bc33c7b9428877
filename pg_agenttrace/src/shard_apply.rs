//! Citus workers: the trigger of `agenttrace.shard_writes`' shards, which runs the statements a
//! request deferred for one shard group ([`crate::shard_writes`]) on that group's shards.
//!
//! It fires in the shard-level command Citus sends for the group's row, inside the request's
//! distributed transaction, and keeps no row. The group's shards are found from Citus's
//! metadata on the worker (the shards of the co-located tables with this shard's hash range);
//! every statement's keys must hash into that range, and every table it names must be one of
//! them, or the trigger raises an error (and the request fails, unacknowledged). A backend keeps
//! the groups it looked up until any relation's cache entry is invalidated (shards created,
//! dropped, moved or split all invalidate one), so a request does not read Citus's catalog again.
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::spi::{SpiClient, SpiResult};

use crate::shard_writes::{uuid_hash, Statement, KEYED};

/// The trigger (`BEFORE INSERT ... FOR EACH ROW` on `agenttrace.shard_writes`). Declared here with
/// the library's versioned file name (pgrx's own declaration of a trigger names `MODULE_PATHNAME`).
#[pg_trigger(
    sql = "CREATE FUNCTION agenttrace.\"apply_shard_writes\"() RETURNS TRIGGER LANGUAGE c AS '@MODULE_PATHNAME@', '@FUNCTION_NAME@';"
)]
fn apply_shard_writes<'a>(
    trigger: &'a pgrx::PgTrigger<'a>,
) -> Result<Option<PgHeapTuple<'a, AllocatedByPostgres>>, std::convert::Infallible> {
    if trigger.new().is_none() {
        return Ok(None);
    }
    let shard: Option<i64> = trigger.table_name().ok().and_then(|n| n.rsplit_once('_').and_then(|(_, id)| id.parse().ok()));
    let Some(shard) = shard else {
        error!("agenttrace.shard_writes takes rows only on the shards of a Citus cluster (agenttrace.distribute())");
    };
    // SAFETY: the row's second column is its bytea payload (sql/citus.sql).
    let payload: Vec<u8> = unsafe { column::<Vec<u8>>(trigger, 2) }.unwrap_or_default();
    let Some(batch) = crate::shard_writes::unpack(&payload) else {
        error!("agenttrace.shard_writes: malformed payload");
    };
    let Some(batch) = crate::shard_writes::decode(&batch) else {
        error!("agenttrace.shard_writes: malformed payload");
    };
    if let Err(e) = Spi::connect_mut(|client| apply(client, shard, &batch)) {
        error!("agenttrace.shard_writes: {e}");
    }
    Ok(None)
}

/// Column `n` (1-based) of the trigger's new row.
///
/// # Safety
/// `T` must be the column's type.
unsafe fn column<T: FromDatum>(trigger: &pgrx::PgTrigger<'_>, n: i32) -> Option<T> {
    let td = trigger.trigger_data();
    let mut isnull = true;
    let d = pg_sys::heap_getattr(td.tg_trigtuple, n, (*td.tg_relation).rd_att, &mut isnull);
    T::from_datum(d, isnull)
}

/// This shard group: each co-located table's shard (qualified name) and the group's hash range.
struct Group {
    shards: HashMap<String, String>,
    range: (i32, i32),
}

thread_local! {
    /// The groups looked up, by shard of `agenttrace.shard_writes`, with the invalidation count
    /// they were read at.
    static GROUPS: RefCell<(u64, HashMap<i64, Rc<Group>>)> = RefCell::new((0, HashMap::new()));
    /// Relation cache invalidations seen (counted by [`invalidated`]); `None` until registered.
    static INVALIDATIONS: Cell<Option<u64>> = const { Cell::new(None) };
}

/// A relcache invalidation callback: any relation's entry (a shard created, dropped, moved or
/// split, Citus's metadata changed, or a cache reset) makes every cached group stale. It only
/// counts, so it cannot fail whenever PostgreSQL calls it.
unsafe extern "C-unwind" fn invalidated(_arg: pg_sys::Datum, _relid: pg_sys::Oid) {
    INVALIDATIONS.with(|n| n.set(Some(n.get().unwrap_or(0).wrapping_add(1))));
}

/// The group of `shard`: cached for the backend's life, re-read after an invalidation.
fn cached_group(client: &SpiClient<'_>, shard: i64) -> SpiResult<Option<Rc<Group>>> {
    let seen = INVALIDATIONS.with(|n| {
        if n.get().is_none() {
            // SAFETY: registers a callback that only updates a counter; once per backend (the
            // count is Some afterwards), within PostgreSQL's limit of relcache callbacks.
            unsafe { pg_sys::CacheRegisterRelcacheCallback(Some(invalidated), pg_sys::Datum::from(0usize)) };
            n.set(Some(0));
        }
        n.get().unwrap_or(0)
    });
    let hit = GROUPS.with(|g| {
        let mut g = g.borrow_mut();
        if g.0 != seen {
            *g = (seen, HashMap::new());
        }
        g.1.get(&shard).cloned()
    });
    if hit.is_some() {
        return Ok(hit);
    }
    let Some(group) = shard_group(client, shard)?.map(Rc::new) else { return Ok(None) };
    // Reading the catalog can itself process invalidations: keep the group only if none came.
    GROUPS.with(|g| {
        let mut g = g.borrow_mut();
        if INVALIDATIONS.with(|n| n.get()) == Some(seen) && g.0 == seen {
            g.1.insert(shard, group.clone());
        }
    });
    Ok(Some(group))
}

fn shard_group(client: &SpiClient<'_>, shard: i64) -> SpiResult<Option<Group>> {
    let mut shards = HashMap::new();
    let mut range = None;
    // A cached plan (index look-ups in Citus's catalog): planning the join on every call cost
    // more than running it.
    for row in crate::columns::select_cached(
        client,
        "SELECT c.relname::text, pg_catalog.shard_name(s.logicalrelid, s.shardid), o.shardminvalue::int4, o.shardmaxvalue::int4
           FROM pg_catalog.pg_dist_shard o
           JOIN pg_catalog.pg_dist_partition op ON op.logicalrelid = o.logicalrelid
           JOIN pg_catalog.pg_dist_partition p ON p.colocationid = op.colocationid
           JOIN pg_catalog.pg_dist_shard s ON s.logicalrelid = p.logicalrelid AND s.shardminvalue = o.shardminvalue
           JOIN pg_catalog.pg_class c ON c.oid = p.logicalrelid
          WHERE o.shardid = $1 AND o.logicalrelid = 'agenttrace.shard_writes'::regclass
            AND c.relnamespace = 'agenttrace'::regnamespace",
        &[shard.into()],
    )? {
        if let (Some(t), Some(s), Some(lo), Some(hi)) =
            (row.get::<String>(1)?, row.get::<String>(2)?, row.get::<i32>(3)?, row.get::<i32>(4)?)
        {
            shards.insert(t, s);
            range = Some((lo, hi));
        }
    }
    Ok(range.map(|range| Group { shards, range }))
}

/// `sql` with each `agenttrace.<table>` of [`KEYED`] replaced by the group's shard of it; `None`
/// if it names any other object.
fn on_shards(sql: &str, group: &Group) -> Option<String> {
    let mut out = String::with_capacity(sql.len() + 64);
    let mut rest = sql;
    while let Some(i) = rest.find("agenttrace.") {
        out.push_str(&rest[..i]);
        rest = &rest[i + "agenttrace.".len()..];
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        let name = &rest[..end];
        KEYED.iter().find(|(t, _)| *t == name)?;
        out.push_str(group.shards.get(name)?);
        rest = &rest[end..];
    }
    out.push_str(rest);
    Some(out)
}

/// An argument's array from its binary form.
fn receive(array_type: pg_sys::Oid, bytes: &[u8]) -> DatumWithOid<'static> {
    // SAFETY: the type's binary input function reads `bytes` through a StringInfo that points at
    // them (it copies what it keeps and raises an ERROR on malformed input); the array it
    // returns is palloc'd in the current memory context, which outlives the statement it is
    // passed to.
    unsafe {
        let (mut recv, mut ioparam) = (pg_sys::InvalidOid, pg_sys::InvalidOid);
        pg_sys::getTypeBinaryInputInfo(array_type, &mut recv, &mut ioparam);
        let mut buf: pg_sys::StringInfoData = std::mem::zeroed();
        pg_sys::initStringInfo(&mut buf);
        pg_sys::appendBinaryStringInfo(&mut buf, bytes.as_ptr().cast(), bytes.len() as i32);
        let d = pg_sys::OidReceiveFunctionCall(recv, &mut buf, ioparam, -1);
        DatumWithOid::new(d, array_type)
    }
}

fn apply(client: &mut SpiClient<'_>, shard: i64, batch: &[Statement<'_>]) -> SpiResult<()> {
    let _plan = crate::columns::IngestPlanning::local();
    let Some(group) = cached_group(client, shard)? else {
        error!("agenttrace.shard_writes: shard {shard} is not a shard of agenttrace.shard_writes");
    };
    for (i, st) in batch.iter().enumerate() {
        let Some(local) = on_shards(st.sql, &group) else {
            error!("agenttrace.shard_writes: statement {i} names a table outside this shard group");
        };
        let args: Vec<DatumWithOid<'_>> = {
            let _encoding = crate::shard_writes::ServerEncoding::start();
            st.args.iter().map(|(t, b)| receive(*t, b)).collect()
        };
        let Some(key) = args.get(st.key) else {
            error!("agenttrace.shard_writes: statement {i} has no key argument");
        };
        // SAFETY: `key` is an array received above; array_elements reads it.
        let in_range = unsafe { array_len(key) }.map(|n| {
            crate::datums::array_elements(key, n).iter().all(|k| uuid_hash(k).is_some_and(|h| h >= group.range.0 && h <= group.range.1))
        });
        if in_range != Some(true) {
            error!("agenttrace.shard_writes: statement {i} carries a key of another shard");
        }
        crate::columns::execute_cached(client, &local, &args)?;
    }
    Ok(())
}

/// The number of elements of a one-dimensional array argument (`None` if it is NULL).
unsafe fn array_len(arg: &DatumWithOid<'_>) -> Option<usize> {
    let d = arg.datum()?;
    let arr = pg_sys::pg_detoast_datum(d.sans_lifetime().cast_mut_ptr()) as *mut pg_sys::ArrayType;
    let ndim = (*arr).ndim;
    if ndim == 0 {
        return Some(0);
    }
    // ARR_DIMS: the dimensions follow the array header.
    let dims = arr.cast::<u8>().add(std::mem::size_of::<pg_sys::ArrayType>()).cast::<i32>();
    Some(pg_sys::ArrayGetNItems(ndim, dims).max(0) as usize)
}
