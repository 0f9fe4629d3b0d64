//! The leader's lease from its followers' answers: when each follower last accepted an
//! AppendEntries (heartbeats included) of this node's term, by the time the message was SENT.
//!
//! `MetaRaft::propose` confirms leadership with a quorum before a write unless a quorum
//! confirmed it within an election timeout, so that a leader cut off from its
//! followers refuses writes within two election timeouts. Counting only successful commits
//! made every write after a quiet spell (a routine load task commits every few seconds) pay
//! an extra heartbeat round; heartbeats arrive every `meta_heartbeat_interval_ms`, so with
//! them a healthy leader's lease is always fresh. The send time is used because an answer
//! proves the follower accepted this leader when the message left, not when it came back.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// True when `me` is the only voter of every set in `configs`: the node is its own quorum, so
/// it never needs a lease confirmed and waits only for its own disk.
pub fn sole_voter(me: u64, configs: &[BTreeSet<u64>]) -> bool {
    !configs.is_empty()
        && configs
            .iter()
            .all(|voters| voters.len() == 1 && voters.contains(&me))
}

/// Per follower: the term and send time of the newest AppendEntries it accepted.
#[derive(Default)]
pub struct AckClock {
    acks: Mutex<HashMap<u64, (u64, Instant)>>,
}

impl AckClock {
    /// `target` accepted a message of `term` sent at `sent`.
    pub fn record(&self, target: u64, term: u64, sent: Instant) {
        let mut acks = self.acks.lock().unwrap_or_else(|p| p.into_inner());
        let e = acks.entry(target).or_insert((term, sent));
        if (term, sent) > *e {
            *e = (term, sent);
        }
    }

    /// True when, counting `me`, a majority of every voter set in `configs` (a joint
    /// membership has two) accepted messages of `term` sent within `window`.
    pub fn quorum_within(
        &self,
        me: u64,
        configs: &[BTreeSet<u64>],
        term: u64,
        window: Duration,
    ) -> bool {
        if configs.is_empty() {
            return false;
        }
        let acks = self.acks.lock().unwrap_or_else(|p| p.into_inner());
        let fresh = |id: &u64| {
            *id == me
                || acks
                    .get(id)
                    .is_some_and(|(t, sent)| *t == term && sent.elapsed() < window)
        };
        configs
            .iter()
            .all(|voters| voters.iter().filter(|id| fresh(id)).count() * 2 > voters.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[u64]) -> BTreeSet<u64> {
        ids.iter().copied().collect()
    }

    #[test]
    fn a_majority_of_fresh_answers_of_this_term_is_a_lease() {
        let c = AckClock::default();
        let w = Duration::from_millis(350);
        let three = [set(&[1, 2, 3])];
        // Alone, the leader is no majority of three.
        assert!(!c.quorum_within(1, &three, 5, w));
        // A single-node group is its own majority.
        assert!(c.quorum_within(1, &[set(&[1])], 5, w));
        assert!(sole_voter(1, &[set(&[1])]));
        assert!(!sole_voter(1, &three));
        assert!(!sole_voter(1, &[set(&[1]), set(&[1, 2])]));
        assert!(!sole_voter(1, &[]));
        c.record(2, 5, Instant::now());
        assert!(c.quorum_within(1, &three, 5, w));
        // An answer to another term does not count.
        assert!(!c.quorum_within(1, &three, 6, w));
        // An old answer does not count.
        let c = AckClock::default();
        c.record(2, 5, Instant::now() - Duration::from_secs(1));
        assert!(!c.quorum_within(1, &three, 5, w));
        // A newer answer replaces it; an older one does not.
        c.record(2, 5, Instant::now());
        c.record(2, 5, Instant::now() - Duration::from_secs(2));
        assert!(c.quorum_within(1, &three, 5, w));
    }

    #[test]
    fn a_joint_membership_needs_a_majority_of_both_sets() {
        let c = AckClock::default();
        let w = Duration::from_millis(350);
        let joint = [set(&[1, 2, 3]), set(&[1, 4, 5])];
        c.record(2, 3, Instant::now());
        assert!(!c.quorum_within(1, &joint, 3, w));
        c.record(4, 3, Instant::now());
        assert!(c.quorum_within(1, &joint, 3, w));
    }
}
