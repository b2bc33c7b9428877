//! Benchmarks for pg_agenttrace. They print numbers; nothing here asserts a speed.
pub mod copy_text;
pub mod workload;
