-- StarRocks's SQL test test_routine_load_lambda (test/sql/test_routine_load): lambdas in
-- COLUMNS over a JSON array and a JSON object, statements verbatim except the broker list and
-- topic; then the higher-order functions over an ARRAY<INT> column, in COLUMNS and WHERE.
-- name: test_routine_load_lambda
-- create_topic: lambda_${uuid} 1
-- produce: lambda_${uuid} 0
-- > {"id": "1", "timestamp": "2025-04-17 11:00:00", "http": {"request": {"method": "POST", "headers": {"ip": "127.0.0.1"}, "path": "/starrocks/test"}}, "events": {"context": [{"type": "type0", "vid": "vid0"}, {"type": "type1", "vid": "vid1"}]}, "agent": {"findings": {"f0": {"type": "type0", "cid": "cid0"}, "f1": {"type": "type1", "cid": "cid1"}}}}
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE `test_lambda` (
  `id` string,
  `dt` datetime,
  `method` string,
  `ip`  string,
  `path` string,
  `vid` string,
  `cid` string
) ENGINE=OLAP
DUPLICATE KEY(`id`)
DISTRIBUTED BY HASH(`id`) BUCKETS 10
PROPERTIES (
 "replication_num" = "1"
);
CREATE ROUTINE LOAD test_lambda
ON test_lambda
COLUMNS (
    id,dt,method,ip,path,tmp1,tmp2,
    `vid`=get_json_string(array_filter(item -> get_json_string(item, '$.type')='type1', CAST(parse_json(tmp1) AS ARRAY<JSON>))[1], '$.vid'),
    `cid`=get_json_string(map_values((map_filter((k, v)->get_json_string(v, '$.type')='type1',cast(parse_json(tmp2) AS map<string,json>))))[1],'$.cid')
)
PROPERTIES
(
  "format" = "json",
  "jsonpaths" = "[
      \"$.id\",
      \"$.timestamp\",
      \"$.http.request.method\",
      \"$.http.request.headers.ip\",
      \"$.http.request.path\",
      \"$.events.context\",
      \"$.agent.findings\"
  ]"
)
FROM KAFKA
(
    "kafka_broker_list"="${broker}",
    "kafka_topic" = "lambda_${uuid}",
    "property.kafka_default_offsets" = "OFFSET_BEGINNING"
);
-- wait: SELECT count(*) AS c FROM test_lambda | c >= 1 | 120s
select * from db_${uuid}.test_lambda order by id;
-- json_keys: JobProperties columnToColumnExpr
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,Statistic,Progress,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,CustomProperties,DataSourceProperties
SHOW ROUTINE LOAD FOR test_lambda;
DROP DATABASE db_${uuid};

-- name: higher_order_functions_over_array_columns
-- create_topic: hof_${uuid} 1
-- produce: hof_${uuid} 0
-- > {"id": 1, "arr": [3, 1, 2], "b": [10, 20, 30]}
-- > {"id": 2, "arr": [5, null, 12], "b": [1, 1, 1]}
-- > {"id": 3, "arr": [11], "b": [1]}
-- > {"id": 4, "arr": null, "b": [1]}
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE t (id int, arr array<int>, plus array<int>, big array<int>, sorted array<int>,
                sums array<int>, has_big boolean, n int)
DUPLICATE KEY (id) DISTRIBUTED BY HASH(id) BUCKETS 1;
CREATE ROUTINE LOAD db_${uuid}.hof ON t
COLUMNS (id, arr, b,
    plus = array_map(x -> x + 1, arr),
    big = array_filter(x -> x > 2, arr),
    sorted = array_sortby(x -> -x, arr),
    sums = transform((x, y) -> x + y, arr, b),
    has_big = any_match(arr, x -> x > 10),
    n = array_length(array_filter(x -> x > id, arr))),
WHERE all_match(x -> x IS NOT NULL, arr) OR arr IS NULL
PROPERTIES ("format" = "json")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "hof_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM t | c >= 3 | 120s
SELECT * FROM t ORDER BY id;
-- json_keys: Statistic totalRows,loadedRows,errorRows,unselectedRows
-- json_keys: JobProperties columnToColumnExpr,whereExpr
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,Progress,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,CustomProperties,DataSourceProperties
SHOW ROUTINE LOAD FOR hof;
CREATE ROUTINE LOAD db_${uuid}.bad1 ON t COLUMNS (id, arr, plus = array_map((x, y) -> x + y, arr))
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "hof_${uuid}");
CREATE ROUTINE LOAD db_${uuid}.bad2 ON t COLUMNS (id, arr, plus = array_map((x, x) -> x, arr, arr))
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "hof_${uuid}");
CREATE ROUTINE LOAD db_${uuid}.bad3 ON t COLUMNS (id, arr), WHERE abs(x -> x) > 1
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "hof_${uuid}");
DROP DATABASE db_${uuid};
