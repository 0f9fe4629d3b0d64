//! Poison messages never crash a process and never lose or duplicate good rows (issue 4
//! item 7): for each format one topic mixes good messages with random bytes, truncated
//! messages and messages of the other formats; a routine load job (real FE + BE processes,
//! Tansu, the test schema registry for Avro) must load every good row exactly once, count
//! every poison message as one error row, and keep running. JSON is the exception StarRocks
//! makes: an unparsable message aborts the task, so that job retries (issue 14).
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use starload_compat_tests::registry::{confluent_frame, register_schema};
use starload_compat_tests::sql::{must_exec, must_query, show_routine_load};
use starload_compat_tests::{Broker, Cluster, Deadline, SchemaRegistry};
use std::collections::BTreeMap;
use std::time::Duration;

const T: Duration = Duration::from_secs(180);
const PARTITIONS: i32 = 3;
const GOOD: usize = 300;

const SCHEMA: &str = r#"{"type":"record","name":"row","fields":[{"name":"id","type":"long"},{"name":"v","type":"string"},{"name":"fmt","type":"string"}]}"#;

fn json_msg(id: usize) -> Vec<u8> {
    format!(r#"{{"id": {id}, "v": "value-{id}", "fmt": "json"}}"#).into_bytes()
}

fn csv_msg(id: usize) -> Vec<u8> {
    format!("{id}<|>value-{id}<|>csv").into_bytes()
}

/// Random bytes that cannot form a good row by accident in any of the three jobs: no CSV
/// separator start (`<`), no row delimiter, never a Confluent magic byte first, and never empty.
fn random_bytes(rng: &mut StdRng) -> Vec<u8> {
    let n = rng.random_range(1..64);
    let mut v: Vec<u8> = (0..n)
        .map(|_| {
            let b: u8 = rng.random();
            if b == b'<' || b == b'\n' || b == b' ' {
                b'#'
            } else {
                b
            }
        })
        .collect();
    if v[0] == 0 {
        v[0] = 1;
    }
    v
}

/// Messages for one format's topic: (partition, payload), the good ids, the poison count.
struct Plan {
    msgs: Vec<(i32, Vec<u8>)>,
    good: Vec<usize>,
    poison: usize,
}

fn plan(fmt: &str, rng: &mut StdRng, avro: &dyn Fn(usize) -> Vec<u8>) -> Plan {
    let good_of = |id: usize| match fmt {
        "json" => json_msg(id),
        "csv" => csv_msg(id),
        _ => avro(id),
    };
    let mut msgs = Vec::new();
    let mut good = Vec::new();
    let mut poison = 0;
    for id in 0..GOOD {
        let p = (id % PARTITIONS as usize) as i32;
        msgs.push((p, good_of(id)));
        good.push(id);
        // After each good message, 0..3 poison ones of a random kind.
        for _ in 0..rng.random_range(0..3) {
            let full = good_of(100_000 + id);
            let bad = match rng.random_range(0..5) {
                0 => random_bytes(rng),
                // Truncated: for CSV only inside the first two fields (a cut in the third field
                // would still be a well-formed row), otherwise anywhere before the end.
                1 => {
                    let max = if fmt == "csv" {
                        full.windows(3).position(|w| w == b"<|>").unwrap_or(1) + 4
                    } else {
                        full.len() - 1
                    };
                    full[..rng.random_range(1..max)].to_vec()
                }
                2 if fmt != "json" => json_msg(200_000 + id),
                2 => csv_msg(200_000 + id),
                3 if fmt != "avro" => avro(300_000 + id),
                3 => csv_msg(300_000 + id),
                // A Confluent frame naming a schema id the registry does not know.
                _ => {
                    let mut m = avro(400_000 + id);
                    m[1..5].copy_from_slice(&999u32.to_be_bytes());
                    if fmt == "avro" {
                        m
                    } else {
                        random_bytes(rng)
                    }
                }
            };
            // One poison message must stay one row: no row delimiter inside a CSV message.
            let bad = if fmt == "csv" {
                bad.into_iter()
                    .map(|b| if b == b'\n' { b'#' } else { b })
                    .collect()
            } else {
                bad
            };
            msgs.push((p, bad));
            poison += 1;
        }
    }
    Plan { msgs, good, poison }
}

#[tokio::test(flavor = "multi_thread")]
async fn poison_messages_cost_one_error_row_each_and_good_rows_land_once() -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    let registry = SchemaRegistry::start_with_auth("poison", "pw")?;
    let id = register_schema(&registry.url(), "poison-value", SCHEMA).await?;
    let schema = apache_avro::Schema::parse_str(SCHEMA)?;
    let avro = |i: usize| {
        confluent_frame(
            id,
            &schema,
            &format!(r#"{{"id": {i}, "v": "value-{i}", "fmt": "avro"}}"#),
        )
        .unwrap()
    };
    let cluster = Cluster::start(1).await?;
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE poison").await;
    must_exec(&mut conn, "USE poison").await;
    let mut rng = StdRng::seed_from_u64(20261201);
    let mut plans = BTreeMap::new();
    for fmt in ["csv", "json", "avro"] {
        let topic = format!("poison_{fmt}");
        broker.create_topic(&topic, PARTITIONS).await?;
        let p = plan(fmt, &mut rng, &avro);
        for part in 0..PARTITIONS {
            let payloads: Vec<&Vec<u8>> = p
                .msgs
                .iter()
                .filter(|(q, _)| *q == part)
                .map(|(_, m)| m)
                .collect();
            broker.produce(&topic, part, &payloads).await?;
        }
        must_exec(
            &mut conn,
            &format!(
                "CREATE TABLE t_{fmt} (id BIGINT NOT NULL, v VARCHAR(32), fmt VARCHAR(8)) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 3 PROPERTIES (\"replication_num\" = \"1\")"
            ),
        )
        .await;
        let props = match fmt {
            "csv" => "",
            "json" => r#", "format" = "json""#,
            _ => r#", "format" = "avro""#,
        };
        let registry_prop = if fmt == "avro" {
            format!(r#""confluent.schema.registry.url" = "{}","#, registry.url())
        } else {
            String::new()
        };
        let sep = if fmt == "csv" {
            r#"COLUMNS TERMINATED BY "<|>","#
        } else {
            ""
        };
        must_exec(
            &mut conn,
            &format!(
                r#"CREATE ROUTINE LOAD poison.job_{fmt} ON t_{fmt} {sep}
COLUMNS (id, v, fmt)
PROPERTIES ("max_error_number" = "100000", "max_batch_interval" = "5"{props})
FROM KAFKA ("kafka_broker_list" = "{}", "kafka_topic" = "{topic}", {registry_prop}
"property.kafka_default_offsets" = "OFFSET_BEGINNING")"#,
                broker.bootstrap()
            ),
        )
        .await;
        plans.insert(fmt, p);
    }
    for (fmt, p) in &plans {
        let job = format!("job_{fmt}");
        if *fmt == "json" {
            // A JSON message that does not parse fails the whole task, as StarRocks's JSON
            // reader does (`json_scanner.cpp` returns the parser's `parse error.`): the job
            // keeps RUNNING and retries the same offsets, nothing is counted as an error row,
            // and no row is loaded twice or from a poison message (rows of tasks that met no
            // poison message may land).
            let d = Deadline::after(T);
            let (row, stat) = loop {
                let row = show_routine_load(&mut conn, &job).await?.unwrap();
                let s: serde_json::Value = serde_json::from_str(&row["Statistic"])?;
                if s["abortedTaskNum"].as_u64() >= Some(2) || !d.wait().await {
                    break (row, s);
                }
            };
            assert!(stat["abortedTaskNum"].as_u64() >= Some(2), "json: {stat}");
            assert_eq!(row["State"], "RUNNING", "json: {row:?}");
            assert!(row["OtherMsg"].contains("parse error."), "json: {row:?}");
            assert_eq!(stat["errorRows"].as_u64(), Some(0), "json: {stat}");
            let out = must_query(
                &mut conn,
                "SELECT id, count(*) FROM t_json GROUP BY id ORDER BY id",
            )
            .await;
            for r in &out.rows {
                let id: usize = r[0].parse()?;
                assert!(p.good.contains(&id), "json: poison row {r:?} loaded");
                assert_eq!(r[1], "1", "json: row {r:?} loaded twice");
            }
            continue;
        }
        let total = (p.good.len() + p.poison) as u64;
        let d = Deadline::after(T);
        let stat = loop {
            let row = show_routine_load(&mut conn, &job).await?.unwrap();
            let s: serde_json::Value = serde_json::from_str(&row["Statistic"])?;
            if s["totalRows"].as_u64() >= Some(total) || !d.wait().await {
                break s;
            }
        };
        assert_eq!(stat["totalRows"].as_u64(), Some(total), "{fmt}: {stat}");
        assert_eq!(
            stat["loadedRows"].as_u64(),
            Some(GOOD as u64),
            "{fmt}: {stat}"
        );
        assert_eq!(
            stat["errorRows"].as_u64(),
            Some(p.poison as u64),
            "{fmt}: {stat}"
        );
        assert_eq!(stat["unselectedRows"].as_u64(), Some(0), "{fmt}: {stat}");
        let row = show_routine_load(&mut conn, &job).await?.unwrap();
        assert_eq!(row["State"], "RUNNING", "{fmt}: {row:?}");
        // Every good id exactly once, with its own values, and nothing else.
        let out = must_query(
            &mut conn,
            &format!("SELECT id, count(*), min(v), max(fmt) FROM t_{fmt} GROUP BY id ORDER BY id"),
        )
        .await;
        let want: Vec<Vec<String>> = p
            .good
            .iter()
            .map(|i| {
                vec![
                    i.to_string(),
                    "1".to_string(),
                    format!("value-{i}"),
                    fmt.to_string(),
                ]
            })
            .collect();
        assert_eq!(out.rows, want, "{fmt}");
    }
    // The processes survived all of it.
    let mut cluster = cluster;
    assert!(cluster.fe_running() && cluster.be_running(0));
    // The good schema was fetched once by the one BE, however many tasks decoded it.
    assert_eq!(registry.lookups_of(id), 1);
    Ok(())
}
