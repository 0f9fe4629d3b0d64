//! Benchmark (c) of issue 3 and the decoder figures of issue 4: the BE load path alone on
//! in-memory messages, one thread, one replica.
//!
//! Stages, each on the same messages: raw parser (CSV: memchr field split; JSON: serde_json
//! into a Value) -> our decoder -> decoder + COLUMNS/convert (transform) -> full path (decode,
//! transform, bucket routing, TabletStore::write_batch, publish). Prints rows/s and MB/s per
//! core (CPU time of the process, so RocksDB's background threads are charged too).
//!
//! Run: `cargo run --release -p starload-bench --bin be_load -- [rows]`

use starload_be::load::decode::MessageChunk;
use starload_be::load::error_rows::ErrorRows;
use starload_be::load::task::LoadPipeline;
use starload_be::storage::TabletStore;
use starload_proto::be::{ColumnMapping, DataFormat, LoadSpec, SubmitRoutineLoadTaskRequest};
use starload_proto::types::{
    BackendAddr, ColumnDef, KeysType, PrimitiveType, TabletLocation, TabletSchema,
};
use std::sync::Arc;
use std::time::Instant;

const CHUNK_MSGS: usize = 64 * 1024;

/// Process CPU seconds (user + system) from /proc/self/stat.
fn cpu_secs() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = s.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields after the command: state is index 0, utime 11, stime 12 (clock ticks, 100 Hz).
    (ticks(11) + ticks(12)) / 100.0
}

struct Measure {
    wall: f64,
    cpu: f64,
}

fn measure(f: impl FnOnce()) -> Measure {
    let (t, c) = (Instant::now(), cpu_secs());
    f();
    Measure {
        wall: t.elapsed().as_secs_f64(),
        cpu: cpu_secs() - c,
    }
}

fn print(name: &str, rows: usize, bytes: usize, m: &Measure) {
    let per = m.cpu.max(m.wall.min(m.cpu + 0.01)).max(1e-9);
    println!(
        "{name:<34} {:>12.0} rows/s/core {:>8.1} MB/s/core   (wall {:.3}s, cpu {:.3}s)",
        rows as f64 / per,
        bytes as f64 / per / 1e6,
        m.wall,
        m.cpu
    );
}

fn chunks(msgs: &[Vec<u8>]) -> Vec<MessageChunk> {
    msgs.chunks(CHUNK_MSGS)
        .enumerate()
        .map(|(ci, part)| {
            let mut c = MessageChunk::with_capacity(part.iter().map(|m| m.len()).sum(), part.len());
            for (i, m) in part.iter().enumerate() {
                c.push(
                    (i % 4) as i32,
                    (ci * CHUNK_MSGS + i) as i64,
                    1_589_191_487_000,
                    m,
                );
            }
            c
        })
        .collect()
}

fn request(
    schema: TabletSchema,
    load: LoadSpec,
    tablets: Vec<TabletLocation>,
    txn: i64,
) -> SubmitRoutineLoadTaskRequest {
    SubmitRoutineLoadTaskRequest {
        task_id: format!("bench-{txn}"),
        txn_id: txn,
        schema: Some(schema),
        tablets,
        load: Some(load),
        backend: Some(BackendAddr {
            backend_id: 1,
            host: "127.0.0.1".into(),
            be_port: 0,
            http_port: 0,
        }),
        ..Default::default()
    }
}

fn run_format(
    name: &str,
    rt: &tokio::runtime::Handle,
    schema: TabletSchema,
    load: LoadSpec,
    msgs: &[Vec<u8>],
    raw: &dyn Fn(&[Vec<u8>]) -> usize,
    txn: i64,
) {
    let rows = msgs.len();
    let bytes: usize = msgs.iter().map(|m| m.len()).sum();
    println!("--- {name}: {rows} messages, {:.1} MB", bytes as f64 / 1e6);
    let cs = chunks(msgs);
    let m = measure(|| {
        std::hint::black_box(raw(msgs));
    });
    print("raw parser", rows, bytes, &m);

    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(TabletStore::open(dir.path()).expect("open store"));
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
    let req = request(schema.clone(), load, tablets.clone(), txn);
    let mut pipe = match LoadPipeline::new(&req, 1, store.clone(), rt.clone(), "") {
        Ok(p) => p,
        Err(e) => {
            println!("pipeline: {e}");
            return;
        }
    };
    let m = measure(|| {
        let mut e = ErrorRows::new(0);
        for c in &cs {
            std::hint::black_box(
                pipe.decoder
                    .decode(c, &mut e)
                    .map(|b| b.num_rows())
                    .unwrap_or(0),
            );
        }
    });
    print("decode", rows, bytes, &m);
    let m = measure(|| {
        let mut e = ErrorRows::new(0);
        for c in &cs {
            if let Ok(b) = pipe.decoder.decode(c, &mut e) {
                std::hint::black_box(
                    pipe.plan
                        .apply(&b, c, &mut e)
                        .map(|b| b.num_rows())
                        .unwrap_or(0),
                );
            }
        }
        assert_eq!(e.filtered, 0, "{:?}", e.lines().first());
    });
    print("decode + transform", rows, bytes, &m);

    let mut created = true;
    for t in &tablets {
        if let Err(e) = store.create_tablet(t.tablet_id, 1, 1, schema.clone()) {
            println!("full path skipped: create_tablet: {e}");
            created = false;
            break;
        }
    }
    if !created {
        return;
    }
    let mut failure = None;
    let m = measure(|| {
        for c in &cs {
            if let Err(e) = pipe.process(c) {
                failure = Some(e.to_string());
                return;
            }
        }
        if let Err(e) = pipe.finish() {
            failure = Some(e.to_string());
            return;
        }
        for t in &tablets {
            if let Err(e) = store.publish(txn, t.tablet_id, 2) {
                failure = Some(e.to_string());
                return;
            }
        }
    });
    match failure {
        Some(e) => println!("full path failed: {e}"),
        None => {
            print("decode+transform+write+publish", rows, bytes, &m);
            let n: usize = tablets
                .iter()
                .map(|t| {
                    store
                        .scan(t.tablet_id, 2, &[], &[])
                        .map(|b| b.iter().map(|b| b.num_rows()).sum::<usize>())
                        .unwrap_or(0)
                })
                .sum();
            println!(
                "rows visible after publish: {n} (loaded {})",
                pipe.errors.loaded()
            );
        }
    }
}

fn main() {
    let rows: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let names = [
        "Johann Georg Faust",
        "Julien Sorel",
        "Dorian Grey",
        "Anna Karenina",
        "Tess Durbeyfield",
        "Edogawa Conan",
    ];
    let countries = ["Deutschland", "France", "UK", "Russia", "US", "japan"];

    // CSV: the seed's ordertest1 rows into example_tbl1.
    let csv: Vec<Vec<u8>> = (0..rows)
        .map(|i| {
            format!(
                "{},2020-05-{:02},{},{},{},{}",
                2020050800 + i,
                i % 28 + 1,
                names[i % 6],
                countries[i % 6],
                if i % 2 == 0 { "male" } else { "female" },
                100 + i % 9000
            )
            .into_bytes()
        })
        .collect();
    let tbl1 = TabletSchema {
        keys_type: KeysType::DupKeys as i32,
        columns: vec![
            ColumnDef::of("order_id", PrimitiveType::Bigint, -1, false),
            ColumnDef::of("pay_dt", PrimitiveType::Date, -1, false),
            ColumnDef::of("customer_name", PrimitiveType::Varchar, 26, true),
            ColumnDef::of("nationality", PrimitiveType::Varchar, 26, true),
            ColumnDef::of("price", PrimitiveType::Double, -1, true),
        ],
        sort_key_idx: vec![0, 1],
        distribution_idx: vec![0],
        bucket_num: 4,
        schema_version: 0,
    };
    let m = |n: &str, e: &str| ColumnMapping {
        name: n.into(),
        expr_sql: e.into(),
    };
    let csv_load = LoadSpec {
        format: DataFormat::Csv as i32,
        column_separator: b",".to_vec(),
        columns: vec![
            m("order_id", ""),
            m("pay_dt", ""),
            m("customer_name", ""),
            m("nationality", ""),
            m("temp_gender", ""),
            m("price", ""),
        ],
        max_filter_ratio: 1.0,
        ..Default::default()
    };
    let raw_csv = |msgs: &[Vec<u8>]| {
        let mut fields = 0usize;
        for m in msgs {
            fields += memchr::memchr_iter(b',', m).count() + 1;
        }
        fields
    };
    run_format(
        "CSV (seed ordertest1)",
        rt.handle(),
        tbl1,
        csv_load,
        &csv,
        &raw_csv,
        11,
    );

    // JSON: the seed's ordertest2 documents into example_tbl2 (jsonpaths + from_unixtime).
    let json: Vec<Vec<u8>> = (0..rows)
        .map(|i| format!(r#"{{"commodity_id": "{}", "customer_name": "{}", "country": "{}","pay_time": {},"price": {}}}"#, i, names[i % 6], countries[i % 6], 1589191487 + i as i64 % 86400, 100 + i % 900).into_bytes())
        .collect();
    let tbl2 = TabletSchema {
        keys_type: KeysType::AggKeys as i32,
        columns: vec![
            ColumnDef::of("commodity_id", PrimitiveType::Varchar, 26, true),
            ColumnDef::of("customer_name", PrimitiveType::Varchar, 26, true),
            ColumnDef::of("country", PrimitiveType::Varchar, 26, true),
            ColumnDef::of("pay_time", PrimitiveType::Bigint, -1, true),
            ColumnDef::of("pay_dt", PrimitiveType::Date, -1, true),
            ColumnDef {
                agg: starload_proto::types::AggType::Sum as i32,
                ..ColumnDef::of("price", PrimitiveType::Double, -1, true)
            },
        ],
        sort_key_idx: vec![0, 1, 2, 3, 4],
        distribution_idx: vec![0],
        bucket_num: 4,
        schema_version: 0,
    };
    let json_load = LoadSpec {
        format: DataFormat::Json as i32,
        columns: vec![
            m("commodity_id", ""),
            m("customer_name", ""),
            m("country", ""),
            m("pay_time", ""),
            m("price", ""),
            m("pay_dt", "from_unixtime(pay_time, '%Y%m%d')"),
        ],
        jsonpaths: r#"["$.commodity_id","$.customer_name","$.country","$.pay_time","$.price"]"#
            .into(),
        max_filter_ratio: 1.0,
        ..Default::default()
    };
    let raw_json = |msgs: &[Vec<u8>]| {
        let mut n = 0usize;
        for m in msgs {
            if serde_json::from_slice::<serde_json::Value>(m).is_ok() {
                n += 1;
            }
        }
        n
    };
    run_format(
        "JSON (seed ordertest2)",
        rt.handle(),
        tbl2,
        json_load,
        &json,
        &raw_json,
        12,
    );
}
