#!/usr/bin/env bash
# Browser test of the FE web console against a running cluster (issue 18):
#
#   compat-tests/console/run.sh --port 9030 --http-port 8030 --kafka-port 9092 --dir CLUSTER_DIR
#
# 1. starts a Tansu broker on 127.0.0.1:<kafka-port> (SQLite under CLUSTER_DIR/console-broker);
# 2. creates the seed's topics and messages and runs the seed's statements verbatim
#    (deploy/quickstart: example_db, two tables, two routine load jobs; example_db is dropped
#    first);
# 3. runs console.test.js (playwright-core + Debian's chromium, headless; mysql2), which saves
#    one screenshot per page and timings.json under CLUSTER_DIR/console-screenshots;
# 4. stops the seed's jobs, drops example_db and stops the broker.
# deploy/install-deps.sh installs chromium and `npm ci`s this directory. Prints the test's
# ok/FAIL lines and `N passed, N failed`; exit 1 if anything failed.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
port=9030
http_port=8030
kafka_port=9092
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --http-port) http_port="$2"; shift 2 ;;
    --kafka-port) kafka_port="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$dir" ] || { echo "run.sh: --dir is required"; echo "0 passed, 1 failed"; exit 2; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/starload/target}"
kafka_tool="$CARGO_TARGET_DIR/release/starload-kafka"
tansu="${STARLOAD_TANSU:-$HOME/.cache/starload/tools/bin/tansu}"
mysql_cmd=(mysql -h127.0.0.1 -P"$port" -uroot)
brokers="127.0.0.1:$kafka_port"
bdir="$dir/console-broker"
bpid=""

fail() { echo "FAIL console setup: $*"; echo "0 passed, 1 failed"; exit 1; }
cleanup() {
  "${mysql_cmd[@]}" -e "STOP ROUTINE LOAD FOR example_db.example_tbl1_ordertest1" > /dev/null 2>&1
  "${mysql_cmd[@]}" -e "STOP ROUTINE LOAD FOR example_db.example_tbl2_ordertest2" > /dev/null 2>&1
  "${mysql_cmd[@]}" -e "DROP DATABASE IF EXISTS example_db" > /dev/null 2>&1
  if [ -n "$bpid" ]; then kill -TERM "$bpid" 2> /dev/null; wait "$bpid" 2> /dev/null; fi
}
trap cleanup EXIT

[ -d "$here/node_modules/playwright-core" ] || fail "node_modules missing (run deploy/install-deps.sh)"
command -v "${CHROMIUM:-chromium}" > /dev/null 2>&1 || fail "chromium missing (run deploy/install-deps.sh)"

rm -rf "$bdir" && mkdir -p "$bdir"
(cd "$bdir" && exec "$tansu" broker --listener-url="tcp://$brokers" --advertised-listener-url="tcp://$brokers" \
    --storage-engine=sqlite://tansu.db >> "$bdir/tansu.out" 2>&1 < /dev/null) &
bpid=$!
timeout 60 "$kafka_tool" --broker "$brokers" wait || fail "broker at $brokers did not start ($bdir/tansu.out)"

seed="$repo/deploy/quickstart"
"${mysql_cmd[@]}" -e "DROP DATABASE IF EXISTS example_db" || fail "DROP DATABASE example_db"
"$kafka_tool" --broker "$brokers" create-topic ordertest1 5 > /dev/null || fail "create topic ordertest1"
"$kafka_tool" --broker "$brokers" create-topic ordertest2 5 > /dev/null || fail "create topic ordertest2"
"$kafka_tool" --broker "$brokers" produce ordertest1 5 < "$seed/ordertest1.csv" > /dev/null || fail "produce ordertest1"
"$kafka_tool" --broker "$brokers" produce ordertest2 5 < "$seed/ordertest2.json" > /dev/null || fail "produce ordertest2"
sed "s/<kafka_broker1_ip>:<kafka_broker1_port>,<kafka_broker2_ip>:<kafka_broker2_port>/$brokers/" \
  "$seed/seed.sql" | "${mysql_cmd[@]}" > /dev/null || fail "seed statements"

(cd "$here" && timeout 300 node console.test.js --host 127.0.0.1 --port "$port" --http-port "$http_port" --out "$dir")
