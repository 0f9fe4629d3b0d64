"""Pieces shared by the Python client smoke tests in this folder (run by run.sh).

Each test script calls `main(client, run)`: it parses --host/--port, makes a database name of
its own, calls run(host, port, db) and prints one `ok   <client>` or `FAIL <client>: why` line.
"""
import argparse
import logging
import sys
import uuid

# The seed's example table (DUPLICATE KEY), with column and table comments for reflection.
EXAMPLE_DDL = """CREATE TABLE {db}.example_tbl1 (
    `order_id` bigint NOT NULL COMMENT "Order ID",
    `pay_dt` date NOT NULL COMMENT "Payment date",
    `customer_name` varchar(26) NULL COMMENT "Customer name",
    `nationality` varchar(26) NULL COMMENT "Nationality",
    `price`double NULL COMMENT "Price"
)
ENGINE=OLAP
DUPLICATE KEY (order_id,pay_dt)
COMMENT "orders of the smoke test"
DISTRIBUTED BY HASH(`order_id`)"""
EXAMPLE_COLUMNS = ["order_id", "pay_dt", "customer_name", "nationality", "price"]
EXAMPLE_ROWS = """INSERT INTO {db}.example_tbl1 VALUES
    (1, '2024-01-01', 'alice', 'fr', 10.5),
    (2, '2024-01-02', 'bob', 'de', 20.0),
    (3, '2024-01-02', 'carol', 'fr', 4.5)"""

# A PRIMARY KEY table: what get_pk_constraint / getPrimaryKeys report.
USERS_DDL = """CREATE TABLE {db}.users (
    `id` bigint NOT NULL COMMENT "User ID",
    `name` varchar(32) NULL,
    `score` int NULL
)
PRIMARY KEY (id)
DISTRIBUTED BY HASH(`id`)"""


def check(cond, what):
    if not cond:
        raise AssertionError(what)


class WarningCollector(logging.Handler):
    """Collects WARNING+ records: client libraries log the server errors they swallow."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(f"{record.name}: {record.getMessage()}")


def main(client, run):
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=9030)
    a = p.parse_args()
    db = f"smoke_{client.replace('-', '_')}_{uuid.uuid4().hex[:12]}"
    try:
        run(a.host, a.port, db)
    except Exception as e:  # noqa: BLE001 - report any failure as the smoke test's result
        print(f"FAIL {client}: {type(e).__name__}: {e}")
        return 1
    print(f"ok   {client}")
    return 0


if __name__ == "__main__":
    sys.exit("smoke_common.py is a library of the smoke tests")
