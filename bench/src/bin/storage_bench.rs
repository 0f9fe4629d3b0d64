//! Storage benchmark (not a test): write + publish + scan throughput of the BE tablet store for
//! each table model, in rows per wall second and rows per CPU second (per core).
//!
//! `$CARGO_TARGET_DIR/release/storage_bench [--rows N] [--batch N] [--versions N] [--keys N]
//! [--pileup-rows N] [--pileup-versions a,b,c]`
//! Rows are seed-shaped (order_id BIGINT, pay_dt DATE, customer_name VARCHAR, nationality
//! VARCHAR, city VARCHAR, price INT), split over `--versions` published transactions; `--keys`
//! distinct order ids (so AGG/UNIQUE merge across versions).
//!
//! Second part, "versions pile up": `--pileup-rows` rows over a quarter as many keys, loaded
//! as 1, 10, 100, ... versions; a full scan at the last version is timed before and after a
//! compaction of the tablet, in the same run (ratios, not absolute figures, are the result).

use anyhow::{Context, Result};
use arrow::array::{ArrayRef, Date32Array, Int32Array, Int64Array, StringArray};
use arrow::record_batch::RecordBatch;
use starload_be::storage::{ScanRequest, TabletStore, WriteOptions};
use starload_proto::types::{AggType, ColumnDef, KeysType, PrimitiveType, TabletSchema};
use std::sync::Arc;
use std::time::Instant;

fn cpu_seconds() -> f64 {
    // utime + stime of this process, in clock ticks (fields 14 and 15 of /proc/self/stat).
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = s.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn col(name: &str, t: PrimitiveType, key: bool, agg: AggType) -> ColumnDef {
    ColumnDef::of(name, t, -1, true).keyed(key, agg)
}

fn schema(keys: KeysType) -> TabletSchema {
    let agg = |a| {
        if keys == KeysType::AggKeys {
            a
        } else {
            AggType::Unspecified
        }
    };
    TabletSchema {
        keys_type: keys as i32,
        columns: vec![
            col(
                "order_id",
                PrimitiveType::Bigint,
                true,
                AggType::Unspecified,
            ),
            col("pay_dt", PrimitiveType::Date, true, AggType::Unspecified),
            col(
                "customer_name",
                PrimitiveType::Varchar,
                false,
                agg(AggType::Replace),
            ),
            col(
                "nationality",
                PrimitiveType::Varchar,
                false,
                agg(AggType::Replace),
            ),
            col("city", PrimitiveType::Varchar, false, agg(AggType::Replace)),
            col("price", PrimitiveType::Int, false, agg(AggType::Sum)),
        ],
        sort_key_idx: vec![0, 1],
        distribution_idx: vec![0],
        bucket_num: 1,
        schema_version: 0,
    }
}

fn make_batch(start: u64, n: usize, keys: u64) -> Result<RecordBatch> {
    let ids: Vec<i64> = (0..n as u64)
        .map(|i| ((start + i).wrapping_mul(0x9e37_79b9_7f4a_7c15) % keys) as i64)
        .collect();
    let names = ["Johnson", "Maria", "Pierre", "Tanaka", "Ivanov"];
    let nat = ["us", "mexico", "france", "japan", "russia"];
    let city = ["Los Angeles", "Guadalajara", "Lyon", "Tokyo", "Moscow"];
    let pick = |t: &[&'static str; 5]| ids.iter().map(|i| t[(*i % 5) as usize]).collect::<Vec<_>>();
    let s = Arc::new(starload_proto::schema::arrow_schema(&schema(
        KeysType::DupKeys,
    )));
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(ids.clone())),
        Arc::new(Date32Array::from(
            ids.iter()
                .map(|i| 19_000 + (*i % 365) as i32)
                .collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(pick(&names))),
        Arc::new(StringArray::from(pick(&nat))),
        Arc::new(StringArray::from(pick(&city))),
        Arc::new(Int32Array::from(
            ids.iter().map(|i| (*i % 1000) as i32).collect::<Vec<_>>(),
        )),
    ];
    Ok(RecordBatch::try_new(s, cols)?)
}

/// Reads every row of tablet 1 at `version`; returns how many came back.
fn full_scan(store: &TabletStore, version: i64) -> Result<usize> {
    let mut n = 0usize;
    let req = ScanRequest {
        version,
        columns: &[],
        predicates: &[],
        limit: 0,
        batch_rows: 8192,
    };
    store.scan_with(1, &req, &mut |b| {
        n += b.num_rows();
        Ok(true)
    })?;
    Ok(n)
}

/// Loads `rows` rows (over `keys` keys) as `versions` versions; returns (scan ms before
/// compaction, compaction ms, scan ms after, rows returned, rows returned after).
fn pileup(
    model: KeysType,
    rows: u64,
    versions: u64,
    keys: u64,
) -> Result<(f64, f64, f64, usize, usize)> {
    let dir = tempfile::tempdir()?;
    let store = TabletStore::open(dir.path()).context("open store")?;
    store.create_tablet(1, 1, 1, schema(model))?;
    let per = rows.div_ceil(versions).max(1);
    for v in 0..versions {
        let start = v * per;
        let n = per.min(rows.saturating_sub(start));
        let txn = 1000 + v as i64;
        let mut off = 0;
        while off < n {
            let m = (n - off).min(65_536);
            store.write_batch(
                txn,
                1,
                &make_batch(start + off, m as usize, keys)?,
                &WriteOptions::default(),
            )?;
            off += m;
        }
        store.publish(txn, 1, 2 + v as i64)?;
    }
    let version = store.tablet(1)?.visible_version();
    let scan = |store: &TabletStore| -> Result<(f64, usize)> {
        // Best of three: the first scan also warms the OS page cache.
        let mut best = f64::MAX;
        let mut out = 0;
        for _ in 0..3 {
            let t = Instant::now();
            let n = full_scan(store, version)?;
            best = best.min(t.elapsed().as_secs_f64() * 1e3);
            out = n;
        }
        Ok((best, out))
    };
    let (before, out_before) = scan(&store)?;
    let t = Instant::now();
    store.compact_tablet(1, version)?;
    let compact_ms = t.elapsed().as_secs_f64() * 1e3;
    let (after, out_after) = scan(&store)?;
    Ok((before, compact_ms, after, out_before, out_after))
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<()> {
    let rows = arg("--rows", 1_000_000);
    let batch = arg("--batch", 65_536) as usize;
    let versions = arg("--versions", 4).max(1);
    let keys = arg("--keys", rows / 2).max(1);
    println!(
        "storage_bench: {rows} rows, batch {batch}, {versions} versions, {keys} distinct keys"
    );
    println!("model      write rows/s  write rows/cpu-s  publish ms  scan rows/s  scan rows/cpu-s  out rows  MB");
    for (name, model) in [
        ("DUPLICATE", KeysType::DupKeys),
        ("AGGREGATE", KeysType::AggKeys),
        ("UNIQUE", KeysType::UniqueKeys),
        ("PRIMARY", KeysType::PrimaryKeys),
    ] {
        let dir = tempfile::tempdir()?;
        let store = TabletStore::open(dir.path()).context("open store")?;
        store.create_tablet(1, 1, 1, schema(model))?;
        let batches: Vec<RecordBatch> = (0..rows.div_ceil(batch as u64))
            .map(|b| {
                let start = b * batch as u64;
                make_batch(start, (rows - start).min(batch as u64) as usize, keys)
            })
            .collect::<Result<_>>()?;
        let per_version = batches.len().div_ceil(versions as usize).max(1);
        let (t0, c0) = (Instant::now(), cpu_seconds());
        let mut publish_ms = 0.0;
        for (v, chunk) in batches.chunks(per_version).enumerate() {
            let txn = 1000 + v as i64;
            for b in chunk {
                store.write_batch(txn, 1, b, &WriteOptions::default())?;
            }
            store.sync()?;
            let p = Instant::now();
            store.publish(txn, 1, 2 + v as i64)?;
            publish_ms += p.elapsed().as_secs_f64() * 1e3;
        }
        let (w_wall, w_cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
        let version = store.tablet(1)?.visible_version();
        let (t1, c1) = (Instant::now(), cpu_seconds());
        let out_rows = full_scan(&store, version)?;
        let (s_wall, s_cpu) = (t1.elapsed().as_secs_f64(), cpu_seconds() - c1);
        // Scans read every stored row (all versions); rate per stored row.
        println!(
            "{name:<10} {:>12.0}  {:>16.0}  {:>10.1}  {:>11.0}  {:>15.0}  {:>8}  {:>4.0}",
            rows as f64 / w_wall,
            rows as f64 / w_cpu.max(0.01),
            publish_ms,
            rows as f64 / s_wall,
            rows as f64 / s_cpu.max(0.01),
            out_rows,
            store.data_size() as f64 / 1e6,
        );
    }
    let prows = arg("--pileup-rows", 400_000);
    let pversions: Vec<u64> = std::env::args()
        .collect::<Vec<_>>()
        .windows(2)
        .find(|w| w[0] == "--pileup-versions")
        .map(|w| w[1].split(',').filter_map(|v| v.parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 10, 100]);
    println!();
    println!(
        "versions pile up: {prows} rows over {} keys; full scan at the last version",
        prows / 4
    );
    println!("model      versions  scan ms  compaction ms  scan ms after  before/after  rows");
    for (name, model) in [
        ("DUPLICATE", KeysType::DupKeys),
        ("AGGREGATE", KeysType::AggKeys),
        ("UNIQUE", KeysType::UniqueKeys),
        ("PRIMARY", KeysType::PrimaryKeys),
    ] {
        let mut base = None;
        for &v in &pversions {
            let (before, cms, after, n0, n1) = pileup(model, prows, v.max(1), (prows / 4).max(1))?;
            anyhow::ensure!(
                n0 == n1,
                "{name}: compaction changed the row count ({n0} -> {n1})"
            );
            let b = *base.get_or_insert(before);
            println!(
                "{name:<10} {v:>8}  {before:>7.1}  {cms:>13.1}  {after:>13.1}  {:>12.2}  {n0}  (scan vs 1 version: {:.2}x)",
                before / after.max(0.001),
                before / b.max(0.001),
            );
        }
    }
    Ok(())
}
