# Sourced by the e2e scripts: the release binary, a work directory, the processes a script
# starts (their PIDs pushed onto `pids`) stopped on exit, also on failure, and a free port on
# 127.0.0.1. A script that starts things otherwise defines `stop_more` (Flink's PID files).
cargo build --quiet --release
bin=$PWD/target/release/bptop
work=$(mktemp -d)
pids=()
cleanup() {
  if declare -F stop_more >/dev/null; then stop_more; fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
