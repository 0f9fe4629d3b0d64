-- What MySQL clients and BI tools send on connect, answered as StarRocks answers
-- (frontend.md §2.1–2.3).
-- name: version_probes
SELECT @@version_comment LIMIT 1;
SELECT VERSION();
SELECT @@version;
SELECT DATABASE();
SELECT 1;
SELECT @@session.auto_increment_increment AS auto_increment_increment, @@character_set_client AS character_set_client, @@character_set_connection AS character_set_connection, @@character_set_results AS character_set_results, @@character_set_server AS character_set_server, @@collation_server AS collation_server, @@collation_connection AS collation_connection, @@init_connect AS init_connect, @@interactive_timeout AS interactive_timeout, @@license AS license, @@lower_case_table_names AS lower_case_table_names, @@max_allowed_packet AS max_allowed_packet, @@net_write_timeout AS net_write_timeout, @@performance_schema AS performance_schema, @@sql_mode AS sql_mode, @@transaction_isolation AS transaction_isolation, @@wait_timeout AS wait_timeout;
SELECT @@tx_isolation;
SELECT @@default_storage_engine;

-- name: session_statements
SET NAMES utf8mb4;
SET NAMES utf8mb4 COLLATE utf8mb4_general_ci;
SET NAMES latin1;
SET autocommit=1;
set autocommit=1,sql_mode=CONCAT(@@sql_mode,',STRICT_TRANS_TABLES'),NAMES utf8mb4;
SET SESSION query_timeout = 600;
SELECT @@query_timeout;
SET no_such_variable = 1;
SELECT @@no_such_variable;
SHOW WARNINGS;

-- name: show_fixed_tables
SHOW VARIABLES LIKE 'lower_case_table_names';
SHOW VARIABLES LIKE 'sql_mode';
SHOW ENGINES;
SHOW COLLATION;
SHOW CHARSET;

-- name: comments_and_syntax
/* mysql-connector-j-8.0.33 (Revision: x) */SELECT 1;
SELEC 1;
