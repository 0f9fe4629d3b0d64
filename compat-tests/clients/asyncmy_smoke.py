#!/usr/bin/env python3
"""Smoke test of asyncmy (asyncio MySQL driver) against a starload FE.

    asyncmy_smoke.py [--host 127.0.0.1] [--port 9030] [--name asyncmy]

run.sh runs it twice: with asyncmy itself (its own venv) and with asyncmy2, the fork that the
starrocks dialect pulls in (same `asyncmy` module). A pool of connections, DDL, a
parameterised INSERT, a group-by SELECT through a DictCursor, and the database dropped.
"""
import asyncio
import sys

import asyncmy
from asyncmy.cursors import DictCursor

from smoke_common import EXAMPLE_DDL, EXAMPLE_ROWS, check, main


async def flow(host, port, db):
    pool = await asyncmy.create_pool(host=host, port=port, user="root", password="", autocommit=True, maxsize=2)
    try:
        async with pool.acquire() as conn:
            async with conn.cursor() as cur:
                await cur.execute("SELECT VERSION()")
                (version,) = await cur.fetchone()
                check(version.startswith("8.0.33"), f"VERSION(): {version!r}")
                await cur.execute(f"CREATE DATABASE {db}")
        try:
            async with pool.acquire() as conn:
                async with conn.cursor() as cur:
                    await cur.execute(EXAMPLE_DDL.format(db=db))
                    await cur.execute(EXAMPLE_ROWS.format(db=db))
                    n = await cur.execute(
                        f"INSERT INTO {db}.example_tbl1 VALUES (%s, %s, %s, %s, %s)",
                        (4, "2024-02-01", "dan", "it", 1.25),
                    )
                    check(n == 1, f"INSERT rowcount: {n}")
                async with conn.cursor(cursor=DictCursor) as cur:
                    await cur.execute(
                        f"SELECT nationality, count(*) AS n FROM {db}.example_tbl1 "
                        "WHERE price > %s GROUP BY nationality ORDER BY nationality",
                        (1.0,),
                    )
                    rows = [(r["nationality"], int(r["n"])) for r in await cur.fetchall()]
                    check(rows == [("de", 1), ("fr", 2), ("it", 1)], f"group by: {rows}")
        finally:
            async with pool.acquire() as conn:
                async with conn.cursor() as cur:
                    await cur.execute(f"DROP DATABASE {db}")
    finally:
        pool.close()
        await pool.wait_closed()


if __name__ == "__main__":
    name = "asyncmy"
    if "--name" in sys.argv:
        i = sys.argv.index("--name")
        name = sys.argv[i + 1]
        del sys.argv[i:i + 2]
    sys.exit(main(name, lambda h, p, d: asyncio.run(flow(h, p, d))))
