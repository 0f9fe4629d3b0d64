#!/usr/bin/env python3
"""Smoke test of Apache Superset against a starload FE, through Superset's own Python API.

    superset_smoke.py [--host 127.0.0.1] [--port 9030]

Runs in Superset's venv (deploy/install-deps.sh: $HOME/.cache/starload/superset-venv) with a
throw-away metadata database (SQLite in a temporary directory). Adds the FE as a Superset
Database with a `starrocks://` URI (StarRocks's SQLAlchemy dialect, through Superset's StarRocks
engine spec), then does what the dataset editor and SQL Lab do: list catalogs, schemas, tables
and columns, and run a SQL Lab-style query (Superset applies its row limit, executes through
the engine spec and fetches the rows). Any error Superset logs fails the test.
"""
import logging
import os
import sys
import tempfile

import pymysql

from smoke_common import EXAMPLE_COLUMNS, EXAMPLE_DDL, EXAMPLE_ROWS, WarningCollector, check, main


def superset_app(tmp):
    cfg = os.path.join(tmp, "superset_config.py")
    with open(cfg, "w") as f:
        f.write(
            "SECRET_KEY = 'starload-smoke-test-only'\n"
            f"SQLALCHEMY_DATABASE_URI = 'sqlite:///{os.path.join(tmp, 'superset.db')}'\n"
            "FEATURE_FLAGS = {}\n"
            "WTF_CSRF_ENABLED = False\n"
        )
    os.environ["SUPERSET_CONFIG_PATH"] = cfg
    from superset.app import create_app

    return create_app()


def check_superset(host, port, db):
    from sqlalchemy import text  # noqa: F401 - Superset pins SQLAlchemy 1.4
    from superset import db as meta
    from superset.models.core import Database
    from superset.sql.parse import Table

    # `superset db upgrade`: the metadata schema from Superset's own migrations.
    import superset
    from flask_migrate import upgrade

    upgrade(directory=os.path.join(os.path.dirname(superset.__file__), "migrations"))
    database = Database(database_name="starload", sqlalchemy_uri=f"starrocks://root@{host}:{port}/default_catalog")
    meta.session.add(database)
    meta.session.commit()

    check(database.db_engine_spec.engine == "starrocks", f"engine spec: {database.db_engine_spec}")
    with database.get_sqla_engine() as engine:
        with engine.connect() as conn:
            check(conn.execute("SELECT 1").scalar() == 1, "test connection")
    catalogs = database.get_all_catalog_names()
    check("default_catalog" in catalogs, f"catalogs: {catalogs}")
    schemas = database.get_all_schema_names(catalog="default_catalog")
    check(db in schemas, f"schemas: {sorted(schemas)}")
    tables = database.get_all_table_names_in_schema(catalog="default_catalog", schema=db)
    check({t[0] for t in tables} == {"example_tbl1"}, f"tables: {tables}")
    cols = database.get_columns(Table("example_tbl1", db, "default_catalog"))
    check([c["column_name"] for c in cols] == EXAMPLE_COLUMNS, f"columns: {cols}")

    # SQL Lab: Superset applies its row limit, runs the statement through the engine spec on
    # a raw connection and fetches the rows.
    sql = database.apply_limit_to_sql(
        f"SELECT nationality, count(*) AS n FROM {db}.example_tbl1 GROUP BY nationality ORDER BY nationality", 100
    )
    check("LIMIT 100" in sql.upper(), f"limit applied: {sql}")
    spec = database.db_engine_spec
    with database.get_raw_connection(catalog="default_catalog", schema=db) as conn:
        cur = conn.cursor()
        spec.execute(cur, sql, database)
        rows = [tuple(r) for r in spec.fetch_data(cur, 100)]
        names = [d[0] for d in cur.description]
    check(names == ["nationality", "n"], f"SQL Lab columns: {names}")
    check(rows == [("de", 1), ("fr", 2)], f"SQL Lab rows: {rows}")
    df = database.get_df(f"SELECT count(*) AS c FROM {db}.example_tbl1", catalog="default_catalog", schema=db)
    check(int(df["c"][0]) == 3, f"get_df: {df}")


def run(host, port, db):
    errors = WarningCollector()
    errors.setLevel(logging.ERROR)
    logging.getLogger().addHandler(errors)
    conn = pymysql.connect(host=host, port=port, user="root", password="", autocommit=True)
    cur = conn.cursor()
    cur.execute(f"CREATE DATABASE {db}")
    try:
        cur.execute(EXAMPLE_DDL.format(db=db))
        cur.execute(EXAMPLE_ROWS.format(db=db))
        with tempfile.TemporaryDirectory() as tmp:
            app = superset_app(tmp)
            with app.app_context():
                check_superset(host, port, db)
        check(not errors.messages, f"errors logged: {errors.messages}")
    finally:
        cur.execute(f"DROP DATABASE {db}")
        conn.close()


if __name__ == "__main__":
    sys.exit(main("superset", run))
