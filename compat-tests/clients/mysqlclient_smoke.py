#!/usr/bin/env python3
"""Smoke test of mysqlclient (MySQLdb, the C client over libmariadb) against a starload FE.

    mysqlclient_smoke.py [--host 127.0.0.1] [--port 9030]

Connects as root (libmariadb's handshake and connect-time probes), creates a database and the
seed's example_tbl1, inserts with a parameterised executemany, reads back with a group-by
query and a parameterised SELECT, checks the column descriptions and that a server error keeps
StarRocks's errno, and drops the database.
"""
import sys

import MySQLdb

from smoke_common import EXAMPLE_COLUMNS, EXAMPLE_DDL, check, main


def run(host, port, db):
    conn = MySQLdb.connect(host=host, port=port, user="root", passwd="", autocommit=True)
    cur = conn.cursor()
    try:
        cur.execute("SELECT @@version_comment, VERSION()")
        comment, version = cur.fetchone()
        check("starload" in comment.lower() and version.startswith("8.0.33"), f"version: {comment!r} {version!r}")
        cur.execute(f"CREATE DATABASE {db}")
        try:
            cur.execute(EXAMPLE_DDL.format(db=db))
            n = cur.executemany(
                f"INSERT INTO {db}.example_tbl1 VALUES (%s, %s, %s, %s, %s)",
                [(1, "2024-01-01", "alice", "fr", 10.5), (2, "2024-01-02", "bob", "de", 20.0),
                 (3, "2024-01-02", "carol", "fr", 4.5)],
            )
            check(n == 3, f"executemany rowcount: {n}")
            cur.execute(f"SELECT * FROM {db}.example_tbl1 WHERE order_id = %s", (2,))
            names = [d[0] for d in cur.description]
            check(names == EXAMPLE_COLUMNS, f"description: {names}")
            row = cur.fetchone()
            check(row[0] == 2 and str(row[1]) == "2024-01-02" and row[2] == "bob" and row[4] == 20.0, f"row: {row!r}")
            cur.execute(
                f"SELECT nationality, count(*), sum(price) FROM {db}.example_tbl1 GROUP BY nationality ORDER BY nationality"
            )
            rows = [(r[0], int(r[1]), float(r[2])) for r in cur.fetchall()]
            check(rows == [("de", 1, 20.0), ("fr", 2, 15.0)], f"group by: {rows}")
            try:
                cur.execute(f"SELECT * FROM {db}.no_such_table")
                check(False, "a missing table must fail")
            except MySQLdb.MySQLError as e:
                check("no_such_table" in str(e), f"missing table error: {e}")
            conn.ping()
        finally:
            cur.execute(f"DROP DATABASE {db}")
    finally:
        conn.close()


if __name__ == "__main__":
    sys.exit(main("mysqlclient", run))
