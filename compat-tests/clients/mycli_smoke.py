#!/usr/bin/env python3
"""Smoke test of mycli against a starload FE.

    mycli_smoke.py [--host 127.0.0.1] [--port 9030]

1. `mycli --execute` (the real CLI, a temporary myclirc with its own log file): a group-by query
   prints its rows as a tab-separated table.
2. The completion refresher mycli starts on connect (run in-process to completion): it must
   find the test table and its columns, raise nothing, and log no ERROR to the log file, except
   the two queries on MySQL's `mysql` schema (mysql.user, mysql.help_topic) that StarRocks 3.4
   cannot answer either, as it has no `mysql` database.
"""
import os
import subprocess
import sys
import tempfile
import threading

import pymysql

from smoke_common import EXAMPLE_COLUMNS, EXAMPLE_DDL, EXAMPLE_ROWS, check, main

# Errors StarRocks 3.4 itself makes mycli log: these refreshers read MySQL's `mysql` schema.
STARROCKS_TOO = ("No user completions due to", "No show completions due to")


def myclirc(tmp):
    rc = os.path.join(tmp, "myclirc")
    with open(rc, "w") as f:
        # ssl_mode off: with auto, PyMySQL sends CLIENT_SSL in a plaintext handshake, which
        # StarRocks (and starload: ERR 5400) refuses when no certificate is configured.
        f.write(
            "[main]\n"
            f"log_file = {os.path.join(tmp, 'mycli.log')}\n"
            "log_level = INFO\n"
            f"history_file = {os.path.join(tmp, 'history')}\n"
            "[connection]\n"
            "default_ssl_mode = off\n"
        )
    return rc


def log_errors(tmp):
    path = os.path.join(tmp, "mycli.log")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        lines = [line.rstrip("\n") for line in f]
    return [line for line in lines if " ERROR " in line and not any(s in line for s in STARROCKS_TOO)]


def check_execute(host, port, db, tmp, rc):
    exe = os.path.join(os.path.dirname(sys.executable), "mycli")
    q = "SELECT nationality, count(*) AS n FROM example_tbl1 GROUP BY nationality ORDER BY nationality"
    out = subprocess.run(
        [exe, "--myclirc", rc, "-h", host, "-P", str(port), "-u", "root", "--password=", "-D", db, "--execute", q],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )
    check(out.returncode == 0, f"mycli --execute exit {out.returncode}: {out.stderr.strip()}")
    check(out.stdout.splitlines() == ["nationality\tn", "de\t1", "fr\t2"], f"mycli --execute output: {out.stdout!r}")


def check_refresher(host, port, db, tmp, rc):
    from mycli.main import MyCli

    raised = []
    threading.excepthook = lambda args: raised.append(f"{args.exc_type.__name__}: {args.exc_value}")
    m = MyCli(myclirc=rc)
    m.connect(database=db, user="root", passwd="", host=host, port=port, use_keyring=False)
    m.refresh_completions(reset=True)
    t = m.completion_refresher._completer_thread
    check(t is not None, "completion refresher started")
    t.join(60)
    check(not t.is_alive(), "completion refresher finished within 60 s")
    check(not raised, f"completion refresher raised: {raised}")
    tables = m.completer.dbmetadata["tables"].get(db, {})
    check("example_tbl1" in tables, f"completer tables: {sorted(tables)}")
    cols = [c for c in tables["example_tbl1"] if c != "*"]
    check(cols == EXAMPLE_COLUMNS, f"completer columns: {cols}")
    m.sqlexecute.close()


def run(host, port, db):
    conn = pymysql.connect(host=host, port=port, user="root", password="", autocommit=True)
    cur = conn.cursor()
    cur.execute(f"CREATE DATABASE {db}")
    try:
        cur.execute(EXAMPLE_DDL.format(db=db))
        cur.execute(EXAMPLE_ROWS.format(db=db))
        with tempfile.TemporaryDirectory() as tmp:
            rc = myclirc(tmp)
            check_execute(host, port, db, tmp, rc)
            check_refresher(host, port, db, tmp, rc)
            errors = log_errors(tmp)
            check(not errors, f"mycli log errors: {errors}")
    finally:
        cur.execute(f"DROP DATABASE {db}")
        conn.close()


if __name__ == "__main__":
    sys.exit(main("mycli", run))
