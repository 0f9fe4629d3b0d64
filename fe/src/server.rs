//! The MySQL protocol (opensrv-mysql): listener, handshake, authentication, COM_* commands,
//! result and error packets. Never opens `meta/`; statements go to `sql::parse` and
//! `handler::execute`.
//!
//! Layout:
//! - `listener`: accepts sockets (TCP_NODELAY), registers connections, runs one task each.
//! - `shim`: the `AsyncMysqlShim` (auth, COM_QUERY, COM_INIT_DB, prepared statements).
//! - `auth`: mysql_native_password and the per-connection scramble.
//! - `conn_io`: buffered socket writer that also puts our exact ERR packets on the wire.
//! - `result_writer`: `QueryResult`/`SqlError` -> packets, MySQL column types.
//! - `tls`: CLIENT_SSL negotiation before opensrv takes over (certificate from fe.conf).
//! - `prepared`: placeholder counting and parameter substitution for COM_STMT_*.

pub mod auth;
pub mod conn_io;
pub mod listener;
pub mod prepared;
pub mod result_writer;
pub mod shim;
pub mod tls;

pub use listener::{bind, serve, tls_config};
