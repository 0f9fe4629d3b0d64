//! A routine load task end to end on one BE: librdkafka's mock cluster (a real Kafka protocol
//! broker inside the test process) -> consumers -> CSV/JSON decode -> COLUMNS/WHERE -> a real
//! RocksDB TabletStore; then publish and scan. Also the executor path: submit -> ReportTask to a
//! FrontendService gRPC server started by the test.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use rdkafka::config::ClientConfig;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use starload_be::config::BeConfig;
use starload_be::load::task::{execute, TaskExecutor};
use starload_be::storage::TabletStore;
use starload_proto::be::{
    ColumnMapping, DataFormat, KafkaLoadInfo, LoadSpec, SubmitRoutineLoadTaskRequest,
};
use starload_proto::fe::frontend_service_server::{FrontendService, FrontendServiceServer};
use starload_proto::fe::{
    GetTxnStateRequest, GetTxnStateResponse, ReportTaskRequest, ReportTaskResponse,
};
use starload_proto::types::{
    BackendAddr, ColumnDef, KeysType, PrimitiveType, Status, StatusCode, TabletLocation,
    TabletSchema,
};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn col(name: &str, t: PrimitiveType, len: i32, nullable: bool) -> ColumnDef {
    ColumnDef::of(name, t, len, nullable)
}

/// The seed's example_tbl1.
fn seed_schema(buckets: u32) -> TabletSchema {
    TabletSchema {
        keys_type: KeysType::DupKeys as i32,
        columns: vec![
            col("order_id", PrimitiveType::Bigint, -1, false),
            col("pay_dt", PrimitiveType::Date, -1, false),
            col("customer_name", PrimitiveType::Varchar, 26, true),
            col("nationality", PrimitiveType::Varchar, 26, true),
            col("price", PrimitiveType::Double, -1, true),
        ],
        sort_key_idx: vec![0, 1],
        distribution_idx: vec![0],
        bucket_num: buckets,
        schema_version: 0,
    }
}

fn produce(brokers: &str, topic: &str, partitions: i32, msgs: &[String]) {
    let p: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()
        .unwrap();
    for (i, m) in msgs.iter().enumerate() {
        let part = (i as i32) % partitions;
        p.send(
            BaseRecord::<(), str>::to(topic)
                .payload(m.as_str())
                .partition(part),
        )
        .unwrap();
        p.poll(Duration::ZERO);
    }
    p.flush(Duration::from_secs(10)).unwrap();
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Arc<TabletStore>,
    tablets: Vec<TabletLocation>,
    config: BeConfig,
}

fn fixture(schema: &TabletSchema) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(TabletStore::open(&dir.path().join("storage")).unwrap());
    let me = BackendAddr {
        backend_id: 1,
        host: "127.0.0.1".into(),
        be_port: 1,
        http_port: 8040,
    };
    let tablets: Vec<TabletLocation> = (0..schema.bucket_num)
        .map(|b| TabletLocation {
            tablet_id: 100 + b as i64,
            partition_id: 50,
            bucket: b,
            replicas: vec![me.clone()],
        })
        .collect();
    for t in &tablets {
        store
            .create_tablet(t.tablet_id, 40, 50, schema.clone())
            .unwrap();
    }
    let config = BeConfig {
        sys_log_dir: dir.path().join("log").to_string_lossy().into(),
        storage_root_path: dir.path().join("storage").to_string_lossy().into(),
        ..BeConfig::default()
    };
    Fixture {
        _dir: dir,
        store,
        tablets,
        config,
    }
}

fn request(
    f: &Fixture,
    schema: &TabletSchema,
    brokers: &str,
    topic: &str,
    partitions: i32,
    load: LoadSpec,
    txn: i64,
) -> SubmitRoutineLoadTaskRequest {
    SubmitRoutineLoadTaskRequest {
        task_id: uuid::Uuid::new_v4().to_string(),
        job_id: 7,
        job_name: "job".into(),
        txn_id: txn,
        label: format!("job-7-{txn}"),
        db: "example_db".into(),
        table: "t".into(),
        table_id: 40,
        schema: Some(schema.clone()),
        tablets: f.tablets.clone(),
        kafka: Some(KafkaLoadInfo {
            brokers: brokers.into(),
            topic: topic.into(),
            partition_begin_offset: (0..partitions).map(|p| (p, 0)).collect(),
            properties: Default::default(),
            confluent_schema_registry_url: String::new(),
            partition_end_offset: Default::default(),
        }),
        load: Some(load),
        max_interval_s: 20,
        max_batch_size_bytes: 1 << 30,
        max_batch_rows: 200000,
        timeout_s: 60,
        backend: Some(BackendAddr {
            backend_id: 1,
            host: "127.0.0.1".into(),
            be_port: 1,
            http_port: 8040,
        }),
        ..Default::default()
    }
}

fn rows_at(store: &TabletStore, tablets: &[TabletLocation], version: i64) -> usize {
    tablets
        .iter()
        .map(|t| {
            store
                .scan(t.tablet_id, version, &[], &[])
                .unwrap()
                .iter()
                .map(|b| b.num_rows())
                .sum::<usize>()
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_task_loads_seed_rows_exactly_once_into_tablets() {
    let mock = MockCluster::new(1).unwrap();
    let brokers = mock.bootstrap_servers();
    mock.create_topic("ordertest1", 2, 1).unwrap();
    let mut msgs: Vec<String> = (0..1000)
        .map(|i| {
            format!(
                "{},2020-05-{:02},Name {i},Country,male,{}",
                2020050800 + i,
                i % 28 + 1,
                i
            )
        })
        .collect();
    msgs.push("not-a-number,2020-05-08,x,y,male,1".into()); // order_id NOT NULL -> error row
    msgs.push("1,2,3".into()); // wrong column count
    produce(&brokers, "ordertest1", 2, &msgs);
    let schema = seed_schema(3);
    let f = fixture(&schema);
    let m = |n: &str| ColumnMapping {
        name: n.into(),
        expr_sql: String::new(),
    };
    let load = LoadSpec {
        format: DataFormat::Csv as i32,
        column_separator: b",".to_vec(),
        columns: vec![
            m("order_id"),
            m("pay_dt"),
            m("customer_name"),
            m("nationality"),
            m("temp_gender"),
            m("price"),
        ],
        max_filter_ratio: 1.0,
        ..Default::default()
    };
    let req = request(&f, &schema, &brokers, "ordertest1", 2, load, 900);
    let (config, store, rt) = (
        f.config.clone(),
        f.store.clone(),
        tokio::runtime::Handle::current(),
    );
    let report = tokio::task::spawn_blocking(move || {
        execute(&config, &store, &rt, &req, Arc::new(AtomicBool::new(false)))
    })
    .await
    .unwrap();
    assert!(
        report.status.as_ref().unwrap().is_ok(),
        "{:?}",
        report.status
    );
    assert_eq!(
        (report.total_rows, report.loaded_rows, report.filtered_rows),
        (1002, 1000, 2)
    );
    let mut prog = report.progress.clone();
    prog.sort_by_key(|p| p.partition);
    assert_eq!(
        prog.iter()
            .map(|p| (p.partition, p.begin_offset, p.last_offset, p.high_watermark))
            .collect::<Vec<_>>(),
        vec![(0, 0, 500, 501), (1, 0, 500, 501)]
    );
    assert_eq!(report.tablet_commit_infos.len(), 3);
    assert!(report
        .tablet_commit_infos
        .iter()
        .all(|c| c.backend_ids == vec![1]));
    assert!(
        report
            .error_log_url
            .starts_with("http://127.0.0.1:8040/api/_load_error_log?file=error_log_"),
        "{}",
        report.error_log_url
    );
    let file = report.error_log_url.split("file=").nth(1).unwrap();
    let log = std::fs::read_to_string(f.config.error_log_dir().join(file)).unwrap();
    assert_eq!(log.lines().count(), 2);
    // Invisible until published; then exactly the good rows.
    for t in &f.tablets {
        f.store.publish(900, t.tablet_id, 2).unwrap();
    }
    assert_eq!(rows_at(&f.store, &f.tablets, 2), 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_task_with_jsonpaths_and_derived_column() {
    let mock = MockCluster::new(1).unwrap();
    let brokers = mock.bootstrap_servers();
    mock.create_topic("ordertest2", 1, 1).unwrap();
    let msgs: Vec<String> = (0..100)
        .map(|i| format!(r#"{{"commodity_id": "{i}", "customer_name": "Mark Twain", "country": "US","pay_time": 1589191487,"price": 875}}"#))
        .collect();
    produce(&brokers, "ordertest2", 1, &msgs);
    let schema = TabletSchema {
        keys_type: KeysType::AggKeys as i32,
        columns: vec![
            col("commodity_id", PrimitiveType::Varchar, 26, true),
            col("customer_name", PrimitiveType::Varchar, 26, true),
            col("country", PrimitiveType::Varchar, 26, true),
            col("pay_time", PrimitiveType::Bigint, -1, true),
            col("pay_dt", PrimitiveType::Date, -1, true),
            ColumnDef {
                agg: starload_proto::types::AggType::Sum as i32,
                ..col("price", PrimitiveType::Double, -1, true)
            },
        ],
        sort_key_idx: vec![0, 1, 2, 3, 4],
        distribution_idx: vec![0],
        bucket_num: 2,
        schema_version: 0,
    };
    let f = fixture(&schema);
    let m = |n: &str, e: &str| ColumnMapping {
        name: n.into(),
        expr_sql: e.into(),
    };
    let load = LoadSpec {
        format: DataFormat::Json as i32,
        columns: vec![
            m("commodity_id", ""),
            m("customer_name", ""),
            m("country", ""),
            m("pay_time", ""),
            m("price", ""),
            m("pay_dt", "from_unixtime(`pay_time`, '%Y%m%d')"),
        ],
        jsonpaths: r#"["$.commodity_id","$.customer_name","$.country","$.pay_time","$.price"]"#
            .into(),
        timezone: "Asia/Shanghai".into(),
        max_filter_ratio: 1.0,
        ..Default::default()
    };
    let req = request(&f, &schema, &brokers, "ordertest2", 1, load, 901);
    let (config, store, rt) = (
        f.config.clone(),
        f.store.clone(),
        tokio::runtime::Handle::current(),
    );
    let report = tokio::task::spawn_blocking(move || {
        execute(&config, &store, &rt, &req, Arc::new(AtomicBool::new(false)))
    })
    .await
    .unwrap();
    assert!(
        report.status.as_ref().unwrap().is_ok(),
        "{:?}",
        report.status
    );
    assert_eq!(
        (report.total_rows, report.loaded_rows, report.filtered_rows),
        (100, 100, 0)
    );
    // A message that does not parse fails the whole task (StarRocks's json_scanner); that is
    // covered by be/tests/load_poison.rs and fe/tests/routine_load_json_rules.rs.
    assert_eq!(report.progress[0].last_offset, 99);
    for t in &f.tablets {
        f.store.publish(901, t.tablet_id, 2).unwrap();
    }
    assert_eq!(rows_at(&f.store, &f.tablets, 2), 100);
    let b = f
        .store
        .scan(f.tablets[0].tablet_id, 2, &["pay_dt".to_string()], &[])
        .unwrap();
    let d = arrow::compute::cast(b[0].column(0), &arrow::datatypes::DataType::Utf8).unwrap();
    assert_eq!(
        arrow::array::AsArray::as_string::<i32>(&d).value(0),
        "2020-05-11"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offset_out_of_range_is_reported_for_pause() {
    let mock = MockCluster::new(1).unwrap();
    let brokers = mock.bootstrap_servers();
    mock.create_topic("oor", 1, 1).unwrap();
    produce(&brokers, "oor", 1, &["1,2020-05-08,a,b,m,1".to_string()]);
    let schema = seed_schema(1);
    let f = fixture(&schema);
    let load = LoadSpec {
        column_separator: b",".to_vec(),
        ..Default::default()
    };
    let mut req = request(&f, &schema, &brokers, "oor", 1, load, 902);
    req.kafka
        .as_mut()
        .unwrap()
        .partition_begin_offset
        .insert(0, 50);
    let (config, store, rt) = (
        f.config.clone(),
        f.store.clone(),
        tokio::runtime::Handle::current(),
    );
    let report = tokio::task::spawn_blocking(move || {
        execute(&config, &store, &rt, &req, Arc::new(AtomicBool::new(false)))
    })
    .await
    .unwrap();
    let st = report.status.unwrap();
    assert!(!st.is_ok());
    assert_eq!(
        st.message,
        "Broker: Offset out of range, partition 0 offset 50 has no data"
    );
    // The FE pauses on the class, not on the words.
    assert_eq!(
        st.reason(),
        starload_proto::types::FailureReason::OffsetOutOfRange
    );
}

#[derive(Default, Clone)]
struct TestFe {
    reports: Arc<Mutex<Vec<ReportTaskRequest>>>,
}

#[tonic::async_trait]
impl FrontendService for TestFe {
    async fn report_task(
        &self,
        r: tonic::Request<ReportTaskRequest>,
    ) -> Result<tonic::Response<ReportTaskResponse>, tonic::Status> {
        self.reports.lock().unwrap().push(r.into_inner());
        Ok(tonic::Response::new(ReportTaskResponse {
            status: Some(Status::ok()),
        }))
    }
    async fn get_txn_state(
        &self,
        _: tonic::Request<GetTxnStateRequest>,
    ) -> Result<tonic::Response<GetTxnStateResponse>, tonic::Status> {
        Ok(tonic::Response::new(GetTxnStateResponse::default()))
    }
    async fn create_partitions(
        &self,
        _: tonic::Request<starload_proto::fe::CreatePartitionsRequest>,
    ) -> Result<tonic::Response<starload_proto::fe::CreatePartitionsResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("not used by these tests"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executor_submits_once_limits_and_reports_to_fe() {
    let fe = TestFe::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fe_port = listener.local_addr().unwrap().port();
    let svc = FrontendServiceServer::new(fe.clone());
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(svc)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );

    let mock = MockCluster::new(1).unwrap();
    let brokers = mock.bootstrap_servers();
    mock.create_topic("exec", 1, 1).unwrap();
    produce(
        &brokers,
        "exec",
        1,
        &(0..10)
            .map(|i| format!("{i},2020-05-08,a,b,1"))
            .collect::<Vec<_>>(),
    );
    let schema = seed_schema(1);
    let mut f = fixture(&schema);
    f.config.routine_load_thread_pool_size = 1;
    let exec = TaskExecutor::new(
        f.config.clone(),
        f.store.clone(),
        tokio::runtime::Handle::current(),
    );
    let load = LoadSpec {
        column_separator: b",".to_vec(),
        max_filter_ratio: 1.0,
        ..Default::default()
    };
    let mut req = request(&f, &schema, &brokers, "exec", 1, load, 903);
    req.fe_host = "127.0.0.1".into();
    req.fe_rpc_port = fe_port as u32;
    assert!(exec.submit(req.clone()).is_ok());
    assert!(
        exec.submit(req.clone()).is_ok(),
        "a known task id is accepted again"
    );
    let mut other = req.clone();
    other.task_id = uuid::Uuid::new_v4().to_string();
    let st = exec.submit(other);
    assert_eq!(st.code, StatusCode::TooManyTasks as i32);
    assert_eq!(
        st.reason(),
        starload_proto::types::FailureReason::BeOverloaded
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while fe.reports.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "no report");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let r = fe.reports.lock().unwrap()[0].clone();
    assert_eq!(
        (r.task_id.as_str(), r.txn_id, r.backend_id, r.loaded_rows),
        (req.task_id.as_str(), 903, 1, 10)
    );
    while exec.running() > 0 {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        exec.submit(req).is_ok(),
        "a finished task id is not run twice"
    );
    assert_eq!(exec.running(), 0);
}

/// Every order_id staged in `tablets` and visible at `version`.
fn order_ids_at(store: &TabletStore, tablets: &[TabletLocation], version: i64) -> Vec<i64> {
    let mut ids = Vec::new();
    for t in tablets {
        for b in store
            .scan(t.tablet_id, version, &["order_id".to_string()], &[])
            .unwrap()
        {
            let c = arrow::array::AsArray::as_primitive::<arrow::datatypes::Int64Type>(b.column(0));
            ids.extend(c.values().iter().copied());
        }
    }
    ids.sort_unstable();
    ids
}

/// Issue 19: a task over five partitions read by three consumers (max_consumer_num_per_group
/// 3, partitions dealt round-robin), on a real Tansu broker. The first task is cut by bytes
/// part-way; the second starts at each partition's reported last offset + 1 and reads to the
/// end. Every message must land exactly once, and each report's offsets must match the rows
/// it loaded partition by partition.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_consumers_load_every_message_exactly_once_across_tasks() {
    let broker = starload_compat_tests::broker::Broker::start()
        .await
        .unwrap();
    let brokers = broker.bootstrap();
    const PARTS: i32 = 5;
    broker.create_topic("multi", PARTS).await.unwrap();
    // Partition p holds 150 + 37p messages; order_id = p * 1_000_000 + offset.
    let mut want = Vec::new();
    let mut per_part = Vec::new();
    for p in 0..PARTS {
        let n = 150 + 37 * p as i64;
        let msgs: Vec<String> = (0..n)
            .map(|o| {
                format!(
                    "{},2020-05-08,Name {o},Country,male,{o}",
                    p as i64 * 1_000_000 + o
                )
            })
            .collect();
        let offsets = broker.produce("multi", p, &msgs).await.unwrap();
        assert_eq!(offsets.first(), Some(&0));
        want.extend((0..n).map(|o| p as i64 * 1_000_000 + o));
        per_part.push(n);
    }
    want.sort_unstable();
    let schema = seed_schema(3);
    let mut f = fixture(&schema);
    f.config.max_consumer_num_per_group = 3;
    let m = |n: &str| ColumnMapping {
        name: n.into(),
        expr_sql: String::new(),
    };
    let load = LoadSpec {
        format: DataFormat::Csv as i32,
        column_separator: b",".to_vec(),
        columns: [
            "order_id",
            "pay_dt",
            "customer_name",
            "nationality",
            "temp_gender",
            "price",
        ]
        .into_iter()
        .map(m)
        .collect(),
        ..Default::default()
    };
    let group = format!("multi-{}", uuid::Uuid::new_v4());
    let run = |begin: Vec<(i32, i64)>, max_bytes: i64, txn: i64| {
        let mut req = request(&f, &schema, &brokers, "multi", PARTS, load.clone(), txn);
        let kafka = req.kafka.as_mut().unwrap();
        kafka.partition_begin_offset = begin.into_iter().collect();
        kafka.properties.insert("group.id".into(), group.clone());
        req.max_batch_size_bytes = max_bytes;
        let (config, store) = (f.config.clone(), f.store.clone());
        let rt = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            execute(&config, &store, &rt, &req, Arc::new(AtomicBool::new(false)))
        })
    };
    let check = |report: &ReportTaskRequest| -> Vec<(i32, i64)> {
        assert!(
            report.status.as_ref().unwrap().is_ok(),
            "{:?}",
            report.status
        );
        let mut loaded = 0;
        let mut next = Vec::new();
        for p in &report.progress {
            assert!(p.last_offset < per_part[p.partition as usize], "{p:?}");
            if p.last_offset >= 0 {
                loaded += p.last_offset + 1 - p.begin_offset;
                next.push((p.partition, p.last_offset + 1));
            } else {
                next.push((p.partition, p.begin_offset));
            }
        }
        assert_eq!(report.progress.len(), PARTS as usize);
        assert_eq!((report.loaded_rows, report.filtered_rows), (loaded, 0));
        next.sort_unstable();
        next
    };

    let pool = starload_be::load::consumer_pool::ConsumerPool::global();
    let idle_before = pool.idle_count();
    // Task 1: cut by bytes (each message is ~45 bytes) well before the end.
    let report = run((0..PARTS).map(|p| (p, 0)).collect(), 12_000, 910)
        .await
        .unwrap();
    let next = check(&report);
    let first = report.loaded_rows;
    assert!(
        first > 0 && (first as usize) < want.len(),
        "task 1 loaded {first} of {}",
        want.len()
    );
    // Three consumers ran and went back to the pool (no other test of this binary takes
    // pooled consumers back: their group ids are random), so the pool grew by at least three.
    assert!(
        pool.idle_count() >= idle_before + 3,
        "pool {} -> {}",
        idle_before,
        pool.idle_count()
    );
    for t in &f.tablets {
        f.store.publish(910, t.tablet_id, 2).unwrap();
    }
    assert_eq!(order_ids_at(&f.store, &f.tablets, 2).len(), first as usize);

    // Task 2: from the reported offsets to the end of every partition.
    let report = run(next, 1 << 30, 911).await.unwrap();
    let end = check(&report);
    assert_eq!(
        end,
        (0..PARTS)
            .map(|p| (p, per_part[p as usize]))
            .collect::<Vec<_>>()
    );
    // The watermark is informational (lag display); Tansu's may trail the EOF position, so
    // only what the offsets imply is checked.
    assert!(
        report
            .progress
            .iter()
            .all(|p| p.high_watermark == -1 || p.high_watermark > p.last_offset),
        "{:?}",
        report.progress
    );
    eprintln!("watermarks after task 2: {:?}", report.progress);
    for t in &f.tablets {
        f.store.publish(911, t.tablet_id, 3).unwrap();
    }
    assert_eq!(order_ids_at(&f.store, &f.tablets, 3), want);
}
