#!/usr/bin/env python3
"""Checks bptop's verdicts on a job recorded from the moment it was submitted.

usage: startup.py RECORDING BPTOP_BINARY
Each prefix of the recording (its first k polls) is diagnosed as `diagnose --replay --samples k`
would have on that poll. Right after the start Flink first answers nothing, then for about one
refresh every task reads busy 1000 ms/s: bptop must say "warming up" there, never name a
bottleneck other than the real one (slow-sink: Writer) or warn from start-up readings, and end
on the real bottleneck.
"""
import sys

from verdicts import bottleneck_names, per_poll, polls

rec, binary = sys.argv[1], sys.argv[2]
problems, warming, sequence = [], 0, []
for k, job, note, _ in per_poll(rec, binary, "e2e-slow-sink"):
    if job is None:
        sequence.append(note)
        print(f"poll {k:2}: {note}")
        continue
    names = bottleneck_names(job)
    if job.get("warming_up"):
        warming += 1
        state = "warming up"
        if job["severity"] != "healthy" or names:
            problems.append(f"poll {k}: warming up but {job['severity']}, bottlenecks {names}")
    elif names:
        state = "bottleneck " + ", ".join(names)
        if names != ["slow-sink: Writer"]:
            problems.append(f"poll {k}: wrong bottleneck {names}: {job['summary']}")
    else:
        state = job["summary"]
    sequence.append(state)
    print(f"poll {k:2}: {job['state']:9} {state}")
if warming == 0:
    problems.append("never warming up, although recorded from the submission")
if not sequence or not sequence[-1].startswith("bottleneck slow-sink: Writer"):
    problems.append(f"the last verdict is {sequence[-1:]}, not the real bottleneck")
if problems:
    print("startup: FAILED\n  " + "\n  ".join(problems))
    sys.exit(1)
print(f"e2e-flink startup: {polls(rec)} polls, {warming} warming up, then the real bottleneck: 1 passed, 0 failed")
