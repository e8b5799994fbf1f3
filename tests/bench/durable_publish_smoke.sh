#!/usr/bin/env bash
# Smoke test of S7 (durable publish): notifyd from bench/manifests/durable-publish.toml with a
# fresh store, ~1 s of publish-only load on an at-least-once topic from two publishers. Checks
# that notify-bench exits 0, got answers to every publish, names the delivery and sync policy in
# its JSON, and that every publish went to the store (not the in-memory path). No timing assertions.
#
#   durable_publish_smoke.sh NOTIFY_BENCH NOTIFYD PLUGIN_DIR MANIFEST_TEMPLATE PORT WORK_DIR
set -euo pipefail

bench=$1 notifyd=$2 plugin_dir=$3 template=$4 port=$5 work=$6
mkdir -p "$work"
json="$work/smoke-durable.json"
manifest="$work/smoke-durable.toml"
rm -f "$json"
data=$(mktemp -d "$work/durable-data.XXXXXX")
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$data"
}
trap cleanup EXIT

sed -e "s|@PLUGIN_DIR@|$plugin_dir|" -e "s|@PORT@|$port|" -e "s|@DATA_DIR@|$data|" -e "s|@SYNC@|always|" \
    "$template" >"$manifest"
"$notifyd" --config "$manifest" >"$work/server-durable.log" 2>&1 &
server_pid=$!

for ((i = 0; i < 100; i++)); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "FAIL: notifyd exited early:"; cat "$work/server-durable.log"; exit 1
  fi
  sleep 0.1
done

if ! "$bench" --target notify --port "$port" --path /pubsub --topic durable:bench --subscribers 0 \
    --publishers 2 --window 8 --warmup 0.2 --duration 1 --drain 3 --delivery at-least-once --sync always \
    --server-pid "$server_pid" --json "$json"; then
  echo "FAIL: notify-bench exited non-zero"; cat "$work/server-durable.log"; exit 1
fi

number() { sed -n "s/^  \"$1\": \([0-9]*\),\$/\1/p" "$json"; }
published=$(number published)
acknowledged=$(number acknowledged)
unanswered=$(number unanswered)
echo "published=$published acknowledged=$acknowledged unanswered=$unanswered"
[[ -n "$acknowledged" && "$acknowledged" -gt 0 ]] || { echo "FAIL: no acknowledged publishes"; exit 1; }
[[ "$unanswered" == 0 ]] || { echo "FAIL: $unanswered publishes never answered"; exit 1; }
grep -q '^  "delivery": "at-least-once",$' "$json" || { echo "FAIL: the JSON does not name the delivery"; exit 1; }
grep -q '^  "sync": "always",$' "$json" || { echo "FAIL: the JSON does not name the sync policy"; exit 1; }

kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
[[ -f "$data/local-broker.db" ]] || { echo "FAIL: no durable store in $data: the topic was not at-least-once"; exit 1; }
if command -v sqlite3 >/dev/null; then
  stored=$(sqlite3 "$data/local-broker.db" 'SELECT count(*) FROM messages')
  echo "stored=$stored"
  [[ "$stored" == "$published" ]] || { echo "FAIL: $published publishes answered but $stored stored"; exit 1; }
fi
echo PASS
