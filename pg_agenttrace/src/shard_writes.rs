//! Citus: a request's keyed writes sent as one command per shard group.
//!
//! Routed statement by statement, each write of a request costs one shard-level command per
//! shard it touches (planned on the coordinator, parsed and planned again on the worker), and the
//! bigger inserts go through Citus's COPY (two more round trips per shard). While a [`Deferral`]
//! is alive, the writes of [`crate::columns`] to the co-located trace and run tables are kept
//! instead: split by shard group (the hash range of their distribution key), each statement
//! keeps its single-server SQL and gets the rows of that group as arrays (binary). At
//! [`Deferral::finish`] one `INSERT INTO agenttrace.shard_writes` carries one row per shard
//! group; Citus routes each row to its shard as one command, in the request's distributed
//! transaction (two-phase across workers), and a trigger there
//! ([`crate::shard_apply`]) runs the statements on the group's shards, in their order.
//!
//! A read, or a write that is not deferred, that names a table with deferred writes sends them
//! first ([`before_statement`]): every statement sees what the ones before it wrote.
use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::spi::{SpiClient, SpiResult};

/// The co-located tables whose writes can be deferred, with their distribution column.
pub const KEYED: &[(&str, &str)] = &[
    ("traces", "trace_id"),
    ("spans", "trace_id"),
    ("span_events", "trace_id"),
    ("span_links", "trace_id"),
    ("trace_edges", "trace_id"),
    ("run_summaries", "run_id"),
    ("agents", "run_id"),
    ("agent_messages", "run_id"),
    ("tool_calls", "run_id"),
    ("checkpoints", "run_id"),
    ("run_search", "run_id"),
    ("run_state", "run_id"),
];

/// One shard group's statements: its `shard_writes` row.
#[derive(Default)]
struct Group {
    /// A key of the group: Citus routes the row by it.
    route: Option<pgrx::Uuid>,
    /// The statements, [`encode`]d.
    payload: Vec<u8>,
}

/// A deferred statement as the worker reads it back ([`decode`]).
pub struct Statement<'p> {
    pub sql: &'p str,
    /// The argument holding the distribution keys.
    pub key: usize,
    /// Each argument's array type and its array in binary (`array_send`).
    pub args: Vec<(pg_sys::Oid, &'p [u8])>,
}

/// Appends a statement to a payload: its SQL, key argument and arguments, each length-prefixed
/// (little-endian u32). One `bytea` carries a group's statements: Citus writes a router insert's
/// values into the shard query as literals, and one hex string costs far less to write there
/// (and to parse on the worker) than arrays of them.
fn encode(out: &mut Vec<u8>, sql: &str, key: usize, args: &[(pg_sys::Oid, Vec<u8>)]) {
    let mut put = |n: usize| out.extend_from_slice(&(n as u32).to_le_bytes());
    put(sql.len());
    put(key);
    put(args.len());
    out.extend_from_slice(sql.as_bytes());
    for (oid, bytes) in args {
        out.extend_from_slice(&oid.to_u32().to_le_bytes());
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(bytes);
    }
}

/// Marks a compressed payload ([`pack`]): where an uncompressed one starts with its first
/// statement's SQL length, which is never `u32::MAX` (a `bytea` holds at most 1 GB).
const PACKED: [u8; 4] = u32::MAX.to_le_bytes();

/// The largest payload [`pack`] compresses and [`unpack`] inflates: a `bytea`'s (1 GB).
const MAX_PAYLOAD: u32 = 0x3FFF_FFFF;

/// A group's statements ([`encode`]) as its row's payload: [`PACKED`], their length (u32
/// little-endian) and their raw deflate stream (fastest level). Citus writes the payload into
/// the shard command as a hex literal, quoting it character by character, and the worker parses
/// that literal back: compressed (about 4x on the bench's spans), both do a quarter of that work
/// for less than the compression costs. A payload that would not shrink is sent as it is.
fn pack(raw: Vec<u8>) -> Vec<u8> {
    use std::io::Write;
    // Beyond a `bytea`'s limit the payload is sent as it is (and fails as it did uncompressed).
    let Some(len) = u32::try_from(raw.len()).ok().filter(|n| *n <= MAX_PAYLOAD) else { return raw };
    let mut out = Vec::with_capacity(raw.len() / 3 + 16);
    out.extend_from_slice(&PACKED);
    out.extend_from_slice(&len.to_le_bytes());
    let mut enc = flate2::write::DeflateEncoder::new(out, flate2::Compression::fast());
    match enc.write_all(&raw).and_then(|_| enc.finish()) {
        Ok(packed) if packed.len() < raw.len() => packed,
        _ => raw,
    }
}

/// The statements' bytes of a payload ([`pack`]): borrowed when it was sent uncompressed;
/// `None` if it is malformed (a stream that does not inflate to exactly the length it states).
pub fn unpack(payload: &[u8]) -> Option<std::borrow::Cow<'_, [u8]>> {
    use std::io::Read;
    let Some(rest) = payload.strip_prefix(&PACKED[..]) else { return Some(std::borrow::Cow::Borrowed(payload)) };
    let len = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?);
    if len > MAX_PAYLOAD {
        return None;
    }
    let len = len as usize;
    // Reserved up to what deflate can plausibly have shrunk (the stated length is not trusted).
    let mut out = Vec::with_capacity(len.min(rest.len().saturating_mul(16)));
    // At most one byte more than stated: a longer stream is malformed, not read to its end.
    flate2::read::DeflateDecoder::new(rest.get(4..)?).take(len as u64 + 1).read_to_end(&mut out).ok()?;
    (out.len() == len).then_some(std::borrow::Cow::Owned(out))
}

/// The statements of a payload's bytes ([`encode`], after [`unpack`]); `None` if they are
/// malformed.
pub fn decode(mut p: &[u8]) -> Option<Vec<Statement<'_>>> {
    fn take<'p>(p: &mut &'p [u8], n: usize) -> Option<&'p [u8]> {
        let (head, rest) = (p.get(..n)?, p.get(n..)?);
        *p = rest;
        Some(head)
    }
    fn num(p: &mut &[u8]) -> Option<usize> {
        let b = take(p, 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }
    let mut out = Vec::new();
    while !p.is_empty() {
        let (len, key, n) = (num(&mut p)?, num(&mut p)?, num(&mut p)?);
        let sql = std::str::from_utf8(take(&mut p, len)?).ok()?;
        let mut args = Vec::with_capacity(n);
        for _ in 0..n {
            let oid = pg_sys::Oid::from(num(&mut p)? as u32);
            let len = num(&mut p)?;
            args.push((oid, take(&mut p, len)?));
        }
        out.push(Statement { sql, key, args });
    }
    Some(out)
}

struct Pending {
    /// The hash ranges of `shard_writes`' shards (those of every co-located table), by minimum.
    ranges: Vec<(i32, i32)>,
    groups: BTreeMap<usize, Group>,
    /// Tables with deferred writes.
    tables: HashSet<&'static str>,
}

thread_local! {
    static PENDING: RefCell<Option<Pending>> = const { RefCell::new(None) };
}

/// While alive (Citus only), keyed writes are deferred; [`finish`](Self::finish) sends them.
/// Dropped without `finish` (an error unwinding), the deferred writes are discarded with the
/// transaction that fails.
pub struct Deferral(());

impl Deferral {
    /// Starts deferring when `agenttrace.shard_writes` is distributed (`agenttrace.distribute()`
    /// of this version) and every node has Citus's metadata (the workers find a shard group's
    /// shards in it); `None` otherwise, and when a deferral is already running. Shards placed on
    /// the coordinator are left out: keys of their range are written as before.
    pub fn start(client: &SpiClient<'_>) -> SpiResult<Option<Deferral>> {
        if PENDING.with(|p| p.borrow().is_some()) {
            return Ok(None);
        }
        let mut ranges = Vec::new();
        for row in client.select(
            "SELECT s.shardminvalue::int4, s.shardmaxvalue::int4 FROM pg_catalog.pg_dist_shard s
              WHERE s.logicalrelid = pg_catalog.to_regclass('agenttrace.shard_writes')
                AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_placement p WHERE p.shardid = s.shardid AND p.groupid = 0)
                AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_node n
                                 WHERE n.isactive AND n.noderole = 'primary' AND NOT (n.hasmetadata AND n.metadatasynced))
              ORDER BY 1",
            None,
            &[],
        )? {
            if let (Some(lo), Some(hi)) = (row.get::<i32>(1)?, row.get::<i32>(2)?) {
                ranges.push((lo, hi));
            }
        }
        if ranges.is_empty() {
            return Ok(None);
        }
        PENDING.with(|p| *p.borrow_mut() = Some(Pending { ranges, groups: BTreeMap::new(), tables: HashSet::new() }));
        Ok(Some(Deferral(())))
    }

    /// Sends the deferred writes.
    pub fn finish(self, client: &SpiClient<'_>) -> SpiResult<()> {
        flush(client)
    }
}

impl Drop for Deferral {
    fn drop(&mut self) {
        PENDING.with(|p| *p.borrow_mut() = None);
    }
}

/// The tables of [`KEYED`] that `sql` names (`agenttrace.<name>`), or `None` when it names
/// any other object of the schema.
fn keyed_tables(sql: &str) -> Option<Vec<(&'static str, &'static str)>> {
    let mut out = Vec::new();
    let mut rest = sql;
    while let Some(i) = rest.find("agenttrace.") {
        rest = &rest[i + "agenttrace.".len()..];
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        let name = &rest[..end];
        out.push(*KEYED.iter().find(|(t, _)| *t == name)?);
        rest = &rest[end..];
    }
    Some(out)
}

/// True while a deferral runs.
pub fn active() -> bool {
    PENDING.with(|p| p.borrow().is_some())
}

/// With a deferral running: the argument of `sql`'s distribution key when `sql` can be deferred
/// (it names only tables of [`KEYED`] of one key, and that key is one of its columns `names`).
pub fn key_arg(sql: &str, names: &[&str]) -> Option<usize> {
    if !PENDING.with(|p| p.borrow().is_some()) {
        return None;
    }
    let tables = keyed_tables(sql)?;
    let key = tables.first()?.1;
    if tables.iter().any(|(_, k)| *k != key) {
        return None;
    }
    names.iter().position(|n| *n == key)
}

/// Before a statement that is not deferred: sends the deferred writes if `sql` names a table
/// they write (a read must see them, a write must come after them).
pub fn before_statement(client: &SpiClient<'_>, sql: &str) -> SpiResult<()> {
    let pending = PENDING.with(|p| {
        p.borrow().as_ref().is_some_and(|p| !p.tables.is_empty() && KEYED.iter().any(|(t, _)| p.tables.contains(t) && names_table(sql, t)))
    });
    if pending {
        flush(client)?;
    }
    Ok(())
}

fn names_table(sql: &str, table: &str) -> bool {
    let qualified = format!("agenttrace.{table}");
    sql.match_indices(&qualified).any(|(i, m)| !sql[i + m.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
}

/// Defers `sql` (written for one server: every argument an array with one element per row,
/// `key` the distribution key's, a `uuid[]`) if a deferral is running; false when it is not
/// deferred (no deferral, or a key that is NULL or outside the shards' ranges: the statement
/// then runs as usual and Citus says what is wrong).
pub fn defer(sql: &str, args: &[&DatumWithOid<'_>], key: usize, rows: usize) -> bool {
    if rows == 0 || args.get(key).is_none_or(|k| k.oid() != pg_sys::UUIDARRAYOID) {
        return false;
    }
    let elements: Vec<Vec<DatumWithOid<'_>>> = args.iter().map(|a| crate::datums::array_elements(a, rows)).collect();
    let Some(shards) = PENDING.with(|p| {
        let p = p.borrow();
        let ranges = &p.as_ref()?.ranges;
        elements[key].iter().map(|k| shard_of(ranges, uuid_hash(k)?)).collect::<Option<Vec<usize>>>()
    }) else {
        return false;
    };
    let mut by_shard: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (row, shard) in shards.iter().enumerate() {
        by_shard.entry(*shard).or_default().push(row);
    }
    // Per group: its index, a key of it, and each argument's type and rows in binary.
    type Part = (usize, Option<pgrx::Uuid>, Vec<(pg_sys::Oid, Vec<u8>)>);
    let mut parts: Vec<Part> = Vec::with_capacity(by_shard.len());
    for (shard, rows) in &by_shard {
        let route = elements[key].get(rows[0]).and_then(|d| d.datum()).map(|d| {
            // SAFETY: a uuid element (its distribution key checked above): a pointer to 16 bytes.
            unsafe { pgrx::Uuid::from_datum(d.sans_lifetime(), false) }
        });
        let mut sent = Vec::with_capacity(args.len());
        let _encoding = ServerEncoding::start();
        for (a, el) in args.iter().zip(&elements) {
            match array_send(a.oid(), el, rows) {
                Some(bytes) => sent.push((a.oid(), bytes)),
                None => return false,
            }
        }
        parts.push((*shard, route.flatten(), sent));
    }
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        let Some(p) = p.as_mut() else { return false };
        for (table, _) in keyed_tables(sql).unwrap_or_default() {
            p.tables.insert(table);
        }
        for (shard, route, sent) in parts {
            let g = p.groups.entry(shard).or_default();
            g.route = g.route.or(route);
            encode(&mut g.payload, sql, key, &sent);
        }
        true
    })
}

/// While alive, the session's client encoding is the database's. The binary form of text
/// (`textsend`, `jsonb_send`, and the arrays of them) is in the client encoding on both sides: a
/// coordinator session in another encoding (`SET client_encoding = 'LATIN1'`) failed to send
/// text that encoding cannot hold, or sent bytes the worker (whose Citus connection uses the
/// database's encoding) rejected. Both sides now convert nothing. Restored on drop, also when
/// an error unwinds through it.
pub struct ServerEncoding(Option<i32>);

impl ServerEncoding {
    pub fn start() -> Self {
        // SAFETY: reads and sets this backend's client encoding; the database's encoding needs
        // no conversion, so setting it cannot fail.
        unsafe {
            let (client, server) = (pg_sys::pg_get_client_encoding(), pg_sys::GetDatabaseEncoding());
            if client == server {
                return ServerEncoding(None);
            }
            pg_sys::SetClientEncoding(server);
            ServerEncoding(Some(client))
        }
    }
}

impl Drop for ServerEncoding {
    fn drop(&mut self) {
        if let Some(client) = self.0 {
            // SAFETY: the encoding that was in use (its conversion already prepared, which is
            // what SetClientEncoding needs).
            unsafe {
                pg_sys::SetClientEncoding(client);
            }
        }
    }
}

/// The index of the range holding `hash`.
fn shard_of(ranges: &[(i32, i32)], hash: i32) -> Option<usize> {
    let i = ranges.partition_point(|(lo, _)| *lo <= hash).checked_sub(1)?;
    (hash <= ranges[i].1).then_some(i)
}

/// Citus's hash of a uuid distribution key (the hash function of its type's hash operator class).
pub fn uuid_hash(key: &DatumWithOid<'_>) -> Option<i32> {
    let d = key.datum()?;
    // SAFETY: `key` is a non-NULL uuid datum; uuid_hash reads its 16 bytes.
    unsafe { pgrx::direct_function_call::<i32>(pg_sys::uuid_hash, &[Some(d.sans_lifetime())]) }
}

/// How [`array_send`] writes an element: as its type's send function does, directly for the
/// fixed-size types and text ingest uses, through the send function for the others.
enum Element {
    /// A by-value integer (or float's bits) of this many bytes, big-endian.
    Fixed(usize),
    Bool,
    Uuid,
    /// Text in the database's encoding (`textsend` under [`ServerEncoding`]).
    Text,
    Send(pg_sys::FmgrInfo),
}

impl Element {
    /// # Safety
    /// `elem` is a type's oid (a catalog look-up for the send function).
    unsafe fn of(elem: pg_sys::Oid) -> Element {
        use pg_sys::*;
        if [INT8OID, TIMESTAMPTZOID, TIMESTAMPOID, FLOAT8OID].contains(&elem) {
            Element::Fixed(8)
        } else if [INT4OID, FLOAT4OID, DATEOID, OIDOID].contains(&elem) {
            Element::Fixed(4)
        } else if elem == INT2OID {
            Element::Fixed(2)
        } else if elem == BOOLOID {
            Element::Bool
        } else if elem == UUIDOID {
            Element::Uuid
        } else if elem == TEXTOID || elem == VARCHAROID {
            Element::Text
        } else {
            let (mut send, mut varlena) = (InvalidOid, false);
            getTypeBinaryOutputInfo(elem, &mut send, &mut varlena);
            let mut f: FmgrInfo = std::mem::zeroed();
            fmgr_info(send, &mut f);
            Element::Send(f)
        }
    }

    /// Appends the element `d` (not NULL) as `array_send` does: its length, then its bytes.
    ///
    /// # Safety
    /// `d` is a datum of the type this was made for.
    unsafe fn put(&mut self, out: &mut Vec<u8>, d: pg_sys::Datum) {
        let mut bytes = |b: &[u8]| {
            out.extend_from_slice(&(b.len() as i32).to_be_bytes());
            out.extend_from_slice(b);
        };
        let raw = d.value() as u64;
        match self {
            Element::Fixed(8) => bytes(&raw.to_be_bytes()),
            Element::Fixed(4) => bytes(&(raw as u32).to_be_bytes()),
            Element::Fixed(_) => bytes(&(raw as u16).to_be_bytes()),
            Element::Bool => bytes(&[u8::from(raw != 0)]),
            Element::Uuid => bytes(std::slice::from_raw_parts(d.cast_mut_ptr::<u8>(), 16)),
            Element::Text => bytes(pgrx::varlena::varlena_to_byte_slice(pg_sys::pg_detoast_datum_packed(d.cast_mut_ptr()))),
            Element::Send(f) => bytes(pgrx::varlena::varlena_to_byte_slice(pg_sys::SendFunctionCall(f, d))),
        }
    }
}

/// The rows `rows` of an array argument of type `array_type` (its elements `elements`) as a new
/// one-dimensional array in binary, byte for byte what `array_send` writes (and `array_recv`
/// reads on the worker), without building the array first. Text is in the session's client
/// encoding: call under [`ServerEncoding`].
fn array_send(array_type: pg_sys::Oid, elements: &[DatumWithOid<'_>], rows: &[usize]) -> Option<Vec<u8>> {
    let n = i32::try_from(rows.len()).ok().filter(|n| *n > 0)?;
    // SAFETY: `array_type` is the type of an array argument built by this crate and `elements`
    // its elements (array_elements), each a datum of its element type or NULL; uuid elements
    // point at 16 bytes, text ones at a varlena; send functions return a bytea read at once.
    unsafe {
        let elem = pg_sys::get_element_type(array_type);
        if elem == pg_sys::InvalidOid {
            return None;
        }
        let picked: Vec<Option<pg_sys::Datum>> =
            rows.iter().map(|r| elements.get(*r).and_then(|d| d.datum()).map(|d| d.sans_lifetime())).collect();
        let mut out = Vec::with_capacity(20 + 12 * rows.len());
        // Header: one dimension, whether there are NULLs, the element type, length and lower bound.
        for v in [1, i32::from(picked.iter().any(Option::is_none))] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out.extend_from_slice(&elem.to_u32().to_be_bytes());
        for v in [n, 1] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        let mut kind = Element::of(elem);
        for d in picked {
            match d {
                Some(d) => kind.put(&mut out, d),
                None => out.extend_from_slice(&(-1i32).to_be_bytes()),
            }
        }
        Some(out)
    }
}

/// Sends the deferred writes: one `shard_writes` row per shard group, one statement.
fn flush(client: &SpiClient<'_>) -> SpiResult<()> {
    let groups = PENDING.with(|p| {
        p.borrow_mut().as_mut().map(|p| {
            p.tables.clear();
            std::mem::take(&mut p.groups)
        })
    });
    let Some(groups) = groups.filter(|g| !g.is_empty()) else { return Ok(()) };
    // A router insert: Citus sends each shard its row as one command, and a transaction whose
    // rows all live on one worker commits there in one phase. (An INSERT ... SELECT would go
    // through Citus's COPY: measured far slower here, and always two-phase.)
    let mut sql = String::from("INSERT INTO agenttrace.shard_writes (route_id, payload) VALUES ");
    let mut args: Vec<DatumWithOid<'_>> = Vec::with_capacity(groups.len() * 2);
    for (i, g) in groups.into_values().enumerate() {
        sql.push_str(&format!("{}(${}::uuid, ${}::bytea)", if i == 0 { "" } else { ", " }, 2 * i + 1, 2 * i + 2));
        args.push(g.route.into());
        args.push(pack(g.payload).into());
    }
    // SAFETY: assigns this transaction an id if it has none (what SpiClient::update does), so
    // SPI runs the INSERT as a writing statement; raises an ERROR if it cannot.
    unsafe {
        pg_sys::GetCurrentTransactionId();
    }
    client.select(sql.as_str(), None, &args)?;
    Ok(())
}
