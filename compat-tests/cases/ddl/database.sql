-- CREATE/DROP DATABASE, USE, SHOW DATABASES (frontend.md §2.3, §3.1).
-- name: create_show_use_drop
CREATE DATABASE db_${uuid};
CREATE DATABASE db_${uuid};
CREATE DATABASE IF NOT EXISTS db_${uuid};
SHOW DATABASES LIKE 'db_${uuid}';
SHOW CREATE DATABASE db_${uuid};
USE db_${uuid};
SELECT DATABASE();
SHOW TABLES;
DROP DATABASE db_${uuid};
DROP DATABASE db_${uuid};
DROP DATABASE IF EXISTS db_${uuid};
SHOW DATABASES LIKE 'db_${uuid}';

-- name: unknown_database
USE no_such_db_${uuid};
SHOW TABLES FROM no_such_db_${uuid};
SELECT * FROM no_such_db_${uuid}.t;

-- name: system_databases
SHOW DATABASES LIKE 'information_schema';
SELECT SCHEMA_NAME FROM information_schema.schemata WHERE SCHEMA_NAME = 'information_schema';
