//! Executes admin statements: backends (ALTER SYSTEM, SHOW BACKENDS, SHOW PROC '/backends'),
//! SHOW FRONTENDS, and FE config (ADMIN SET/SHOW FRONTEND CONFIG; runtime changes are not
//! persisted, as in StarRocks).

use crate::config::ConfigError;
use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::result::{QueryResult, ResultSet};
use crate::session::Session;
use crate::sql::admin::AdminStmt;
use crate::sql::lexer::like_match;
use starload_proto::error_code;

/// ADMIN SHOW FRONTEND CONFIG titles (`AdminShowConfigStmt`).
pub const CONFIG_TITLES: &[&str] = &["Key", "AliasNames", "Value", "Type", "IsMutable", "Comment"];

pub async fn execute(
    ctx: &FeContext,
    _session: &mut Session,
    stmt: AdminStmt,
) -> SqlResult<QueryResult> {
    match stmt {
        AdminStmt::AddBackends(hps) => {
            ctx.cluster.add_backends(&hps)?;
            Ok(QueryResult::ok())
        }
        AdminStmt::DropBackends(hps) => {
            ctx.cluster.drop_backends(&hps)?;
            Ok(QueryResult::ok())
        }
        AdminStmt::AddFrontend {
            observer,
            host_port,
        } => super::frontend_ddl::add(ctx, observer, &host_port).await,
        AdminStmt::DropFrontend {
            observer,
            host_port,
        } => super::frontend_ddl::drop(ctx, observer, &host_port).await,
        AdminStmt::ShowBackends => Ok(show_backends(ctx)),
        AdminStmt::ShowFrontends => Ok(QueryResult::Rows(ctx.cluster.show_frontends())),
        AdminStmt::ShowProc(path) => show_proc(ctx, &path),
        AdminStmt::SetFrontendConfig(pairs) => {
            for (k, v) in pairs {
                ctx.config.set_runtime(&k, &v).map_err(|e| match e {
                    ConfigError::NotExistOrImmutable(k) => {
                        SqlError::code(error_code::ERROR_CONFIG_NOT_EXIST, &[&k])
                    }
                    ConfigError::BadValue(msg) => {
                        SqlError::code(error_code::ERROR_SET_CONFIG_FAILED, &[&msg])
                    }
                })?;
                tracing::info!(key = %k, value = %v, "Frontend config set.");
            }
            Ok(QueryResult::ok())
        }
        AdminStmt::ShowFrontendConfig { pattern } => {
            let rows = ctx
                .config
                .get()
                .items()
                .into_iter()
                .filter(|i| pattern.as_deref().is_none_or(|p| like_match(p, i.key)))
                .map(|i| {
                    vec![
                        Some(i.key.to_string()),
                        Some("[]".to_string()),
                        // Secrets (root_password, cluster_token) are never printed.
                        Some(if is_secret_key(i.key) && !i.value.is_empty() {
                            "******".to_string()
                        } else {
                            i.value
                        }),
                        Some(i.type_name.to_string()),
                        Some(i.mutable.to_string()),
                        Some(i.comment.to_string()),
                    ]
                })
                .collect();
            Ok(QueryResult::Rows(ResultSet {
                rows,
                ..ResultSet::with_titles(CONFIG_TITLES)
            }))
        }
    }
}

/// SHOW PROC '<path>' (`ProcService.open`: `/`-separated names, empty ones skipped, the path
/// must start with `/`). A path that does not resolve fails in the analyzer, which wraps
/// every lookup error as `Unknown proc node path: <path>` (`ShowStmtAnalyzer.visitShowProcStmt`).
/// A path outside the tree (or without the leading `/`) was first reported through
/// `ErrorReport` with ERR_WRONG_PROC_PATH, whose code stays on the connection (errno 5001); a
/// database the `/dbs` directory does not know is a plain AnalysisException (1064).
fn show_proc(ctx: &FeContext, path: &str) -> SqlResult<QueryResult> {
    let unknown = || SqlError::analyzing(format!("Unknown proc node path: {path}"));
    let wrong_path = || SqlError {
        message: unknown().message,
        ..SqlError::code(error_code::ERR_WRONG_PROC_PATH, &[path])
    };
    if path.is_empty() {
        return Err(SqlError::analyzing("Path is null"));
    }
    if !path.starts_with('/') {
        return Err(wrong_path());
    }
    let names: Vec<&str> = path.split('/').filter(|n| !n.is_empty()).collect();
    let rows = match names.as_slice() {
        ["backends"] => ctx
            .cluster
            .show_backends(&ctx.catalog.tablet_num_by_backend()),
        ["frontends"] => ctx.cluster.show_frontends(),
        ["dbs"] => super::proc_dbs::dbs(ctx),
        ["dbs", db] => super::proc_dbs::tables(ctx, db).ok_or_else(unknown)?,
        _ => return Err(wrong_path()),
    };
    Ok(QueryResult::Rows(rows))
}

/// Config keys whose values are secrets.
pub fn is_secret_key(key: &str) -> bool {
    key.ends_with("password") || key.ends_with("token")
}

fn show_backends(ctx: &FeContext) -> QueryResult {
    QueryResult::Rows(
        ctx.cluster
            .show_backends(&ctx.catalog.tablet_num_by_backend()),
    )
}
