#!/usr/bin/env bash
# Every performance figure of issue 8, each next to a baseline measured in the same run (this
# machine is shared and noisy: ratios travel, absolute times do not), as one table:
# figure, value, baseline, ratio, target, pass.
#
#   scripts/bench.sh           full sizes (about 6 minutes on 2 cores)
#   scripts/bench.sh --quick   tiny sizes and iteration counts, no target enforced: proves every
#                              benchmark still runs (.ci/run uses it)
#
# Figures: first verdict of a 200-vertex job at parallelism 32 behind 10 ms per request
# (examples/first_verdict.rs; baseline: the sequential client), exposition parsing
# (benches/exposition.rs; baseline: prometheus-parse), one frame of the chain view of that job
# (benches/render.rs; baseline: the same view of the bundled 4-vertex recording), idle CPU of
# the dashboard (scripts/idle-cpu.sh; baseline: procps `top -d 2` in the same terminal), RSS
# after 24 h of 2 s polls of a 50-vertex job (examples/memory.rs; baseline: the same process
# after 10 min) and `diagnose` over a 1 h recording (examples/make_recording.rs; baseline: the
# bundled 10-poll recording). Exit code 1 when a full run misses a target.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = --quick ] && quick=1
target_dir=${CARGO_TARGET_DIR:-$PWD/target}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== build (release)"
nice cargo build --quiet --release --bin bptop --example first_verdict --example memory --example make_recording
ex=$target_dir/release/examples

rows=()
fails=0
# row FIGURE VALUE BASELINE RATIO TARGET PASS(yes/no/-)
row() { rows+=("$1|$2|$3|$4|$5|$6"); [ "$6" = no ] && [ $quick = 0 ] && fails=$((fails + 1)); true; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "yes" : "no" }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "" && a >= b) ? "yes" : "no" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f×", a / b; else print "–" }'; }
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" | head -1; }

echo "== first verdict (examples/first_verdict.rs)"
if [ $quick = 1 ]; then vertices=20; runs=1; else vertices=200; runs=3; fi
fv_args=(--vertices "$vertices" --parallelism 32 --latency-ms 10 --runs "$runs")
"$ex/first_verdict" "${fv_args[@]}" | tee "$work/fv"
c16=$(grep 'concurrency=16 ' "$work/fv")
c1=$(grep 'concurrency=1 ' "$work/fv")
fast=$(echo "$c16" | field first_s_min); slow_max=$(echo "$c16" | field first_s_max)
seq=$(echo "$c1" | field first_s_min)
row "first verdict, $vertices vertices × p32, 10 ms/request, concurrency 16 (s)" "$fast–$slow_max" "$seq sequential" "$(ratio "$seq" "$fast") faster" "≤ 0.5" "$(le "$fast" 0.5)"
row "  requests: first poll / steady poll" "$(echo "$c16" | field requests_first) / $(echo "$c16" | field requests_steady)" "same" "–" "no storm" "-"

echo "== exposition parsing (benches/exposition.rs)"
if [ $quick = 1 ]; then export BPTOP_BENCH_QUICK=1; fi
nice cargo bench --quiet --bench exposition 2>/dev/null | tee "$work/expo" | grep -v '^$' | tail -5
unset BPTOP_BENCH_QUICK
line=$(grep '^exposition:' "$work/expo" | tail -1)
new=$(echo "$line" | sed -n 's/.*new \([0-9.]*\) MB\/s.*/\1/p')
old=$(echo "$line" | sed -n 's/.*prometheus-parse \([0-9.]*\) MB\/s.*/\1/p')
# Target: at least 10 times prometheus-parse's throughput on the same bytes, in the same run.
speedup=$(awk -v a="$new" -v b="$old" 'BEGIN { if (b > 0) printf "%.2f", a / b }')
row "exposition parsing (MB/s)" "$new" "$old prometheus-parse" "$(ratio "$new" "$old")" "≥ 10×" "$(ge "$speedup" 10)"

echo "== render one frame (benches/render.rs)"
if [ $quick = 1 ]; then crit=(--warm-up-time 0.2 --measurement-time 0.5 --sample-size 10); else crit=(--warm-up-time 2 --measurement-time 5); fi
nice cargo bench --quiet --bench render -- "${crit[@]}" 2>/dev/null | grep -E 'time:|^render' || true
mean_ms() { sed -n 's/.*"mean":{"confidence_interval":{[^}]*},"point_estimate":\([0-9.e+-]*\).*/\1/p' "$target_dir/criterion/render/$1/new/estimates.json" | awk '{printf "%.3f", $1 / 1e6}'; }
big=$(mean_ms chain_200x32); small=$(mean_ms chain_4_real_slow_sink)
row "one frame, chain of 200 vertices × p32 (ms)" "$big" "$small 4-vertex chain" "$(ratio "$big" "$small")" "< 2" "$(le "$big" 2)"

echo "== idle CPU (scripts/idle-cpu.sh)"
if command -v tmux >/dev/null; then
  if [ $quick = 1 ]; then secs=3; else secs=60; fi
  bash scripts/idle-cpu.sh "$secs" | tee "$work/idle"
  bash scripts/idle-cpu.sh "$secs" top | tee "$work/top"
  pct() { sed -n 's/.* = \([0-9.]*\) % of one core.*/\1/p' "$1"; }
  mine=$(pct "$work/idle"); top=$(pct "$work/top")
  row "idle CPU, watch of a replay at 2 s, ${secs} s (% of a core)" "$mine" "$top top -d 2" "$(ratio "$mine" "$top")" "< 1" "$(le "$mine" 0.999)"
else
  echo "no tmux: idle CPU not measured (apt-get install tmux)"
  row "idle CPU" "not measured (no tmux)" "–" "–" "< 1" "no"
fi

echo "== memory (examples/memory.rs)"
if [ $quick = 1 ]; then hours=0.25; else hours=24; fi
"$ex/memory" --hours "$hours" | tee "$work/mem"
base=$(grep 'polls=300 ' "$work/mem" | field rss_mb)
last=$(grep '^memory ' "$work/mem" | tail -1)
end=$(echo "$last" | field rss_mb); hwm=$(echo "$last" | field hwm_mb)
half=$(grep 'hours=12.00 ' "$work/mem" | field rss_mb || true)
row "RSS after ${hours} h of 2 s polls, 50 vertices (MB)" "$end (peak $hwm)" "$base after 10 min" "$(ratio "$end" "$base")" "< 50" "$(le "$hwm" 50)"
[ -n "$half" ] && row "  RSS 24 h vs 12 h (bounded ⇒ 1.0×)" "$end" "$half after 12 h" "$(ratio "$end" "$half")" "≈ 1" "-"

echo "== diagnose a long recording (examples/make_recording.rs)"
if [ $quick = 1 ]; then polls=30; runs=1; else polls=1800; runs=3; fi
"$ex/make_recording" --out "$work/rec" --polls "$polls"
# Best of `runs`: the least disturbed run of a noisy machine. Exit code 1 is the verdict
# (critical), not a failure.
best() {
  local best=""
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N)
    "$target_dir/release/bptop" diagnose --replay "$1" >/dev/null || [ $? = 1 ]
    t1=$(date +%s%N)
    best=$(awk -v b="$best" -v t=$(( (t1 - t0) / 1000 )) 'BEGIN { t /= 1e6; if (b == "" || t < b) b = t; printf "%.3f", b }')
  done
  echo "$best"
}
long=$(best "$work/rec"); short=$(best fixtures/real/slow-sink)
row "diagnose --replay of ${polls} polls ($((polls * 2 / 60)) min) (s)" "$long" "$short 10 polls" "$(ratio "$long" "$short")" "< 1" "$(le "$long" 1)"

echo
echo "== results$([ $quick = 1 ] && echo ' (quick mode: tiny sizes, targets not enforced)')"
printf '| %s | %s | %s | %s | %s | %s |\n' figure value baseline ratio target pass
printf '|---|---|---|---|---|---|\n'
for r in "${rows[@]}"; do
  IFS='|' read -r f v b x t p <<<"$r"
  [ $quick = 1 ] && [ "$p" != - ] && p="($p)"
  printf '| %s | %s | %s | %s | %s | %s |\n' "$f" "$v" "$b" "$x" "$t" "$p"
done
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo) RAM; $(date -u +%Y-%m-%d)"
[ $fails = 0 ] || { echo "$fails figure(s) missed their target" >&2; exit 1; }
