#!/usr/bin/env bash
# Measures the dashboard's CPU use while it watches a steady job: bptop polls a local server
# that plays the real slow-sink recording (2 s interval) inside tmux, and its user+system CPU
# time is read from /proc before and after a window (default 60 s). With `top` as the second
# argument it measures procps `top -d 2` in the same terminal instead: the tool bptop is
# named after, refreshing at the same interval, as the baseline of scripts/bench.sh.
#
# usage: scripts/idle-cpu.sh [seconds] [top]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
what=${2:-bptop}
command -v tmux >/dev/null || { echo "needs tmux (apt-get install tmux)" >&2; exit 2; }
cargo build --quiet --release
bin=$PWD/target/release/bptop
log=$(mktemp)
session=bptop-idle-$$
server=""
cleanup() {
  tmux kill-session -t "$session" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT

"$bin" serve-recording --replay fixtures/real/slow-sink --listen 127.0.0.1:0 --speed 1 >"$log" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q '^listening on ' "$log" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$log")
[ -n "$url" ] || { echo "recording server did not start" >&2; cat "$log" >&2; exit 1; }

if [ "$what" = top ]; then
  cmd="top -d 2"; label="top -d 2"
else
  cmd="$bin --flink $url --interval 2s"; label="bptop watch, 2 s interval"
fi
tmux new-session -d -s "$session" -x 120 -y 32 "$cmd"
sleep 5   # first polls, first frames
pid=$(pgrep -f -n -x -- "$cmd") || { echo "$label is not running" >&2; exit 1; }
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
before=$(cpu "$pid"); t0=$(date +%s.%N)
sleep "$secs"
after=$(cpu "$pid"); t1=$(date +%s.%N)
tmux capture-pane -p -t "$session" | head -3
awk -v label="$label" -v a="$before" -v b="$after" -v t0="$t0" -v t1="$t1" -v hz="$ticks" -v rss="$(awk '/VmRSS/ {print $2}' /proc/$pid/status)" 'BEGIN {
  cpu = (b - a) / hz; wall = t1 - t0
  printf "%s: %.2f s CPU in %.1f s = %.2f %% of one core; RSS %.1f MB\n", label, cpu, wall, 100 * cpu / wall, rss / 1024
}'
