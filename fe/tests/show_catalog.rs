//! The SHOW statements tools read, against the real binaries (one FE, one BE) through
//! mysql_async: DESC / DESC ALL of AGGREGATE and DUPLICATE tables (3.4's Extra column),
//! SHOW FULL COLUMNS, SHOW TABLE STATUS in the session's time zone, SHOW DATA, SHOW PROC
//! '/dbs', '/dbs/<id>', '/backends', '/frontends', and `SHOW FRONTEND CONFIG` (not StarRocks
//! grammar: its parse error). A second test checks which time zone a new routine load job
//! records: the session's, after `SET time_zone` or `SET GLOBAL time_zone`.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use mysql_async::prelude::Queryable;
use starload_compat_tests::sql::{
    csv_job_sql, must_error, must_exec, must_query, must_query_columns, must_query_rows,
    show_routine_load,
};
use starload_compat_tests::{Broker, Cluster};

fn col(out: &starload_compat_tests::sql::QueryOutput, name: &str) -> Vec<String> {
    let c = out
        .col(name)
        .unwrap_or_else(|| panic!("no column {name}: {:?}", out.columns));
    out.rows.iter().map(|r| r[c].clone()).collect()
}

/// `yyyy-MM-dd HH:mm:ss` -> seconds since an arbitrary epoch (enough to compare two zones).
fn seconds_of(s: &str) -> i64 {
    let t = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .unwrap_or_else(|e| panic!("not a time: {s}: {e}"));
    t.and_utc().timestamp()
}

#[tokio::test(flavor = "multi_thread")]
async fn show_statements_tools_read() -> anyhow::Result<()> {
    let cluster = Cluster::start(1).await?;
    let mut c = cluster.conn().await?;
    must_exec(&mut c, "CREATE DATABASE sc").await;
    must_exec(
        &mut c,
        r#"CREATE TABLE sc.agg (
  k int NOT NULL,
  v_sum bigint SUM DEFAULT "0",
  v_max int MAX,
  v_rep varchar(10) REPLACE
) AGGREGATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 2 PROPERTIES ("replication_num" = "1")"#,
    )
    .await;
    must_exec(
        &mut c,
        r#"CREATE TABLE sc.dup (
  k int NOT NULL,
  v int,
  ts datetime DEFAULT CURRENT_TIMESTAMP
) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 3 PROPERTIES ("replication_num" = "1")"#,
    )
    .await;

    // DESC hides an OLAP table's aggregate types (IndexInfoProcDir); DESC ALL prints them.
    let desc = must_query(&mut c, "DESC sc.agg").await;
    assert_eq!(
        desc.columns,
        ["Field", "Type", "Null", "Key", "Default", "Extra"]
    );
    assert_eq!(col(&desc, "Extra"), ["", "", "", ""]);
    assert_eq!(col(&desc, "Default"), ["NULL", "0", "NULL", "NULL"]);
    let all = must_query(&mut c, "DESC sc.agg ALL").await;
    assert_eq!(
        all.columns,
        [
            "IndexName",
            "IndexKeysType",
            "Field",
            "Type",
            "Null",
            "Key",
            "Default",
            "Extra"
        ]
    );
    assert_eq!(col(&all, "IndexKeysType")[0], "AGG_KEYS");
    assert_eq!(col(&all, "Extra"), ["", "SUM", "MAX", "REPLACE"]);
    assert_eq!(
        col(&must_query(&mut c, "DESC sc.dup ALL").await, "Extra"),
        ["", "NONE", "NONE,DEFAULT_GENERATED"]
    );
    assert_eq!(
        col(&must_query(&mut c, "DESC sc.dup").await, "Extra"),
        ["", "", "DEFAULT_GENERATED"]
    );

    // SHOW FULL COLUMNS: explicit aggregates only, Key YES/NO, FROM db and LIKE.
    let full = must_query(&mut c, "SHOW FULL COLUMNS FROM agg FROM sc LIKE 'v%'").await;
    assert_eq!(
        full.columns,
        [
            "Field",
            "Type",
            "Collation",
            "Null",
            "Key",
            "Default",
            "Extra",
            "Privileges",
            "Comment"
        ]
    );
    assert_eq!(col(&full, "Field"), ["v_sum", "v_max", "v_rep"]);
    assert_eq!(col(&full, "Extra"), ["SUM", "MAX", "REPLACE"]);
    assert_eq!(col(&full, "Key"), ["NO", "NO", "NO"]);
    assert_eq!(
        col(
            &must_query(&mut c, "SHOW COLUMNS FROM sc.dup").await,
            "Extra"
        ),
        ["", "", ""]
    );

    // SHOW TABLE STATUS: StarRocks's 18 titles; times follow the session's time zone.
    must_exec(&mut c, "SET time_zone = '+00:00'").await;
    let st = must_query(&mut c, "SHOW TABLE STATUS FROM sc LIKE 'ag%'").await;
    assert_eq!(st.columns.len(), 18);
    assert_eq!(st.columns[0], "Name");
    assert_eq!(st.columns[17], "Comment");
    let row = st.row_map(0).unwrap();
    assert_eq!(st.rows.len(), 1);
    assert_eq!(row["Name"], "agg");
    assert_eq!(row["Engine"], "StarRocks");
    assert_eq!(row["Version"], "NULL");
    assert_eq!(row["Row_format"], "");
    assert_eq!(row["Rows"], "0");
    assert_eq!(row["Max_data_length"], "NULL");
    assert_eq!(row["Collation"], "utf8_general_ci");
    assert_eq!(row["Create_options"], "");
    let utc_create = seconds_of(&row["Create_time"]);
    assert!(seconds_of(&row["Update_time"]) >= utc_create);
    must_exec(&mut c, "SET time_zone = 'Asia/Shanghai'").await;
    let st = must_query(&mut c, "SHOW TABLE STATUS FROM sc LIKE 'ag%'").await;
    assert_eq!(
        seconds_of(st.get(0, "Create_time").unwrap()) - utc_create,
        8 * 3600
    );
    // An unknown database lists nothing (ShowExecutor: no error).
    assert!(must_query(&mut c, "SHOW TABLE STATUS FROM nosuchdb")
        .await
        .rows
        .is_empty());

    // SHOW DATA: per table, then Total / Quota / Left; FROM names a table.
    must_exec(&mut c, "USE sc").await;
    must_query_rows(
        &mut c,
        "SHOW DATA",
        &[
            &["agg", "0.000 B", "2"],
            &["dup", "0.000 B", "3"],
            &["Total", "0.000 B", "5"],
            &["Quota", "8388608.000 TB", "9223372036854775807"],
            &["Left", "8388608.000 TB", "9223372036854775802"],
        ],
    )
    .await;
    must_query_columns(&mut c, "SHOW DATA", &["TableName", "Size", "ReplicaCount"]).await;
    let data = must_query(&mut c, "SHOW DATA FROM sc.agg").await;
    assert_eq!(
        data.columns,
        ["TableName", "IndexName", "Size", "ReplicaCount", "RowCount"]
    );
    assert_eq!(
        data.rows,
        [
            ["agg", "agg", "0.000 B", "2", "0"],
            ["", "Total", "0.000 B", "2", ""]
        ]
    );
    let e = c.query_drop("SHOW DATA FROM nosuch").await.unwrap_err();
    assert!(e.to_string().contains("nosuch"), "{e}");

    // SHOW PROC '/dbs' and '/dbs/<id>'.
    let dbs = must_query(&mut c, "SHOW PROC '/dbs'").await;
    assert_eq!(
        dbs.columns,
        [
            "DbId",
            "DbName",
            "TableNum",
            "Quota",
            "LastConsistencyCheckTime",
            "ReplicaQuota"
        ]
    );
    assert_eq!(col(&dbs, "DbName")[0], "information_schema");
    assert_eq!(col(&dbs, "DbId")[0], "1");
    let i = col(&dbs, "DbName").iter().position(|n| n == "sc").unwrap();
    let sc = dbs.row_map(i).unwrap();
    assert_eq!(
        (
            sc["TableNum"].as_str(),
            sc["Quota"].as_str(),
            sc["LastConsistencyCheckTime"].as_str(),
            sc["ReplicaQuota"].as_str()
        ),
        ("2", "8388608.000 TB", "NULL", "9223372036854775807")
    );
    for path in [format!("/dbs/{}", sc["DbId"]), "/dbs/sc/".to_string()] {
        let tables = must_query(&mut c, &format!("SHOW PROC '{path}'")).await;
        assert_eq!(tables.columns.len(), 11, "{path}");
        assert_eq!(col(&tables, "TableName"), ["agg", "dup"], "{path}");
        assert_eq!(col(&tables, "ReplicaCount"), ["2", "3"]);
        assert_eq!(col(&tables, "PartitionType"), ["UNPARTITIONED"; 2]);
        assert_eq!(col(&tables, "PartitionNum"), ["1", "1"]);
        assert_eq!(col(&tables, "State"), ["NORMAL", "NORMAL"]);
        assert_eq!(col(&tables, "Type"), ["OLAP", "OLAP"]);
        assert_eq!(col(&tables, "StoragePath"), ["NULL", "NULL"]);
    }
    must_error(
        &mut c,
        "SHOW PROC '/dbs/999999'",
        1064,
        "Getting analyzing error. Detail message: Unknown proc node path: /dbs/999999.",
    )
    .await;
    assert_eq!(
        must_query(&mut c, "SHOW PROC '/backends'").await.columns,
        must_query(&mut c, "SHOW BACKENDS").await.columns
    );
    assert_eq!(
        must_query(&mut c, "SHOW PROC '/frontends'")
            .await
            .rows
            .len(),
        1
    );

    // Only ADMIN SHOW FRONTEND CONFIG is StarRocks grammar.
    must_error(
        &mut c,
        "SHOW FRONTEND CONFIG LIKE '%query_port%'",
        1064,
        "Getting syntax error at line 1, column 5. Detail message: No viable statement for input 'SHOW FRONTEND'.",
    )
    .await;
    assert_eq!(
        must_query(&mut c, "ADMIN SHOW FRONTEND CONFIG LIKE 'query_port'")
            .await
            .rows
            .len(),
        1
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn routine_load_jobs_record_the_session_time_zone() -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    broker.create_topic("tz_topic", 1).await?;
    let cluster = Cluster::start(1).await?;
    let mut c = cluster.conn().await?;
    must_exec(&mut c, "CREATE DATABASE tz").await;
    must_exec(
        &mut c,
        r#"CREATE TABLE tz.t (k int, v varchar(10)) DUPLICATE KEY(k)
DISTRIBUTED BY HASH(k) BUCKETS 1 PROPERTIES ("replication_num" = "1")"#,
    )
    .await;
    must_exec(&mut c, "USE tz").await;
    let timezone = |row: std::collections::HashMap<String, String>| {
        let props: serde_json::Value = serde_json::from_str(&row["JobProperties"]).unwrap();
        props["timezone"].as_str().unwrap().to_string()
    };
    let job = |name: &str| csv_job_sql(name, "t", &broker.bootstrap(), "tz_topic", &[]);

    // Nothing set: the session's default, the FE host's zone (system_time_zone).
    let system = must_query(&mut c, "SELECT @@system_time_zone").await.rows[0][0].clone();
    must_exec(&mut c, &job("j_default")).await;
    let row = show_routine_load(&mut c, "j_default").await?.unwrap();
    assert_eq!(timezone(row), system);

    // SET time_zone: this session's jobs only.
    must_exec(&mut c, "SET time_zone = '+5:30'").await;
    must_exec(&mut c, &job("j_session")).await;
    let row = show_routine_load(&mut c, "j_session").await?.unwrap();
    assert_eq!(timezone(row), "+05:30");

    // SET GLOBAL time_zone: this session too (VariableMgr sets both) and every new session.
    must_exec(&mut c, "SET GLOBAL time_zone = 'Asia/Tokyo'").await;
    must_exec(&mut c, &job("j_global")).await;
    let row = show_routine_load(&mut c, "j_global").await?.unwrap();
    assert_eq!(timezone(row), "Asia/Tokyo");
    let mut fresh = cluster.conn_db("tz").await?;
    must_exec(&mut fresh, &job("j_fresh")).await;
    let row = show_routine_load(&mut fresh, "j_fresh").await?.unwrap();
    assert_eq!(timezone(row), "Asia/Tokyo");
    // The job property wins over the session.
    must_exec(
        &mut fresh,
        &job("j_prop").replace(
            "COLUMNS (k, v)",
            "COLUMNS (k, v)\nPROPERTIES (\"timezone\" = \"CST\")",
        ),
    )
    .await;
    let row = show_routine_load(&mut fresh, "j_prop").await?.unwrap();
    assert_eq!(timezone(row), "Asia/Shanghai");
    Ok(())
}
