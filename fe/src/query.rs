//! SELECT through DataFusion: table providers that scan BE tablets at the visible version,
//! information_schema, session variables and functions.

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
