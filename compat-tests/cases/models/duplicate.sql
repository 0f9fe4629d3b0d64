-- DUPLICATE KEY through routine load (issue 5 §1): every row is kept, duplicates included,
-- and one tablet returns its rows in sort-key order (k1, k2), not in arrival order.
-- name: duplicate_keeps_every_row
-- create_topic: dup_${uuid} 1
-- produce: dup_${uuid} 0
-- > 3,b,30
-- > 1,z,10
-- > 3,a,31
-- > 1,z,10
-- > 2,m,\N
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE t (
    k1 int NOT NULL,
    k2 varchar(8) NOT NULL,
    v int NULL
) DUPLICATE KEY (k1, k2) DISTRIBUTED BY HASH(k1) BUCKETS 1;
CREATE ROUTINE LOAD db_${uuid}.dup_job ON t
COLUMNS TERMINATED BY ","
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "dup_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM t | c >= 5 | 120s
SELECT * FROM t;
-- produce: dup_${uuid} 0
-- > 1,z,10
-- > 0,a,1
-- wait: SELECT count(*) AS c FROM t | c >= 7 | 120s
SELECT * FROM t ORDER BY k1, k2, v;
SELECT k1, k2, count(*) AS n, sum(v) FROM t GROUP BY k1, k2 ORDER BY k1, k2;
STOP ROUTINE LOAD FOR dup_job;
DROP DATABASE db_${uuid};
