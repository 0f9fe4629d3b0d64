//! Job properties of rejected rows (issue 17): what happens to a row or message a task cannot
//! load. Kept apart from `properties.rs` (StarRocks 3.4's keys) because none of them is in
//! 3.4: `skip_on_fatal_parse_error` is the name of StarRocks's open PRs #78736 / #78777
//! (a message that does not parse is counted as an error row and skipped, so its partition
//! keeps moving); `dead_letter_topic` / `dead_letter_broker_list` are starload's.
//!
//! All of them are accepted by CREATE and ALTER (the PRs allow both for the skip flag) and shown
//! in JobProperties only when set, so a job that uses none prints StarRocks 3.4's text.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SKIP_ON_FATAL_PARSE_ERROR: &str = "skip_on_fatal_parse_error";
pub const DEAD_LETTER_TOPIC: &str = "dead_letter_topic";
pub const DEAD_LETTER_BROKER_LIST: &str = "dead_letter_broker_list";

/// Keys this module owns, accepted in CREATE's and ALTER's PROPERTIES.
pub const KEYS: &[&str] = &[
    SKIP_ON_FATAL_PARSE_ERROR,
    DEAD_LETTER_TOPIC,
    DEAD_LETTER_BROKER_LIST,
];

/// The rejected-row properties of a job (persisted with the job; absent in jobs written
/// before they existed, hence `serde(default)` at the use site).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedRowProps {
    /// A message that does not parse is an error row, kept in the ledger and skipped.
    #[serde(default)]
    pub skip_on_fatal_parse_error: bool,
    /// Topic rejected messages are produced to, once per committed transaction.
    #[serde(default)]
    pub dead_letter_topic: Option<String>,
    /// Brokers of the dead-letter topic; None = the job's `kafka_broker_list`.
    #[serde(default)]
    pub dead_letter_broker_list: Option<String>,
}

impl RejectedRowProps {
    /// Reads the keys of this module from CREATE's PROPERTIES (defaults when absent).
    pub fn from_create(props: &BTreeMap<String, String>) -> Result<Self, String> {
        let mut p = Self::default();
        p.apply_alter(props)?;
        Ok(p)
    }

    /// Applies the keys of this module present in `props` (ALTER); others are left alone.
    pub fn apply_alter(&mut self, props: &BTreeMap<String, String>) -> Result<(), String> {
        let mut next = self.clone();
        if let Some(v) = props.get(SKIP_ON_FATAL_PARSE_ERROR) {
            // Same check and wording as pause_on_fatal_parse_error's.
            next.skip_on_fatal_parse_error = match v.as_str() {
                v if v.eq_ignore_ascii_case("true") => true,
                v if v.eq_ignore_ascii_case("false") => false,
                _ => return Err("skip_on_fatal_parse_error should be a boolean".into()),
            };
        }
        if let Some(v) = props.get(DEAD_LETTER_TOPIC) {
            let v = v.trim();
            next.dead_letter_topic = (!v.is_empty()).then(|| v.to_string());
        }
        if let Some(v) = props.get(DEAD_LETTER_BROKER_LIST) {
            let v = v.trim();
            next.dead_letter_broker_list = (!v.is_empty()).then(|| v.to_string());
        }
        *self = next;
        Ok(())
    }

    /// The `(key, value)` pairs JobProperties shows: only the keys that are set.
    pub fn shown(&self) -> Vec<(&'static str, String)> {
        let mut v = Vec::new();
        if self.skip_on_fatal_parse_error {
            v.push((SKIP_ON_FATAL_PARSE_ERROR, "true".to_string()));
        }
        if let Some(t) = &self.dead_letter_topic {
            v.push((DEAD_LETTER_TOPIC, t.clone()));
        }
        if let Some(b) = &self.dead_letter_broker_list {
            v.push((DEAD_LETTER_BROKER_LIST, b.clone()));
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_and_alter() {
        let mut p = RejectedRowProps::from_create(&m(&[])).unwrap();
        assert_eq!(p, RejectedRowProps::default());
        assert!(p.shown().is_empty());
        p.apply_alter(&m(&[
            ("skip_on_fatal_parse_error", "TRUE"),
            ("dead_letter_topic", "dlq"),
        ]))
        .unwrap();
        assert!(p.skip_on_fatal_parse_error);
        assert_eq!(p.dead_letter_topic.as_deref(), Some("dlq"));
        assert_eq!(
            RejectedRowProps::from_create(&m(&[("skip_on_fatal_parse_error", "yes")])),
            Err("skip_on_fatal_parse_error should be a boolean".to_string())
        );
        // A failed ALTER leaves the properties as they were.
        let before = p.clone();
        assert!(p
            .apply_alter(&m(&[
                ("dead_letter_topic", "x"),
                ("skip_on_fatal_parse_error", "1")
            ]))
            .is_err());
        assert_eq!(p, before);
    }
}
