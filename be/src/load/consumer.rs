//! Kafka consumers of one task (StarRocks `be/src/runtime/routine_load/data_consumer.cpp`,
//! `data_consumer_group.cpp`; spec routine-load.md §2.2, §4.5).
//!
//! - `min(max_consumer_num_per_group, #partitions)` rdkafka `BaseConsumer`s, each `assign()`ed
//!   to its partitions (dealt round-robin) at the begin offsets: no group rebalancing.
//! - StarRocks's librdkafka defaults first, then every user property (security.protocol, sasl.*,
//!   ssl.* included) so the user wins. Unknown keys are dropped (as StarRocks ignores them);
//!   other invalid values fail with `PAUSE: failed to set '<k>', value: '<v>', err: <e>`.
//! - Consumers come from the BE's [`ConsumerPool`] when an idle one of the same client
//!   configuration exists (no new client per task), and go back to it after a clean run.
//! - Each consumer runs on its own blocking thread, copies payloads into a [`MessageChunk`]
//!   arena and hands full chunks to the task through a bounded channel (back-pressure).
//! - The batch ends when `max_interval_s` elapsed, the task's bytes reached
//!   `max_batch_size_bytes`, or every partition hit EOF. A partition read up to the high
//!   watermark of its latest fetch counts as at EOF at once (librdkafka's own EOF waits for
//!   one more, empty, fetch).
//! - `OFFSET_OUT_OF_RANGE` stops the task with `Broker: Offset out of range, partition <p>
//!   offset <o> has no data` (the FE pauses the job on `Offset out of range`); when retention
//!   deleted messages before they were read, the text says how many (issue 16).
//! - Bounded jobs: a partition with an end offset stops at it as at EOF (a message at or past
//!   the end is dropped, never loaded), and one whose begin offset is already there is not read.
//! - High watermarks: at EOF the watermark is the EOF position (known from the fetch); for
//!   partitions cut by time or bytes it is read once from the broker at the end (bounded by
//!   `routine_load_kafka_timeout_second`), -1 if that fails.

use crate::load::consumer_pool::ConsumerPool;
use crate::load::decode::MessageChunk;
use crate::load::error::LoadError;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Payload bytes per chunk handed to the task (a chunk is decoded and written as one batch).
pub const CHUNK_BYTES: usize = 4 << 20;
/// Messages per chunk.
pub const CHUNK_MSGS: usize = 128 * 1024;

/// What one task consumes.
#[derive(Debug, Clone)]
pub struct ConsumeSpec {
    pub brokers: String,
    pub topic: String,
    /// Partition -> next offset to read.
    pub begin_offsets: Vec<(i32, i64)>,
    /// User librdkafka properties (`property.` stripped).
    pub properties: HashMap<String, String>,
    pub group_id: String,
    pub max_interval: Duration,
    pub max_bytes: u64,
    pub max_consumers: usize,
    pub kafka_timeout: Duration,
    /// Bounded jobs (`kafka_end_offsets` / `kafka_end_time`): partition -> first offset NOT to
    /// read. A partition stops there as at EOF; nothing at or past it is delivered.
    pub end_offsets: HashMap<i32, i64>,
}

/// What a consumer observed for one partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionState {
    pub partition: i32,
    pub begin_offset: i64,
    /// Last consumed offset (-1: none).
    pub last_offset: i64,
    pub last_timestamp_ms: i64,
    pub high_watermark: i64,
    pub eof: bool,
}

/// StarRocks's librdkafka settings, then the user's (user values replace defaults).
pub fn client_config(spec: &ConsumeSpec) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("metadata.broker.list", &spec.brokers)
        .set("group.id", &spec.group_id)
        .set("enable.partition.eof", "true")
        .set("enable.auto.offset.store", "false")
        // StarRocks commits offsets itself (monitoring only); nothing is committed automatically.
        .set("enable.auto.commit", "false")
        .set("statistics.interval.ms", "0")
        .set("auto.offset.reset", "error")
        .set("api.version.request", "true")
        .set("api.version.fallback.ms", "0")
        // A fetch at the high watermark is held by the broker for this long, and the
        // connection sends no other fetch meanwhile. Prefetch reaches the watermark while a
        // task still works, so the next task on the same pooled consumer waited for that held
        // fetch: with librdkafka's 500 ms, back-to-back 2 MiB tasks near the end of a
        // partition took 0.54-1.02 s instead of 0.05-0.06 s (20 ms: 0.06 s). An empty fetch
        // every 20 ms costs a waiting consumer little; users can still set their own.
        .set("fetch.wait.max.ms", "20");
    for (k, v) in &spec.properties {
        c.set(k, v);
    }
    c
}

/// Creates a consumer; unknown property keys are dropped and retried, other configuration
/// errors become the `PAUSE:` texts (failure class KAFKA_CONFIG).
pub fn create_consumer(spec: &ConsumeSpec) -> Result<BaseConsumer, LoadError> {
    let mut spec = spec.clone();
    for _ in 0..64 {
        match client_config(&spec).create::<BaseConsumer>() {
            Ok(c) => return Ok(c),
            Err(KafkaError::ClientConfig(_, desc, key, value)) => {
                if desc.contains("No such configuration property")
                    && spec.properties.remove(&key).is_some()
                {
                    tracing::warn!(key = key.as_str(), "Ignored unknown librdkafka property.");
                    continue;
                }
                return Err(LoadError::KafkaProperty { key, value, desc });
            }
            Err(e) => return Err(LoadError::KafkaCreateConsumer(e)),
        }
    }
    Err(LoadError::KafkaConfigUnresolved)
}

/// Deals partitions to `min(max_consumers, #partitions)` consumers, round-robin.
pub fn deal_partitions(begin: &[(i32, i64)], max_consumers: usize) -> Vec<Vec<(i32, i64)>> {
    let n = max_consumers.max(1).min(begin.len().max(1));
    let mut out = vec![Vec::new(); n];
    for (i, p) in begin.iter().enumerate() {
        out[i % n].push(*p);
    }
    out.retain(|v| !v.is_empty());
    out
}

/// Shared state of a task's consumers.
pub struct ConsumeShared {
    pub deadline: Instant,
    pub bytes: AtomicU64,
    /// Byte limit of the whole task (`u64::MAX` = none).
    pub max_bytes: u64,
    pub cancel: Arc<AtomicBool>,
}

/// Runs one consumer until the batch ends; sends chunks to `tx`. Returns its partitions' state.
pub fn run_consumer(
    spec: &ConsumeSpec,
    partitions: &[(i32, i64)],
    shared: &ConsumeShared,
    tx: &SyncSender<MessageChunk>,
) -> Result<Vec<PartitionState>, LoadError> {
    let pool = ConsumerPool::global();
    let key = ConsumerPool::key_of(&client_config(spec).config_map());
    let consumer = match pool.take(&key) {
        Some(c) => c,
        None => create_consumer(spec)?,
    };
    let mut tpl = TopicPartitionList::new();
    for &(p, o) in partitions {
        // The FE normally resolves OFFSET_BEGINNING (-2) / OFFSET_END (-1) before scheduling;
        // if they arrive here they keep librdkafka's meaning.
        let off = match o {
            -2 => Offset::Beginning,
            -1 => Offset::End,
            o => Offset::Offset(o),
        };
        tpl.add_partition_offset(&spec.topic, p, off)
            .map_err(|source| LoadError::KafkaAssignPartition {
                partition: p,
                source,
            })?;
    }
    consumer.assign(&tpl).map_err(LoadError::KafkaAssign)?;
    let mut states: Vec<PartitionState> = partitions
        .iter()
        .map(|&(p, o)| PartitionState {
            partition: p,
            begin_offset: o,
            last_offset: -1,
            last_timestamp_ms: -1,
            high_watermark: -1,
            eof: false,
        })
        .collect();
    let idx_of: HashMap<i32, usize> = states
        .iter()
        .enumerate()
        .map(|(i, s)| (s.partition, i))
        .collect();
    let mut chunk = MessageChunk::with_capacity(CHUNK_BYTES + 64 * 1024, 4096);
    let topic_c = std::ffi::CString::new(spec.topic.as_str()).map_err(|_| {
        LoadError::KafkaAssign(KafkaError::Subscription(format!(
            "topic name {:?} holds a NUL byte",
            spec.topic
        )))
    })?;
    let mut eof_left = states.len();
    // Partitions already at their end offset are done before anything is read.
    for s in states.iter_mut() {
        if spec
            .end_offsets
            .get(&s.partition)
            .is_some_and(|end| s.begin_offset >= 0 && s.begin_offset >= *end)
        {
            s.eof = true;
            eof_left -= 1;
        }
    }
    let mut error: Option<LoadError> = None;
    loop {
        if eof_left == 0 {
            break;
        }
        if shared.cancel.load(Ordering::Relaxed) {
            error = Some(LoadError::Cancelled);
            break;
        }
        let now = Instant::now();
        if now >= shared.deadline || shared.bytes.load(Ordering::Relaxed) >= shared.max_bytes {
            break;
        }
        let left = shared.deadline - now;
        let timeout = left.min(spec.kafka_timeout).min(Duration::from_millis(500));
        let mut polled = consumer.poll(Duration::ZERO);
        if polled.is_none() {
            // The local queue is drained. librdkafka reports EOF only after a fetch comes back
            // empty, which the broker holds for fetch.wait.max.ms (500 ms by default): every
            // task of a caught-up job paid that at its end. A partition whose last message
            // read by this task sits at the high watermark of the latest fetch has nothing
            // more, so it ends now. Only partitions read in this task are judged: a pooled
            // consumer's cached watermark may predate the task, but the fetch that brought a
            // message updated it before the message was delivered.
            for s in states.iter_mut().filter(|s| !s.eof && s.last_offset >= 0) {
                if let Some(high) = cached_high_watermark(&consumer, &topic_c, s.partition) {
                    if s.last_offset + 1 >= high {
                        s.high_watermark = high;
                        s.eof = true;
                        eof_left -= 1;
                    }
                }
            }
            if eof_left == 0 {
                break;
            }
            polled = consumer.poll(timeout);
        }
        match polled {
            None => continue,
            Some(Ok(m)) => {
                let Some(&i) = idx_of.get(&m.partition()) else {
                    continue;
                };
                let end = spec.end_offsets.get(&m.partition()).copied();
                if states[i].eof || end.is_some_and(|e| m.offset() >= e) {
                    // Past a bounded job's end (or a partition already done): not loaded.
                    if !states[i].eof {
                        states[i].eof = true;
                        eof_left -= 1;
                    }
                    continue;
                }
                let payload = m.payload().unwrap_or(&[]);
                let ts = m.timestamp().to_millis().unwrap_or(-1);
                chunk.push_kafka(&m, ts, payload);
                let s = &mut states[i];
                s.last_offset = m.offset();
                if ts >= 0 {
                    s.last_timestamp_ms = ts;
                }
                shared
                    .bytes
                    .fetch_add(payload.len() as u64, Ordering::Relaxed);
                if end.is_some_and(|e| s.last_offset + 1 >= e) && !s.eof {
                    s.eof = true;
                    eof_left -= 1;
                }
                if chunk.bytes() >= CHUNK_BYTES || chunk.msgs.len() >= CHUNK_MSGS {
                    let full = std::mem::replace(
                        &mut chunk,
                        MessageChunk::with_capacity(CHUNK_BYTES + 64 * 1024, 4096),
                    );
                    if tx.send(full).is_err() {
                        error = Some(LoadError::Cancelled);
                        break;
                    }
                }
            }
            Some(Err(KafkaError::PartitionEOF(p))) => {
                let Some(&i) = idx_of.get(&p) else {
                    continue;
                };
                // The EOF position is the high watermark seen by the fetch; offsets below it
                // that were not delivered (transaction markers) count as consumed.
                let pos = position_of(&consumer, &spec.topic, p);
                let s = &mut states[i];
                if let Some(pos) = pos {
                    s.high_watermark = pos;
                    // A bounded job never counts offsets past its end as consumed.
                    let pos = spec.end_offsets.get(&p).map_or(pos, |e| pos.min(*e));
                    if pos > 0 && pos - 1 > s.last_offset && pos > s.begin_offset {
                        s.last_offset = pos - 1;
                    }
                }
                if !s.eof {
                    s.eof = true;
                    eof_left -= 1;
                }
                if eof_left == 0 {
                    break;
                }
            }
            // With `auto.offset.reset=error` librdkafka reports an offset the broker no longer
            // (or not yet) holds as AutoOffsetReset rather than OffsetOutOfRange: both mean the
            // job's offset has no data, which must pause the job, not retry forever.
            Some(Err(KafkaError::MessageConsumption(
                RDKafkaErrorCode::OffsetOutOfRange | RDKafkaErrorCode::AutoOffsetReset,
            ))) => {
                // Find which partition's offset is out of range.
                let (partition, offset, log_start) =
                    out_of_range_partition(&consumer, spec, &states);
                error = Some(LoadError::OffsetOutOfRange {
                    partition,
                    offset,
                    log_start,
                });
                break;
            }
            Some(Err(KafkaError::MessageConsumption(code))) => {
                error = Some(LoadError::KafkaConsume(code));
                break;
            }
            Some(Err(e)) => {
                // Transport-level errors: librdkafka retries on its own until the deadline.
                tracing::warn!(topic = spec.topic.as_str(), error = %e, "Kafka consumer error.");
            }
        }
    }
    if !chunk.is_empty() && error.is_none() && tx.send(chunk).is_err() {
        error = Some(LoadError::Cancelled);
    }
    if let Some(e) = error {
        return Err(e);
    }
    // Watermarks of partitions not at EOF.
    for s in states.iter_mut().filter(|s| !s.eof) {
        if let Ok((_, high)) = consumer.fetch_watermarks(
            &spec.topic,
            s.partition,
            spec.kafka_timeout.min(Duration::from_secs(5)),
        ) {
            s.high_watermark = high;
        }
    }
    pool.give_back(key, consumer);
    Ok(states)
}

/// librdkafka's last known high watermark of partition `p`: updated from every fetched message
/// set, read without a request (`rd_kafka_get_watermark_offsets`, which rust-rdkafka does not
/// wrap). None while unknown.
#[allow(unsafe_code)]
fn cached_high_watermark(c: &BaseConsumer, topic: &std::ffi::CStr, p: i32) -> Option<i64> {
    use rdkafka::bindings::{rd_kafka_get_watermark_offsets, rd_kafka_resp_err_t};
    let (mut low, mut high) = (-1i64, -1i64);
    // SAFETY: the client handle is valid while `c` is borrowed, `topic` is NUL-terminated and
    // outlives the call, and librdkafka only writes the two out-parameters (under its own
    // partition lock; the call is documented as thread-safe and non-blocking).
    let err = unsafe {
        rd_kafka_get_watermark_offsets(
            c.client().native_ptr(),
            topic.as_ptr(),
            p,
            &mut low,
            &mut high,
        )
    };
    (err == rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0).then_some(high)
}

fn position_of(c: &BaseConsumer, topic: &str, p: i32) -> Option<i64> {
    let pos = c.position().ok()?;
    match pos.find_partition(topic, p)?.offset() {
        Offset::Offset(o) => Some(o),
        _ => None,
    }
}

fn out_of_range_partition(
    c: &BaseConsumer,
    spec: &ConsumeSpec,
    states: &[PartitionState],
) -> (i32, i64, i64) {
    let next: Vec<(i32, i64)> = states
        .iter()
        .filter(|s| !s.eof)
        .map(|s| {
            let next = if s.last_offset >= 0 {
                s.last_offset + 1
            } else {
                s.begin_offset
            };
            (s.partition, next)
        })
        .collect();
    out_of_range(c, spec, &next).unwrap_or_else(|| {
        states
            .first()
            .map(|s| (s.partition, s.begin_offset, -1))
            .unwrap_or((-1, -1, -1))
    })
}

/// The first of `next` (partition, next offset to read) the broker does not hold, with the
/// partition's log start offset: a next offset below it means retention deleted the messages
/// in between before they were read (the pause reason counts them).
pub fn out_of_range(
    c: &BaseConsumer,
    spec: &ConsumeSpec,
    next: &[(i32, i64)],
) -> Option<(i32, i64, i64)> {
    next.iter().find_map(|&(p, next)| {
        let (low, high) = c
            .fetch_watermarks(&spec.topic, p, spec.kafka_timeout)
            .ok()?;
        (next < low || next > high).then_some((p, next, low))
    })
}

/// Runs every consumer of a task on blocking threads; chunks go to `tx` as they fill. Returns
/// the state of every partition, or the first consumer error.
pub fn consume(
    spec: &ConsumeSpec,
    cancel: Arc<AtomicBool>,
    tx: SyncSender<MessageChunk>,
) -> Result<Vec<PartitionState>, LoadError> {
    let groups = deal_partitions(&spec.begin_offsets, spec.max_consumers);
    let shared = Arc::new(ConsumeShared {
        deadline: Instant::now() + spec.max_interval,
        bytes: AtomicU64::new(0),
        max_bytes: if spec.max_bytes == 0 {
            u64::MAX
        } else {
            spec.max_bytes
        },
        cancel: cancel.clone(),
    });
    let mut handles = Vec::new();
    for g in groups {
        let spec = spec.clone();
        let shared = shared.clone();
        let tx = tx.clone();
        let cancel = cancel.clone();
        let h = std::thread::Builder::new()
            .name("rl-consumer".into())
            .spawn(move || {
                let r = run_consumer(&spec, &g, &shared, &tx);
                if r.is_err() {
                    // One consumer failing ends the whole group.
                    cancel.store(true, Ordering::Relaxed);
                }
                r
            })
            .map_err(LoadError::StartConsumer)?;
        handles.push(h);
    }
    drop(tx);
    let mut all = Vec::new();
    let mut first_err: Option<LoadError> = None;
    for h in handles {
        match h.join() {
            Ok(Ok(states)) => all.extend(states),
            Ok(Err(e)) => {
                // A consumer stopped by another's failure reports `Cancelled`; keep the cause.
                if matches!(first_err, None | Some(LoadError::Cancelled)) {
                    first_err = Some(e);
                }
            }
            Err(_) => first_err = Some(LoadError::ConsumerPanicked),
        }
    }
    if let Some(e) = first_err {
        return Err(e);
    }
    all.sort_by_key(|s| s.partition);
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdkafka::mocking::MockCluster;
    use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

    fn produce(brokers: &str, topic: &str, partition: i32, n: usize) {
        let p: BaseProducer = ClientConfig::new()
            .set("bootstrap.servers", brokers)
            .create()
            .unwrap();
        for i in 0..n {
            p.send(
                BaseRecord::<(), str>::to(topic)
                    .payload(&format!("m{i}"))
                    .partition(partition),
            )
            .unwrap();
        }
        p.flush(Duration::from_secs(10)).unwrap();
    }

    /// Runs one task's consumers; returns the (partition, offset) of every message and the
    /// partition states.
    fn run(spec: &ConsumeSpec, begin: Vec<(i32, i64)>) -> (Vec<(i32, i64)>, Vec<PartitionState>) {
        let spec = ConsumeSpec {
            begin_offsets: begin,
            ..spec.clone()
        };
        let (tx, rx) = std::sync::mpsc::sync_channel::<MessageChunk>(4);
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            for c in rx.iter() {
                got.extend(c.msgs.iter().map(|m| (m.partition, m.offset)));
            }
            got
        });
        let states = consume(&spec, Arc::new(AtomicBool::new(false)), tx).unwrap();
        let mut got = reader.join().unwrap();
        got.sort();
        (got, states)
    }

    /// A task spec on `topic`: a fresh group, no properties or end offsets, one consumer, and
    /// an interval long enough that only partition EOF (or a bound) ends the task.
    fn spec_on(brokers: String, topic: &str) -> ConsumeSpec {
        ConsumeSpec {
            brokers,
            topic: topic.into(),
            begin_offsets: Vec::new(),
            properties: HashMap::new(),
            group_id: format!("{topic}-{}", uuid::Uuid::new_v4()),
            max_interval: Duration::from_secs(120),
            max_bytes: 0,
            max_consumers: 1,
            kafka_timeout: Duration::from_secs(5),
            end_offsets: HashMap::new(),
        }
    }

    #[test]
    fn a_bounded_partition_stops_at_its_end_offset() {
        let mock = MockCluster::new(1).unwrap();
        let brokers = mock.bootstrap_servers();
        mock.create_topic("bounded", 2, 1).unwrap();
        produce(&brokers, "bounded", 0, 10);
        produce(&brokers, "bounded", 1, 4);
        let spec = ConsumeSpec {
            // Partition 0 ends at 6 (4 more messages wait past it); partition 1 at 4.
            end_offsets: HashMap::from([(0, 6), (1, 4)]),
            ..spec_on(brokers, "bounded")
        };
        let (got, states) = run(&spec, vec![(0, 2), (1, 4)]);
        assert_eq!(got, (2..6).map(|o| (0, o)).collect::<Vec<_>>());
        let s0 = states.iter().find(|s| s.partition == 0).unwrap();
        assert!(s0.eof && s0.last_offset == 5, "{s0:?}");
        let s1 = states.iter().find(|s| s.partition == 1).unwrap();
        assert!(s1.eof && s1.last_offset == -1, "{s1:?}");
    }

    /// A task that read its partition up to the high watermark ends there, without waiting
    /// for the empty fetch librdkafka's own EOF needs (the mock broker, like Kafka, holds an
    /// empty fetch for fetch.wait.max.ms, set to 15 s here).
    #[test]
    fn a_task_read_up_to_the_high_watermark_ends_without_an_empty_fetch() {
        let mock = MockCluster::new(1).unwrap();
        let brokers = mock.bootstrap_servers();
        mock.create_topic("caught-up", 1, 1).unwrap();
        produce(&brokers, "caught-up", 0, 10);
        let spec = ConsumeSpec {
            properties: HashMap::from([("fetch.wait.max.ms".into(), "15000".into())]),
            ..spec_on(brokers, "caught-up")
        };
        let started = Instant::now();
        let (got, states) = run(&spec, vec![(0, 3)]);
        let took = started.elapsed();
        assert_eq!(got, (3..10).map(|o| (0, o)).collect::<Vec<_>>());
        assert!(
            states[0].eof && states[0].last_offset == 9 && states[0].high_watermark == 10,
            "{states:?}"
        );
        assert!(
            took < Duration::from_secs(15),
            "the task waited for an empty fetch: {took:?}"
        );
    }

    #[test]
    fn pooled_consumers_are_reassigned_for_the_next_task() {
        let mock = MockCluster::new(1).unwrap();
        let brokers = mock.bootstrap_servers();
        mock.create_topic("pool", 2, 1).unwrap();
        produce(&brokers, "pool", 0, 10);
        produce(&brokers, "pool", 1, 10);
        let spec = ConsumeSpec {
            max_consumers: 3,
            ..spec_on(brokers, "pool")
        };
        let key = ConsumerPool::key_of(&client_config(&spec).config_map());
        let pool = ConsumerPool::global();

        let (got, states) = run(&spec, vec![(0, 0), (1, 0)]);
        let want: Vec<(i32, i64)> = (0..2).flat_map(|p| (0..10).map(move |o| (p, o))).collect();
        assert_eq!(got, want);
        assert!(states.iter().all(|s| s.eof && s.last_offset == 9));
        assert_eq!(
            pool.idle_for(&key),
            2,
            "both consumers went back to the pool"
        );

        // The next task reuses them: new data on one partition, the other still at its end.
        produce(&spec.brokers, "pool", 0, 5);
        let (got, states) = run(&spec, vec![(0, 10), (1, 10)]);
        assert_eq!(got, (10..15).map(|o| (0, o)).collect::<Vec<_>>());
        assert!(states.iter().all(|s| s.eof), "{states:?}");
        assert_eq!(states[0].last_offset, 14);
        assert_eq!(states[0].high_watermark, 15);
        assert_eq!(states[1].last_offset, -1);
        assert_eq!(pool.idle_for(&key), 2, "no new consumer was created");

        // A task re-run from older offsets (after an abort) reads them again.
        let (got, _) = run(&spec, vec![(0, 3), (1, 8)]);
        let mut want: Vec<(i32, i64)> = (3..15).map(|o| (0, o)).collect();
        want.extend((8..10).map(|o| (1, o)));
        assert_eq!(got, want);
        assert_eq!(pool.idle_for(&key), 2);
    }

    /// librdkafka's mock broker keeps about 5 MiB per partition and deletes the oldest
    /// message sets past it, as size-based retention does: a task whose offset was deleted
    /// stops with the out-of-range text, which counts the messages it lost.
    #[test]
    fn an_offset_deleted_by_retention_says_how_many_messages_were_lost() {
        let mock = MockCluster::new(1).unwrap();
        let brokers = mock.bootstrap_servers();
        mock.create_topic("retained", 1, 1).unwrap();
        let p: BaseProducer = ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .set("linger.ms", "0")
            .create()
            .unwrap();
        let big = vec![b'x'; 256 * 1024];
        for _ in 0..40 {
            p.send(
                BaseRecord::<(), [u8]>::to("retained")
                    .payload(&big[..])
                    .partition(0),
            )
            .unwrap();
            p.flush(Duration::from_secs(10)).unwrap();
        }
        let spec = ConsumeSpec {
            brokers,
            topic: "retained".into(),
            begin_offsets: vec![(0, 0)],
            properties: HashMap::new(),
            group_id: format!("retained-{}", uuid::Uuid::new_v4()),
            max_interval: Duration::from_secs(30),
            max_bytes: 0,
            max_consumers: 1,
            kafka_timeout: Duration::from_secs(5),
            end_offsets: HashMap::new(),
        };
        let (low, high) = create_consumer(&spec)
            .unwrap()
            .fetch_watermarks("retained", 0, Duration::from_secs(5))
            .unwrap();
        assert!(low > 0 && high == 40, "log start {low}, end {high}");
        let (tx, rx) = std::sync::mpsc::sync_channel::<MessageChunk>(4);
        let drain = std::thread::spawn(move || rx.iter().count());
        let e = consume(&spec, Arc::new(AtomicBool::new(false)), tx).unwrap_err();
        drain.join().unwrap();
        assert_eq!(
            e.to_string(),
            format!(
                "Broker: Offset out of range, partition 0 offset 0 has no data; {low} messages (offsets [0, {low})) were deleted by Kafka retention before they were loaded: resuming from offset {low} skips them"
            )
        );
    }

    #[test]
    fn partitions_are_dealt_round_robin() {
        let p: Vec<(i32, i64)> = (0..5).map(|i| (i, 0)).collect();
        let g = deal_partitions(&p, 3);
        assert_eq!(g.len(), 3);
        assert_eq!(g[0], vec![(0, 0), (3, 0)]);
        assert_eq!(g[2], vec![(2, 0)]);
        assert_eq!(deal_partitions(&p[..1], 3).len(), 1);
    }

    #[test]
    fn user_properties_override_defaults_and_bad_values_pause() {
        let mut spec = ConsumeSpec {
            brokers: "127.0.0.1:1".into(),
            topic: "t".into(),
            begin_offsets: vec![(0, 0)],
            properties: HashMap::new(),
            group_id: "g".into(),
            max_interval: Duration::from_secs(1),
            max_bytes: 0,
            max_consumers: 3,
            end_offsets: HashMap::new(),
            kafka_timeout: Duration::from_secs(1),
        };
        spec.properties
            .insert("auto.offset.reset".into(), "earliest".into());
        spec.properties
            .insert("security.protocol".into(), "plaintext".into());
        assert_eq!(client_config(&spec).get("fetch.wait.max.ms"), Some("20"));
        spec.properties
            .insert("fetch.wait.max.ms".into(), "500".into());
        let c = client_config(&spec);
        assert_eq!(c.get("auto.offset.reset"), Some("earliest"));
        assert_eq!(c.get("enable.partition.eof"), Some("true"));
        assert_eq!(c.get("fetch.wait.max.ms"), Some("500"));
        assert!(create_consumer(&spec).is_ok());
        spec.properties
            .insert("no.such.property".into(), "x".into());
        assert!(create_consumer(&spec).is_ok());
        spec.properties
            .insert("fetch.message.max.bytes".into(), "notanumber".into());
        let e = create_consumer(&spec).err().unwrap();
        assert!(matches!(e, LoadError::KafkaProperty { .. }), "{e:?}");
        let e = e.to_string();
        assert!(
            e.starts_with(
                "PAUSE: failed to set 'fetch.message.max.bytes', value: 'notanumber', err: "
            ),
            "{e}"
        );
    }
}
