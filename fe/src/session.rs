//! Per-connection state that statements read and change.

use crate::variables::SessionVariables;

/// One MySQL connection's session.
#[derive(Debug, Clone)]
pub struct Session {
    pub connection_id: u32,
    /// Authenticated user name (e.g. `root`).
    pub user: String,
    /// Client host as seen by the server.
    pub host: String,
    /// Current database; empty when none is selected (StarRocks starts with "").
    pub current_db: String,
    pub vars: SessionVariables,
}

impl Session {
    pub fn new(
        connection_id: u32,
        user: impl Into<String>,
        host: impl Into<String>,
        vars: SessionVariables,
    ) -> Self {
        Self {
            connection_id,
            user: user.into(),
            host: host.into(),
            current_db: String::new(),
            vars,
        }
    }

    /// `'user'@'host'` as StarRocks prints a user identity.
    pub fn user_identity(&self) -> String {
        format!("'{}'@'%'", self.user)
    }
}
