//! Benchmark of issue 17: the BE load path with 1% bad rows, rejected-row ledger off vs on,
//! in one run (same messages, same process, alternating rounds so both see the same machine).
//!
//! "On" = rows kept with their coordinates while decoding ([`ErrorRows::collect_for_ledger`]),
//! staged in the ledger's RocksDB with an fsync before the report, and committed as the
//! resolver does once the FE answered: everything a real task does for its ledger.
//! Each round loads every message through a fresh transaction (decode, transform, tablet
//! write, eos) and, for "on", stages and commits its rejected rows. Prints rows/s per round,
//! the ratio of the medians and the median of each round's on/off (target: on / off >= 0.95;
//! rounds alternate which runs first).
//!
//! Run: `cargo run --release -p starload-bench --bin rejected_ledger -- [rows] [rounds]`

use starload_be::load::decode::MessageChunk;
use starload_be::load::rejected_ledger::{Budget, RejectedLedger, StagedBy};
use starload_be::load::task::LoadPipeline;
use starload_be::storage::TabletStore;
use starload_proto::be::{ColumnMapping, DataFormat, LoadSpec, SubmitRoutineLoadTaskRequest};
use starload_proto::types::{
    BackendAddr, ColumnDef, KeysType, PrimitiveType, TabletLocation, TabletSchema,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CHUNK_MSGS: usize = 64 * 1024;

fn chunks(msgs: &[Vec<u8>]) -> Vec<MessageChunk> {
    msgs.chunks(CHUNK_MSGS)
        .enumerate()
        .map(|(ci, part)| {
            let mut c = MessageChunk::with_capacity(part.iter().map(|m| m.len()).sum(), part.len());
            for (i, m) in part.iter().enumerate() {
                c.push(0, (ci * CHUNK_MSGS + i) as i64, 1_589_191_487_000, m);
            }
            c
        })
        .collect()
}

/// One round: a fresh txn over every chunk; returns (seconds, filtered rows).
#[allow(clippy::too_many_arguments)] // a benchmark round: every knob is an argument on purpose
fn round(
    rt: &tokio::runtime::Handle,
    store: &Arc<TabletStore>,
    schema: &TabletSchema,
    load: &LoadSpec,
    tablets: &[TabletLocation],
    cs: &[MessageChunk],
    txn: i64,
    ledger: Option<&RejectedLedger>,
) -> (f64, u64) {
    let req = SubmitRoutineLoadTaskRequest {
        task_id: format!("bench-{txn}"),
        job_id: 1,
        job_name: "bench".into(),
        label: format!("bench-1-{txn}"),
        txn_id: txn,
        schema: Some(schema.clone()),
        tablets: tablets.to_vec(),
        load: Some(load.clone()),
        ..Default::default()
    };
    let t = Instant::now();
    let mut pipe = LoadPipeline::new(&req, 1, store.clone(), rt.clone(), "").expect("pipeline");
    if ledger.is_some() {
        pipe.errors.collect_for_ledger(64 << 20);
    }
    for c in cs {
        pipe.process(c).expect("process");
    }
    pipe.finish().expect("finish");
    if let Some(l) = ledger {
        let (rows, _) = pipe.errors.take_ledger_rows();
        let by = StagedBy {
            job_id: 1,
            job_name: "bench".into(),
            txn_id: txn,
            label: req.label.clone(),
            fe_host: "127.0.0.1".into(),
            fe_rpc_port: 1,
            source_topic: "bench".into(),
            // The ledger's own cost only: no dead-letter topic to produce to.
            dead_letter: None,
        };
        l.stage(&by, &rows).expect("stage");
        l.resolve(txn, true).expect("resolve");
    }
    let secs = t.elapsed().as_secs_f64();
    (secs, pipe.errors.filtered)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let rows: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let rounds: usize = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    // 1% bad: every 100th row has a non-numeric price (strict mode rejects it).
    let msgs: Vec<Vec<u8>> = (0..rows)
        .map(|i| {
            if i % 100 == 42 {
                format!(
                    "{},2020-05-{:02},name{},oops",
                    2020050800 + i,
                    i % 28 + 1,
                    i % 97
                )
            } else {
                format!(
                    "{},2020-05-{:02},name{},{}",
                    2020050800 + i,
                    i % 28 + 1,
                    i % 97,
                    100 + i % 9000
                )
            }
            .into_bytes()
        })
        .collect();
    let cs = chunks(&msgs);
    let schema = TabletSchema {
        keys_type: KeysType::DupKeys as i32,
        columns: vec![
            ColumnDef::of("order_id", PrimitiveType::Bigint, -1, false),
            ColumnDef::of("pay_dt", PrimitiveType::Date, -1, false),
            ColumnDef::of("customer_name", PrimitiveType::Varchar, 26, true),
            ColumnDef::of("price", PrimitiveType::Double, -1, true),
        ],
        sort_key_idx: vec![0, 1],
        distribution_idx: vec![0],
        bucket_num: 4,
        schema_version: 0,
    };
    let m = |n: &str| ColumnMapping {
        name: n.into(),
        expr_sql: String::new(),
    };
    let load = LoadSpec {
        format: DataFormat::Csv as i32,
        column_separator: b",".to_vec(),
        columns: vec![m("order_id"), m("pay_dt"), m("customer_name"), m("price")],
        strict_mode: true,
        max_filter_ratio: 1.0,
        ..Default::default()
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(TabletStore::open(&dir.path().join("store")).expect("open store"));
    let ledger = RejectedLedger::shared(
        &dir.path().join("ledger"),
        Budget {
            max_bytes_per_job: 64 << 20,
            max_age: Duration::from_secs(3600),
        },
        "",
    )
    .expect("ledger");
    let me = BackendAddr {
        backend_id: 1,
        host: "127.0.0.1".into(),
        be_port: 0,
        http_port: 0,
    };
    let tablets: Vec<TabletLocation> = (0..schema.bucket_num)
        .map(|b| TabletLocation {
            tablet_id: 1000 + b as i64,
            partition_id: 1,
            bucket: b,
            replicas: vec![me.clone()],
        })
        .collect();
    for t in &tablets {
        store
            .create_tablet(t.tablet_id, 1, 1, schema.clone())
            .expect("create tablet");
    }
    println!(
        "{rows} CSV rows, {} bad (1%), {rounds} rounds each, ledger off / on alternating",
        rows / 100
    );
    let (mut off, mut on) = (Vec::new(), Vec::new());
    let mut txn = 100;
    for r in 0..rounds {
        // Every other round runs "on" first, so a drift of the machine favours neither.
        let order = if r % 2 == 0 {
            [false, true]
        } else {
            [true, false]
        };
        for with in order {
            txn += 1;
            let (secs, filtered) = round(
                rt.handle(),
                &store,
                &schema,
                &load,
                &tablets,
                &cs,
                txn,
                with.then_some(&*ledger),
            );
            assert_eq!(filtered as usize, rows / 100);
            let rps = rows as f64 / secs;
            println!(
                "round {r} ledger {:<3} {rps:>12.0} rows/s ({secs:.3}s)",
                if with { "on" } else { "off" }
            );
            if with { &mut on } else { &mut off }.push(rps);
        }
    }
    let kept = ledger.list(&[1], 0).expect("list").len();
    // The paired figure is the one to read on a shared machine: both runs of a round saw
    // the same neighbours, while the two medians can come from rounds that did not.
    let paired = median(on.iter().zip(&off).map(|(a, b)| a / b).collect());
    let (mo, mn) = (median(off), median(on));
    println!(
        "median rows/s: ledger off {mo:.0}, on {mn:.0}; ratio on/off = {:.3}; median of the \
         rounds' on/off = {paired:.3}",
        mn / mo
    );
    println!(
        "ledger rows of the job: {kept} (the same coordinates each round: one entry per bad row)"
    );
}
