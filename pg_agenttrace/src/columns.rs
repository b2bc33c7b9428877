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

/// Prepares `sql` once per backend (argument types from `args`) and returns its cache key.
fn cached_plan(client: &SpiClient<'_>, sql: &str, args: &[DatumWithOid<'_>]) -> SpiResult<String> {
    let mut key = String::with_capacity(sql.len() + 8 * args.len());
    key.push_str(sql);
    for a in args {
        key.push_str(&format!("|{}", a.oid().to_u32()));
    }
    if !PLANS.with(|p| p.borrow().contains_key(&key)) {
        let oids: Vec<PgOid> = args.iter().map(|a| PgOid::from(a.oid())).collect();
        let plan = client.prepare_mut(sql, &oids)?.keep();
        PLANS.with(|p| p.borrow_mut().insert(key.clone(), plan));
    }
    Ok(key)
}

/// Runs a writing `sql` through a backend-lifetime prepared statement.
pub fn execute_cached<'conn>(client: &mut SpiClient<'conn>, sql: &str, args: &[DatumWithOid<'_>]) -> SpiResult<SpiTupleTable<'conn>> {
    crate::shard_writes::before_statement(client, sql)?;
    let key = cached_plan(client, sql, args)?;
    PLANS.with(|p| match p.borrow().get(&key) {
        Some(plan) => client.update(plan, None, args),
        None => client.update(sql, None, args),
    })
}

/// Runs a writing `sql` whose one parameter, `$1`, is the array of the distribution keys of the
/// rows it writes (`... WHERE run_id = ANY($1)`): deferred to the shard groups of those keys while
/// a [`crate::shard_writes::Deferral`] runs, else as [`execute_cached`].
pub fn execute_keyed(client: &mut SpiClient<'_>, sql: &str, keys: Vec<pgrx::Uuid>) -> SpiResult<()> {
    let rows = keys.len();
    let args: [DatumWithOid<'_>; 1] = [keys.into()];
    if crate::shard_writes::key_arg(sql, &["trace_id"]).or_else(|| crate::shard_writes::key_arg(sql, &["run_id"])) == Some(0)
        && crate::shard_writes::defer(sql, &[&args[0]], 0, rows)
    {
        return Ok(());
    }
    execute_cached(client, sql, &args)?;
    Ok(())
}

/// Runs a reading `sql` through a backend-lifetime prepared statement (ingest's look-ups of
/// stored spans run on every batch; planning them each time cost more than running them).
pub fn select_cached<'conn>(client: &SpiClient<'conn>, sql: &str, args: &[DatumWithOid<'_>]) -> SpiResult<SpiTupleTable<'conn>> {
    crate::shard_writes::before_statement(client, sql)?;
    let key = cached_plan(client, sql, args)?;
    PLANS.with(|p| match p.borrow().get(&key) {
        Some(plan) => client.select(plan, None, args),
        None => client.select(sql, None, args),
    })
}

/// While alive, ingest's statements plan for what they are — keyed look-ups and writes of a
/// batch — whatever the tables' statistics say:
/// * no sequential scans (`enable_seqscan = off`, used only where no index applies): plans are
///   cached for the backend's lifetime, and one made while the tables were small (a fresh
///   install, after TRUNCATE, before the first ANALYZE) would keep scanning whole tables on every
///   batch as they grow (measured: 1.7 ms per 64-span request for the facts refresh on spans);
/// * generic plans (`plan_cache_mode = force_generic_plan`): with array parameters PostgreSQL
///   otherwise re-plans many statements on every call (measured: 8 µs per span at 64-span
///   requests).
///
/// With Citus in the database the plans are custom instead (`force_custom_plan`): Citus plans a
/// statement on distributed tables only with its parameters' values (a generic plan fails with
/// "could not create distributed plan"), and the planning it then does per call is small beside
/// the distributed execution.
/// Both restored on drop, also when an error unwinds through it.
pub struct IngestPlanning {
    seqscan: bool,
    cache_mode: i32,
    jit: bool,
}

impl IngestPlanning {
    pub fn start() -> Self {
        // SAFETY: plain GUC variables of this backend's planner, read and written on its one
        // thread; the values set are valid settings.
        unsafe {
            let saved = IngestPlanning::saved();
            pgrx::pg_sys::enable_seqscan = false;
            pgrx::pg_sys::plan_cache_mode = if citus_present() {
                pgrx::pg_sys::PlanCacheMode::PLAN_CACHE_MODE_FORCE_CUSTOM_PLAN as i32
            } else {
                pgrx::pg_sys::PlanCacheMode::PLAN_CACHE_MODE_FORCE_GENERIC_PLAN as i32
            };
            saved
        }
    }

    /// As [`start`](Self::start) for statements on local tables only (a Citus worker applying a
    /// shard group's writes, [`crate::shard_apply`]): generic plans, as on one server, and no JIT
    /// (a plan that had to scan a small catalog table sequentially would cost enough to be
    /// compiled, on every call).
    pub fn local() -> Self {
        // SAFETY: as in start().
        unsafe {
            let saved = IngestPlanning::saved();
            pgrx::pg_sys::enable_seqscan = false;
            pgrx::pg_sys::plan_cache_mode = pgrx::pg_sys::PlanCacheMode::PLAN_CACHE_MODE_FORCE_GENERIC_PLAN as i32;
            pgrx::pg_sys::jit_enabled = false;
            saved
        }
    }

    /// The settings as they are.
    ///
    /// # Safety
    /// Reads the backend's planner GUC variables (its one thread).
    unsafe fn saved() -> Self {
        IngestPlanning { seqscan: pgrx::pg_sys::enable_seqscan, cache_mode: pgrx::pg_sys::plan_cache_mode, jit: pgrx::pg_sys::jit_enabled }
    }
}

/// The suffix of an insert of `rows` rows that are new by construction (derived rows of a run
/// whose old ones were just deleted): none, except for a `VALUES` list on Citus (see
/// [`use_values`]), where `ON CONFLICT DO NOTHING` changes nothing for such rows but keeps
/// Citus from routing them through its COPY, which always commits in two phases.
pub fn new_rows_suffix(rows: usize) -> &'static str {
    if use_values(rows) {
        "ON CONFLICT DO NOTHING"
    } else {
        ""
    }
}

/// Inserts of up to this many rows are multi-row `VALUES` lists on Citus (see [`use_values`]).
/// Measured with `citus_bench`: beyond that a `VALUES` list costs more than Citus's COPY of an
/// `INSERT ... SELECT` (planning it on the coordinator, parsing its literals on the workers; a
/// request's 256 spans as `VALUES`: 1.5x the coordinator's and 1.7x the workers' CPU per span;
/// narrow derived rows up to 704 items: no measurable difference), so large inserts (whose rows
/// span shards and workers anyway) keep the COPY.
const VALUES_MAX_ROWS: usize = 32;

/// Small inserts on Citus are multi-row `VALUES` lists: Citus sends each shard its rows as one
/// statement and, when they all live on one shard, commits it in one phase. An `INSERT ...
/// SELECT` (from `unnest()`) goes through Citus's COPY into intermediate results, a second
/// command per shard, and always commits in two phases.
fn use_values(rows: usize) -> bool {
    rows <= VALUES_MAX_ROWS && citus_present()
}

/// Parameter `$n`, the value of column `c` in one row, as an item of a Citus `VALUES` list.
/// Each item is its own parameter ([`Columns::values_args`]): Citus plans the statement with the
/// parameters' values in place, and an item written as an element of the column's array
/// (`($n::t[])[row]`) put the whole array into the plan once per item, copied again at every
/// step of Citus's planning (each row's shard, each shard's query): the plan of a 22-span
/// request's inserts grew with the square of its rows.
fn values_item(sql: &mut String, n: usize, c: &Column<'_>) {
    use std::fmt::Write;
    // Writing into a String cannot fail.
    let _ = match c.cast {
        Some(cast) => write!(sql, "${n}::{}::{cast}", c.pg_type),
        None => write!(sql, "${n}::{}", c.pg_type),
    };
}

/// A part of a target expression of [`Columns::insert_exprs_sql`].
enum Piece<'e> {
    Text(&'e str),
    /// The batch's column at this index.
    Column(usize),
}

/// Runs an insert built by [`Columns`]: cached like [`execute_cached`], but planned for this
/// call only when it holds a `VALUES` list (its text depends on the row count).
fn execute_insert<'conn>(
    client: &mut SpiClient<'conn>,
    sql: &str,
    args: &[DatumWithOid<'_>],
    values: bool,
) -> SpiResult<SpiTupleTable<'conn>> {
    if values {
        crate::shard_writes::before_statement(client, sql)?;
        client.update(sql, None, args)
    } else {
        execute_cached(client, sql, args)
    }
}

/// True when the Citus extension is installed in this database (one index look-up in
/// pg_extension).
pub fn citus_present() -> bool {
    // SAFETY: a catalog look-up by name; missing_ok returns InvalidOid instead of raising.
    unsafe { pgrx::pg_sys::get_extension_oid(c"citus".as_ptr(), true) != pgrx::pg_sys::InvalidOid }
}

impl Drop for IngestPlanning {
    fn drop(&mut self) {
        // SAFETY: as in start().
        unsafe {
            pgrx::pg_sys::enable_seqscan = self.seqscan;
            pgrx::pg_sys::plan_cache_mode = self.cache_mode;
            pgrx::pg_sys::jit_enabled = self.jit;
        }
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
    /// Rows (the longest column).
    rows: usize,
}

impl<'a> Columns<'a> {
    pub fn new() -> Self {
        Columns { cols: Vec::new(), rows: 0 }
    }

    pub fn col<T: IntoDatum>(mut self, name: &'static str, pg_type: &'static str, values: Vec<T>) -> Self {
        self.rows = self.rows.max(values.len());
        self.cols.push(Column { name, pg_type, cast: None, datum: values.into() });
        self
    }

    /// A column taken from each row: `rows.iter().map(f)` as one array.
    pub fn map<R, T: IntoDatum>(self, name: &'static str, pg_type: &'static str, rows: &[R], f: impl Fn(&R) -> T) -> Self {
        self.col(name, pg_type, rows.iter().map(f).collect::<Vec<T>>())
    }

    /// A `text` column of strings borrowed from each row, as one array built in one allocation
    /// ([`crate::datums::text_array`]), without cloning them first.
    pub fn text<R>(mut self, name: &'static str, rows: &[R], f: impl Fn(&R) -> Option<&str>) -> Self {
        let values: Vec<Option<&str>> = rows.iter().map(f).collect();
        self.rows = self.rows.max(values.len());
        self.cols.push(Column { name, pg_type: "text", cast: None, datum: crate::datums::text_array(&values) });
        self
    }

    /// A `jsonb` column of JSON objects borrowed from each row, built without JSON text
    /// ([`crate::datums::jsonb_array`]).
    pub fn jsonb<R>(
        mut self,
        name: &'static str,
        rows: &[R],
        f: impl Fn(&R) -> Option<&serde_json::Map<String, serde_json::Value>>,
    ) -> Self {
        let values: Vec<Option<&serde_json::Map<String, serde_json::Value>>> = rows.iter().map(f).collect();
        self.rows = self.rows.max(values.len());
        self.cols.push(Column { name, pg_type: "jsonb", cast: None, datum: crate::datums::jsonb_array(&values) });
        self
    }

    pub fn cast<T: IntoDatum>(mut self, name: &'static str, pg_type: &'static str, cast: &'static str, values: Vec<T>) -> Self {
        self.rows = self.rows.max(values.len());
        self.cols.push(Column { name, pg_type, cast: Some(cast), datum: values.into() });
        self
    }

    /// `(SELECT unnest($n::t[]) AS col, ...) AS u` with parameters numbered after `offset`.
    ///
    /// The arrays are expanded in the select list (a ProjectSet node, which streams its rows)
    /// rather than as `unnest(...) AS u(cols)` in FROM: a function scan first copies every row
    /// into a tuplestore and reads it back, which cost ~10 % of an insert of a batch's spans.
    /// Same rows: the arrays advance in lockstep and a shorter one reads as NULL.
    fn unnest(&self, offset: usize) -> String {
        let items: Vec<String> =
            self.cols.iter().enumerate().map(|(i, c)| format!("unnest(${}::{}[]) AS {}", offset + i + 1, c.pg_type, c.name)).collect();
        format!("(SELECT {}) AS u", items.join(", "))
    }

    /// `template` with `{unnest}` replaced by [`unnest`](Self::unnest), and each
    /// `{route:alias.col}` by `AND alias.col = ANY($n)`, $n the array of the batch's column `col`,
    /// when Citus is installed (nothing otherwise). A write that joins `u` to a distributed table
    /// on its distribution column says so with it: Citus then sends the statement to the shards
    /// of those keys only (a join to `unnest()` alone goes to every shard). One server keeps the
    /// plain key join it plans as an index probe per row.
    fn fill(&self, template: &str, offset: usize) -> String {
        let mut sql = template.replace("{unnest}", &self.unnest(offset));
        let citus = citus_present();
        while let Some(start) = sql.find("{route:") {
            let Some(len) = sql[start..].find('}') else { break };
            let target = &sql[start + "{route:".len()..start + len];
            let col = target.rsplit('.').next().unwrap_or(target);
            let cond = match self.cols.iter().position(|c| c.name == col) {
                Some(i) if citus => format!("AND {target} = ANY(${}::{}[])", offset + i + 1, self.cols[i].pg_type),
                _ => String::new(),
            };
            sql.replace_range(start..start + len + 1, &cond);
        }
        sql
    }

    fn insert_sql(&self, table: &str, suffix: &str, offset: usize, values: bool) -> String {
        self.insert_exprs_sql(table, &self.plain_targets(), suffix, offset, values)
    }

    /// Each column written as is.
    fn plain_targets(&self) -> Vec<(&'static str, String)> {
        self.cols.iter().map(|c| (c.name, format!("{{{}}}", c.name))).collect()
    }

    /// While a [`crate::shard_writes::Deferral`] runs: defers `sql` (written over `{unnest}`, its
    /// parameters the columns' arrays) to the shard groups of its rows when it can be; true if so.
    fn defer(&self, sql: &str) -> bool {
        let names: Vec<&str> = self.cols.iter().map(|c| c.name).collect();
        let Some(key) = crate::shard_writes::key_arg(sql, &names) else { return false };
        let args: Vec<&DatumWithOid<'a>> = self.cols.iter().map(|c| &c.datum).collect();
        crate::shard_writes::defer(sql, &args, key, self.rows)
    }

    /// Defers the insert (see [`defer`](Self::defer)); true if it was.
    fn defer_insert(&self, table: &str, targets: &[(&str, String)], suffix: &str) -> bool {
        crate::shard_writes::active() && self.defer(&self.insert_exprs_sql(table, targets, suffix, 0, false))
    }

    /// `INSERT INTO table (targets' columns) ... suffix`, each target's value an expression over
    /// the batch's columns (`{col}`; the column's cast applies). One server: `SELECT expr, ...
    /// FROM unnest(...)`. Citus: a multi-row `VALUES` list of the arrays' elements (see
    /// [`use_values`] and [`values_item`]).
    fn insert_exprs_sql(&self, table: &str, targets: &[(&str, String)], suffix: &str, offset: usize, values: bool) -> String {
        let names: Vec<&str> = targets.iter().map(|(n, _)| *n).collect();
        let fill = |expr: &str, value: &dyn Fn(usize, &Column<'_>) -> String| {
            let mut e = expr.to_string();
            for (i, c) in self.cols.iter().enumerate() {
                e = e.replace(&format!("{{{}}}", c.name), &value(i, c));
            }
            e
        };
        if values {
            // Each target's expression is split into text and column references once; the rows
            // are then written into one string (replacing `{col}` per item and row made building
            // the text grow with rows x targets x columns).
            let pieces: Vec<Vec<Piece<'_>>> = targets.iter().map(|(_, e)| self.pieces(e)).collect();
            let mut sql = format!("INSERT INTO {table} ({}) VALUES ", names.join(", "));
            for row in 0..self.rows {
                let first = offset + row * self.cols.len();
                sql.push_str(if row == 0 { "(" } else { ", (" });
                for (k, target) in pieces.iter().enumerate() {
                    if k > 0 {
                        sql.push_str(", ");
                    }
                    for piece in target {
                        match piece {
                            Piece::Text(t) => sql.push_str(t),
                            Piece::Column(i) => values_item(&mut sql, first + i + 1, &self.cols[*i]),
                        }
                    }
                }
                sql.push(')');
            }
            sql.push(' ');
            sql.push_str(suffix);
            sql
        } else {
            let unnested = |_: usize, c: &Column<'_>| match c.cast {
                Some(cast) => format!("u.{}::{cast}", c.name),
                None => format!("u.{}", c.name),
            };
            let selects: Vec<String> = targets.iter().map(|(_, e)| fill(e, &unnested)).collect();
            format!("INSERT INTO {table} ({}) SELECT {} FROM {} {suffix}", names.join(", "), selects.join(", "), self.unnest(offset))
        }
    }

    fn into_args(self) -> Vec<DatumWithOid<'a>> {
        self.cols.into_iter().map(|c| c.datum).collect()
    }

    /// `expr` as text and references to the batch's columns (`{col}`).
    fn pieces<'e>(&self, expr: &'e str) -> Vec<Piece<'e>> {
        let mut out = Vec::new();
        let mut rest = expr;
        while let Some(start) = rest.find('{') {
            let column = rest[start..].find('}').and_then(|len| {
                let name = &rest[start + 1..start + len];
                self.cols.iter().position(|c| c.name == name).map(|i| (i, start + len + 1))
            });
            match column {
                Some((i, end)) => {
                    out.push(Piece::Text(&rest[..start]));
                    out.push(Piece::Column(i));
                    rest = &rest[end..];
                }
                None => {
                    out.push(Piece::Text(&rest[..start + 1]));
                    rest = &rest[start + 1..];
                }
            }
        }
        out.push(Piece::Text(rest));
        out
    }

    /// The parameters of the statement [`insert_exprs_sql`](Self::insert_exprs_sql) writes: one
    /// array per column, or for a `VALUES` list each row's values in column order (see
    /// [`values_item`]).
    fn args(self, values: bool) -> Vec<DatumWithOid<'a>> {
        if !values {
            return self.into_args();
        }
        let rows = self.rows;
        let mut columns: Vec<std::vec::IntoIter<DatumWithOid<'a>>> =
            self.cols.iter().map(|c| crate::datums::array_elements(&c.datum, rows).into_iter()).collect();
        let mut out = Vec::with_capacity(rows * columns.len());
        for _ in 0..rows {
            for c in columns.iter_mut() {
                if let Some(d) = c.next() {
                    out.push(d);
                }
            }
        }
        out
    }

    /// Runs the insert (`suffix` is e.g. `ON CONFLICT DO NOTHING`). Returns rows written (when
    /// deferred to the shard groups, the rows given).
    pub fn insert(self, client: &mut SpiClient<'_>, table: &str, suffix: &str) -> SpiResult<usize> {
        if self.rows == 0 {
            return Ok(0);
        }
        if self.defer_insert(table, &self.plain_targets(), suffix) {
            return Ok(self.rows);
        }
        let values = use_values(self.rows);
        let sql = self.insert_sql(table, suffix, 0, values);
        let t = execute_insert(client, &sql, &self.args(values), values)?;
        Ok(t.len())
    }

    /// Like [`insert`](Self::insert), each target column's value an expression over the batch's
    /// columns, e.g. `("tsv", "to_tsvector('english'::regconfig, {words})")`.
    pub fn insert_exprs(self, client: &mut SpiClient<'_>, table: &str, targets: &[(&str, &str)], suffix: &str) -> SpiResult<usize> {
        if self.rows == 0 {
            return Ok(0);
        }
        let targets: Vec<(&str, String)> = targets.iter().map(|(n, e)| (*n, e.to_string())).collect();
        if self.defer_insert(table, &targets, suffix) {
            return Ok(self.rows);
        }
        let values = use_values(self.rows);
        let sql = self.insert_exprs_sql(table, &targets, suffix, 0, values);
        let t = execute_insert(client, &sql, &self.args(values), values)?;
        Ok(t.len())
    }

    /// Like [`insert`](Self::insert), returning the (trace_id, span_id) of every row inserted
    /// (`suffix` may skip rows, e.g. `ON CONFLICT DO NOTHING`).
    ///
    /// With `try_plain`, a plain INSERT (no `suffix`) runs first in a subtransaction; only if
    /// it raises unique_violation (some row is stored already) does the statement with `suffix`
    /// run. Same rows either way; see [`crate::subxact`] for why.
    pub fn insert_span_keys(
        self,
        client: &mut SpiClient<'_>,
        table: &str,
        suffix: &str,
        try_plain: bool,
    ) -> SpiResult<Vec<([u8; 16], i64)>> {
        fn keys(t: SpiTupleTable<'_>) -> SpiResult<Vec<([u8; 16], i64)>> {
            let mut out = Vec::with_capacity(t.len());
            for row in t {
                if let (Some(tr), Some(s)) = (row.get::<pgrx::Uuid>(1)?, row.get::<i64>(2)?) {
                    out.push((trace_id(&tr), s));
                }
            }
            Ok(out)
        }
        let values = use_values(self.rows);
        let guarded = self.insert_sql(table, &format!("{suffix} RETURNING trace_id, span_id"), 0, values);
        let plain = try_plain.then(|| self.insert_sql(table, "RETURNING trace_id, span_id", 0, values));
        if self.rows == 0 {
            return Ok(Vec::new());
        }
        let args = self.args(values);
        if let Some(plain) = plain {
            let first =
                crate::subxact::unless(PgSqlErrorCode::ERRCODE_UNIQUE_VIOLATION, || keys(execute_insert(client, &plain, &args, values)?));
            if let Some(done) = first {
                return done;
            }
        }
        keys(execute_insert(client, &guarded, &args, values)?)
    }

    /// A query over `{unnest}` (as in [`run`](Self::run)), returning its rows.
    pub fn select<'conn>(self, client: &mut SpiClient<'conn>, template: &str) -> SpiResult<SpiTupleTable<'conn>> {
        let sql = self.fill(template, 0);
        execute_cached(client, &sql, &self.into_args())
    }

    /// Like [`insert`](Self::insert) but with a custom statement over `u(...)`:
    /// `{unnest}` in `template` is replaced by the batch's rows as `u` (see `unnest`).
    /// Deferred to the shard groups of its rows while a [`crate::shard_writes::Deferral`] runs,
    /// when it can be (returning the rows given).
    pub fn run(self, client: &mut SpiClient<'_>, template: &str) -> SpiResult<usize> {
        let sql = self.fill(template, 0);
        if self.rows > 0 && self.defer(&sql) {
            return Ok(self.rows);
        }
        let t = execute_cached(client, &sql, &self.into_args())?;
        Ok(t.len())
    }
}

/// Writes to several tables sent as one statement (data-modifying CTEs): one SPI call, one
/// cached plan and one executor start for all of them instead of one per table. The writes
/// must be independent (they share one snapshot and do not see each other's rows). While a
/// [`crate::shard_writes::Deferral`] runs, each write that can be is deferred instead.
#[derive(Default)]
pub struct Writes<'a> {
    writes: Vec<(Columns<'a>, Write)>,
}

/// One write of [`Writes`].
enum Write {
    Insert { table: String, targets: Option<Vec<(String, String)>>, suffix: String },
    Run { template: String },
}

impl<'a> Writes<'a> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `INSERT INTO table (cols) SELECT ... FROM unnest(...) suffix` (skipped when empty).
    pub fn insert(&mut self, cols: Columns<'a>, table: &str, suffix: &str, rows: usize) {
        if rows > 0 {
            self.writes.push((cols, Write::Insert { table: table.to_string(), targets: None, suffix: suffix.to_string() }));
        }
    }

    /// Adds an insert whose target columns are expressions (see [`Columns::insert_exprs`]).
    pub fn insert_exprs(&mut self, cols: Columns<'a>, table: &str, targets: &[(&str, &str)], suffix: &str, rows: usize) {
        if rows > 0 {
            let targets = targets.iter().map(|(n, e)| (n.to_string(), e.to_string())).collect();
            self.writes.push((cols, Write::Insert { table: table.to_string(), targets: Some(targets), suffix: suffix.to_string() }));
        }
    }

    /// Adds a custom write over `{unnest}` (skipped when empty).
    pub fn run(&mut self, cols: Columns<'a>, template: &str, rows: usize) {
        if rows > 0 {
            self.writes.push((cols, Write::Run { template: template.to_string() }));
        }
    }

    pub fn execute(self, client: &mut SpiClient<'_>) -> SpiResult<()> {
        let defer = crate::shard_writes::active();
        let mut statements: Vec<String> = Vec::with_capacity(self.writes.len());
        let mut args: Vec<DatumWithOid<'a>> = Vec::new();
        let mut values = false;
        for (cols, write) in self.writes {
            let sql = match &write {
                Write::Insert { table, targets, suffix } => {
                    let targets: Vec<(&str, String)> = match targets {
                        Some(t) => t.iter().map(|(n, e)| (n.as_str(), e.clone())).collect(),
                        None => cols.plain_targets(),
                    };
                    if defer && cols.defer_insert(table, &targets, suffix) {
                        continue;
                    }
                    let v = use_values(cols.rows);
                    values |= v;
                    cols.insert_exprs_sql(table, &targets, suffix, args.len(), v)
                }
                Write::Run { template } => {
                    if defer && cols.defer(&cols.fill(template, 0)) {
                        continue;
                    }
                    cols.fill(template, args.len())
                }
            };
            statements.push(sql);
            let v = matches!(write, Write::Insert { .. }) && use_values(cols.rows);
            args.extend(cols.args(v));
        }
        let Some((last, first)) = statements.split_last() else {
            return Ok(());
        };
        let mut sql = String::new();
        for (i, s) in first.iter().enumerate() {
            sql.push_str(if i == 0 { "WITH " } else { ", " });
            sql.push_str(&format!("w{i} AS ({s})"));
        }
        sql.push(' ');
        sql.push_str(last);
        execute_insert(client, &sql, &args, values)?;
        Ok(())
    }
}

pub fn uuid(id: &[u8; 16]) -> pgrx::Uuid {
    pgrx::Uuid::from_bytes(*id)
}

pub fn timestamptz(pg_micros: i64) -> TimestampWithTimeZone {
    // Out-of-range values cannot come from u64 nanoseconds; fall back to the epoch, not a panic.
    TimestampWithTimeZone::try_from(pg_micros).unwrap_or_else(|_| TimestampWithTimeZone::positive_infinity())
}

pub fn trace_id(u: &pgrx::Uuid) -> [u8; 16] {
    let mut id = [0u8; 16];
    id.copy_from_slice(u.as_bytes());
    id
}
