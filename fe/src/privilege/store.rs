//! Persisted records of users and roles (values of the `USER` / `ROLE` keys, see
//! `meta/keys.rs`). JSON through `meta::codec`; new fields take `#[serde(default)]`.

use super::types::PrivCollection;
use crate::meta::keys;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The auth plugin StarRocks prints for native passwords (`AuthPlugin.Server`).
pub const NATIVE_PLUGIN: &str = "MYSQL_NATIVE_PASSWORD";

/// One user (`'name'@'host'`): authentication and directly granted privileges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    pub name: String,
    /// Host pattern; `%` matches every client.
    pub host: String,
    /// `*HEX` of SHA1(SHA1(password)), or empty for no password. Never the plain text.
    pub password: String,
    pub plugin: String,
    /// Roles granted to the user.
    pub roles: BTreeSet<String>,
    /// Roles active at login (`DEFAULT ROLE`).
    pub default_roles: BTreeSet<String>,
    pub privs: PrivCollection,
}

impl UserRecord {
    /// `'name'@'host'` (`UserIdentity.toString`).
    pub fn identity(&self) -> String {
        identity(&self.name, &self.host)
    }

    pub fn key(&self) -> Vec<u8> {
        keys::user_key(&self.name, &self.host)
    }
}

/// A user-created role (or `public`'s extra grants).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleRecord {
    pub name: String,
    #[serde(default)]
    pub comment: String,
    pub privs: PrivCollection,
}

impl RoleRecord {
    pub fn key(&self) -> Vec<u8> {
        keys::name_key(keys::ROLE, &self.name)
    }
}

/// `'name'@'host'`.
pub fn identity(name: &str, host: &str) -> String {
    format!("'{name}'@'{host}'")
}
