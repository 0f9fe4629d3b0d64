//! Idle Kafka consumers kept for the next task of the same source (StarRocks
//! `be/src/runtime/routine_load/data_consumer_pool.cpp`).
//!
//! A job runs one task after another on the same partitions, usually on the same BE. Creating
//! a librdkafka client for each task costs a broker connection, API-version and metadata round
//! trips and fresh fetch sessions: a fixed cost per task that dominated short tasks. So a task
//! takes an idle consumer of an identical client configuration from this pool, `assign()`s its
//! own partitions and offsets, and gives it back unassigned when it ended cleanly.
//!
//! - Key: the full client configuration (brokers, group.id, every librdkafka property, sorted),
//!   so a consumer is only reused where a new one would have been configured the same way.
//! - Given back unassigned (StarRocks's `KafkaDataConsumer::reset`): an idle consumer fetches
//!   nothing and holds no buffered messages; the next `assign()` starts its partitions afresh
//!   (so partition EOF is reported anew).
//! - A consumer whose task failed is dropped, never pooled: its state is unknown.
//! - Idle consumers older than [`IDLE_LIMIT`] are closed (StarRocks: 600 s), and at most
//!   [`MAX_IDLE`] are kept by the BE's pool.

use rdkafka::consumer::{BaseConsumer, Consumer};
use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Idle consumers older than this are closed.
pub const IDLE_LIMIT: Duration = Duration::from_secs(600);
/// Most idle consumers kept at once (the oldest are closed first).
pub const MAX_IDLE: usize = 64;

struct Idle {
    key: String,
    consumer: BaseConsumer,
    since: Instant,
}

/// The process's pool of idle consumers.
pub struct ConsumerPool {
    idle: Mutex<Vec<Idle>>,
    max_idle: usize,
}

impl ConsumerPool {
    /// An empty pool keeping at most `max_idle` idle consumers.
    pub fn new(max_idle: usize) -> Self {
        Self {
            idle: Mutex::new(Vec::new()),
            max_idle,
        }
    }

    /// The BE's pool (one per process, like StarRocks's `ExecEnv::routine_load_consumer_pool`).
    pub fn global() -> &'static ConsumerPool {
        static POOL: OnceLock<ConsumerPool> = OnceLock::new();
        POOL.get_or_init(|| ConsumerPool::new(MAX_IDLE))
    }

    /// The pool key of a client configuration: every setting, sorted, each part
    /// length-prefixed so that no value can imitate another setting.
    pub fn key_of(settings: &BTreeMap<&str, &str>) -> String {
        let mut k = String::new();
        for (name, value) in settings {
            for part in [name, value] {
                k.push_str(&part.len().to_string());
                k.push(':');
                k.push_str(part);
            }
        }
        k
    }

    /// An idle consumer for `key`, most recently returned first.
    pub fn take(&self, key: &str) -> Option<BaseConsumer> {
        let mut idle = self.idle.lock().ok()?;
        self.evict(&mut idle, Instant::now());
        let i = idle.iter().rposition(|c| c.key == key)?;
        Some(idle.remove(i).consumer)
    }

    /// Gives back a consumer whose task ended cleanly; it is unassigned first. A consumer
    /// that cannot be unassigned is dropped.
    pub fn give_back(&self, key: String, consumer: BaseConsumer) {
        if consumer.unassign().is_err() {
            return;
        }
        let Ok(mut idle) = self.idle.lock() else {
            return;
        };
        idle.push(Idle {
            key,
            consumer,
            since: Instant::now(),
        });
        self.evict(&mut idle, Instant::now());
    }

    /// Number of idle consumers.
    pub fn idle_count(&self) -> usize {
        self.idle.lock().map(|i| i.len()).unwrap_or(0)
    }

    /// Number of idle consumers for `key`.
    pub fn idle_for(&self, key: &str) -> usize {
        self.idle
            .lock()
            .map(|i| i.iter().filter(|c| c.key == key).count())
            .unwrap_or(0)
    }

    fn evict(&self, idle: &mut Vec<Idle>, now: Instant) {
        idle.retain(|c| now.duration_since(c.since) < IDLE_LIMIT);
        if idle.len() > self.max_idle {
            // Oldest first: they were pushed in return order.
            let extra = idle.len() - self.max_idle;
            idle.drain(..extra);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdkafka::config::ClientConfig;

    fn consumer() -> BaseConsumer {
        ClientConfig::new()
            .set("bootstrap.servers", "127.0.0.1:1")
            .set("group.id", "pool-test")
            .create()
            .expect("consumer")
    }

    #[test]
    fn key_covers_every_setting_in_order() {
        let a = BTreeMap::from([("b", "1"), ("a", "2")]);
        let mut b = a.clone();
        assert_eq!(ConsumerPool::key_of(&a), ConsumerPool::key_of(&b));
        b.insert("sasl.password", "x");
        assert_ne!(ConsumerPool::key_of(&a), ConsumerPool::key_of(&b));
        // A value that contains another pair's text cannot collide.
        let c = BTreeMap::from([("a", "1\u{2}b\u{1}2")]);
        let d = BTreeMap::from([("a", "1"), ("b", "2")]);
        assert_ne!(ConsumerPool::key_of(&c), ConsumerPool::key_of(&d));
    }

    #[test]
    fn consumers_are_reused_only_for_their_key() {
        let pool = ConsumerPool::new(4);
        assert!(pool.take("k1").is_none());
        pool.give_back("k1".into(), consumer());
        assert_eq!(pool.idle_count(), 1);
        assert!(pool.take("k2").is_none());
        assert!(pool.take("k1").is_some());
        assert_eq!(pool.idle_count(), 0);
    }

    #[test]
    fn pool_keeps_at_most_max_idle() {
        let pool = ConsumerPool::new(2);
        for i in 0..5 {
            pool.give_back(format!("k{i}"), consumer());
        }
        assert_eq!(pool.idle_count(), 2);
        // The oldest three were closed.
        assert!(pool.take("k0").is_none());
        assert!(pool.take("k2").is_none());
        assert!(pool.take("k4").is_some());
        assert!(pool.take("k3").is_some());
    }
}
