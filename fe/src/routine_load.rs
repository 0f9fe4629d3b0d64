//! Routine load jobs (key 0x30): properties, state machine, task scheduling, progress and the
//! SHOW formats.

use crate::meta::{MetaError, MetaStore};
use std::sync::Arc;

/// All routine load jobs.
pub struct RoutineLoadManager {
    #[allow(dead_code)]
    meta: Arc<MetaStore>,
}

impl RoutineLoadManager {
    pub fn load(meta: Arc<MetaStore>) -> Result<Self, MetaError> {
        Ok(Self { meta })
    }

    /// Starts the scheduler loop. None yet; added so `main` has one call.
    pub fn start(self: &Arc<Self>) {}
}
