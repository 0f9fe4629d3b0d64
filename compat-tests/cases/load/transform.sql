-- COLUMNS expressions and WHERE (issue 4 item 4; routine-load.md §9): the date, string, JSON,
-- math, conditional and CAST functions users load with, with StarRocks's names, argument
-- orders and NULL rules; the job's timezone property; WHERE-dropped rows are unselectedRows,
-- rows that fail are errorRows.
-- name: date_functions_and_timezone
-- create_topic: dates_${uuid} 1
-- produce: dates_${uuid} 0
-- > 1|1589191487|2024-02-29 23:30:00|29/02/2024 23:30
-- > 2|0|2024-12-31|01/01/1970 00:00
-- > 3|\N|not a date|bad
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE d (tz varchar(16), k int, from_ut varchar(30), from_ut_fmt varchar(30), unix_ts bigint,
                str2date datetime, datefmt varchar(30), todate date, dadd date, dsub datetime,
                nowok varchar(3))
DUPLICATE KEY (tz, k) DISTRIBUTED BY HASH(k) BUCKETS 2;
CREATE ROUTINE LOAD db_${uuid}.utc ON d
COLUMNS TERMINATED BY "|",
COLUMNS (k, ts, s, s2, tz = 'UTC',
         from_ut = from_unixtime(ts),
         from_ut_fmt = from_unixtime(ts, '%Y%m%d %H:%i'),
         unix_ts = unix_timestamp(s),
         str2date = str_to_date(s2, '%d/%m/%Y %H:%i'),
         datefmt = date_format(s, '%Y/%m/%d %H'),
         todate = to_date(s),
         dadd = date_add(s, INTERVAL 1 DAY),
         dsub = date_sub(s, INTERVAL 2 HOUR),
         nowok = if(now() > '2020-01-01 00:00:00', 'yes', 'no'))
PROPERTIES ("timezone" = "UTC")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "dates_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
CREATE ROUTINE LOAD db_${uuid}.shanghai ON d
COLUMNS TERMINATED BY "|",
COLUMNS (k, ts, s, s2, tz = 'Asia/Shanghai',
         from_ut = from_unixtime(ts),
         from_ut_fmt = from_unixtime(ts, '%Y%m%d %H:%i'),
         unix_ts = unix_timestamp(s),
         str2date = str_to_date(s2, '%d/%m/%Y %H:%i'),
         datefmt = date_format(s, '%Y/%m/%d %H'),
         todate = to_date(s),
         dadd = date_add(s, INTERVAL 1 DAY),
         dsub = date_sub(s, INTERVAL 2 HOUR),
         nowok = if(now() > '2020-01-01 00:00:00', 'yes', 'no'))
PROPERTIES ("timezone" = "Asia/Shanghai")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "dates_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM d | c >= 6 | 120s
SELECT * FROM d ORDER BY tz, k;
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,Progress,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,CustomProperties,DataSourceProperties,Statistic
-- json_keys: JobProperties timezone,columnToColumnExpr
SHOW ROUTINE LOAD FOR utc;
DROP DATABASE db_${uuid};

-- name: string_functions
-- create_topic: str_${uuid} 1
-- produce: str_${uuid} 0
-- > 1| Hello |World|a,b,c
-- > 2|\N|x|
-- > 3|ÄÖ ü|日本語|,,
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE s (k int, cc varchar(40), cws varchar(40), sub varchar(20), sub_neg varchar(20),
                up varchar(20), low varchar(20), tr varchar(20), rep varchar(20), sp varchar(20),
                len int)
DUPLICATE KEY (k) DISTRIBUTED BY HASH(k) BUCKETS 2;
CREATE ROUTINE LOAD db_${uuid}.strs ON s
COLUMNS TERMINATED BY "|",
COLUMNS (k, a, b, c,
         cc = concat(a, '-', b),
         cws = concat_ws('/', a, b, c),
         sub = substr(b, 2, 3),
         sub_neg = substr(b, -2),
         up = upper(b),
         low = lower(a),
         tr = trim(a),
         rep = replace(c, ',', ';'),
         sp = split_part(c, ',', 2),
         len = length(a))
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "str_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM s | c >= 3 | 120s
SELECT k, concat('[', cc, ']') AS cc, cws, sub, sub_neg, up, concat('[', low, ']') AS low,
       concat('[', tr, ']') AS tr, rep, concat('[', sp, ']') AS sp, len FROM s ORDER BY k;
DROP DATABASE db_${uuid};

-- name: json_math_conditional_and_cast
-- create_topic: jm_${uuid} 1
-- produce: jm_${uuid} 0
-- > 1|{"a": {"b": "s", "n": 7, "d": 1.5}, "arr": [1, 2]}|-2.56|3
-- > 2|\N|7.5|\N
-- > 3|{"a": {"b": 12, "n": "8", "d": "x"}}|0|0
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE m (k int, gjs varchar(20), gji bigint, gjd double, jq varchar(40), ab double,
                rnd double, fl bigint, ce bigint, iff varchar(10), ifn varchar(10), nif int,
                coal varchar(10), cs varchar(10), ca int, arith double, cmp boolean)
DUPLICATE KEY (k) DISTRIBUTED BY HASH(k) BUCKETS 2;
CREATE ROUTINE LOAD db_${uuid}.jm ON m
COLUMNS TERMINATED BY "|",
COLUMNS (k, j, x, y,
         gjs = get_json_string(j, '$.a.b'),
         gji = get_json_int(j, '$.a.n'),
         gjd = get_json_double(j, '$.a.d'),
         jq = json_query(j, '$.arr'),
         ab = abs(x),
         rnd = round(x, 1),
         fl = floor(x),
         ce = ceil(x),
         iff = if(y > 1, 'big', 'small'),
         ifn = ifnull(y, 'none'),
         nif = nullif(y, '0'),
         coal = coalesce(NULL, y, 'z'),
         cs = CASE WHEN x < 0 THEN 'neg' WHEN x = 0 THEN 'zero' ELSE 'pos' END,
         ca = CAST(x AS INT),
         arith = (x + 1) * 2,
         cmp = x >= y)
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "jm_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM m | c >= 3 | 120s
SELECT * FROM m ORDER BY k;
DROP DATABASE db_${uuid};

-- name: where_unselected_and_error_rows
-- create_topic: w_${uuid} 1
-- produce: w_${uuid} 0
-- > 1,a,10
-- > 2,b,20
-- > 3,c,abc
-- > 4,d,40
-- > 5,e,\N
-- > 6,f,60
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE w (k int, v varchar(10), n int NOT NULL) DUPLICATE KEY (k) DISTRIBUTED BY HASH(k) BUCKETS 2;
CREATE ROUTINE LOAD db_${uuid}.wj ON w
COLUMNS TERMINATED BY ",",
COLUMNS (k, v, n),
WHERE k > 1 AND v != 'd'
PROPERTIES ("max_error_number" = "10")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "w_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM w | c >= 2 | 120s
SELECT * FROM w ORDER BY k;
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,Progress,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,CustomProperties,DataSourceProperties
-- json_keys: JobProperties whereExpr,columnToColumnExpr
-- json_keys: Statistic totalRows,loadedRows,errorRows,unselectedRows
SHOW ROUTINE LOAD FOR wj;
-- error_log: wj
DROP DATABASE db_${uuid};
