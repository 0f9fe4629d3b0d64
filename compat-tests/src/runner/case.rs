//! Parsing `cases/<area>/<name>.sql` files into cases, and `.result` files into per-case text.
//!
//! A `.sql` file holds cases, each starting with `-- name: <case>`. Inside a case:
//! - SQL statements, possibly spanning lines, each ending with a line whose last character is
//!   `;` (the `;` is not sent);
//! - directives, one line each:
//!   - `-- wait: <SQL> | <Column> <op> <value> | <timeout>`: poll SQL until the first row's
//!     Column satisfies `=`, `!=` or `>=` (numeric) value; timeout like `60s`; a timeout ends
//!     the case;
//!   - `-- mask: Col1,Col2`: the next statement's values in those columns print as `*`
//!     (ids, times);
//!   - `-- sort`: the next statement's rows are sorted before printing;
//!   - `-- create_topic: <topic> <partitions>`;
//!   - `-- produce: <topic> <partition>` followed by `-- > <payload>` lines (one message each);
//! - other `--` comments and blank lines between statements are ignored.
//!
//! `${uuid}`, `${uuid0}`..`${uuid9}` (fresh hex per case) and `${broker}` are substituted
//! everywhere. UUIDs in results (a job's default `group.id`) print as `<uuid>`.

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
        payloads: Vec<String>,
    },
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
            } else if let Some(rest) = trimmed.strip_prefix("-- produce:") {
                let mut it = rest.split_whitespace();
                let (Some(topic), Some(p)) = (it.next(), it.next()) else {
                    bail!("{}: produce needs `<topic> <partition>`", at());
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
                    payloads,
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

-- name: second
-- a comment
SELECT 1;
";

    #[test]
    fn parses_steps_and_directives() {
        let cases = parse_cases(FILE).unwrap();
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].name, "first");
        assert_eq!(cases[0].steps.len(), 5);
        match &cases[0].steps[1] {
            Step::Sql { source, mask, sort } => {
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
