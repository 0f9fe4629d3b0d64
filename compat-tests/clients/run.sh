#!/usr/bin/env bash
# Runs every client smoke test against a running FE: the mysql CLI, PyMySQL,
# mysql-connector-python, SQLAlchemy inspect(engine), MariaDB JDBC.
#
#   compat-tests/clients/run.sh [--host 127.0.0.1] [--port 9030]
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
jar=/usr/share/java/mariadb-java-client.jar
passed=0
failed=0
result() { if [ "$1" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi; }

# mysql CLI: connect, the banner's probes, a query.
db="smoke_cli_$RANDOM$RANDOM"
if out="$(mysql -h"$host" -P"$port" -uroot -B -N -e "SELECT 1; CREATE DATABASE $db; SHOW DATABASES LIKE '$db'; DROP DATABASE $db" 2>&1)" \
   && [ "$(printf '%s\n' "$out" | tr '\n' ' ')" = "1 $db " ]; then
  echo "ok   mysql-cli"; result 0
else
  echo "FAIL mysql-cli: $out"; result 1
fi

for d in pymysql connector sqlalchemy; do
  "$py" "$here/smoke.py" --driver "$d" --host "$host" --port "$port"
  result $?
done

classes="$(mktemp -d)"
if javac -cp "$jar" -d "$classes" "$here/JdbcSmoke.java" 2>&1; then
  java -cp "$classes:$jar" JdbcSmoke "$host" "$port"
  result $?
else
  echo "FAIL jdbc: javac failed"; result 1
fi
rm -rf "$classes"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
