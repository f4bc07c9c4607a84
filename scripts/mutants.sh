#!/usr/bin/env bash
# Mutation testing of bptop's core with cargo-mutants (crates.io; installed here when missing).
# Each mutant is a small deliberate bug (a comparison flipped, a function returning a default,
# an operator swapped); a test must fail for it ("caught"). A "missed" mutant is a bug the
# suite lets through: kill it with a real test, or list it in docs/mutants.md with the reason it
# is equivalent or harmless. Which tests judge a mutant: .cargo/mutants.toml.
#
# usage: scripts/mutants.sh [AREA...] [--in-diff REV] [--max N] [--out DIR] [-- cargo-mutants args]
#   AREA: analysis, history (history + session), sources, report, core (all four; default),
#         or a file or glob under src/ (src/analysis/persistence.rs, "src/sources/exposition/**")
#   --in-diff REV  only the lines changed since REV (CI: the commits of the last 4 hours)
#   --max N        with --in-diff: above N mutants, test an even sample of about N of them
#                  (round-robin shard, chosen by the commit), so CI stays within its budget
#   --out DIR      where cargo-mutants writes mutants.out (default: target/mutants-report)
# Exit 0 when every missed mutant is reviewed in docs/mutants.md; 1 otherwise.
#
# Whole runs take hours on 2 cores (about 10 s per caught mutant, 40 s per missed one, ~1660
# mutants over the core); docs/testing.md has the measured times.
set -euo pipefail
cd "$(dirname "$0")/.."

areas=()
http_judges=0
in_diff=""
max=""
out=target/mutants-report
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --in-diff) in_diff=$2; shift 2 ;;
    --max) max=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) areas+=("$1"); shift ;;
  esac
done
[ ${#areas[@]} -gt 0 ] || areas=(core)

files=()
for a in "${areas[@]}"; do
  case "$a" in
    analysis) files+=("src/analysis/**") ;;
    history) files+=(src/history.rs src/session.rs "src/session/**") ;;
    sources) files+=("src/sources/**"); http_judges=1 ;;
    report) files+=("src/report/**" src/diagnosis.rs) ;;
    core) files+=("src/analysis/**" src/history.rs src/session.rs "src/session/**" "src/sources/**" "src/report/**" src/diagnosis.rs); http_judges=1 ;;
    src/sources/*) files+=("$a"); http_judges=1 ;;
    src/*) files+=("$a") ;;
    *) echo "unknown area '$a' (analysis, history, sources, report, core, or a path under src/)" >&2; exit 2 ;;
  esac
done

if ! command -v cargo-mutants >/dev/null; then
  echo "== installing cargo-mutants (crates.io)"
  cargo install --locked cargo-mutants >/dev/null 2>&1 || cargo install --locked cargo-mutants
fi

args=()
for f in "${files[@]}"; do args+=(--file "$f"); done
# The sources are judged by the HTTP and input tests too (retries, errors, fuzz inputs, the
# exposition parser against prometheus-parse).
if [ $http_judges = 1 ]; then
  for t in errors faults bad_input exposition_equivalence; do args+=(--cargo-arg=--test=$t); done
fi
mkdir -p "$out"
if [ -n "$in_diff" ]; then
  diff_file=$out/change.diff
  # cargo-mutants reads only the hunks of files it examines; tests and docs in the diff are ignored.
  git diff "$in_diff" -- src >"$diff_file"
  args+=(--in-diff "$diff_file")
  count=$(cargo mutants --list "${args[@]}" "${extra[@]}" 2>/dev/null | grep -c . || true)
  echo "== $count mutants in the lines changed since $(git rev-parse --short "$in_diff")"
  [ "$count" -gt 0 ] || { echo "mutants: nothing to test"; exit 0; }
  if [ -n "$max" ] && [ "$count" -gt "$max" ]; then
    shards=$(( (count + max - 1) / max ))
    shard=$(( 0x$(git rev-parse --short=6 HEAD) % shards ))
    echo "== more than $max: testing shard $shard/$shards (every ${shards}th mutant)"
    args+=(--shard "$shard/$shards" --sharding round-robin)
  fi
fi

started=$(date +%s)
set +e
cargo mutants "${args[@]}" --output "$out" "${extra[@]}"
code=$?
set -e
took=$(( $(date +%s) - started ))
report=$out/mutants.out
[ -f "$report/outcomes.json" ] || { echo "cargo-mutants wrote no outcomes (exit $code)" >&2; exit 1; }

# Counts, and the missed mutants not reviewed in docs/mutants.md, compared by their whole name
# (file, line and column included: a looser match could excuse another mutant of the same kind
# in the same function; an edit that moves a reviewed line shows it here as unexplained, to be
# moved in docs/mutants.md too).
python3 - "$report" "$took" <<'PY'
import json, re, sys
report, took = sys.argv[1], int(sys.argv[2])
def key(name):
    return name.strip()
outcomes = json.load(open(f"{report}/outcomes.json"))
counts = {k: outcomes.get(k, 0) for k in ("caught", "missed", "timeout", "unviable")}
print(f"mutants: {outcomes.get('total_mutants', sum(counts.values()))} tested in {took} s: "
      + ", ".join(f"{v} {k}" for k, v in counts.items()))
reviewed = set()
for line in open("docs/mutants.md", encoding="utf-8"):
    m = re.match(r"^- `([^`]+)`", line)
    if m:
        reviewed.add(key(m.group(1)))
missed = [l.strip() for l in open(f"{report}/missed.txt") if l.strip()]
unexplained = [m for m in missed if key(m) not in reviewed]
for m in missed:
    print(("  reviewed:   " if key(m) in reviewed else "  UNEXPLAINED: ") + m)
if unexplained:
    print(f"mutants: {len(unexplained)} missed mutants are neither caught by a test nor reviewed in docs/mutants.md")
    sys.exit(1)
PY
