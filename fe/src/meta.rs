//! The FE's RocksDB metadata store: the single source of truth for catalog, backends, jobs,
//! transactions and progress. See `keys` for every persisted key.

pub mod codec;
pub mod error;
pub mod keys;
pub mod raft;
pub mod store;

pub use store::{MetaBatch, MetaError, MetaStore};
