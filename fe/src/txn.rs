//! Load transactions (key 0x40): begin (label, id), commit together with the job's progress in
//! one atomic write, publish to every replica (retried until visible), abort.

use crate::meta::{MetaError, MetaStore};
use std::sync::Arc;

/// The transaction manager.
pub struct TxnManager {
    #[allow(dead_code)]
    meta: Arc<MetaStore>,
}

impl TxnManager {
    pub fn load(meta: Arc<MetaStore>) -> Result<Self, MetaError> {
        Ok(Self { meta })
    }
}
