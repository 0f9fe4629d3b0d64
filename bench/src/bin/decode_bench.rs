//! Decoder benchmark (issue 4): CSV, JSON and Avro decoding plus COLUMNS/convert transforms on
//! the same rows, next to the raw parser's speed on the same bytes, one thread.
//!
//! The message set is `rows` seed-shaped orders (order_id, pay_dt, customer_name, nationality,
//! temp_gender, price), one row per message, written three ways: CSV text, a JSON object, and
//! a Confluent-framed Avro record (schema served by the in-process test registry, fetched once).
//! Every format maps into the same table through the same COLUMNS list, so the transform work
//! is identical and the differences are the decoders'.
//!
//! Stages per format, each timed alone (one thread, so rows/s is per core):
//! - raw: CSV = memchr split into fields; JSON = `serde_json::from_slice::<Value>` (and, to decide
//!   issue 4's parser question, `sonic_rs::from_slice` and `simd_json::to_borrowed_value` on the
//!   same bytes); Avro = `apache_avro::from_avro_datum` with the schema at hand;
//! - decode: our decoder into text columns (`Decoder::decode`);
//! - decode + transform: plus `LoadPlan::apply` (type conversion, NOT NULL, filter).
//!
//! Ratios are against the raw parser of the same format in the same run.
//!
//! Run: `$CARGO_TARGET_DIR/release/decode_bench [rows]` (default 400000).

use starload_be::load::decode::avro::AvroDecoder;
use starload_be::load::decode::csv::{CsvDecoder, CsvOptions};
use starload_be::load::decode::json::{JsonDecoder, JsonOptions};
use starload_be::load::decode::{Decoder, MessageChunk};
use starload_be::load::error_rows::ErrorRows;
use starload_be::load::transform::LoadPlan;
use starload_compat_tests::registry::confluent_frame;
use starload_compat_tests::SchemaRegistry;
use starload_proto::be::ColumnMapping;
use starload_proto::types::{ColumnDef, KeysType, PrimitiveType, TabletSchema};
use std::time::{Duration, Instant};

const CHUNK_MSGS: usize = 16 * 1024;
const NAMES: [&str; 6] = [
    "Johann Georg Faust",
    "Julien Sorel",
    "Dorian Grey",
    "Anna Karenina",
    "Tess Durbeyfield",
    "Edogawa Conan",
];
const COUNTRIES: [&str; 6] = ["Deutschland", "France", "UK", "Russia", "US", "japan"];
const SCHEMA: &str = r#"{"type":"record","name":"order","fields":[
  {"name":"order_id","type":"long"},{"name":"pay_dt","type":"string"},
  {"name":"customer_name","type":"string"},{"name":"nationality","type":"string"},
  {"name":"temp_gender","type":{"type":"enum","name":"g","symbols":["male","female"]}},
  {"name":"price","type":"double"}]}"#;

fn table() -> TabletSchema {
    TabletSchema {
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
    }
}

fn plan() -> LoadPlan {
    let m = |n: &str| ColumnMapping {
        name: n.into(),
        expr_sql: String::new(),
    };
    let cols: Vec<ColumnMapping> = [
        "order_id",
        "pay_dt",
        "customer_name",
        "nationality",
        "temp_gender",
        "price",
    ]
    .iter()
    .map(|n| m(n))
    .collect();
    match LoadPlan::new(&table(), &cols, "", false, "Asia/Shanghai", 0) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("plan: {e}");
            std::process::exit(1);
        }
    }
}

struct Row {
    id: u64,
    day: u32,
    name: &'static str,
    country: &'static str,
    gender: &'static str,
    price: u64,
}

fn rows(n: usize) -> Vec<Row> {
    (0..n)
        .map(|i| Row {
            id: 2_020_050_800 + i as u64,
            day: 1 + (i % 28) as u32,
            name: NAMES[i % 6],
            country: COUNTRIES[i % 6],
            gender: if i % 2 == 0 { "male" } else { "female" },
            price: 100 + (i % 9000) as u64,
        })
        .collect()
}

fn chunks(msgs: &[Vec<u8>]) -> Vec<MessageChunk> {
    msgs.chunks(CHUNK_MSGS)
        .map(|part| {
            let mut c = MessageChunk::with_capacity(part.iter().map(Vec::len).sum(), part.len());
            for (i, m) in part.iter().enumerate() {
                c.push(0, i as i64, -1, m);
            }
            c
        })
        .collect()
}

/// Best of `reps` runs of `f` (warm caches, least noise from the other engineers' builds).
fn best(reps: usize, mut f: impl FnMut()) -> Duration {
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

struct Line {
    name: String,
    secs: f64,
}

fn report(format: &str, rows: usize, bytes: usize, lines: &[Line]) {
    let base = lines.first().map(|l| l.secs).unwrap_or(1.0).max(1e-9);
    println!("\n{format}: {rows} messages, {bytes} bytes");
    println!(
        "  {:<44} {:>12} {:>10} {:>14}",
        "stage", "rows/s/core", "MB/s/core", "time vs raw"
    );
    for l in lines {
        let s = l.secs.max(1e-9);
        println!(
            "  {:<44} {:>12.0} {:>10.1} {:>13.2}x",
            l.name,
            rows as f64 / s,
            bytes as f64 / s / 1e6,
            s / base
        );
    }
}

fn decode_all(d: &mut dyn Decoder, cs: &[MessageChunk], p: Option<&LoadPlan>) -> u64 {
    let mut loaded = 0;
    for c in cs {
        let mut e = ErrorRows::new(0);
        let b = match d.decode(c, &mut e) {
            Ok(b) => b,
            Err(err) => {
                eprintln!("decode failed: {err}");
                std::process::exit(1);
            }
        };
        loaded += match p {
            Some(p) => match p.apply(&b, c, &mut e) {
                Ok(out) => out.num_rows() as u64,
                Err(err) => {
                    eprintln!("transform failed: {err}");
                    std::process::exit(1);
                }
            },
            None => b.num_rows() as u64,
        };
        if e.filtered > 0 {
            eprintln!("unexpected rejected rows: {:?}", e.lines().first());
            std::process::exit(1);
        }
    }
    loaded
}

/// Exits when a stage produced the wrong number of rows (a benchmark of broken code is void).
fn must_eq(got: u64, want: u64) {
    if got != want {
        eprintln!("wrong row count: {got}, want {want}");
        std::process::exit(1);
    }
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(400_000);
    let reps = 3;
    let data = rows(n);
    let p = plan();
    let names = p.source_names().to_vec();

    // CSV.
    let csv: Vec<Vec<u8>> = data
        .iter()
        .map(|r| {
            format!(
                "{},2020-05-{:02},{},{},{},{}",
                r.id, r.day, r.name, r.country, r.gender, r.price
            )
            .into_bytes()
        })
        .collect();
    let cs = chunks(&csv);
    let bytes: usize = csv.iter().map(Vec::len).sum();
    let opts = CsvOptions {
        column_separator: b",".to_vec(),
        ..CsvOptions::default()
    };
    let mut fields = 0usize;
    let raw = best(reps, || {
        fields = 0;
        for c in &cs {
            for i in 0..c.msgs.len() {
                fields += memchr::memchr_iter(b',', c.payload(i)).count() + 1;
            }
        }
    });
    must_eq(fields as u64, (n * 6) as u64);
    let mut d = CsvDecoder::new(opts, names.len());
    let dec = best(reps, || {
        must_eq(decode_all(&mut d, &cs, None), n as u64);
    });
    let full = best(reps, || {
        must_eq(decode_all(&mut d, &cs, Some(&p)), n as u64);
    });
    report(
        "CSV",
        n,
        bytes,
        &[
            Line {
                name: "raw: memchr field split".into(),
                secs: raw.as_secs_f64(),
            },
            Line {
                name: "CsvDecoder".into(),
                secs: dec.as_secs_f64(),
            },
            Line {
                name: "CsvDecoder + transform".into(),
                secs: full.as_secs_f64(),
            },
        ],
    );

    // JSON.
    let json: Vec<Vec<u8>> = data
        .iter()
        .map(|r| {
            format!(
                r#"{{"order_id": {}, "pay_dt": "2020-05-{:02}", "customer_name": "{}", "nationality": "{}", "temp_gender": "{}", "price": {}}}"#,
                r.id, r.day, r.name, r.country, r.gender, r.price
            )
            .into_bytes()
        })
        .collect();
    let cs = chunks(&json);
    let bytes: usize = json.iter().map(Vec::len).sum();
    let serde = best(reps, || {
        let mut ok = 0;
        for c in &cs {
            for i in 0..c.msgs.len() {
                ok +=
                    usize::from(serde_json::from_slice::<serde_json::Value>(c.payload(i)).is_ok());
            }
        }
        must_eq(ok as u64, n as u64);
    });
    let sonic = best(reps, || {
        let mut ok = 0;
        for c in &cs {
            for i in 0..c.msgs.len() {
                ok += usize::from(sonic_rs::from_slice::<sonic_rs::Value>(c.payload(i)).is_ok());
            }
        }
        must_eq(ok as u64, n as u64);
    });
    let mut scratch = Vec::new();
    let simd = best(reps, || {
        let mut ok = 0;
        for c in &cs {
            for i in 0..c.msgs.len() {
                scratch.clear();
                scratch.extend_from_slice(c.payload(i));
                ok += usize::from(simd_json::to_borrowed_value(&mut scratch).is_ok());
            }
        }
        must_eq(ok as u64, n as u64);
    });
    let mut d = JsonDecoder::new(names.clone(), JsonOptions::default());
    let dec = best(reps, || {
        must_eq(decode_all(&mut d, &cs, None), n as u64);
    });
    let full = best(reps, || {
        must_eq(decode_all(&mut d, &cs, Some(&p)), n as u64);
    });
    report(
        "JSON",
        n,
        bytes,
        &[
            Line {
                name: "raw: serde_json::from_slice::<Value>".into(),
                secs: serde.as_secs_f64(),
            },
            Line {
                name: "raw: sonic_rs::from_slice::<Value>".into(),
                secs: sonic.as_secs_f64(),
            },
            Line {
                name: "raw: simd_json::to_borrowed_value (+copy)".into(),
                secs: simd.as_secs_f64(),
            },
            Line {
                name: "JsonDecoder (sonic-rs)".into(),
                secs: dec.as_secs_f64(),
            },
            Line {
                name: "JsonDecoder + transform".into(),
                secs: full.as_secs_f64(),
            },
        ],
    );

    // Avro.
    let registry = match SchemaRegistry::start() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("schema registry: {e:#}");
            std::process::exit(1);
        }
    };
    let (id, schema) = match (
        registry.register("orders-value", SCHEMA),
        apache_avro::Schema::parse_str(SCHEMA),
    ) {
        (Ok(id), Ok(s)) => (id, s),
        (a, b) => {
            eprintln!("schema: {:?} {:?}", a.err(), b.err());
            std::process::exit(1);
        }
    };
    let avro: Vec<Vec<u8>> = data
        .iter()
        .map(|r| {
            let j = format!(
                r#"{{"order_id": {}, "pay_dt": "2020-05-{:02}", "customer_name": "{}", "nationality": "{}", "temp_gender": "{}", "price": {}.0}}"#,
                r.id, r.day, r.name, r.country, r.gender, r.price
            );
            confluent_frame(id, &schema, &j).unwrap_or_default()
        })
        .collect();
    let cs = chunks(&avro);
    let bytes: usize = avro.iter().map(Vec::len).sum();
    let raw = best(reps, || {
        let mut ok = 0;
        for c in &cs {
            for i in 0..c.msgs.len() {
                let mut body = &c.payload(i)[5..];
                ok += usize::from(apache_avro::from_avro_datum(&schema, &mut body, None).is_ok());
            }
        }
        must_eq(ok as u64, n as u64);
    });
    let mut d = AvroDecoder::new(
        names.clone(),
        JsonOptions::default(),
        registry.url(),
        Duration::from_secs(10),
    );
    let dec = best(reps, || {
        must_eq(decode_all(&mut d, &cs, None), n as u64);
    });
    let full = best(reps, || {
        must_eq(decode_all(&mut d, &cs, Some(&p)), n as u64);
    });
    report(
        "Avro",
        n,
        bytes,
        &[
            Line {
                name: "raw: apache_avro::from_avro_datum".into(),
                secs: raw.as_secs_f64(),
            },
            Line {
                name: "AvroDecoder".into(),
                secs: dec.as_secs_f64(),
            },
            Line {
                name: "AvroDecoder + transform".into(),
                secs: full.as_secs_f64(),
            },
        ],
    );
    println!(
        "\nschema registry lookups for id {id}: {}",
        registry.lookups_of(id)
    );
}
