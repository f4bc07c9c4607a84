#!/usr/bin/env bash
# End to end against a real Prometheus server (Debian's `prometheus` package), on 127.0.0.1
# only: Prometheus scrapes a small exporter that serves bundled recordings (the real Flink 2.3
# reporter text of the slow-sink job, and kafka-lag-exporter text), then
# `bptop diagnose --prometheus` must name the bottleneck, read the lag, and have backfilled
# history from query_range. Everything started here is stopped by PID, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v prometheus >/dev/null; then
  echo "== installing Debian's prometheus"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
prometheus --version 2>&1 | head -1

source scripts/e2e-lib.sh

# The exporter: one exposition file, the Flink reporter's text and the lag exporter's.
mkdir -p "$work/exporter"
cat fixtures/real/reporter/slow-sink-taskmanager.txt fixtures/kafka/kafka-lag-exporter.txt >"$work/exporter/metrics.txt"
exporter_port=$(free_port)
python3 -m http.server "$exporter_port" --bind 127.0.0.1 --directory "$work/exporter" >"$work/exporter.log" 2>&1 &
pids+=($!)

prom_port=$(free_port)
cat >"$work/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: bptop-e2e
    metrics_path: /metrics.txt
    static_configs:
      - targets: ["127.0.0.1:$exporter_port"]
YML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids+=($!)

url="http://127.0.0.1:$prom_port"
for _ in $(seq 100); do curl -sf "$url/-/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -sf "$url/-/ready" >/dev/null || { echo "prometheus did not start" >&2; tail -20 "$work/prometheus.log" >&2; exit 1; }
# Long enough for a history worth backfilling.
echo "== letting Prometheus scrape for 15 s"
sleep 15

out="$work/diagnosis.json"
set +e
"$bin" diagnose --prometheus "$url" --samples 2 --interval 1s --backfill 1m --format json >"$out" 2>"$work/stderr"
code=$?
set -e
python3 - "$out" "$code" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
code = int(sys.argv[2])
job = d["jobs"][0]
b = job["bottlenecks"][0]
problems = []
if b["name"] != "slow_sink:_Writer" or b["kind"] != "sink":
    problems.append(f"bottleneck {b['name']} ({b['kind']})")
victims = sorted(v["name"] for v in job["vertices"] if v["class"] == "victim")
if victims != ["Source:_gen_source", "filter_valid", "parse"]:
    problems.append(f"victims {victims}")
if d["input"]["backfilled"] < 5:
    problems.append(f"only {d['input']['backfilled']} points backfilled")
groups = [g["group"] for g in d["lag_groups"]]
if groups != ["orders-enrichment"]:
    problems.append(f"lag groups {groups}")
# The lag the exporter text states, through Prometheus's scrape and query API: per partition
# (lag, seconds, offsets), the group's total, and partition 2 as the hot one.
want = {0: (150000, 42.7, 48213907, 48063907), 1: (180000, 51.3, 48190455, 48010455),
        2: (1600000, 468.9, 48402118, 46802118), 3: (170000, 48.1, 48177730, 48007730)}
rows = {r["partition"]: r for r in d["lag"] if r["group"] == "orders-enrichment" and r["topic"] == "orders"}
for p, (lag, secs, end, committed) in want.items():
    r = rows.get(p)
    got = r and (r["lag"], r["lag_seconds"], r["log_end_offset"], r["committed_offset"])
    if got != (lag, secs, end, committed):
        problems.append(f"partition {p}: (lag, seconds, end, committed) {got}, expected {(lag, secs, end, committed)}")
hot = sorted(p for p, r in rows.items() if r["hot"])
g = next((g for g in d["lag_groups"] if g["group"] == "orders-enrichment"), None)
if hot != [2] or g is None or g["total_lag"] != 2100000 or g["hot_partitions"] != ["orders-2"]:
    problems.append(f"hot partitions {hot}; group {g and (g['total_lag'], g['hot_partitions'])}")
if code != 1:
    problems.append(f"exit code {code} (critical expected)")
print(f"bottleneck: {b['name']} ({b['kind']}, confidence {b['confidence_label']}); victims: {', '.join(victims)}")
print(f"backfilled points: {d['input']['backfilled']}; lag groups: {groups}; severity {d['severity']}; exit {code}")
per_partition = ", ".join("%d: %.0f" % (p, r["lag"]) for p, r in sorted(rows.items()))
print(f"lag per partition: {per_partition}; hot: {hot}")
if problems:
    print("FAILED: " + "; ".join(problems))
    sys.exit(1)
print("e2e-prometheus: 1 passed, 0 failed")
PY
