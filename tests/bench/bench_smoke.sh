#!/usr/bin/env bash
# Smoke test of notify-bench: start a server, run ~2 s of fan-out with 50 subscribers, and
# check that the tool exits 0, saw deliveries and lost none. No timing assertions.
#
#   bench_smoke.sh NOTIFY_BENCH PORT WORK_DIR TARGET -- SERVER_COMMAND...
set -euo pipefail

bench=$1 port=$2 work=$3 target=$4
shift 4
[[ "${1:-}" == -- ]] && shift
mkdir -p "$work"
json="$work/smoke-$target.json"
rm -f "$json"

"$@" >"$work/server-$target.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true' EXIT

for ((i = 0; i < 100; i++)); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "FAIL: the $target server exited early:"; cat "$work/server-$target.log"; exit 1
  fi
  sleep 0.1
done

extra=()
[[ "$target" == notify ]] && extra=(--path /pubsub)
if ! "$bench" --target "$target" --port "$port" "${extra[@]}" --subscribers 50 --warmup 0.5 \
    --duration 1.5 --drain 3 --server-pid "$server_pid" --json "$json"; then
  echo "FAIL: notify-bench exited non-zero"; cat "$work/server-$target.log"; exit 1
fi

number() { sed -n "s/^  \"$1\": \([0-9]*\),\$/\1/p" "$json"; }
deliveries=$(number deliveries)
lost=$(number lost)
duplicates=$(number duplicates)
echo "deliveries=$deliveries lost=$lost duplicates=$duplicates"
[[ -n "$deliveries" && "$deliveries" -gt 0 ]] || { echo "FAIL: no deliveries"; exit 1; }
[[ "$lost" == 0 ]] || { echo "FAIL: $lost messages lost"; exit 1; }
[[ "$duplicates" == 0 ]] || { echo "FAIL: $duplicates messages duplicated"; exit 1; }
echo PASS
