#!/usr/bin/env python3
"""Smoke test of StarRocks's own SQLAlchemy dialect (PyPI `starrocks`) against a starload FE.

    starrocks_dialect.py [--host 127.0.0.1] [--port 9030] [--views]

What Superset and other BI tools do through it: the inspector (schema and table names, columns
with types, nullability and comments, primary key, indexes, table options, table comment),
`Table(..., autoload_with=engine)`, and a select with group_by on the reflected table. Any
warning the dialect logs (it swallows some server errors that way) fails the test.
With --views: CREATE VIEW, then get_view_names / get_view_definition / reflecting the view.
"""
import logging
import sys

import sqlalchemy
from sqlalchemy import MetaData, Table, func, inspect, select, text
from sqlalchemy.orm import Session

from smoke_common import EXAMPLE_COLUMNS, EXAMPLE_DDL, EXAMPLE_ROWS, USERS_DDL, WarningCollector, check, main


def setup(engine, db, statements):
    with engine.connect() as conn:
        for st in statements:
            conn.execute(text(st.format(db=db)))
        conn.commit()


def check_tables(engine, db):
    insp = inspect(engine)
    schemas = insp.get_schema_names()
    check(db in schemas, f"get_schema_names: {schemas}")
    tables = sorted(insp.get_table_names(schema=db))
    check(tables == ["example_tbl1", "users"], f"get_table_names: {tables}")

    cols = insp.get_columns("example_tbl1", schema=db)
    names = [c["name"] for c in cols]
    check(names == EXAMPLE_COLUMNS, f"get_columns names: {names}")
    types = [str(c["type"]) for c in cols]
    check(types == ["BIGINT", "DATE", "VARCHAR(26)", "VARCHAR(26)", "DOUBLE"], f"get_columns types: {types}")
    nullable = [c["nullable"] for c in cols]
    check(nullable == [False, False, True, True, True], f"get_columns nullable: {nullable}")
    comments = [c.get("comment") for c in cols]
    check(comments[0] == "Order ID" and comments[4] == "Price", f"get_columns comments: {comments}")

    pk = insp.get_pk_constraint("users", schema=db)
    check(pk["constrained_columns"] == ["id"], f"get_pk_constraint(users): {pk}")
    indexes = insp.get_indexes("users", schema=db)
    check(isinstance(indexes, list), f"get_indexes(users): {indexes}")

    opts = insp.get_table_options("example_tbl1", schema=db)
    engine_opt = {k: v for k, v in opts.items() if k.endswith("engine")}
    check(list(engine_opt.values()) == ["OLAP"], f"get_table_options engine: {opts}")
    check(any("order_id" in str(v) for k, v in opts.items() if "distributed" in k), f"get_table_options distribution: {opts}")
    check(any("order_id" in str(v) for k, v in opts.items() if "key" in k), f"get_table_options key: {opts}")
    pk_opts = insp.get_table_options("users", schema=db)
    check(any("id" in str(v) for k, v in pk_opts.items() if "primary_key" in k), f"get_table_options(users): {pk_opts}")

    comment = insp.get_table_comment("example_tbl1", schema=db)
    check(comment.get("text") == "orders of the smoke test", f"get_table_comment: {comment}")


def check_autoload(engine, db):
    md = MetaData()
    orders = Table("example_tbl1", md, schema=db, autoload_with=engine)
    check([c.name for c in orders.columns] == EXAMPLE_COLUMNS, f"autoload columns: {list(orders.columns.keys())}")
    users = Table("users", md, schema=db, autoload_with=engine)
    check([c.name for c in users.primary_key.columns] == ["id"], f"autoload primary key: {users.primary_key}")
    q = (
        select(orders.c.nationality, func.count().label("n"), func.sum(orders.c.price).label("total"))
        .group_by(orders.c.nationality)
        .order_by(orders.c.nationality)
    )
    with Session(engine) as session:
        rows = [tuple(r) for r in session.execute(q)]
    check(rows == [("de", 1, 20.0), ("fr", 2, 15.0)], f"group_by rows: {rows}")


def check_views(engine, db):
    setup(engine, db, ["CREATE VIEW {db}.nation_totals AS SELECT nationality, sum(price) AS total "
                       "FROM {db}.example_tbl1 GROUP BY nationality"])
    insp = inspect(engine)
    views = insp.get_view_names(schema=db)
    check(views == ["nation_totals"], f"get_view_names: {views}")
    tables = sorted(insp.get_table_names(schema=db))
    check(tables == ["example_tbl1", "users"], f"get_table_names lists no view: {tables}")
    definition = insp.get_view_definition("nation_totals", schema=db)
    check("sum" in definition.lower() and "example_tbl1" in definition, f"get_view_definition: {definition!r}")
    view = Table("nation_totals", MetaData(), schema=db, autoload_with=engine)
    check(list(view.columns.keys()) == ["nationality", "total"], f"autoload view: {list(view.columns.keys())}")


def run(host, port, db, views):
    warnings = WarningCollector()
    logging.getLogger().addHandler(warnings)
    admin = sqlalchemy.create_engine(f"starrocks://root@{host}:{port}/")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {db}"))
        conn.commit()
    engine = sqlalchemy.create_engine(f"starrocks://root@{host}:{port}/{db}")
    try:
        setup(engine, db, [EXAMPLE_DDL, USERS_DDL, EXAMPLE_ROWS])
        if views:
            check_views(engine, db)
        else:
            check_tables(engine, db)
            check_autoload(engine, db)
        check(not warnings.messages, f"warnings logged: {warnings.messages}")
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE {db}"))
            conn.commit()
        admin.dispose()


if __name__ == "__main__":
    views = "--views" in sys.argv
    if views:
        sys.argv.remove("--views")
    sys.exit(main("starrocks-dialect-views" if views else "starrocks-dialect", lambda h, p, d: run(h, p, d, views)))
