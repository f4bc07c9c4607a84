#!/usr/bin/env bash
# End to end against a real Apache Flink 2.3 cluster started here (the distribution inside the
# PyPI wheels apache-flink-libraries + apache-flink, no dependencies; Java 17), REST on
# 127.0.0.1 only, one TaskManager, chaining disabled, Prometheus reporter on. Five jobs with a
# bottleneck known by construction run at once (so "several jobs" is covered too); bptop must
# name each bottleneck live, again from a recording of the cluster, and again from the
# reporter's text alone (--scrape, no REST). Then the cluster is hurt as production clusters
# are: the JobManager frozen for 30 s under a live dashboard (SIGSTOP/SIGCONT), the TaskManager
# killed under `bptop record` (a failover). Everything started here is stopped by PID.
#
# usage: scripts/e2e-flink.sh           (CI: .ci/run)
#        KEEP_VENV=1 scripts/e2e-flink.sh   reuse .cache/e2e-venv between local runs
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

venv=.cache/e2e-venv
if [ -z "${KEEP_VENV:-}" ] || [ ! -x "$venv/bin/python" ]; then
  echo "== python venv with the Flink 2.3.0 distribution (no dependencies) and pyte (a terminal emulator)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --no-deps apache-flink-libraries==2.3.0 apache-flink==2.3.0 pyte==0.8.2 wcwidth==0.9.4
fi
PYFLINK=$("$venv/bin/python" -c 'import os, pyflink; print(os.path.dirname(pyflink.__file__))')
command -v javac >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq >/dev/null; apt-get install -y -qq openjdk-17-jdk-headless >/dev/null; }
java -version 2>&1 | head -1

source scripts/e2e-lib.sh
# The cluster's processes, by the PID files Flink writes into its own env.pid.dir.
stop_more() {
  for f in "$work"/pid/*.pid; do
    [ -f "$f" ] && while read -r p; do kill "$p" 2>/dev/null || true; done <"$f"
  done
  sleep 1
  for f in "$work"/pid/*.pid; do
    [ -f "$f" ] && while read -r p; do kill -9 "$p" 2>/dev/null || true; done <"$f"
  done
}

echo "== compiling the jobs"
mkdir -p "$work/classes"
javac -cp "$PYFLINK/lib/*" -d "$work/classes" scripts/e2e-flink/BptopE2eJobs.java
jar cf "$work/jobs.jar" -C "$work/classes" .

rest_port=$(free_port)
rpc_port=$(free_port)
mkdir -p "$work/conf" "$work/pid" "$work/log"
cp "$PYFLINK"/conf/log4j*.properties "$work/conf/"
java_opts=$(sed -n 's/^ *all: //p' "$PYFLINK/conf/config.yaml" | head -1)
cat >"$work/conf/config.yaml" <<YAML
env.java.opts.all: $java_opts
env.pid.dir: $work/pid
env.log.dir: $work/log
jobmanager.rpc.address: localhost
jobmanager.rpc.port: $rpc_port
jobmanager.bind-host: localhost
jobmanager.memory.process.size: 1024m
taskmanager.bind-host: localhost
taskmanager.host: localhost
taskmanager.numberOfTaskSlots: 8
taskmanager.memory.process.size: 2048m
rest.address: 127.0.0.1
rest.bind-address: 127.0.0.1
rest.port: $rest_port
pipeline.operator-chaining.enabled: false
metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory
metrics.reporter.prom.port: 19249-19260
# Without checkpointing Flink 2.x would not restart a failed job: the failover check needs it to.
restart-strategy.type: fixed-delay
restart-strategy.fixed-delay.attempts: 100
restart-strategy.fixed-delay.delay: 2 s
YAML
echo localhost >"$work/conf/workers"
echo "localhost:$rest_port" >"$work/conf/masters"
export FLINK_CONF_DIR=$work/conf FLINK_LOG_DIR=$work/log FLINK_PID_DIR=$work/pid

echo "== starting the cluster (REST 127.0.0.1:$rest_port)"
"$PYFLINK/bin/start-cluster.sh" >"$work/start.log" 2>&1
url="http://127.0.0.1:$rest_port"
for _ in $(seq 120); do
  curl -sf "$url/overview" -o "$work/overview.json" 2>/dev/null && grep -q '"slots-available":[1-9]' "$work/overview.json" && break
  sleep 1
done
curl -sf "$url/overview" -o "$work/overview.json" && grep -q '"slots-available":[1-9]' "$work/overview.json" || { echo "cluster did not come up" >&2; tail -30 "$work"/log/*.log >&2; exit 1; }

submit() { "$PYFLINK/bin/flink" run -d -c BptopE2eJobs "$work/jobs.jar" "$@" >"$work/submit-$1.log" 2>&1 || { cat "$work/submit-$1.log" >&2; exit 1; }; }
# The slow-sink job first, recorded from the moment it is submitted: its start-up is checked
# below (warming up, then the real bottleneck, nothing false in between).
submit slow-sink
"$bin" record --flink "$url" --job e2e-slow-sink --out "$work/startup" --duration 40s --interval 2s 2>"$work/startup.log" &
startup_pid=$!
pids+=("$startup_pid")
for s in slow-middle healthy skew fan-out stall; do submit "$s"; done
submit steps "$work/gate"
echo "== 7 jobs submitted; waiting for their metrics to be live"

# The REST metric cache fills lazily: ask until every vertex of every job has numbers.
deadline=$(( $(date +%s) + 240 ))
while :; do
  "$bin" diagnose --flink "$url" --samples 1 --format json --fail-on never >"$work/probe.json" 2>/dev/null || true
  if python3 - "$work/probe.json" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception:
    sys.exit(1)
jobs = d.get("jobs", [])
ok = len(jobs) == 7 and all(v["class"] != "unknown" for j in jobs for v in j["vertices"])
sys.exit(0 if ok else 1)
PY
  then break; fi
  [ "$(date +%s)" -lt "$deadline" ] || { echo "metrics not live after 240 s" >&2; cat "$work/probe.json" >&2; exit 1; }
  sleep 5
done
echo "== metrics live after $(( $(date +%s) - started )) s"
# Past the first measurements, which still show the start-up (the window averages 10 polls).
sleep 10

check() { python3 scripts/e2e-flink/check.py "$@"; }

# The stalling sink, recorded for 130 s (13 metric refreshes: as far back as persistence reads)
# while the other checks run.
"$bin" record --flink "$url" --job e2e-stall --out "$work/stall" --duration 130s --interval 2s 2>"$work/stall.log" &
stall_pid=$!
pids+=("$stall_pid")
# The healthy job whose filter starts passing records 50 s into its recording (the gate file):
# its output pool steps 0.0 -> 0.1, the rates below it rise over Flink's 60 s averages.
"$bin" record --flink "$url" --job e2e-steps --out "$work/steps" --duration 130s --interval 2s 2>"$work/steps.log" &
steps_pid=$!
pids+=("$steps_pid")
(sleep 50; touch "$work/gate") &

echo "== start-up of e2e-slow-sink, recorded from its submission: every poll's verdict"
wait "$startup_pid" || { cat "$work/startup.log" >&2; exit 1; }
if [ -n "${SAVE_STARTUP:-}" ]; then
  rm -rf "$SAVE_STARTUP"; cp -r "$work/startup" "$SAVE_STARTUP"; echo "start-up recording saved to $SAVE_STARTUP"
fi
python3 scripts/e2e-flink/startup.py "$work/startup" "$bin"

echo "== live: bptop diagnose --flink"
"$bin" diagnose --flink "$url" --samples 8 --interval 2s --format json --fail-on never >"$work/live.json"
check live "$work/live.json"

echo "== record 30 s, then --replay"
"$bin" record --flink "$url" --out "$work/rec" --duration 30s --interval 2s 2>"$work/record.log"
tail -2 "$work/record.log"
"$bin" diagnose --replay "$work/rec" --format json --fail-on never >"$work/replay.json"
check replay "$work/replay.json"

echo "== the Prometheus reporter alone: bptop diagnose --scrape (no REST)"
scrape_args=()
for _ in $(seq 15); do
  for port in $(seq 19249 19260); do
    # Into a file first: with pipefail, `grep -q` closing the pipe early would fail curl.
    curl -sf -m 10 -o "$work/scrape-$port.txt" "http://127.0.0.1:$port/metrics" 2>/dev/null || continue
    if grep -q '^flink_taskmanager_job_task_busyTimeMsPerSecond' "$work/scrape-$port.txt"; then
      scrape_args+=(--scrape "http://127.0.0.1:$port/metrics")
    fi
  done
  [ ${#scrape_args[@]} -gt 0 ] && break
  sleep 2
done
if [ ${#scrape_args[@]} -eq 0 ]; then
  echo "no TaskManager reporter with task metrics on 127.0.0.1:19249-19260" >&2
  grep -h -i "prometheus" "$work"/log/*.log | tail -5 >&2 || true
  exit 1
fi
"$bin" diagnose "${scrape_args[@]}" --samples 3 --interval 2s --format json --fail-on never >"$work/scrape.json"
check scrape "$work/scrape.json"

echo "== an intermittent stall (8 s every 30 s), recorded over 130 s, then --replay"
wait "$stall_pid" || { cat "$work/stall.log" >&2; exit 1; }
if [ -n "${SAVE_STALL:-}" ]; then
  rm -rf "$SAVE_STALL"; cp -r "$work/stall" "$SAVE_STALL"; echo "stall recording saved to $SAVE_STALL"
fi
"$bin" diagnose --replay "$work/stall" --format json --fail-on never >"$work/stall.json"
python3 scripts/e2e-flink/stall.py "$work/stall.json"

echo "== a healthy job whose output pool steps a buffer (0.0 -> 0.1) 50 s into a 130 s recording"
wait "$steps_pid" || { cat "$work/steps.log" >&2; exit 1; }
if [ -n "${SAVE_STEPS:-}" ]; then
  rm -rf "$SAVE_STEPS"; cp -r "$work/steps" "$SAVE_STEPS"; echo "steps recording saved to $SAVE_STEPS"
fi
python3 scripts/e2e-flink/steps.py "$work/steps" "$bin"

# The cluster's own PIDs, from the files Flink writes (one line per process started).
jm_pid=$(tail -1 "$work"/pid/*standalonesession*.pid)
tm_pid=$(tail -1 "$work"/pid/*taskexecutor*.pid)

echo "== the JobManager frozen for 30 s (SIGSTOP, SIGCONT) under a live dashboard and diagnose"
"$venv/bin/python" scripts/e2e-flink/freeze.py "$url" "$bin" "$jm_pid"

echo "== the TaskManager killed (SIGKILL) under bptop record, a new one started: the failover"
"$bin" record --flink "$url" --job e2e-slow-sink --out "$work/failover" --duration 140s --interval 2s 2>"$work/failover.log" &
failover_pid=$!
pids+=("$failover_pid")
sleep 16
kill -9 "$tm_pid"
echo "killed TaskManager $tm_pid"
sleep 4
"$PYFLINK/bin/taskmanager.sh" start >"$work/tm2.log" 2>&1
wait "$failover_pid" || { cat "$work/failover.log" >&2; exit 1; }
if [ -n "${SAVE_FAILOVER:-}" ]; then
  rm -rf "$SAVE_FAILOVER"; cp -r "$work/failover" "$SAVE_FAILOVER"; cp "$work/failover.log" "$SAVE_FAILOVER.log"
  echo "failover recording saved to $SAVE_FAILOVER"
fi
python3 scripts/e2e-flink/failover.py "$work/failover" "$bin" "$work/failover.log"

if [ -n "${SAVE_RECORDING:-}" ]; then
  rm -rf "$SAVE_RECORDING"; cp -r "$work/rec" "$SAVE_RECORDING"; echo "recording saved to $SAVE_RECORDING"
fi
echo "e2e-flink took $(( $(date +%s) - started )) s"
