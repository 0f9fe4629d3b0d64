//! Routine load end to end with the real binaries and a real broker (Tansu, SQLite storage):
//! the seed's CSV and JSON examples verbatim (broker list replaced), exact rows loaded, SHOW
//! output, and exactly-once under PAUSE / RESUME and an FE kill -9 mid-stream.

use starload_compat_tests::sql::{
    must_count, must_exec, must_query, must_reach_state, show_routine_load,
};
use starload_compat_tests::{Broker, Cluster};
use std::time::Duration;

const T: Duration = Duration::from_secs(120);

const CSV_ROWS: [&str; 6] = [
    "2020050802,2020-05-08,Johann Georg Faust,Deutschland,male,895",
    "2020050802,2020-05-08,Julien Sorel,France,male,893",
    "2020050803,2020-05-08,Dorian Grey,UK,male,1262",
    "2020050901,2020-05-09,Anna Karenina\",Russia,female,175",
    "2020051001,2020-05-10,Tess Durbeyfield,US,female,986",
    "2020051101,2020-05-11,Edogawa Conan,japan,male,8924",
];

const CREATE_TABLE_1: &str = r#"CREATE TABLE example_db.example_tbl1 ( 
    `order_id` bigint NOT NULL COMMENT "Order ID",
    `pay_dt` date NOT NULL COMMENT "Payment date", 
    `customer_name` varchar(26) NULL COMMENT "Customer name", 
    `nationality` varchar(26) NULL COMMENT "Nationality", 
    `price`double NULL COMMENT "Price"
) 
ENGINE=OLAP 
DUPLICATE KEY (order_id,pay_dt) 
DISTRIBUTED BY HASH(`order_id`);"#;

fn create_job_1(broker: &str) -> String {
    format!(
        r#"CREATE ROUTINE LOAD example_db.example_tbl1_ordertest1 ON example_tbl1
COLUMNS TERMINATED BY ",",
COLUMNS (order_id, pay_dt, customer_name, nationality, temp_gender, price)
PROPERTIES
(
    "desired_concurrent_number" = "5"
)
FROM KAFKA
(
    "kafka_broker_list" = "{broker}",
    "kafka_topic" = "ordertest1",
    "kafka_partitions" = "0,1,2,3,4",
    "property.kafka_default_offsets" = "OFFSET_BEGINNING"
);"#
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn seed_csv_job_loads_every_row_exactly_once() -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    broker.create_topic("ordertest1", 5).await?;
    for (i, row) in CSV_ROWS.iter().enumerate() {
        broker.produce("ordertest1", (i % 5) as i32, &[row]).await?;
    }
    let cluster = Cluster::start(1).await?;
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE example_db").await;
    must_exec(&mut conn, CREATE_TABLE_1).await;
    must_exec(&mut conn, "USE example_db").await;
    must_exec(&mut conn, &create_job_1(&broker.bootstrap())).await;
    must_reach_state(
        &mut conn,
        "example_db.example_tbl1_ordertest1",
        "RUNNING",
        T,
    )
    .await;
    must_count(&mut conn, "example_db.example_tbl1", 6, T).await;

    // Progress shows the last consumed offset per partition: partition 0 got rows 0 and 5.
    let row = show_routine_load(&mut conn, "example_tbl1_ordertest1")
        .await?
        .ok_or_else(|| anyhow::anyhow!("job not shown"))?;
    assert_eq!(
        row["Progress"],
        r#"{"0":"1","1":"0","2":"0","3":"0","4":"0"}"#
    );
    assert!(
        row["Statistic"].contains(r#""loadedRows":6"#),
        "{}",
        row["Statistic"]
    );
    assert_eq!(row["DataSourceType"], "KAFKA");

    // PAUSE, produce more, RESUME: the new rows arrive once.
    must_exec(&mut conn, "PAUSE ROUTINE LOAD FOR example_tbl1_ordertest1").await;
    must_reach_state(&mut conn, "example_db.example_tbl1_ordertest1", "PAUSED", T).await;
    broker
        .produce("ordertest1", 2, &["2020051201,2020-05-12,A B,US,male,1"])
        .await?;
    must_exec(&mut conn, "RESUME ROUTINE LOAD FOR example_tbl1_ordertest1").await;
    must_count(&mut conn, "example_db.example_tbl1", 7, T).await;
    let out = must_query(
        &mut conn,
        "SHOW ROUTINE LOAD TASK WHERE JobName = \"example_tbl1_ordertest1\"",
    )
    .await;
    assert!(out.col("DataSourceProperties").is_some());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn fe_kill_mid_stream_loses_and_duplicates_nothing() -> anyhow::Result<()> {
    let broker = Broker::start().await?;
    broker.create_topic("t_kill", 2).await?;
    let mut cluster = Cluster::start(1).await?;
    let mut conn = cluster.conn().await?;
    must_exec(&mut conn, "CREATE DATABASE d").await;
    must_exec(
        &mut conn,
        "CREATE TABLE d.t (k bigint, v varchar(20)) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 2",
    )
    .await;
    must_exec(
        &mut conn,
        &format!(
            "CREATE ROUTINE LOAD d.j ON t COLUMNS TERMINATED BY ',' PROPERTIES (\"max_batch_interval\" = \"5\", \"task_consume_second\" = \"1\") \
             FROM KAFKA (\"kafka_broker_list\" = \"{}\", \"kafka_topic\" = \"t_kill\", \"property.kafka_default_offsets\" = \"OFFSET_BEGINNING\")",
            broker.bootstrap()
        ),
    )
    .await;
    let mut produced = 0u64;
    for round in 0..4 {
        let rows: Vec<String> = (0..50)
            .map(|i| format!("{},r{round}", round * 100 + i))
            .collect();
        broker.produce("t_kill", round % 2, &rows).await?;
        produced += rows.len() as u64;
        if round == 1 {
            cluster.kill_fe();
            cluster.restart_fe().await?;
            conn = cluster.conn().await?;
        }
    }
    must_count(&mut conn, "d.t", produced, Duration::from_secs(180)).await;
    let out = must_query(&mut conn, "SELECT count(DISTINCT k) FROM d.t").await;
    assert_eq!(out.rows[0][0], produced.to_string());
    Ok(())
}
