//! `INCLUDE METADATA (TOPIC AS c, PARTITION AS c, OFFSET AS c, TIMESTAMP_MS AS c, KEY AS c,
//! HEADERS AS c)` of CREATE / ALTER ROUTINE LOAD, as StarRocks 4.1 defines it (PR #73840,
//! backported to branch-4.1 by #76322): each `<KEY> AS <alias>` binds one Kafka message
//! attribute to a hidden source column `<alias>` that COLUMNS expressions and WHERE read; the
//! BE fills it from the message, never from the payload, so a payload field of the same name
//! is not shadowed. `AS <alias>` is required.
//!
//! Values reach the BE as text like every source column: TOPIC and KEY as they are (KEY NULL
//! when the message has none), PARTITION / OFFSET / TIMESTAMP_MS as decimal integers
//! (TIMESTAMP_MS NULL when the broker sent none), HEADERS as a JSON object text
//! (`{"name":"value"}`, the last of duplicate names wins as in #73840). StarRocks types
//! HEADERS as MAP<VARCHAR, VARCHAR>: starload converts the text when the target column is a
//! MAP and otherwise leaves it JSON text (read one header with `get_json_string`).

use super::ColumnItem;
use serde::{Deserialize, Serialize};

/// The Kafka metadata keys (the Pulsar ones are not accepted: starload reads only Kafka).
pub const KAFKA_KEYS: &[&str] = &[
    "TOPIC",
    "KEY",
    "PARTITION",
    "OFFSET",
    "TIMESTAMP_MS",
    "HEADERS",
];

/// One `<KEY> AS <alias>` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataItem {
    /// Upper-case key, one of [`KAFKA_KEYS`].
    pub key: String,
    pub alias: String,
}

impl MetadataItem {
    /// `KEY AS alias`, as SHOW CREATE ROUTINE LOAD prints it.
    pub fn to_show(&self) -> String {
        format!("{} AS {}", self.key, self.alias)
    }
}

/// The COLUMNS a task sends the BE when the job has metadata items: the aliases first (bare
/// names, so the BE's plan reads them as its first source columns and COLUMNS expressions can
/// use them), then the job's COLUMNS, or without COLUMNS every table column no alias names
/// (the payload fields, as a job without COLUMNS reads them).
pub fn task_columns(
    items: &[MetadataItem],
    columns: Option<&[ColumnItem]>,
    table_columns: &[String],
) -> Vec<ColumnItem> {
    let mut out: Vec<ColumnItem> = items
        .iter()
        .map(|i| ColumnItem {
            name: i.alias.clone(),
            expr: None,
        })
        .collect();
    let named = |n: &str| items.iter().any(|i| i.alias.eq_ignore_ascii_case(n));
    match columns {
        Some(cols) => out.extend(
            cols.iter()
                .filter(|c| c.expr.is_some() || !named(&c.name))
                .cloned(),
        ),
        None => out.extend(
            table_columns
                .iter()
                .filter(|n| !named(n))
                .map(|n| ColumnItem {
                    name: n.clone(),
                    expr: None,
                }),
        ),
    }
    out
}

/// Checks a parsed list: known keys, each alias once, each key once. The texts are starload's
/// (PR #73840 lists the supported keys in its error; its exact wording is not in 3.4).
pub fn check(items: &[MetadataItem]) -> Result<(), String> {
    let mut aliases: Vec<String> = Vec::new();
    let mut keys: Vec<&str> = Vec::new();
    for it in items {
        if !KAFKA_KEYS.contains(&it.key.as_str()) {
            return Err(format!(
                "Unsupported metadata key '{}' for KAFKA routine load, supported keys: {}",
                it.key,
                KAFKA_KEYS.join(", ")
            ));
        }
        if keys.contains(&it.key.as_str()) {
            return Err(format!("Duplicate metadata key '{}'", it.key));
        }
        keys.push(&it.key);
        let a = it.alias.to_ascii_lowercase();
        if aliases.contains(&a) {
            return Err(format!("Duplicate metadata alias '{}'", it.alias));
        }
        aliases.push(a);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(k: &str, a: &str) -> MetadataItem {
        MetadataItem {
            key: k.into(),
            alias: a.into(),
        }
    }

    #[test]
    fn keys_and_aliases_are_checked() {
        assert!(check(&[item("TOPIC", "t"), item("HEADERS", "h")]).is_ok());
        assert_eq!(
            check(&[item("MESSAGE_ID", "m")]),
            Err("Unsupported metadata key 'MESSAGE_ID' for KAFKA routine load, supported keys: TOPIC, KEY, PARTITION, OFFSET, TIMESTAMP_MS, HEADERS".into())
        );
        assert!(check(&[item("TOPIC", "a"), item("KEY", "A")]).is_err());
        assert!(check(&[item("TOPIC", "a"), item("TOPIC", "b")]).is_err());
        assert_eq!(item("OFFSET", "o").to_show(), "OFFSET AS o");
    }

    #[test]
    fn aliases_lead_the_task_columns() {
        let items = [item("OFFSET", "off"), item("TOPIC", "src")];
        let names = |v: Vec<ColumnItem>| v.into_iter().map(|c| c.name).collect::<Vec<_>>();
        let table = ["k".to_string(), "off".to_string(), "v".to_string()];
        assert_eq!(
            names(task_columns(&items, None, &table)),
            ["off", "src", "k", "v"]
        );
        let cols = [
            ColumnItem {
                name: "k".into(),
                expr: None,
            },
            ColumnItem {
                name: "v".into(),
                expr: Some("concat(`src`, '#')".into()),
            },
        ];
        assert_eq!(
            names(task_columns(&items, Some(&cols), &table)),
            ["off", "src", "k", "v"]
        );
    }
}
