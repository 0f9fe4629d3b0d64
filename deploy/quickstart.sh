#!/usr/bin/env bash
# The main job in one command (the README's first command):
#
#   deploy/quickstart.sh [--bes N] [--dir DIR] [--port-offset K]
#
# 1. installs what building and running needs (deploy/install-deps.sh --run-only), then builds
#    the shipped binaries (cargo profile `dist`: starload-fe, starload-be, starload-kafka) while
#    Tansu builds next to them (first run only);
# 2. starts a local cluster with StarRocks's default ports (deploy/start-cluster.sh; 3 BEs)
#    from the dist binaries (STARLOAD_PROFILE=dist);
#    (--port-offset K adds K to every port, the broker's included);
# 3. starts a local Tansu broker on 127.0.0.1:9092 (SQLite storage under DIR/broker) unless
#    KAFKA_BROKERS names your own brokers (host:port,host:port);
# 4. creates topics ordertest1 and ordertest2 (5 partitions) and produces the seed's sample
#    CSV and JSON messages (deploy/quickstart/*.csv|json);
# 5. runs the seed's CREATE TABLE and CREATE ROUTINE LOAD statements verbatim
#    (deploy/quickstart/seed.sql; only the broker list is substituted);
# 6. waits for the rows, then prints SHOW ROUTINE LOAD and the loaded rows.
# Re-running starts over: example_db is dropped and the local broker's data is wiped.
# Each phase's time is printed at the end.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
bes=3
offset=0
dir="$HOME/.cache/starload/cluster"
while [ $# -gt 0 ]; do
  case "$1" in
    --bes) bes="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --port-offset) offset="$2"; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "quickstart.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/starload/target}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

# Phase times, printed at the end (and when a phase fails).
times=()
t_phase=$(date +%s.%N)
t_all=$t_phase
# since T0 [T1]: seconds from T0 to T1 (now), one decimal (awk: bc is not on every machine).
since() { awk -v a="$1" -v b="${2:-$(date +%s.%N)}" 'BEGIN { printf "%.1f", b - a }'; }
lap() {
  local now
  now=$(date +%s.%N)
  times+=("$(printf '%-16s %7s s' "$1" "$(since "$t_phase" "$now")")")
  t_phase=$now
}
print_times() {
  echo "== phase times"
  printf '  %s\n' "${times[@]}"
  printf '  %-16s %7s s\n' total "$(since "$t_all")"
}
trap 'print_times' EXIT

echo "== 1. dependencies and build"
"$here/install-deps.sh" --run-only --no-tansu
lap "deps install"
# Tansu (first run only: several minutes) builds next to the workspace: both are cargo builds
# with their own target dirs, and each leaves cores idle while it links or runs one big crate.
tansu_log="$dir/tansu-build.log"
t_tansu=$(date +%s.%N)
# The subshell stamps its own end, so the broker's time is its build's, not the wait's.
("$here/install-deps.sh" --tansu-only > "$tansu_log" 2>&1; rc=$?; date +%s.%N > "$tansu_log.end"; exit $rc) &
tansu_pid=$!
# RocksDB's C++ and librdkafka's configure are the two longest steps of the build, and cargo's
# scheduler starts them late because few crates depend on them: in a cold build RocksDB began at
# 592 s of 1999 and the FE then waited for it at the end. Built first, RocksDB's files compile on
# every core while librdkafka configures, and the crates after them keep both cores busy.
(cd "$repo" && cargo build --profile dist -p librocksdb-sys -p rdkafka-sys)
lap "native libs"
# Only what the quickstart runs, in the shipped profile (tests and CI build `--release
# --workspace` instead; see Cargo.toml's [profile.dist]). `--no-default-features` leaves the
# test harness out of compat-tests (starload-fe and starload-be have no features).
(cd "$repo" && cargo build --profile dist -p starload-fe -p starload-be -p starload-compat-tests \
   --no-default-features --bin starload-fe --bin starload-be --bin starload-kafka)
lap "workspace build"
if ! wait "$tansu_pid"; then
  cat "$tansu_log" >&2
  echo "quickstart.sh: building Tansu failed" >&2
  exit 1
fi
times+=("$(printf '%-16s %7s s (next to the native libs and workspace builds; %s)' "broker build" \
  "$(since "$t_tansu" "$(cat "$tansu_log.end")")" \
  "$(grep -E 'Finished|Tansu present' "$tansu_log" | tail -n 1 | sed 's/^ *//')")")
t_phase=$(date +%s.%N)
bin_dir="$CARGO_TARGET_DIR/dist"
kafka_tool="$bin_dir/starload-kafka"

echo "== 2. cluster"
STARLOAD_PROFILE=dist "$here/start-cluster.sh" --bes "$bes" --port-offset "$offset" --dir "$dir"
lap "cluster start"
mysql_cmd=(mysql -h127.0.0.1 "-P$((9030 + offset))" -uroot)

echo "== 3. broker"
if [ -n "${KAFKA_BROKERS:-}" ]; then
  brokers="$KAFKA_BROKERS"
  echo "using your brokers: $brokers"
else
  brokers="127.0.0.1:$((9092 + offset))"
  bdir="$dir/broker"
  if [ -f "$bdir/pid" ] && kill -0 "$(cat "$bdir/pid")" 2>/dev/null; then
    kill -TERM "$(cat "$bdir/pid")" 2>/dev/null || true
    while kill -0 "$(cat "$bdir/pid")" 2>/dev/null; do sleep 0.2; done
  fi
  rm -rf "$bdir"
  mkdir -p "$bdir"
  (cd "$bdir" && exec nohup "$HOME/.cache/starload/tools/bin/tansu" broker \
      --listener-url="tcp://$brokers" --advertised-listener-url="tcp://$brokers" \
      --storage-engine=sqlite://tansu.db >> "$bdir/tansu.out" 2>&1 < /dev/null) &
  echo $! > "$bdir/pid"
  "$kafka_tool" --broker "$brokers" wait
  echo "Tansu broker at $brokers (pid $(cat "$bdir/pid")), data in $bdir"
fi
lap "broker start"

echo "== 4. topics and the seed's messages"
"${mysql_cmd[@]}" -e "DROP DATABASE IF EXISTS example_db"
"$kafka_tool" --broker "$brokers" create-topic ordertest1 5
"$kafka_tool" --broker "$brokers" create-topic ordertest2 5
"$kafka_tool" --broker "$brokers" produce ordertest1 5 < "$here/quickstart/ordertest1.csv"
"$kafka_tool" --broker "$brokers" produce ordertest2 5 < "$here/quickstart/ordertest2.json"
lap "topics, messages"

echo "== 5. the seed's statements"
sed "s/<kafka_broker1_ip>:<kafka_broker1_port>,<kafka_broker2_ip>:<kafka_broker2_port>/$brokers/" \
  "$here/quickstart/seed.sql" | "${mysql_cmd[@]}" -v

echo "== 6. results"
want1=$(grep -c . "$here/quickstart/ordertest1.csv")
want2=$(grep -c . "$here/quickstart/ordertest2.json")
deadline=$((SECONDS + 120))
count() { "${mysql_cmd[@]}" -N -B -e "SELECT count(*) FROM example_db.$1" 2>/dev/null || echo 0; }
until [ "$(count example_tbl1)" -ge "$want1" ] && [ "$(count example_tbl2)" -ge "$want2" ]; do
  if [ $SECONDS -ge $deadline ]; then echo "rows did not arrive within 120s (see SHOW ROUTINE LOAD below)"; break; fi
  sleep 1
done
lap "job run"
"${mysql_cmd[@]}" -e "SHOW ROUTINE LOAD FROM example_db\G"
"${mysql_cmd[@]}" -t -e "SELECT * FROM example_db.example_tbl1 ORDER BY order_id, customer_name; SELECT * FROM example_db.example_tbl2 ORDER BY commodity_id"
echo
echo "Connect with: mysql -h127.0.0.1 -P$((9030 + offset)) -uroot example_db"
echo "Stop everything with: deploy/stop-cluster.sh --dir $dir"
