-- Text to column types and strict_mode (issue 4 item 5; frontend.md §5.1-5.2): integers with
-- overflow and fractional text, LARGEINT, DECIMAL precision and scale, FLOAT/DOUBLE, BOOLEAN,
-- DATE/DATETIME formats, CHAR/VARCHAR byte limits (never truncated), JSON, ARRAY. strict_mode
-- false turns a failed value into NULL (a NOT NULL column then rejects the row); true filters the
-- row. `\N` is NULL in both modes.
-- name: strict_mode_doc_example
-- create_topic: tiny_${uuid} 1
-- produce: tiny_${uuid} 0
-- > 1,\N
-- > 2,abc
-- > 3,2000
-- > 4,1
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE lax (k int, v tinyint) DUPLICATE KEY (k) DISTRIBUTED BY HASH(k) BUCKETS 1;
CREATE TABLE strict (k int, v tinyint) DUPLICATE KEY (k) DISTRIBUTED BY HASH(k) BUCKETS 1;
CREATE TABLE notnull (k int, v tinyint NOT NULL) DUPLICATE KEY (k) DISTRIBUTED BY HASH(k) BUCKETS 1;
CREATE ROUTINE LOAD db_${uuid}.lax ON lax COLUMNS TERMINATED BY ","
PROPERTIES ("strict_mode" = "false", "max_error_number" = "10")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "tiny_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
CREATE ROUTINE LOAD db_${uuid}.strict ON strict COLUMNS TERMINATED BY ","
PROPERTIES ("strict_mode" = "true", "max_error_number" = "10")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "tiny_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
CREATE ROUTINE LOAD db_${uuid}.notnull ON notnull COLUMNS TERMINATED BY ","
PROPERTIES ("strict_mode" = "false", "max_error_number" = "10")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "tiny_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SHOW ROUTINE LOAD FOR lax | Statistic.totalRows >= 4 | 120s
-- wait: SHOW ROUTINE LOAD FOR strict | Statistic.totalRows >= 4 | 120s
-- wait: SHOW ROUTINE LOAD FOR notnull | Statistic.totalRows >= 4 | 120s
-- wait: SELECT count(*) AS c FROM lax | c >= 4 | 120s
-- wait: SELECT count(*) AS c FROM strict | c >= 2 | 120s
-- wait: SELECT count(*) AS c FROM notnull | c >= 1 | 120s
SELECT * FROM lax ORDER BY k;
SELECT * FROM strict ORDER BY k;
SELECT * FROM notnull ORDER BY k;
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,JobProperties,Progress,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,CustomProperties,DataSourceProperties
-- json_keys: Statistic totalRows,loadedRows,errorRows,unselectedRows
SHOW ROUTINE LOAD FOR strict;
-- error_log: strict
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,JobProperties,Progress,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,CustomProperties,DataSourceProperties
-- json_keys: Statistic totalRows,loadedRows,errorRows,unselectedRows
SHOW ROUTINE LOAD FOR notnull;
-- error_log: notnull
DROP DATABASE db_${uuid};

-- name: every_type_strict_off_and_on
-- create_topic: ty_${uuid} 1
-- produce: ty_${uuid} 0
-- > 1|127|-32768|2147483647|9223372036854775807|170141183460469231731687303715884105727|999.99|1.5|2.25e2|true|2024-02-29|2024-02-29 23:59:59|abc|abcd|{"a": 1}|[1,2,3]
-- > 2|128|32768|2147483648|9223372036854775808|abc|1000.00|abc|x1|maybe|2023-02-29|2024-13-01 00:00:00|abcd|日本|{bad|[1,2]
-- > 3|12.7|-1.9|1e3|12.5|-3.9|1.005|0.1|-0.25|0|20240301|20240301101112|ab|ab|[]|[]
-- > 4|\N|\N|\N|\N|\N|\N|\N|\N|\N|\N|\N|\N|\N|\N|\N
-- > 5| 7 |2|3|4|5| 6.5 |7|8|FALSE|2024/3/5|2024-03-05T06:07:08|x|y|"s"|[null]
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE lax (k int, c_tiny tinyint, c_small smallint, c_int int, c_big bigint, c_large largeint,
                  c_dec decimal(5, 2), c_float float, c_dbl double, c_bool boolean, c_date date,
                  c_dt datetime, c_char char(3), c_vc varchar(4), c_json json, c_arr array<int>)
DUPLICATE KEY (k) DISTRIBUTED BY HASH(k) BUCKETS 1;
CREATE TABLE strict (k int, c_tiny tinyint, c_small smallint, c_int int, c_big bigint, c_large largeint,
                     c_dec decimal(5, 2), c_float float, c_dbl double, c_bool boolean, c_date date,
                     c_dt datetime, c_char char(3), c_vc varchar(4), c_json json, c_arr array<int>)
DUPLICATE KEY (k) DISTRIBUTED BY HASH(k) BUCKETS 1;
CREATE ROUTINE LOAD db_${uuid}.lax ON lax COLUMNS TERMINATED BY "|"
PROPERTIES ("max_error_number" = "10")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "ty_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
CREATE ROUTINE LOAD db_${uuid}.strict ON strict COLUMNS TERMINATED BY "|"
PROPERTIES ("strict_mode" = "true", "max_error_number" = "10")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "ty_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SHOW ROUTINE LOAD FOR lax | Statistic.totalRows >= 5 | 120s
-- wait: SHOW ROUTINE LOAD FOR strict | Statistic.totalRows >= 5 | 120s
-- wait: SELECT count(*) AS c FROM lax | c >= 5 | 120s
-- wait: SELECT count(*) AS c FROM strict | c >= 4 | 120s
SELECT * FROM lax ORDER BY k;
SELECT * FROM strict ORDER BY k;
-- error_log: strict
DROP DATABASE db_${uuid};
