#!/usr/bin/env bash
# Runs every client smoke test against a running FE: the clients StarRocks users already run.
#
#   compat-tests/clients/run.sh [--host 127.0.0.1] [--port 9030]
#
# - mysql CLI (MariaDB's, from Debian): a query batch, and its `\s` status report;
# - PyMySQL, mysql-connector-python, SQLAlchemy inspect(engine) (smoke.py);
# - StarRocks's SQLAlchemy dialect `starrocks` (starrocks_dialect.py; its views in a line of
#   their own), mycli (mycli_smoke.py), mysqlclient, asyncmy and asyncmy2, Node's mysql2
#   (node/smoke.js), MariaDB JDBC (JdbcSmoke.java), Apache Superset (superset_smoke.py).
# deploy/install-deps.sh installs them, pinned: the Python clients into
# $HOME/.cache/starload/{clients,asyncmy,superset}-venv, mysql2 into node/node_modules.
#
# Prints one ok/FAIL line per client and `N passed, N failed`; exit 1 if any failed.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
host=127.0.0.1
port=9030
while [ $# -gt 0 ]; do
  case "$1" in
    --host) host="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
py="${PYTHON:-python3}"
venvs="$HOME/.cache/starload"
clients_py="$venvs/clients-venv/bin/python"
jar=/usr/share/java/mariadb-java-client.jar
passed=0
failed=0
result() { if [ "$1" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi; }

# Runs one client test (which prints its own ok/FAIL line) with interpreter $2, or reports it
# as not installed.
client() {
  local name="$1" interp="$2"; shift 2
  if [ ! -x "$interp" ] && ! command -v "$interp" > /dev/null 2>&1; then
    echo "FAIL $name: $interp not installed (run deploy/install-deps.sh)"; result 1; return
  fi
  (cd "$here" && timeout 300 "$interp" "$@" --host "$host" --port "$port")
  result $?
}

# mysql CLI: connect, the banner's probes, a query.
db="smoke_cli_$RANDOM$RANDOM"
if out="$(mysql -h"$host" -P"$port" -uroot -B -N -e "SELECT 1; CREATE DATABASE $db; SHOW DATABASES LIKE '$db'; DROP DATABASE $db" 2>&1)" \
   && [ "$(printf '%s\n' "$out" | tr '\n' ' ')" = "1 $db " ]; then
  echo "ok   mysql-cli"; result 0
else
  echo "FAIL mysql-cli: $out"; result 1
fi

# mysql CLI `\s`: the status report reads the connection id, DATABASE(), USER(), the server
# version and character sets; nothing may go to stderr.
status_check() {
  local out err
  err="$(mktemp)"
  out="$(mysql -h"$host" -P"$port" -uroot -D information_schema -e '\s' 2> "$err")" || { echo "exit $?: $(cat "$err")"; rm -f "$err"; return 1; }
  if [ -s "$err" ]; then echo "stderr: $(cat "$err")"; rm -f "$err"; return 1; fi
  rm -f "$err"
  local want
  for want in "^Connection id:[[:space:]]+[0-9]+$" "^Current database:[[:space:]]+information_schema$" \
              "^Current user:[[:space:]]+'?root'?@" "^Server version:[[:space:]]+8\.0\.33 " \
              "^Protocol version:[[:space:]]+10$" "^Server characterset:[[:space:]]+utf8" \
              "^TCP port:[[:space:]]+$port$"; do
    printf '%s\n' "$out" | grep -Eq "$want" || { echo "no line matching /$want/ in: $out"; return 1; }
  done
}
if why="$(status_check)"; then echo "ok   mysql-cli-status"; result 0; else echo "FAIL mysql-cli-status: $why"; result 1; fi

for d in pymysql connector sqlalchemy; do
  "$py" "$here/smoke.py" --driver "$d" --host "$host" --port "$port"
  result $?
done

client starrocks-dialect "$clients_py" starrocks_dialect.py
client starrocks-dialect-views "$clients_py" starrocks_dialect.py --views
client mycli "$clients_py" mycli_smoke.py
client mysqlclient "$clients_py" mysqlclient_smoke.py
client asyncmy "$venvs/asyncmy-venv/bin/python" asyncmy_smoke.py --name asyncmy
client asyncmy2 "$clients_py" asyncmy_smoke.py --name asyncmy2
client mysql2 node node/smoke.js

classes="$(mktemp -d)"
if javac -cp "$jar" -d "$classes" "$here/JdbcSmoke.java" 2>&1; then
  java -cp "$classes:$jar" JdbcSmoke "$host" "$port"
  result $?
else
  echo "FAIL jdbc: javac failed"; result 1
fi
rm -rf "$classes"

# Superset logs its migrations and warnings; only its result line is kept.
sout="$(mktemp)"
client superset "$venvs/superset-venv/bin/python" superset_smoke.py > "$sout" 2>&1
grep -E '^(ok  |FAIL) superset' "$sout" || { echo "FAIL superset: no result line"; tail -n 20 "$sout"; }
rm -f "$sout"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
