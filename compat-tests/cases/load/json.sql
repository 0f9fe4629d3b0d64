-- JSON options of routine load (issue 4 item 2; routine-load.md §8.2): simple mode (keys by
-- column name, missing keys NULL), jsonpaths matched to COLUMNS in order with nested paths and
-- array indexes, json_root, strip_outer_array (one message, many rows), conversion of JSON
-- numbers, strings, booleans, objects and arrays into column types, and messages that are not
-- one JSON object as error rows.
-- name: simple_mode_and_jsonpaths
-- create_topic: simple_${uuid} 1
-- create_topic: paths_${uuid} 1
-- produce: simple_${uuid} 0
-- > {"id": 1, "name": "ann", "city": "Oslo", "first_tag": "t", "score": 1.5}
-- > {"id": 2, "name": "bob", "unknown": "ignored"}
-- > {"score": 3, "id": 3, "city": null}
-- produce: paths_${uuid} 0
-- > {"meta": {"n": 2}, "data": {"rows": [{"id": 10, "user": {"name": "cid", "addr": {"city": "Rome"}}, "tags": ["t1", "t2"], "score": "2.5"}, {"id": 11, "user": {"name": "dan"}, "tags": [], "score": 3}]}}
-- > {"data": {"rows": [{"id": 12, "user": {"name": "eve", "addr": {"city": "Nice"}}, "tags": ["only"], "score": -0.5}]}}
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE t (id int, name varchar(20), city varchar(20), first_tag varchar(10), score double, missing varchar(10))
DUPLICATE KEY (id) DISTRIBUTED BY HASH(id) BUCKETS 2;
CREATE ROUTINE LOAD db_${uuid}.simple ON t
PROPERTIES ("format" = "json")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "simple_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
CREATE ROUTINE LOAD db_${uuid}.paths ON t
COLUMNS (id, name, city, first_tag, score, missing)
PROPERTIES (
    "format" = "json",
    "json_root" = "$.data.rows",
    "strip_outer_array" = "true",
    "jsonpaths" = "[\"$.id\", \"$.user.name\", \"$.user.addr.city\", \"$.tags[0]\", \"$.score\", \"$.no.such.key\"]"
)
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "paths_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM t | c >= 6 | 120s
SELECT * FROM t ORDER BY id;
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,Progress,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,CustomProperties,DataSourceProperties
-- json_keys: JobProperties format,jsonpaths,json_root,strip_outer_array
-- json_keys: Statistic totalRows,loadedRows,errorRows,unselectedRows
SHOW ROUTINE LOAD FOR paths;
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,JobProperties,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,CustomProperties,DataSourceProperties
-- json_keys: Statistic totalRows,loadedRows,errorRows,unselectedRows
SHOW ROUTINE LOAD FOR paths;
DROP DATABASE db_${uuid};

-- name: values_converted_to_column_types
-- create_topic: conv_${uuid} 1
-- produce: conv_${uuid} 0
-- > {"k": 1, "c_int": 12, "c_big": 9007199254740993, "c_bool": true, "c_dbl": 1e3, "c_dec": 3.14159, "c_str": {"x": [1, 2]}, "c_json": {"a": {"b": 1}}, "c_date": "2024-02-29", "c_dt": "2024-02-29 10:11:12"}
-- > {"k": 2, "c_int": "13", "c_big": "-42", "c_bool": "false", "c_dbl": "2.5", "c_dec": "7", "c_str": 42, "c_json": [1, "x"], "c_date": "20240301", "c_dt": "2024-03-01T01:02:03"}
-- > {"k": 3, "c_int": 2147483648, "c_bool": false, "c_dec": "123456789.1", "c_str": true, "c_json": "text", "c_date": "2023-02-29", "c_dt": "2024-01-01"}
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE t (k int, c_int int, c_big bigint, c_bool boolean, c_dbl double, c_dec decimal(10, 2),
                c_str varchar(40), c_json json, c_date date, c_dt datetime)
DUPLICATE KEY (k) DISTRIBUTED BY HASH(k) BUCKETS 1;
CREATE ROUTINE LOAD db_${uuid}.conv ON t
PROPERTIES ("format" = "json")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "conv_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM t | c >= 3 | 120s
SELECT * FROM t ORDER BY k;
DROP DATABASE db_${uuid};

-- name: unparsable_message_aborts_every_task
-- A message that does not parse (here an array without strip_outer_array) fails the task, as
-- StarRocks's JSON reader does: the job stays RUNNING, every task aborts at the same offset,
-- and no row of the topic is loaded or skipped (pause_on_fatal_parse_error would pause it).
-- create_topic: bad_${uuid} 1
-- produce: bad_${uuid} 0
-- > {"id": 1, "v": "first"}
-- > [{"id": 2, "v": "array without strip_outer_array"}]
-- > {"id": 3, "v": "truncated"
-- > 42
-- > not json at all
-- > {"id": 6, "v": "last"}
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE t (id int, v varchar(40)) DUPLICATE KEY (id) DISTRIBUTED BY HASH(id) BUCKETS 1;
CREATE ROUTINE LOAD db_${uuid}.bad ON t
PROPERTIES ("format" = "json", "max_error_number" = "100", "max_batch_interval" = "5")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "bad_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SHOW ROUTINE LOAD FOR bad | Statistic.abortedTaskNum >= 2 | 120s
SELECT count(*) FROM t;
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,JobProperties,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,CustomProperties,DataSourceProperties
-- json_keys: Statistic totalRows,loadedRows,errorRows,unselectedRows,committedTaskNum
SHOW ROUTINE LOAD FOR bad;
DROP DATABASE db_${uuid};
