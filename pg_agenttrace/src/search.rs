//! SQL capability: trace search (`agenttrace.search_runs`). The search document is maintained
//! at ingest (`store/derived.rs`, from the run state's search accumulators); ranking is plain SQL, so it lives in sql/search.sql.
use pgrx::prelude::*;

extension_sql_file!("../../sql/search.sql", name = "search_sql", requires = ["schema"]);
