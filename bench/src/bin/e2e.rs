//! Benchmark (a) of issue 3: routine load end to end, next to raw rdkafka consumption of the
//! same kind of topic in the same run.
//!
//! `starload-bench`'s e2e: `target/release/e2e [--messages N] [--bes N] [--replicas N]
//! [--batch-bytes N] [--window N] [--compression none|lz4|zstd|...] [--no-peer]
//! [--formats csv,json,avro] [--profiles release,dist] [--preload] [--partitions N]`
//! (defaults 2,000,000 messages, 3 BEs, 1 replica, 2 MiB per task, window 150,000, lz4, csv,
//! the harness's binaries, 4 partitions; `--no-peer` skips ClickHouse).
//!
//! Formats (issue 19): `csv` is the seed's ordertest1 row; `json` the seed's ordertest2 object
//! (`commodity_id`, `customer_name`, `country`, `pay_time`, `price`) loaded with the seed's
//! jsonpaths and `pay_dt=from_unixtime(pay_time, '%Y%m%d')`; `avro` the same record as
//! Confluent-framed Avro (a schema registry runs in this process), loaded with the same
//! jsonpaths. Each format gets its own raw baseline on its own messages.
//! `--profiles`: the starload phase runs once per cargo profile, with that profile's
//! starload-fe / starload-be (`<target>/<profile>/`), and prints each against the first.
//!
//! The broker is librdkafka's mock cluster hosted in this process and reached over TCP (the
//! fastest broker here). It keeps at most 5 MB (or 100k message sets) per partition
//! (`rdkafka_mock.c`: `max_size`, `max_cnt`), so the producer runs while the consumer reads and
//! never gets more than `--window` messages ahead of what the consumer has taken (the raw
//! consumer's position; the job's committed Progress). The 5 MB counts stored bytes, so lz4
//! batches (as many Kafka producers send) hold about 3x the messages of plain ones: uncompressed,
//! the window must stay near 50,000 and then bounds the loaders' rate, not their speed.
//! With a producer in the run, each loader shares the 2 cores with it and can go no faster
//! than it. `--preload` produces each phase's messages before the phase's clock starts, and
//! checks that the broker kept them all (500k seed rows fit with lz4), so raw consumption
//! and the routine load are timed on their own.
//!
//! Phase 1, baseline: one rdkafka consumer reads topic `raw` (4 partitions) to the end.
//! Phase 2, starload: one routine load job loads topic `bench` (same messages, 4 partitions)
//! into a DUPLICATE KEY table of a real FE + N BE cluster. Done when the job's Progress covers
//! every message; then `count(*)` must equal the messages produced.
//! Phase 3, the peer (when Debian's `clickhouse-server` is installed): ClickHouse's Kafka
//! table engine loads topic `ch` (same messages) into a MergeTree table through a materialized
//! view; done when `count()` reaches the messages produced.
//! Printed: rows/s, MB/s, CPU-seconds per million rows of the FE and of the BEs (from
//! /proc/<pid>/stat), and the ratios starload / raw and starload / ClickHouse.

use anyhow::{bail, Context, Result};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{Message, Offset, TopicPartitionList};
use starload_compat_tests::broker::MockBroker;
use starload_compat_tests::cluster::ClusterOptions;
use starload_compat_tests::ports::free_ports;
use starload_compat_tests::process::ChildGuard;
use starload_compat_tests::registry::{register_schema, SchemaRegistry};
use starload_compat_tests::sql::{must_exec, must_query, show_routine_load};
use starload_compat_tests::Cluster;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Partitions of every topic (`--partitions`, default 4). With 3 BEs a job runs 3 tasks
/// (StarRocks caps concurrency by alive BEs), so 4 partitions give one task two of them.
static PARTS: std::sync::OnceLock<i32> = std::sync::OnceLock::new();

fn partitions() -> i32 {
    *PARTS.get().unwrap_or(&4)
}
/// Most messages per partition the producer may be ahead of the consumer (`--window`).
static WINDOW: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
/// The producer's `compression.type` (`--compression`).
static COMPRESSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Message formats of the benchmark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Csv,
    Json,
    Avro,
}

impl Format {
    fn parse(s: &str) -> Result<Self> {
        match s {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "avro" => Ok(Format::Avro),
            _ => bail!("--formats takes csv, json, avro"),
        }
    }
    fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Avro => "avro",
        }
    }
}

/// The Avro writer schema of the seed-shaped record, and its registry id.
const AVRO_SCHEMA: &str = r#"{"type": "record", "name": "order", "fields": [
  {"name": "commodity_id", "type": "string"}, {"name": "customer_name", "type": "string"},
  {"name": "country", "type": "string"}, {"name": "pay_time", "type": "long"},
  {"name": "price", "type": "double"}]}"#;
static AVRO: std::sync::OnceLock<(u32, apache_avro::Schema)> = std::sync::OnceLock::new();

/// Message `i` in `fmt`.
fn payload(fmt: Format, i: u64) -> Vec<u8> {
    match fmt {
        Format::Csv => message(i).into_bytes(),
        Format::Json => {
            let (name, land) = seed_person(i);
            format!(
                r#"{{"commodity_id": "{i}", "customer_name": "{name}", "country": "{land}","pay_time": {},"price": {}}}"#,
                1_589_191_487 + i % 86_400,
                i % 10_000
            )
            .into_bytes()
        }
        Format::Avro => {
            use apache_avro::types::Value;
            let Some((id, schema)) = AVRO.get() else {
                return Vec::new();
            };
            let (name, land) = seed_person(i);
            let record = Value::Record(vec![
                ("commodity_id".into(), Value::String(i.to_string())),
                ("customer_name".into(), Value::String(name.to_string())),
                ("country".into(), Value::String(land.to_string())),
                (
                    "pay_time".into(),
                    Value::Long(1_589_191_487 + (i % 86_400) as i64),
                ),
                ("price".into(), Value::Double((i % 10_000) as f64)),
            ]);
            // Confluent framing: magic 0, the schema id (big-endian), the Avro datum.
            let mut out = vec![0u8];
            out.extend_from_slice(&id.to_be_bytes());
            match apache_avro::to_avro_datum(schema, record) {
                Ok(d) => out.extend_from_slice(&d),
                Err(_) => return Vec::new(),
            }
            out
        }
    }
}

/// The seed's ordertest2 customers and countries.
fn seed_person(i: u64) -> (&'static str, &'static str) {
    const PEOPLE: [(&str, &str); 3] = [
        ("Mark Twain", "US"),
        ("Oscar Wilde", "UK"),
        ("Antoine de Saint-Exupéry", "France"),
    ];
    PEOPLE[(i % 3) as usize]
}

/// A seed-shaped CSV row (order_id, pay_dt, customer_name, nationality, gender, price).
fn message(i: u64) -> String {
    const NAMES: [&str; 4] = [
        "Johann Georg Faust",
        "Julien Sorel",
        "Dorian Grey",
        "Tess Durbeyfield",
    ];
    const LANDS: [&str; 4] = ["Deutschland", "France", "UK", "US"];
    format!(
        "{},2020-05-{:02},{} {},{},{},{}",
        2020050000000 + i,
        1 + i % 28,
        NAMES[(i % 4) as usize],
        i % 1000,
        LANDS[(i / 4 % 4) as usize],
        if i.is_multiple_of(2) {
            "male"
        } else {
            "female"
        },
        i % 10_000
    )
}

/// CPU seconds (user + system) of process `pid`.
fn cpu_secs(pid: u32) -> f64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = s.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// Per-partition positions the producer may not run ahead of.
type Positions = Arc<Vec<AtomicI64>>;

fn positions() -> Positions {
    Arc::new((0..partitions()).map(|_| AtomicI64::new(0)).collect())
}

/// Produces `n` messages spread evenly over the partitions of `topic`, never more than
/// [`WINDOW`] ahead of `consumed` on any partition. A partition whose window is full does not
/// hold up the others (no head-of-line blocking): loaders that commit partitions at different
/// moments are not forced into lockstep. Returns the payload bytes produced.
fn produce(
    fmt: Format,
    bootstrap: &str,
    topic: &str,
    n: u64,
    consumed: Positions,
    stop: Arc<AtomicBool>,
) -> Result<u64> {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "5")
        .set("batch.num.messages", "10000")
        .set(
            "compression.type",
            COMPRESSION.get().map_or("none", String::as_str),
        )
        .set("queue.buffering.max.messages", "1000000")
        .set("queue.buffering.max.kbytes", "1048576")
        .create()
        .context("producer")?;
    let parts = partitions() as u64;
    // Message i goes to partition i % partitions(), as before: the k-th message of partition p
    // is message k * partitions() + p.
    let quota: Vec<i64> = (0..parts)
        .map(|p| (n / parts + u64::from(p < n % parts)) as i64)
        .collect();
    let mut produced = vec![0i64; partitions() as usize];
    let mut bytes = 0u64;
    // The mock's retention is in bytes: larger messages (JSON, Avro) get a proportionally
    // smaller window, so no format outruns it.
    let scale = |f: Format| (0..100).map(|i| payload(f, i).len()).sum::<usize>().max(1) as i64;
    let window = *WINDOW.get().unwrap_or(&50_000) * scale(Format::Csv) / scale(fmt);
    const BURST: i64 = 1000;
    while produced.iter().zip(&quota).any(|(d, q)| d < q) {
        if stop.load(Ordering::Relaxed) {
            bail!("stopped");
        }
        let mut sent_any = false;
        for (p, (done, (quota, taken))) in produced
            .iter_mut()
            .zip(quota.iter().zip(consumed.iter()))
            .enumerate()
        {
            let room = window - (*done - taken.load(Ordering::Relaxed));
            let burst = room.min(BURST).min(quota - *done);
            for _ in 0..burst.max(0) {
                let i = *done as u64 * parts + p as u64;
                let payload = payload(fmt, i);
                bytes += payload.len() as u64;
                loop {
                    match producer.send(
                        BaseRecord::<(), [u8]>::to(topic)
                            .partition(p as i32)
                            .payload(&payload),
                    ) {
                        Ok(()) => break,
                        Err((e, _)) if e.to_string().contains("Queue full") => {
                            producer.poll(Duration::ZERO);
                            std::thread::sleep(Duration::from_millis(1));
                        }
                        Err((e, _)) => bail!("produce: {e}"),
                    }
                }
                *done += 1;
                sent_any = true;
            }
        }
        producer.poll(Duration::ZERO);
        if !sent_any {
            // rdkafka 0.39's poll(timeout) spins until the deadline: sleep instead, or this
            // thread takes a whole core from the cluster being measured.
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    producer.flush(Duration::from_secs(60)).context("flush")?;
    Ok(bytes)
}

/// `--preload`: each phase's messages are all produced (and checked kept by the broker) before
/// its clock starts, so the loader is timed alone: no producer thread takes the cores it runs
/// on, and a loader faster than the producer is not held to the producer's pace.
static PRELOAD: AtomicBool = AtomicBool::new(false);

/// Where a phase's messages come from.
enum Feed {
    /// Produced while the phase runs, never more than the window ahead of its progress.
    Live(std::thread::JoinHandle<Result<u64>>),
    /// Produced before the phase started: the payload bytes.
    Preloaded(u64),
}

impl Feed {
    /// Starts feeding `topic` with `n` messages of `fmt` (see [`PRELOAD`]).
    fn start(
        fmt: Format,
        bootstrap: String,
        topic: String,
        n: u64,
        consumed: Positions,
        stop: Arc<AtomicBool>,
    ) -> Result<Self> {
        if !PRELOAD.load(Ordering::Relaxed) {
            return Ok(Feed::Live(std::thread::spawn(move || {
                produce(fmt, &bootstrap, &topic, n, consumed, stop)
            })));
        }
        let unbounded: Positions = Arc::new(
            (0..partitions())
                .map(|_| AtomicI64::new(i64::MAX / 4))
                .collect(),
        );
        let bytes = produce(fmt, &bootstrap, &topic, n, unbounded, stop)?;
        // The mock broker drops a partition's oldest batches beyond 5 MB: all must be there.
        let c: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &bootstrap)
            .create()
            .context("watermark consumer")?;
        let mut kept = 0i64;
        for p in 0..partitions() {
            let (low, high) = c.fetch_watermarks(&topic, p, Duration::from_secs(10))?;
            if low > 0 {
                bail!(
                    "the mock broker dropped the first {low} messages of {topic} [{p}] (it keeps \
                     5 MB per partition): preload fewer --messages or a stronger --compression"
                );
            }
            kept += high;
        }
        if kept as u64 != n {
            bail!("{topic} holds {kept} messages after preloading {n}");
        }
        Ok(Feed::Preloaded(bytes))
    }

    /// The payload bytes produced, once every message is.
    fn bytes(self) -> Result<u64> {
        match self {
            Feed::Live(h) => h.join().map_err(|_| anyhow::anyhow!("producer panicked"))?,
            Feed::Preloaded(b) => Ok(b),
        }
    }
}

#[derive(Clone)]
struct Figures {
    rows: u64,
    bytes: u64,
    secs: f64,
    /// Rows/s from the first rows seen loaded to the end: the loader's rate without its start-up
    /// (StarRocks's first task waits max_batch_interval; ClickHouse joins its consumer group).
    /// The raw consumer's clock already starts at its first message.
    steady_rows_per_s: f64,
    /// CPU-seconds this benchmark process spent in the phase: the mock broker serving, the
    /// producer (unless --preload) and, in the raw phase, the consumer. A loader that beats
    /// the raw consumer on this machine must fit its own CPU next to this.
    host_cpu: f64,
}

impl Figures {
    fn rows_per_s(&self) -> f64 {
        self.rows as f64 / self.secs
    }
    fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / self.secs / 1e6
    }
}

/// Rows/s between the first observation of loaded rows (`first`: when, how many) and the end.
fn steady_rate(first: Option<(Instant, u64)>, n: u64, end: Instant) -> f64 {
    match first {
        Some((t, done)) if end > t => (n - done.min(n)) as f64 / (end - t).as_secs_f64(),
        _ => 0.0,
    }
}

/// Phase 1: raw rdkafka consumption of `n` messages.
fn raw_consumption(fmt: Format, mock: &MockBroker, n: u64) -> Result<Figures> {
    let topic = format!("raw_{}", fmt.name());
    let consumed = positions();
    let stop = Arc::new(AtomicBool::new(false));
    let feed = Feed::start(
        fmt,
        mock.bootstrap(),
        topic.clone(),
        n,
        consumed.clone(),
        stop.clone(),
    )?;
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", mock.bootstrap())
        .set("group.id", "raw-bench")
        .set("enable.auto.commit", "false")
        .create()
        .context("consumer")?;
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions() {
        tpl.add_partition_offset(&topic, p, Offset::Beginning)?;
    }
    consumer.assign(&tpl)?;
    let host_cpu0 = cpu_secs(std::process::id());
    let (mut rows, mut bytes) = (0u64, 0u64);
    let mut started: Option<Instant> = None;
    let deadline = Instant::now() + Duration::from_secs(600);
    while rows < n {
        if Instant::now() > deadline {
            stop.store(true, Ordering::Relaxed);
            bail!("raw consumer got {rows} of {n} messages in 600 s");
        }
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                started.get_or_insert_with(Instant::now);
                rows += 1;
                bytes += m.payload().map_or(0, |p| p.len() as u64);
                consumed[m.partition() as usize].store(m.offset() + 1, Ordering::Relaxed);
            }
            Some(Err(e)) => bail!("raw consumer: {e}"),
            None => {}
        }
    }
    let secs = started.map_or(0.0, |s| s.elapsed().as_secs_f64());
    let host_cpu = cpu_secs(std::process::id()) - host_cpu0;
    feed.bytes()?;
    Ok(Figures {
        rows,
        bytes,
        secs,
        steady_rows_per_s: rows as f64 / secs,
        host_cpu,
    })
}

/// Phase 2: the routine load job.
async fn starload_load(
    fmt: Format,
    topic: &str,
    batch_bytes: u64,
    mock: &MockBroker,
    n: u64,
    bes: usize,
    replicas: usize,
) -> Result<(Figures, f64, f64)> {
    // StarRocks re-runs a task at once only when it left data behind (isProgressKeepUp); a
    // task that drained its partitions waits max_batch_interval. The mock's ~75k-message
    // retention keeps the backlog small, so tasks are cut by size (StarRocks's
    // max_routine_load_batch_size, bytes per task) well below the producer's window: they
    // leave data behind and the job loads continuously, as it would from a real backlog.
    let parts = partitions();
    let cluster = Cluster::start_with(
        ClusterOptions::new(bes).fe("max_routine_load_batch_size", batch_bytes),
    )
    .await?;
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE bench").await;
    let table = match fmt {
        Format::Csv => format!(
            "CREATE TABLE bench.orders (order_id bigint NOT NULL, pay_dt date NOT NULL, \
             customer_name varchar(26) NULL, nationality varchar(26) NULL, price double NULL) \
             ENGINE=OLAP DUPLICATE KEY(order_id, pay_dt) DISTRIBUTED BY HASH(order_id) \
             PROPERTIES (\"replication_num\" = \"{replicas}\")"
        ),
        // The seed's example_tbl2 (commodity_id is unique per message: count(*) = messages).
        Format::Json | Format::Avro => format!(
            "CREATE TABLE bench.orders (commodity_id varchar(26) NULL, \
             customer_name varchar(26) NULL, country varchar(26) NULL, pay_time bigint NULL, \
             pay_dt date NULL, price double SUM NULL) ENGINE=OLAP \
             AGGREGATE KEY(commodity_id, customer_name, country, pay_time, pay_dt) \
             DISTRIBUTED BY HASH(commodity_id) \
             PROPERTIES (\"replication_num\" = \"{replicas}\")"
        ),
    };
    must_exec(&mut conn, &table).await;
    let fe_pid = cluster.fe_pid().context("fe pid")?;
    let be_pids: Vec<u32> = (0..bes).filter_map(|i| cluster.be_pid(i)).collect();
    let fe_cpu0 = cpu_secs(fe_pid);
    let be_cpu0: f64 = be_pids.iter().map(|p| cpu_secs(*p)).sum();

    let consumed = positions();
    let stop = Arc::new(AtomicBool::new(false));
    let feed = Feed::start(
        fmt,
        mock.bootstrap(),
        topic.to_string(),
        n,
        consumed.clone(),
        stop.clone(),
    )?;
    let host_cpu0 = cpu_secs(std::process::id());
    let started = Instant::now();
    // The seed's jsonpaths, as an SQL string literal.
    const JSONPATHS: &str =
        r#""[\"$.commodity_id\",\"$.customer_name\",\"$.country\",\"$.pay_time\",\"$.price\"]""#;
    let (columns, format, registry) = match fmt {
        Format::Csv => (
            "COLUMNS TERMINATED BY \",\", \
             COLUMNS (order_id, pay_dt, customer_name, nationality, temp_gender, price)"
                .to_string(),
            String::new(),
            String::new(),
        ),
        Format::Json | Format::Avro => (
            "COLUMNS (commodity_id, customer_name, country, pay_time, price, \
             pay_dt=from_unixtime(pay_time, '%Y%m%d'))"
                .to_string(),
            format!(
                ", \"format\" = \"{}\", \"jsonpaths\" = {JSONPATHS}",
                fmt.name()
            ),
            match (fmt, REGISTRY_URL.get()) {
                (Format::Avro, Some(url)) => {
                    format!(", \"confluent.schema.registry.url\" = \"{url}\"")
                }
                _ => String::new(),
            },
        ),
    };
    must_exec(
        &mut conn,
        &format!(
            "CREATE ROUTINE LOAD bench.orders_job ON orders {columns} \
             PROPERTIES (\"desired_concurrent_number\" = \"{parts}\", \"max_batch_interval\" = \"5\"{format}) \
             FROM KAFKA (\"kafka_broker_list\" = \"{}\", \"kafka_topic\" = \"{topic}\", \
             \"property.kafka_default_offsets\" = \"OFFSET_BEGINNING\"{registry})",
            mock.bootstrap()
        ),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(1800);
    let mut first: Option<(Instant, u64)> = None;
    loop {
        let row = show_routine_load(&mut conn, "bench.orders_job").await?;
        let row = row.context("job not listed")?;
        if !matches!(
            row.get("State").map(String::as_str),
            Some("RUNNING" | "NEED_SCHEDULE")
        ) {
            stop.store(true, Ordering::Relaxed);
            bail!("job left RUNNING: {row:?}");
        }
        // Progress is the last committed offset per partition: the producer may run ahead of
        // that by WINDOW.
        let progress: serde_json::Value = serde_json::from_str(&row["Progress"])?;
        let mut done = 0i64;
        for p in 0..partitions() {
            let next = progress[p.to_string()]
                .as_str()
                .and_then(|s| s.parse::<i64>().ok())
                .map_or(0, |o| o + 1);
            consumed[p as usize].store(next, Ordering::Relaxed);
            done += next;
        }
        if done > 0 && first.is_none() {
            first = Some((Instant::now(), done as u64));
        }
        if done as u64 >= n {
            break;
        }
        if Instant::now() > deadline {
            stop.store(true, Ordering::Relaxed);
            bail!("job loaded {done} of {n} messages in 1800 s: {row:?}");
        }
        // The producer's gate follows commits this closely (SHOW reads FE memory only).
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Progress moves at commit; the last transaction's rows become readable at publish, a
    // moment later (StarRocks's COMMITTED -> VISIBLE). The clock stops when they are readable.
    let visible_by = Instant::now() + Duration::from_secs(30);
    let count = loop {
        let out = must_query(&mut conn, "SELECT count(*) FROM bench.orders").await;
        let count: u64 = out.rows[0][0].parse()?;
        if count >= n || Instant::now() > visible_by {
            break count;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let secs = started.elapsed().as_secs_f64();
    let steady_rows_per_s = steady_rate(first, n, Instant::now());
    let fe_cpu = cpu_secs(fe_pid) - fe_cpu0;
    let be_cpu = be_pids.iter().map(|p| cpu_secs(*p)).sum::<f64>() - be_cpu0;
    let host_cpu = cpu_secs(std::process::id()) - host_cpu0;
    let bytes = feed.bytes()?;
    if count != n {
        // What the job counted tells a filtered row from a lost one.
        let job = show_routine_load(&mut conn, "bench.orders_job").await?;
        let stat = job.as_ref().and_then(|r| r.get("Statistic")).cloned();
        let key = match fmt {
            Format::Csv => "order_id",
            Format::Json | Format::Avro => "commodity_id",
        };
        let distinct = must_query(
            &mut conn,
            &format!("SELECT count(DISTINCT {key}), min({key}), max({key}) FROM bench.orders"),
        )
        .await;
        bail!(
            "table holds {count} rows, {n} produced; job statistic {stat:?}; {:?}",
            distinct.rows
        );
    }
    Ok((
        Figures {
            rows: n,
            bytes,
            secs,
            steady_rows_per_s,
            host_cpu,
        },
        fe_cpu,
        be_cpu,
    ))
}

/// Runs `sql` on ClickHouse's HTTP interface and returns the body (plain HTTP/1.0: no client
/// crate needed for a benchmark's handful of statements).
fn clickhouse(port: u16, sql: &str) -> Result<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    write!(
        s,
        "POST / HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n{sql}",
        sql.len()
    )?;
    let mut resp = String::new();
    s.read_to_string(&mut resp)?;
    let (head, body) = resp.split_once("\r\n\r\n").context("bad HTTP response")?;
    if !head.starts_with("HTTP/1.0 200") && !head.starts_with("HTTP/1.1 200") {
        bail!("clickhouse: {sql}: {body}");
    }
    Ok(body.trim().to_string())
}

/// Phase 3: ClickHouse's Kafka engine into MergeTree through a materialized view.
/// `None` when clickhouse-server is not installed.
fn clickhouse_load(fmt: Format, mock: &MockBroker, n: u64) -> Result<Option<(Figures, f64)>> {
    let bin = Path::new("/usr/sbin/clickhouse-server");
    if !bin.exists() {
        return Ok(None);
    }
    let dir = tempfile::tempdir()?;
    let d = dir.path().display().to_string();
    let p = free_ports(2)?;
    let config = format!(
        r#"<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>{d}/server.log</log><errorlog>{d}/server.err.log</errorlog><console>0</console></logger>
  <http_port>{}</http_port><tcp_port>{}</tcp_port><listen_host>127.0.0.1</listen_host>
  <path>{d}/data/</path><tmp_path>{d}/tmp/</tmp_path><user_files_path>{d}/user_files/</user_files_path>
  <users_config>/etc/clickhouse-server/users.xml</users_config>
  <default_profile>default</default_profile><default_database>default</default_database>
  <mark_cache_size>536870912</mark_cache_size>
  <kafka><auto_offset_reset>smallest</auto_offset_reset></kafka>
</yandex>
"#,
        p[0], p[1]
    );
    std::fs::write(dir.path().join("config.xml"), config)?;
    let mut child = ChildGuard::spawn(
        "clickhouse-server",
        bin,
        &[format!("--config-file={d}/config.xml")],
        dir.path(),
        &dir.path().join("out.log"),
        &[],
    )?;
    let up = Instant::now() + Duration::from_secs(60);
    while clickhouse(p[0], "SELECT 1").is_err() {
        if Instant::now() > up {
            bail!("clickhouse-server did not answer within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = child.pid();
    let parts = partitions();
    let topic = format!("ch_{}", fmt.name());
    let (cols, order, kafka_format) = match fmt {
        Format::Csv => (
            "order_id UInt64, pay_dt Date, customer_name String, nationality String, \
             temp_gender String, price Float64",
            "order_id, pay_dt",
            "kafka_format = 'CSV', kafka_row_delimiter = '\\n'".to_string(),
        ),
        Format::Json => (
            "commodity_id String, customer_name String, country String, pay_time Int64, \
             price Float64",
            "commodity_id",
            "kafka_format = 'JSONEachRow'".to_string(),
        ),
        Format::Avro => (
            "commodity_id String, customer_name String, country String, pay_time Int64, \
             price Float64",
            "commodity_id",
            format!(
                "kafka_format = 'AvroConfluent', format_avro_schema_registry_url = '{}'",
                REGISTRY_URL.get().map_or("", String::as_str)
            ),
        ),
    };
    clickhouse(
        p[0],
        &format!("CREATE TABLE orders ({cols}) ENGINE = MergeTree() ORDER BY ({order})"),
    )?;
    clickhouse(
        p[0],
        &format!(
            "CREATE TABLE queue ({cols}) ENGINE = Kafka SETTINGS kafka_broker_list = '{}', \
             kafka_topic_list = '{topic}', kafka_group_name = '{topic}', {kafka_format}, \
             kafka_num_consumers = {parts}",
            mock.bootstrap()
        ),
    )?;
    clickhouse(
        p[0],
        "CREATE MATERIALIZED VIEW mv TO orders AS SELECT * FROM queue",
    )?;
    // Consumers first (they start from the beginning: auto_offset_reset in the config), then
    // the messages.
    let cpu0 = cpu_secs(pid);
    let host_cpu0 = cpu_secs(std::process::id());
    let consumed = positions();
    let stop = Arc::new(AtomicBool::new(false));
    let producer = {
        let (b, c, s, t) = (
            mock.bootstrap(),
            consumed.clone(),
            stop.clone(),
            topic.clone(),
        );
        std::thread::spawn(move || produce(fmt, &b, &t, n, c, s))
    };
    let started = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(1800);
    let mut first: Option<(Instant, u64)> = None;
    loop {
        let count: u64 = clickhouse(p[0], "SELECT count() FROM orders")?.parse()?;
        if count > 0 && first.is_none() {
            first = Some((Instant::now(), count));
        }
        // Only a total is known here; the producer writes round-robin, so each partition has
        // been read about count / partitions() deep.
        for c in consumed.iter() {
            c.store((count / partitions() as u64) as i64, Ordering::Relaxed);
        }
        if count >= n {
            break;
        }
        if Instant::now() > deadline {
            stop.store(true, Ordering::Relaxed);
            bail!("clickhouse loaded {count} of {n} messages in 1800 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let secs = started.elapsed().as_secs_f64();
    let steady_rows_per_s = steady_rate(first, n, Instant::now());
    let cpu = cpu_secs(pid) - cpu0;
    let host_cpu = cpu_secs(std::process::id()) - host_cpu0;
    let bytes = producer
        .join()
        .map_err(|_| anyhow::anyhow!("producer panicked"))??;
    child.kill();
    Ok(Some((
        Figures {
            rows: n,
            bytes,
            secs,
            steady_rows_per_s,
            host_cpu,
        },
        cpu,
    )))
}

fn arg(args: &[String], name: &str, default: u64) -> Result<u64> {
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .context("missing value")?
            .parse()
            .with_context(|| format!("{name} N")),
        None => Ok(default),
    }
}

/// The schema registry's URL (Avro runs).
static REGISTRY_URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// A comma-separated list option.
fn list_arg(args: &[String], name: &str, default: &str) -> Result<Vec<String>> {
    let v = match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .with_context(|| format!("{name} LIST"))?
            .clone(),
        None => default.to_string(),
    };
    Ok(v.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect())
}

/// `<target>/<profile>` of cargo profile `profile`, next to this executable's profile dir.
fn profile_dir(profile: &str) -> Result<std::path::PathBuf> {
    let exe = std::env::current_exe()?;
    let mut dir = exe.parent().context("exe dir")?;
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir = dir.parent().context("profile dir")?;
    }
    Ok(dir.parent().context("target dir")?.join(profile))
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = arg(&args, "--messages", 2_000_000)?;
    let bes = arg(&args, "--bes", 3)? as usize;
    let replicas = arg(&args, "--replicas", 1)? as usize;
    let batch_bytes = arg(&args, "--batch-bytes", 2 << 20)?;
    let _ = PARTS.set(arg(&args, "--partitions", 4)?.clamp(1, 64) as i32);
    let _ = WINDOW.set(arg(&args, "--window", 150_000)? as i64);
    PRELOAD.store(args.iter().any(|a| a == "--preload"), Ordering::Relaxed);
    let compression = match args.iter().position(|a| a == "--compression") {
        Some(i) => args.get(i + 1).context("--compression NAME")?.clone(),
        None => "lz4".to_string(),
    };
    let formats = list_arg(&args, "--formats", "csv")?
        .iter()
        .map(|f| Format::parse(f))
        .collect::<Result<Vec<_>>>()?;
    // No --profiles: the harness's binaries (STARLOAD_FE_BIN / _BE_BIN or this profile's).
    let profiles = list_arg(&args, "--profiles", "")?;
    if PRELOAD.load(Ordering::Relaxed) {
        println!("producer: compression {compression}, every message preloaded before each phase");
    } else {
        println!(
            "producer: compression {compression}, window {} messages per partition",
            WINDOW.get().unwrap_or(&0)
        );
    }
    let _ = COMPRESSION.set(compression);
    let registry = SchemaRegistry::start()?;
    let schema_id = register_schema(&registry.url(), "bench-value", AVRO_SCHEMA).await?;
    let _ = AVRO.set((schema_id, apache_avro::Schema::parse_str(AVRO_SCHEMA)?));
    let _ = REGISTRY_URL.set(registry.url());
    let mock = MockBroker::start(1)?;
    let per_m = 1e6 / n as f64;
    for fmt in formats {
        let f = fmt.name();
        println!("=== {f}: {n} seed-shaped messages");
        mock.create_topic(&format!("raw_{f}"), partitions()).await?;
        let raw = raw_consumption(fmt, &mock, n)?;
        println!(
            "raw rdkafka consumer : {n} msgs  {:>10.0} rows/s  {:>7.1} MB/s  ({:.2} s)",
            raw.rows_per_s(),
            raw.mb_per_s(),
            raw.secs
        );
        println!(
            "cpu-seconds per million rows: raw phase, this process (broker, consumer{}) {:.2}",
            if PRELOAD.load(Ordering::Relaxed) {
                ""
            } else {
                ", producer"
            },
            raw.host_cpu * per_m
        );
        let runs: Vec<Option<String>> = if profiles.is_empty() {
            vec![None]
        } else {
            profiles.iter().cloned().map(Some).collect()
        };
        let mut first: Option<(String, Figures)> = None;
        let mut ours_last: Option<Figures> = None;
        for profile in runs {
            let label = profile.clone().unwrap_or_else(|| "default".into());
            if let Some(p) = &profile {
                let dir = profile_dir(p)?;
                // Read by the harness when it starts the cluster (compat-tests/src/paths.rs).
                std::env::set_var("STARLOAD_FE_BIN", dir.join("starload-fe"));
                std::env::set_var("STARLOAD_BE_BIN", dir.join("starload-be"));
            }
            let topic = format!("bench_{f}_{label}");
            mock.create_topic(&topic, partitions()).await?;
            let (ours, fe_cpu, be_cpu) =
                starload_load(fmt, &topic, batch_bytes, &mock, n, bes, replicas).await?;
            println!(
                "starload routine load [{label}]: {n} msgs  {:>10.0} rows/s  {:>7.1} MB/s  ({:.2} s; {bes} BEs, replication_num {replicas}); steady {:.0} rows/s",
                ours.rows_per_s(),
                ours.mb_per_s(),
                ours.secs,
                ours.steady_rows_per_s
            );
            println!(
                "cpu-seconds per million rows: FE {:.2}, BEs {:.2} (all {bes} together), this process {:.2}, total {:.2}",
                fe_cpu * per_m,
                be_cpu * per_m,
                ours.host_cpu * per_m,
                (fe_cpu + be_cpu + ours.host_cpu) * per_m
            );
            println!(
                "ratio starload [{label}] / raw consumption ({f}): {:.2} (wall), {:.2} (steady)",
                ours.rows_per_s() / raw.rows_per_s(),
                ours.steady_rows_per_s / raw.rows_per_s()
            );
            match &first {
                None => first = Some((label, ours.clone())),
                Some((l0, f0)) => println!(
                    "ratio starload [{label}] / [{l0}] ({f}): {:.2} (wall), {:.2} (steady)",
                    ours.rows_per_s() / f0.rows_per_s(),
                    ours.steady_rows_per_s / f0.steady_rows_per_s
                ),
            }
            ours_last = Some(ours);
        }
        if args.iter().any(|a| a == "--no-peer") {
            continue;
        }
        mock.create_topic(&format!("ch_{f}"), partitions()).await?;
        // ClickHouse 18.16 (Debian's) has no AvroConfluent: a format the peer cannot read is
        // reported, not fatal to the run.
        match clickhouse_load(fmt, &mock, n) {
            Err(e) => println!("clickhouse kafka engine: could not load {f}: {e:#}"),
            Ok(Some((ch, cpu))) => {
                println!(
                    "clickhouse kafka engine: {n} msgs  {:>10.0} rows/s  {:>7.1} MB/s  ({:.2} s; {:.2} cpu-s per million rows, this process {:.2}); steady {:.0} rows/s",
                    ch.rows_per_s(),
                    ch.mb_per_s(),
                    ch.secs,
                    cpu * per_m,
                    ch.host_cpu * per_m,
                    ch.steady_rows_per_s
                );
                if let Some(ours) = ours_last {
                    println!(
                        "ratio starload / clickhouse ({f}): {:.2} (wall), {:.2} (steady)",
                        ours.rows_per_s() / ch.rows_per_s(),
                        ours.steady_rows_per_s / ch.steady_rows_per_s
                    );
                }
            }
            Ok(None) => println!("clickhouse-server not installed: peer comparison skipped"),
        }
    }
    Ok(())
}
