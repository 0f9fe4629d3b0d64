//! Statement forwarding and read index, follower side and leader side.
//!
//! A follower sends a write statement's text and its session to the leader (`Forward` on the
//! leader's `edit_log_port`); the leader runs it as that session and answers the result and
//! its applied log index; the follower answers the client once its own in-memory state
//! reflects that index, so the client reads its own write on the FE it is connected to.
//! A follower's read first asks the leader for its read index (Raft's ReadIndex: the leader
//! confirms its leadership with a quorum) and waits until it has applied that far.

use super::route::{route, Route};
use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::handler;
use crate::meta::raft::network::lazy_channel;
use crate::meta::raft::MetaRaft;
use crate::privilege::Principal;
use crate::result::QueryResult;
use crate::session::Session;
use crate::sql::{self, Statement};
use crate::variables::{SessionVariables, VarValue};
use serde::{Deserialize, Serialize};
use starload_proto::ha::frontend_ha_service_client::FrontendHaServiceClient;
use starload_proto::ha::{ForwardRequest, ReadIndexRequest};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tonic::transport::Channel;

/// How long a forwarded statement may run on the leader (INSERT of a large SELECT, CREATE
/// TABLE on many BEs).
const FORWARD_TIMEOUT: Duration = Duration::from_secs(600);
/// How long a follower waits for its own state to reach the leader's index.
const CATCH_UP_TIMEOUT: Duration = Duration::from_secs(10);

/// The session a follower sends along with a forwarded statement.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ForwardedSession {
    pub connection_id: u32,
    pub user: String,
    pub host: String,
    pub current_catalog: String,
    pub current_db: String,
    pub principal_user: String,
    pub principal_host: String,
    pub roles: BTreeSet<String>,
    pub vars: BTreeMap<String, String>,
    pub user_vars: BTreeMap<String, Option<UserVar>>,
}

/// A user variable's value on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum UserVar {
    Bool(bool),
    Int(i32),
    Long(i64),
    Double(f64),
    Str(String),
}

impl ForwardedSession {
    pub fn of(s: &Session) -> Self {
        Self {
            connection_id: s.connection_id,
            user: s.user.clone(),
            host: s.host.clone(),
            current_catalog: s.current_catalog.clone(),
            current_db: s.current_db.clone(),
            principal_user: s.principal.user.clone(),
            principal_host: s.principal.host.clone(),
            roles: s.principal.roles.clone(),
            vars: s.vars.export_values(),
            user_vars: s
                .user_vars
                .iter()
                .map(|(k, v)| {
                    let v = v.as_ref().map(|v| match v {
                        VarValue::Bool(b) => UserVar::Bool(*b),
                        VarValue::Int(i) => UserVar::Int(*i),
                        VarValue::Long(i) => UserVar::Long(*i),
                        VarValue::Double(d) => UserVar::Double(*d),
                        VarValue::Str(t) => UserVar::Str(t.clone()),
                    });
                    (k.clone(), v)
                })
                .collect(),
        }
    }

    /// The session on the leader.
    pub fn to_session(&self, ctx: &FeContext) -> Session {
        let mut vars = SessionVariables::new(ctx.variables.clone(), ctx.config.get());
        vars.restore_values(&self.vars);
        let mut s = Session::new(
            self.connection_id,
            self.user.clone(),
            self.host.clone(),
            vars,
        );
        s.current_catalog = self.current_catalog.clone();
        s.current_db = self.current_db.clone();
        s.principal = Principal {
            user: self.principal_user.clone(),
            host: self.principal_host.clone(),
            roles: self.roles.clone(),
        };
        s.user_vars = self
            .user_vars
            .iter()
            .map(|(k, v)| {
                let v = v.as_ref().map(|v| match v {
                    UserVar::Bool(b) => VarValue::Bool(*b),
                    UserVar::Int(i) => VarValue::Int(*i),
                    UserVar::Long(i) => VarValue::Long(*i),
                    UserVar::Double(d) => VarValue::Double(*d),
                    UserVar::Str(t) => VarValue::Str(t.clone()),
                });
                (k.clone(), v)
            })
            .collect();
        s
    }
}

/// A statement's outcome on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ForwardedResult {
    Done(QueryResult),
    Failed(SqlError),
}

/// Runs `stmt` for `session` where it belongs (see [`route`]). Every statement of a MySQL
/// connection comes through here.
pub async fn execute(
    ctx: &FeContext,
    session: &mut Session,
    sql_text: &str,
    stmt: Statement,
) -> SqlResult<QueryResult> {
    let Some(raft) = ctx.meta.raft().cloned() else {
        return handler::execute(ctx, session, stmt).await;
    };
    match route(&stmt) {
        Route::Local => handler::execute(ctx, session, stmt).await,
        Route::Leader if raft.is_active() => handler::execute(ctx, session, stmt).await,
        Route::Leader => forward(ctx, &raft, session, sql_text).await,
        Route::Read if raft.is_active() => handler::execute(ctx, session, stmt).await,
        Route::Read => {
            let index = read_index(ctx, &raft).await?;
            raft.wait_reloaded(index, CATCH_UP_TIMEOUT)
                .await
                .map_err(|e| no_leader(&e.to_string()))?;
            handler::execute(ctx, session, stmt).await
        }
    }
}

/// The error a client gets when no leader answers (an election in progress, or this FE is
/// cut off from the others).
fn no_leader(detail: &str) -> SqlError {
    SqlError::plain(format!(
        "No leader frontend is available to serve this statement ({detail}). Retry once \
         SHOW FRONTENDS lists a LEADER."
    ))
}

fn channel_to(addr: &str) -> Result<Channel, SqlError> {
    static CHANNELS: OnceLock<Mutex<HashMap<String, Channel>>> = OnceLock::new();
    let map = CHANNELS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(c) = map.get(addr) {
        return Ok(c.clone());
    }
    let (host, port) = addr
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?)))
        .ok_or_else(|| no_leader(&format!("bad leader address {addr}")))?;
    let ch = lazy_channel(host, port).map_err(|e| no_leader(&e.to_string()))?;
    map.insert(addr.to_string(), ch.clone());
    Ok(ch)
}

/// The leader's id and address, waiting up to two election timeouts for one to be elected.
async fn leader_addr(raft: &MetaRaft) -> SqlResult<(u64, String)> {
    let wait = Duration::from_millis(raft.timing().election_timeout_ms * 4);
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        if let Some((id, node)) = raft.leader() {
            if id != raft.node_id() {
                return Ok((id, node.addr()));
            }
            // This FE is the leader but still taking over: wait for it.
            if raft.is_active() {
                return Ok((id, node.addr()));
            }
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(no_leader("no leader elected"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Resolves once this FE knows a leader other than `from`. A call still waiting on `from`
/// then waits on a node that was paused or cut off: without this, a statement sent to a
/// SIGSTOPped leader would hang until the process resumed, though a new leader took over
/// within an election timeout.
async fn leader_replaced(raft: &MetaRaft, from: u64) {
    let mut w = raft.watch();
    if w.wait_for(|m| m.current_leader.is_some_and(|l| l != from))
        .await
        .is_err()
    {
        // Raft shut down: the process is stopping; let the call's own timeout decide.
        std::future::pending::<()>().await;
    }
}

/// How long a statement whose leader's process is gone waits for the next leader instead of
/// failing: a failover takes the followers' lease plus an election timeout (2.5x-3x the
/// timeout), with room for one collided election.
fn failover_wait(raft: &MetaRaft) -> Duration {
    Duration::from_millis(raft.timing().election_timeout_ms * 6)
}

/// True when a call failed before its request left this FE: the connection to the peer
/// could not be made (its process is gone: kill -9 closes its ports at once). Sending the
/// statement again to a new leader cannot run it twice.
fn never_sent(status: &tonic::Status) -> bool {
    status.code() == tonic::Code::Unavailable && status.message() == "tcp connect error"
}

async fn forward(
    ctx: &FeContext,
    raft: &Arc<MetaRaft>,
    session: &mut Session,
    sql_text: &str,
) -> SqlResult<QueryResult> {
    let give_up = tokio::time::Instant::now() + failover_wait(raft);
    let resp = loop {
        let (leader, addr) = leader_addr(raft).await?;
        if raft.is_active() {
            // Became the leader while waiting.
            let stmt = sql::parse(sql_text)?;
            return handler::execute(ctx, session, stmt).await;
        }
        let mut client =
            FrontendHaServiceClient::new(channel_to(&addr)?).max_decoding_message_size(256 << 20);
        let req = ForwardRequest {
            cluster_token: ctx.config.get().cluster_token.clone(),
            sql: sql_text.to_string(),
            session: serde_json::to_vec(&ForwardedSession::of(session))
                .map_err(SqlError::internal)?,
        };
        let answer = tokio::select! {
            r = tokio::time::timeout(FORWARD_TIMEOUT, client.forward(req)) => r
                .map_err(|_| no_leader(&format!("leader {addr} did not answer in time")))?,
            // Not retried here: the old leader may have run it, so only the client can decide.
            _ = leader_replaced(raft, leader) => return Err(no_leader(&format!(
                "leader {addr} was replaced while it ran the statement; whether it took effect \
                 is unknown"
            ))),
        };
        match answer {
            Ok(r) => break r.into_inner(),
            Err(s) if never_sent(&s) => {
                // The leader's process is gone: wait for its successor, then send it there.
                let replaced =
                    tokio::time::timeout_at(give_up, leader_replaced(raft, leader)).await;
                if replaced.is_err() {
                    return Err(no_leader(&format!("leader {addr}: {}", s.message())));
                }
            }
            Err(s) => return Err(no_leader(&format!("leader {addr}: {}", s.message()))),
        }
    };
    let result: ForwardedResult =
        serde_json::from_slice(&resp.result).map_err(SqlError::internal)?;
    // Read your writes: answer once this FE's own state has the statement's effect.
    raft.wait_reloaded(resp.applied_index, CATCH_UP_TIMEOUT)
        .await
        .map_err(|e| no_leader(&e.to_string()))?;
    match result {
        ForwardedResult::Done(r) => Ok(r),
        ForwardedResult::Failed(e) => Err(e),
    }
}

async fn read_index(ctx: &FeContext, raft: &Arc<MetaRaft>) -> SqlResult<u64> {
    let (leader, addr) = leader_addr(raft).await?;
    if raft.is_active() {
        return Ok(raft.applied_index());
    }
    let mut client = FrontendHaServiceClient::new(channel_to(&addr)?);
    let req = ReadIndexRequest {
        cluster_token: ctx.config.get().cluster_token.clone(),
    };
    let wait = Duration::from_millis(raft.timing().election_timeout_ms * 4);
    let resp = tokio::select! {
        r = tokio::time::timeout(wait, client.read_index(req)) => match r
            .map_err(|_| no_leader(&format!("leader {addr} did not answer in time")))?
        {
            Ok(r) => r.into_inner(),
            // The leader's process is gone: a read is safe to repeat, so wait for the next
            // leader (bounded like any wait for one) and ask it.
            Err(s) if never_sent(&s) => {
                if tokio::time::timeout(failover_wait(raft), leader_replaced(raft, leader))
                    .await
                    .is_err()
                {
                    return Err(no_leader(&format!("leader {addr}: {}", s.message())));
                }
                return Box::pin(read_index(ctx, raft)).await;
            }
            Err(s) => return Err(no_leader(&format!("leader {addr}: {}", s.message()))),
        },
        // A read is safe to repeat: ask the new leader.
        _ = leader_replaced(raft, leader) => return Box::pin(read_index(ctx, raft)).await,
    };
    if !resp.error.is_empty() {
        return Err(no_leader(&resp.error));
    }
    Ok(resp.read_index)
}

/// Leader side of `Forward`: runs the statement as the follower's session; answers the
/// result and the index the follower must reach.
pub async fn serve_forward(ctx: &FeContext, sql_text: &str, session: &[u8]) -> (Vec<u8>, u64) {
    let result = match serde_json::from_slice::<ForwardedSession>(session) {
        Err(e) => {
            ForwardedResult::Failed(SqlError::internal(format!("bad forwarded session: {e}")))
        }
        Ok(fs) => {
            let mut s = fs.to_session(ctx);
            let r = match ctx.meta.raft() {
                Some(raft) if !until_active(raft).await => {
                    Err(no_leader("this FE is no longer the leader"))
                }
                _ => match sql::parse(sql_text) {
                    Ok(stmt) => handler::execute(ctx, &mut s, stmt).await,
                    Err(e) => Err(e),
                },
            };
            match r {
                Ok(q) => ForwardedResult::Done(q),
                Err(e) => ForwardedResult::Failed(e),
            }
        }
    };
    let applied = ctx.meta.raft().map(|r| r.applied_index()).unwrap_or(0);
    let bytes = serde_json::to_vec(&result).unwrap_or_default();
    (bytes, applied)
}

/// True once this FE is the active leader. A leader just elected is still taking over
/// (`ha::leadership`) while followers already send it statements: it waits for that, up to
/// [`failover_wait`], instead of refusing them; a follower answers false at once.
async fn until_active(raft: &MetaRaft) -> bool {
    let deadline = tokio::time::Instant::now() + failover_wait(raft);
    while !raft.is_active() {
        let leading = raft.metrics().state == openraft::ServerState::Leader;
        if !leading || tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    true
}

/// Leader side of `ReadIndex`.
pub async fn serve_read_index(ctx: &FeContext) -> Result<u64, String> {
    let Some(raft) = ctx.meta.raft() else {
        return Ok(0);
    };
    if !raft.is_active() {
        return Err("this FE is not the leader".into());
    }
    raft.read_index().await.map_err(|e| e.to_string())
}
