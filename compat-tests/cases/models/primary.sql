-- PRIMARY KEY through routine load (issue 5 §3; StarRocks Load_to_Primary_Key_tables): upsert
-- by key; `__op` from a COLUMNS expression per row (0 / 'upsert' upsert, 1 / 'delete'
-- delete), or constant (`__op = 'delete'`); partial updates keep the columns a load does not
-- name (new keys take DEFAULTs); merge_condition keeps the stored row when its condition
-- column is greater. All rows of a topic go to one Kafka partition, so "later" is message
-- order; each batch carries a marker key (100, 101, ...) so the case can wait for it.
-- name: primary_key_upsert_and_delete_by_op_column
-- create_topic: pk_${uuid} 1
-- produce: pk_${uuid} 0
-- > 1,alice,10,0
-- > 2,bob,20,upsert
-- > 3,carol,30,0
-- > 1,alice,11,0
-- > 100,marker,0,0
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE t (
    id int NOT NULL,
    name varchar(16) NULL,
    score int NULL
) PRIMARY KEY (id) DISTRIBUTED BY HASH(id) BUCKETS 2;
CREATE ROUTINE LOAD db_${uuid}.pk_job ON t
COLUMNS TERMINATED BY ",",
COLUMNS (id, name, score, op, __op = op)
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "pk_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM t WHERE id = 100 | c >= 1 | 120s
SELECT * FROM t ORDER BY id;
-- produce: pk_${uuid} 0
-- > 2,bob,0,1
-- > 4,dave,40,0
-- > 3,x,0,delete
-- > 5,eve,50,0
-- > 5,eve,50,1
-- > 5,eve2,51,upsert
-- > 6,frank,60,0
-- > 6,frank,60,delete
-- > 101,marker,0,0
-- wait: SELECT count(*) AS c FROM t WHERE id = 101 | c >= 1 | 120s
SELECT * FROM t ORDER BY id;
-- A deleted key comes back with a later upsert (a new version).
-- produce: pk_${uuid} 0
-- > 2,bob again,21,0
-- > 102,marker,0,0
-- wait: SELECT count(*) AS c FROM t WHERE id = 102 | c >= 1 | 120s
SELECT * FROM t ORDER BY id;
STOP ROUTINE LOAD FOR pk_job;
DROP DATABASE db_${uuid};

-- name: primary_key_constant_delete_job
-- create_topic: pkfull_${uuid} 1
-- create_topic: pkdel_${uuid} 1
-- produce: pkfull_${uuid} 0
-- > 1,a,1
-- > 2,b,2
-- > 3,c,3
-- > 4,d,4
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE t (
    id int NOT NULL,
    name varchar(16) NULL,
    score int NULL
) PRIMARY KEY (id) DISTRIBUTED BY HASH(id) BUCKETS 2;
CREATE ROUTINE LOAD db_${uuid}.full_job ON t
COLUMNS TERMINATED BY ","
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "pkfull_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM t | c >= 4 | 120s
-- produce: pkdel_${uuid} 0
-- > 2,ignored,0
-- > 4,ignored,0
-- > 9,never there,0
CREATE ROUTINE LOAD db_${uuid}.del_job ON t
COLUMNS TERMINATED BY ",",
COLUMNS (id, name, score, __op = 'delete')
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "pkdel_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM t | c = 2 | 120s
SELECT * FROM t ORDER BY id;
STOP ROUTINE LOAD FOR full_job;
STOP ROUTINE LOAD FOR del_job;
DROP DATABASE db_${uuid};

-- name: primary_key_partial_update
-- create_topic: pkrow_${uuid} 1
-- create_topic: pkpart_${uuid} 1
-- produce: pkrow_${uuid} 0
-- > 1,a,10,n1
-- > 2,b,20,n2
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE t (
    id int NOT NULL,
    name varchar(16) NULL,
    score int NOT NULL DEFAULT "7",
    note varchar(16) NULL
) PRIMARY KEY (id) DISTRIBUTED BY HASH(id) BUCKETS 2;
CREATE ROUTINE LOAD db_${uuid}.row_job ON t
COLUMNS TERMINATED BY ","
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "pkrow_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM t | c >= 2 | 120s
-- produce: pkpart_${uuid} 0
-- > 1,A
-- > 3,C
CREATE ROUTINE LOAD db_${uuid}.part_job ON t
COLUMNS TERMINATED BY ",",
COLUMNS (id, name)
PROPERTIES ("partial_update" = "true", "partial_update_mode" = "row")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "pkpart_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM t | c >= 3 | 120s
SELECT * FROM t ORDER BY id;
-- A later full row replaces every column again.
-- produce: pkrow_${uuid} 0
-- > 3,C2,30,n3
-- wait: SELECT count(*) AS c FROM t WHERE note = 'n3' | c >= 1 | 120s
SELECT * FROM t ORDER BY id;
STOP ROUTINE LOAD FOR row_job;
STOP ROUTINE LOAD FOR part_job;
DROP DATABASE db_${uuid};

-- name: primary_key_partial_update_unnamed_not_null_columns
-- StarRocks plans a partial update whose COLUMNS leave out NOT NULL columns without DEFAULT
-- (Load.initColumns skips the default check); a new key gets each such column's zero value
-- (0, '', 0000-01-01), an existing key keeps its stored values.
-- create_topic: pkfull_${uuid} 1
-- create_topic: pkname_${uuid} 1
-- produce: pkfull_${uuid} 0
-- > 1,a,10,2024-01-02,Paris
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE t (
    id int NOT NULL,
    name varchar(16) NULL,
    score int NOT NULL,
    dt date NOT NULL,
    city varchar(8) NOT NULL
) PRIMARY KEY (id) DISTRIBUTED BY HASH(id) BUCKETS 2;
CREATE ROUTINE LOAD db_${uuid}.full_job ON t
COLUMNS TERMINATED BY ","
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "pkfull_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM t | c >= 1 | 120s
-- produce: pkname_${uuid} 0
-- > 1,A
-- > 2,B
CREATE ROUTINE LOAD db_${uuid}.name_job ON t
COLUMNS TERMINATED BY ",",
COLUMNS (id, name)
PROPERTIES ("partial_update" = "true")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "pkname_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM t | c >= 2 | 120s
SELECT * FROM t ORDER BY id;
STOP ROUTINE LOAD FOR full_job;
STOP ROUTINE LOAD FOR name_job;
DROP DATABASE db_${uuid};

-- name: primary_key_merge_condition
-- create_topic: pkbase_${uuid} 1
-- create_topic: pkcond_${uuid} 1
-- produce: pkbase_${uuid} 0
-- > 1,5,a
-- > 2,5,b
-- > 3,5,c
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE t (
    id int NOT NULL,
    ver int NULL,
    v varchar(16) NULL
) PRIMARY KEY (id) DISTRIBUTED BY HASH(id) BUCKETS 2;
CREATE ROUTINE LOAD db_${uuid}.base_job ON t
COLUMNS TERMINATED BY ","
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "pkbase_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM t | c >= 3 | 120s
-- produce: pkcond_${uuid} 0
-- > 1,4,older
-- > 2,6,newer
-- > 3,5,same
-- > 4,1,new key
CREATE ROUTINE LOAD db_${uuid}.cond_job ON t
COLUMNS TERMINATED BY ","
PROPERTIES ("merge_condition" = "ver")
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "pkcond_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM t | c >= 4 | 120s
SELECT * FROM t ORDER BY id;
STOP ROUTINE LOAD FOR base_job;
STOP ROUTINE LOAD FOR cond_job;
DROP DATABASE db_${uuid};
