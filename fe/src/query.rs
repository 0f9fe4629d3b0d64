//! SELECT through DataFusion: table providers that scan BE tablets at the visible version,
//! information_schema, session variables and functions.
//!
//! Work in progress (h/fe-query): the DataFusion engine is written under `query/`
//! (`engine.rs` is the next version of this file; `format`, `functions`, `information_schema`,
//! `olap_scan`, `predicate`, `source`, `titles` its submodules) but not yet declared here:
//! it has not been compiled yet. Activating it = replacing this file with `query/engine.rs`.

/// The query engine.
pub struct QueryEngine {}

impl QueryEngine {
    pub fn new() -> Self {
        Self {}
    }
}

impl Default for QueryEngine {
    fn default() -> Self {
        Self::new()
    }
}
