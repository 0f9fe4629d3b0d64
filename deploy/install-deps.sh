#!/usr/bin/env bash
# Installs what building, running and testing starload needs. Idempotent: installs only what is
# missing, so a second run takes seconds. Needs root (or sudo) for apt.
#
#   deploy/install-deps.sh [--run-only] [--no-tansu | --tansu-only]
#
# --run-only: only what building and running a cluster needs (the first four Debian packages
# below, the mold linker, the mysql CLI, curl; no test clients): deploy/quickstart.sh's first
# run. --no-tansu / --tansu-only split off Tansu's build so the quickstart can run it next to
# the workspace build.
#
# - Debian packages: C/C++ toolchain and headers for the RocksDB and librdkafka builds
#   (build-essential, libclang-dev, libssl-dev, pkg-config), the mold linker, the mysql CLI
#   (mariadb-client), Java 17 and the MariaDB JDBC driver, PyMySQL, promtool (prometheus: lints
#   the /metrics pages in fe/tests/telemetry_metrics.rs and .ci/run), curl, and chromium (the
#   console's browser test, compat-tests/console, driven by playwright-core).
# - Python client libraries for the smoke tests (PyMySQL, mysql-connector-python, SQLAlchemy),
#   pip-installed for the `python3` on PATH if it cannot import them.
# - The clients of compat-tests/clients/run.sh, each pinned by a lock file there: Python venvs
#   under $HOME/.cache/starload (clients-venv: the starrocks dialect, mycli, mysqlclient (built
#   against libmariadb-dev), asyncmy2; asyncmy-venv; superset-venv: Apache Superset), and Node's
#   mysql2 (npm ci into compat-tests/clients/node). A venv is rebuilt only when its requirements
#   file changed (its hash is kept in the venv).
# - Tansu 0.6.0 (the local Kafka-compatible broker) into $HOME/.cache/starload/tools, built with
#   cargo only if $HOME/.cache/starload/tools/bin/tansu is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

tansu=yes
packages=yes
run_only=no
for arg in "$@"; do
  case "$arg" in
    --no-tansu) tansu=no ;;
    --tansu-only) packages=no ;;
    --run-only) run_only=yes ;;
    *) echo "install-deps.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

install_tansu() {
  local tools="$HOME/.cache/starload/tools"
  if [ ! -x "$tools/bin/tansu" ]; then
    # dynostore brings no extra crates (tansu-schema needs object_store anyway): the same 391
    # crates are built with or without it (cargo tree), so the feature set stays as tested.
    echo "install-deps: building Tansu 0.6.0 into $tools (several minutes, once)"
    CARGO_TARGET_DIR="$HOME/.cache/starload/tansu-build" \
      cargo install --locked tansu --version 0.6.0 --features dynostore,libsql --root "$tools"
  else
    echo "install-deps: Tansu present ($tools/bin/tansu)"
  fi
}
if [ "$packages" = no ]; then
  install_tansu
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

apt_pkgs=(build-essential pkg-config libclang-dev libssl-dev mold mariadb-client
          python3-pymysql libmariadb-java openjdk-17-jdk-headless prometheus curl
          libmariadb-dev python3-venv chromium)
if [ "$run_only" = yes ]; then
  apt_pkgs=(build-essential pkg-config libclang-dev libssl-dev mold mariadb-client curl)
fi
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg -s "$p" > /dev/null 2>&1 || missing+=("$p")
done
# Node (for mysql2's smoke test): Debian's packages unless a node and npm are already present.
if [ "$run_only" = no ] && { ! command -v node > /dev/null 2>&1 || ! command -v npm > /dev/null 2>&1; }; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "install-deps: Debian packages present"
fi

if [ "$run_only" = yes ]; then
  if [ "$tansu" = yes ]; then install_tansu; fi
  exit 0
fi

py="${PYTHON:-python3}"
if ! "$py" -c 'import pymysql, mysql.connector, sqlalchemy' > /dev/null 2>&1; then
  echo "install-deps: pip install Python MySQL clients for $py"
  "$py" -m pip install --quiet --disable-pip-version-check \
    "PyMySQL==1.1.1" "mysql-connector-python==9.1.0" "SQLAlchemy==2.0.36"
else
  echo "install-deps: Python MySQL clients present"
fi

# A venv at $1 holding exactly the pinned requirements file $2 (rebuilt when the file changes).
pinned_venv() {
  local venv="$1" req="$2" want
  want="$(sha256sum "$req" | cut -d' ' -f1)"
  if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.requirements.sha256" 2> /dev/null)" = "$want" ]; then
    echo "install-deps: $(basename "$venv") present"
    return
  fi
  echo "install-deps: building $venv from $req"
  rm -rf "$venv"
  "$py" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  echo "$want" > "$venv/.requirements.sha256"
}
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
clients="$repo/compat-tests/clients"
pinned_venv "$HOME/.cache/starload/clients-venv" "$clients/requirements.txt"
pinned_venv "$HOME/.cache/starload/asyncmy-venv" "$clients/asyncmy-requirements.txt"
pinned_venv "$HOME/.cache/starload/superset-venv" "$clients/superset-requirements.txt"

# mysql2 for Node, exactly as package-lock.json pins it.
lock_hash="$(sha256sum "$clients/node/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$clients/node/node_modules/.lock.sha256" 2> /dev/null)" = "$lock_hash" ]; then
  echo "install-deps: Node mysql2 present"
else
  echo "install-deps: npm ci (mysql2) in $clients/node"
  (cd "$clients/node" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_hash" > "$clients/node/node_modules/.lock.sha256"
fi

# playwright-core and mysql2 for the console's browser test (compat-tests/console), pinned the same way.
console="$repo/compat-tests/console"
lock_hash="$(sha256sum "$console/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$console/node_modules/.lock.sha256" 2> /dev/null)" != "$lock_hash" ]; then
  echo "install-deps: npm ci (playwright-core, mysql2) in $console"
  (cd "$console" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_hash" > "$console/node_modules/.lock.sha256"
fi

if [ "$tansu" = yes ]; then install_tansu; fi
