-- SELECT over tables filled by routine load (issue 3 §6): projections, WHERE, GROUP BY with
-- count/sum/min/max/avg, ORDER BY, LIMIT, count(*), a join of two tables, and
-- SHOW CREATE ROUTINE LOAD. Orders go to a DUPLICATE table, countries to a PRIMARY KEY table.
-- name: select_over_loaded_tables
-- create_topic: orders_${uuid} 2
-- create_topic: lands_${uuid} 1
-- produce: orders_${uuid} 0
-- > 1,2020-05-08,Faust,DE,895
-- > 2,2020-05-08,Sorel,FR,893
-- > 3,2020-05-08,Grey,UK,1262
-- > 4,2020-05-09,Karenina,RU,175
-- produce: orders_${uuid} 1
-- > 5,2020-05-10,Durbeyfield,US,986
-- > 6,2020-05-11,Conan,JP,8924
-- > 7,2020-05-11,Holmes,UK,12
-- > 8,2020-05-11,Watson,UK,
-- produce: lands_${uuid} 0
-- > DE,Deutschland
-- > FR,France
-- > UK,United Kingdom
-- > US,United States
-- > JP,Japan
CREATE DATABASE db_${uuid};
USE db_${uuid};
CREATE TABLE orders (
    order_id bigint NOT NULL,
    pay_dt date NOT NULL,
    customer varchar(26) NULL,
    land varchar(8) NULL,
    price double NULL
) DUPLICATE KEY (order_id, pay_dt) DISTRIBUTED BY HASH(order_id) BUCKETS 3;
CREATE TABLE lands (
    code varchar(8) NOT NULL,
    name varchar(32) NULL
) PRIMARY KEY (code) DISTRIBUTED BY HASH(code) BUCKETS 2;
CREATE ROUTINE LOAD db_${uuid}.orders_job ON orders
COLUMNS TERMINATED BY ","
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "orders_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
CREATE ROUTINE LOAD db_${uuid}.lands_job ON lands
COLUMNS TERMINATED BY ",",
COLUMNS (code, name)
FROM KAFKA ("kafka_broker_list" = "${broker}", "kafka_topic" = "lands_${uuid}",
            "property.kafka_default_offsets" = "OFFSET_BEGINNING");
-- wait: SELECT count(*) AS c FROM orders | c >= 8 | 120s
-- wait: SELECT count(*) AS c FROM lands | c >= 5 | 120s
SELECT count(*) FROM orders;
SELECT order_id, customer, price FROM orders WHERE price > 900 ORDER BY order_id;
SELECT land, count(*), sum(price), min(price), max(price), avg(price) FROM orders GROUP BY land ORDER BY land;
SELECT pay_dt, count(*) AS n FROM orders GROUP BY pay_dt ORDER BY n DESC, pay_dt LIMIT 2;
SELECT customer FROM orders WHERE price IS NULL;
SELECT o.order_id, l.name FROM orders o JOIN lands l ON o.land = l.code WHERE o.order_id <= 3 ORDER BY o.order_id;
SELECT l.name, count(o.order_id) AS orders FROM lands l LEFT JOIN orders o ON o.land = l.code GROUP BY l.name ORDER BY orders DESC, l.name;
SELECT * FROM orders ORDER BY order_id LIMIT 2 OFFSET 1;
SELECT no_such_column FROM orders;
SELECT * FROM no_such_table;
SHOW CREATE ROUTINE LOAD orders_job;
STOP ROUTINE LOAD FOR orders_job;
STOP ROUTINE LOAD FOR lands_job;
DROP DATABASE db_${uuid};
