-- Avro with a Confluent schema registry (issue 4 item 3; routine-load.md §8.3). The first case is
-- the Avro example of StarRocks's English Routine Load guide (docs/en/loading/RoutineLoad.md),
-- statements verbatim except the broker list and the registry URL (the run's registry, with
-- credentials in the URL). Messages are Confluent-framed: magic byte 0, 4-byte schema id, datum.
-- name: guide_sensor_log
-- create_topic: topic_0 6
-- schema: topic_0-value {"type": "record", "name": "sensor_log", "fields" : [{"name": "id", "type": "long"}, {"name": "name", "type": "string"}, {"name": "checked", "type" : "boolean"}, {"name": "data", "type": "double"}, {"name": "sensor_type", "type": {"type": "enum", "name": "sensor_type_enum", "symbols" : ["TEMPERATURE", "HUMIDITY", "AIR-PRESSURE"]}}]}
-- produce: topic_0 0 avro topic_0-value
-- > {"id": 1, "name": "sensor-1", "checked": true, "data": 21.5, "sensor_type": "TEMPERATURE"}
-- > {"id": 2, "name": "sensor-2", "checked": false, "data": 55.25, "sensor_type": "HUMIDITY"}
-- produce: topic_0 3 avro topic_0-value
-- > {"id": 3, "name": "sensor-3", "checked": true, "data": 1013.0, "sensor_type": "AIR-PRESSURE"}
-- produce: topic_0 5 avro topic_0-value
-- > {"id": 4, "name": "sensor-4", "checked": false, "data": -3.5, "sensor_type": "TEMPERATURE"}
CREATE DATABASE example_db;
USE example_db;
CREATE TABLE example_db.sensor_log ( 
    `id` bigint NOT NULL COMMENT "sensor id",
    `name` varchar(26) NOT NULL COMMENT "sensor name", 
    `checked` boolean NOT NULL COMMENT "checked", 
    `data` double NULL COMMENT "sensor data", 
    `sensor_type` varchar(26) NOT NULL COMMENT "sensor type"
) 
ENGINE=OLAP 
DUPLICATE KEY (id) 
DISTRIBUTED BY HASH(`id`); 
CREATE ROUTINE LOAD example_db.sensor_log_load_job ON sensor_log  
PROPERTIES  
(  
    "format" = "avro"  
)  
FROM KAFKA  
(  
    "kafka_broker_list" = "${broker}",
    "confluent.schema.registry.url" = "${registry}",  
    "kafka_topic" = "topic_0",  
    "kafka_partitions" = "0,1,2,3,4,5",  
    "property.kafka_default_offsets" = "OFFSET_BEGINNING"  
);
-- wait: SELECT count(*) AS c FROM example_db.sensor_log | c >= 4 | 120s
SELECT * FROM sensor_log ORDER BY id;
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,Statistic,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,JobProperties
SHOW ROUTINE LOAD FOR sensor_log_load_job;
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,Progress,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,JobProperties,CustomProperties,DataSourceProperties
-- json_keys: Statistic totalRows,loadedRows,errorRows,unselectedRows
SHOW ROUTINE LOAD FOR sensor_log_load_job;
STOP ROUTINE LOAD FOR sensor_log_load_job;
DROP DATABASE example_db;

-- name: type_mapping_and_jsonpaths
-- create_topic: av_${uuid} 2
-- schema: av_${uuid}-value {"type": "record", "name": "event", "fields": [{"name": "id", "type": "int"}, {"name": "ts", "type": "long"}, {"name": "f", "type": "float"}, {"name": "payload", "type": "bytes"}, {"name": "code", "type": {"type": "fixed", "name": "code4", "size": 4}}, {"name": "color", "type": {"type": "enum", "name": "color", "symbols": ["RED", "GREEN"]}}, {"name": "tags", "type": {"type": "array", "items": "string"}}, {"name": "nums", "type": {"type": "array", "items": "int"}}, {"name": "attrs", "type": {"type": "map", "values": "long"}}, {"name": "nested", "type": {"type": "record", "name": "inner", "fields": [{"name": "x", "type": "int"}, {"name": "y", "type": ["null", "string"]}]}}, {"name": "opt", "type": ["null", "int"]}]}
-- produce: av_${uuid} 0 avro av_${uuid}-value
-- > {"id": 1, "ts": 1589191487000, "f": 1.1, "payload": "raw bytes", "code": "AB12", "color": "RED", "tags": ["a", "b"], "nums": [1, 2, 3], "attrs": {"k": 7}, "nested": {"x": 5, "y": "why"}, "opt": 42}
-- produce: av_${uuid} 1 avro av_${uuid}-value
-- > {"id": 2, "ts": -1, "f": -0.5, "payload": "", "code": "zz99", "color": "GREEN", "tags": [], "nums": [], "attrs": {}, "nested": {"x": -1, "y": null}, "opt": null}
-- produce: av_${uuid} 1 escaped
-- > \x01not avro
-- > \x00\x00\x00\x03\xe7\x02
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE ev (id int, ts bigint, f float, payload string, code varchar(8), color varchar(8),
                 tags array<varchar(8)>, nums array<int>, attrs json, nested json, nested_y varchar(8),
                 opt int)
DUPLICATE KEY (id) DISTRIBUTED BY HASH(id) BUCKETS 2;
CREATE ROUTINE LOAD db_${uuid}.ev ON ev
COLUMNS (id, ts, f, payload, code, color, tags, nums, attrs, nested, nested_y, opt)
PROPERTIES (
    "format" = "avro",
    "max_error_number" = "10",
    "jsonpaths" = "[\"$.id\", \"$.ts\", \"$.f\", \"$.payload\", \"$.code\", \"$.color\", \"$.tags\", \"$.nums\", \"$.attrs\", \"$.nested\", \"$.nested.y\", \"$.opt\"]"
)
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "av_${uuid}",
            "confluent.schema.registry.url" = "${registry}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SHOW ROUTINE LOAD FOR ev | Statistic.totalRows >= 4 | 120s
-- wait: SELECT count(*) AS c FROM ev | c >= 2 | 120s
SELECT * FROM ev ORDER BY id;
-- mask: Id,CreateTime,PauseTime,EndTime,CurrentTaskNum,Progress,TimestampProgress,LatestSourcePosition,OffsetLag,OtherMsg,ErrorLogUrls,TrackingSQL,CustomProperties,DataSourceProperties
-- json_keys: JobProperties format,jsonpaths
-- json_keys: Statistic totalRows,loadedRows,errorRows,unselectedRows
SHOW ROUTINE LOAD FOR ev;
-- error_log: ev
DROP DATABASE db_${uuid};

-- name: avro_requires_a_registry_url
-- create_topic: nr_${uuid} 1
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE t (id int) DUPLICATE KEY (id) DISTRIBUTED BY HASH(id) BUCKETS 1;
CREATE ROUTINE LOAD db_${uuid}.nr ON t PROPERTIES ("format" = "avro")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "nr_${uuid}");
DROP DATABASE db_${uuid};
