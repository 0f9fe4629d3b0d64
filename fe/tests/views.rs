//! Views end to end with the real binaries (1 BE) through mysql_async: CREATE [OR REPLACE] /
//! ALTER / DROP VIEW, SELECT from a view (and a view over a view), SHOW CREATE VIEW / TABLE,
//! SHOW [FULL] TABLES, DESC, information_schema.{views,tables,columns}, StarRocks's errors,
//! SELECT privilege on a view alone, and that a view survives an FE restart.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use starload_compat_tests::sql::{must_error, must_exec, must_query, must_query_rows};
use starload_compat_tests::Cluster;

#[tokio::test(flavor = "multi_thread")]
async fn views_are_stored_queried_described_and_survive_a_restart() -> anyhow::Result<()> {
    let mut cluster = Cluster::start(1).await?;
    let mut c = cluster.conn().await?;
    must_exec(&mut c, "CREATE DATABASE vd").await;
    must_exec(
        &mut c,
        "CREATE TABLE vd.t (k INT NOT NULL, n VARCHAR(20), p DOUBLE) DUPLICATE KEY(k) \
         DISTRIBUTED BY HASH(k) BUCKETS 1",
    )
    .await;
    must_exec(
        &mut c,
        "INSERT INTO vd.t VALUES (1, 'fr', 10), (2, 'fr', 5), (3, 'de', 20)",
    )
    .await;
    must_exec(&mut c, "USE vd").await;
    must_exec(
        &mut c,
        "CREATE VIEW totals AS SELECT n, sum(p) AS total FROM t GROUP BY n",
    )
    .await;
    must_exec(
        &mut c,
        "CREATE VIEW vd.named (a COMMENT 'nation', b) COMMENT 'two' AS SELECT n, p FROM t",
    )
    .await;
    must_exec(
        &mut c,
        "CREATE VIEW big AS SELECT n FROM totals WHERE total > 16",
    )
    .await;

    must_query_rows(
        &mut c,
        "SELECT * FROM totals ORDER BY n",
        &[&["de", "20"], &["fr", "15"]],
    )
    .await;
    must_query_rows(
        &mut c,
        "SELECT a, b FROM vd.named WHERE b > 6 ORDER BY b",
        &[&["fr", "10"], &["de", "20"]],
    )
    .await;
    must_query_rows(&mut c, "SELECT * FROM big", &[&["de"]]).await;

    let show = must_query(&mut c, "SHOW CREATE VIEW named").await;
    assert_eq!(
        show.columns,
        [
            "View",
            "Create View",
            "character_set_client",
            "collation_connection"
        ]
    );
    assert_eq!(
        show.rows,
        [[
            "named",
            "CREATE VIEW `named` (`a` COMMENT \"nation\", `b`) COMMENT \"two\" AS SELECT n, p FROM t;",
            "utf8",
            "utf8_general_ci"
        ]]
    );
    let show = must_query(&mut c, "SHOW CREATE TABLE vd.totals").await;
    assert_eq!(show.columns[0], "View");
    must_query_rows(
        &mut c,
        "SHOW FULL TABLES",
        &[
            &["big", "VIEW"],
            &["named", "VIEW"],
            &["t", "BASE TABLE"],
            &["totals", "VIEW"],
        ],
    )
    .await;
    must_query_rows(
        &mut c,
        "DESC named",
        &[
            &["a", "varchar(65533)", "YES", "false", "NULL", ""],
            &["b", "double", "YES", "false", "NULL", ""],
        ],
    )
    .await;
    must_query_rows(
        &mut c,
        "SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, IS_UPDATABLE, CHARACTER_SET_CLIENT, \
         COLLATION_CONNECTION FROM information_schema.views WHERE TABLE_SCHEMA = 'vd' \
         AND TABLE_NAME <> 'big'",
        &[
            &[
                "named",
                "SELECT n, p FROM t",
                "NONE",
                "NO",
                "utf8",
                "utf8_general_ci",
            ],
            &[
                "totals",
                "SELECT n, sum(p) AS total FROM t GROUP BY n",
                "NONE",
                "NO",
                "utf8",
                "utf8_general_ci",
            ],
        ],
    )
    .await;
    must_query_rows(
        &mut c,
        "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.tables WHERE TABLE_SCHEMA = 'vd' \
         ORDER BY TABLE_NAME",
        &[
            &["big", "VIEW"],
            &["named", "VIEW"],
            &["t", "BASE TABLE"],
            &["totals", "VIEW"],
        ],
    )
    .await;
    must_query_rows(
        &mut c,
        "SELECT COLUMN_NAME, DATA_TYPE, IS_NULLABLE, COLUMN_COMMENT FROM information_schema.columns \
         WHERE TABLE_SCHEMA = 'vd' AND TABLE_NAME = 'named' ORDER BY ORDINAL_POSITION",
        &[&["a", "varchar", "YES", "nation"], &["b", "double", "YES", ""]],
    )
    .await;

    // StarRocks's errors.
    must_error(
        &mut c,
        "CREATE VIEW totals AS SELECT 1",
        1050,
        "Table 'totals' already exists",
    )
    .await;
    must_error(
        &mut c,
        "CREATE VIEW t AS SELECT 1",
        1050,
        "Table 't' already exists",
    )
    .await;
    must_error(
        &mut c,
        "CREATE VIEW bad AS SELECT nope FROM t",
        1064,
        "Getting analyzing error. Detail message: Column 'nope' cannot be resolved.",
    )
    .await;
    must_error(
        &mut c,
        "CREATE VIEW bad AS SELECT * FROM missing",
        5502,
        "Getting analyzing error. Detail message: Unknown table 'vd.missing'.",
    )
    .await;
    must_error(
        &mut c,
        "DROP VIEW t",
        1347,
        "Getting analyzing error. Detail message: 'vd'.'t' is not 'VIEW'.",
    )
    .await;
    must_error(
        &mut c,
        "DROP TABLE totals",
        1347,
        "Getting analyzing error. Detail message: 'vd'.'totals' is not 'TABLE'.",
    )
    .await;
    must_error(
        &mut c,
        "DROP VIEW nov",
        5502,
        "Getting analyzing error. Detail message: Unknown table 'nov'.",
    )
    .await;
    must_error(
        &mut c,
        "INSERT INTO totals VALUES ('x', 1)",
        1064,
        "Getting analyzing error. Detail message: Only support insert into olap table or mysql table or iceberg table.",
    )
    .await;
    must_exec(&mut c, "DROP VIEW IF EXISTS nov").await;
    must_exec(&mut c, "CREATE VIEW IF NOT EXISTS totals AS SELECT 1").await;

    // OR REPLACE and ALTER change the query; a view over it follows.
    must_exec(
        &mut c,
        "CREATE OR REPLACE VIEW totals AS SELECT n, max(p) AS total FROM t GROUP BY n",
    )
    .await;
    must_query_rows(&mut c, "SELECT * FROM big", &[&["de"]]).await;
    must_exec(
        &mut c,
        "ALTER VIEW totals AS SELECT n, sum(p) + 100 AS total FROM t GROUP BY n",
    )
    .await;
    must_query_rows(&mut c, "SELECT n FROM big ORDER BY n", &[&["de"], &["fr"]]).await;
    must_exec(&mut c, "DROP VIEW big").await;

    // SELECT on the view alone is enough to read it.
    must_exec(&mut c, "CREATE USER viewer IDENTIFIED BY 'pw-viewer-1'").await;
    let mut viewer = cluster.conn_as("viewer", "pw-viewer-1").await?;
    must_error(
        &mut viewer,
        "SELECT * FROM vd.t",
        5203,
        "Access denied; you need (at least one of) the SELECT privilege(s) on TABLE t for this operation. Please ask the admin to grant permission(s) or try activating existing roles using <set [default] role>. Current role(s): NONE. Inactivated role(s): NONE.",
    )
    .await;
    must_exec(&mut c, "GRANT SELECT ON vd.named TO viewer").await;
    must_query_rows(
        &mut viewer,
        "SELECT a FROM vd.named WHERE b = 20",
        &[&["de"]],
    )
    .await;
    must_query_rows(
        &mut viewer,
        "SELECT TABLE_NAME FROM information_schema.views WHERE TABLE_SCHEMA = 'vd'",
        &[&["named"]],
    )
    .await;
    drop(viewer);

    // The views are in the metadata store: they survive the FE's restart.
    drop(c);
    cluster.restart_fe().await?;
    let mut c = cluster.conn_db("vd").await?;
    must_query_rows(
        &mut c,
        "SELECT * FROM totals ORDER BY n",
        &[&["de", "120"], &["fr", "115"]],
    )
    .await;
    must_query_rows(
        &mut c,
        "SHOW FULL TABLES LIKE '%a%'",
        &[&["named", "VIEW"], &["totals", "VIEW"]],
    )
    .await;
    // DROP DATABASE takes its views along.
    must_exec(&mut c, "DROP DATABASE vd").await;
    must_exec(&mut c, "CREATE DATABASE vd").await;
    must_query_rows(
        &mut c,
        "SELECT TABLE_NAME FROM information_schema.views WHERE TABLE_SCHEMA = 'vd'",
        &[],
    )
    .await;
    Ok(())
}
