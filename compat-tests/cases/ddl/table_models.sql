-- The four table models, column types and DDL errors (frontend.md §3.2–3.6).
-- name: four_models
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE dup (k1 int, k2 varchar(10), v1 decimal(10, 2) NULL DEFAULT "10.5" COMMENT "v one") ENGINE=OLAP DUPLICATE KEY(k1, k2) DISTRIBUTED BY HASH(k1) BUCKETS 4 PROPERTIES ("replication_num" = "1");
CREATE TABLE agg (k1 int, v_sum bigint SUM, v_max int MAX, v_min int MIN, v_rep varchar(5) REPLACE, v_rinn int REPLACE_IF_NOT_NULL) AGGREGATE KEY(k1) DISTRIBUTED BY HASH(k1) BUCKETS 2 PROPERTIES ("replication_num" = "1");
CREATE TABLE uniq (k1 bigint, v1 varchar(20)) UNIQUE KEY(k1) DISTRIBUTED BY HASH(k1) BUCKETS 2 PROPERTIES ("replication_num" = "1");
CREATE TABLE pk (id bigint, name varchar(20), score double) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 2 PROPERTIES ("replication_num" = "1");
CREATE TABLE rnd (a int, b string) DUPLICATE KEY(a) DISTRIBUTED BY RANDOM BUCKETS 3 PROPERTIES ("replication_num" = "1");
CREATE TABLE types (c_bool boolean, c_tiny tinyint, c_small smallint, c_int int, c_big bigint, c_large largeint, c_float float, c_double double, c_dec decimal(20, 4), c_date date, c_dt datetime, c_char char(5), c_vc varchar(100), c_str string, c_json json) DUPLICATE KEY(c_bool) DISTRIBUTED BY HASH(c_int) BUCKETS 1 PROPERTIES ("replication_num" = "1");
SHOW TABLES;
DESC agg;
DESC pk;
DESC types;
SHOW CREATE TABLE dup;
SHOW CREATE TABLE agg;
SHOW CREATE TABLE pk;
SHOW CREATE TABLE types;
TRUNCATE TABLE dup;
SELECT count(*) FROM dup;
DROP DATABASE db_${uuid};

-- name: ddl_errors
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE t1 (k int, v int SUM) AGGREGATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1 PROPERTIES ("replication_num" = "1");
CREATE TABLE t1 (k int) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1 PROPERTIES ("replication_num" = "1");
CREATE TABLE IF NOT EXISTS t1 (k int) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1 PROPERTIES ("replication_num" = "1");
CREATE TABLE t2 (k int, k int) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1 PROPERTIES ("replication_num" = "1");
CREATE TABLE t3 (k int) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1 PROPERTIES ("replication_num" = "9");
SELECT * FROM no_such_table;
DROP TABLE no_such_table;
DESC no_such_table;
CREATE TABLE t4 (k int) DUPLICATE KEYS(k);
DROP DATABASE db_${uuid};
