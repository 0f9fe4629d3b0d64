//! Kafka progress: per partition the next offset to consume (or, before the first schedule,
//! `-2` OFFSET_BEGINNING / `-1` OFFSET_END), and its SHOW display (spec §5.5, `KafkaProgress.java`).

use super::java_map::JavaHashMap;
use super::properties::{OFFSET_BEGINNING_VAL, OFFSET_END_VAL};
use serde::{Deserialize, Serialize};

/// Partition -> next offset, in the order partitions were added (StarRocks keeps a hash map;
/// the order only matters for display, where the Java HashMap rule is applied).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KafkaProgress {
    pub offsets: Vec<(i32, i64)>,
}

impl KafkaProgress {
    pub fn get(&self, partition: i32) -> Option<i64> {
        self.offsets
            .iter()
            .find(|(p, _)| *p == partition)
            .map(|(_, o)| *o)
    }

    /// Sets (or adds) a partition's next offset.
    pub fn set(&mut self, partition: i32, offset: i64) {
        match self.offsets.iter_mut().find(|(p, _)| *p == partition) {
            Some(e) => e.1 = offset,
            None => self.offsets.push((partition, offset)),
        }
    }

    pub fn contains(&self, partition: i32) -> bool {
        self.get(partition).is_some()
    }

    /// `KafkaProgress.update`: stored := last consumed offset + 1.
    pub fn update_from_last_offsets(&mut self, last: &[(i32, i64)]) {
        for (p, o) in last {
            self.set(*p, o + 1);
        }
    }

    /// The SHOW `Progress` JSON: `{"<partition>":"<display>"}` in Java HashMap order.
    pub fn to_show_json(&self) -> String {
        show_json(&self.offsets)
    }
}

/// The display of one stored value (spec §5.5).
pub fn display_offset(v: i64) -> String {
    match v {
        0 => "OFFSET_ZERO".into(),
        OFFSET_END_VAL => "OFFSET_END".into(),
        OFFSET_BEGINNING_VAL => "OFFSET_BEGINNING".into(),
        v => (v - 1).to_string(),
    }
}

/// `{"<partition>":"<display>"}` for a `HashMap<Integer, String>` filled from `entries`.
pub fn show_json(entries: &[(i32, i64)]) -> String {
    // The source map is itself a hash map: iterate it in Java order, then fill the display map.
    let mut src = JavaHashMap::new();
    for (p, v) in entries {
        src.put(*p, *v);
    }
    let mut shown = JavaHashMap::new();
    for (p, v) in src.iter() {
        shown.put(*p, display_offset(*v));
    }
    let mut out = String::from("{");
    for (i, (p, v)) in shown.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!("\"{p}\":\"{v}\""));
    }
    out.push('}');
    out
}

/// Raw next offsets as the task DataSourceProperties show them: `{"0":6,"3":0}`.
pub fn raw_json(entries: &[(i32, i64)]) -> String {
    let mut m = JavaHashMap::new();
    for (p, v) in entries {
        m.put(*p, *v);
    }
    let mut out = String::from("{");
    for (i, (p, v)) in m.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!("\"{p}\":{v}"));
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_rules() {
        assert_eq!(display_offset(0), "OFFSET_ZERO");
        assert_eq!(display_offset(-1), "OFFSET_END");
        assert_eq!(display_offset(-2), "OFFSET_BEGINNING");
        assert_eq!(display_offset(2), "1");
    }

    #[test]
    fn seed_show_progress() {
        let mut p = KafkaProgress::default();
        for i in 0..5 {
            p.set(i, 0);
        }
        p.update_from_last_offsets(&[(0, 1)]);
        assert_eq!(
            p.to_show_json(),
            r#"{"0":"1","1":"OFFSET_ZERO","2":"OFFSET_ZERO","3":"OFFSET_ZERO","4":"OFFSET_ZERO"}"#
        );
    }

    #[test]
    fn large_partition_ids_share_buckets() {
        let p = KafkaProgress {
            offsets: vec![(17, 5), (1, -1), (0, -2)],
        };
        assert_eq!(
            p.to_show_json(),
            r#"{"0":"OFFSET_BEGINNING","17":"4","1":"OFFSET_END"}"#
        );
        assert_eq!(raw_json(&[(3, 0), (0, 2)]), r#"{"0":2,"3":0}"#);
    }
}
