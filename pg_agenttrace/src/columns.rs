//! Set-based writes: a statement's rows travel as one array per column and are expanded
//! server-side with `unnest(...)` — one SPI call per table per batch, never one per row.
use std::cell::RefCell;
use std::collections::HashMap;

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::PgOid;
use pgrx::prelude::*;
use pgrx::spi::{OwnedPreparedStatement, SpiClient, SpiResult, SpiTupleTable};

thread_local! {
    /// Plans of the ingest statements, kept for the backend's life: each batch would otherwise
    /// parse and plan ~15 statements again (measured at ~6 µs per span). PostgreSQL's plan cache
    /// revalidates them after DDL (a recreated extension, new chunks).
    static PLANS: RefCell<HashMap<String, OwnedPreparedStatement>> = RefCell::new(HashMap::new());
}

/// Runs `sql` through a backend-lifetime prepared statement (argument types from `args`).
pub fn execute_cached<'conn>(
    client: &mut SpiClient<'conn>,
    sql: &str,
    args: &[DatumWithOid<'_>],
) -> SpiResult<SpiTupleTable<'conn>> {
    let key: String = {
        let mut k = String::with_capacity(sql.len() + 8 * args.len());
        k.push_str(sql);
        for a in args {
            k.push_str(&format!("|{}", a.oid().to_u32()));
        }
        k
    };
    let missing = PLANS.with(|p| !p.borrow().contains_key(&key));
    if missing {
        let oids: Vec<PgOid> = args.iter().map(|a| PgOid::from(a.oid())).collect();
        let plan = client.prepare_mut(sql, &oids)?.keep();
        PLANS.with(|p| p.borrow_mut().insert(key.clone(), plan));
    }
    PLANS.with(|p| {
        let plans = p.borrow();
        match plans.get(&key) {
            Some(plan) => client.update(plan, None, args),
            None => client.update(sql, None, args),
        }
    })
}

/// While alive, the planner does not use sequential scans. Ingest's keyed deletes plan under it:
/// their plans are cached for the backend's lifetime, and a plan made while the derived tables
/// were still small would keep scanning whole tables on every batch until the next ANALYZE.
/// Restored on drop, also when an error unwinds through it.
pub struct NoSeqScanPlanning {
    previous: bool,
}

impl NoSeqScanPlanning {
    pub fn start() -> Self {
        // SAFETY: a plain bool GUC of this backend's planner, read and written on its one thread.
        let previous = unsafe { pgrx::pg_sys::enable_seqscan };
        unsafe { pgrx::pg_sys::enable_seqscan = false };
        NoSeqScanPlanning { previous }
    }
}

impl Drop for NoSeqScanPlanning {
    fn drop(&mut self) {
        // SAFETY: as in start().
        unsafe { pgrx::pg_sys::enable_seqscan = self.previous };
    }
}

pub struct Column<'a> {
    name: &'static str,
    /// Array element type as passed (`uuid`, `int8`, `text`, ...).
    pg_type: &'static str,
    /// Cast applied in the select list (text arrays carrying JSON become `jsonb` here).
    cast: Option<&'static str>,
    datum: DatumWithOid<'a>,
}

/// Builder for `INSERT INTO t (cols) SELECT ... FROM unnest($1::t1[], $2::t2[], ...)`.
#[derive(Default)]
pub struct Columns<'a> {
    cols: Vec<Column<'a>>,
}

impl<'a> Columns<'a> {
    pub fn new() -> Self {
        Columns { cols: Vec::new() }
    }

    pub fn col<T: IntoDatum>(
        mut self,
        name: &'static str,
        pg_type: &'static str,
        values: Vec<T>,
    ) -> Self {
        self.cols.push(Column {
            name,
            pg_type,
            cast: None,
            datum: values.into(),
        });
        self
    }

    /// A column taken from each row: `rows.iter().map(f)` as one array.
    pub fn map<R, T: IntoDatum>(
        self,
        name: &'static str,
        pg_type: &'static str,
        rows: &[R],
        f: impl Fn(&R) -> T,
    ) -> Self {
        self.col(name, pg_type, rows.iter().map(f).collect::<Vec<T>>())
    }

    pub fn cast<T: IntoDatum>(
        mut self,
        name: &'static str,
        pg_type: &'static str,
        cast: &'static str,
        values: Vec<T>,
    ) -> Self {
        self.cols.push(Column {
            name,
            pg_type,
            cast: Some(cast),
            datum: values.into(),
        });
        self
    }

    fn sql(&self, table: &str, suffix: &str) -> String {
        let names: Vec<&str> = self.cols.iter().map(|c| c.name).collect();
        let selects: Vec<String> = self
            .cols
            .iter()
            .map(|c| match c.cast {
                Some(cast) => format!("u.{}::{}", c.name, cast),
                None => format!("u.{}", c.name),
            })
            .collect();
        let params: Vec<String> = self
            .cols
            .iter()
            .enumerate()
            .map(|(i, c)| format!("${}::{}[]", i + 1, c.pg_type))
            .collect();
        format!(
            "INSERT INTO {table} ({}) SELECT {} FROM unnest({}) AS u({}) {suffix}",
            names.join(", "),
            selects.join(", "),
            params.join(", "),
            names.join(", ")
        )
    }

    /// Runs the insert (`suffix` is e.g. `ON CONFLICT DO NOTHING`). Returns rows written.
    pub fn insert(self, client: &mut SpiClient<'_>, table: &str, suffix: &str) -> SpiResult<usize> {
        let sql = self.sql(table, suffix);
        let args: Vec<DatumWithOid<'a>> = self.cols.into_iter().map(|c| c.datum).collect();
        let t = execute_cached(client, &sql, &args)?;
        Ok(t.len())
    }

    /// Like [`insert`](Self::insert) but with a custom statement over `u(...)`:
    /// `{unnest}` in `template` is replaced by `unnest(...) AS u(cols)`.
    pub fn run(self, client: &mut SpiClient<'_>, template: &str) -> SpiResult<usize> {
        let names: Vec<&str> = self.cols.iter().map(|c| c.name).collect();
        let params: Vec<String> = self
            .cols
            .iter()
            .enumerate()
            .map(|(i, c)| format!("${}::{}[]", i + 1, c.pg_type))
            .collect();
        let unnest = format!("unnest({}) AS u({})", params.join(", "), names.join(", "));
        let sql = template.replace("{unnest}", &unnest);
        let args: Vec<DatumWithOid<'a>> = self.cols.into_iter().map(|c| c.datum).collect();
        let t = execute_cached(client, &sql, &args)?;
        Ok(t.len())
    }
}

pub fn uuid(id: &[u8; 16]) -> pgrx::Uuid {
    pgrx::Uuid::from_bytes(*id)
}

pub fn timestamptz(pg_micros: i64) -> TimestampWithTimeZone {
    // Out-of-range values cannot come from u64 nanoseconds; fall back to the epoch, not a panic.
    TimestampWithTimeZone::try_from(pg_micros)
        .unwrap_or_else(|_| TimestampWithTimeZone::positive_infinity())
}

pub fn trace_id(u: &pgrx::Uuid) -> [u8; 16] {
    let mut id = [0u8; 16];
    id.copy_from_slice(u.as_bytes());
    id
}
