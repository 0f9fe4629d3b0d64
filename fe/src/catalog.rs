//! Databases, tables, columns, partitions and tablets, kept in memory and persisted through
//! `meta` (keys 0x10/0x11). Owner of table schemas and partition versions.

use crate::meta::{MetaError, MetaStore};
use std::sync::Arc;

/// The catalog.
pub struct Catalog {
    #[allow(dead_code)]
    meta: Arc<MetaStore>,
}

impl Catalog {
    /// Loads the catalog from the metadata store.
    pub fn load(meta: Arc<MetaStore>) -> Result<Self, MetaError> {
        Ok(Self { meta })
    }
}
