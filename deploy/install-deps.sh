#!/usr/bin/env bash
# Installs what building, running and testing starload needs. Idempotent: installs only what is
# missing, so a second run takes seconds. Needs root (or sudo) for apt.
#
#   deploy/install-deps.sh
#
# - Debian packages: C/C++ toolchain and headers for the RocksDB and librdkafka builds
#   (build-essential, libclang-dev, libssl-dev, pkg-config), the mold linker, the mysql CLI
#   (mariadb-client), Java 17 and the MariaDB JDBC driver, PyMySQL, promtool (prometheus: lints
#   the /metrics pages in fe/tests/telemetry_metrics.rs and .ci/run) and curl.
# - Python client libraries for the smoke tests (PyMySQL, mysql-connector-python, SQLAlchemy),
#   pip-installed for the `python3` on PATH if it cannot import them.
# - Tansu 0.6.0 (the local Kafka-compatible broker) into $HOME/.cache/starload/tools, built with
#   cargo only if $HOME/.cache/starload/tools/bin/tansu is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

apt_pkgs=(build-essential pkg-config libclang-dev libssl-dev mold mariadb-client
          python3-pymysql libmariadb-java openjdk-17-jdk-headless prometheus curl)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg -s "$p" > /dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "install-deps: Debian packages present"
fi

py="${PYTHON:-python3}"
if ! "$py" -c 'import pymysql, mysql.connector, sqlalchemy' > /dev/null 2>&1; then
  echo "install-deps: pip install Python MySQL clients for $py"
  "$py" -m pip install --quiet --disable-pip-version-check \
    "PyMySQL==1.1.1" "mysql-connector-python==9.1.0" "SQLAlchemy==2.0.36"
else
  echo "install-deps: Python MySQL clients present"
fi

tools="$HOME/.cache/starload/tools"
if [ ! -x "$tools/bin/tansu" ]; then
  echo "install-deps: building Tansu 0.6.0 into $tools (several minutes, once)"
  CARGO_TARGET_DIR="$HOME/.cache/starload/tansu-build" \
    cargo install --locked tansu --version 0.6.0 --features dynostore,libsql --root "$tools"
else
  echo "install-deps: Tansu present ($tools/bin/tansu)"
fi
