#!/usr/bin/env bash
# Starts a local starload cluster: M starload-fe and N starload-be processes on 127.0.0.1.
#
#   deploy/start-cluster.sh [--fes M] [--bes N] [--port-offset K] [--dir DIR]
#
# - Builds the release binaries if they are missing (cargo build --release), honouring
#   CARGO_TARGET_DIR (default $HOME/.cache/starload/target).
# - Ports: StarRocks's defaults plus K; FE and BE number n (from 0) add a further 100*n.
#     FE query_port 9030, http_port 8030, rpc_port 9020, edit_log_port 9010
#     BE be_port 9060, heartbeat_service_port 9050, be_http_port 8040, brpc_port 8060
# - FEs (default 1): the first is the helper and starts the cluster; every further FE is
#   added with ALTER SYSTEM ADD FOLLOWER and started with --helper; waits until all are alive.
# - Files: DIR/fe/ (first FE), DIR/fe<n>/ (n >= 1) {pid,fe.conf,fe.out,meta/,log/},
#   DIR/be<n>/{pid,be.conf,be.out,storage/,log/}.
#   fe.conf / be.conf are copied from deploy/conf on first start; edit them to change settings.
# - Adds every BE with ALTER SYSTEM ADD BACKEND, waits until all are alive, exits 0.
# - Run again on the same DIR: restarts whatever is not running, keeps the data.
# - With one BE the FE gets default_replication_num=1.
# Environment: STARLOAD_ROOT_PASSWORD (if root has a password), STARLOAD_START_TIMEOUT (s, 120),
# STARLOAD_PROFILE (cargo profile of the binaries, default release).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

bes=""
fes=""
offset=""
dir=""
usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --bes) bes="$2"; shift 2 ;;
    --bes=*) bes="${1#*=}"; shift ;;
    --fes) fes="$2"; shift 2 ;;
    --fes=*) fes="${1#*=}"; shift ;;
    --port-offset) offset="$2"; shift 2 ;;
    --port-offset=*) offset="${1#*=}"; shift ;;
    --dir) dir="$2"; shift 2 ;;
    --dir=*) dir="${1#*=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "start-cluster.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
dir="${dir:-$HOME/.cache/starload/cluster}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

# A re-run without --bes/--port-offset keeps the values of the first run.
if [ -f "$dir/cluster.env" ]; then
  # shellcheck disable=SC1091
  . "$dir/cluster.env"
  bes="${bes:-$STARLOAD_BES}"
  fes="${fes:-${STARLOAD_FES:-}}"
  offset="${offset:-$STARLOAD_PORT_OFFSET}"
fi
bes="${bes:-3}"
fes="${fes:-1}"
offset="${offset:-0}"
case "$bes$fes$offset" in *[!0-9]*) echo "start-cluster.sh: --fes, --bes and --port-offset take numbers" >&2; exit 2 ;; esac
if [ "$bes" -lt 1 ]; then echo "start-cluster.sh: --bes must be at least 1" >&2; exit 2; fi
if [ "$fes" -lt 1 ]; then echo "start-cluster.sh: --fes must be at least 1" >&2; exit 2; fi
printf 'STARLOAD_BES=%s\nSTARLOAD_FES=%s\nSTARLOAD_PORT_OFFSET=%s\n' "$bes" "$fes" "$offset" > "$dir/cluster.env"

timeout_s="${STARLOAD_START_TIMEOUT:-120}"
target="${CARGO_TARGET_DIR:-$HOME/.cache/starload/target}"
profile="${STARLOAD_PROFILE:-release}"
fe_bin="$target/$profile/starload-fe"
be_bin="$target/$profile/starload-be"
if [ ! -x "$fe_bin" ] || [ ! -x "$be_bin" ]; then
  echo "Building $profile binaries into $target ..."
  (cd "$repo" && CARGO_TARGET_DIR="$target" cargo build --profile "$profile" -p starload-fe -p starload-be --bins)
fi

query_port=$((9030 + offset))
http_port=$((8030 + offset))
rpc_port=$((9020 + offset))

mysql_cmd=(mysql -h127.0.0.1 "-P$query_port" -uroot --connect-timeout=2)
if [ -n "${STARLOAD_ROOT_PASSWORD:-}" ]; then mysql_cmd+=("-p$STARLOAD_ROOT_PASSWORD"); fi

# pid_alive FILE NAME: true if FILE holds the pid of a running NAME process.
pid_alive() {
  local f="$1" name="$2" pid
  [ -f "$f" ] || return 1
  pid="$(cat "$f" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "$name"
}

# start_proc NAME DIR BIN CONF ARGS...: starts BIN in DIR unless DIR/pid is alive.
start_proc() {
  local name="$1" pdir="$2" bin="$3" conf="$4"; shift 4
  mkdir -p "$pdir"
  if pid_alive "$pdir/pid" "$(basename "$bin")"; then
    echo "$name already running (pid $(cat "$pdir/pid"))"
    return 0
  fi
  [ -f "$pdir/$(basename "$conf")" ] || cp "$conf" "$pdir/$(basename "$conf")"
  # exec: the pid file must name the server itself (not a wrapping shell), and no shell may
  # keep our caller's stdout open.
  (cd "$pdir" && exec nohup "$bin" "--conf=$pdir/$(basename "$conf")" "$@" >> "$pdir/$name.out" 2>&1 < /dev/null) &
  echo $! > "$pdir/pid"
  echo "started $name (pid $(cat "$pdir/pid")), log $pdir/$name.out"
}

fail() {
  echo "start-cluster.sh: $1" >&2
  if [ -n "${2:-}" ] && [ -f "$2" ]; then echo "---- tail of $2 ----" >&2; tail -n 40 "$2" >&2; fi
  exit 1
}

# fe_dir N / fe_args N: FE number N's directory and flags (FE 0 is the helper).
fe_dir() { if [ "$1" -eq 0 ]; then echo "$dir/fe"; else echo "$dir/fe$1"; fi; }
edit_port() { echo $((9010 + offset + 100 * $1)); }
helper="127.0.0.1:$(edit_port 0)"
fe_args() {
  local n="$1" o=$((offset + 100 * $1)) d
  d="$(fe_dir "$1")"
  local a=(--query_port=$((9030 + o)) --http_port=$((8030 + o)) --rpc_port=$((9020 + o))
           --edit_log_port=$((9010 + o)) --meta_dir="$d/meta" --sys_log_dir="$d/log")
  if [ "$n" -gt 0 ]; then a+=(--helper="$helper"); fi
  if [ "$bes" -eq 1 ]; then a+=(--default_replication_num=1); fi
  printf '%s\n' "${a[@]}"
}
mapfile -t args0 < <(fe_args 0)
start_proc fe "$(fe_dir 0)" "$fe_bin" "$here/conf/fe.conf" "${args0[@]}"

for ((n = 0; n < bes; n++)); do
  o=$((offset + 100 * n))
  start_proc be "$dir/be$n" "$be_bin" "$here/conf/be.conf" \
    --be_port=$((9060 + o)) --heartbeat_service_port=$((9050 + o)) \
    --be_http_port=$((8040 + o)) --brpc_port=$((8060 + o)) \
    --storage_root_path="$dir/be$n/storage" --sys_log_dir="$dir/be$n/log"
done

deadline=$((SECONDS + timeout_s))
until "${mysql_cmd[@]}" -e 'SELECT 1' > /dev/null 2>&1; do
  pid_alive "$dir/fe/pid" starload-fe || fail "starload-fe exited" "$dir/fe/fe.out"
  [ $SECONDS -lt $deadline ] || fail "starload-fe not answering on port $query_port after ${timeout_s}s" "$dir/fe/fe.out"
  sleep 0.5
done

# show_backends: "IP<TAB>HeartbeatPort<TAB>Alive" per backend, found by column title.
show_backends() {
  "${mysql_cmd[@]}" -B -e 'SHOW BACKENDS' 2>/dev/null | awk -F'\t' '
    NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "IP") ip = i; if ($i == "HeartbeatPort") hb = i; if ($i == "Alive") al = i }; next }
    { print $ip "\t" $hb "\t" $al }'
}

# show_frontends: "IP<TAB>EditLogPort<TAB>Role<TAB>Alive" per frontend.
show_frontends() {
  "${mysql_cmd[@]}" -B -e 'SHOW FRONTENDS' 2>/dev/null | awk -F'\t' '
    NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "IP") ip = i; if ($i == "EditLogPort") ep = i; if ($i == "Role") r = i; if ($i == "Alive") al = i }; next }
    { print $ip "\t" $ep "\t" $r "\t" $al }'
}

if [ "$fes" -gt 1 ]; then
  listed_fes="$(show_frontends)"
  for ((n = 1; n < fes; n++)); do
    ep="$(edit_port "$n")"
    if ! printf '%s\n' "$listed_fes" | awk -F'\t' -v ep="$ep" '$1 == "127.0.0.1" && $2 == ep { found = 1 } END { exit !found }'; then
      "${mysql_cmd[@]}" -e "ALTER SYSTEM ADD FOLLOWER \"127.0.0.1:$ep\"" || fail "ALTER SYSTEM ADD FOLLOWER 127.0.0.1:$ep failed" "$dir/fe/fe.out"
    fi
    mapfile -t argsn < <(fe_args "$n")
    start_proc "fe" "$(fe_dir "$n")" "$fe_bin" "$here/conf/fe.conf" "${argsn[@]}"
  done
  # Every FE alive and voting (a FOLLOWER is a voter once it caught up).
  until [ "$(show_frontends | awk -F'\t' '($3 == "LEADER" || $3 == "FOLLOWER") && $4 == "true" { c++ } END { print c + 0 }')" -eq "$fes" ]; do
    for ((n = 1; n < fes; n++)); do
      pid_alive "$(fe_dir "$n")/pid" starload-fe || fail "starload-fe $n exited" "$(fe_dir "$n")/fe.out"
    done
    [ $SECONDS -lt $deadline ] || { show_frontends >&2; fail "frontends not all alive after ${timeout_s}s" "$dir/fe/fe.out"; }
    sleep 0.5
  done
fi

listed="$(show_backends)"
for ((n = 0; n < bes; n++)); do
  hb=$((9050 + offset + 100 * n))
  if ! printf '%s\n' "$listed" | awk -F'\t' -v hb="$hb" '$1 == "127.0.0.1" && $2 == hb { found = 1 } END { exit !found }'; then
    "${mysql_cmd[@]}" -e "ALTER SYSTEM ADD BACKEND \"127.0.0.1:$hb\"" || fail "ALTER SYSTEM ADD BACKEND 127.0.0.1:$hb failed" "$dir/fe/fe.out"
  fi
done

until [ "$(show_backends | awk -F'\t' -v off="$offset" -v n="$bes" '
        { for (k = 0; k < n; k++) if ($1 == "127.0.0.1" && $2 == 9050 + off + 100 * k && $3 == "true") c++ }
        END { print c + 0 }')" -eq "$bes" ]; do
  for ((n = 0; n < bes; n++)); do
    pid_alive "$dir/be$n/pid" starload-be || fail "starload-be $n exited" "$dir/be$n/be.out"
  done
  [ $SECONDS -lt $deadline ] || { show_backends >&2; fail "backends not all alive after ${timeout_s}s" "$dir/fe/fe.out"; }
  sleep 0.5
done

echo "starload cluster is up: $fes FE(s), $bes BE(s), files under $dir"
echo "Connect with: mysql -h127.0.0.1 -P$query_port -uroot"
