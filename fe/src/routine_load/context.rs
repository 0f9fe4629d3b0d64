//! What the routine-load loops and callbacks use of the rest of the FE: the managers below this
//! layer, each by itself, instead of the whole `FeContext` (which sits above routine_load and
//! also holds the query engine, sessions and privileges). `context.rs` builds one from the FE's
//! managers; tests can build one from the managers alone.

use super::RoutineLoadManager;
use crate::catalog::Catalog;
use crate::cluster::Cluster;
use crate::config::ConfigHandle;
use crate::txn::{TransactionState, TxnListener, TxnManager};
use std::sync::Arc;

/// The managers a routine-load scheduler round, a task report or a publish callback touches.
/// Field names match `FeContext`'s, so code reads the same in both.
#[derive(Clone)]
pub struct RoutineLoadContext {
    pub config: ConfigHandle,
    pub catalog: Arc<Catalog>,
    pub cluster: Arc<Cluster>,
    pub txn: Arc<TxnManager>,
    pub routine_load: Arc<RoutineLoadManager>,
}

/// Routine load owns the transactions its tasks begin: on VISIBLE the job renews the task, on
/// ABORTED the BEs drop the staged rows (`txn_callback`).
impl TxnListener for RoutineLoadContext {
    fn on_aborted(&self, txn: &TransactionState) {
        super::txn_callback::notify_abort(self, txn);
    }

    fn on_visible(&self, txn: &TransactionState) {
        super::txn_callback::on_visible(self, txn);
    }
}
