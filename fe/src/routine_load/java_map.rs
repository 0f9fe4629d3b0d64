//! Java `HashMap` iteration order ([HM] in spec/routine-load.md §0.2), so that the JSON maps in
//! SHOW ROUTINE LOAD list their keys exactly as StarRocks (Gson over a `HashMap`) does.
//!
//! The rule: `hash = h ^ (h >>> 16)` of the key's `hashCode()` (`String.hashCode` over UTF-16
//! units, `Integer.hashCode` = the value), bucket = `hash & (capacity - 1)`, capacity starts at
//! 16 and doubles whenever the size exceeds 0.75 × capacity. A resize splits each bucket keeping
//! the relative order, so the iteration order is: buckets ascending, and inside a bucket the
//! insertion order. Replacing a value keeps the key's place. (Treeified buckets, ≥ 8 colliding
//! keys, are not modelled: no StarRocks SHOW map gets near that.)

/// A key with Java's `hashCode()`.
pub trait JavaHash {
    fn java_hash_code(&self) -> i32;
}

impl JavaHash for str {
    fn java_hash_code(&self) -> i32 {
        let mut h: i32 = 0;
        for unit in self.encode_utf16() {
            h = h.wrapping_mul(31).wrapping_add(unit as i32);
        }
        h
    }
}

impl JavaHash for String {
    fn java_hash_code(&self) -> i32 {
        self.as_str().java_hash_code()
    }
}

impl JavaHash for i32 {
    fn java_hash_code(&self) -> i32 {
        *self
    }
}

/// An insertion-ordered map that iterates in Java `HashMap` order.
#[derive(Debug, Clone)]
pub struct JavaHashMap<K, V> {
    entries: Vec<(K, V)>,
    capacity: usize,
}

impl<K: JavaHash + PartialEq, V> Default for JavaHashMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: JavaHash + PartialEq, V> JavaHashMap<K, V> {
    /// `new HashMap<>()`: capacity 16.
    pub fn new() -> Self {
        Self {
            entries: Vec::new(),
            capacity: 16,
        }
    }

    /// `HashMap.put`.
    pub fn put(&mut self, key: K, value: V) {
        if let Some(e) = self.entries.iter_mut().find(|(k, _)| *k == key) {
            e.1 = value;
            return;
        }
        self.entries.push((key, value));
        // Java resizes after the insert when ++size > threshold (0.75 * capacity).
        while self.entries.len() * 4 > self.capacity * 3 {
            self.capacity *= 2;
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in Java iteration order.
    pub fn iter(&self) -> impl Iterator<Item = &(K, V)> {
        let mask = (self.capacity - 1) as u32;
        let mut order: Vec<(u32, usize)> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, (k, _))| {
                let h = k.java_hash_code() as u32;
                ((h ^ (h >> 16)) & mask, i)
            })
            .collect();
        order.sort();
        order.into_iter().map(move |(_, i)| &self.entries[i])
    }
}

impl<V> JavaHashMap<String, V> {
    /// Gson's rendering of a `Map<String, String>`-like map (values already JSON).
    pub fn to_json_with(&self, value_json: impl Fn(&V) -> String) -> String {
        let mut out = String::from("{");
        for (i, (k, v)) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&json_string(k));
            out.push(':');
            out.push_str(&value_json(v));
        }
        out.push('}');
        out
    }
}

impl JavaHashMap<String, String> {
    /// Gson (`disableHtmlEscaping`) of a `Map<String, String>`.
    pub fn to_json(&self) -> String {
        self.to_json_with(|v| json_string(v))
    }
}

/// A JSON string literal as Gson writes it with HTML escaping disabled.
pub fn json_string(s: &str) -> String {
    crate::java_text::gson_string(s, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(keys: &[&str]) -> Vec<String> {
        let mut m = JavaHashMap::new();
        for k in keys {
            m.put(k.to_string(), ());
        }
        m.iter().map(|(k, _)| k.clone()).collect()
    }

    #[test]
    fn string_hash_code_matches_java() {
        assert_eq!("".java_hash_code(), 0);
        assert_eq!("a".java_hash_code(), 97);
        assert_eq!("hello".java_hash_code(), 99162322);
        // Overflow wraps like Java int arithmetic.
        assert_eq!("partial_update_mode".java_hash_code(), {
            let mut h: i32 = 0;
            for b in "partial_update_mode".bytes() {
                h = h.wrapping_mul(31).wrapping_add(b as i32);
            }
            h
        });
    }

    #[test]
    fn reproduces_statistic_orders() {
        // Inserted as KafkaRoutineLoadJob.getStatistic puts them.
        let insert = [
            "totalRows",
            "loadedRows",
            "errorRows",
            "unselectedRows",
            "receivedBytes",
            "taskExecuteTimeMs",
            "receivedBytesRate",
            "loadRowsRate",
            "committedTaskNum",
            "abortedTaskNum",
        ];
        // The docs' (older) example, 10 keys.
        assert_eq!(
            order(&insert),
            [
                "receivedBytes",
                "errorRows",
                "committedTaskNum",
                "loadedRows",
                "loadRowsRate",
                "abortedTaskNum",
                "totalRows",
                "unselectedRows",
                "receivedBytesRate",
                "taskExecuteTimeMs",
            ]
        );
        // Newer releases add partitionLagTime last.
        let mut newest = insert.to_vec();
        newest.push("partitionLagTime");
        assert_eq!(
            order(&newest),
            [
                "receivedBytes",
                "partitionLagTime",
                "errorRows",
                "committedTaskNum",
                "loadedRows",
                "loadRowsRate",
                "abortedTaskNum",
                "totalRows",
                "unselectedRows",
                "receivedBytesRate",
                "taskExecuteTimeMs",
            ]
        );
    }

    #[test]
    fn string_partition_keys_follow_string_hash() {
        let twelve: Vec<String> = (0..12).map(|i| i.to_string()).collect();
        let refs: Vec<&str> = twelve.iter().map(String::as_str).collect();
        assert_eq!(
            order(&refs),
            ["0", "11", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]
        );
        let sixteen: Vec<String> = (0..16).map(|i| i.to_string()).collect();
        let refs: Vec<&str> = sixteen.iter().map(String::as_str).collect();
        assert_eq!(
            order(&refs),
            [
                "11", "12", "13", "14", "15", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
                "10"
            ]
        );
    }

    #[test]
    fn integer_keys_share_buckets_modulo_capacity() {
        let mut m = JavaHashMap::new();
        for k in [17i32, 0, 1, 2] {
            m.put(k, ());
        }
        let keys: Vec<i32> = m.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, [0, 17, 1, 2]);
        let mut m = JavaHashMap::new();
        for k in [0i32, 1, 17, 2] {
            m.put(k, ());
        }
        let keys: Vec<i32> = m.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, [0, 1, 17, 2]);
    }

    #[test]
    fn custom_properties_pair_order() {
        assert_eq!(
            // The statement's properties first; setDefaultKafkaGroupID adds group.id after.
            order(&["kafka_default_offsets", "group.id"]),
            ["kafka_default_offsets", "group.id"]
        );
    }

    #[test]
    fn json_string_escapes_like_gson_without_html_escaping() {
        assert_eq!(json_string("a\"b\\c\t<>="), "\"a\\\"b\\\\c\\t<>=\"");
    }
}
