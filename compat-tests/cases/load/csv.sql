-- CSV options of routine load (issue 4 item 1; routine-load.md §8.1): separators given as hex,
-- as multi-byte UTF-8, tab, pipe and 50 bytes long; a multi-byte row delimiter; `\N` is NULL and
-- an empty field an empty string; several rows in one message; enclose, escape, trim_space;
-- a row whose column count is wrong is an error row with StarRocks's reason in the error log.
-- name: separators_nulls_and_empty_strings
-- create_topic: hex_${uuid} 1
-- create_topic: utf8_${uuid} 1
-- create_topic: tab_${uuid} 1
-- create_topic: pipe_${uuid} 1
-- create_topic: long_${uuid} 1
-- produce: hex_${uuid} 0 escaped
-- > 1\x01\\N\x01
-- > 2\x01b\x01c\n3\x01\x01x
-- produce: utf8_${uuid} 0
-- > 1∥\N∥
-- > 2∥b∥c
-- produce: utf8_${uuid} 0 escaped
-- > 3\xe2\x88\xa5\xe2\x88\xa5x
-- produce: tab_${uuid} 0 escaped
-- > 1\t\\N\t
-- > 2\tb\tc\n3\t\tx\n
-- produce: pipe_${uuid} 0
-- > 1|\N|
-- > 2|b|c
-- > 3||x
-- produce: long_${uuid} 0 escaped
-- > 1<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\\N<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<
-- > 2<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<b<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<c\x02\x033<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<x\x02\x03
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE t (src varchar(8), k int, a varchar(10), b varchar(10))
DUPLICATE KEY (src, k) DISTRIBUTED BY HASH(k) BUCKETS 2;
CREATE ROUTINE LOAD db_${uuid}.hex ON t
COLUMNS TERMINATED BY "\x01",
COLUMNS (k, a, b, src = 'hex')
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "hex_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
CREATE ROUTINE LOAD db_${uuid}.utf8 ON t
COLUMNS TERMINATED BY "∥",
COLUMNS (k, a, b, src = 'utf8')
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "utf8_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
CREATE ROUTINE LOAD db_${uuid}.tab ON t
COLUMNS (k, a, b, src = 'tab')
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "tab_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
CREATE ROUTINE LOAD db_${uuid}.pipe ON t
COLUMNS TERMINATED BY "|",
COLUMNS (k, a, b, src = 'pipe')
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "pipe_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
CREATE ROUTINE LOAD db_${uuid}.long ON t
COLUMNS TERMINATED BY "<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<",
ROWS TERMINATED BY "\x0203",
COLUMNS (k, a, b, src = 'long')
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "long_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM t | c >= 15 | 120s
SELECT src, k, a, b, a IS NULL AS a_null, length(b) AS b_len FROM t ORDER BY src, k;
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,Progress,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,CustomProperties,DataSourceProperties
-- json_keys: Statistic totalRows,loadedRows,errorRows,unselectedRows
SHOW ROUTINE LOAD FOR long;
DROP DATABASE db_${uuid};

-- name: enclose_escape_trim_space
-- create_topic: q_${uuid} 1
-- produce: q_${uuid} 0 escaped
-- > 1, "a,b" ,  c\x20\x20
-- > 2,"say ""hi""",\\N
-- > 3,a\\,b,c\\\\d
-- > 4,"x\\"y",z
-- > 5\x20\x20,  spaced  ," kept "\x20
-- > 6,"",\\N
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE t (k int, a varchar(10), b varchar(10))
DUPLICATE KEY (k) DISTRIBUTED BY HASH(k) BUCKETS 2;
CREATE ROUTINE LOAD db_${uuid}.quoted ON t
COLUMNS TERMINATED BY ","
PROPERTIES ("enclose" = "\"", "escape" = "\\", "trim_space" = "true")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "q_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM t | c >= 6 | 120s
SELECT k, concat('[', a, ']') AS a, concat('[', b, ']') AS b FROM t ORDER BY k;
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,Progress,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,CustomProperties,DataSourceProperties
-- json_keys: JobProperties enclose,escape,trim_space,columnSeparator,rowDelimiter
-- json_keys: Statistic totalRows,loadedRows,errorRows,unselectedRows
SHOW ROUTINE LOAD FOR quoted;
DROP DATABASE db_${uuid};

-- name: column_count_mismatch_is_an_error_row
-- create_topic: cc_${uuid} 1
-- produce: cc_${uuid} 0
-- > 1,a
-- > 2
-- > 3,b,extra
-- > 4,d
-- > 5,\N
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE t (k int, a varchar(10)) DUPLICATE KEY (k) DISTRIBUTED BY HASH(k) BUCKETS 2;
CREATE ROUTINE LOAD db_${uuid}.cc ON t
COLUMNS TERMINATED BY ","
PROPERTIES ("max_error_number" = "10")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "cc_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM t | c >= 3 | 120s
SELECT * FROM t ORDER BY k;
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,JobProperties,Progress,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,CustomProperties,DataSourceProperties
-- json_keys: Statistic totalRows,loadedRows,errorRows,unselectedRows
SHOW ROUTINE LOAD FOR cc;
-- error_log: cc
DROP DATABASE db_${uuid};
