//! information_schema as StarRocks 3.4 has it, with the real binaries, a real broker (Tansu)
//! and a real MySQL client: a routine load job in routine_load_jobs with its lag, the
//! TrackingSQL of SHOW ROUTINE LOAD returning the job's error rows from the BE, tables_config
//! for the four table models, rows filtered by privilege, and bad input answered with
//! StarRocks's errors.

use starload_compat_tests::sql::{
    must_count, must_error, must_exec, must_query, must_reach_state, query, show_routine_load,
};
use starload_compat_tests::{Broker, Cluster};
use std::time::Duration;

const T: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread")]
async fn routine_load_jobs_lag_and_tracking_logs() -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    broker.create_topic("is_rows", 1).await?;
    // "x" is no BIGINT: with k NOT NULL the row is filtered and written to the error log.
    broker
        .produce("is_rows", 0, &["1,a", "x,bad_row", "2,c"])
        .await?;
    let cluster = Cluster::start(1).await?;
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE d").await;
    must_exec(
        &mut conn,
        "CREATE TABLE d.t (k bigint NOT NULL, v varchar(20)) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1",
    )
    .await;
    must_exec(
        &mut conn,
        &format!(
            r#"CREATE ROUTINE LOAD d.j ON t COLUMNS TERMINATED BY ",", COLUMNS (k, v)
PROPERTIES ("max_error_number" = "10")
FROM KAFKA ("kafka_broker_list" = "{}", "kafka_topic" = "is_rows", "kafka_partitions" = "0",
"property.kafka_default_offsets" = "OFFSET_BEGINNING")"#,
            broker.bootstrap()
        ),
    )
    .await;
    must_reach_state(&mut conn, "d.j", "RUNNING", T).await;
    must_count(&mut conn, "d.t", 2, T).await;

    // Poll until SHOW ROUTINE LOAD names the error log and the lag is known, then the system
    // table must say the same.
    let d = starload_compat_tests::poll::Deadline::after(T);
    let show = loop {
        let row = show_routine_load(&mut conn, "d.j")
            .await?
            .unwrap_or_default();
        let ready = row.get("TrackingSQL").is_some_and(|s| !s.is_empty())
            // Offsets 0..=2 consumed, high watermark 3: SHOW's lag is 3 - 2.
            && row.get("OffsetLag").map(String::as_str) == Some(r#"{"0":"1"}"#);
        if ready {
            break row;
        }
        assert!(
            d.wait().await,
            "SHOW ROUTINE LOAD never showed the error log: {row:?}"
        );
    };
    let out = must_query(
        &mut conn,
        "SELECT ID, NAME, DB_NAME, TABLE_NAME, STATE, DATA_SOURCE_TYPE, PROGRESS, OFFSET_LAG, \
         LATEST_SOURCE_POSITION, TRACKING_SQL, ERROR_LOG_URLS, CREATE_TIME IS NOT NULL, END_TIME \
         FROM information_schema.routine_load_jobs WHERE name = 'j'",
    )
    .await;
    assert_eq!(out.rows.len(), 1, "{out:?}");
    let r = &out.rows[0];
    assert_eq!(r[0], show["Id"]);
    assert_eq!(&r[1..6], &["j", "d", "t", "RUNNING", "KAFKA"]);
    assert_eq!(r[6], show["Progress"]);
    assert_eq!(r[7], show["OffsetLag"]);
    assert_eq!(r[8], show["LatestSourcePosition"]);
    assert_eq!(r[9], show["TrackingSQL"]);
    assert_eq!(r[10], show["ErrorLogUrls"]);
    assert_eq!((r[11].as_str(), r[12].as_str()), ("1", "NULL"));

    // The TrackingSQL itself returns the filtered row, read from the BE's error log.
    let tracking = must_query(&mut conn, &show["TrackingSQL"]).await;
    assert_eq!(tracking.columns, ["tracking_log"]);
    assert_eq!(tracking.rows.len(), 1, "{tracking:?}");
    assert!(
        tracking.rows[0][0].contains("x,bad_row") && tracking.rows[0][0].starts_with("Error: "),
        "{tracking:?}"
    );
    let all = must_query(
        &mut conn,
        &format!(
            "SELECT ID, JOB_ID, LABEL, DATABASE_NAME, TYPE FROM information_schema.load_tracking_logs WHERE job_id = {}",
            show["Id"]
        ),
    )
    .await;
    assert_eq!(
        all.rows,
        [[&show["Id"], &show["Id"], "j", "d", "ROUTINE_LOAD"]]
    );

    // Joins between system tables, ORDER BY and LIMIT.
    let joined = must_query(
        &mut conn,
        "SELECT j.NAME, c.TABLE_MODEL, c.DISTRIBUTE_KEY FROM information_schema.routine_load_jobs j \
         JOIN information_schema.tables_config c ON j.DB_NAME = c.TABLE_SCHEMA AND j.TABLE_NAME = c.TABLE_NAME \
         ORDER BY j.NAME LIMIT 5",
    )
    .await;
    assert_eq!(joined.rows, [["j", "DUP_KEYS", "`k`"]]);

    // A user without INSERT on the table does not see the job or its error rows.
    must_exec(&mut conn, "CREATE USER viewer IDENTIFIED BY 'pw'").await;
    must_exec(&mut conn, "GRANT SELECT ON d.t TO viewer").await;
    let mut viewer = cluster.conn_as("viewer", "pw").await?;
    let seen = must_query(
        &mut viewer,
        "SELECT NAME FROM information_schema.routine_load_jobs",
    )
    .await;
    assert!(seen.rows.is_empty(), "{seen:?}");
    let seen = must_query(&mut viewer, &show["TrackingSQL"]).await;
    assert!(seen.rows.is_empty(), "{seen:?}");
    // ... but does see the table it may read.
    let seen = must_query(
        &mut viewer,
        "SELECT TABLE_NAME FROM information_schema.tables_config WHERE TABLE_SCHEMA = 'd'",
    )
    .await;
    assert_eq!(seen.rows, [["t"]]);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn tables_config_models_privileges_and_bad_input() -> anyhow::Result<()> {
    let cluster = Cluster::start(1).await?;
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE d").await;
    for sql in [
        "CREATE TABLE d.t_agg (k int, s bigint SUM) AGGREGATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 2",
        "CREATE TABLE d.t_dup (k int, d date, v varchar(10)) DUPLICATE KEY(k, d) PARTITION BY RANGE(d) (PARTITION p1 VALUES LESS THAN (\"2024-01-01\")) DISTRIBUTED BY RANDOM BUCKETS 3",
        "CREATE TABLE d.t_pk (id bigint NOT NULL, v int) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 1 ORDER BY (v)",
        "CREATE TABLE d.t_uni (a int, b int, v int) UNIQUE KEY(a, b) DISTRIBUTED BY HASH(a, b) BUCKETS 4",
    ] {
        must_exec(&mut conn, sql).await;
    }
    let out = must_query(
        &mut conn,
        "SELECT TABLE_NAME, TABLE_ENGINE, TABLE_MODEL, PRIMARY_KEY, PARTITION_KEY, DISTRIBUTE_KEY, \
         DISTRIBUTE_TYPE, DISTRIBUTE_BUCKET, SORT_KEY FROM information_schema.tables_config \
         WHERE TABLE_SCHEMA = 'd' ORDER BY TABLE_NAME",
    )
    .await;
    assert_eq!(
        out.rows,
        [
            ["t_agg", "OLAP", "AGG_KEYS", "", "", "`k`", "HASH", "2", "`k`"],
            ["t_dup", "OLAP", "DUP_KEYS", "", "`d`", "", "RANDOM", "3", "`k`, `d`"],
            [
                "t_pk",
                "OLAP",
                "PRIMARY_KEYS",
                "`id`",
                "",
                "`id`",
                "HASH",
                "1",
                "`v`"
            ],
            [
                "t_uni",
                "OLAP",
                "UNIQUE_KEYS",
                "`a`, `b`",
                "",
                "`a`, `b`",
                "HASH",
                "4",
                "`a`, `b`"
            ],
        ]
    );
    // What the StarRocks SQLAlchemy dialect sends (lower-case names, bound strings); PROPERTIES
    // is a JSON object and TABLE_ID the table's id.
    let out = must_query(
        &mut conn,
        "SELECT * FROM information_schema.tables_config WHERE table_schema = 'd' AND table_name = 't_pk'",
    )
    .await;
    assert_eq!(out.rows.len(), 1);
    let props = out.get(0, "PROPERTIES").unwrap_or_default();
    assert!(
        props.starts_with('{') && props.contains(r#""replication_num":"#),
        "{props}"
    );
    assert!(out
        .get(0, "TABLE_ID")
        .is_some_and(|v| v.parse::<i64>().is_ok()));
    let keys = must_query(
        &mut conn,
        "SELECT COLUMN_NAME, COLUMN_KEY FROM information_schema.columns WHERE table_schema = 'd' AND table_name = 't_uni' ORDER BY ORDINAL_POSITION",
    )
    .await;
    assert_eq!(keys.rows, [["a", "UNI"], ["b", "UNI"], ["v", ""]]);

    // One list: SHOW TABLES, DESC, SELECT and information_schema.tables agree.
    let listed = must_query(&mut conn, "SHOW TABLES FROM information_schema").await;
    let in_tables = must_query(
        &mut conn,
        "SELECT TABLE_NAME FROM information_schema.tables WHERE TABLE_SCHEMA = 'information_schema' ORDER BY TABLE_NAME",
    )
    .await;
    assert_eq!(listed.rows, in_tables.rows);
    for want in [
        "routine_load_jobs",
        "tables_config",
        "load_tracking_logs",
        "be_configs",
        "task_runs",
        "routines",
        "statistics",
        "views",
        "materialized_views",
    ] {
        assert!(
            listed.rows.iter().any(|r| r[0] == want),
            "{want} not listed"
        );
    }
    for r in &listed.rows {
        let t = &r[0];
        let desc = must_query(&mut conn, &format!("DESC information_schema.{t}")).await;
        let sel = must_query(
            &mut conn,
            &format!("SELECT * FROM information_schema.{t} LIMIT 0"),
        )
        .await;
        let fields: Vec<&str> = desc.rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(sel.columns, fields, "{t}");
        let cols = must_query(
            &mut conn,
            &format!("SELECT COLUMN_NAME FROM information_schema.columns WHERE TABLE_SCHEMA = 'information_schema' AND TABLE_NAME = '{t}' ORDER BY ORDINAL_POSITION"),
        )
        .await;
        let names: Vec<&str> = cols.rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(names, fields, "{t}");
    }
    let be = must_query(
        &mut conn,
        "SELECT TYPE, `DEFAULT`, MUTABLE FROM information_schema.be_configs WHERE NAME = 'be_port'",
    )
    .await;
    assert_eq!(be.rows, [["int32", "9060", "0"]]);
    let var = must_query(
        &mut conn,
        "SELECT VARIABLE_VALUE FROM information_schema.session_variables WHERE VARIABLE_NAME = 'lower_case_table_names'",
    )
    .await;
    assert_eq!(var.rows, [["0"]]);

    // Privileges: a user sees only the tables it holds a privilege on.
    must_exec(&mut conn, "CREATE USER u1 IDENTIFIED BY 'pw'").await;
    must_exec(&mut conn, "GRANT SELECT ON d.t_pk TO u1").await;
    let mut u1 = cluster.conn_as("u1", "pw").await?;
    for sql in [
        "SELECT DISTINCT TABLE_NAME FROM information_schema.tables_config WHERE TABLE_SCHEMA = 'd'",
        "SELECT DISTINCT TABLE_NAME FROM information_schema.tables WHERE TABLE_SCHEMA = 'd'",
        "SELECT DISTINCT TABLE_NAME FROM information_schema.columns WHERE TABLE_SCHEMA = 'd'",
        "SELECT DISTINCT TABLE_NAME FROM information_schema.partitions_meta WHERE DB_NAME = 'd'",
    ] {
        let out = must_query(&mut u1, sql).await;
        assert_eq!(out.rows, [["t_pk"]], "{sql}");
    }

    // Bad input: StarRocks's analyzer error for a missing column, no crash on huge limits or
    // mistyped comparisons.
    must_error(
        &mut conn,
        "SELECT * FROM information_schema.tables_config WHERE nosuch = 1",
        1064,
        "Getting analyzing error. Detail message: Column 'nosuch' cannot be resolved.",
    )
    .await;
    must_error(
        &mut conn,
        "SELECT nosuch FROM information_schema.routine_load_jobs",
        1064,
        "Getting analyzing error. Detail message: Column 'nosuch' cannot be resolved.",
    )
    .await;
    // LIMIT beyond BIGINT: an error (StarRocks's parser takes a Java long), never a crash.
    let huge = query(
        &mut conn,
        "SELECT TABLE_NAME FROM information_schema.tables_config WHERE TABLE_SCHEMA = 'd' ORDER BY TABLE_NAME LIMIT 18446744073709551615",
    )
    .await;
    if let Err(e) = &huge {
        assert!(starload_compat_tests::sql::server_error(e).is_some(), "{e}");
    }
    let out = must_query(
        &mut conn,
        "SELECT TABLE_NAME FROM information_schema.tables_config WHERE TABLE_SCHEMA = 'd' ORDER BY TABLE_NAME LIMIT 9223372036854775807",
    )
    .await;
    assert_eq!(out.rows.len(), 4);
    let mistyped = query(
        &mut conn,
        "SELECT TABLE_NAME FROM information_schema.tables_config WHERE TABLE_ID = 'abc'",
    )
    .await;
    match mistyped {
        Ok(out) => assert!(out.rows.is_empty(), "{out:?}"),
        Err(e) => assert!(
            starload_compat_tests::sql::server_error(&e).is_some(),
            "not a server error: {e}"
        ),
    }
    must_error(
        &mut conn,
        "SELECT * FROM information_schema.nosuch",
        5502,
        "Getting analyzing error. Detail message: Unknown table 'information_schema.nosuch'.",
    )
    .await;
    // The FE is still serving.
    must_query(&mut conn, "SELECT 1").await;
    Ok(())
}
