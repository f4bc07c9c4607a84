#!/usr/bin/env python3
"""Checks bptop's verdicts on e2e-slow-sink across a failover: `bptop record` was running when
the only TaskManager was killed (SIGKILL by PID) and a new one started, so the job failed over
and restarted. Poll by poll the verdict must go: the real bottleneck (slow-sink: Writer) ->
the job not running (RESTARTING: critical, with that reason, no bottleneck) -> warming up
(healthy, no bottleneck) -> the real bottleneck again; no other bottleneck at any poll. The
verdicts `record` printed live must be the ones a replay of the recording gives at each poll.

usage: failover.py RECORDING BPTOP_BINARY RECORD_STDERR
"""
import re
import sys

from verdicts import bottleneck_names, per_poll

rec, binary, record_log = sys.argv[1], sys.argv[2], sys.argv[3]
JOB, REAL = "e2e-slow-sink", ["slow-sink: Writer"]
problems = []

# What `record` said live, carried from poll to poll (it says a verdict when it changes).
live, poll, current = {}, 0, None
for line in open(record_log):
    m = re.match(r"poll (\d+)/\d+:", line)
    if m:
        if poll:
            live[poll] = current
        poll = int(m.group(1))
        continue
    m = re.match(rf"  verdict of {re.escape(JOB)}: (\S+) (\S+): (.*)$", line.rstrip("\n"))
    if m:
        current = m.groups()
if poll:
    live[poll] = current

phases, seen_down, seen_warming = [], False, False
for k, job, note, _ in per_poll(rec, binary, JOB):
    if job is None:
        print(f"poll {k:2}: {note}")
        continue
    names = bottleneck_names(job)
    said = (job["state"], job["severity"], job["summary"])
    if live.get(k) != said:
        problems.append(f"poll {k}: live {live.get(k)}, replayed {said}")
    if job["state"] != "RUNNING":
        phase = "down"
        seen_down = True
        if names:
            problems.append(f"poll {k}: {job['state']} but bottlenecks {names}")
        if job["state"] in ("RESTARTING", "FAILING") and job.get("severity_reason") != f"the job is {job['state']}":
            problems.append(f"poll {k}: {job['state']} with the reason {job.get('severity_reason')!r}")
    elif job.get("warming_up"):
        phase = "warming up"
        seen_warming = True
        if names or job["severity"] != "healthy":
            problems.append(f"poll {k}: warming up but {job['severity']}, bottlenecks {names}")
    elif names:
        phase = "bottleneck " + ", ".join(names)
        if names != REAL:
            problems.append(f"poll {k}: wrong bottleneck {names}: {job['summary']}")
    else:
        phase = "no bottleneck"
    if not phases or phases[-1][0] != phase:
        phases.append([phase, k, k])
    else:
        phases[-1][2] = k
    print(f"poll {k:2}: {job['state']:10} {job['severity']:8} {job['summary']}")

story = " -> ".join(f"{p} (polls {a}-{b})" for p, a, b in phases)
print(f"failover: {story}")
if not phases or not phases[0][0].startswith("bottleneck"):
    problems.append("the recording does not start on the real bottleneck")
if not seen_down:
    problems.append("the job was never seen RESTARTING or otherwise not running")
if not seen_warming:
    problems.append("no warm-up after the restart")
if not phases or phases[-1][0] != "bottleneck " + ", ".join(REAL):
    problems.append(f"the last verdict is {phases[-1:]}, not the real bottleneck")
order = [p for p, _, _ in phases if p != "no bottleneck"]
down_at = next((i for i, p in enumerate(order) if p == "down"), None)
if down_at is not None and "warming up" not in order[down_at:]:
    problems.append("no warm-up after the job came back")
if problems:
    print("failover: FAILED\n  " + "\n  ".join(problems))
    sys.exit(1)
print(f"e2e-flink failover: {len(live)} polls, live and replayed alike; 1 passed, 0 failed")
