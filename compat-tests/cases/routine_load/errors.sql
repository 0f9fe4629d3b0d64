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
