#!/usr/bin/env python3
"""Freezes the real JobManager for 30 s (SIGSTOP, then SIGCONT, by PID) under a live dashboard
and a live `diagnose`, and checks what an engineer watching would see:

- the dashboard, in a pseudo-terminal read back through a terminal emulator (pyte): the verdict
  on screen before the freeze; during it the same verdict kept, marked STALE with the age of
  the last good data; after it fresh again; `q` quits with exit code 0 and the terminal left as
  it was found (alternate screen left, cursor shown);
- `diagnose` polling across the freeze: the failed polls counted, the verdict kept (every
  bottleneck of the jobs named as before), no crash.

usage: freeze.py FLINK_URL BPTOP_BINARY JOBMANAGER_PID
"""
import fcntl
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time

import pyte

url, binary, jm_pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
ROWS, COLS = 40, 160
FREEZE_S = 30

env = {k: v for k, v in os.environ.items() if not k.startswith("BPTOP_") and k != "NO_COLOR"}
env["TERM"] = "xterm-256color"
env["XDG_CONFIG_HOME"] = "/nonexistent"  # the user's config file never reaches a check


def start_tui():
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))

    def controlling_tty():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    child = subprocess.Popen([binary, "--flink", url, "--interval", "2s"], stdin=slave, stdout=slave,
                             stderr=slave, env=env, preexec_fn=controlling_tty, close_fds=True)
    os.close(slave)
    return child, master


child, master = start_tui()
screen = pyte.Screen(COLS, ROWS)
stream = pyte.ByteStream(screen)
raw = bytearray()
problems = []


def pump(seconds):
    end = time.time() + seconds
    while True:
        left = end - time.time()
        if left <= 0:
            return
        r, _, _ = select.select([master], [], [], min(left, 0.2))
        if r:
            try:
                b = os.read(master, 65536)
            except OSError:
                return
            if not b:
                return
            raw.extend(b)
            stream.feed(b)


def top():
    return screen.display[0]


def wait_for(what, predicate, seconds):
    """Pumps until predicate() holds; returns the seconds it took, or None."""
    started = time.time()
    while time.time() - started < seconds:
        pump(0.5)
        if predicate():
            return time.time() - started
        if child.poll() is not None:
            problems.append(f"bptop exited ({child.returncode}) while waiting for {what}")
            return None
    problems.append(f"not within {seconds} s: {what}; top bar: {top().rstrip()!r}")
    return None


def stale():
    return "STALE" in top()


def verdict():
    m = re.search(r"(HEALTHY|WARNING|CRITICAL)", top())
    return m.group(1) if m else None


def diagnose_json(out):
    try:
        return json.loads(out)
    except ValueError:
        return None


state = {"frozen": False, "diag": None}


def run():
    if wait_for("a verdict on the dashboard", lambda: verdict() is not None and not stale(), 90) is None:
        return
    pump(6)  # a few fresh polls more
    before = verdict()
    print(f"freeze  before:  {top().strip()}")
    # `diagnose` polls across the freeze: 24 polls 2 s apart, the requests of the frozen ones
    # timing out after 5 s.
    diag = state["diag"] = subprocess.Popen(
        [binary, "diagnose", "--flink", url, "--samples", "24", "--interval", "2s", "--timeout", "5s",
         "--format", "json", "--fail-on", "never"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    pump(6)
    os.kill(jm_pid, signal.SIGSTOP)
    state["frozen"] = True
    stopped_at = time.time()
    took = wait_for("STALE on the top bar while the JobManager is frozen", stale, FREEZE_S - 2)
    if took is not None:
        print(f"freeze  stale after {took:.0f} s: {top().strip()}")
        if verdict() != before:
            problems.append(f"the verdict on screen changed from {before} to {verdict()} while frozen")
    pump(max(0.0, FREEZE_S - (time.time() - stopped_at)))
    if not stale():
        problems.append(f"no longer STALE at the end of the freeze: {top().strip()!r}")
    if verdict() != before:
        problems.append(f"the last verdict was not kept through the freeze: {verdict()} (before: {before})")
    print(f"freeze  at {FREEZE_S} s:  {top().strip()}")
    os.kill(jm_pid, signal.SIGCONT)
    state["frozen"] = False
    took = wait_for("fresh data again after SIGCONT", lambda: not stale() and verdict() is not None, 60)
    if took is not None:
        print(f"freeze  fresh again {took:.0f} s after SIGCONT: {top().strip()}")
        if verdict() != before:
            problems.append(f"after the freeze the verdict is {verdict()}, before it was {before}")
    if child.poll() is not None:
        problems.append(f"bptop exited ({child.returncode}) during the freeze")
    else:
        os.write(master, b"q")
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            problems.append("q did not quit within 10 s")
        pump(0.5)
        if child.returncode != 0:
            problems.append(f"exit code {child.returncode} after q")
        tail = bytes(raw[-4096:])
        if b"\x1b[?1049l" not in tail:
            problems.append("the alternate screen was not left")
        if b"\x1b[?25h" not in tail:
            problems.append("the cursor was not shown again")
    out, err = diag.communicate(timeout=180)
    d = diagnose_json(out)
    if diag.returncode not in (0, 1) or d is None:
        problems.append(f"diagnose across the freeze: exit {diag.returncode}, {err.strip()[-300:]}")
    else:
        inp = d["input"]
        print(f"freeze  diagnose: {inp['polls']} polls, {inp['polls_failed']} failed; {d['severity']}")
        if inp["polls_failed"] < 1:
            problems.append("diagnose counted no failed poll across a 30 s freeze")
        if inp["polls_failed"] >= inp["polls"]:
            problems.append("diagnose: every poll failed")
        names = {j["name"]: [b["name"] for b in j["bottlenecks"]] for j in d["jobs"]}
        if names.get("e2e-slow-sink") != ["slow-sink: Writer"]:
            problems.append(f"diagnose across the freeze: e2e-slow-sink's bottlenecks {names.get('e2e-slow-sink')}")
        if d["severity"] != "critical":
            problems.append(f"diagnose across the freeze: severity {d['severity']}")
try:
    run()
finally:
    if state["frozen"]:
        os.kill(jm_pid, signal.SIGCONT)
    if child.poll() is None:
        child.kill()
    if state["diag"] is not None and state["diag"].poll() is None:
        state["diag"].kill()

if problems:
    print("freeze: FAILED\n  " + "\n  ".join(problems))
    sys.exit(1)
print("e2e-flink freeze: 1 passed, 0 failed")
