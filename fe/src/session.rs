//! Per-connection state that statements read and change ([`Session`]), and the FE-wide
//! registry of open connections ([`SessionRegistry`]) behind SHOW PROCESSLIST and KILL.
//!
//! Invariant: a connection is in the registry from the accepted socket until the connection
//! task ends (its [`ConnectionGuard`] removes it on drop, also on panic or KILL).

use crate::privilege::Principal;
use crate::variables::{SessionVariables, VarValue};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::Notify;

/// One MySQL connection's session.
#[derive(Debug, Clone)]
pub struct Session {
    pub connection_id: u32,
    /// Authenticated user name (e.g. `root`).
    pub user: String,
    /// Client host as seen by the server (`ip:port`).
    pub host: String,
    /// Current catalog (`default_catalog` unless `USE catalog.db` chose another).
    pub current_catalog: String,
    /// Current database; empty when none is selected (StarRocks starts with "").
    pub current_db: String,
    pub vars: SessionVariables,
    /// User variables (`SET @x = ...`), keyed by lower-cased name; `None` is SQL NULL.
    pub user_vars: BTreeMap<String, Option<VarValue>>,
    /// The authenticated user record and the active roles (privilege checks).
    pub principal: Principal,
}

impl Session {
    pub fn new(
        connection_id: u32,
        user: impl Into<String>,
        host: impl Into<String>,
        vars: SessionVariables,
    ) -> Self {
        let user = user.into();
        // `root` is the built-in superuser; any other user starts with no active role
        // (the MySQL shim replaces this with the authenticated principal).
        let principal = if user == "root" {
            Principal::root()
        } else {
            Principal {
                user: user.clone(),
                host: "%".into(),
                roles: Default::default(),
            }
        };
        Self {
            connection_id,
            user,
            host: host.into(),
            current_catalog: "default_catalog".to_string(),
            current_db: String::new(),
            vars,
            user_vars: BTreeMap::new(),
            principal,
        }
    }

    /// `'user'@'host'` as StarRocks prints a user identity.
    pub fn user_identity(&self) -> String {
        let host = if self.principal.host.is_empty() {
            "%"
        } else {
            &self.principal.host
        };
        format!("'{}'@'{}'", self.user, host)
    }
}

/// What a connection is doing, for SHOW PROCESSLIST.
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    pub id: u32,
    pub user: String,
    pub host: String,
    pub db: String,
    /// `Sleep` or `Query`.
    pub command: &'static str,
    /// Wall-clock connect time, `yyyy-MM-dd HH:mm:ss`.
    pub connection_start_time: String,
    /// When `command` last changed.
    pub since: Instant,
    /// The running statement (empty when idle).
    pub info: String,
}

/// Signals a connection task and its running statement can be stopped by.
#[derive(Debug, Default)]
pub struct KillSwitch {
    /// KILL [CONNECTION]: the connection task stops and drops the socket.
    pub connection: Notify,
    /// KILL QUERY: the running statement stops with an error.
    pub query: Notify,
}

struct Entry {
    info: ConnectionInfo,
    kill: Arc<KillSwitch>,
}

/// Every open connection of this FE.
#[derive(Default)]
pub struct SessionRegistry {
    next_id: AtomicU32,
    conns: Mutex<BTreeMap<u32, Entry>>,
}

impl SessionRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u32, Entry>> {
        self.conns.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a new connection and returns its id and a guard that unregisters it.
    pub fn register(self: &Arc<Self>, host: &str) -> ConnectionGuard {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
        let kill = Arc::new(KillSwitch::default());
        let info = ConnectionInfo {
            id,
            user: String::new(),
            host: host.to_string(),
            db: String::new(),
            command: "Sleep",
            connection_start_time: chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string(),
            since: Instant::now(),
            info: String::new(),
        };
        self.lock().insert(
            id,
            Entry {
                info,
                kill: kill.clone(),
            },
        );
        ConnectionGuard {
            registry: self.clone(),
            id,
            kill,
        }
    }

    /// Open connections, by id.
    pub fn list(&self) -> Vec<ConnectionInfo> {
        self.lock().values().map(|e| e.info.clone()).collect()
    }

    /// Number of open connections.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when no connection is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// KILL: false when no connection has that id.
    pub fn kill(&self, id: u32, query_only: bool) -> bool {
        let conns = self.lock();
        match conns.get(&id) {
            None => false,
            Some(e) => {
                if query_only {
                    e.kill.query.notify_waiters();
                } else {
                    // notify_one keeps a permit, so a kill between two awaits is not lost.
                    e.kill.query.notify_waiters();
                    e.kill.connection.notify_one();
                }
                true
            }
        }
    }

    fn update(&self, id: u32, f: impl FnOnce(&mut ConnectionInfo)) {
        if let Some(e) = self.lock().get_mut(&id) {
            f(&mut e.info);
        }
    }
}

/// Keeps a connection registered; unregisters on drop.
pub struct ConnectionGuard {
    registry: Arc<SessionRegistry>,
    id: u32,
    kill: Arc<KillSwitch>,
}

impl ConnectionGuard {
    /// The connection id (also sent in the handshake).
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The kill signals of this connection.
    pub fn kill_switch(&self) -> Arc<KillSwitch> {
        self.kill.clone()
    }

    /// Records the authenticated user.
    pub fn set_user(&self, user: &str) {
        self.registry.update(self.id, |i| i.user = user.to_string());
    }

    /// Marks a statement as running (`Query`) with its text.
    pub fn start_query(&self, sql: &str, db: &str) {
        self.registry.update(self.id, |i| {
            i.command = "Query";
            i.info = sql.to_string();
            i.db = db.to_string();
            i.since = Instant::now();
        });
    }

    /// Marks the connection idle (`Sleep`).
    pub fn end_query(&self, db: &str) {
        self.registry.update(self.id, |i| {
            i.command = "Sleep";
            i.info.clear();
            i.db = db.to_string();
            i.since = Instant::now();
        });
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_list_kill_unregister() {
        let r = Arc::new(SessionRegistry::new());
        let a = r.register("127.0.0.1:1");
        let b = r.register("127.0.0.1:2");
        assert_ne!(a.id(), b.id());
        a.set_user("root");
        a.start_query("SELECT 1", "d");
        let list = r.list();
        assert_eq!(list.len(), 2);
        let ia = list.iter().find(|i| i.id == a.id()).unwrap();
        assert_eq!(
            (ia.command, ia.info.as_str(), ia.user.as_str()),
            ("Query", "SELECT 1", "root")
        );
        assert!(r.kill(b.id(), false));
        assert!(!r.kill(9999, false));
        drop(b);
        assert_eq!(r.len(), 1);
    }
}
