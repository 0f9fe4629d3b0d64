//! Starts the real `starload-be` binary and drives its storage over gRPC: create a tablet,
//! write, publish, scan, kill -9 and restart, scan again; restart recovery of a staged txn
//! through FrontendService.GetTxnState; token checks; the HTTP endpoints.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use anyhow::{bail, Context, Result};
use arrow::array::{Array, Int32Array, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use starload_proto::be::backend_service_client::BackendServiceClient;
use starload_proto::be::*;
use starload_proto::fe::frontend_service_server::{FrontendService, FrontendServiceServer};
use starload_proto::fe::*;
use starload_proto::types::{
    AggType, ColumnDef, KeysType, PrimitiveType, StatusCode, TabletSchema,
};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tonic::transport::Channel;

const TOKEN: &str = "secret-token";

/// A free port below the ephemeral range: a port from `bind(0)` can be the source port of
/// the readiness probe's own connect, which then "succeeds" by connecting to itself before the
/// process listens (TCP self-connect; seen as a flaky ConnectionRefused right after start).
fn free_port() -> u16 {
    starload_compat_tests::ports::free_port().unwrap()
}

/// A running BE, killed (-9) on drop.
struct Be {
    child: Child,
    be_port: u16,
    hb_port: u16,
    http_port: u16,
    dir: PathBuf,
}

impl Be {
    fn start(dir: &Path, ports: Option<(u16, u16, u16)>) -> Result<Be> {
        let (be_port, hb_port, http_port) =
            ports.unwrap_or_else(|| (free_port(), free_port(), free_port()));
        let child = Command::new(env!("CARGO_BIN_EXE_starload-be"))
            .arg(format!("--be_port={be_port}"))
            .arg(format!("--heartbeat_service_port={hb_port}"))
            .arg(format!("--be_http_port={http_port}"))
            .arg(format!(
                "--storage_root_path={}",
                dir.join("storage").display()
            ))
            .arg(format!("--sys_log_dir={}", dir.join("log").display()))
            .arg(format!("--cluster_token={TOKEN}"))
            .arg("--storage_sweep_interval_second=1")
            .spawn()
            .context("spawn starload-be")?;
        Ok(Be {
            child,
            be_port,
            hb_port,
            http_port,
            dir: dir.to_path_buf(),
        })
    }

    async fn client(&self, port: u16) -> Result<BackendServiceClient<Channel>> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match BackendServiceClient::connect(format!("http://127.0.0.1:{port}")).await {
                Ok(c) => return Ok(c.max_decoding_message_size(1 << 30)),
                Err(e) if Instant::now() > deadline => bail!("BE not reachable: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn restart(&mut self) -> Result<()> {
        self.kill();
        let ports = (self.be_port, self.hb_port, self.http_port);
        let dir = self.dir.clone();
        *self = Be::start(&dir, Some(ports))?;
        Ok(())
    }
}

impl Drop for Be {
    fn drop(&mut self) {
        self.kill();
    }
}

fn col(name: &str, t: PrimitiveType, key: bool, agg: AggType) -> ColumnDef {
    ColumnDef::of(name, t, -1, true).keyed(key, agg)
}

/// The seed's example_tbl2 shape: order_id, pay_dt, customer_name, nationality, price SUM.
fn agg_schema() -> TabletSchema {
    TabletSchema {
        keys_type: KeysType::AggKeys as i32,
        columns: vec![
            col(
                "order_id",
                PrimitiveType::Bigint,
                true,
                AggType::Unspecified,
            ),
            col(
                "customer_name",
                PrimitiveType::Varchar,
                true,
                AggType::Unspecified,
            ),
            col("price", PrimitiveType::Int, false, AggType::Sum),
        ],
        sort_key_idx: vec![0, 1],
        distribution_idx: vec![0],
        bucket_num: 1,
        schema_version: 0,
    }
}

fn batch(rows: &[(i64, &str, i32)]) -> Vec<u8> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("order_id", DataType::Int64, true),
        Field::new("customer_name", DataType::Utf8, true),
        Field::new("price", DataType::Int32, true),
    ]));
    let b = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Int64Array::from(
                rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            )),
            Arc::new(StringArray::from(
                rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            )),
            Arc::new(Int32Array::from(
                rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            )),
        ],
    )
    .unwrap();
    let mut w = arrow::ipc::writer::StreamWriter::try_new(Vec::new(), &schema).unwrap();
    w.write(&b).unwrap();
    w.finish().unwrap();
    w.into_inner().unwrap()
}

fn must_ok(s: &Option<starload_proto::types::Status>) {
    let s = s.as_ref().expect("status");
    assert!(s.is_ok(), "status {s:?}");
}

async fn must_write(
    c: &mut BackendServiceClient<Channel>,
    txn: i64,
    tablet: i64,
    rows: &[(i64, &str, i32)],
    eos: bool,
) {
    let r = c
        .write_tablet_batch(WriteTabletBatchRequest {
            cluster_token: TOKEN.into(),
            txn_id: txn,
            tablet_id: tablet,
            arrow_ipc: batch(rows),
            eos,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    must_ok(&r.status);
    assert_eq!(r.rows_written, rows.len() as i64);
}

async fn publish(
    c: &mut BackendServiceClient<Channel>,
    txn: i64,
    tablet: i64,
    version: i64,
) -> PublishVersionResponse {
    c.publish_version(PublishVersionRequest {
        cluster_token: TOKEN.into(),
        txn_id: txn,
        tablets: vec![TabletVersion {
            tablet_id: tablet,
            version,
        }],
    })
    .await
    .unwrap()
    .into_inner()
}

/// Scans and returns (order_id, customer_name, price) rows, or the first error status.
async fn scan(
    c: &mut BackendServiceClient<Channel>,
    tablet: i64,
    version: i64,
) -> Result<Vec<(i64, String, i32)>, starload_proto::types::Status> {
    let mut stream = c
        .scan_tablets(ScanTabletsRequest {
            cluster_token: TOKEN.into(),
            tablet_ids: vec![tablet],
            version,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut out = vec![];
    while let Some(msg) = stream.message().await.unwrap() {
        let st = msg.status.clone().unwrap_or_default();
        if !st.is_ok() {
            return Err(st);
        }
        let reader =
            arrow::ipc::reader::StreamReader::try_new(std::io::Cursor::new(msg.arrow_ipc), None)
                .unwrap();
        for b in reader {
            let b = b.unwrap();
            let a = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
            let s = b.column(1).as_any().downcast_ref::<StringArray>().unwrap();
            let p = b.column(2).as_any().downcast_ref::<Int32Array>().unwrap();
            for i in 0..b.num_rows() {
                out.push((a.value(i), s.value(i).to_string(), p.value(i)));
            }
        }
    }
    Ok(out)
}

fn http_get(port: u16, path: &str) -> Result<(u16, String)> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )?;
    let mut resp = String::new();
    s.read_to_string(&mut resp)?;
    let code = resp.get(9..12).unwrap_or("0").parse()?;
    let body = resp
        .split_once("\r\n\r\n")
        .map(|x| x.1.to_string())
        .unwrap_or_default();
    Ok((code, body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_write_publish_scan_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut be = Be::start(dir.path(), None).unwrap();
    let mut c = be.client(be.be_port).await.unwrap();

    // Wrong token on every kind of call.
    let r = c
        .create_tablet(CreateTabletRequest {
            cluster_token: "wrong".into(),
            tablet_id: 10001,
            schema: Some(agg_schema()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.status.unwrap().code, StatusCode::Unauthenticated as i32);

    // Heartbeat on the heartbeat port answers the ports.
    let mut hb = be.client(be.hb_port).await.unwrap();
    let h = hb
        .heartbeat(HeartbeatRequest {
            cluster_token: TOKEN.into(),
            backend_id: 7,
            nonce: b"fresh-nonce".to_vec(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    must_ok(&h.status);
    // The answer proves the token over the FE's nonce (the FE refuses a BE that cannot).
    assert_eq!(
        h.token_proof,
        starload_proto::token::proof(TOKEN, b"fresh-nonce")
    );
    assert_eq!(
        (h.be_port, h.http_port, h.heartbeat_port),
        (be.be_port as u32, be.http_port as u32, be.hb_port as u32)
    );
    assert_eq!(h.tablet_num, 0);
    assert!(h.start_time_ms > 0 && h.disk_total_bytes > 0);

    let r = c
        .create_tablet(CreateTabletRequest {
            cluster_token: TOKEN.into(),
            tablet_id: 10001,
            table_id: 1,
            partition_id: 2,
            schema: Some(agg_schema()),
        })
        .await
        .unwrap()
        .into_inner();
    must_ok(&r.status);

    // Version 2: two batches of txn 100; the same rows again as version 3 (AGG SUM doubles).
    let rows = [(1, "alice", 10), (2, "bob", 20), (1, "alice", 5)];
    must_write(&mut c, 100, 10001, &rows[..2], false).await;
    must_write(&mut c, 100, 10001, &rows[2..], true).await;
    // Not visible before publish.
    assert_eq!(scan(&mut c, 10001, 1).await.unwrap(), vec![]);
    assert_eq!(
        scan(&mut c, 10001, 2).await.unwrap_err().code,
        StatusCode::VersionMissing as i32
    );
    must_ok(&publish(&mut c, 100, 10001, 2).await.status);
    must_ok(&publish(&mut c, 100, 10001, 2).await.status);
    let v2 = vec![(1, "alice".to_string(), 15), (2, "bob".to_string(), 20)];
    assert_eq!(scan(&mut c, 10001, 2).await.unwrap(), v2);

    must_write(&mut c, 101, 10001, &rows, true).await;
    // Version 4 before 3: refused with VERSION_MISSING.
    let r = publish(&mut c, 101, 10001, 4).await;
    assert_eq!(r.status.unwrap().code, StatusCode::VersionMissing as i32);
    assert_eq!(r.error_tablet_ids, vec![10001]);
    must_ok(&publish(&mut c, 101, 10001, 3).await.status);
    let v3 = vec![(1, "alice".to_string(), 30), (2, "bob".to_string(), 40)];
    assert_eq!(scan(&mut c, 10001, 3).await.unwrap(), v3);

    // A staged then aborted txn never shows.
    must_write(&mut c, 102, 10001, &rows, true).await;
    let r = c
        .abort_txn(AbortTxnRequest {
            cluster_token: TOKEN.into(),
            txn_id: 102,
            tablet_ids: vec![10001],
        })
        .await
        .unwrap()
        .into_inner();
    must_ok(&r.status);
    assert!(publish(&mut c, 102, 10001, 4).await.status.unwrap().code != StatusCode::Ok as i32);

    // HTTP.
    assert_eq!(
        http_get(be.http_port, "/api/health").unwrap(),
        (200, r#"{"status": "OK","msg": "To Be Added"}"#.to_string())
    );
    let (code, metrics) = http_get(be.http_port, "/metrics").unwrap();
    assert_eq!(code, 200);
    assert!(
        metrics.contains("starload_be_storage_rows_written_total 9"),
        "{metrics}"
    );
    assert!(
        metrics.contains("starload_be_storage_publishes_total"),
        "{metrics}"
    );
    std::fs::write(
        dir.path().join("storage/error_log/error_log_x"),
        "Error: bad row\n",
    )
    .unwrap();
    assert_eq!(
        http_get(be.http_port, "/api/_load_error_log?file=error_log_x").unwrap(),
        (200, "Error: bad row\n".to_string())
    );
    assert_eq!(
        http_get(be.http_port, "/api/_load_error_log?file=../x")
            .unwrap()
            .0,
        400
    );

    // kill -9, restart: everything published is still there, at every version.
    be.restart().unwrap();
    let mut c = be.client(be.be_port).await.unwrap();
    assert_eq!(scan(&mut c, 10001, 2).await.unwrap(), v2);
    assert_eq!(scan(&mut c, 10001, 3).await.unwrap(), v3);

    // An empty task is refused with a clear status, never accepted.
    let r = c
        .submit_routine_load_task(SubmitRoutineLoadTaskRequest {
            cluster_token: TOKEN.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.status.unwrap().code, StatusCode::InvalidArgument as i32);

    let r = c
        .drop_tablet(DropTabletRequest {
            cluster_token: TOKEN.into(),
            tablet_id: 10001,
        })
        .await
        .unwrap()
        .into_inner();
    must_ok(&r.status);
    assert_eq!(
        scan(&mut c, 10001, 3).await.unwrap_err().code,
        StatusCode::NotFound as i32
    );
}

/// Answers GetTxnState from a fixed table, as the FE would after its restart.
struct TxnOracle {
    states: HashMap<i64, (TxnState, HashMap<i64, i64>)>,
}

#[tonic::async_trait]
impl FrontendService for TxnOracle {
    async fn create_partitions(
        &self,
        _: tonic::Request<starload_proto::fe::CreatePartitionsRequest>,
    ) -> Result<tonic::Response<starload_proto::fe::CreatePartitionsResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("not used"))
    }

    async fn report_task(
        &self,
        _req: tonic::Request<ReportTaskRequest>,
    ) -> Result<tonic::Response<ReportTaskResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("not used"))
    }

    async fn get_txn_state(
        &self,
        req: tonic::Request<GetTxnStateRequest>,
    ) -> Result<tonic::Response<GetTxnStateResponse>, tonic::Status> {
        let req = req.into_inner();
        assert_eq!(req.cluster_token, TOKEN);
        let txns = req
            .txn_ids
            .iter()
            .map(|id| {
                let (state, versions) = self
                    .states
                    .get(id)
                    .cloned()
                    .unwrap_or((TxnState::Unknown, HashMap::new()));
                TxnStateEntry {
                    txn_id: *id,
                    state: state as i32,
                    tablet_versions: versions,
                    rows_consumed: false,
                }
            })
            .collect();
        Ok(tonic::Response::new(GetTxnStateResponse {
            status: Some(starload_proto::types::Status::ok()),
            txns,
        }))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_resolves_staged_txns_through_the_fe() {
    let dir = tempfile::tempdir().unwrap();
    let mut be = Be::start(dir.path(), None).unwrap();
    let mut c = be.client(be.be_port).await.unwrap();
    let r = c
        .create_tablet(CreateTabletRequest {
            cluster_token: TOKEN.into(),
            tablet_id: 20001,
            table_id: 1,
            partition_id: 2,
            schema: Some(agg_schema()),
        })
        .await
        .unwrap()
        .into_inner();
    must_ok(&r.status);
    // txn 200 committed by the FE (version 2), 201 aborted, 202 unknown, 203 still PREPARE.
    must_write(&mut c, 200, 20001, &[(1, "a", 1)], true).await;
    must_write(&mut c, 201, 20001, &[(2, "b", 2)], true).await;
    must_write(&mut c, 202, 20001, &[(3, "c", 3)], true).await;
    must_write(&mut c, 203, 20001, &[(4, "d", 4)], true).await;

    // The FE stand-in.
    let fe_port = free_port();
    let oracle = TxnOracle {
        states: HashMap::from([
            (200, (TxnState::Committed, HashMap::from([(20001, 2)]))),
            (201, (TxnState::Aborted, HashMap::new())),
            (203, (TxnState::Prepare, HashMap::new())),
        ]),
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", fe_port))
        .await
        .unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(FrontendServiceServer::new(oracle))
            .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener)),
    );

    be.restart().unwrap();
    let mut hb = be.client(be.hb_port).await.unwrap();
    let h = hb
        .heartbeat(HeartbeatRequest {
            cluster_token: TOKEN.into(),
            backend_id: 3,
            fe_host: "127.0.0.1".into(),
            fe_rpc_port: fe_port as u32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    must_ok(&h.status);
    assert_eq!(h.tablet_num, 1);
    let mut c = be.client(be.be_port).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match scan(&mut c, 20001, 2).await {
            Ok(rows) => {
                assert_eq!(rows, vec![(1, "a".to_string(), 1)]);
                break;
            }
            Err(s) if s.code == StatusCode::VersionMissing as i32 && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Err(s) => panic!("staged txn 200 was not published after restart: {s:?}"),
        }
    }
    // 201 and 202 were discarded before 200 was published (the recovery aborts first):
    // late writes are refused; 203 (PREPARE) still takes rows.
    for txn in [201, 202] {
        let late = c
            .write_tablet_batch(WriteTabletBatchRequest {
                cluster_token: TOKEN.into(),
                txn_id: txn,
                tablet_id: 20001,
                arrow_ipc: batch(&[(9, "z", 9)]),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            late.status.unwrap().code,
            StatusCode::InvalidArgument as i32,
            "txn {txn}"
        );
    }
    must_write(&mut c, 203, 20001, &[(5, "e", 5)], true).await;
    must_ok(&publish(&mut c, 203, 20001, 3).await.status);
    assert_eq!(
        scan(&mut c, 20001, 3).await.unwrap(),
        vec![
            (1, "a".to_string(), 1),
            (4, "d".to_string(), 4),
            (5, "e".to_string(), 5)
        ]
    );
}
