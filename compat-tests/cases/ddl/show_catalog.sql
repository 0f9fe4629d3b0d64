-- The SHOW statements tools read (issue 14): DESC / DESC ALL Extra as StarRocks 3.4 prints
-- it, SHOW FULL COLUMNS, SHOW DATA, SHOW PROC '/dbs/<db>', and the parse error of the
-- non-StarRocks `SHOW FRONTEND CONFIG`.
-- name: desc_and_columns
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE agg (k1 int, v_sum bigint SUM DEFAULT "0", v_max int MAX, v_min int MIN, v_rep varchar(5) REPLACE, v_rinn int REPLACE_IF_NOT_NULL) AGGREGATE KEY(k1) DISTRIBUTED BY HASH(k1) BUCKETS 2 PROPERTIES ("replication_num" = "1");
CREATE TABLE dup (k1 int, v1 int, ts datetime DEFAULT CURRENT_TIMESTAMP) DUPLICATE KEY(k1) DISTRIBUTED BY HASH(k1) BUCKETS 3 PROPERTIES ("replication_num" = "1");
CREATE TABLE uniq (k1 bigint, v1 varchar(20)) UNIQUE KEY(k1) DISTRIBUTED BY HASH(k1) BUCKETS 2 PROPERTIES ("replication_num" = "1");
CREATE TABLE pk (id bigint, name varchar(20)) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 2 PROPERTIES ("replication_num" = "1");
DESC agg;
DESC agg ALL;
DESC dup;
DESC dup ALL;
DESC uniq ALL;
DESC pk ALL;
SHOW FULL COLUMNS FROM agg;
SHOW COLUMNS FROM dup FROM db_${uuid} LIKE '%1';
SHOW FULL FIELDS FROM uniq;
DROP DATABASE db_${uuid} FORCE;

-- name: show_data_and_proc
CREATE DATABASE db_${uuid};
USE db_${uuid};
SHOW DATA;
CREATE TABLE t2 (k int, v int) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 3 PROPERTIES ("replication_num" = "1");
CREATE TABLE t1 (k int, d date) DUPLICATE KEY(k) PARTITION BY RANGE(d) (PARTITION p1 VALUES LESS THAN ("2024-01-01"), PARTITION p2 VALUES LESS THAN ("2025-01-01")) DISTRIBUTED BY HASH(k) BUCKETS 2 PROPERTIES ("replication_num" = "1");
SHOW DATA;
SHOW DATA FROM t1;
SHOW DATA FROM db_${uuid}.t2;
SHOW PROC '/dbs/no_such_db_${uuid}';
SHOW PROC 'dbs';
SHOW PROC '/nothing';
SHOW TABLE STATUS FROM no_such_db_${uuid};
SHOW FRONTEND CONFIG LIKE '%query_port%';
SHOW FRONTEND CONFIG;
DROP DATABASE db_${uuid} FORCE;
