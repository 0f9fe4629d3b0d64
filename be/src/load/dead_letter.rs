//! The dead-letter producer (issue 17): produces the rejected-row ledger's outbox (rows of
//! committed transactions of jobs with a `dead_letter_topic`) to Kafka, exactly once.
//!
//! ## Exactly once, without Kafka transactions
//! Kafka transactions (a transactional producer committing the messages together with a
//! consumer-group offset as the "produced up to" mark) were the first design; Tansu 0.6, the
//! broker the tests run, does not interoperate with librdkafka's transactional producer
//! (`init_transactions` succeeds, `commit_transaction` fails with "EndTxnRequest (KIP-98) not
//! supported by broker", checked with rdkafka 0.39 on 2026-12-06), so this scheme needs only
//! an idempotent producer:
//! - Every outbox record has a per-job sequence number, assigned in the ledger write that
//!   commits the row (`rejected_ledger.rs`): a txn's rows enter the outbox once.
//! - One thread per BE drains each job's outbox in sequence order, one batch at a time, all to
//!   one partition of the topic (job id modulo the partition count). Before sending a batch
//!   it records, fsynced, an *in-flight* record: topic, partition, the partition's end offset
//!   before the batch, and the batch's sequence numbers. Once the broker acknowledged every
//!   message, one fsynced write drops the batch from the outbox and the in-flight record:
//!   that is the durable "produced up to" mark.
//! - A producer that starts (BE restart) or restarts (send error) with an in-flight record
//!   reads the partition from the recorded offset to its end and drops from the outbox every
//!   record of the batch it finds there (header `starload.dlq_id` = `<ledger id>/<job>/<seq>`);
//!   the rest is sent again. The idempotent producer keeps its own retries from writing a
//!   message twice.
//!
//! So a rejected row of a committed transaction is produced once, whichever process dies when.
//!
//! Each message: the rejected row's raw bytes as payload, no key, headers `starload.job`,
//! `starload.job_id`, `starload.topic`, `starload.partition`, `starload.offset`,
//! `starload.reason` (StarRocks's text), `starload.label`, `starload.txn_id`,
//! `starload.dlq_id`.
//!
//! The producer gets `bootstrap.servers` only: a dead-letter broker that needs SASL or TLS is
//! not supported yet (the job's client properties would have to be kept on the BE's disk).

use crate::load::rejected_ledger::{DeadLetter, DeadLetterTarget, Inflight, RejectedLedger};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::{ClientConfig, ClientContext, Offset, TopicPartitionList};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// Records per batch.
const BATCH: usize = 500;
/// Bound of every Kafka call.
const KAFKA_TIMEOUT: Duration = Duration::from_secs(30);

/// Counts delivery reports.
#[derive(Default)]
struct Deliveries {
    ok: AtomicU64,
    failed: AtomicU64,
}

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = ();
    fn delivery(&self, r: &DeliveryResult<'_>, _: ()) {
        match r {
            Ok(_) => self.ok.fetch_add(1, Ordering::Relaxed),
            Err(_) => self.failed.fetch_add(1, Ordering::Relaxed),
        };
    }
}

/// The producer of one job on one target.
struct JobProducer {
    target: DeadLetterTarget,
    producer: ThreadedProducer<Deliveries>,
    /// Reads watermarks and, on recovery, the partition's tail.
    reader: BaseConsumer,
    partition: i32,
    /// `<ledger id>/<job>/`: the prefix of this producer's `starload.dlq_id` headers.
    id_prefix: String,
}

impl JobProducer {
    fn open(ledger_id: &str, job: i64, target: &DeadLetterTarget) -> Result<Self, String> {
        let producer: ThreadedProducer<Deliveries> = ClientConfig::new()
            .set("bootstrap.servers", &target.brokers)
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("linger.ms", "5")
            .create_with_context(Deliveries::default())
            .map_err(|e| format!("dead-letter producer: {e}"))?;
        let reader: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &target.brokers)
            .set("group.id", format!("starload-dlq-{ledger_id}-{job}"))
            .set("enable.auto.commit", "false")
            .set("enable.partition.eof", "true")
            .create()
            .map_err(|e| format!("dead-letter reader: {e}"))?;
        let md = reader
            .fetch_metadata(Some(&target.topic), KAFKA_TIMEOUT)
            .map_err(|e| format!("dead-letter topic {}: {e}", target.topic))?;
        let n = md
            .topics()
            .first()
            .map(|t| t.partitions().len())
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("dead-letter topic {} has no partitions", target.topic))?;
        Ok(Self {
            target: target.clone(),
            producer,
            reader,
            partition: (job.rem_euclid(n as i64)) as i32,
            id_prefix: format!("{ledger_id}/{job}/"),
        })
    }

    fn high_watermark(&self) -> Result<i64, String> {
        self.reader
            .fetch_watermarks(&self.target.topic, self.partition, KAFKA_TIMEOUT)
            .map(|(_, hi)| hi)
            .map_err(|e| format!("dead-letter watermarks: {e}"))
    }

    /// The sequence numbers of this producer's messages in `f.partition` from
    /// `f.from_offset` to the end.
    fn produced_since(&self, f: &Inflight) -> Result<HashSet<u64>, String> {
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(&f.topic, f.partition, Offset::Offset(f.from_offset))
            .map_err(|e| e.to_string())?;
        self.reader.assign(&tpl).map_err(|e| e.to_string())?;
        let end = self
            .reader
            .fetch_watermarks(&f.topic, f.partition, KAFKA_TIMEOUT)
            .map(|(_, hi)| hi)
            .map_err(|e| format!("dead-letter watermarks: {e}"))?;
        let mut found = HashSet::new();
        let until = Instant::now() + KAFKA_TIMEOUT;
        let mut at = f.from_offset;
        while at < end {
            if Instant::now() > until {
                return Err("dead-letter recovery read timed out".into());
            }
            match self.reader.poll(Duration::from_millis(500)) {
                Some(Ok(m)) => {
                    at = m.offset() + 1;
                    let id = m.headers().and_then(|h| {
                        h.iter()
                            .find(|x| x.key == "starload.dlq_id")
                            .and_then(|x| x.value)
                            .map(|v| String::from_utf8_lossy(v).into_owned())
                    });
                    if let Some(seq) = id
                        .as_deref()
                        .and_then(|id| id.strip_prefix(&self.id_prefix))
                        .and_then(|s| s.parse::<u64>().ok())
                    {
                        found.insert(seq);
                    }
                }
                Some(Err(KafkaError::PartitionEOF(_))) => break,
                Some(Err(e)) => return Err(format!("dead-letter recovery read: {e}")),
                None => {}
            }
        }
        let _ = self.reader.unassign();
        Ok(found)
    }

    /// Sends `recs` and waits until the broker acknowledged every one.
    fn send_all(&self, recs: &[DeadLetter]) -> Result<(), String> {
        let ctx = self.producer.context();
        let (ok0, failed0) = (
            ctx.ok.load(Ordering::Relaxed),
            ctx.failed.load(Ordering::Relaxed),
        );
        for r in recs {
            let headers = headers_of(r, &self.id_prefix);
            let mut rec = BaseRecord::<(), [u8]>::to(&self.target.topic)
                .partition(self.partition)
                .payload(&r.raw[..])
                .headers(headers);
            loop {
                match self.producer.send(rec) {
                    Ok(()) => break,
                    Err((e, back)) => {
                        if e.rdkafka_error_code()
                            != Some(rdkafka::types::RDKafkaErrorCode::QueueFull)
                        {
                            return Err(format!("dead-letter send: {e}"));
                        }
                        rec = back;
                        std::thread::sleep(Duration::from_millis(10));
                    }
                }
            }
        }
        self.producer
            .flush(KAFKA_TIMEOUT)
            .map_err(|e| format!("dead-letter flush: {e}"))?;
        let ok = ctx.ok.load(Ordering::Relaxed) - ok0;
        let failed = ctx.failed.load(Ordering::Relaxed) - failed0;
        if failed > 0 || ok != recs.len() as u64 {
            return Err(format!(
                "dead-letter delivery: {ok} of {} acknowledged, {failed} failed",
                recs.len()
            ));
        }
        Ok(())
    }
}

fn headers_of(r: &DeadLetter, id_prefix: &str) -> OwnedHeaders {
    let pairs: [(&str, String); 9] = [
        ("starload.job", r.job_name.clone()),
        ("starload.job_id", r.job_id.to_string()),
        ("starload.topic", r.source_topic.clone()),
        ("starload.partition", r.partition.to_string()),
        ("starload.offset", r.offset.to_string()),
        ("starload.reason", r.reason.clone()),
        ("starload.label", r.label.clone()),
        ("starload.txn_id", r.txn_id.to_string()),
        ("starload.dlq_id", format!("{id_prefix}{}", r.seq)),
    ];
    let mut h = OwnedHeaders::new_with_capacity(pairs.len());
    for (k, v) in pairs.iter() {
        h = h.insert(Header {
            key: k,
            value: Some(v.as_bytes()),
        });
    }
    h
}

/// Drains every job's outbox once; returns whether records are left (to come back soon).
fn drain(
    ledger: &RejectedLedger,
    ledger_id: &str,
    producers: &mut HashMap<i64, JobProducer>,
) -> bool {
    let jobs = match ledger.dead_letter_jobs() {
        Ok(j) => j,
        Err(e) => {
            tracing::warn!(error = %e, "Dead-letter outbox unreadable.");
            return true;
        }
    };
    producers.retain(|j, _| jobs.contains(j));
    let mut left = false;
    for job in jobs {
        if let Err(e) = drain_job(ledger, ledger_id, job, producers) {
            tracing::warn!(job, error = %e, "Producing to the dead-letter topic failed.");
            // A fresh producer (and mark) next time: the failed one may be fenced or stuck.
            producers.remove(&job);
            left = true;
        }
    }
    left
}

fn drain_job(
    ledger: &RejectedLedger,
    ledger_id: &str,
    job: i64,
    producers: &mut HashMap<i64, JobProducer>,
) -> Result<(), String> {
    let err = |e: crate::error::BeError| e.to_string();
    loop {
        let recs = ledger.dead_letters(job, BATCH).map_err(err)?;
        let Some(first) = recs.first() else {
            return Ok(());
        };
        let target = first.target.clone();
        // One batch per run of records with the same target.
        let run: Vec<DeadLetter> = recs
            .into_iter()
            .take_while(|r| r.target == target)
            .collect();
        if producers.get(&job).is_some_and(|p| p.target != target) {
            producers.remove(&job);
        }
        if !producers.contains_key(&job) {
            let p = JobProducer::open(ledger_id, job, &target)?;
            // A batch the previous producer may have delivered in part: what reached the
            // topic leaves the outbox unsent.
            if let Some(f) = ledger.dead_letter_inflight(job).map_err(err)? {
                let found = p.produced_since(&f)?;
                let done: Vec<u64> = f
                    .seqs
                    .iter()
                    .copied()
                    .filter(|s| found.contains(s))
                    .collect();
                tracing::info!(
                    job,
                    in_flight = f.seqs.len(),
                    already_produced = done.len(),
                    "Dead-letter batch of a previous producer checked against the topic."
                );
                ledger.remove_dead_letters(job, &done).map_err(err)?;
                producers.insert(job, p);
                continue;
            }
            producers.insert(job, p);
        }
        let p = producers.get_mut(&job).expect("inserted above");
        let inflight = Inflight {
            topic: target.topic.clone(),
            partition: p.partition,
            from_offset: p.high_watermark()?,
            seqs: run.iter().map(|r| r.seq).collect(),
        };
        ledger
            .set_dead_letter_inflight(job, &inflight)
            .map_err(err)?;
        p.send_all(&run)?;
        ledger
            .remove_dead_letters(job, &inflight.seqs)
            .map_err(err)?;
        tracing::info!(
            job = run[0].job_name.as_str(),
            rows = run.len(),
            topic = target.topic.as_str(),
            "Rejected rows produced to the dead-letter topic."
        );
    }
}

/// Starts the producer thread of `ledger` (once per process).
pub fn start(ledger: &Arc<RejectedLedger>) {
    static STARTED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    if STARTED.set(()).is_err() {
        return;
    }
    let weak = Arc::downgrade(ledger);
    let _ = std::thread::Builder::new()
        .name("dead-letter".into())
        .spawn(move || run(weak));
}

fn run(ledger: Weak<RejectedLedger>) {
    let mut producers: HashMap<i64, JobProducer> = HashMap::new();
    let mut ledger_id: Option<String> = None;
    let mut backoff = Duration::from_millis(200);
    loop {
        let Some(l) = ledger.upgrade() else {
            return;
        };
        if ledger_id.is_none() {
            match l.ledger_id() {
                Ok(id) => ledger_id = Some(id),
                Err(e) => tracing::warn!(error = %e, "Rejected-row ledger id unreadable."),
            }
        }
        let failed = match &ledger_id {
            Some(id) => drain(&l, id, &mut producers),
            None => true,
        };
        drop(l);
        backoff = if failed {
            (backoff * 2).min(Duration::from_secs(5))
        } else {
            Duration::from_millis(200)
        };
        std::thread::sleep(backoff);
    }
}
