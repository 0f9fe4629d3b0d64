//! `PREVIEW ROUTINE LOAD` on a BE (issue 16): a dry run of a task.
//!
//! The FE sends the request a task of the job would get (`SubmitRoutineLoadTaskRequest`, no
//! transaction) and a message limit. The BE reads at most that many messages from the begin
//! offsets with a consumer of its own (never pooled, never committing: `enable.auto.commit` is
//! off and nothing calls commit), then runs the task's own stages on them: [`make_decoder`],
//! [`LoadPlan::apply_traced`] (COLUMNS, WHERE, conversion, NOT NULL, strict mode) and the
//! partition routing of the sink ([`PartitionRouter`], rows no partition holds are rejected
//! with the sink's text). Nothing is written: no tablet, no transaction, no offset.
//!
//! Each row is answered with its Kafka coordinates and outcome: LOADED (its values in the
//! response's Arrow batch), REJECTED (StarRocks's reason, from the same [`ErrorRows`] a task
//! fills) or UNSELECTED (dropped by WHERE). Rejected rows are placed through the ledger
//! collection of [`ErrorRows`], which records every rejected row's message.
//!
//! Expression-partitioned tables: a row whose partition does not exist yet would have it
//! created by a load; PREVIEW creates nothing and shows the row as LOADED.

use crate::config::BeConfig;
use crate::load::consumer::{self, ConsumeSpec};
use crate::load::decode::{MessageChunk, RowOrigin};
use crate::load::error::LoadError;
use crate::load::error_rows::{self, ErrorRows, RejectedRow};
use crate::load::partition_route::{PartitionRouter, ROW_OUT_OF_PARTITION_RANGES};
use crate::load::sink::encode_ipc;
use crate::load::task::{consume_spec, load_plan, make_decoder};
use crate::load::transform::LoadPlan;
use arrow::array::{RecordBatch, UInt32Array};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use starload_proto::be::{
    PreviewOutcome, PreviewRoutineLoadResponse, PreviewRow, SubmitRoutineLoadTaskRequest,
};
use starload_proto::types::Status;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Most messages one PREVIEW reads (the FE's LIMIT is at most 1000).
pub const MAX_MESSAGES: usize = 1000;

/// Byte budget for the rejected rows a preview keeps (each is answered).
const REJECTED_BUDGET: u64 = 64 << 20;

/// Runs a preview; every failure is the response's status (StarRocks's texts where a task has
/// them, e.g. out-of-range offsets).
pub fn run(
    config: &BeConfig,
    req: &SubmitRoutineLoadTaskRequest,
    limit: usize,
) -> PreviewRoutineLoadResponse {
    match preview(config, req, limit.clamp(1, MAX_MESSAGES)) {
        Ok(r) => r,
        Err(e) => PreviewRoutineLoadResponse {
            status: Some(e.to_status()),
            ..Default::default()
        },
    }
}

fn preview(
    config: &BeConfig,
    req: &SubmitRoutineLoadTaskRequest,
    limit: usize,
) -> Result<PreviewRoutineLoadResponse, LoadError> {
    let plan = load_plan(req)?;
    let mut decoder = make_decoder(req, &plan)?;
    let load = req.load.clone().unwrap_or_default();
    let mut errors = ErrorRows::for_load(&load);
    errors.collect_for_ledger(REJECTED_BUDGET);
    let spec = consume_spec(config, req);
    let chunk = read_messages(&spec, limit)?;
    let src = decoder.decode(&chunk, &mut errors)?;
    let (batch, selection) = plan.apply_traced(&src, &chunk, &mut errors)?;
    let routed = route(req, &plan, &batch)?;
    // Rows no partition holds are the sink's error rows (the router's text); a table with
    // automatic partitions would create theirs, so they stay loaded.
    let source_of = |r: usize| selection.as_ref().map_or(r, |v| v[r] as usize);
    let mut loaded: Vec<usize> = Vec::with_capacity(batch.num_rows());
    for (r, ok) in routed.iter().enumerate() {
        if *ok {
            loaded.push(r);
        } else {
            let o = src.origins[source_of(r)];
            errors.reject(ROW_OUT_OF_PARTITION_RANGES, slice(&chunk, o));
        }
    }
    let mut rows: Vec<(PreviewRow, u32)> = Vec::new();
    // Source rows that reached the output (loaded or rejected by routing).
    let mut output = vec![false; src.num_rows()];
    for r in 0..batch.num_rows() {
        output[source_of(r)] = true;
    }
    for (i, &r) in loaded.iter().enumerate() {
        let o = src.origins[source_of(r)];
        let (partition, offset, row_start) = place(&chunk, o);
        rows.push((
            PreviewRow {
                partition,
                offset,
                outcome: PreviewOutcome::Loaded as i32,
                reason: String::new(),
                raw: slice(&chunk, o).to_vec(),
                batch_row: i as i64,
            },
            row_start,
        ));
    }
    let (rejected, _) = errors.take_ledger_rows();
    // Source rows dropped before the output are rejected by the transform or unselected by
    // WHERE; per message position, the rejected ones are those the ledger holds there.
    let mut rejected_at: HashMap<(i32, i64, u32), usize> = HashMap::new();
    for r in &rejected {
        *rejected_at
            .entry((r.partition, r.offset, r.row_start))
            .or_default() += 1;
    }
    for (s, o) in src.origins.iter().enumerate() {
        if output[s] {
            continue;
        }
        let (partition, offset, row_start) = place(&chunk, *o);
        match rejected_at.get_mut(&(partition, offset, row_start)) {
            Some(n) if *n > 0 => *n -= 1,
            _ => rows.push((
                PreviewRow {
                    partition,
                    offset,
                    outcome: PreviewOutcome::Unselected as i32,
                    reason: String::new(),
                    raw: slice(&chunk, *o).to_vec(),
                    batch_row: -1,
                },
                row_start,
            )),
        }
    }
    rows.extend(rejected.into_iter().map(rejected_row));
    rows.sort_by_key(|(r, start)| (r.partition, r.offset, *start));
    let table_columns = req.schema.as_ref().map_or(0, |s| s.columns.len());
    let out = loaded_batch(&batch, &loaded, table_columns)?;
    Ok(PreviewRoutineLoadResponse {
        status: Some(Status::ok()),
        arrow_ipc: encode_ipc(&out).map_err(LoadError::from)?,
        rows: rows.into_iter().map(|(r, _)| r).collect(),
        messages: chunk.msgs.len() as i64,
        total_rows: errors.total as i64,
        loaded_rows: loaded.len() as i64,
        filtered_rows: errors.filtered as i64,
        unselected_rows: errors.unselected as i64,
    })
}

fn rejected_row(r: RejectedRow) -> (PreviewRow, u32) {
    (
        PreviewRow {
            partition: r.partition,
            offset: r.offset,
            outcome: PreviewOutcome::Rejected as i32,
            reason: r.reason,
            raw: r.raw,
            batch_row: -1,
        },
        r.row_start,
    )
}

fn slice(chunk: &MessageChunk, o: RowOrigin) -> &[u8] {
    &chunk.data[o.start as usize..o.end as usize]
}

/// (partition, offset, row start in its message) of a row of `chunk`.
fn place(chunk: &MessageChunk, o: RowOrigin) -> (i32, i64, u32) {
    error_rows::locate(&chunk.data, chunk.coordinates(), slice(chunk, o))
        .map(|(p, off, _, start)| (p, off, start))
        .unwrap_or((-1, -1, 0))
}

/// Whether each output row has a partition (or would get one created).
fn route(
    req: &SubmitRoutineLoadTaskRequest,
    plan: &LoadPlan,
    batch: &RecordBatch,
) -> Result<Vec<bool>, LoadError> {
    let n = batch.num_rows();
    let router = PartitionRouter::new(req.partitions.as_ref()).map_err(LoadError::Route)?;
    if router.is_unpartitioned() || router.is_automatic() || n == 0 {
        return Ok(vec![true; n]);
    }
    let _ = plan;
    let keys = router.keys(batch).map_err(LoadError::Route)?;
    Ok(router
        .route(&keys, 0..n)
        .into_iter()
        .map(|s| s.is_some())
        .collect())
}

/// The loaded rows, the table's columns only (a trailing `__op` is the load's, not the
/// table's).
fn loaded_batch(
    batch: &RecordBatch,
    rows: &[usize],
    columns: usize,
) -> Result<RecordBatch, LoadError> {
    let keep = columns.min(batch.num_columns());
    let projected = batch.project(&(0..keep).collect::<Vec<_>>())?;
    let idx = UInt32Array::from(rows.iter().map(|r| *r as u32).collect::<Vec<_>>());
    let cols = projected
        .columns()
        .iter()
        .map(|c| arrow::compute::take(c.as_ref(), &idx, None))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RecordBatch::try_new(projected.schema(), cols)?)
}

/// Reads at most `limit` messages from the spec's begin offsets (bounded jobs stop at their
/// end offsets), until every partition reached its end or `spec.max_interval` passed. The
/// consumer is created for this call and dropped after it: it commits nothing and goes back
/// to no pool.
pub fn read_messages(spec: &ConsumeSpec, limit: usize) -> Result<MessageChunk, LoadError> {
    let consumer: BaseConsumer = consumer::create_consumer(spec)?;
    let mut tpl = TopicPartitionList::new();
    let mut done: HashMap<i32, bool> = HashMap::new();
    for &(p, o) in &spec.begin_offsets {
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
        let at_end = spec.end_offsets.get(&p).is_some_and(|e| o >= 0 && o >= *e);
        done.insert(p, at_end);
    }
    consumer.assign(&tpl).map_err(LoadError::KafkaAssign)?;
    let mut chunk = MessageChunk::with_capacity(64 * 1024, limit);
    let deadline = Instant::now() + spec.max_interval;
    while chunk.msgs.len() < limit && done.values().any(|d| !d) {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        let wait = (deadline - now).min(Duration::from_millis(200));
        match consumer.poll(wait) {
            None => {}
            Some(Ok(m)) => {
                let p = m.partition();
                if done.get(&p).copied().unwrap_or(true) {
                    continue;
                }
                let end = spec.end_offsets.get(&p).copied();
                if end.is_some_and(|e| m.offset() >= e) {
                    done.insert(p, true);
                    continue;
                }
                let ts = m.timestamp().to_millis().unwrap_or(-1);
                chunk.push_kafka(&m, ts, m.payload().unwrap_or(&[]));
                if end.is_some_and(|e| m.offset() + 1 >= e) {
                    done.insert(p, true);
                }
            }
            Some(Err(KafkaError::PartitionEOF(p))) => {
                done.insert(p, true);
            }
            Some(Err(KafkaError::MessageConsumption(
                RDKafkaErrorCode::OffsetOutOfRange | RDKafkaErrorCode::AutoOffsetReset,
            ))) => {
                // The next offset of each partition: after the last message read, else
                // its begin offset.
                let next: Vec<(i32, i64)> = spec
                    .begin_offsets
                    .iter()
                    .map(|&(p, o)| {
                        let last = chunk.msgs.iter().rfind(|m| m.partition == p);
                        (p, last.map_or(o, |m| m.offset + 1))
                    })
                    .collect();
                let (partition, offset, log_start) =
                    consumer::out_of_range(&consumer, spec, &next).unwrap_or((-1, -1, -1));
                return Err(LoadError::OffsetOutOfRange {
                    partition,
                    offset,
                    log_start,
                });
            }
            Some(Err(KafkaError::MessageConsumption(code))) => {
                return Err(LoadError::KafkaConsume(code));
            }
            // Transport errors: librdkafka retries until the deadline, as in a task.
            Some(Err(e)) => {
                tracing::warn!(topic = spec.topic.as_str(), error = %e, "Preview consumer error.");
            }
        }
    }
    Ok(chunk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdkafka::config::ClientConfig;
    use rdkafka::mocking::MockCluster;
    use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

    fn spec(brokers: String, begin: Vec<(i32, i64)>, group: &str) -> ConsumeSpec {
        ConsumeSpec {
            brokers,
            topic: "pv".into(),
            begin_offsets: begin,
            properties: HashMap::new(),
            group_id: group.into(),
            max_interval: Duration::from_secs(30),
            max_bytes: 0,
            max_consumers: 1,
            kafka_timeout: Duration::from_secs(5),
            end_offsets: HashMap::new(),
        }
    }

    #[test]
    fn reads_at_most_limit_messages_from_the_begin_offsets_and_commits_nothing() {
        let mock = MockCluster::new(1).unwrap();
        let brokers = mock.bootstrap_servers();
        mock.create_topic("pv", 2, 1).unwrap();
        let p: BaseProducer = ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .create()
            .unwrap();
        for part in 0..2 {
            for i in 0..6 {
                p.send(
                    BaseRecord::<(), str>::to("pv")
                        .payload(&format!("{part}-{i}"))
                        .partition(part),
                )
                .unwrap();
            }
        }
        p.flush(Duration::from_secs(10)).unwrap();
        let group = format!("pv-{}", uuid::Uuid::new_v4());
        // Everything from offset 4 / 1: 2 + 5 messages, then both partitions are at EOF.
        let s = spec(brokers.clone(), vec![(0, 4), (1, 1)], &group);
        let started = Instant::now();
        let all = read_messages(&s, 100).unwrap();
        assert!(started.elapsed() < Duration::from_secs(20), "EOF ends it");
        let mut got: Vec<(i32, i64)> = all.msgs.iter().map(|m| (m.partition, m.offset)).collect();
        got.sort();
        let mut want = vec![(0, 4), (0, 5)];
        want.extend((1..6).map(|o| (1, o)));
        assert_eq!(got, want);
        // LIMIT: three messages, whatever the partitions.
        assert_eq!(read_messages(&s, 3).unwrap().msgs.len(), 3);
        // A bounded job's end offset holds in a preview too.
        let mut bounded = spec(brokers.clone(), vec![(0, 0)], &group);
        bounded.end_offsets = HashMap::from([(0, 2)]);
        let got: Vec<i64> = read_messages(&bounded, 100)
            .unwrap()
            .msgs
            .iter()
            .map(|m| m.offset)
            .collect();
        assert_eq!(got, [0, 1]);
        // Nothing was committed for the group.
        let c: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .set("group.id", &group)
            .create()
            .unwrap();
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition("pv", 0);
        tpl.add_partition("pv", 1);
        let committed = c.committed_offsets(tpl, Duration::from_secs(5)).unwrap();
        for e in committed.elements() {
            assert_eq!(e.offset(), Offset::Invalid, "{:?}", e.partition());
        }
    }
}
