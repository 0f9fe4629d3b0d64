//! Users, roles and privileges through a real client (mysql_async) against the real FE and a
//! BE: logins (1045 texts), every grant and its denial (5203 with StarRocks's text), roles
//! and SET ROLE, SHOW GRANTS / SHOW USERS, SET PASSWORD, survival across an FE restart, and
//! that the metadata store never holds a plain-text password.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use mysql_async::Conn;
use starload_compat_tests::sql::{
    connect, must_error, must_exec, must_query, must_query_rows, mysql_url, server_error,
};
use starload_compat_tests::Cluster;

fn denied(privilege: &str, object: &str, active: &str, inactive: &str) -> String {
    format!(
        "Access denied; you need (at least one of) the {privilege} privilege(s) on {object} for this operation. Please ask the admin to grant permission(s) or try activating existing roles using <set [default] role>. Current role(s): {active}. Inactivated role(s): {inactive}."
    )
}

async fn login(c: &Cluster, user: &str, password: &str) -> Conn {
    connect(&mysql_url(c.query_port(), user, password, None))
        .await
        .unwrap_or_else(|e| panic!("login as {user}: {e}"))
}

async fn login_error(c: &Cluster, user: &str, password: &str) -> (u16, String) {
    match connect(&mysql_url(c.query_port(), user, password, None)).await {
        Ok(_) => panic!("login as {user} should fail"),
        Err(e) => {
            let e = e.downcast::<mysql_async::Error>().unwrap();
            let s = server_error(&e).unwrap_or_else(|| panic!("not a server error: {e}"));
            (s.code, s.message)
        }
    }
}

const TABLE: &str =
    "(k INT NOT NULL, v VARCHAR(20)) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1";

#[tokio::test(flavor = "multi_thread")]
async fn accounts_grants_roles_and_denials() -> anyhow::Result<()> {
    let mut cluster = Cluster::start(1).await?;
    let mut root = cluster.conn().await?;
    must_exec(&mut root, "CREATE DATABASE adb").await;
    must_exec(&mut root, &format!("CREATE TABLE adb.t1 {TABLE}")).await;
    must_exec(&mut root, &format!("CREATE TABLE adb.t2 {TABLE}")).await;

    // Accounts and logins.
    must_exec(&mut root, "CREATE USER 'alice' IDENTIFIED BY 'pw-alice-1'").await;
    must_exec(
        &mut root,
        "CREATE USER bob@'%' IDENTIFIED WITH mysql_native_password AS '*14E65567ABDB5135D0CFD9A70B3032C179A49EE7'",
    )
    .await;
    must_error(
        &mut root,
        "CREATE USER alice",
        1064,
        "Getting analyzing error. Detail message: user 'alice'@'%' already exists!.",
    )
    .await;
    assert_eq!(
        login_error(&cluster, "alice", "wrong").await,
        (
            1045,
            "Access denied for user 'alice' (using password: YES)".into()
        )
    );
    assert_eq!(
        login_error(&cluster, "alice", "").await,
        (
            1045,
            "Access denied for user 'alice' (using password: NO)".into()
        )
    );
    assert_eq!(
        login_error(&cluster, "nobody", "x").await,
        (
            1045,
            "Access denied for user 'nobody' (using password: YES)".into()
        )
    );
    // bob's hash is PASSWORD('secret').
    drop(login(&cluster, "bob", "secret").await);
    let mut alice = login(&cluster, "alice", "pw-alice-1").await;
    must_query_rows(&mut alice, "SELECT CURRENT_USER()", &[&["'alice'@'%'"]]).await;

    // A new user holds nothing.
    let none = |p: &str, o: &str| denied(p, o, "NONE", "NONE");
    must_error(
        &mut alice,
        &format!("CREATE TABLE adb.t3 {TABLE}"),
        5203,
        &none("CREATE TABLE", "DATABASE adb"),
    )
    .await;
    // (statement, privilege, object) StarRocks names in the denial.
    let denials: &[(&str, &str, &str)] = &[
        ("SELECT * FROM adb.t1", "SELECT", "TABLE t1"),
        (
            "CREATE DATABASE adb2",
            "CREATE DATABASE",
            "CATALOG default_catalog",
        ),
        ("DROP TABLE adb.t1", "DROP", "TABLE t1"),
        ("DROP DATABASE adb", "DROP", "DATABASE adb"),
        ("TRUNCATE TABLE adb.t1", "DELETE", "TABLE t1"),
        ("DESC adb.t1", "ANY", "TABLE t1"),
        ("USE adb", "ANY", "DATABASE adb"),
        ("ALTER SYSTEM ADD BACKEND \"127.0.0.1:1\"", "NODE", "SYSTEM"),
        ("SHOW BACKENDS", "OPERATE OR NODE", "SYSTEM"),
        (
            "ADMIN SET FRONTEND CONFIG (\"max_routine_load_task_num_per_be\" = \"8\")",
            "OPERATE",
            "SYSTEM",
        ),
        ("SET GLOBAL query_timeout = 100", "OPERATE", "SYSTEM"),
        ("CREATE USER carol", "GRANT", "SYSTEM"),
        ("SHOW USERS", "GRANT", "SYSTEM"),
        ("SHOW GRANTS FOR root", "GRANT", "SYSTEM"),
    ];
    for (sql, privilege, object) in denials {
        must_error(&mut alice, sql, 5203, &none(privilege, object)).await;
    }
    must_error(
        &mut alice,
        "SET PASSWORD FOR root = PASSWORD('x')",
        1064,
        "Getting analyzing error. Detail message: Can not set password for root user, except root itself.",
    )
    .await;
    // information_schema stays readable (the public role).
    must_query(
        &mut alice,
        "SELECT TABLE_NAME FROM information_schema.tables WHERE TABLE_SCHEMA = 'adb'",
    )
    .await;

    // Table grants: SELECT on t1 only; every table a query reads is checked.
    must_exec(&mut root, "GRANT SELECT ON adb.t1 TO alice").await;
    must_query_rows(&mut alice, "SELECT count(*) FROM adb.t1", &[&["0"]]).await;
    must_error(
        &mut alice,
        "SELECT * FROM adb.t2",
        5203,
        &none("SELECT", "TABLE t2"),
    )
    .await;
    must_error(
        &mut alice,
        "SELECT a.k FROM adb.t1 a JOIN adb.t2 b ON a.k = b.k",
        5203,
        &none("SELECT", "TABLE t2"),
    )
    .await;
    must_error(
        &mut alice,
        "SELECT k FROM adb.t1 WHERE k IN (SELECT k FROM adb.t2)",
        5203,
        &none("SELECT", "TABLE t2"),
    )
    .await;
    must_exec(&mut alice, "USE adb").await;
    must_query_rows(&mut alice, "SELECT count(*) FROM t1", &[&["0"]]).await;
    must_error(&mut alice, "DROP TABLE t1", 5203, &none("DROP", "TABLE t1")).await;

    // Database grant: CREATE TABLE, then DROP on the new table through ALL TABLES IN DATABASE.
    must_exec(
        &mut root,
        "GRANT CREATE TABLE ON DATABASE adb TO USER 'alice'@'%'",
    )
    .await;
    must_exec(&mut alice, &format!("CREATE TABLE adb.t3 {TABLE}")).await;
    must_exec(
        &mut root,
        "GRANT DROP, INSERT ON ALL TABLES IN DATABASE adb TO alice",
    )
    .await;
    must_exec(&mut alice, "DROP TABLE adb.t3").await;
    must_exec(
        &mut root,
        "GRANT CREATE DATABASE ON CATALOG default_catalog TO alice",
    )
    .await;
    must_exec(&mut alice, "CREATE DATABASE adb_alice").await;

    let grants = [
        vec![
            "'alice'@'%'",
            "default_catalog",
            "GRANT SELECT ON TABLE adb.t1 TO USER 'alice'@'%'",
        ],
        vec![
            "'alice'@'%'",
            "default_catalog",
            "GRANT DROP, INSERT ON ALL TABLES IN DATABASE adb TO USER 'alice'@'%'",
        ],
        vec![
            "'alice'@'%'",
            "default_catalog",
            "GRANT CREATE TABLE ON DATABASE adb TO USER 'alice'@'%'",
        ],
        vec![
            "'alice'@'%'",
            "default_catalog",
            "GRANT CREATE DATABASE ON CATALOG default_catalog TO USER 'alice'@'%'",
        ],
    ];
    let own = must_query(&mut alice, "SHOW GRANTS").await;
    assert_eq!(own.columns, ["UserIdentity", "Catalog", "Grants"]);
    let mut want: Vec<Vec<String>> = grants
        .iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect();
    // Fuzzy objects sort before named ones within TABLE (TablePEntryObject.compareTo).
    want.swap(0, 1);
    assert_eq!(own.rows, want);
    assert_eq!(
        must_query(&mut root, "SHOW GRANTS FOR alice").await.rows,
        want
    );
    must_query_rows(
        &mut root,
        "SHOW GRANTS",
        &[&["'root'@'%'", "NULL", "GRANT 'root' TO 'root'@'%'"]],
    )
    .await;

    // Invalid grants.
    must_error(
        &mut root,
        "GRANT CREATE TABLE ON TABLE adb.t1 TO alice",
        1064,
        "Getting analyzing error. Detail message: Cannot grant or revoke CREATE TABLE on 'TABLE' type object.",
    )
    .await;
    must_error(
        &mut root,
        "GRANT NODE ON SYSTEM TO alice",
        1064,
        "Getting analyzing error. Detail message: Operation not permitted, 'NODE' cannot be granted to user or role directly, use built-in role instead.",
    )
    .await;
    must_error(
        &mut root,
        "GRANT SELECT ON adb.nope TO alice",
        1064,
        "Getting analyzing error. Detail message: cannot find table nope in db adb.",
    )
    .await;
    must_error(
        &mut root,
        "GRANT SELECT ON adb.t1 TO ghost",
        1064,
        "Getting analyzing error. Detail message: cannot find user 'ghost'@'%'!.",
    )
    .await;

    // REVOKE takes effect on the live session.
    must_exec(&mut root, "REVOKE SELECT ON TABLE adb.t1 FROM alice").await;
    must_error(
        &mut alice,
        "SELECT * FROM adb.t1",
        5203,
        &none("SELECT", "TABLE t1"),
    )
    .await;

    // Roles: granted roles are inactive until SET ROLE or a default role.
    must_exec(&mut root, "CREATE ROLE reader").await;
    must_exec(&mut root, "GRANT SELECT ON adb.* TO ROLE reader").await;
    must_exec(&mut root, "GRANT reader TO alice").await;
    must_error(
        &mut alice,
        "SELECT * FROM adb.t1",
        5203,
        &denied("SELECT", "TABLE t1", "NONE", "[reader]"),
    )
    .await;
    must_exec(&mut alice, "SET ROLE reader").await;
    must_query_rows(&mut alice, "SELECT count(*) FROM adb.t2", &[&["0"]]).await;
    must_error(
        &mut alice,
        "DROP DATABASE adb",
        5203,
        &denied("DROP", "DATABASE adb", "[reader]", "NONE"),
    )
    .await;
    let mut alice2 = login(&cluster, "alice", "pw-alice-1").await;
    must_error(
        &mut alice2,
        "SELECT * FROM adb.t1",
        5203,
        &denied("SELECT", "TABLE t1", "NONE", "[reader]"),
    )
    .await;
    must_exec(&mut root, "SET DEFAULT ROLE reader TO alice").await;
    let mut alice3 = login(&cluster, "alice", "pw-alice-1").await;
    must_query_rows(&mut alice3, "SELECT count(*) FROM adb.t1", &[&["0"]]).await;
    must_query_rows(
        &mut root,
        "SHOW GRANTS FOR ROLE reader",
        &[&[
            "reader",
            "default_catalog",
            "GRANT SELECT ON ALL TABLES IN DATABASE adb TO ROLE 'reader'",
        ]],
    )
    .await;
    must_error(
        &mut alice,
        "SET ROLE db_admin",
        1064,
        "Getting analyzing error. Detail message: Role db_admin is not granted to 'alice'@'%'.",
    )
    .await;

    // Built-in roles: db_admin has OPERATE but not NODE; user_admin manages users.
    must_exec(&mut root, "GRANT db_admin, user_admin TO alice").await;
    must_exec(&mut alice, "SET ROLE ALL").await;
    must_query(&mut alice, "ADMIN SHOW FRONTEND CONFIG LIKE 'heartbeat%'").await;
    must_query(&mut alice, "SHOW BACKENDS").await;
    must_error(
        &mut alice,
        "ALTER SYSTEM ADD BACKEND \"127.0.0.1:1\"",
        5203,
        &denied("NODE", "SYSTEM", "[db_admin, reader, user_admin]", "NONE"),
    )
    .await;
    must_exec(&mut alice, "CREATE USER carol IDENTIFIED BY 'c'").await;
    must_exec(&mut alice, "DROP TABLE adb.t2").await;
    must_error(
        &mut alice,
        "GRANT root TO carol",
        1064,
        "Getting analyzing error. Detail message: Can not grant root or cluster_admin role except root user.",
    )
    .await;
    let users = must_query(&mut alice, "SHOW USERS").await;
    assert_eq!(users.columns, ["User"]);
    let mut names: Vec<String> = users.rows.into_iter().map(|r| r[0].clone()).collect();
    names.sort();
    assert_eq!(
        names,
        ["'alice'@'%'", "'bob'@'%'", "'carol'@'%'", "'root'@'%'"]
    );
    must_exec(&mut alice, "SET ROLE NONE").await;
    must_error(
        &mut alice,
        "CREATE USER dave",
        5203,
        &denied("GRANT", "SYSTEM", "NONE", "[db_admin, reader, user_admin]"),
    )
    .await;

    // Passwords: SET PASSWORD for oneself, ALTER USER by root; root cannot be dropped.
    must_exec(&mut alice, "SET PASSWORD = PASSWORD('pw-alice-2')").await;
    assert_eq!(login_error(&cluster, "alice", "pw-alice-1").await.0, 1045);
    drop(login(&cluster, "alice", "pw-alice-2").await);
    must_exec(&mut root, "ALTER USER carol IDENTIFIED BY 'pw-carol-2'").await;
    drop(login(&cluster, "carol", "pw-carol-2").await);
    must_error(
        &mut root,
        "DROP USER root",
        1064,
        "Getting analyzing error. Detail message: Operation DROP USER failed for 'root'@'%' : cannot drop user 'root'@'%'.",
    )
    .await;
    must_exec(&mut root, "DROP USER carol").await;
    assert_eq!(login_error(&cluster, "carol", "pw-carol-2").await.0, 1045);

    // Everything survives an FE restart; only hashes are stored.
    drop((alice, alice2, alice3, root));
    cluster.restart_fe().await?;
    let mut alice = login(&cluster, "alice", "pw-alice-2").await;
    must_query_rows(&mut alice, "SELECT count(*) FROM adb.t1", &[&["0"]]).await;
    let mut root = cluster.conn().await?;
    let after = must_query(&mut root, "SHOW GRANTS FOR alice").await;
    assert!(
        after
            .rows
            .iter()
            .any(|r| r[2] == "GRANT 'db_admin', 'reader', 'user_admin' TO 'alice'@'%'"),
        "{after:?}"
    );
    // Distinctive texts only: a short one such as `c2"` also matches random hex ids in the
    // store (a UUID ending in "c2" inside JSON), which made this check flaky.
    let meta = cluster.dir().join("fe").join("meta");
    for secret in ["pw-alice-1", "pw-alice-2", "pw-carol-2", "secret\""] {
        assert!(
            !dir_contains(&meta, secret.as_bytes()),
            "plain password {secret} found in the metadata store"
        );
    }
    assert!(
        dir_contains(&meta, b"alice"),
        "the scan must see the store's files"
    );
    Ok(())
}

/// True when any file under `dir` contains `needle`.
fn dir_contains(dir: &std::path::Path, needle: &[u8]) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if dir_contains(&p, needle) {
                return true;
            }
        } else if let Ok(bytes) = std::fs::read(&p) {
            if bytes.windows(needle.len()).any(|w| w == needle) {
                return true;
            }
        }
    }
    false
}
