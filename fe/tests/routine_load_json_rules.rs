//! JSON routine load rules StarRocks users meet, end to end with the real FE, BE and Tansu:
//! - a message that does not parse (an array without `strip_outer_array`) aborts every task at
//!   the same offset: the job stays RUNNING with the parse error in OtherMsg, abortedTaskNum
//!   grows and nothing behind it is loaded or skipped; with `pause_on_fatal_parse_error` the job
//!   pauses with StarRocks's reason (StarRocks's SQL test `test_pause_on_fatal_parse_error`);
//! - lambdas in COLUMNS and WHERE over JSON arrays (`test_routine_load_lambda`).

use mysql_async::Conn;
use starload_compat_tests::sql::{
    must_count, must_eventually_rows, must_exec, must_reach_state, show_routine_load,
};
use starload_compat_tests::{Broker, Cluster, Deadline};
use std::collections::HashMap;
use std::time::Duration;

const T: Duration = Duration::from_secs(120);

const ARRAY_WITHOUT_STRIP: &str = "parse error. The value is array type in json document stream, you can set strip_outer_array=true to parse each element of the array as individual rows";

fn stat(row: &HashMap<String, String>, key: &str) -> i64 {
    serde_json::from_str::<serde_json::Value>(&row["Statistic"])
        .ok()
        .and_then(|v| v[key].as_i64())
        .unwrap_or(-1)
}

/// Polls SHOW ROUTINE LOAD FOR `job` until `ok` holds for its row; returns that row.
async fn must_show(
    conn: &mut Conn,
    job: &str,
    what: &str,
    ok: impl Fn(&HashMap<String, String>) -> bool,
) -> HashMap<String, String> {
    let d = Deadline::after(T);
    loop {
        let last = show_routine_load(conn, job).await;
        if let Ok(Some(row)) = &last {
            if ok(row) {
                return row.clone();
            }
        }
        if !d.wait().await {
            panic!("timed out waiting for {job}: {what}; last row {last:?}");
        }
    }
}

/// Polls until the job's abortedTaskNum reaches `n`; returns that SHOW ROUTINE LOAD row.
async fn must_abort_tasks(conn: &mut Conn, job: &str, n: i64) -> HashMap<String, String> {
    must_show(conn, job, &format!("abortedTaskNum >= {n}"), |r| {
        stat(r, "abortedTaskNum") >= n
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn fatal_parse_error_retries_the_offset_and_pauses_only_when_asked() -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    broker.create_topic("pe", 1).await?;
    broker
        .produce("pe", 0, &[r#"{"k": 1}"#, r#"[{"k": 2}]"#, r#"{"k": 3}"#])
        .await?;
    let cluster = Cluster::start(1).await?;
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE d").await;
    must_exec(&mut conn, "USE d").await;
    for t in ["t_retry", "t_pause"] {
        must_exec(
            &mut conn,
            &format!("CREATE TABLE {t} (k int) DUPLICATE KEY (k) DISTRIBUTED BY HASH(k) BUCKETS 1"),
        )
        .await;
    }
    let job = |name: &str, table: &str, extra: &str| {
        format!(
            r#"CREATE ROUTINE LOAD d.{name} ON {table}
PROPERTIES ("format" = "json", "max_batch_interval" = "5"{extra})
FROM KAFKA ("kafka_broker_list" = "{}", "kafka_topic" = "pe",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING")"#,
            broker.bootstrap()
        )
    };
    must_exec(&mut conn, &job("retry", "t_retry", "")).await;
    must_exec(
        &mut conn,
        &job(
            "pause",
            "t_pause",
            r#", "pause_on_fatal_parse_error" = "true""#,
        ),
    )
    .await;

    // Without the property: RUNNING, the parse error in OtherMsg, tasks aborted again and again
    // at offset 0, and neither the row before the bad message nor the ones after it loaded.
    let first = must_abort_tasks(&mut conn, "retry", 1).await;
    let again = must_abort_tasks(&mut conn, "retry", stat(&first, "abortedTaskNum") + 1).await;
    assert_eq!(again["State"], "RUNNING", "{again:?}");
    assert!(again["OtherMsg"].contains(ARRAY_WITHOUT_STRIP), "{again:?}");
    assert_eq!(again["ReasonOfStateChanged"], "", "{again:?}");
    assert_eq!(stat(&again, "committedTaskNum"), 0, "{again:?}");
    assert_eq!(stat(&again, "loadedRows"), 0, "{again:?}");
    assert!(
        again["JobProperties"].contains(r#""pause_on_fatal_parse_error":"false""#),
        "{}",
        again["JobProperties"]
    );
    must_count(&mut conn, "d.t_retry", 0, T).await;

    // With it: PAUSED with StarRocks's reason, nothing loaded.
    let paused = must_reach_state(&mut conn, "d.pause", "PAUSED", T).await;
    assert_eq!(
        paused["ReasonOfStateChanged"],
        format!(
            "ErrorReason{{errCode = 5611, msg='{ARRAY_WITHOUT_STRIP}. Check the 'TrackingSQL' field for detailed information.'}}"
        )
    );
    assert!(
        paused["JobProperties"].contains(r#""pause_on_fatal_parse_error":"true""#),
        "{}",
        paused["JobProperties"]
    );
    must_count(&mut conn, "d.t_pause", 0, T).await;

    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn lambdas_in_columns_and_where_load_json_arrays() -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    broker.create_topic("la", 1).await?;
    broker
        .produce(
            "la",
            0,
            &[
                r#"{"id": 1, "arr": [3, 1, 2], "b": [10, 20, 30], "ctx": [{"type": "type0", "vid": "v0"}, {"type": "type1", "vid": "vid1"}], "m": {"a": {"type": "type2", "cid": "c2"}, "b": {"type": "type1", "cid": "cid1"}}}"#,
                r#"{"id": 2, "arr": [5, null, 12], "b": [1, 1, 1], "ctx": [], "m": {}}"#,
                r#"{"id": 3, "arr": [11], "b": [1], "ctx": [{"type": "type1", "vid": "v3"}], "m": {"x": {"type": "type1", "cid": "c3"}}}"#,
            ],
        )
        .await?;
    let cluster = Cluster::start(1).await?;
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE d").await;
    must_exec(&mut conn, "USE d").await;
    must_exec(
        &mut conn,
        "CREATE TABLE la (id int, arr array<int>, plus array<int>, big array<int>, \
         sorted array<int>, sums array<int>, has_big int, vid varchar(20), cid varchar(20)) \
         DUPLICATE KEY (id) DISTRIBUTED BY HASH(id) BUCKETS 1",
    )
    .await;
    must_exec(
        &mut conn,
        &format!(
            r#"CREATE ROUTINE LOAD d.la_job ON la
COLUMNS (id, arr, b, ctx, m,
    plus = array_map(x -> x + 1, arr),
    big = array_filter(x -> x > 2, arr),
    sorted = array_sortby(x -> -x, arr),
    sums = array_map((x, y) -> x + y, arr, b),
    has_big = any_match(x -> x > 10, arr),
    vid = get_json_string(array_filter(item -> get_json_string(item, '$.type')='type1', CAST(parse_json(ctx) AS ARRAY<JSON>))[1], '$.vid'),
    cid = get_json_string(map_values((map_filter((k, v)->get_json_string(v, '$.type')='type1', cast(parse_json(m) AS map<string,json>))))[1], '$.cid')),
WHERE all_match(x -> x IS NOT NULL, arr)
PROPERTIES ("format" = "json")
FROM KAFKA ("kafka_broker_list" = "{}", "kafka_topic" = "la",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING")"#,
            broker.bootstrap()
        ),
    )
    .await;
    must_eventually_rows(
        &mut conn,
        "SELECT id, arr, plus, big, sorted, sums, has_big, vid, cid FROM la ORDER BY id",
        &[
            &[
                "1",
                "[3,1,2]",
                "[4,2,3]",
                "[3]",
                "[3,2,1]",
                "[13,21,32]",
                "0",
                "vid1",
                "cid1",
            ],
            &["3", "[11]", "[12]", "[11]", "[11]", "[12]", "1", "v3", "c3"],
        ],
        T,
    )
    .await;
    // Row 2 has a NULL element: WHERE's all_match is NULL, the row is unselected.
    let row = must_show(&mut conn, "la_job", "unselectedRows = 1", |r| {
        stat(r, "unselectedRows") == 1
    })
    .await;
    assert_eq!(stat(&row, "loadedRows"), 2, "{row:?}");
    assert!(
        row["JobProperties"].contains("plus=array_map(x -> `x` + 1, `arr`)"),
        "{}",
        row["JobProperties"]
    );
    Ok(())
}
