//! SHOW LOAD and `information_schema.loads` with the real binaries: every INSERT that began
//! its transaction is a load job, FINISHED or CANCELLED (strict mode) with StarRocks's cells,
//! SHOW LOAD's WHERE / ORDER BY / LIMIT select and order them as StarRocks does, and the jobs
//! survive a kill -9 of the FE.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use mysql_async::prelude::Queryable;
use starload_compat_tests::sql::{must_error, must_exec, must_query, server_error, QueryOutput};
use starload_compat_tests::Cluster;

/// SHOW LOAD's titles in StarRocks 3.4 (`LoadProcDir.TITLE_NAMES`).
const TITLES: [&str; 21] = [
    "JobId",
    "Label",
    "State",
    "Progress",
    "Type",
    "Priority",
    "ScanRows",
    "FilteredRows",
    "UnselectedRows",
    "SinkRows",
    "EtlInfo",
    "TaskInfo",
    "ErrorMsg",
    "CreateTime",
    "EtlStartTime",
    "EtlFinishTime",
    "LoadStartTime",
    "LoadFinishTime",
    "TrackingSQL",
    "JobDetails",
    "Warehouse",
];

fn col(out: &QueryOutput, name: &str) -> Vec<String> {
    let c = out.col(name).unwrap();
    out.rows.iter().map(|r| r[c].clone()).collect()
}

fn is_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

#[tokio::test(flavor = "multi_thread")]
async fn show_load_lists_insert_jobs_and_survives_restart() -> anyhow::Result<()> {
    let mut cluster = Cluster::start(1).await?;
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE sl").await;
    must_exec(
        &mut conn,
        r#"CREATE TABLE sl.t (k int NOT NULL, v varchar(5))
DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 2
PROPERTIES ("replication_num" = "1")"#,
    )
    .await;

    // A VALUES insert (generated label), a labelled INSERT ... SELECT, and a strict-mode
    // failure (NULL into a NOT NULL column).
    must_exec(&mut conn, "INSERT INTO sl.t VALUES (1, 'a'), (2, 'b')").await;
    must_exec(
        &mut conn,
        "INSERT INTO sl.t WITH LABEL my_copy_1 SELECT k + 10, v FROM sl.t",
    )
    .await;
    let e = conn
        .query_drop("INSERT INTO sl.t WITH LABEL bad_rows VALUES (3, 'c'), (NULL, 'd')")
        .await
        .unwrap_err();
    let s = server_error(&e).unwrap();
    assert_eq!(s.code, 5025, "{s:?}");
    let tracking_url = s.message.split("tracking_url=").nth(1).unwrap().to_string();

    // Listed as soon as the statements answered, in JobId order.
    let out = must_query(&mut conn, "SHOW LOAD FROM sl").await;
    assert_eq!(out.columns, TITLES);
    assert_eq!(out.rows.len(), 3, "{out:?}");
    let ids: Vec<i64> = col(&out, "JobId")
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let labels = col(&out, "Label");
    assert!(labels[0].starts_with("insert_"), "{labels:?}");
    assert_eq!(labels[1..], ["my_copy_1", "bad_rows"]);
    assert_eq!(col(&out, "State"), ["FINISHED", "FINISHED", "CANCELLED"]);
    assert_eq!(
        col(&out, "Progress"),
        [
            "ETL:100%; LOAD:100%",
            "ETL:100%; LOAD:100%",
            "ETL:N/A; LOAD:N/A"
        ]
    );
    assert_eq!(col(&out, "Type"), ["INSERT"; 3]);
    assert_eq!(col(&out, "Priority"), ["NORMAL"; 3]);
    // VALUES has no scan (ScanRows 0); the SELECT read the two rows.
    assert_eq!(col(&out, "ScanRows"), ["0", "2", "0"]);
    assert_eq!(col(&out, "FilteredRows"), ["0", "0", "1"]);
    assert_eq!(col(&out, "UnselectedRows"), ["0", "0", "0"]);
    assert_eq!(col(&out, "SinkRows")[..2], ["2", "2"]);
    assert_eq!(col(&out, "EtlInfo"), ["NULL"; 3]);
    assert_eq!(
        col(&out, "TaskInfo"),
        ["resource:N/A; timeout(s):14400; max_filter_ratio:0.0"; 3]
    );
    assert_eq!(
        col(&out, "ErrorMsg"),
        ["NULL", "NULL", "type:LOAD_RUN_FAIL; msg:Cancelled"]
    );
    for t in [
        "CreateTime",
        "EtlStartTime",
        "EtlFinishTime",
        "LoadStartTime",
        "LoadFinishTime",
    ] {
        assert!(col(&out, t).iter().all(|v| is_time(v)), "{t}: {out:?}");
    }
    assert_eq!(
        col(&out, "TrackingSQL"),
        [
            String::new(),
            String::new(),
            format!(
                "select tracking_log from information_schema.load_tracking_logs where job_id={}",
                ids[2]
            )
        ]
    );
    let details = col(&out, "JobDetails");
    assert!(
        details[1].starts_with("{\"All backends\":{\"")
            && details[1].contains(
                "\"FileNumber\":0,\"FileSize\":0,\"InternalTableLoadBytes\":0,\"InternalTableLoadRows\":2,\"ScanBytes\":0,\"ScanRows\":2,\"TaskNumber\":1,\"Unfinished backends\":{\""
            ),
        "{details:?}"
    );
    assert_eq!(col(&out, "Warehouse"), ["default_warehouse"; 3]);

    // WHERE, ORDER BY, LIMIT (the current database when no FROM).
    must_exec(&mut conn, "USE sl").await;
    let labels_of = |out: QueryOutput| col(&out, "Label");
    assert_eq!(
        labels_of(must_query(&mut conn, r#"SHOW LOAD WHERE LABEL = "my_copy_1""#).await),
        ["my_copy_1"]
    );
    // LIKE keeps labels containing the text (StarRocks's LoadMgr: String.contains).
    assert_eq!(
        labels_of(must_query(&mut conn, r#"SHOW LOAD WHERE LABEL LIKE "copy""#).await),
        ["my_copy_1"]
    );
    assert_eq!(
        labels_of(must_query(&mut conn, "SHOW LOAD WHERE STATE = 'cancelled'").await),
        ["bad_rows"]
    );
    assert_eq!(
        labels_of(
            must_query(
                &mut conn,
                r#"SHOW LOAD WHERE LABEL LIKE "_" AND STATE = "FINISHED""#
            )
            .await
        ),
        labels[..2]
    );
    assert_eq!(
        labels_of(must_query(&mut conn, "SHOW LOAD ORDER BY Label").await),
        ["bad_rows", labels[0].as_str(), "my_copy_1"]
    );
    assert_eq!(
        col(
            &must_query(&mut conn, "SHOW LOAD ORDER BY JobId DESC LIMIT 2").await,
            "JobId"
        ),
        [ids[2].to_string(), ids[1].to_string()]
    );
    assert_eq!(
        col(
            &must_query(&mut conn, "SHOW LOAD LIMIT 1 OFFSET 1").await,
            "JobId"
        ),
        [ids[1].to_string()]
    );
    assert_eq!(
        col(
            &must_query(&mut conn, "SHOW LOAD LIMIT 1, 5").await,
            "JobId"
        ),
        [ids[1].to_string(), ids[2].to_string()]
    );

    // StarRocks's errors.
    must_error(
        &mut conn,
        "SHOW LOAD FROM nosuch",
        5501,
        "Getting analyzing error. Detail message: Unknown database 'nosuch'.",
    )
    .await;
    must_error(
        &mut conn,
        "SHOW LOAD WHERE STATE = 'RUNNING'",
        1064,
        "Getting analyzing error. Detail message: Where clause should looks like: LABEL = \"your_load_label\", or LABEL LIKE \"matcher\",  or STATE = \"PENDING|ETL|LOADING|FINISHED|CANCELLED|QUEUEING\",  or compound predicate with operator AND.",
    )
    .await;
    must_error(
        &mut conn,
        "SHOW LOAD ORDER BY time",
        1064,
        "Getting analyzing error. Detail message: Title name[time] does not exist.",
    )
    .await;
    let mut no_db = cluster.conn().await?;
    must_error(
        &mut no_db,
        "SHOW LOAD",
        1046,
        "Getting analyzing error. Detail message: No database selected.",
    )
    .await;

    // information_schema.loads: the same jobs, with the tracking URL.
    let loads_sql = "SELECT JOB_ID, LABEL, DATABASE_NAME, STATE, PROGRESS, TYPE, SINK_ROWS, \
                     ETL_INFO, TASK_INFO, ERROR_MSG, TRACKING_URL, REJECTED_RECORD_PATH \
                     FROM information_schema.loads WHERE DATABASE_NAME = 'sl' ORDER BY JOB_ID";
    let loads = must_query(&mut conn, loads_sql).await;
    assert_eq!(
        col(&loads, "JOB_ID"),
        ids.iter().map(i64::to_string).collect::<Vec<_>>()
    );
    assert_eq!(col(&loads, "LABEL"), labels);
    assert_eq!(col(&loads, "STATE"), ["FINISHED", "FINISHED", "CANCELLED"]);
    assert_eq!(col(&loads, "ETL_INFO"), ["", "", ""]);
    assert_eq!(
        col(&loads, "ERROR_MSG"),
        ["NULL", "NULL", "type:LOAD_RUN_FAIL; msg:Cancelled"]
    );
    assert_eq!(
        col(&loads, "TRACKING_URL"),
        ["NULL", "NULL", tracking_url.as_str()]
    );
    assert_eq!(col(&loads, "REJECTED_RECORD_PATH"), ["NULL"; 3]);

    // DELETE and INSERT OVERWRITE are INSERT jobs too (StarRocks runs both through the
    // INSERT path); another database's jobs are not listed in this one's.
    must_exec(&mut conn, "CREATE DATABASE sl2").await;
    must_exec(
        &mut conn,
        r#"CREATE TABLE sl2.pk (id int NOT NULL, v varchar(5))
PRIMARY KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 1
PROPERTIES ("replication_num" = "1")"#,
    )
    .await;
    must_exec(&mut conn, "INSERT INTO sl2.pk VALUES (1, 'a'), (2, 'b')").await;
    must_exec(&mut conn, "DELETE FROM sl2.pk WHERE id = 2").await;
    must_exec(
        &mut conn,
        "INSERT OVERWRITE sl2.pk WITH LABEL ow1 SELECT id, 'x' FROM sl2.pk",
    )
    .await;
    let other = must_query(&mut conn, "SHOW LOAD FROM sl2").await;
    let other_labels = col(&other, "Label");
    assert!(
        other_labels[0].starts_with("insert_") && other_labels[1].starts_with("delete_"),
        "{other_labels:?}"
    );
    assert_eq!(other_labels[2], "ow1");
    assert_eq!(col(&other, "State"), ["FINISHED"; 3]);
    assert_eq!(col(&other, "Type"), ["INSERT"; 3]);
    assert_eq!(col(&other, "SinkRows"), ["2", "1", "1"]);
    assert_eq!(
        must_query(&mut conn, "SHOW LOAD FROM sl").await.rows.len(),
        3
    );

    // kill -9 the FE: the jobs are still listed, cell for cell.
    let before = must_query(&mut conn, "SHOW LOAD FROM sl").await;
    drop(conn);
    drop(no_db);
    cluster.restart_fe().await?;
    let mut conn = cluster.conn().await?;
    let after = must_query(&mut conn, "SHOW LOAD FROM sl").await;
    assert_eq!(after, before);
    assert_eq!(must_query(&mut conn, loads_sql).await, loads);
    // A job after the restart takes a new, larger id.
    must_exec(
        &mut conn,
        "INSERT INTO sl.t WITH LABEL after_restart VALUES (9, 'z')",
    )
    .await;
    let out = must_query(
        &mut conn,
        r#"SHOW LOAD FROM sl WHERE LABEL = "after_restart""#,
    )
    .await;
    let id: i64 = out.get(0, "JobId").unwrap().parse()?;
    assert!(id > ids[2], "{id} after {ids:?}");
    assert_eq!(out.get(0, "SinkRows"), Some("1"));
    Ok(())
}
