//! Bench mode of the decode fuzz test (`be/tests/decode_fuzz.rs` runs a short proptest in CI):
//! at least a million random and damaged CSV, JSON and Avro messages through the decoders and
//! the transform, checking that nothing panics and every row is accounted for
//! (`loaded + filtered + unselected = total`, and the batch holds exactly the loaded rows).
//!
//! Cases are made from valid messages by truncation, bit flips, byte splices and pure noise, with
//! a seeded RNG (the seed is printed, and `--seed` replays a run). Avro messages are framed with
//! a real schema served by the in-process test registry, so damaged datums reach the Avro
//! decoder proper, not just the magic-byte check.
//!
//! Run: `$CARGO_TARGET_DIR/release/fuzz_decode [--cases N] [--seed S]` (default 1,000,000
//! cases). Exits 1 on the first broken invariant (printing the messages), 0 otherwise.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use starload_be::load::decode::avro::AvroDecoder;
use starload_be::load::decode::csv::{CsvDecoder, CsvOptions};
use starload_be::load::decode::json::{parse_jsonpaths, JsonDecoder, JsonOptions, JsonPath};
use starload_be::load::decode::{Decoder, MessageChunk};
use starload_be::load::error_rows::ErrorRows;
use starload_be::load::transform::LoadPlan;
use starload_compat_tests::registry::confluent_frame;
use starload_compat_tests::SchemaRegistry;
use starload_proto::be::ColumnMapping;
use starload_proto::types::{ColumnDef, KeysType, PrimitiveType, TabletSchema};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

const SCHEMA: &str = r#"{"type":"record","name":"r","fields":[
  {"name":"a","type":"long"},{"name":"b","type":["null","string"]},
  {"name":"t","type":{"type":"array","items":"int"}},
  {"name":"d","type":{"type":"map","values":"double"}},
  {"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y"]}},
  {"name":"f","type":{"type":"fixed","name":"F","size":2}},
  {"name":"n","type":{"type":"record","name":"N","fields":[{"name":"x","type":"bytes"}]}}]}"#;

fn col(name: &str, t: PrimitiveType, len: i32, nullable: bool) -> ColumnDef {
    ColumnDef::of(name, t, len, nullable).with_decimal(10, 2)
}

fn plan(strict: bool) -> Result<LoadPlan, String> {
    let schema = TabletSchema {
        keys_type: KeysType::DupKeys as i32,
        columns: vec![
            col("a", PrimitiveType::Bigint, -1, false),
            col("b", PrimitiveType::Datetime, -1, true),
            col("c", PrimitiveType::Varchar, 8, true),
            col("d", PrimitiveType::Decimal64, -1, true),
        ],
        sort_key_idx: vec![0],
        distribution_idx: vec![0],
        bucket_num: 3,
        schema_version: 0,
    };
    let m = |n: &str, e: &str| ColumnMapping {
        name: n.into(),
        expr_sql: e.into(),
    };
    LoadPlan::new(
        &schema,
        &[
            m("a", ""),
            m("b", ""),
            m("t", ""),
            m("d", ""),
            m("c", "concat(substr(t, 1, 3), upper(t))"),
        ],
        "a > -5 or c is null",
        strict,
        "UTC",
        0,
    )
    .map_err(|e| e.to_string())
}

/// Damages `v` in one of several ways (or not at all).
fn damage(rng: &mut StdRng, mut v: Vec<u8>) -> Vec<u8> {
    match rng.random_range(0..6) {
        0 => v,
        1 => {
            let cut = rng.random_range(0..=v.len());
            v.truncate(cut);
            v
        }
        2 => {
            for _ in 0..rng.random_range(1..4) {
                if !v.is_empty() {
                    let i = rng.random_range(0..v.len());
                    v[i] ^= 1 << rng.random_range(0..8);
                }
            }
            v
        }
        3 => {
            let i = rng.random_range(0..=v.len());
            let junk: Vec<u8> = (0..rng.random_range(1..8)).map(|_| rng.random()).collect();
            v.splice(i..i, junk);
            v
        }
        4 => (0..rng.random_range(0..48)).map(|_| rng.random()).collect(),
        _ => {
            // Interesting bytes only.
            const B: &[u8] = b",\n\"\\N1-: {}[]0\x00\xff";
            (0..rng.random_range(0..48))
                .map(|_| B[rng.random_range(0..B.len())])
                .collect()
        }
    }
}

fn csv_msg(rng: &mut StdRng) -> Vec<u8> {
    let rows = rng.random_range(1..4);
    let mut s = String::new();
    for _ in 0..rows {
        s.push_str(&format!(
            "{},2024-0{}-1{} 0{}:00:00,{},{}.{}\n",
            rng.random_range(-9i64..1_000_000_000_000),
            rng.random_range(1..10),
            rng.random_range(0..10),
            rng.random_range(0..10),
            ["x", "\\N", "\"q,uo\"", "  sp  ", ""][rng.random_range(0..5)],
            rng.random_range(0..100_000),
            rng.random_range(0..1000)
        ));
    }
    s.into_bytes()
}

fn json_msg(rng: &mut StdRng) -> Vec<u8> {
    let one = |rng: &mut StdRng| {
        format!(
            r#"{{"a": {}, "b": "2024-01-0{} 10:00:00", "t": {{"x": {}}}, "d": {}.{}}}"#,
            rng.random_range(-9i64..i64::MAX),
            rng.random_range(1..10),
            rng.random_range(0..10),
            rng.random_range(0..100_000),
            rng.random_range(0..100)
        )
    };
    if rng.random_bool(0.3) {
        format!("[{}, {}]", one(rng), one(rng)).into_bytes()
    } else {
        one(rng).into_bytes()
    }
}

fn avro_msg(rng: &mut StdRng, id: u32, schema: &apache_avro::Schema) -> Vec<u8> {
    let b = if rng.random_bool(0.5) {
        "null".to_string()
    } else {
        format!(r#""2024-01-0{} 00:00:00""#, rng.random_range(1..10))
    };
    let j = format!(
        r#"{{"a": {}, "b": {b}, "t": [1, {}], "d": {{"k": 1.5}}, "e": "Y", "f": "ab", "n": {{"x": "bytes"}}}}"#,
        rng.random_range(-9i64..i64::MAX),
        rng.random_range(0..1000)
    );
    confluent_frame(id, schema, &j).unwrap_or_default()
}

/// Runs one case; Err describes a broken invariant.
fn check(d: &mut dyn Decoder, p: &LoadPlan, msgs: &[Vec<u8>]) -> Result<(), String> {
    let mut c = MessageChunk::default();
    for (i, m) in msgs.iter().enumerate() {
        c.push(0, i as i64, -1, m);
    }
    let mut e = ErrorRows::new(-1);
    let r = catch_unwind(AssertUnwindSafe(|| {
        let b = d.decode(&c, &mut e)?;
        p.apply(&b, &c, &mut e).map(|out| out.num_rows() as u64)
    }));
    match r {
        Err(_) => Err("panicked".into()),
        // A decoder may fail the task (never for bad messages here: the registry is up).
        Ok(Err(err)) => Err(format!("failed: {err}")),
        Ok(Ok(rows)) if rows != e.loaded() => Err(format!("{rows} rows, {} loaded", e.loaded())),
        Ok(Ok(_)) if e.total != e.loaded() + e.filtered + e.unselected => Err(format!(
            "total {} != loaded {} + filtered {} + unselected {}",
            e.total,
            e.loaded(),
            e.filtered,
            e.unselected
        )),
        Ok(Ok(_)) => Ok(()),
    }
}

fn main() {
    let mut cases: u64 = 1_000_000;
    let mut seed: u64 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(1);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next().and_then(|v| v.parse().ok());
        match (a.as_str(), v) {
            ("--cases", Some(v)) => cases = v,
            ("--seed", Some(v)) => seed = v,
            _ => {
                eprintln!("usage: fuzz_decode [--cases N] [--seed S]");
                std::process::exit(2);
            }
        }
    }
    // The panic hook would print every caught panic; failures are reported below instead.
    std::panic::set_hook(Box::new(|_| {}));
    let setup = (|| -> Result<_, String> {
        let registry = SchemaRegistry::start().map_err(|e| e.to_string())?;
        let id = registry
            .register("fuzz-value", SCHEMA)
            .map_err(|e| e.to_string())?;
        let schema = apache_avro::Schema::parse_str(SCHEMA).map_err(|e| e.to_string())?;
        Ok((registry, id, schema, [plan(false)?, plan(true)?]))
    })();
    let (registry, id, schema, plans) = match setup {
        Ok(s) => s,
        Err(e) => {
            eprintln!("setup: {e}");
            std::process::exit(1);
        }
    };
    let paths = parse_jsonpaths(r#"["$.a","$.b","$.t.x","$.d"]"#).unwrap_or_default();
    let nf = plans[0].source_names().len();
    let names = plans[0].source_names().to_vec();
    let mut rng = StdRng::seed_from_u64(seed);
    println!("fuzz_decode: {cases} cases, seed {seed}");
    let start = Instant::now();
    let mut per_format = [0u64; 3];
    for case in 0..cases {
        let fmt = (case % 3) as usize;
        per_format[fmt] += 1;
        let p = &plans[rng.random_range(0..2)];
        let n = rng.random_range(1..5);
        let msgs: Vec<Vec<u8>> = (0..n)
            .map(|_| {
                let v = match fmt {
                    0 => csv_msg(&mut rng),
                    1 => json_msg(&mut rng),
                    _ => avro_msg(&mut rng, id, &schema),
                };
                let mut d = damage(&mut rng, v);
                // Mostly keep a damaged Avro frame's schema id intact: an unknown id is one
                // registry request each (404s are not cached), and the datum decoder is what
                // needs the coverage.
                if fmt == 2 && d.len() >= 5 && d[0] == 0 && rng.random_bool(0.98) {
                    d[1..5].copy_from_slice(&id.to_be_bytes());
                }
                d
            })
            .collect();
        let r = match fmt {
            0 => {
                let enclose = rng.random_bool(0.5);
                let opts = CsvOptions {
                    column_separator: if rng.random_bool(0.8) {
                        b",".to_vec()
                    } else {
                        b",\x01".to_vec()
                    },
                    row_delimiter: b"\n".to_vec(),
                    enclose: enclose.then_some(b'"'),
                    escape: enclose.then_some(b'\\'),
                    trim_space: rng.random_bool(0.5),
                };
                check(&mut CsvDecoder::new(opts, nf), p, &msgs)
            }
            1 => {
                let opts = JsonOptions {
                    jsonpaths: if rng.random_bool(0.5) {
                        paths.clone()
                    } else {
                        Vec::new()
                    },
                    json_root: rng
                        .random_bool(0.2)
                        .then(|| JsonPath::parse("$.t"))
                        .flatten(),
                    strip_outer_array: rng.random_bool(0.5),
                };
                check(&mut JsonDecoder::new(names.clone(), opts), p, &msgs)
            }
            _ => {
                let opts = JsonOptions {
                    jsonpaths: if rng.random_bool(0.5) {
                        paths.clone()
                    } else {
                        Vec::new()
                    },
                    ..JsonOptions::default()
                };
                let mut d =
                    AvroDecoder::new(names.clone(), opts, registry.url(), Duration::from_secs(5));
                check(&mut d, p, &msgs)
            }
        };
        if let Err(e) = r {
            println!("case {case} (format {fmt}) broke an invariant: {e}");
            for m in &msgs {
                println!("  message: {:?}", String::from_utf8_lossy(m));
            }
            std::process::exit(1);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "ok: {cases} cases (csv {}, json {}, avro {}) in {secs:.1}s, {:.0} cases/s; schema lookups: {}",
        per_format[0],
        per_format[1],
        per_format[2],
        cases as f64 / secs.max(1e-9),
        registry.lookups_of(id)
    );
}
