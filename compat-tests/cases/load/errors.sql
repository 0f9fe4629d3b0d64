-- Error accounting and thresholds (issue 4 item 6; routine-load.md §6, §3.4): Statistic
-- counters, max_error_number (the batch that crosses it is committed, then the job pauses with
-- StarRocks's exact ReasonOfStateChanged), max_filter_ratio (the batch is not loaded),
-- pause_on_fatal_parse_error, ErrorLogUrls served by the BE with the rejected rows, and RESUME
-- after ALTER continuing from the committed offset.
-- name: max_error_number_pauses_and_resume_continues
-- create_topic: me_${uuid} 1
-- produce: me_${uuid} 0
-- > 1,a
-- > 2
-- > 3,c
-- > 4,d,x
-- > 5
-- > 6,f
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE t (k int, v varchar(10)) DUPLICATE KEY (k) DISTRIBUTED BY HASH(k) BUCKETS 2;
CREATE ROUTINE LOAD db_${uuid}.me ON t COLUMNS TERMINATED BY ","
PROPERTIES ("max_error_number" = "2")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "me_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SHOW ROUTINE LOAD FOR me | State = PAUSED | 120s
-- wait: SELECT count(*) AS c FROM t | c >= 3 | 120s
SELECT * FROM t ORDER BY k;
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,JobProperties,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,CustomProperties,DataSourceProperties
-- json_keys: Statistic totalRows,loadedRows,errorRows,unselectedRows,committedTaskNum
SHOW ROUTINE LOAD FOR me;
-- error_log: me
ALTER ROUTINE LOAD FOR me PROPERTIES ("max_error_number" = "100");
RESUME ROUTINE LOAD FOR me;
-- produce: me_${uuid} 0
-- > 7,g
-- > 8
-- wait: SHOW ROUTINE LOAD FOR me | Statistic.totalRows >= 8 | 120s
-- wait: SELECT count(*) AS c FROM t | c >= 4 | 120s
SELECT * FROM t ORDER BY k;
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,JobProperties,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,CustomProperties,DataSourceProperties
-- json_keys: Statistic totalRows,loadedRows,errorRows,unselectedRows
SHOW ROUTINE LOAD FOR me;
DROP DATABASE db_${uuid};

-- name: max_filter_ratio_aborts_the_batch
-- create_topic: fr_${uuid} 1
-- produce: fr_${uuid} 0
-- > 1,a
-- > 2
-- > 3,c
-- > 4,d
-- > 5
-- > 6,f
-- > 7,g
-- > 8,h
-- > 9
-- > 10,j
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE t (k int, v varchar(10)) DUPLICATE KEY (k) DISTRIBUTED BY HASH(k) BUCKETS 2;
CREATE ROUTINE LOAD db_${uuid}.fr ON t COLUMNS TERMINATED BY ","
PROPERTIES ("max_error_number" = "100", "max_filter_ratio" = "0.2")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "fr_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SHOW ROUTINE LOAD FOR fr | State = PAUSED | 120s
SELECT count(*) FROM t;
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,JobProperties,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,CustomProperties,DataSourceProperties
-- json_keys: Statistic totalRows,loadedRows,errorRows,unselectedRows,committedTaskNum
SHOW ROUTINE LOAD FOR fr;
ALTER ROUTINE LOAD FOR fr PROPERTIES ("max_filter_ratio" = "0.5");
RESUME ROUTINE LOAD FOR fr;
-- wait: SELECT count(*) AS c FROM t | c >= 7 | 120s
SELECT * FROM t ORDER BY k;
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,JobProperties,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,CustomProperties,DataSourceProperties
-- json_keys: Statistic totalRows,loadedRows,errorRows,unselectedRows,committedTaskNum
SHOW ROUTINE LOAD FOR fr;
DROP DATABASE db_${uuid};

-- name: pause_on_fatal_parse_error
-- create_topic: pf_${uuid} 1
-- produce: pf_${uuid} 0
-- > [{"id": 1, "v": "a"}]
-- > [{"id": 2, "v": "b"}, {"id": 3, "v": "c"}]
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE t (id int, v varchar(10)) DUPLICATE KEY (id) DISTRIBUTED BY HASH(id) BUCKETS 2;
CREATE ROUTINE LOAD db_${uuid}.pf ON t
PROPERTIES ("format" = "json", "pause_on_fatal_parse_error" = "true", "max_error_number" = "100")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "pf_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SHOW ROUTINE LOAD FOR pf | State = PAUSED | 120s
SELECT count(*) FROM t;
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,JobProperties,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,CustomProperties,DataSourceProperties,Statistic
SHOW ROUTINE LOAD FOR pf;
ALTER ROUTINE LOAD FOR pf PROPERTIES ("strip_outer_array" = "true");
RESUME ROUTINE LOAD FOR pf;
-- wait: SELECT count(*) AS c FROM t | c >= 3 | 120s
SELECT * FROM t ORDER BY id;
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,CustomProperties,DataSourceProperties
-- json_keys: JobProperties strip_outer_array,pause_on_fatal_parse_error
-- json_keys: Statistic totalRows,loadedRows,errorRows,unselectedRows
SHOW ROUTINE LOAD FOR pf;
DROP DATABASE db_${uuid};

-- name: log_rejected_record_num_and_error_log_cap
-- create_topic: lr_${uuid} 1
-- produce: lr_${uuid} 0
-- > 1,a
-- > 2
-- > 3
-- > 4
-- > 5,e
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE t (k int, v varchar(10)) DUPLICATE KEY (k) DISTRIBUTED BY HASH(k) BUCKETS 2;
CREATE ROUTINE LOAD db_${uuid}.lr ON t COLUMNS TERMINATED BY ","
PROPERTIES ("max_error_number" = "100", "log_rejected_record_num" = "2")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "lr_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SHOW ROUTINE LOAD FOR lr | Statistic.totalRows >= 5 | 120s
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,Progress,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,CustomProperties,DataSourceProperties
-- json_keys: JobProperties log_rejected_record_num
-- json_keys: Statistic totalRows,loadedRows,errorRows,unselectedRows
SHOW ROUTINE LOAD FOR lr;
-- error_log: lr
DROP DATABASE db_${uuid};
