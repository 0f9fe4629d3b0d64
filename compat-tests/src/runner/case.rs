//! Parsing `cases/<area>/<name>.sql` files into cases, and `.result` files into per-case text.
//!
//! A `.sql` file holds cases, each starting with `-- name: <case>`. Inside a case:
//! - SQL statements, possibly spanning lines, each ending with a line whose last character is
//!   `;` (the `;` is not sent);
//! - directives, one line each:
//!   - `-- wait: <SQL> | <Column> <op> <value> | <timeout>`: poll SQL until the first row's
//!     Column satisfies `=`, `!=` or `>=` (numeric) value; timeout like `60s`; a timeout ends
//!     the case. `<Column>.<key>` compares a key of a JSON column (`Statistic.totalRows`);
//!   - `-- mask: Col1,Col2`: the next statement's values in those columns print as `*`
//!     (ids, times);
//!   - `-- sort`: the next statement's rows are sorted before printing;
//!   - `-- json_keys: <Column> <key1>,<key2>` (one line per column): the next statement's values
//!     in that column (JSON objects, e.g. SHOW ROUTINE LOAD's Statistic) print only those keys,
//!     in that order;
//!   - `-- create_topic: <topic> <partitions>`;
//!   - `-- produce: <topic> <partition> [escaped | avro <subject>]` followed by `-- > <payload>`
//!     lines (one message each). Plain payloads are sent as written; `escaped` ones decode
//!     `\xNN`, `\n`, `\r`, `\t` and `\\` first (binary bytes, several rows in one message);
//!     `avro` ones are JSON data encoded with the subject's latest `-- schema:` and framed in
//!     Confluent's wire format (magic byte 0, 4-byte schema id);
//!   - `-- schema: <subject> <avro schema json>`: registers the schema in the run's schema
//!     registry (`${registry}`);
//!   - `-- error_log: <job>`: reads the job's ErrorLogUrls from SHOW ROUTINE LOAD, fetches each
//!     URL from the BE's HTTP server and prints the rejected-row lines, sorted;
//!   - `-- connect: <user> [<password>]`: the following statements run on a new connection as
//!     that user (`-- connect: root` switches back); a failed login prints its error;
//! - other `--` comments and blank lines between statements are ignored.
//!
//! `${uuid}`, `${uuid0}`..`${uuid9}` (fresh hex per case), `${broker}` and `${registry}` are
//! substituted everywhere (`${registry_plain}` is the registry URL without credentials, as SHOW
//! prints it). UUIDs in results (a job's default `group.id`) print as `<uuid>`.

use anyhow::{bail, Context, Result};

/// Comparison in a `-- wait:` directive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitOp {
    Eq,
    Ne,
    /// Numeric `>=`.
    Ge,
}

/// One step of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A statement, with the source text echoed in the result.
    Sql {
        source: String,
        mask: Vec<String>,
        sort: bool,
        /// (column, keys) from `-- json_keys:` lines.
        json_keys: Vec<(String, Vec<String>)>,
    },
    Wait {
        source: String,
        sql: String,
        column: String,
        op: WaitOp,
        value: String,
        timeout_s: u64,
    },
    CreateTopic {
        source: String,
        topic: String,
        partitions: i32,
    },
    Produce {
        source: String,
        topic: String,
        partition: i32,
        mode: PayloadMode,
        payloads: Vec<String>,
    },
    Schema {
        source: String,
        subject: String,
        schema: String,
    },
    ErrorLog {
        source: String,
        job: String,
    },
    Connect {
        source: String,
        user: String,
        password: String,
    },
}

/// How `-- > ` payload lines become message bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadMode {
    /// As written.
    Text,
    /// With `\xNN`, `\n`, `\r`, `\t`, `\\` decoded.
    Escaped,
    /// JSON datum encoded with the subject's schema, Confluent-framed.
    Avro(String),
}

/// Decodes the escapes of an `escaped` payload.
pub fn unescape(s: &str) -> Result<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        match b.get(i + 1) {
            Some(b'n') => out.push(b'\n'),
            Some(b'r') => out.push(b'\r'),
            Some(b't') => out.push(b'\t'),
            Some(b'\\') => out.push(b'\\'),
            Some(b'x') => {
                let hex = s.get(i + 2..i + 4).unwrap_or("");
                let v = u8::from_str_radix(hex, 16)
                    .with_context(|| format!("bad \\x escape in {s}"))?;
                out.push(v);
                i += 4;
                continue;
            }
            _ => bail!("unknown escape in {s}"),
        }
        i += 2;
    }
    Ok(out)
}

/// One `-- name:` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub name: String,
    pub steps: Vec<Step>,
}

fn parse_wait(source: &str, rest: &str) -> Result<Step> {
    let parts: Vec<&str> = rest.split(" | ").map(str::trim).collect();
    let [sql, cond, timeout] = parts.as_slice() else {
        bail!("wait needs `<SQL> | <Column> <op> <value> | <timeout>`: {source}");
    };
    let (column, op, value) = if let Some((c, v)) = cond.split_once(" != ") {
        (c, WaitOp::Ne, v)
    } else if let Some((c, v)) = cond.split_once(" >= ") {
        (c, WaitOp::Ge, v)
    } else if let Some((c, v)) = cond.split_once(" = ") {
        (c, WaitOp::Eq, v)
    } else {
        bail!("wait condition needs `=`, `!=` or `>=` with spaces around: {source}");
    };
    let timeout_s = timeout
        .strip_suffix('s')
        .unwrap_or(timeout)
        .parse::<u64>()
        .with_context(|| format!("bad wait timeout: {source}"))?;
    Ok(Step::Wait {
        source: source.to_string(),
        sql: sql.trim_end_matches(';').to_string(),
        column: column.trim().to_string(),
        op,
        value: value.trim().to_string(),
        timeout_s,
    })
}

/// Parses a `.sql` case file.
pub fn parse_cases(text: &str) -> Result<Vec<Case>> {
    let mut cases: Vec<Case> = Vec::new();
    let mut stmt: Vec<&str> = Vec::new();
    let mut mask: Vec<String> = Vec::new();
    let mut sort = false;
    let mut json_keys: Vec<(String, Vec<String>)> = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((no, raw)) = lines.next() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        let at = || format!("line {}", no + 1);
        if stmt.is_empty() {
            if let Some(name) = trimmed.strip_prefix("-- name:") {
                cases.push(Case {
                    name: name.trim().to_string(),
                    steps: Vec::new(),
                });
                continue;
            }
            if trimmed.is_empty() {
                continue;
            }
            let Some(case) = cases.last_mut() else {
                // Text before the first case (a file header) is ignored.
                continue;
            };
            if let Some(rest) = trimmed.strip_prefix("-- wait:") {
                case.steps.push(parse_wait(trimmed, rest).with_context(at)?);
            } else if let Some(rest) = trimmed.strip_prefix("-- mask:") {
                mask = rest.split(',').map(|c| c.trim().to_string()).collect();
            } else if trimmed == "-- sort" {
                sort = true;
            } else if let Some(rest) = trimmed.strip_prefix("-- json_keys:") {
                let Some((col, keys)) = rest.trim().split_once(' ') else {
                    bail!("{}: json_keys needs `<Column> <key1>,<key2>`", at());
                };
                json_keys.push((
                    col.to_string(),
                    keys.split(',').map(|k| k.trim().to_string()).collect(),
                ));
            } else if let Some(rest) = trimmed.strip_prefix("-- create_topic:") {
                let mut it = rest.split_whitespace();
                let (Some(topic), Some(n)) = (it.next(), it.next()) else {
                    bail!("{}: create_topic needs `<topic> <partitions>`", at());
                };
                case.steps.push(Step::CreateTopic {
                    source: trimmed.to_string(),
                    topic: topic.to_string(),
                    partitions: n.parse().with_context(at)?,
                });
            } else if let Some(rest) = trimmed.strip_prefix("-- connect:") {
                let mut it = rest.split_whitespace();
                let Some(user) = it.next() else {
                    bail!("{}: connect needs `<user> [<password>]`", at());
                };
                case.steps.push(Step::Connect {
                    source: trimmed.to_string(),
                    user: user.to_string(),
                    password: it.next().unwrap_or("").to_string(),
                });
            } else if let Some(rest) = trimmed.strip_prefix("-- produce:") {
                let mut it = rest.split_whitespace();
                let (Some(topic), Some(p)) = (it.next(), it.next()) else {
                    bail!("{}: produce needs `<topic> <partition>`", at());
                };
                let mode = match (it.next(), it.next()) {
                    (None, _) => PayloadMode::Text,
                    (Some("escaped"), None) => PayloadMode::Escaped,
                    (Some("avro"), Some(subject)) => PayloadMode::Avro(subject.to_string()),
                    _ => bail!(
                        "{}: produce takes `<topic> <partition> [escaped | avro <subject>]`",
                        at()
                    ),
                };
                let mut source = trimmed.to_string();
                let mut payloads = Vec::new();
                while let Some((_, next)) = lines.peek() {
                    let next = next.trim();
                    let Some(payload) = next.strip_prefix("-- >") else {
                        break;
                    };
                    source.push('\n');
                    source.push_str(next);
                    payloads.push(payload.strip_prefix(' ').unwrap_or(payload).to_string());
                    lines.next();
                }
                case.steps.push(Step::Produce {
                    source,
                    topic: topic.to_string(),
                    partition: p.parse().with_context(at)?,
                    mode,
                    payloads,
                });
            } else if let Some(rest) = trimmed.strip_prefix("-- schema:") {
                let Some((subject, schema)) = rest.trim().split_once(' ') else {
                    bail!("{}: schema needs `<subject> <avro schema json>`", at());
                };
                case.steps.push(Step::Schema {
                    source: trimmed.to_string(),
                    subject: subject.to_string(),
                    schema: schema.trim().to_string(),
                });
            } else if let Some(rest) = trimmed.strip_prefix("-- error_log:") {
                case.steps.push(Step::ErrorLog {
                    source: trimmed.to_string(),
                    job: rest.trim().to_string(),
                });
            } else if trimmed.starts_with("--") {
                // A plain comment.
            } else {
                stmt.push(line);
            }
        } else {
            stmt.push(line);
        }
        if !stmt.is_empty() && line.ends_with(';') {
            let Some(case) = cases.last_mut() else {
                bail!("{}: statement outside a `-- name:` case", at());
            };
            case.steps.push(Step::Sql {
                source: stmt.join("\n"),
                mask: std::mem::take(&mut mask),
                sort: std::mem::take(&mut sort),
                json_keys: std::mem::take(&mut json_keys),
            });
            stmt.clear();
        }
    }
    if !stmt.is_empty() {
        bail!("statement without a closing `;`: {}", stmt.join("\n"));
    }
    Ok(cases)
}

/// Splits a `.result` file into (case name, case text) in file order. A case's text runs from
/// its `-- name:` line to the next one, trailing blank lines removed.
pub fn split_results(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, Vec<&str>)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("-- name:") {
            out.push((name.trim().to_string(), vec![line]));
        } else if let Some((_, body)) = out.last_mut() {
            body.push(line);
        }
    }
    out.into_iter()
        .map(|(n, mut body)| {
            while body.last().is_some_and(|l| l.trim().is_empty()) {
                body.pop();
            }
            (n, body.join("\n"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
-- header comment
-- name: first
CREATE DATABASE db_${uuid};
-- mask: Id
-- sort
SELECT *
FROM t
WHERE a = 'x;y';
-- wait: SHOW ROUTINE LOAD FOR j | State = RUNNING | 60s
-- create_topic: t_${uuid} 5
-- produce: t_${uuid} 0
-- > 1,a
-- > 2,b
-- produce: t_${uuid} 1 escaped
-- > a\\x01b\\nc
-- schema: s {\"type\": \"long\"}
-- produce: t_${uuid} 1 avro s
-- > 5
-- error_log: j

-- name: second
-- a comment
SELECT 1;
";

    #[test]
    fn parses_steps_and_directives() {
        let cases = parse_cases(FILE).unwrap();
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].name, "first");
        assert_eq!(cases[0].steps.len(), 9);
        match &cases[0].steps[1] {
            Step::Sql {
                source, mask, sort, ..
            } => {
                assert_eq!(source, "SELECT *\nFROM t\nWHERE a = 'x;y';");
                assert_eq!(mask, &vec!["Id".to_string()]);
                assert!(sort);
            }
            s => panic!("{s:?}"),
        }
        match &cases[0].steps[2] {
            Step::Wait {
                sql,
                column,
                op,
                value,
                timeout_s,
                ..
            } => {
                assert_eq!(
                    (
                        sql.as_str(),
                        column.as_str(),
                        *op,
                        value.as_str(),
                        *timeout_s
                    ),
                    (
                        "SHOW ROUTINE LOAD FOR j",
                        "State",
                        WaitOp::Eq,
                        "RUNNING",
                        60
                    )
                );
            }
            s => panic!("{s:?}"),
        }
        match &cases[0].steps[4] {
            Step::Produce {
                payloads,
                partition,
                ..
            } => {
                assert_eq!(payloads, &vec!["1,a".to_string(), "2,b".to_string()]);
                assert_eq!(*partition, 0);
            }
            s => panic!("{s:?}"),
        }
        match &cases[0].steps[5] {
            Step::Produce { mode, payloads, .. } => {
                assert_eq!(mode, &PayloadMode::Escaped);
                assert_eq!(unescape(&payloads[0]).unwrap(), b"a\x01b\nc".to_vec());
            }
            s => panic!("{s:?}"),
        }
        assert!(
            matches!(&cases[0].steps[6], Step::Schema { subject, schema, .. } if subject == "s" && schema == r#"{"type": "long"}"#)
        );
        assert!(
            matches!(&cases[0].steps[7], Step::Produce { mode: PayloadMode::Avro(s), .. } if s == "s")
        );
        assert!(matches!(&cases[0].steps[8], Step::ErrorLog { job, .. } if job == "j"));
        assert!(unescape("\\q").is_err());
        assert!(unescape("\\x0").is_err());
        assert_eq!(cases[1].steps.len(), 1);
    }

    #[test]
    fn unterminated_statement_is_an_error() {
        assert!(parse_cases("-- name: x\nSELECT 1\n").is_err());
        assert!(parse_wait("w", "SELECT 1 | a ~ b | 5s").is_err());
    }

    #[test]
    fn splits_result_files() {
        let r =
            split_results("-- name: a\nSELECT 1;\n-- result:\n1\n-- !result\n\n-- name: b\nx\n");
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].1, "-- name: a\nSELECT 1;\n-- result:\n1\n-- !result");
        assert_eq!(r[1], ("b".to_string(), "-- name: b\nx".to_string()));
    }
}
