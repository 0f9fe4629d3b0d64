-- AGGREGATE KEY through routine load (issue 5 §2): rows with one key are merged by each value
-- column's function inside one batch, across versions and across tasks. SUM/MAX/MIN ignore
-- NULL (NULL only while every value was NULL), REPLACE takes the later value even when it is
-- NULL, REPLACE_IF_NOT_NULL keeps the stored value when the new one is NULL (StarRocks
-- be/src/storage/column_aggregate_func.cpp). All rows go to one Kafka partition, so "later"
-- is message order.
-- name: aggregate_functions_across_batches_and_versions
-- create_topic: agg_${uuid} 1
-- produce: agg_${uuid} 0
-- > 1,10,5,5,a,x
-- > 1,20,7,3,b,\N
-- > 2,1,1,1,c,y
-- > 2,\N,\N,\N,\N,\N
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE t (
    k int NOT NULL,
    s bigint SUM NULL,
    mx int MAX NULL,
    mn int MIN NULL,
    r varchar(8) REPLACE NULL,
    rn varchar(8) REPLACE_IF_NOT_NULL NULL
) AGGREGATE KEY (k) DISTRIBUTED BY HASH(k) BUCKETS 2;
CREATE ROUTINE LOAD db_${uuid}.agg_job ON t
COLUMNS TERMINATED BY ","
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "agg_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM t | c >= 2 | 120s
SELECT * FROM t ORDER BY k;
-- produce: agg_${uuid} 0
-- > 1,5,9,1,\N,z
-- > 3,\N,\N,\N,d,\N
-- wait: SELECT count(*) AS c FROM t | c >= 3 | 120s
SELECT * FROM t ORDER BY k;
-- produce: agg_${uuid} 0
-- > 3,4,4,4,\N,w
-- > 4,0,0,0,e,e
-- wait: SELECT count(*) AS c FROM t | c >= 4 | 120s
SELECT * FROM t ORDER BY k;
SELECT sum(s), max(mx), min(mn) FROM t;
STOP ROUTINE LOAD FOR agg_job;
DROP DATABASE db_${uuid};

-- The seed's example_tbl2 (price SUM) loaded twice from the same messages: a second job
-- reads the topic again from the beginning, so every price doubles (issue 5 §2).
-- name: aggregate_seed_table_loaded_twice_doubles_prices
-- create_topic: orders2_${uuid} 5
-- produce: orders2_${uuid} 0
-- > {"commodity_id": "1", "customer_name": "Mark Twain", "country": "US","pay_time": 1589191487,"price": 875}
-- produce: orders2_${uuid} 3
-- > {"commodity_id": "2", "customer_name": "Oscar Wilde", "country": "UK","pay_time": 1589191487,"price": 895}
-- > {"commodity_id": "3", "customer_name": "Antoine de Saint-Exupéry","country": "France","pay_time": 1589191487,"price": 895}
CREATE DATABASE db_${uuid};
USE db_${uuid};
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
CREATE ROUTINE LOAD db_${uuid}.first_load ON example_tbl2
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
    "kafka_topic" = "orders2_${uuid}",
    "kafka_partitions" ="0,1,2,3,4",
    "property.kafka_default_offsets" = "OFFSET_BEGINNING"
);
-- wait: SELECT sum(price) AS c FROM example_tbl2 | c >= 2665 | 120s
SELECT * FROM example_tbl2 ORDER BY commodity_id;
CREATE ROUTINE LOAD db_${uuid}.second_load ON example_tbl2
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
    "kafka_topic" = "orders2_${uuid}",
    "kafka_partitions" ="0,1,2,3,4",
    "property.kafka_default_offsets" = "OFFSET_BEGINNING"
);
-- wait: SELECT sum(price) AS c FROM example_tbl2 | c >= 5330 | 120s
SELECT * FROM example_tbl2 ORDER BY commodity_id;
SELECT count(*), sum(price) FROM example_tbl2;
STOP ROUTINE LOAD FOR first_load;
STOP ROUTINE LOAD FOR second_load;
DROP DATABASE db_${uuid};
