-- Routine load statements on jobs that do not exist (frontend.md §6.3 "Other texts").
-- name: missing_job
CREATE DATABASE db_${uuid};
USE db_${uuid};
SHOW ROUTINE LOAD FOR no_such_job;
SHOW ROUTINE LOAD TASK WHERE JobName = "no_such_job";
PAUSE ROUTINE LOAD FOR no_such_job;
RESUME ROUTINE LOAD FOR no_such_job;
STOP ROUTINE LOAD FOR no_such_job;
SHOW ROUTINE LOAD;
DROP DATABASE db_${uuid};

-- name: create_on_missing_table
-- create_topic: t_${uuid} 1
CREATE DATABASE db_${uuid};
CREATE ROUTINE LOAD db_${uuid}.job1 ON no_such_table
COLUMNS TERMINATED BY ","
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "t_${uuid}");
DROP DATABASE db_${uuid};

-- name: errno_per_condition
-- One statement per error condition, with StarRocks 3.4's errno (compat-tests/ERRORS.md).
-- create_topic: t_${uuid} 1
CREATE DATABASE db_${uuid};
CREATE TABLE db_${uuid}.t (k int, v varchar(10)) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1;
CREATE ROUTINE LOAD no_such_db_${uuid}.job1 ON t
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "t_${uuid}");
CREATE ROUTINE LOAD db_${uuid}.1bad ON t
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "t_${uuid}");
CREATE ROUTINE LOAD db_${uuid}.job1 ON t PROPERTIES ("timezone" = "Mars/Base")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "t_${uuid}");
CREATE ROUTINE LOAD db_${uuid}.job1 ON t PROPERTIES ("bogus" = "1")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "t_${uuid}");
CREATE ROUTINE LOAD db_${uuid}.job1 ON t COLUMNS TERMINATED BY ","
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "t_${uuid}");
CREATE ROUTINE LOAD db_${uuid}.job1 ON t COLUMNS TERMINATED BY ","
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "t_${uuid}");
PAUSE ROUTINE LOAD FOR db_${uuid}.job1;
PAUSE ROUTINE LOAD FOR db_${uuid}.job1;
STOP ROUTINE LOAD FOR db_${uuid}.job1;
RESUME ROUTINE LOAD FOR db_${uuid}.job1;
SHOW ROUTINE LOAD FROM no_such_db_${uuid};
SET time_zone = 'Mars/Base';
DESC db_${uuid}.no_such_table;
INSERT INTO db_${uuid}.no_such_table VALUES (1);
INSERT INTO db_${uuid}.t (k, no_such_column) VALUES (1, 2);
SELECT no_such_column FROM db_${uuid}.t;
TRUNCATE TABLE db_${uuid}.no_such_table;
CREATE TABLE db_${uuid}.`` (k int) DISTRIBUTED BY HASH(k);
DROP DATABASE db_${uuid};

-- name: custom_partition_not_in_topic
-- kafka_partitions are checked against the topic while CREATE runs
-- (KafkaRoutineLoadJob.checkCustomPartition): a partition the topic lacks fails the statement.
-- create_topic: t_${uuid} 2
CREATE DATABASE db_${uuid};
CREATE TABLE db_${uuid}.t (k int, v varchar(10)) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1;
CREATE ROUTINE LOAD db_${uuid}.job1 ON t COLUMNS TERMINATED BY ","
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "t_${uuid}", "kafka_partitions" = "0,5");
CREATE ROUTINE LOAD db_${uuid}.job1 ON t COLUMNS TERMINATED BY ","
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "t_${uuid}", "kafka_partitions" = "1,0");
STOP ROUTINE LOAD FOR db_${uuid}.job1;
DROP DATABASE db_${uuid};
