#!/usr/bin/env bash
# Regenerates fixtures/synthetic/orders-lag: the middle-bottleneck scenario of the Flink
# simulator recorded together with a kafka-lag-exporter page (scripts/lag-exporter.py) for the
# group that job reads, losing data: the producers write 2000 rec/s into topic "orders", the job
# takes what its source emits (2 subtasks x 610 rec/s), and retention deletes unread data ~25 min
# after the recording starts. It drives the dashboard's impact strip and lag view tests.
#
# usage: scripts/make-job-lag-fixture.sh      (takes ~3 min: the lag trend needs real time)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release --bin bptop --bin flink-sim
out=fixtures/synthetic/orders-lag
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
start() { # log file, command...
  local log=$1; shift
  "$@" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q '^listening on ' "$log" && break; sleep 0.1; done
  sed -n 's/^listening on //p' "$log"
}
sim_log=$(mktemp); lag_log=$(mktemp)
flink=$(start "$sim_log" target/release/flink-sim --scenario fixtures/scenarios/middle-bottleneck.json --listen 127.0.0.1:0)
lag=$(start "$lag_log" python3 scripts/lag-exporter.py --group orders-enrichment --topic orders --partitions 4 \
  --produce 2000 --consume 1220 --lag 6000000 --loss-in 1500)
[ -n "$flink" ] && [ -n "$lag" ] || { cat "$sim_log" "$lag_log" >&2; exit 1; }
rm -rf "$out"
target/release/bptop record --flink "$flink" --scrape "$lag" --interval 4s --duration 192s --out "$out" \
  --note "synthetic: flink-sim middle-bottleneck + scripts/lag-exporter.py (orders-enrichment losing data)" 2>&1 | tail -2
rm -f "$sim_log" "$lag_log"
# The truth, from the first lag scrape: partition 0's margin (committed - log start) closes at
# (produce - consume) / partitions = 195 rec/s.
python3 - "$out" <<'PY'
import json, os, re, sys
out = sys.argv[1]
first = next(json.loads(l) for l in open(os.path.join(out, "index.jsonl")) if json.loads(l)["source"] != "flink")
body = open(os.path.join(out, first["body"])).read()
val = lambda pat: float(re.search(pat, body, re.M).group(1))
committed = val(r'^kafka_consumergroup_group_offset\{[^}]*partition="0"[^}]*\} (\S+)')
start = val(r'^kafka_partition_earliest_offset\{[^}]*partition="0"[^}]*\} (\S+)')
loss_at = first["t_ms"] + (committed - start) / 195.0 * 1000.0
expected = {
    "replay_only": "lag analysis runs on the wall clock of each poll, so this recording is checked with --replay (tests/record_replay.rs)",
    "severity": "critical",
    "jobs": {"orders-enrichment": {"severity": "critical",
             "bottlenecks": [{"name": "enrich-with-customer-profile", "kind": "operator"}],
             "classes": {"Source: kafka-orders": "victim", "parse-order-json": "victim",
                         "enrich-with-customer-profile": "bottleneck", "orders-enriched: Writer": "idle"}}},
    "lag": {"group": "orders-enrichment", "trend": "growing", "data_loss_at_ms": round(loss_at),
            "production_per_s": 2000, "consumption_per_s": 1220,
            "truth": "partition 0: margin closing at 195 rec/s from the first scrape (scripts/lag-exporter.py)"},
}
json.dump(expected, open(os.path.join(out, "expected.json"), "w"), indent=2)
open(os.path.join(out, "expected.json"), "a").write("\n")
PY
