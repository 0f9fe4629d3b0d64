#!/usr/bin/env python3
"""Smoke test of a real Python MySQL client library against a running starload FE.

    smoke.py --driver pymysql|connector|sqlalchemy [--host 127.0.0.1] [--port 9030]

Each driver connects as root (running its own connect-time probes), reads the version
variables, creates a database and the seed's example_tbl1, checks SHOW TABLES / DESC (or, for
SQLAlchemy, inspect(engine): schema names, table names, columns), and drops the database.
Exits non-zero with a message on the first mismatch.
"""
import argparse
import sys
import uuid

from smoke_common import EXAMPLE_COLUMNS, EXAMPLE_DDL, check

# The seed's example table, shared with the other client tests.
TABLE_DDL = EXAMPLE_DDL
COLUMNS = EXAMPLE_COLUMNS


def dbapi_flow(conn, db):
    cur = conn.cursor()
    cur.execute("SELECT 1")
    check(cur.fetchall()[0][0] in (1, "1"), "SELECT 1")
    cur.execute("SELECT @@version_comment, VERSION()")
    comment, version = cur.fetchall()[0]
    check("starload" in str(comment).lower(), f"version_comment names starload: {comment!r}")
    check(str(version).startswith("8.0.33"), f"VERSION(): {version!r}")
    cur.execute(f"CREATE DATABASE {db}")
    try:
        cur.execute(TABLE_DDL.format(db=db))
        cur.execute(f"SHOW TABLES FROM {db}")
        tables = [r[0] for r in cur.fetchall()]
        check(tables == ["example_tbl1"], f"SHOW TABLES: {tables}")
        cur.execute(f"DESC {db}.example_tbl1")
        cols = [r[0] for r in cur.fetchall()]
        check(cols == COLUMNS, f"DESC: {cols}")
        cur.execute(f"SELECT count(*) FROM {db}.example_tbl1")
        check(cur.fetchall()[0][0] in (0, "0"), "count(*) of a new table")
    finally:
        cur.execute(f"DROP DATABASE {db}")
    cur.close()


def run_pymysql(host, port, db):
    import pymysql

    conn = pymysql.connect(host=host, port=port, user="root", password="", autocommit=True)
    try:
        dbapi_flow(conn, db)
    finally:
        conn.close()


def run_connector(host, port, db):
    import mysql.connector

    conn = mysql.connector.connect(host=host, port=port, user="root", password="", autocommit=True)
    try:
        dbapi_flow(conn, db)
    finally:
        conn.close()


def run_sqlalchemy(host, port, db):
    import sqlalchemy
    from sqlalchemy import inspect, text

    engine = sqlalchemy.create_engine(f"mysql+pymysql://root@{host}:{port}/")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {db}"))
        conn.execute(text(TABLE_DDL.format(db=db)))
        conn.commit()
    try:
        insp = inspect(engine)
        schemas = insp.get_schema_names()
        check(db in schemas, f"get_schema_names: {schemas}")
        tables = insp.get_table_names(schema=db)
        check(tables == ["example_tbl1"], f"get_table_names: {tables}")
        cols = insp.get_columns("example_tbl1", schema=db)
        names = [c["name"] for c in cols]
        check(names == COLUMNS, f"get_columns: {names}")
        nullable = {c["name"]: c["nullable"] for c in cols}
        check(nullable["order_id"] is False and nullable["price"] is True, f"nullable: {nullable}")
    finally:
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE {db}"))
            conn.commit()
        engine.dispose()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--driver", required=True, choices=["pymysql", "connector", "sqlalchemy"])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=9030)
    a = p.parse_args()
    db = f"smoke_{a.driver}_{uuid.uuid4().hex[:12]}"
    run = {"pymysql": run_pymysql, "connector": run_connector, "sqlalchemy": run_sqlalchemy}[a.driver]
    try:
        run(a.host, a.port, db)
    except Exception as e:  # noqa: BLE001 - report any failure as the smoke test's result
        print(f"FAIL {a.driver}: {type(e).__name__}: {e}")
        return 1
    print(f"ok   {a.driver}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
