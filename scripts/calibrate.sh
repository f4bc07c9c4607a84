#!/usr/bin/env bash
# Forecast calibration against the simulator (issue 13): builds bptop and flink-sim, then runs
# scripts/calibrate.py (its docstring says what is measured and how).
#   scripts/calibrate.sh                 40 ramps + 20 healthy jobs, one 93 s run, figures only
#   scripts/calibrate.sh --quick         CI: 8 ramps + 20 healthy, fails on a missed target
#   scripts/calibrate.sh -- --seed 7     other arguments go to calibrate.py
set -euo pipefail
cd "$(dirname "$0")/.."
args=()
case "${1:-}" in
  --quick) shift; args=(--ramps 8 --healthy 20 --check) ;;
esac
[ "${1:-}" = "--" ] && shift
cargo build --quiet --release -p bptop -p flink-sim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 scripts/calibrate.py --bptop target/release/bptop --sim target/release/flink-sim --work "$work" "${args[@]}" "$@"
