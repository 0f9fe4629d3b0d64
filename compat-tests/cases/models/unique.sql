-- UNIQUE KEY through routine load (issue 5 §3): the latest row per key wins, within one batch
-- and across versions; a later NULL replaces the stored value (every value column is
-- REPLACE). All rows go to one Kafka partition, so "latest" is message order.
-- name: unique_latest_row_wins
-- create_topic: uniq_${uuid} 1
-- produce: uniq_${uuid} 0
-- > 1,a,1
-- > 1,b,2
-- > 2,c,3
-- > 3,x,9
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE t (
    k int NOT NULL,
    v1 varchar(8) NULL,
    v2 int NULL
) UNIQUE KEY (k) DISTRIBUTED BY HASH(k) BUCKETS 2;
CREATE ROUTINE LOAD db_${uuid}.uniq_job ON t
COLUMNS TERMINATED BY ","
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "uniq_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM t | c >= 3 | 120s
SELECT * FROM t ORDER BY k;
-- produce: uniq_${uuid} 0
-- > 2,d,\N
-- > 1,f,6
-- > 4,e,5
-- wait: SELECT count(*) AS c FROM t | c >= 4 | 120s
SELECT * FROM t ORDER BY k;
SELECT count(*) FROM t;
STOP ROUTINE LOAD FOR uniq_job;
DROP DATABASE db_${uuid};
