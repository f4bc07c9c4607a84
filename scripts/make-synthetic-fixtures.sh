#!/usr/bin/env bash
# Regenerates fixtures/synthetic/<scenario>/ (index.jsonl, manifest.json, bodies/) by recording
# the Flink simulator (crates/flink-sim) with `bptop record`, so the recorded requests are
# exactly the ones bptop makes. expected.json files are written by hand and kept.
#
# usage: scripts/make-synthetic-fixtures.sh [scenario-name …]   (default: every scenario)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release --bin bptop --bin flink-sim
bin=target/release/bptop
sim=target/release/flink-sim

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in fixtures/scenarios/*.json; do names+=("$(basename "$f" .json)"); done
fi

sim_pid=""
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true; }
trap cleanup EXIT

for name in "${names[@]}"; do
  scenario=fixtures/scenarios/$name.json
  # A ramp needs a long enough history for a forecast: 50 polls a second apart.
  if grep -q '"ramp"' "$scenario"; then polls=50; interval=1s; else polls=3; interval=2s; fi
  out=fixtures/synthetic/$name
  log=$(mktemp)
  "$sim" --scenario "$scenario" --listen 127.0.0.1:0 >"$log" 2>&1 &
  sim_pid=$!
  for _ in $(seq 50); do grep -q '^listening on ' "$log" && break; sleep 0.1; done
  url=$(sed -n 's/^listening on //p' "$log")
  [ -n "$url" ] || { echo "simulator for $name did not start:" >&2; cat "$log" >&2; exit 1; }
  # Keep the hand-written expectation, replace the recording.
  keep=""
  [ -f "$out/expected.json" ] && keep=$(cat "$out/expected.json")
  rm -rf "$out"
  job_args=()
  # A scenario whose jobs are not running is recorded by name: the default picks RUNNING jobs.
  if ! grep -q '"state": *"RUNNING"' "$scenario"; then
    job_args=(--job "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["jobs"][0]["name"])' "$scenario")")
  fi
  seconds=$(python3 -c "import sys; i=sys.argv[1]; print(float(i.rstrip('s'))*int(sys.argv[2]))" "$interval" "$polls")
  "$bin" record --flink "$url" "${job_args[@]}" --interval "$interval" --duration "${seconds}s" \
    --out "$out" --note "synthetic: flink-sim --scenario $scenario" 2>&1 | tail -2
  [ -n "$keep" ] && printf '%s\n' "$keep" >"$out/expected.json"
  started=$(sed -n 's/^simulation clock started_ms=//p' "$log")
  echo "$name: simulation clock started_ms=$started"
  kill "$sim_pid"; wait "$sim_pid" 2>/dev/null || true; sim_pid=""
  rm -f "$log"
done
