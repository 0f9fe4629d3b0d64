//! Crash test of compaction with the real `starload-be` binary: many versions are loaded over
//! gRPC (WriteTabletBatch + PublishVersion) into a DUPLICATE and a PRIMARY KEY tablet with
//! compaction off; the BE is restarted with compaction on and killed (-9) while a compaction is
//! writing its batches (seen in its /metrics); restarted without compaction, every read at the
//! last version is identical to the one before (and versions the compaction had folded are
//! refused, which shows it had started); restarted with compaction again, it finishes and the
//! reads are still identical.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use anyhow::{bail, Context, Result};
use arrow::array::{Array, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use starload_proto::be::backend_service_client::BackendServiceClient;
use starload_proto::be::*;
use starload_proto::types::{AggType, ColumnDef, KeysType, PrimitiveType, TabletSchema};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tonic::transport::Channel;

/// A running BE, killed (-9) on drop.
struct Be {
    child: Child,
    be_port: u16,
    http_port: u16,
}

impl Be {
    fn start(dir: &Path, ports: (u16, u16, u16), compaction: bool) -> Result<Be> {
        let (be_port, hb_port, http_port) = ports;
        let child = Command::new(env!("CARGO_BIN_EXE_starload-be"))
            .arg(format!("--be_port={be_port}"))
            .arg(format!("--heartbeat_service_port={hb_port}"))
            .arg(format!("--be_http_port={http_port}"))
            .arg(format!(
                "--storage_root_path={}",
                dir.join("storage").display()
            ))
            .arg(format!("--sys_log_dir={}", dir.join("log").display()))
            .arg("--compaction_read_grace_second=0")
            .arg(format!(
                "--min_cumulative_compaction_num_singleton_deltas={}",
                if compaction { 1 } else { 1_000_000 }
            ))
            .arg("--tablet_max_versions=1000000")
            .spawn()
            .context("spawn starload-be")?;
        Ok(Be {
            child,
            be_port,
            http_port,
        })
    }

    async fn client(&self) -> Result<BackendServiceClient<Channel>> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match BackendServiceClient::connect(format!("http://127.0.0.1:{}", self.be_port)).await
            {
                Ok(c) => return Ok(c.max_decoding_message_size(1 << 30)),
                Err(e) if Instant::now() > deadline => bail!("BE not reachable: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// The value of metric `name` (0 when absent or unreachable).
    fn metric(&self, name: &str) -> f64 {
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.http_port)) else {
            return 0.0;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let mut body = String::new();
        let _ = s.read_to_string(&mut body);
        body.lines()
            .filter(|l| l.starts_with(name) && !l.starts_with('#'))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Be {
    fn drop(&mut self) {
        self.kill();
    }
}

fn col(name: &str, t: PrimitiveType, key: bool) -> ColumnDef {
    ColumnDef::of(name, t, -1, !key).keyed(key, AggType::Unspecified)
}

fn schema(keys: KeysType) -> TabletSchema {
    TabletSchema {
        keys_type: keys as i32,
        columns: vec![
            col("k", PrimitiveType::Bigint, true),
            col("v", PrimitiveType::Bigint, false),
            col("s", PrimitiveType::Varchar, false),
        ],
        sort_key_idx: vec![0],
        distribution_idx: vec![0],
        bucket_num: 1,
        schema_version: 0,
    }
}

fn ipc(keys: &[i64], vals: &[i64], op: Option<&[i8]>) -> Vec<u8> {
    let mut fields = vec![
        Field::new("k", DataType::Int64, false),
        Field::new("v", DataType::Int64, true),
        Field::new("s", DataType::Utf8, true),
    ];
    let mut cols: Vec<Arc<dyn Array>> = vec![
        Arc::new(Int64Array::from(keys.to_vec())),
        Arc::new(Int64Array::from(vals.to_vec())),
        Arc::new(StringArray::from(
            vals.iter().map(|v| format!("s{v}")).collect::<Vec<_>>(),
        )),
    ];
    if let Some(op) = op {
        fields.push(Field::new("__op", DataType::Int8, false));
        cols.push(Arc::new(arrow::array::Int8Array::from(op.to_vec())));
    }
    let b = RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap();
    let mut w = arrow::ipc::writer::StreamWriter::try_new(Vec::new(), &b.schema()).unwrap();
    w.write(&b).unwrap();
    w.finish().unwrap();
    w.into_inner().unwrap()
}

/// Every row of `tablet` at `version`, sorted; Err with the BE's message.
async fn read(
    c: &mut BackendServiceClient<Channel>,
    tablet: i64,
    version: i64,
) -> Result<Vec<(i64, Option<i64>, Option<String>)>> {
    let mut s = c
        .scan_tablets(ScanTabletsRequest {
            tablet_ids: vec![tablet],
            version,
            ..Default::default()
        })
        .await?
        .into_inner();
    let mut rows = Vec::new();
    while let Some(m) = s.message().await? {
        if let Some(st) = &m.status {
            if !st.is_ok() {
                bail!("{}", st.message);
            }
        }
        let r = arrow::ipc::reader::StreamReader::try_new(std::io::Cursor::new(m.arrow_ipc), None)?;
        for b in r {
            let b = b?;
            let k = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
            let v = b.column(1).as_any().downcast_ref::<Int64Array>().unwrap();
            let st = b.column(2).as_any().downcast_ref::<StringArray>().unwrap();
            for i in 0..b.num_rows() {
                rows.push((
                    k.value(i),
                    v.is_valid(i).then(|| v.value(i)),
                    st.is_valid(i).then(|| st.value(i).to_string()),
                ));
            }
        }
    }
    rows.sort();
    Ok(rows)
}

const DUP: i64 = 101;
const PK: i64 = 102;
const VERSIONS: i64 = 24;
const ROWS_PER_VERSION: i64 = 40_000;

#[tokio::test(flavor = "multi_thread")]
async fn kill_during_compaction_changes_no_read() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let dir: PathBuf = tmp.path().to_path_buf();
    // Below the ephemeral range, so the restarts can take the same ports again.
    let p = starload_compat_tests::ports::free_ports(3)?;
    let ports = (p[0], p[1], p[2]);
    let mut be = Be::start(&dir, ports, false)?;
    let mut c = be.client().await?;
    for (id, keys) in [(DUP, KeysType::DupKeys), (PK, KeysType::PrimaryKeys)] {
        let r = c
            .create_tablet(CreateTabletRequest {
                tablet_id: id,
                table_id: 1,
                partition_id: 2,
                schema: Some(schema(keys)),
                ..Default::default()
            })
            .await?
            .into_inner();
        assert!(r.status.unwrap().is_ok());
    }
    for v in 2..2 + VERSIONS {
        let txn = 1000 + v;
        let base = (v - 2) * ROWS_PER_VERSION / 2;
        let keys: Vec<i64> = (base..base + ROWS_PER_VERSION).collect();
        let vals: Vec<i64> = keys.iter().map(|k| k * 10 + v).collect();
        // Every third row of the PK batch deletes its key.
        let ops: Vec<i8> = keys
            .iter()
            .map(|k| (k % 3 == 0 && v % 2 == 0) as i8)
            .collect();
        for (tablet, op) in [(DUP, None), (PK, Some(ops.as_slice()))] {
            let r = c
                .write_tablet_batch(WriteTabletBatchRequest {
                    txn_id: txn,
                    tablet_id: tablet,
                    arrow_ipc: ipc(&keys, &vals, op),
                    eos: true,
                    ..Default::default()
                })
                .await?
                .into_inner();
            assert!(r.status.unwrap().is_ok());
        }
        let r = c
            .publish_version(PublishVersionRequest {
                txn_id: txn,
                tablets: vec![
                    TabletVersion {
                        tablet_id: DUP,
                        version: v,
                    },
                    TabletVersion {
                        tablet_id: PK,
                        version: v,
                    },
                ],
                ..Default::default()
            })
            .await?
            .into_inner();
        assert!(r.status.unwrap().is_ok());
    }
    let last = 1 + VERSIONS;
    let dup_before = read(&mut c, DUP, last).await?;
    let pk_before = read(&mut c, PK, last).await?;
    assert_eq!(dup_before.len() as i64, VERSIONS * ROWS_PER_VERSION);
    assert!(!pk_before.is_empty());

    // Compaction on; kill -9 once it has written batches but not finished.
    be.kill();
    let mut be = Be::start(&dir, ports, true)?;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let written = be.metric("starload_be_compaction_batches_total");
        let runs = be.metric("starload_be_compaction_runs_total");
        if written > 0.0 && runs == 0.0 {
            be.kill();
            break;
        }
        if runs > 0.0 {
            bail!("a compaction finished before the kill could land inside it; load more rows");
        }
        if Instant::now() > deadline {
            bail!("no compaction started");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    let mut be = Be::start(&dir, ports, false)?;
    let mut c = be.client().await?;
    assert_eq!(read(&mut c, DUP, last).await?, dup_before);
    assert_eq!(read(&mut c, PK, last).await?, pk_before);
    // The first tablet compacted had raised its floor: its old versions are refused now.
    let refused = [DUP, PK].len() - tablets_serving(&mut c, last - 1).await;
    assert!(refused >= 1, "no tablet shows a started compaction");

    // Compaction on again: it completes (both tablets refuse the version below the last),
    // reads unchanged. (The interrupted compaction may already have been finished by the
    // restart without compaction: an unfinished compaction is always completed.)
    be.kill();
    let be = Be::start(&dir, ports, true)?;
    let mut c = be.client().await?;
    let deadline = Instant::now() + Duration::from_secs(120);
    while tablets_serving(&mut c, last - 1).await > 0 {
        if Instant::now() > deadline {
            bail!("compaction never finished after the restart");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(read(&mut c, DUP, last).await?, dup_before);
    assert_eq!(read(&mut c, PK, last).await?, pk_before);
    let e = read(&mut c, PK, last - 1).await.unwrap_err().to_string();
    assert!(e.contains("version already been compacted"), "{e}");
    Ok(())
}

/// How many of the two tablets still serve `version`.
async fn tablets_serving(c: &mut BackendServiceClient<Channel>, version: i64) -> usize {
    let mut n = 0;
    for t in [DUP, PK] {
        if read(c, t, version).await.is_ok() {
            n += 1;
        }
    }
    n
}
