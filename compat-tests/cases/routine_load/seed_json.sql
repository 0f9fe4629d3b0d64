-- The seed's JSON example (ordertest2 → example_tbl2, AGGREGATE with price SUM), statements
-- verbatim except the broker list; then the seed's ALTER / PAUSE / RESUME / STOP section.
-- name: seed_json_ordertest2
-- create_topic: ordertest2 5
-- produce: ordertest2 0
-- > {"commodity_id": "1", "customer_name": "Mark Twain", "country": "US","pay_time": 1589191487,"price": 875}
-- produce: ordertest2 3
-- > {"commodity_id": "2", "customer_name": "Oscar Wilde", "country": "UK","pay_time": 1589191487,"price": 895}
-- > {"commodity_id": "3", "customer_name": "Antoine de Saint-Exupéry","country": "France","pay_time": 1589191487,"price": 895}
CREATE DATABASE example_db;
USE example_db;
CREATE TABLE `example_tbl2` ( 
    `commodity_id` varchar(26) NULL COMMENT "Commodity ID", 
    `customer_name` varchar(26) NULL COMMENT "Customer name", 
    `country` varchar(26) NULL COMMENT "Country", 
    `pay_time` bigint(20) NULL COMMENT "Payment time", 
    `pay_dt` date NULL COMMENT "Payment date", 
    `price`double SUM NULL COMMENT "Price"
) 
ENGINE=OLAP
AGGREGATE KEY(`commodity_id`,`customer_name`,`country`,`pay_time`,`pay_dt`) 
DISTRIBUTED BY HASH(`commodity_id`); 
CREATE ROUTINE LOAD example_db.example_tbl2_ordertest2 ON example_tbl2
COLUMNS(commodity_id, customer_name, country, pay_time, price, pay_dt=from_unixtime(pay_time, '%Y%m%d'))
PROPERTIES
(
    "desired_concurrent_number" = "5",
    "format" = "json",
    "jsonpaths" = "[\"$.commodity_id\",\"$.customer_name\",\"$.country\",\"$.pay_time\",\"$.price\"]"
 )
FROM KAFKA
(
    "kafka_broker_list" ="${broker}",
    "kafka_topic" = "ordertest2",
    "kafka_partitions" ="0,1,2,3,4",
    "property.kafka_default_offsets" = "OFFSET_BEGINNING"
);
-- wait: SELECT count(*) AS c FROM example_db.example_tbl2 | c >= 3 | 120s
SELECT * FROM example_tbl2 ORDER BY commodity_id;
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,Statistic,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL
SHOW ROUTINE LOAD FOR example_tbl2_ordertest2;
-- mask: TaskId,TxnId,TxnStatus,JobId,CreateTime,LastScheduledTime,ExecuteStartTime,BeId,DataSourceProperties,Message
SHOW ROUTINE LOAD TASK WHERE JobName = "example_tbl2_ordertest2";
ALTER ROUTINE LOAD FOR example_tbl2_ordertest2
PROPERTIES
(
    "desired_concurrent_number" = "6"
);
PAUSE ROUTINE LOAD FOR example_tbl2_ordertest2;
-- wait: SHOW ROUTINE LOAD FOR example_tbl2_ordertest2 | State = PAUSED | 30s
ALTER ROUTINE LOAD FOR example_tbl2_ordertest2
PROPERTIES
(
    "desired_concurrent_number" = "6"
);
RESUME ROUTINE LOAD FOR example_tbl2_ordertest2;
-- wait: SHOW ROUTINE LOAD FOR example_tbl2_ordertest2 | State = RUNNING | 60s
STOP ROUTINE LOAD FOR example_tbl2_ordertest2;
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,Statistic,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL
SHOW ALL ROUTINE LOAD FOR example_tbl2_ordertest2;
SELECT * FROM example_tbl2 ORDER BY commodity_id;
DROP DATABASE example_db;
