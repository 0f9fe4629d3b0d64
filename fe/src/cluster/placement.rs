//! Tablet placement: each tablet's `replication_num` replicas go to distinct alive backends,
//! round robin over the alive set so that buckets spread evenly (StarRocks
//! `NodeSelector.seqChooseBackendIds` via `LocalMetastore.chosenBackendIdBySeq`), with
//! StarRocks's error texts when too few backends are alive.

use super::Cluster;
use std::sync::atomic::Ordering;

/// Error when an explicit `replication_num` exceeds the alive backends
/// (`PropertyAnalyzer.checkReplicationNum`; "of equal" is StarRocks's own typo).
pub fn explicit_replication_error(alive: &[i64]) -> String {
    format!(
        "Table replication num should be less than of equal to the number of available BE nodes. You can change this default by setting the replication_num table properties. Current alive backend is [{}].",
        join(alive)
    )
}

/// Error when the default `replication_num` exceeds the alive backends
/// (`chosenBackendIdBySeq`, wrapped with the table name and the config default).
pub fn default_replication_error(
    alive: &[i64],
    replication_num: u32,
    table: &str,
    default_replication_num: i64,
) -> String {
    let inner = if replication_num > 1 {
        format!(
            "Table replication num should be less than or equal to the number of available BE nodes. You can change this default by setting the replication_num table properties. Current alive backend is [{}]. ",
            join(alive)
        )
    } else {
        "No alive nodes".to_string()
    };
    format!("{inner}, table={table}, default_replication_num={default_replication_num}")
}

fn join(ids: &[i64]) -> String {
    ids.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Chooses replicas for `bucket_num` tablets over `alive` (sorted ids), starting at `start`.
/// Each tablet's replicas are distinct; consecutive tablets shift by one backend.
pub fn spread(alive: &[i64], bucket_num: u32, replication_num: u32, start: usize) -> Vec<Vec<i64>> {
    let n = alive.len();
    (0..bucket_num as usize)
        .map(|b| {
            (0..replication_num as usize)
                .map(|r| alive[(start + b + r) % n])
                .collect()
        })
        .collect()
}

impl Cluster {
    /// Places `bucket_num` tablets of `table`. `explicit` = the user gave replication_num.
    pub fn place_tablets(
        &self,
        table: &str,
        bucket_num: u32,
        replication_num: u32,
        explicit: bool,
    ) -> Result<Vec<Vec<i64>>, String> {
        let alive = self.alive_backend_ids();
        if replication_num as usize > alive.len() {
            return Err(if explicit {
                explicit_replication_error(&alive)
            } else {
                default_replication_error(
                    &alive,
                    replication_num,
                    table,
                    self.config().get().default_replication_num,
                )
            });
        }
        let start = self.next_placement.fetch_add(1, Ordering::Relaxed) % alive.len();
        Ok(spread(&alive, bucket_num, replication_num, start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn replicas_are_distinct_and_spread_evenly() {
        let alive = [10, 11, 12, 13];
        let p = spread(&alive, 8, 3, 1);
        assert_eq!(p.len(), 8);
        let mut load = std::collections::HashMap::new();
        for r in &p {
            assert_eq!(r.iter().collect::<HashSet<_>>().len(), 3);
            for b in r {
                *load.entry(*b).or_insert(0) += 1;
            }
        }
        assert!(load.values().all(|n| *n == 6), "{load:?}");
    }

    #[test]
    fn error_texts_match_starrocks() {
        assert_eq!(
            default_replication_error(&[10001], 3, "orders1", 3),
            "Table replication num should be less than or equal to the number of available BE nodes. You can change this default by setting the replication_num table properties. Current alive backend is [10001]. , table=orders1, default_replication_num=3"
        );
        assert_eq!(
            default_replication_error(&[], 1, "t", 1),
            "No alive nodes, table=t, default_replication_num=1"
        );
        assert!(explicit_replication_error(&[1, 2]).ends_with("Current alive backend is [1,2]."));
    }
}
