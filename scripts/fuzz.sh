#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets/) for SECONDS each (default 300), one after the
# other, and prints one summary line per target: runs, executions, executions per second,
# corpus size and crashes. Not part of .ci/run: five minutes per target is too long for CI.
#
#   scripts/fuzz.sh [SECONDS]
#
# Needs the nightly toolchain (rustup toolchain install nightly); installs cargo-fuzz if missing.
# The corpus grows in fuzz/corpus/<target>/ (seeded from fuzz/seeds/<target>/), crashes land in
# fuzz/artifacts/<target>/, logs in fuzz/logs/<target>.log. Exit code 1 when any target crashed.
set -euo pipefail

seconds="${1:-300}"
cd "$(dirname "$0")/../fuzz"

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz
fi

targets=$(cargo +nightly fuzz list)
# One build for every target first, so each run's time goes to fuzzing. -a: with debug
# assertions, so an arithmetic overflow is a finding (a release build would wrap silently).
nice -n 10 cargo +nightly fuzz build -O -a

mkdir -p logs
failed=0
for t in $targets; do
    mkdir -p "corpus/$t"
    log="logs/$t.log"
    before=$(find "artifacts/$t" -type f 2>/dev/null | wc -l)
    start=$(date +%s)
    status=0
    # One job, nice: the machine is shared. -timeout: an input slower than 10 s is a finding.
    nice -n 10 cargo +nightly fuzz run -O -a "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1 || status=$?
    took=$(($(date +%s) - start))
    # libFuzzer's final stats: stat::number_of_executed_units, stat::average_exec_per_sec.
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    # libFuzzer's corpus (entries/size) from its last status line; files on disk include the
    # inputs a later, smaller one has replaced.
    corpus=$(grep -E '^#[0-9]+' "$log" | tail -1 | sed -n 's/.*corp: \([^ ]*\).*/\1/p')
    files=$(find "corpus/$t" -type f | wc -l)
    crashes=$(($(find "artifacts/$t" -type f 2>/dev/null | wc -l) - before))
    printf '%-12s %4ss  execs %-10s exec/s %-6s corpus %-14s (%s files)  crashes %s  (exit %s, log fuzz/%s)\n' \
        "$t" "$took" "${execs:-?}" "${rate:-?}" "${corpus:-?}" "$files" "$crashes" "$status" "$log"
    if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then failed=1; fi
done
exit "$failed"
