-- information_schema as StarRocks 3.4 has it: the table list, columns of each table, rows of
-- tables_config / tables / columns, routine_load_jobs and load_tracking_logs of a job with
-- filtered rows, privilege filtering and bad input. The table list also has starload's
-- additive tables (routine_load_lag, routine_load_rejected_rows: issues 16 and 17).
-- name: table_list_and_columns
SHOW FULL TABLES FROM information_schema;
DESC information_schema.tables_config;
DESC information_schema.routine_load_jobs;
DESC information_schema.load_tracking_logs;
DESC information_schema.be_configs;
SELECT * FROM information_schema.task_runs;
SELECT * FROM information_schema.routines;
SELECT * FROM information_schema.statistics;
SELECT * FROM information_schema.materialized_views;
SELECT * FROM information_schema.views;
SELECT * FROM information_schema.character_sets;
SELECT * FROM information_schema.collations ORDER BY ID;
SELECT COUNT(*) > 0 FROM information_schema.engines;
SELECT COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE FROM information_schema.columns WHERE TABLE_SCHEMA = 'information_schema' AND TABLE_NAME = 'tables_config' ORDER BY ORDINAL_POSITION;

-- name: tables_config_models
CREATE DATABASE db_${uuid};
CREATE TABLE db_${uuid}.t_agg (k int, s bigint SUM) AGGREGATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 2 PROPERTIES ("replication_num" = "1");
CREATE TABLE db_${uuid}.t_dup (k int, d date, v varchar(10)) DUPLICATE KEY(k, d) PARTITION BY RANGE(d) (PARTITION p1 VALUES LESS THAN ("2024-01-01")) DISTRIBUTED BY RANDOM BUCKETS 3 PROPERTIES ("replication_num" = "1");
CREATE TABLE db_${uuid}.t_pk (id bigint NOT NULL, v int) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 1 ORDER BY (v) PROPERTIES ("replication_num" = "1");
CREATE TABLE db_${uuid}.t_uni (a int, b int, v int) UNIQUE KEY(a, b) DISTRIBUTED BY HASH(a, b) BUCKETS 4 PROPERTIES ("replication_num" = "1");
SELECT TABLE_NAME, TABLE_ENGINE, TABLE_MODEL, PRIMARY_KEY, PARTITION_KEY, DISTRIBUTE_KEY, DISTRIBUTE_TYPE, DISTRIBUTE_BUCKET, SORT_KEY FROM information_schema.tables_config WHERE TABLE_SCHEMA = 'db_${uuid}' ORDER BY TABLE_NAME;
SELECT table_name, column_name, column_key, data_type, column_type, is_nullable FROM information_schema.columns WHERE table_schema = 'db_${uuid}' ORDER BY table_name, ordinal_position;
SELECT TABLE_NAME, TABLE_TYPE, ENGINE FROM information_schema.tables WHERE TABLE_SCHEMA = 'db_${uuid}' ORDER BY TABLE_NAME LIMIT 18446744073709551615;
SELECT c.TABLE_NAME, t.TABLE_TYPE, c.TABLE_MODEL FROM information_schema.tables_config c JOIN information_schema.tables t ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME WHERE c.TABLE_SCHEMA = 'db_${uuid}' ORDER BY c.TABLE_NAME DESC LIMIT 2;
SELECT * FROM information_schema.tables_config WHERE nosuch = 1;
SELECT nosuch FROM information_schema.tables;
SELECT * FROM information_schema.nosuch_${uuid};
DROP DATABASE db_${uuid};

-- name: privilege_filtering
CREATE DATABASE db_${uuid};
CREATE TABLE db_${uuid}.seen (k int) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1 PROPERTIES ("replication_num" = "1");
CREATE TABLE db_${uuid}.hidden (k int) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1 PROPERTIES ("replication_num" = "1");
DROP USER IF EXISTS is_priv_u;
CREATE USER is_priv_u IDENTIFIED BY 'is_pw';
GRANT SELECT ON db_${uuid}.seen TO is_priv_u;
-- connect: is_priv_u is_pw
SELECT TABLE_NAME FROM information_schema.tables_config WHERE TABLE_SCHEMA = 'db_${uuid}';
SELECT TABLE_NAME FROM information_schema.tables WHERE TABLE_SCHEMA = 'db_${uuid}';
SELECT DISTINCT TABLE_NAME FROM information_schema.columns WHERE TABLE_SCHEMA = 'db_${uuid}';
SELECT DISTINCT TABLE_NAME FROM information_schema.partitions_meta WHERE DB_NAME = 'db_${uuid}';
SELECT SCHEMA_NAME FROM information_schema.schemata WHERE SCHEMA_NAME = 'db_${uuid}';
-- connect: root
DROP USER is_priv_u;
DROP DATABASE db_${uuid};

-- name: routine_load_job_and_tracking_logs
-- create_topic: is_${uuid} 1
-- produce: is_${uuid} 0
-- > 1,a
-- > x,bad_row
-- > 2,c
CREATE DATABASE db_${uuid};
CREATE TABLE db_${uuid}.t (k bigint NOT NULL, v varchar(20)) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1 PROPERTIES ("replication_num" = "1");
CREATE ROUTINE LOAD db_${uuid}.j ON t COLUMNS TERMINATED BY ",", COLUMNS (k, v) PROPERTIES ("max_error_number" = "10") FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "is_${uuid}", "kafka_partitions" = "0", "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM db_${uuid}.t | c = 2 | 60s
-- wait: SELECT OFFSET_LAG FROM information_schema.routine_load_jobs WHERE DB_NAME = 'db_${uuid}' AND ERROR_LOG_URLS != '' | OFFSET_LAG = {"0":"1"} | 60s
-- mask: ID,CREATE_TIME,TRACKING_SQL
SELECT ID, NAME, CREATE_TIME, PAUSE_TIME, END_TIME, DB_NAME, TABLE_NAME, STATE, DATA_SOURCE_TYPE, PROGRESS, TIMESTAMP_PROGRESS IS NOT NULL, REASONS_OF_STATE_CHANGED, TRACKING_SQL, OTHER_MSG, LATEST_SOURCE_POSITION, OFFSET_LAG FROM information_schema.routine_load_jobs WHERE DB_NAME = 'db_${uuid}';
SELECT j.NAME, c.TABLE_MODEL FROM information_schema.routine_load_jobs j JOIN information_schema.tables_config c ON j.DB_NAME = c.TABLE_SCHEMA AND j.TABLE_NAME = c.TABLE_NAME WHERE j.DB_NAME = 'db_${uuid}';
SELECT l.LABEL, l.DATABASE_NAME, l.TYPE, l.TRACKING_LOG LIKE 'Error: %x,bad_row%' FROM information_schema.load_tracking_logs l JOIN information_schema.routine_load_jobs j ON l.JOB_ID = j.ID WHERE j.DB_NAME = 'db_${uuid}';
STOP ROUTINE LOAD FOR db_${uuid}.j;
DROP DATABASE db_${uuid};
