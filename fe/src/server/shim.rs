//! The `AsyncMysqlShim` of one connection: handshake values (version, connection id, random
//! scramble), authentication, COM_QUERY, COM_INIT_DB and prepared statements.
//!
//! Invariants: a statement's failure, even a panic inside a handler, becomes an ERR packet and
//! the connection stays usable; KILL QUERY interrupts the running statement.

use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::handler;
use crate::privilege::Principal;
use crate::result::QueryResult;
use crate::server::auth;
use crate::server::conn_io::ErrSlot;
use crate::server::prepared;
use crate::server::result_writer::{
    write_error, write_init_error, write_prepare_error, write_result,
};
use crate::session::{ConnectionGuard, KillSwitch, Session};
use crate::sql;
use crate::variables::SessionVariables;
use futures::FutureExt;
use opensrv_mysql::{
    AsyncMysqlShim, Column, ColumnFlags, ColumnType, InitWriter, ParamParser, QueryResultWriter,
    StatementMetaWriter,
};
use starload_proto::error_code;
use std::collections::HashMap;
use std::io;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::io::AsyncWrite;
use tracing::Instrument;

/// A prepared statement: its text and placeholder offsets.
struct Prepared {
    sql: String,
    holes: Vec<usize>,
}

/// One connection's protocol state.
pub struct FeShim {
    ctx: Arc<FeContext>,
    /// The client negotiated CLIENT_SESSION_TRACK (then opensrv length-encodes OK infos
    /// itself; otherwise `write_result` does, as MySQL's `net_send_ok` always does).
    session_track: bool,
    session: Session,
    guard: ConnectionGuard,
    kill: Arc<KillSwitch>,
    scramble: [u8; auth::SCRAMBLE_LEN],
    slot: ErrSlot,
    /// Set by `authenticate` (which only gets `&self`).
    authed_user: Mutex<Option<Principal>>,
    prepared: HashMap<u32, Prepared>,
    next_stmt_id: u32,
    /// Parameter descriptors handed to opensrv at prepare time.
    param_columns: Vec<Column>,
    version: String,
}

impl FeShim {
    pub fn new(ctx: Arc<FeContext>, guard: ConnectionGuard, host: String, slot: ErrSlot) -> Self {
        let config = ctx.config.get();
        let vars = SessionVariables::new(ctx.variables.clone(), config.clone());
        let session = Session::new(guard.id(), "", host, vars);
        Self {
            kill: guard.kill_switch(),
            session_track: false,
            ctx,
            session,
            guard,
            scramble: auth::new_scramble(),
            slot,
            authed_user: Mutex::new(None),
            prepared: HashMap::new(),
            next_stmt_id: 1,
            param_columns: Vec::new(),
            version: config.mysql_server_version.clone(),
        }
    }

    /// Records the client's capability flags (from its HandshakeResponse).
    pub fn set_client_caps(&mut self, caps: u32) {
        self.session_track = caps & crate::server::tls::CLIENT_SESSION_TRACK != 0;
    }

    /// The server greeting for this connection (version, id, scramble; CLIENT_SSL when TLS is
    /// configured), sent by `server::tls` in place of opensrv's.
    pub fn greeting(&self, ssl: bool) -> Vec<u8> {
        crate::server::tls::greeting(
            &self.version,
            self.session.connection_id,
            &self.scramble,
            ssl,
        )
    }

    fn take_authed_user(&mut self) {
        if self.session.user.is_empty() {
            let user = self
                .authed_user
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            if let Some(p) = user {
                self.guard.set_user(&p.user);
                self.session.user = p.user.clone();
                self.session.principal = p;
            }
        }
    }

    /// Parses and executes one statement; panics and KILL QUERY become errors.
    async fn run(&mut self, sql_text: &str) -> SqlResult<QueryResult> {
        self.take_authed_user();
        self.guard.start_query(sql_text, &self.session.current_db);
        crate::telemetry::StatementStarted {
            conn: self.session.connection_id,
        }
        .emit();
        let started = Instant::now();
        let span = tracing::debug_span!("statement", conn = self.session.connection_id);
        let ctx = &self.ctx;
        let session = &mut self.session;
        let conn = session.connection_id;
        let kill = self.kill.clone();
        let fut = async move {
            let stmt = sql::parse(sql_text)?;
            // On a follower, writes run on the leader and reads wait for the read index.
            crate::ha::forward::execute(ctx, session, sql_text, stmt).await
        }
        .instrument(span);
        let result = tokio::select! {
            r = AssertUnwindSafe(fut).catch_unwind() => match r {
                Ok(r) => r,
                Err(panic) => {
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    tracing::error!(conn, sql = sql_text, panic = %what, "Statement panicked.");
                    Err(SqlError::code(error_code::ERR_UNKNOWN_ERROR, &[]))
                }
            },
            _ = kill.query.notified() => Err(SqlError::code(error_code::ERR_QUERY_INTERRUPTED, &[])),
        };
        let elapsed = started.elapsed();
        crate::telemetry::StatementFinished {
            conn: self.session.connection_id,
            elapsed,
            error: result.as_ref().err().map(|e| (e.errno, e.message.as_str())),
        }
        .emit();
        self.guard.end_query(&self.session.current_db);
        result
    }
}

#[async_trait::async_trait]
impl<W: AsyncWrite + Send + Unpin> AsyncMysqlShim<W> for FeShim {
    type Error = io::Error;

    fn version(&self) -> String {
        self.version.clone()
    }

    fn connect_id(&self) -> u32 {
        self.session.connection_id
    }

    fn salt(&self) -> [u8; 20] {
        self.scramble
    }

    async fn authenticate(
        &self,
        _auth_plugin: &str,
        username: &[u8],
        salt: &[u8],
        auth_data: &[u8],
    ) -> bool {
        let user = String::from_utf8_lossy(username).to_string();
        let ip = self
            .session
            .host
            .parse::<std::net::SocketAddr>()
            .map(|a| a.ip().to_string())
            .unwrap_or_default();
        let activate_all = self.session.vars.get_bool("activate_all_roles_on_login");
        match self
            .ctx
            .privilege
            .authenticate(&user, &ip, auth_data, salt, activate_all)
        {
            Ok(principal) => {
                *self.authed_user.lock().unwrap_or_else(|p| p.into_inner()) = Some(principal);
                true
            }
            Err(e) => {
                crate::telemetry::AuthFailed {
                    user: &user,
                    host: &self.session.host,
                }
                .emit();
                // opensrv writes its own ERR packet next; the writer swaps ours in.
                self.slot.set(crate::server::result_writer::err_payload(&e));
                false
            }
        }
    }

    async fn on_prepare<'a>(
        &'a mut self,
        query: &'a str,
        info: StatementMetaWriter<'a, W>,
    ) -> io::Result<()> {
        self.take_authed_user();
        let text = sql::lexer::strip_leading_comments(query).trim().to_string();
        if text.is_empty() {
            let e = SqlError::syntax(" at line 1, column 0", "Unexpected input '<EOF>'");
            return write_prepare_error(info, &e, &self.slot).await;
        }
        let holes = prepared::placeholders(&text);
        let id = self.next_stmt_id;
        self.next_stmt_id = self.next_stmt_id.wrapping_add(1).max(1);
        let n = holes.len();
        self.prepared.insert(id, Prepared { sql: text, holes });
        while self.param_columns.len() < n {
            self.param_columns.push(Column {
                table: String::new(),
                column: "?".to_string(),
                coltype: ColumnType::MYSQL_TYPE_VAR_STRING,
                colflags: ColumnFlags::empty(),
            });
        }
        // Result columns are described by the execute response itself.
        let no_columns: &'a [Column] = &[];
        info.reply(id, &self.param_columns[..n], no_columns).await
    }

    async fn on_execute<'a>(
        &'a mut self,
        id: u32,
        params: ParamParser<'a>,
        results: QueryResultWriter<'a, W>,
    ) -> io::Result<()> {
        let Some(stmt) = self.prepared.get(&id) else {
            let e = SqlError::code(
                error_code::ERR_UNKNOWN_STMT_HANDLER,
                &[&id.to_string(), "mysqld_stmt_execute"],
            );
            return write_error(results, &e, &self.slot).await;
        };
        let values: Vec<String> = params.into_iter().map(|p| prepared::literal(&p)).collect();
        let text = prepared::substitute(&stmt.sql, &stmt.holes, &values);
        let result = self.run(&text).await;
        write_result(results, result, &self.slot, true, self.session_track).await
    }

    async fn on_close<'a>(&'a mut self, stmt: u32)
    where
        W: 'async_trait,
    {
        self.prepared.remove(&stmt);
    }

    async fn on_query<'a>(
        &'a mut self,
        query: &'a str,
        results: QueryResultWriter<'a, W>,
    ) -> io::Result<()> {
        let result = self.run(query).await;
        write_result(results, result, &self.slot, false, self.session_track).await
    }

    async fn on_init<'a>(&'a mut self, db: &'a str, writer: InitWriter<'a, W>) -> io::Result<()> {
        self.take_authed_user();
        // The connect-time database and COM_INIT_DB: `db` or `catalog.db`, possibly empty.
        let ident = db.trim().trim_matches('`');
        let name = ident.split_once('.').map_or(ident, |(_, d)| d);
        let allowed = if name.is_empty() {
            Ok(())
        } else {
            handler::authorize::check_use(&self.ctx, &self.session.principal, name)
        };
        match allowed.and_then(|()| {
            handler::session_stmt::change_catalog_db(&self.ctx, &mut self.session, ident)
        }) {
            Ok(()) => {
                self.guard.end_query(&self.session.current_db);
                writer.ok().await
            }
            Err(e) => write_init_error(writer, &e, &self.slot).await,
        }
    }
}
