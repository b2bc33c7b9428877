//! Set-based writes: a statement's rows travel as one array per column and are expanded
//! server-side with `unnest(...)` — one SPI call per table per batch, never one per row.
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::spi::{SpiClient, SpiResult};

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

    pub fn col<T: IntoDatum>(mut self, name: &'static str, pg_type: &'static str, values: Vec<T>) -> Self {
        self.cols.push(Column { name, pg_type, cast: None, datum: values.into() });
        self
    }

    pub fn cast<T: IntoDatum>(mut self, name: &'static str, pg_type: &'static str, cast: &'static str, values: Vec<T>) -> Self {
        self.cols.push(Column { name, pg_type, cast: Some(cast), datum: values.into() });
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
        let params: Vec<String> = self.cols.iter().enumerate().map(|(i, c)| format!("${}::{}[]", i + 1, c.pg_type)).collect();
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
        let t = client.update(sql.as_str(), None, &args)?;
        Ok(t.len())
    }

    /// Like [`insert`](Self::insert) but with a custom statement over `u(...)`:
    /// `{unnest}` in `template` is replaced by `unnest(...) AS u(cols)`.
    pub fn run(self, client: &mut SpiClient<'_>, template: &str) -> SpiResult<usize> {
        let names: Vec<&str> = self.cols.iter().map(|c| c.name).collect();
        let params: Vec<String> = self.cols.iter().enumerate().map(|(i, c)| format!("${}::{}[]", i + 1, c.pg_type)).collect();
        let unnest = format!("unnest({}) AS u({})", params.join(", "), names.join(", "));
        let sql = template.replace("{unnest}", &unnest);
        let args: Vec<DatumWithOid<'a>> = self.cols.into_iter().map(|c| c.datum).collect();
        let t = client.update(sql.as_str(), None, &args)?;
        Ok(t.len())
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
