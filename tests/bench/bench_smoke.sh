#!/usr/bin/env bash
# Smoke test of notify-bench: start a server, run ~2 s of fan-out with 50 subscribers, and
# check that the tool exits 0, saw deliveries and lost none. No timing assertions.
#
#   bench_smoke.sh NOTIFY_BENCH PORT WORK_DIR TARGET -- SERVER_COMMAND...
# With BENCH_SMOKE_ENDPOINTS=N (N >= 2) the subscribers go round-robin over N --subscriber-url
# entries (all this server) and the server's PID is given N times to --server-pid: the JSON must
# list N endpoints, each with subscribers and deliveries, and N server processes (S8's options).
set -euo pipefail

bench=$1 port=$2 work=$3 target=$4
shift 4
[[ "${1:-}" == -- ]] && shift
mkdir -p "$work"
json="$work/smoke-$target-$port.json"
rm -f "$json"

"$@" >"$work/server-$target-$port.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true' EXIT

for ((i = 0; i < 100; i++)); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "FAIL: the $target server exited early:"; cat "$work/server-$target-$port.log"; exit 1
  fi
  sleep 0.1
done

extra=()
[[ "$target" == notify ]] && extra=(--path /pubsub)
endpoints=${BENCH_SMOKE_ENDPOINTS:-1}
if ((endpoints > 1)); then
  for ((i = 0; i < endpoints; i++)); do
    extra+=(--subscriber-url "127.0.0.1:$port")
    ((i == 0)) || extra+=(--server-pid "$server_pid")  # the command below gives it once more
  done
fi
if ! "$bench" --target "$target" --port "$port" "${extra[@]}" --subscribers 50 --warmup 0.5 \
    --duration 1.5 --drain 3 --server-pid "$server_pid" --json "$json"; then
  echo "FAIL: notify-bench exited non-zero"; cat "$work/server-$target-$port.log"; exit 1
fi

number() { sed -n "s/^  \"$1\": \([0-9]*\),\$/\1/p" "$json"; }
deliveries=$(number deliveries)
lost=$(number lost)
duplicates=$(number duplicates)
echo "deliveries=$deliveries lost=$lost duplicates=$duplicates"
[[ -n "$deliveries" && "$deliveries" -gt 0 ]] || { echo "FAIL: no deliveries"; exit 1; }
[[ "$lost" == 0 ]] || { echo "FAIL: $lost messages lost"; exit 1; }
[[ "$duplicates" == 0 ]] || { echo "FAIL: $duplicates messages duplicated"; exit 1; }
if ((endpoints > 1)); then
  listed=$(grep -c "\"endpoint\": \"127.0.0.1:$port[^\"]*\", \"subscribers\": [1-9][0-9]*, \"latency_us\": {\"count\": [1-9]" "$json" || true)
  servers=$(grep -c '"pid": ' "$json" || true)
  echo "endpoints=$listed servers=$servers"
  [[ "$listed" == "$endpoints" ]] || { echo "FAIL: expected $endpoints subscriber endpoints with deliveries"; cat "$json"; exit 1; }
  [[ "$servers" == "$endpoints" ]] || { echo "FAIL: expected $endpoints server processes"; cat "$json"; exit 1; }
fi
echo PASS
