//! Every key the FE persists. One prefix byte per kind; ids are u64/i64 big-endian so that byte
//! order equals id order. Values are JSON documents written through `codec` (versioned by
//! `#[serde(default)]` on new fields; never change the meaning of an existing field).
//!
//! | prefix | layout                         | value                    | written by            |
//! |--------|--------------------------------|--------------------------|-----------------------|
//! | `0x01` | `01`                           | `IdCounter` (next id)    | meta::store (next_id) |
//! | `0x02` | `02 index`                     | a Raft log entry (`raft::log_store`) | meta::raft      |
//! | `0x03`..`0x07` | one key each            | Raft vote, committed id, purged id, applied id, membership | meta::raft |
//! | `0x09` | `09`                           | cluster id (i64), replicated | meta::raft (initialize) |
//! | `0x10` | `10 db_id`                     | `catalog::Database`      | catalog               |
//! | `0x11` | `11 table_id`                  | `catalog::Table` (schema, partitions, tablets, versions) | catalog, txn (versions) |
//! | `0x12` | `12 view_id`                  | `catalog::view::View` (query text, columns) | catalog |
//! | `0x20` | `20 backend_id`                | `cluster::Backend`       | cluster               |
//! | `0x21` | `21 host:edit_log_port`       | `cluster::frontend::FrontendRecord` | handler (ALTER SYSTEM), ha |
//! | `0x30` | `30 job_id`                    | `routine_load::RoutineLoadJob` (state, progress, stats) | routine_load, txn |
//! | `0x31` | `31 job_id`                    | `load_job::LoadJobRecord` (one INSERT / DELETE statement's SHOW LOAD row) | load_job |
//! | `0x32` | `32 job_id txn_id`             | `routine_load::txn_ledger::LedgerEntry` (offsets one txn covered) | txn (same batch as the commit) |
//! | `0x40` | `40 txn_id`                    | `txn::TransactionState`  | txn                   |
//! | `0x50` | `50 user name 00 host`         | `privilege::store::UserRecord` (password hash, roles, grants) | privilege |
//! | `0x51` | `51 role name`                 | `privilege::store::RoleRecord` (grants) | privilege      |
//! | `0x60` | `60 variable name`             | `String` (SET GLOBAL value) | variables          |
//!
//! A transaction's COMMITTED state, the table's new partition versions and the job's new
//! progress are written in one `MetaBatch` (one atomic RocksDB write): see `txn`.

/// Prefix of the id counter.
pub const ID_COUNTER: u8 = 0x01;
/// Raft's own keys (`meta::raft`): never in a snapshot, never replicated as data.
pub const RAFT_LOG: u8 = 0x02;
pub const RAFT_VOTE: u8 = 0x03;
pub const RAFT_COMMITTED: u8 = 0x04;
pub const RAFT_PURGED: u8 = 0x05;
pub const RAFT_APPLIED: u8 = 0x06;
pub const RAFT_MEMBERSHIP: u8 = 0x07;
/// `08 00` -> the last snapshot's meta, `08 01` -> its data (sent to a lagging member).
pub const RAFT_SNAPSHOT: u8 = 0x08;
/// `09` -> the cluster id (StarRocks's ClusterId), written by the entry that initializes a
/// cluster; a node whose store holds another id refuses to join.
pub const CLUSTER_ID: u8 = 0x09;
pub const DATABASE: u8 = 0x10;
pub const TABLE: u8 = 0x11;
/// `12 <view id>` -> a view (`catalog::view`).
pub const VIEW: u8 = 0x12;
pub const BACKEND: u8 = 0x20;
/// `21 host:edit_log_port` -> `cluster::frontend::FrontendRecord` (role asked for, added time).
pub const FRONTEND: u8 = 0x21;
pub const ROUTINE_LOAD_JOB: u8 = 0x30;
/// `31 <job id>` -> a finished or cancelled INSERT load job (SHOW LOAD), kept for
/// `label_keep_max_second`.
pub const LOAD_JOB: u8 = 0x31;
/// `32 <job id> <txn id>` -> the offset ledger record of one routine load transaction
/// (`routine_load::txn_ledger`, SHOW ROUTINE LOAD TXN).
pub const ROUTINE_LOAD_TXN: u8 = 0x32;
pub const TXN: u8 = 0x40;
pub const USER: u8 = 0x50;
pub const ROLE: u8 = 0x51;
/// `60 <name>` -> the SET GLOBAL value as a JSON string (variables).
pub const GLOBAL_VARIABLE: u8 = 0x60;

/// True for keys that hold replicated state (everything except Raft's own bookkeeping):
/// what a snapshot carries and what installing one replaces.
pub fn is_state_key(key: &[u8]) -> bool {
    match key.first() {
        Some(&p) => p == ID_COUNTER || p == CLUSTER_ID || p >= DATABASE,
        None => false,
    }
}

/// `prefix id` with the id big-endian.
pub fn id_key(prefix: u8, id: i64) -> Vec<u8> {
    let mut k = Vec::with_capacity(9);
    k.push(prefix);
    k.extend_from_slice(&(id as u64).to_be_bytes());
    k
}

/// `prefix name-bytes`.
pub fn name_key(prefix: u8, name: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + name.len());
    k.push(prefix);
    k.extend_from_slice(name.as_bytes());
    k
}

/// `50 name 00 host`: a user. The NUL cannot occur in a user name (StarRocks's user-name
/// regex), so the layout is unambiguous and all hosts of one name sort together.
pub fn user_key(name: &str, host: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(2 + name.len() + host.len());
    k.push(USER);
    k.extend_from_slice(name.as_bytes());
    k.push(0);
    k.extend_from_slice(host.as_bytes());
    k
}

/// The id of an `id_key`, or None when the key is malformed.
pub fn parse_id_key(prefix: u8, key: &[u8]) -> Option<i64> {
    if key.len() != 9 || key[0] != prefix {
        return None;
    }
    let mut b = [0u8; 8];
    b.copy_from_slice(&key[1..]);
    Some(u64::from_be_bytes(b) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_keys_round_trip_and_sort_by_id() {
        let a = id_key(TABLE, 5);
        let b = id_key(TABLE, 300);
        assert!(a < b);
        assert_eq!(parse_id_key(TABLE, &b), Some(300));
        assert_eq!(parse_id_key(DATABASE, &b), None);
        assert_eq!(parse_id_key(TABLE, &b[..5]), None);
    }

    #[test]
    fn user_keys_group_hosts_of_one_name() {
        let a = user_key("bob", "%");
        let b = user_key("bob", "10.0.0.1");
        let c = user_key("bobby", "%");
        assert_eq!(a, b"\x50bob\x00%".to_vec());
        assert!(a < b && b < c);
        assert!(a.starts_with(&[USER]));
    }
}
