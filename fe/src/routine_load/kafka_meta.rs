//! Kafka metadata the FE needs for scheduling: the topic's partition ids, and per partition
//! the beginning offset (low watermark) and the high watermark (last offset + 1). StarRocks
//! asks a BE to proxy these (`KafkaUtil`, `routine_load_kafka_timeout_second`); we ask the
//! broker directly through rdkafka. Every call is blocking in librdkafka, so it runs on the
//! blocking pool with a deadline, off the SHOW path (DESIGN.md §5). `property.*` settings
//! (security.protocol, sasl.*, ssl.* ...) are passed through to the client.

use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::{ClientConfig, ClientContext};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Where and how to reach the topic.
#[derive(Debug, Clone)]
pub struct KafkaSource {
    pub brokers: String,
    pub topic: String,
    /// librdkafka properties (prefix `property.` stripped, kafka_default_offsets removed).
    pub properties: BTreeMap<String, String>,
}

/// Keeps the client-level error librdkafka reported (SASL authentication, SSL handshake, name
/// resolution), so that a failed metadata call says why and not only that it timed out: the
/// PAUSED reason of a job with a wrong password names the authentication failure.
#[derive(Default)]
struct MetaContext {
    last_error: Mutex<Option<LastError>>,
}

struct LastError {
    msg: String,
    /// An authentication or SSL error: it explains the failure, so the "N/N brokers are down"
    /// and disconnect errors that follow it must not replace it.
    specific: bool,
}

impl ClientContext for MetaContext {
    fn error(&self, error: KafkaError, reason: &str) {
        use rdkafka::error::RDKafkaErrorCode as C;
        let code = error.rdkafka_error_code();
        let specific = matches!(
            code,
            Some(C::Authentication | C::SaslAuthenticationFailed | C::SSL)
        );
        let msg = if reason.is_empty() {
            error.to_string()
        } else {
            reason.to_string()
        };
        let mut last = self.last_error.lock().unwrap_or_else(|p| p.into_inner());
        if specific || !last.as_ref().is_some_and(|l| l.specific) {
            *last = Some(LastError { msg, specific });
        }
    }
}

impl ConsumerContext for MetaContext {}

/// Most events a failed call drains from the client's queue. Log lines are events too, and a
/// failed SSL handshake logs OpenSSL's whole error queue (dozens of lines per reconnect), so
/// the bound is generous; an empty queue ends each poll at once.
const MAX_DRAINED_EVENTS: usize = 20_000;

/// `err`, followed by the client error behind it when librdkafka reported one.
fn explain(c: &BaseConsumer<MetaContext>, err: KafkaError) -> String {
    // librdkafka queues its error events (with their text) on the consumer's queue; they reach
    // `MetaContext::error` only when the queue is served, which metadata calls do not do.
    for _ in 0..MAX_DRAINED_EVENTS {
        let _ = c.poll(Duration::ZERO);
    }
    let last = c
        .context()
        .last_error
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .map(|l| l.msg.clone());
    match last {
        Some(why) => format!("{err}: {why}"),
        None => err.to_string(),
    }
}

fn consumer(src: &KafkaSource) -> Result<BaseConsumer<MetaContext>, String> {
    let mut cfg = ClientConfig::new();
    cfg.set("bootstrap.servers", &src.brokers);
    cfg.set("enable.auto.commit", "false");
    cfg.set("enable.partition.eof", "false");
    cfg.set("api.version.request", "true");
    for (k, v) in &src.properties {
        // group.id only names the job's group; metadata calls do not join it.
        cfg.set(k, v);
    }
    if !src.properties.contains_key("group.id") {
        cfg.set("group.id", "starload_fe_meta");
    }
    cfg.create_with_context::<_, BaseConsumer<MetaContext>>(MetaContext::default())
        .map_err(|e| e.to_string())
}

fn partitions_blocking(src: &KafkaSource, timeout: Duration) -> Result<Vec<i32>, String> {
    let c = consumer(src)?;
    let md = c
        .fetch_metadata(Some(&src.topic), timeout)
        .map_err(|e| explain(&c, e))?;
    let t = md
        .topics()
        .iter()
        .find(|t| t.name() == src.topic)
        .ok_or_else(|| format!("topic {} not found", src.topic))?;
    if let Some(err) = t.error() {
        return Err(format!("{:?}", rdkafka::error::RDKafkaErrorCode::from(err)));
    }
    let mut ids: Vec<i32> = t.partitions().iter().map(|p| p.id()).collect();
    ids.sort();
    Ok(ids)
}

fn watermarks_blocking(
    src: &KafkaSource,
    partitions: &[i32],
    timeout: Duration,
) -> Result<Vec<(i32, i64, i64)>, String> {
    let c = consumer(src)?;
    partitions
        .iter()
        .map(|p| {
            c.fetch_watermarks(&src.topic, *p, timeout)
                .map(|(lo, hi)| (*p, lo, hi))
                .map_err(|e| explain(&c, e))
        })
        .collect()
}

async fn run_blocking<T: Send + 'static>(
    timeout: Duration,
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    // The librdkafka timeout bounds each call; the outer deadline bounds the whole job
    // (client creation, several partitions) so that a dead broker never hangs the scheduler.
    let outer = timeout.saturating_mul(2) + Duration::from_secs(1);
    match tokio::time::timeout(outer, tokio::task::spawn_blocking(f)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("Local: Timed out".into()),
    }
}

/// The topic's partition ids, ascending.
pub async fn partitions(src: &KafkaSource, timeout: Duration) -> Result<Vec<i32>, String> {
    let s = src.clone();
    run_blocking(timeout, move || partitions_blocking(&s, timeout)).await
}

/// `(partition, beginning offset, high watermark)` for each partition.
pub async fn watermarks(
    src: &KafkaSource,
    partitions: &[i32],
    timeout: Duration,
) -> Result<Vec<(i32, i64, i64)>, String> {
    let s = src.clone();
    let ps = partitions.to_vec();
    run_blocking(timeout, move || watermarks_blocking(&s, &ps, timeout)).await
}

/// A topic's retention settings, read with DescribeConfigs (issue 16's retention horizon).
/// None: the broker did not name the setting; -1: no limit (Kafka's meaning).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TopicRetention {
    pub ms: Option<i64>,
    pub bytes: Option<i64>,
}

impl TopicRetention {
    /// From DescribeConfigs entries `(name, value)`; values that are not numbers are unknown.
    pub fn from_entries<'a>(entries: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) -> Self {
        let mut r = TopicRetention::default();
        for (name, value) in entries {
            let v = value.and_then(|v| v.trim().parse::<i64>().ok());
            match name {
                "retention.ms" => r.ms = v,
                "retention.bytes" => r.bytes = v,
                _ => {}
            }
        }
        r
    }
}

/// `retention.ms` / `retention.bytes` of the topic (DescribeConfigs through an admin client),
/// bounded by `timeout`.
pub async fn topic_retention(
    src: &KafkaSource,
    timeout: Duration,
) -> Result<TopicRetention, String> {
    use rdkafka::admin::{AdminClient, AdminOptions, ResourceSpecifier};
    use rdkafka::client::DefaultClientContext;
    let mut cfg = ClientConfig::new();
    cfg.set("bootstrap.servers", &src.brokers);
    for (k, v) in &src.properties {
        // Consumer-only settings mean nothing to an admin client (librdkafka would warn).
        if !matches!(
            k.as_str(),
            "group.id" | "isolation.level" | "auto.offset.reset" | "enable.auto.commit"
        ) {
            cfg.set(k, v);
        }
    }
    let admin: AdminClient<DefaultClientContext> = cfg.create().map_err(|e| e.to_string())?;
    let opts = AdminOptions::new().request_timeout(Some(timeout));
    let topic = ResourceSpecifier::Topic(&src.topic);
    let call = admin.describe_configs([&topic], &opts);
    let res = tokio::time::timeout(timeout + Duration::from_secs(1), call)
        .await
        .map_err(|_| "Local: Timed out".to_string())?
        .map_err(|e| e.to_string())?;
    let resource = res
        .into_iter()
        .next()
        .ok_or_else(|| "no DescribeConfigs result".to_string())?
        .map_err(|code| format!("{code:?}"))?;
    Ok(TopicRetention::from_entries(
        resource
            .entries
            .iter()
            .map(|e| (e.name.as_str(), e.value.as_deref())),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdkafka::mocking::MockCluster;

    #[test]
    fn retention_settings_from_config_entries() {
        let r = TopicRetention::from_entries([
            ("cleanup.policy", Some("delete")),
            ("retention.ms", Some("604800000")),
            ("retention.bytes", Some("-1")),
        ]);
        assert_eq!(
            r,
            TopicRetention {
                ms: Some(604_800_000),
                bytes: Some(-1)
            }
        );
        let unknown = TopicRetention::from_entries([("retention.ms", None), ("x", Some("1"))]);
        assert_eq!(unknown, TopicRetention::default());
        let junk = TopicRetention::from_entries([("retention.bytes", Some("lots"))]);
        assert_eq!(junk.bytes, None);
    }
    use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

    #[tokio::test(flavor = "multi_thread")]
    async fn partitions_and_watermarks_from_a_real_broker() {
        let cluster = MockCluster::new(1).unwrap();
        cluster.create_topic("t1", 3, 1).unwrap();
        let producer: BaseProducer = ClientConfig::new()
            .set("bootstrap.servers", cluster.bootstrap_servers())
            .create()
            .unwrap();
        for i in 0..5 {
            producer
                .send(
                    BaseRecord::<(), str>::to("t1")
                        .partition(1)
                        .payload(&format!("m{i}")),
                )
                .unwrap();
        }
        producer.flush(Duration::from_secs(10)).unwrap();
        let src = KafkaSource {
            brokers: cluster.bootstrap_servers(),
            topic: "t1".into(),
            properties: BTreeMap::new(),
        };
        let t = Duration::from_secs(10);
        assert_eq!(partitions(&src, t).await.unwrap(), vec![0, 1, 2]);
        let w = watermarks(&src, &[0, 1], t).await.unwrap();
        assert_eq!(w, vec![(0, 0, 0), (1, 0, 5)]);
    }

    #[test]
    fn an_authentication_error_is_not_replaced_by_the_errors_after_it() {
        use rdkafka::error::RDKafkaErrorCode as C;
        let ctx = MetaContext::default();
        let last = |ctx: &MetaContext| {
            ctx.last_error
                .lock()
                .unwrap()
                .as_ref()
                .map(|l| l.msg.clone())
        };
        ctx.error(
            KafkaError::Global(C::BrokerTransportFailure),
            "Disconnected",
        );
        assert_eq!(last(&ctx).as_deref(), Some("Disconnected"));
        ctx.error(
            KafkaError::Global(C::Authentication),
            "SASL authentication error: x",
        );
        ctx.error(
            KafkaError::Global(C::AllBrokersDown),
            "1/1 brokers are down",
        );
        assert_eq!(last(&ctx).as_deref(), Some("SASL authentication error: x"));
        ctx.error(KafkaError::Global(C::SSL), "SSL handshake failed: y");
        assert_eq!(last(&ctx).as_deref(), Some("SSL handshake failed: y"));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn dead_broker_fails_within_the_deadline() {
        let src = KafkaSource {
            brokers: "127.0.0.1:1".into(),
            topic: "t".into(),
            properties: BTreeMap::new(),
        };
        let started = std::time::Instant::now();
        assert!(partitions(&src, Duration::from_millis(500)).await.is_err());
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
