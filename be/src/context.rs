//! The BE's shared state.

use crate::config::BeConfig;
use crate::storage::TabletStore;
use std::sync::Arc;

/// Everything a service call or task needs.
pub struct BeContext {
    pub config: BeConfig,
    pub store: Arc<TabletStore>,
}
