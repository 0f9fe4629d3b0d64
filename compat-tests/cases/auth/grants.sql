-- Users, roles and grants as a client sees them: SHOW GRANTS rows, StarRocks's access-denied
-- errors (5203) and failed logins (1045). `-- connect:` switches the user.

-- name: grants_roles_and_denials
DROP USER IF EXISTS auth_u1;
DROP ROLE IF EXISTS auth_r1;
DROP DATABASE IF EXISTS auth_db;
CREATE DATABASE auth_db;
CREATE TABLE auth_db.t1 (k INT NOT NULL, v VARCHAR(20)) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1;
CREATE USER auth_u1 IDENTIFIED BY 'auth_pw';
CREATE USER auth_u1;
CREATE ROLE auth_r1;
GRANT SELECT, INSERT ON auth_db.t1 TO USER auth_u1;
GRANT CREATE TABLE ON DATABASE auth_db TO ROLE auth_r1;
GRANT auth_r1 TO auth_u1;
GRANT CREATE TABLE ON TABLE auth_db.t1 TO auth_u1;
SHOW GRANTS FOR auth_u1;
SHOW GRANTS FOR ROLE auth_r1;
-- connect: auth_u1 auth_pw
SELECT count(*) FROM auth_db.t1;
CREATE TABLE auth_db.t2 (k INT NOT NULL) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1;
SET ROLE auth_r1;
CREATE TABLE auth_db.t2 (k INT NOT NULL) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1;
SELECT count(*) FROM auth_db.t2;
DROP TABLE auth_db.t1;
CREATE DATABASE auth_db2;
ALTER SYSTEM ADD BACKEND "127.0.0.1:1";
ADMIN SHOW FRONTEND CONFIG LIKE 'query_port';
CREATE USER auth_u2;
SHOW GRANTS;
-- connect: auth_u1 wrong_pw
-- connect: auth_nobody
-- connect: root
REVOKE SELECT ON TABLE auth_db.t1 FROM auth_u1;
REVOKE auth_r1 FROM auth_u1;
SHOW GRANTS FOR auth_u1;
DROP USER auth_u1;
DROP ROLE auth_r1;
DROP DATABASE auth_db;
