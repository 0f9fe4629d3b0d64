//! Kafka-compatible brokers for tests, and the client helpers tests use to feed them.
//!
//! - [`Broker`]: a real Tansu process (`tansu broker`) with SQLite storage in its own temp dir
//!   on a free loopback port; [`Broker::stop`] / [`Broker::restart`] keep the port and the data.
//!   Tansu resolves `sqlite://tansu.db` against its working directory, which is the temp dir.
//! - [`MockBroker`]: librdkafka's in-process mock cluster, reached over TCP, for fault tests
//!   (broker down/up, injected request errors) and benchmarks. `MockCluster` holds a raw
//!   pointer and is not `Send`, so a dedicated thread owns it and the handle sends it commands.
//! - [`Producer`], [`create_topic`], [`high_watermarks`]: rdkafka clients against either.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use rdkafka::admin::{AdminClient, AdminOptions, NewPartitions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::util::Timeout;
use rdkafka::ClientConfig;

use crate::netns::{NetNode, Network};
use crate::paths::tansu_binary;
use crate::poll::{port_accepts_at, Deadline};
use crate::ports::free_port;
use crate::process::{log_tail, ChildGuard};

/// How long broker start-up and metadata waits may take.
pub const BROKER_TIMEOUT: Duration = Duration::from_secs(60);

/// A Tansu broker process with SQLite storage.
pub struct Broker {
    child: Option<ChildGuard>,
    port: u16,
    dir: PathBuf,
    bin: PathBuf,
    /// Started with `--authentication` (SASL required): readiness is then checked with
    /// these client properties.
    sasl: Option<Vec<(String, String)>>,
    /// `host:port` advertised in Metadata instead of the listener (a [`crate::KafkaFront`]).
    advertised: Option<String>,
    /// Where it listens: 127.0.0.1, or its namespace's address on a test network.
    host: String,
    net: Option<NetNode>,
    _tmp: Option<tempfile::TempDir>,
}

impl Broker {
    /// Starts Tansu on a free port with `sqlite://tansu.db` in a fresh temp dir and waits until
    /// it answers a metadata request.
    pub async fn start() -> Result<Self> {
        Self::start_at(None).await
    }

    /// [`Broker::start`] in its own namespace on `net` (see [`crate::netns`]).
    pub async fn start_in(net: &Network) -> Result<Self> {
        Self::start_at(Some(net.add("kafka")?)).await
    }

    async fn start_at(net: Option<NetNode>) -> Result<Self> {
        let bin = tansu_binary()?;
        let tmp = tempfile::Builder::new()
            .prefix("starload-tansu-")
            .tempdir()
            .context("create broker temp dir")?;
        let dir = tmp.path().to_path_buf();
        let tmp = if std::env::var_os("STARLOAD_KEEP_TEST_DIRS").is_some() {
            eprintln!("starload test broker dir: {}", dir.display());
            let _ = tmp.keep();
            None
        } else {
            Some(tmp)
        };
        let mut b = Broker {
            child: None,
            port: free_port()?,
            dir,
            bin,
            sasl: None,
            advertised: None,
            host: net
                .as_ref()
                .map_or_else(|| "127.0.0.1".to_string(), |n| n.ip.clone()),
            net,
            _tmp: tmp,
        };
        b.spawn()?;
        b.wait_ready().await?;
        Ok(b)
    }

    /// `<host>:<port>`, the value for `kafka_broker_list` / `bootstrap.servers`.
    pub fn bootstrap(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// Its namespace on a test network (None on loopback).
    pub fn net(&self) -> Option<&NetNode> {
        self.net.as_ref()
    }

    /// The broker's directory (SQLite file and `tansu.out`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// kill -9 the broker (data stays in SQLite).
    /// True while the broker process runs.
    pub fn running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| c.exited().is_none())
    }

    /// SIGSTOP (`stop = true`) or SIGCONT the broker.
    pub fn pause(&self, stop: bool) -> Result<()> {
        match &self.child {
            Some(c) => c.pause(stop),
            None => bail!("the broker is not running"),
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill();
        }
    }

    /// Starts the broker again on the same port and data, and waits until it answers.
    pub async fn restart(&mut self) -> Result<()> {
        self.stop();
        self.spawn()?;
        self.wait_ready().await
    }

    /// Adds a SCRAM user (`tansu user create`, mechanism `scram256` or `scram512`). Tansu
    /// only takes this from an unauthenticated client, so call it before
    /// [`Broker::require_sasl`].
    pub fn add_scram_user(&self, name: &str, password: &str, mechanism: &str) -> Result<()> {
        let out = std::process::Command::new(&self.bin)
            .args([
                "user",
                "create",
                &format!("--broker=tcp://{}:{}", self.host, self.port),
                &format!("--mechanism={mechanism}"),
                name,
                password,
            ])
            .output()
            .context("run tansu user create")?;
        if !out.status.success() {
            bail!(
                "tansu user create failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    }

    /// Restarts the broker (same port and data) requiring SASL from every client
    /// (`--authentication`); readiness is checked as `client` (librdkafka properties such as
    /// `security.protocol`, `sasl.mechanism`, `sasl.username`, `sasl.password`).
    pub async fn require_sasl(&mut self, client: &[(&str, &str)]) -> Result<()> {
        self.sasl = Some(
            client
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        self.restart().await
    }

    /// Restarts the broker (same port and data) advertising `host_port` in Metadata instead of
    /// its own listener, so that clients which bootstrap through a [`crate::KafkaFront`] keep
    /// connecting through it (a Kafka client reconnects to the advertised address). From then
    /// on, clients that bootstrap to [`Broker::bootstrap`] are also sent to `host_port`, so
    /// create topics and produce before calling this.
    pub async fn advertise(&mut self, host_port: &str) -> Result<()> {
        self.advertised = Some(host_port.to_string());
        self.restart().await
    }

    /// The listener port (what a [`crate::KafkaFront`] forwards to).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Creates `name` with `partitions` partitions and waits until metadata shows them all.
    pub async fn create_topic(&self, name: &str, partitions: i32) -> Result<()> {
        create_topic(&self.bootstrap(), name, partitions).await
    }

    /// Produces `payloads` in order to one partition; returns their offsets.
    pub async fn produce<P: AsRef<[u8]>>(
        &self,
        topic: &str,
        partition: i32,
        payloads: &[P],
    ) -> Result<Vec<i64>> {
        Producer::new(&self.bootstrap())?
            .send(topic, partition, payloads)
            .await
    }

    fn spawn(&mut self) -> Result<()> {
        let url = format!("tcp://{}:{}", self.host, self.port);
        let advertised = match &self.advertised {
            Some(hp) => format!("tcp://{hp}"),
            None => url.clone(),
        };
        let args = vec![
            "broker".to_string(),
            format!("--listener-url={url}"),
            format!("--advertised-listener-url={advertised}"),
            "--storage-engine=sqlite://tansu.db".to_string(),
        ];
        let mut args = args;
        if self.sasl.is_some() {
            args.push("--authentication".to_string());
        }
        let log = self.dir.join("tansu.out");
        self.child = Some(ChildGuard::spawn_in(
            self.net.as_ref().map(|n| n.ns.as_str()),
            "tansu",
            &self.bin,
            &args,
            &self.dir,
            &log,
            &[],
        )?);
        Ok(())
    }

    async fn wait_ready(&mut self) -> Result<()> {
        let d = Deadline::after(BROKER_TIMEOUT);
        loop {
            if let Some(status) = self.child.as_mut().and_then(|c| c.exited()) {
                bail!(
                    "tansu exited ({status}):\n{}",
                    log_tail(&self.dir.join("tansu.out"), 40)
                );
            }
            let ok = match &self.sasl {
                None => metadata_ok(&self.bootstrap()).await,
                Some(props) => metadata_ok_as(&self.bootstrap(), props.clone()).await,
            };
            if port_accepts_at(&self.host, self.port).await && ok {
                return Ok(());
            }
            if !d.wait().await {
                bail!(
                    "tansu not answering on {} after {:?}:\n{}",
                    self.port,
                    d.timeout(),
                    log_tail(&self.dir.join("tansu.out"), 40)
                );
            }
        }
    }
}

enum MockCmd {
    CreateTopic(String, i32, mpsc::Sender<Result<()>>),
    BrokerDown(i32, mpsc::Sender<Result<()>>),
    BrokerUp(i32, mpsc::Sender<Result<()>>),
    Stop,
}

/// librdkafka's mock cluster hosted on a dedicated thread of this process, reached over TCP.
/// Keeps only about 75k messages per partition (older segments are dropped).
pub struct MockBroker {
    bootstrap: String,
    tx: mpsc::Sender<MockCmd>,
    thread: Option<JoinHandle<()>>,
}

impl MockBroker {
    /// Starts a mock cluster with `brokers` brokers (ids 1..=brokers).
    pub fn start(brokers: i32) -> Result<Self> {
        let (tx, rx) = mpsc::channel::<MockCmd>();
        let (ready_tx, ready_rx) = mpsc::channel::<Result<String>>();
        let thread = std::thread::Builder::new()
            .name("mock-kafka".into())
            .spawn(move || {
                let cluster = match rdkafka::mocking::MockCluster::new(brokers) {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = ready_tx.send(Err(anyhow!("MockCluster::new: {e}")));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(cluster.bootstrap_servers()));
                while let Ok(cmd) = rx.recv() {
                    match cmd {
                        MockCmd::CreateTopic(name, parts, reply) => {
                            let r = cluster.create_topic(&name, parts, 1).map_err(Into::into);
                            let _ = reply.send(r);
                        }
                        MockCmd::BrokerDown(id, reply) => {
                            let _ = reply.send(cluster.broker_down(id).map_err(Into::into));
                        }
                        MockCmd::BrokerUp(id, reply) => {
                            let _ = reply.send(cluster.broker_up(id).map_err(Into::into));
                        }
                        MockCmd::Stop => break,
                    }
                }
            })
            .context("spawn mock kafka thread")?;
        let bootstrap = ready_rx
            .recv()
            .map_err(|_| anyhow!("mock kafka thread died"))??;
        Ok(Self {
            bootstrap,
            tx,
            thread: Some(thread),
        })
    }

    /// The mock cluster's bootstrap servers (loopback TCP).
    pub fn bootstrap(&self) -> String {
        self.bootstrap.clone()
    }

    fn call(&self, make: impl FnOnce(mpsc::Sender<Result<()>>) -> MockCmd) -> Result<()> {
        let (tx, rx) = mpsc::channel();
        self.tx
            .send(make(tx))
            .map_err(|_| anyhow!("mock kafka thread gone"))?;
        rx.recv().map_err(|_| anyhow!("mock kafka thread gone"))?
    }

    /// Creates a topic (the mock does not support the CreateTopics admin API).
    pub async fn create_topic(&self, name: &str, partitions: i32) -> Result<()> {
        self.call(|r| MockCmd::CreateTopic(name.to_string(), partitions, r))?;
        wait_topic(&self.bootstrap, name, partitions, BROKER_TIMEOUT).await
    }

    /// Takes broker `id` down (connections closed, requests refused).
    pub fn broker_down(&self, id: i32) -> Result<()> {
        self.call(|r| MockCmd::BrokerDown(id, r))
    }

    /// Brings broker `id` back.
    pub fn broker_up(&self, id: i32) -> Result<()> {
        self.call(|r| MockCmd::BrokerUp(id, r))
    }

    /// Produces `payloads` in order to one partition; returns their offsets.
    pub async fn produce<P: AsRef<[u8]>>(
        &self,
        topic: &str,
        partition: i32,
        payloads: &[P],
    ) -> Result<Vec<i64>> {
        Producer::new(&self.bootstrap)?
            .send(topic, partition, payloads)
            .await
    }
}

impl Drop for MockBroker {
    fn drop(&mut self) {
        let _ = self.tx.send(MockCmd::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A producer that keeps its connection, for tests that produce repeatedly.
pub struct Producer {
    inner: FutureProducer,
}

impl Producer {
    /// A producer for `bootstrap` (acks=all, no idempotence, no compression).
    pub fn new(bootstrap: &str) -> Result<Self> {
        let inner: FutureProducer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("message.timeout.ms", "30000")
            .set("linger.ms", "5")
            .create()
            .context("create kafka producer")?;
        Ok(Self { inner })
    }

    /// Produces `payloads` in order to `topic`/`partition` and waits for every delivery;
    /// returns the offsets.
    pub async fn send<P: AsRef<[u8]>>(
        &self,
        topic: &str,
        partition: i32,
        payloads: &[P],
    ) -> Result<Vec<i64>> {
        self.send_keyed(
            topic,
            partition,
            payloads.iter().map(|p| (None, p.as_ref())),
        )
        .await
    }

    /// Like [`Producer::send`] with optional keys.
    pub async fn send_keyed<'a, I>(&self, topic: &str, partition: i32, msgs: I) -> Result<Vec<i64>>
    where
        I: IntoIterator<Item = (Option<&'a [u8]>, &'a [u8])>,
    {
        let mut offsets = Vec::new();
        let msgs: Vec<_> = msgs.into_iter().collect();
        // Chunks stay below librdkafka's default queue size, so every send is enqueued at its
        // first poll, in order.
        for chunk in msgs.chunks(10_000) {
            let futs = chunk.iter().map(|(key, payload)| {
                let mut rec = FutureRecord::<[u8], [u8]>::to(topic)
                    .partition(partition)
                    .payload(payload);
                if let Some(k) = key {
                    rec = rec.key(k);
                }
                self.inner
                    .send(rec, Timeout::After(Duration::from_secs(30)))
            });
            for r in futures::future::join_all(futs).await {
                let d = r.map_err(|(e, _)| anyhow!("produce to {topic}/{partition}: {e}"))?;
                offsets.push(d.offset);
            }
        }
        Ok(offsets)
    }
}

/// Creates `name` with `partitions` partitions (replication 1) via the admin API and waits
/// until metadata lists every partition.
pub async fn create_topic(bootstrap: &str, name: &str, partitions: i32) -> Result<()> {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .context("create kafka admin client")?;
    let topic = NewTopic::new(name, partitions, TopicReplication::Fixed(1));
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    for r in admin.create_topics([&topic], &opts).await? {
        r.map_err(|(t, e)| anyhow!("create topic {t}: {e}"))?;
    }
    wait_topic(bootstrap, name, partitions, BROKER_TIMEOUT).await
}

/// Raises `topic`'s partition count to `total` (partition discovery tests).
pub async fn add_partitions(bootstrap: &str, topic: &str, total: usize) -> Result<()> {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .context("create kafka admin client")?;
    let np = NewPartitions::new(topic, total);
    for r in admin.create_partitions([&np], &AdminOptions::new()).await? {
        r.map_err(|(t, e)| anyhow!("create partitions {t}: {e}"))?;
    }
    wait_topic(bootstrap, topic, total as i32, BROKER_TIMEOUT).await
}

fn consumer(bootstrap: &str) -> Result<BaseConsumer> {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "starload-test-meta")
        .set("enable.auto.commit", "false")
        .create()
        .context("create kafka consumer")
}

async fn metadata_ok(bootstrap: &str) -> bool {
    let bootstrap = bootstrap.to_string();
    tokio::task::spawn_blocking(move || {
        consumer(&bootstrap)
            .and_then(|c| Ok(c.fetch_metadata(None, Duration::from_secs(2))?))
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// Metadata answers for a client with extra librdkafka properties (SASL).
async fn metadata_ok_as(bootstrap: &str, props: Vec<(String, String)>) -> bool {
    let bootstrap = bootstrap.to_string();
    tokio::task::spawn_blocking(move || {
        let mut cfg = rdkafka::ClientConfig::new();
        cfg.set("bootstrap.servers", &bootstrap);
        for (k, v) in &props {
            cfg.set(k, v);
        }
        cfg.create::<rdkafka::consumer::BaseConsumer>()
            .map_err(anyhow::Error::from)
            .and_then(|c: rdkafka::consumer::BaseConsumer| {
                Ok(rdkafka::consumer::Consumer::fetch_metadata(
                    &c,
                    None,
                    Duration::from_secs(2),
                )?)
            })
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// Number of partitions metadata reports for `topic` (0 if unknown).
pub async fn partition_count(bootstrap: &str, topic: &str) -> Result<usize> {
    let bootstrap = bootstrap.to_string();
    let topic = topic.to_string();
    tokio::task::spawn_blocking(move || -> Result<usize> {
        let c = consumer(&bootstrap)?;
        let md = c.fetch_metadata(Some(&topic), Duration::from_secs(5))?;
        Ok(md
            .topics()
            .iter()
            .find(|t| t.name() == topic && t.error().is_none())
            .map(|t| t.partitions().len())
            .unwrap_or(0))
    })
    .await?
}

/// Polls metadata until `topic` has `partitions` partitions.
pub async fn wait_topic(
    bootstrap: &str,
    topic: &str,
    partitions: i32,
    timeout: Duration,
) -> Result<()> {
    let d = Deadline::after(timeout);
    loop {
        let last = partition_count(bootstrap, topic).await;
        if matches!(last, Ok(n) if n as i32 == partitions) {
            return Ok(());
        }
        if !d.wait().await {
            bail!(
                "topic {topic} does not show {partitions} partitions after {timeout:?}: {last:?}"
            );
        }
    }
}

/// High watermark (next offset to be written) of each partition `0..partitions` of `topic`.
/// Every message payload of `topic` from offset 0 to the end offsets seen when called, per
/// partition in offset order (the fault campaign's ground truth).
pub async fn consume_all(
    bootstrap: &str,
    topic: &str,
    partitions: i32,
) -> Result<Vec<Vec<Vec<u8>>>> {
    use rdkafka::consumer::Consumer;
    use rdkafka::{Message, Offset, TopicPartitionList};
    let ends = high_watermarks(bootstrap, topic, partitions).await?;
    let bootstrap = bootstrap.to_string();
    let topic = topic.to_string();
    tokio::task::spawn_blocking(move || -> Result<Vec<Vec<Vec<u8>>>> {
        let c = consumer(&bootstrap)?;
        let mut out = vec![Vec::new(); partitions as usize];
        let mut tpl = TopicPartitionList::new();
        for p in 0..partitions {
            if ends[p as usize] > 0 {
                tpl.add_partition_offset(&topic, p, Offset::Beginning)?;
            }
        }
        if tpl.count() == 0 {
            return Ok(out);
        }
        c.assign(&tpl)?;
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        let done = |out: &Vec<Vec<Vec<u8>>>| {
            (0..partitions as usize).all(|p| out[p].len() as i64 >= ends[p])
        };
        let mut next = vec![0i64; partitions as usize];
        while !done(&out) {
            if std::time::Instant::now() > deadline {
                bail!("consuming {topic} to {ends:?} timed out at {next:?}");
            }
            if let Some(m) = c.poll(Duration::from_millis(500)) {
                let m = m?;
                let p = m.partition() as usize;
                if m.offset() >= next[p] && m.offset() < ends[p] {
                    next[p] = m.offset() + 1;
                    out[p].push(m.payload().unwrap_or_default().to_vec());
                }
            }
        }
        Ok(out)
    })
    .await?
}

pub async fn high_watermarks(bootstrap: &str, topic: &str, partitions: i32) -> Result<Vec<i64>> {
    let bootstrap = bootstrap.to_string();
    let topic = topic.to_string();
    tokio::task::spawn_blocking(move || -> Result<Vec<i64>> {
        let c = consumer(&bootstrap)?;
        (0..partitions)
            .map(|p| {
                let (_, high) = c.fetch_watermarks(&topic, p, Duration::from_secs(5))?;
                Ok(high)
            })
            .collect()
    })
    .await?
}
