-- The seed's CSV example (ordertest1 → example_tbl1), statements verbatim except the broker
-- list. Needs a broker where topic ordertest1 does not exist yet (starload-compat starts a
-- fresh Tansu unless --broker is given).
-- name: seed_csv_ordertest1
-- create_topic: ordertest1 5
-- produce: ordertest1 0
-- > 2020050802,2020-05-08,Johann Georg Faust,Deutschland,male,895
-- > 2020050802,2020-05-08,Julien Sorel,France,male,893
-- produce: ordertest1 1
-- > 2020050803,2020-05-08,Dorian Grey,UK,male,1262
-- produce: ordertest1 2
-- > 2020050901,2020-05-09,Anna Karenina",Russia,female,175
-- produce: ordertest1 3
-- > 2020051001,2020-05-10,Tess Durbeyfield,US,female,986
-- produce: ordertest1 4
-- > 2020051101,2020-05-11,Edogawa Conan,japan,male,8924
CREATE DATABASE example_db;
CREATE TABLE example_db.example_tbl1 ( 
    `order_id` bigint NOT NULL COMMENT "Order ID",
    `pay_dt` date NOT NULL COMMENT "Payment date", 
    `customer_name` varchar(26) NULL COMMENT "Customer name", 
    `nationality` varchar(26) NULL COMMENT "Nationality", 
    `price`double NULL COMMENT "Price"
) 
ENGINE=OLAP 
DUPLICATE KEY (order_id,pay_dt) 
DISTRIBUTED BY HASH(`order_id`); 
CREATE ROUTINE LOAD example_db.example_tbl1_ordertest1 ON example_tbl1
COLUMNS TERMINATED BY ",",
COLUMNS (order_id, pay_dt, customer_name, nationality, temp_gender, price)
PROPERTIES
(
    "desired_concurrent_number" = "5"
)
FROM KAFKA
(
    "kafka_broker_list" = "${broker}",
    "kafka_topic" = "ordertest1",
    "kafka_partitions" = "0,1,2,3,4",
    "property.kafka_default_offsets" = "OFFSET_BEGINNING"
);
-- wait: SELECT count(*) AS c FROM example_db.example_tbl1 | c >= 6 | 120s
USE example_db;
SELECT * FROM example_tbl1 ORDER BY order_id, customer_name;
SELECT count(*) FROM example_tbl1;
-- wait: SHOW ROUTINE LOAD FOR example_tbl1_ordertest1 | Progress = {"0":"1","1":"0","2":"0","3":"0","4":"0"} | 60s
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,Statistic,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL
SHOW ROUTINE LOAD FOR example_tbl1_ordertest1;
PAUSE ROUTINE LOAD FOR example_tbl1_ordertest1;
-- wait: SHOW ROUTINE LOAD FOR example_tbl1_ordertest1 | State = PAUSED | 30s
RESUME ROUTINE LOAD FOR example_tbl1_ordertest1;
-- wait: SHOW ROUTINE LOAD FOR example_tbl1_ordertest1 | State = RUNNING | 60s
STOP ROUTINE LOAD FOR example_tbl1_ordertest1;
SHOW ROUTINE LOAD FOR example_tbl1_ordertest1;
SELECT count(*) FROM example_tbl1;
DROP DATABASE example_db;
