//! Running one case against a live FE (and broker) and rendering what happened as result text.
//!
//! Result text of a case:
//! ```text
//! -- name: <case>
//! <statement source>
//! -- result:
//! <Col1>\t<Col2>            (column titles, only when there is a result set)
//! <v1>\t<v2>                (rows; NULL for SQL NULL)
//! -- !result
//! <directive source line(s)> (echoed; a failed wait adds `-- wait failed: ...` and ends the case)
//! ```
//! Errors print as `E: (errno, "message")` between `-- result:` and `-- !result`; a connection
//! failure as `E: (client, "...")`, after which the next statement uses a new connection.
//! Concrete `${uuid}`s and the broker address are turned back into their placeholders.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use mysql_async::prelude::Queryable;
use mysql_async::Conn;

use super::case::{unescape, Case, PayloadMode, Step, WaitOp};
use crate::broker::{create_topic, Producer};
use crate::registry::{confluent_frame, http_get, register_schema};
use crate::sql::{connect, query, server_error, QueryOutput};

/// Where a case runs.
#[derive(Debug, Clone)]
pub struct Target {
    /// `mysql://user[:pw]@host:port`
    pub mysql_url: String,
    /// Kafka bootstrap servers for `${broker}`, produce and create_topic.
    pub broker: Option<String>,
    /// Schema registry URL for `${registry}` and `-- schema:` (credentials in the URL).
    pub registry: Option<String>,
}

/// Placeholder → concrete value for one case.
struct Vars {
    pairs: Vec<(String, String)>,
}

impl Vars {
    fn new(broker: Option<&str>, registry: Option<&str>) -> Self {
        let mut pairs = Vec::new();
        for i in (0..10).rev() {
            pairs.push((format!("${{uuid{i}}}"), short_uuid()));
        }
        pairs.push(("${uuid}".to_string(), short_uuid()));
        if let Some(b) = broker {
            pairs.push(("${broker}".to_string(), b.to_string()));
        }
        if let Some(r) = registry {
            pairs.push(("${registry}".to_string(), r.to_string()));
            // SHOW prints the URL without its credentials.
            if let Some((scheme, rest)) = r.split_once("://") {
                if let Some((_, host)) = rest.split_once('@') {
                    pairs.push((
                        "${registry_plain}".to_string(),
                        format!("{scheme}://{host}"),
                    ));
                }
            }
        }
        Self { pairs }
    }

    fn substitute(&self, s: &str) -> String {
        let mut s = s.to_string();
        for (k, v) in &self.pairs {
            s = s.replace(k, v);
        }
        s
    }

    fn restore(&self, s: &str) -> String {
        let mut s = s.to_string();
        for (k, v) in &self.pairs {
            s = s.replace(v, k);
        }
        s
    }
}

fn short_uuid() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..16].to_string()
}

/// Replaces every UUID (`8-4-4-4-12` hex digits) in `v` with `<uuid>`: servers put random
/// ones in output (a routine load job's default `group.id`), and a golden result must not
/// depend on them.
fn mask_uuids(v: &str) -> String {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    const LEN: usize = 36;
    let b = v.as_bytes();
    let is_uuid_at = |i: usize| {
        if i + LEN > b.len() {
            return false;
        }
        let mut at = i;
        for (g, n) in GROUPS.iter().enumerate() {
            if g > 0 {
                if b[at] != b'-' {
                    return false;
                }
                at += 1;
            }
            if !b[at..at + n].iter().all(u8::is_ascii_hexdigit) {
                return false;
            }
            at += n;
        }
        // Not part of a longer hex run.
        (i == 0 || !b[i - 1].is_ascii_hexdigit())
            && b.get(i + LEN).is_none_or(|c| !c.is_ascii_hexdigit())
    };
    let mut out = String::with_capacity(v.len());
    let mut i = 0;
    while i < b.len() {
        if is_uuid_at(i) {
            out.push_str("<uuid>");
            i += LEN;
        } else {
            // Copy one whole UTF-8 character.
            let ch = v[i..].chars().next().unwrap_or('\u{fffd}');
            out.push(ch);
            i += ch.len_utf8().max(1);
        }
    }
    out
}

/// Keeps only `keys` of a JSON object text, in that order (missing keys are left out); a value
/// that is not a JSON object prints unchanged.
fn keep_json_keys(v: &str, keys: &[String]) -> String {
    let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(v) else {
        return v.to_string();
    };
    let mut out = serde_json::Map::new();
    for k in keys {
        if let Some(x) = m.get(k) {
            out.insert(k.clone(), x.clone());
        }
    }
    serde_json::Value::Object(out).to_string()
}

/// The value of `column` in the first row; `Col.key` reads a key of a JSON object column.
fn first_value(out: &QueryOutput, column: &str) -> Option<String> {
    if let Some(v) = out.get(0, column) {
        return Some(v.to_string());
    }
    let (col, key) = column.split_once('.')?;
    let v: serde_json::Value = serde_json::from_str(out.get(0, col)?).ok()?;
    Some(match v.get(key)? {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

fn render_output(
    out: &QueryOutput,
    mask: &[String],
    sort: bool,
    json_keys: &[(String, Vec<String>)],
) -> Vec<String> {
    let masked: Vec<usize> = mask.iter().filter_map(|m| out.col(m)).collect();
    let keyed: Vec<(usize, &[String])> = json_keys
        .iter()
        .filter_map(|(c, k)| out.col(c).map(|i| (i, k.as_slice())))
        .collect();
    let mut rows: Vec<String> = out
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(i, v)| {
                    if masked.contains(&i) {
                        "*".to_string()
                    } else if let Some((_, keys)) = keyed.iter().find(|(k, _)| *k == i) {
                        keep_json_keys(v, keys)
                    } else {
                        mask_uuids(v)
                    }
                })
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect();
    if sort {
        rows.sort();
    }
    let mut lines = Vec::with_capacity(rows.len() + 1);
    if !out.columns.is_empty() {
        lines.push(out.columns.join("\t"));
    }
    lines.extend(rows);
    lines
}

fn wait_matches(out: &QueryOutput, column: &str, op: WaitOp, value: &str) -> (bool, String) {
    let Some(got) = first_value(out, column) else {
        return (false, format!("no row/column {column}"));
    };
    let got = got.as_str();
    let ok = match op {
        WaitOp::Eq => got == value,
        WaitOp::Ne => got != value,
        WaitOp::Ge => match (got.parse::<f64>(), value.parse::<f64>()) {
            (Ok(g), Ok(v)) => g >= v,
            _ => false,
        },
    };
    (ok, got.to_string())
}

/// Runs `case`; returns its result text (see the module docs) and the databases it created.
pub async fn run_case(case: &Case, target: &Target) -> (String, Vec<String>) {
    let vars = Vars::new(target.broker.as_deref(), target.registry.as_deref());
    let mut text: Vec<String> = vec![format!("-- name: {}", case.name)];
    // Subject -> (id, schema) of the case's latest registration.
    let mut schemas: HashMap<String, (u32, apache_avro::Schema)> = HashMap::new();
    let mut created_dbs = Vec::new();
    let mut conn: Option<Conn> = None;
    // The URL statements connect with (`-- connect:` changes the user).
    let mut url = target.mysql_url.clone();
    for step in &case.steps {
        match step {
            Step::Connect {
                source,
                user,
                password,
            } => {
                text.push(source.clone());
                if let Some(c) = conn.take() {
                    let _ = c.disconnect().await;
                }
                url = with_user(&target.mysql_url, user, password);
                match connect(&url).await {
                    Ok(c) => conn = Some(c),
                    Err(e) => {
                        let msg = match e
                            .downcast_ref::<mysql_async::Error>()
                            .and_then(server_error)
                        {
                            Some(s) => format!("E: ({}, \"{}\")", s.code, s.message),
                            None => format!("E: (client, \"connect: {e}\")"),
                        };
                        text.push(msg);
                    }
                }
            }
            Step::Sql {
                source,
                mask,
                sort,
                json_keys,
            } => {
                text.push(source.clone());
                text.push("-- result:".into());
                let sql = vars.substitute(source);
                let sql = sql.trim_end().trim_end_matches(';').to_string();
                if let Some(db) = created_database(&sql) {
                    created_dbs.push(db);
                }
                let c = match conn.take() {
                    Some(c) => Ok(c),
                    None => connect(&url).await,
                };
                match c {
                    Err(e) => text.push(format!("E: (client, \"connect: {e}\")")),
                    Ok(mut c) => match query(&mut c, &sql).await {
                        Ok(out) => {
                            text.extend(render_output(&out, mask, *sort, json_keys));
                            conn = Some(c);
                        }
                        Err(e) => match server_error(&e) {
                            Some(s) => {
                                text.push(format!("E: ({}, \"{}\")", s.code, s.message));
                                conn = Some(c);
                            }
                            None => text.push(format!("E: (client, \"{e}\")")),
                        },
                    },
                }
                text.push("-- !result".into());
            }
            Step::Wait {
                source,
                sql,
                column,
                op,
                value,
                timeout_s,
            } => {
                text.push(source.clone());
                let sql = vars.substitute(sql);
                let value = vars.substitute(value);
                let deadline = Instant::now() + Duration::from_secs(*timeout_s);
                let (ok, last) = loop {
                    let c = match conn.take() {
                        Some(c) => Ok(c),
                        None => connect(&url).await,
                    };
                    let (hit, got) = match c {
                        Ok(mut c) => {
                            let r = match query(&mut c, &sql).await {
                                Ok(out) => wait_matches(&out, column, *op, &value),
                                Err(e) => (false, e.to_string()),
                            };
                            conn = Some(c);
                            r
                        }
                        Err(e) => (false, e.to_string()),
                    };
                    if hit || Instant::now() >= deadline {
                        break (hit, got);
                    }
                    tokio::time::sleep(crate::poll::POLL_INTERVAL).await;
                };
                if !ok {
                    text.push(format!(
                        "-- wait failed after {timeout_s}s: last {column} = {}",
                        vars.restore(&last)
                    ));
                    break;
                }
            }
            Step::CreateTopic {
                source,
                topic,
                partitions,
            } => {
                text.push(source.clone());
                let r = match &target.broker {
                    Some(b) => create_topic(b, &vars.substitute(topic), *partitions).await,
                    None => Err(anyhow::anyhow!("no broker (--broker)")),
                };
                if let Err(e) = r {
                    text.push(format!(
                        "-- create_topic failed: {}",
                        vars.restore(&format!("{e:#}"))
                    ));
                    break;
                }
            }
            Step::Produce {
                source,
                topic,
                partition,
                mode,
                payloads,
            } => {
                text.push(source.clone());
                let payloads = payloads
                    .iter()
                    .map(|p| {
                        let p = vars.substitute(p);
                        match mode {
                            PayloadMode::Text => Ok(p.into_bytes()),
                            PayloadMode::Escaped => unescape(&p),
                            PayloadMode::Avro(subject) => {
                                match schemas.get(&vars.substitute(subject)) {
                                    Some((id, schema)) => confluent_frame(*id, schema, &p),
                                    None => Err(anyhow::anyhow!("no `-- schema: {subject}` yet")),
                                }
                            }
                        }
                    })
                    .collect::<anyhow::Result<Vec<Vec<u8>>>>();
                let r = match (&target.broker, payloads) {
                    (_, Err(e)) => Err(e),
                    (Some(b), Ok(payloads)) => match Producer::new(b) {
                        Ok(p) => p.send(&vars.substitute(topic), *partition, &payloads).await,
                        Err(e) => Err(e),
                    },
                    (None, _) => Err(anyhow::anyhow!("no broker (--broker)")),
                };
                if let Err(e) = r {
                    text.push(format!(
                        "-- produce failed: {}",
                        vars.restore(&format!("{e:#}"))
                    ));
                    break;
                }
            }
            Step::Schema {
                source,
                subject,
                schema,
            } => {
                text.push(source.clone());
                let subject = vars.substitute(subject);
                let r = match &target.registry {
                    Some(url) => match apache_avro::Schema::parse_str(schema) {
                        Ok(parsed) => register_schema(url, &subject, schema)
                            .await
                            .map(|id| (id, parsed)),
                        Err(e) => Err(anyhow::anyhow!("invalid avro schema: {e}")),
                    },
                    None => Err(anyhow::anyhow!("no schema registry (--registry)")),
                };
                match r {
                    Ok(v) => {
                        schemas.insert(subject, v);
                    }
                    Err(e) => {
                        text.push(format!(
                            "-- schema failed: {}",
                            vars.restore(&format!("{e:#}"))
                        ));
                        break;
                    }
                }
            }
            Step::ErrorLog { source, job } => {
                text.push(source.clone());
                text.push("-- result:".into());
                let c = match conn.take() {
                    Some(c) => Ok(c),
                    None => connect(&url).await,
                };
                match c {
                    Err(e) => text.push(format!("E: (client, \"connect: {e}\")")),
                    Ok(mut c) => {
                        let sql = format!("SHOW ROUTINE LOAD FOR {}", vars.substitute(job));
                        match query(&mut c, &sql).await {
                            Ok(out) => {
                                let urls = out.get(0, "ErrorLogUrls").unwrap_or("").to_string();
                                text.extend(error_log_lines(&urls).await);
                            }
                            Err(e) => text.push(format!("E: (client, \"{e}\")")),
                        }
                        conn = Some(c);
                    }
                }
                text.push("-- !result".into());
            }
        }
    }
    if let Some(c) = conn {
        let _ = c.disconnect().await;
    }
    let text = vars.restore(&text.join("\n"));
    let dbs = created_dbs;
    (text, dbs)
}

/// The rejected-row lines behind a job's ErrorLogUrls (`", "`-separated), sorted (tasks
/// split rows differently from run to run); a URL that does not answer prints its error.
///
/// The task's rejected records (`log_rejected_record_num`, file `rejected_record_*` beside the
/// error log on the same BE) follow after a `-- rejected records` line when there are any.
async fn error_log_lines(urls: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut rejected = Vec::new();
    for url in urls.split(", ").filter(|u| !u.is_empty()) {
        if !url.contains("/api/_load_error_log?file=error_log_") {
            lines.push(format!("E: (client, \"unexpected error log url {url}\")"));
            continue;
        }
        match http_get(url).await {
            Ok(body) => lines.extend(body.lines().map(str::to_string)),
            Err(e) => lines.push(format!("E: (client, \"{e:#}\")")),
        }
        let records = url.replacen("file=error_log_", "file=rejected_record_", 1);
        if let Ok(body) = http_get(&records).await {
            rejected.extend(body.lines().map(str::to_string));
        }
    }
    lines.sort();
    if !rejected.is_empty() {
        rejected.sort();
        lines.push("-- rejected records".into());
        lines.extend(rejected);
    }
    lines
}

/// `mysql://<user>[:<password>]@<rest>` from a `mysql://...@<rest>` URL.
fn with_user(url: &str, user: &str, password: &str) -> String {
    let rest = url
        .strip_prefix("mysql://")
        .and_then(|r| r.split_once('@'))
        .map(|(_, rest)| rest)
        .unwrap_or(url);
    if password.is_empty() {
        format!("mysql://{user}@{rest}")
    } else {
        format!("mysql://{user}:{password}@{rest}")
    }
}

/// Drops the databases a case created (best effort; not part of the result).
pub async fn cleanup(target: &Target, dbs: &[String]) {
    if dbs.is_empty() {
        return;
    }
    if let Ok(mut c) = connect(&target.mysql_url).await {
        for db in dbs {
            let _ = c.query_drop(format!("DROP DATABASE IF EXISTS {db}")).await;
        }
        let _ = c.disconnect().await;
    }
}

/// The database name of a `CREATE DATABASE [IF NOT EXISTS] name` statement.
fn created_database(sql: &str) -> Option<String> {
    let words: Vec<&str> = sql.split_whitespace().collect();
    let upper: Vec<String> = words
        .iter()
        .take(5)
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let idx = match upper
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["CREATE", "DATABASE", "IF", "NOT", "EXISTS", ..] => 5,
        ["CREATE", "DATABASE", ..] => 2,
        _ => return None,
    };
    words.get(idx).map(|w| w.trim_end_matches(';').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_created_databases() {
        assert_eq!(
            created_database("create database d1").as_deref(),
            Some("d1")
        );
        assert_eq!(
            created_database("CREATE DATABASE IF NOT EXISTS `d2`").as_deref(),
            Some("`d2`")
        );
        assert_eq!(created_database("CREATE TABLE t (a int)"), None);
    }

    #[test]
    fn renders_masked_sorted_rows() {
        let out = QueryOutput {
            columns: vec!["Id".into(), "Name".into()],
            rows: vec![vec!["2".into(), "b".into()], vec!["1".into(), "a".into()]],
        };
        assert_eq!(
            render_output(&out, &["Id".into()], true, &[]),
            vec!["Id\tName", "*\ta", "*\tb"]
        );
        assert_eq!(
            render_output(&out, &[], false, &[]),
            vec!["Id\tName", "2\tb", "1\ta"]
        );
        let stat = QueryOutput {
            columns: vec!["Statistic".into()],
            rows: vec![vec![
                r#"{"receivedBytes":230,"errorRows":1,"totalRows":2}"#.into()
            ]],
        };
        let keys = (
            "Statistic".to_string(),
            vec!["totalRows".into(), "errorRows".into()],
        );
        assert_eq!(
            render_output(&stat, &[], false, &[keys]),
            vec!["Statistic", r#"{"totalRows":2,"errorRows":1}"#]
        );
        assert_eq!(
            first_value(&stat, "Statistic.totalRows").as_deref(),
            Some("2")
        );
        assert_eq!(first_value(&stat, "Statistic.nope"), None);
    }

    #[test]
    fn uuids_are_masked() {
        assert_eq!(
            mask_uuids(r#"{"group.id":"job_1d99f163-53bd-412f-b785-1f176290a7a5"}"#),
            r#"{"group.id":"job_<uuid>"}"#
        );
        // Not a UUID: too short, or inside a longer hex run; non-ASCII text survives.
        assert_eq!(
            mask_uuids("1d99f163-53bd-412f-b785"),
            "1d99f163-53bd-412f-b785"
        );
        assert_eq!(
            mask_uuids("a1d99f163-53bd-412f-b785-1f176290a7a5"),
            "a1d99f163-53bd-412f-b785-1f176290a7a5"
        );
        assert_eq!(mask_uuids("Exupéry"), "Exupéry");
    }

    #[test]
    fn placeholders_round_trip() {
        let v = Vars::new(Some("127.0.0.1:1234"), Some("http://u:p@127.0.0.1:99"));
        let s = "db_${uuid} ${uuid1} ${broker} ${registry}";
        let c = v.substitute(s);
        assert!(!c.contains("${"));
        assert_eq!(v.restore(&c), s);
    }
}
