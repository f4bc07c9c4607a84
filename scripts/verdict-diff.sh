#!/usr/bin/env bash
# Behaviour check for refactors: `bptop diagnose --replay DIR` on every bundled recording (and
# on the embedded default), in text, JSON and markdown, by the work tree's binary and by the
# binary of BASE_REV, diffed. Prints the diff; exits 1 when any output differs.
#
#   bash scripts/verdict-diff.sh [BASE_REV]     (default: c979eaf, main before issue 12)
#
# BASE_REV is built from a git worktree outside this one (a workspace may not nest another), in
# ${TMPDIR:-/tmp}/bptop-verdict-base-REV with its own target directory, kept between runs: the
# first run takes a release build's time.
set -euo pipefail
cd "$(dirname "$0")/.."
base_rev=${1:-c979eaf}
root=$PWD
base_dir=${TMPDIR:-/tmp}/bptop-verdict-base-$base_rev

cargo build --quiet --release
new_bin=$root/target/release/bptop

rm -rf "$base_dir/src"
git worktree prune
git worktree add --quiet --detach "$base_dir/src" "$base_rev"
trap 'git -C "$root" worktree remove --force "$base_dir/src" >/dev/null 2>&1 || true' EXIT
(cd "$base_dir/src" && CARGO_TARGET_DIR=$base_dir/target cargo build --quiet --release)
old_bin=$base_dir/target/release/bptop

out=$(mktemp -d)
recordings=$(find fixtures -name manifest.json -printf '%h\n' | sort)
runs=0
for dir in "" $recordings; do
  for format in text json markdown; do
    name=${dir:-bundled-default}
    name=${name//\//_}.$format
    args=(diagnose --format "$format" --fail-on never)
    [ -n "$dir" ] && args+=(--replay "$dir")
    # Both binaries read the recordings of this work tree; no config file of the developer's.
    (cd "$root" && env -u BPTOP_CONFIG -u BPTOP_PROFILE XDG_CONFIG_HOME="$out/no-config" "$old_bin" "${args[@]}" >"$out/old.$name" 2>&1 || true)
    (cd "$root" && env -u BPTOP_CONFIG -u BPTOP_PROFILE XDG_CONFIG_HOME="$out/no-config" "$new_bin" "${args[@]}" >"$out/new.$name" 2>&1 || true)
    runs=$((runs + 1))
  done
done

status=0
for f in "$out"/old.*; do
  name=${f#"$out"/old.}
  if ! diff -u --label "old/$name" --label "new/$name" "$f" "$out/new.$name"; then
    status=1
  fi
done
echo "verdict-diff: $runs runs (recordings x text/json/markdown) against $base_rev: $([ $status = 0 ] && echo 'no difference' || echo 'DIFFERENCES above')"
rm -rf "$out"
exit $status
