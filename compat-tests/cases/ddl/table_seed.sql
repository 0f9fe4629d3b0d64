-- The seed's two CREATE TABLE statements, verbatim, and how StarRocks describes the tables
-- (frontend.md §2.3, §3.4, §3.5).
-- name: seed_tables
CREATE DATABASE example_db;
CREATE TABLE example_db.example_tbl1 ( 
    `order_id` bigint NOT NULL COMMENT "Order ID",
    `pay_dt` date NOT NULL COMMENT "Payment date", 
    `customer_name` varchar(26) NULL COMMENT "Customer name", 
    `nationality` varchar(26) NULL COMMENT "Nationality", 
    `price`double NULL COMMENT "Price"
) 
ENGINE=OLAP 
DUPLICATE KEY (order_id,pay_dt) 
DISTRIBUTED BY HASH(`order_id`); 
USE example_db;
CREATE TABLE `example_tbl2` ( 
    `commodity_id` varchar(26) NULL COMMENT "Commodity ID", 
    `customer_name` varchar(26) NULL COMMENT "Customer name", 
    `country` varchar(26) NULL COMMENT "Country", 
    `pay_time` bigint(20) NULL COMMENT "Payment time", 
    `pay_dt` date NULL COMMENT "Payment date", 
    `price`double SUM NULL COMMENT "Price"
) 
ENGINE=OLAP
AGGREGATE KEY(`commodity_id`,`customer_name`,`country`,`pay_time`,`pay_dt`) 
DISTRIBUTED BY HASH(`commodity_id`); 
SHOW TABLES;
SHOW FULL TABLES;
DESC example_tbl1;
DESC example_tbl2;
SHOW COLUMNS FROM example_tbl2;
SHOW FULL COLUMNS FROM example_tbl1;
SELECT COLUMN_NAME, ORDINAL_POSITION, IS_NULLABLE, DATA_TYPE, COLUMN_TYPE, COLUMN_KEY, COLUMN_COMMENT FROM information_schema.columns WHERE TABLE_SCHEMA = 'example_db' AND TABLE_NAME = 'example_tbl1' ORDER BY ORDINAL_POSITION;
SELECT TABLE_NAME, TABLE_TYPE, ENGINE FROM information_schema.tables WHERE TABLE_SCHEMA = 'example_db' ORDER BY TABLE_NAME;
SELECT count(*) FROM example_tbl1;
CREATE TABLE example_tbl1 (a int) DUPLICATE KEY(a) DISTRIBUTED BY HASH(a);
DROP TABLE example_tbl2;
DROP TABLE example_tbl2;
SHOW TABLES;
DROP DATABASE example_db;
