#!/usr/bin/env bash
# Stops every process of a cluster started by start-cluster.sh (data is kept).
#
#   deploy/stop-cluster.sh [--dir DIR]     (default $HOME/.cache/starload/cluster)
#
# Sends SIGTERM to each DIR/*/pid that names a running starload process, waits up to 15 s, then
# SIGKILL.
set -euo pipefail

dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --dir=*) dir="${1#*=}"; shift ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "stop-cluster.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
dir="${dir:-$HOME/.cache/starload/cluster}"
[ -d "$dir" ] || { echo "stop-cluster.sh: no cluster dir $dir" >&2; exit 0; }

pids=()
for f in "$dir"/*/pid; do
  [ -f "$f" ] || continue
  pid="$(cat "$f" 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null \
     && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -E 'starload-(fe|be)|tansu'; then
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid")
    echo "stopping $(basename "$(dirname "$f")") (pid $pid)"
  fi
  rm -f "$f"
done

deadline=$((SECONDS + 15))
for pid in "${pids[@]}"; do
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then kill -KILL "$pid" 2>/dev/null || true; break; fi
    sleep 0.2
  done
done
echo "starload cluster in $dir stopped"
