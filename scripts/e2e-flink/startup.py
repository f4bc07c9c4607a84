#!/usr/bin/env python3
"""Checks bptop's verdicts on a job recorded from the moment it was submitted.

usage: startup.py RECORDING BPTOP_BINARY
Each prefix of the recording (its first k polls) is diagnosed as `diagnose --replay --samples k`
would have on that poll. Right after the start Flink first answers nothing, then for about one
refresh every task reads busy 1000 ms/s: bptop must say "warming up" there, never name a
bottleneck other than the real one (slow-sink: Writer) or warn from start-up readings, and end
on the real bottleneck.
"""
import json
import subprocess
import sys

rec, binary = sys.argv[1], sys.argv[2]
polls = max(json.loads(l)["poll"] for l in open(f"{rec}/index.jsonl")) + 1
problems, warming, sequence = [], 0, []
for k in range(1, polls + 1):
    out = subprocess.run(
        [binary, "diagnose", "--replay", rec, "--samples", str(k), "--format", "json", "--fail-on", "never"],
        capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sequence.append("no answer")
        print(f"poll {k:2}: no verdict: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.returncode}")
        continue
    d = json.loads(out.stdout)
    job = next((j for j in d["jobs"] if j["name"] == "e2e-slow-sink"), None)
    if job is None:
        sequence.append("no job")
        print(f"poll {k:2}: the job is not listed yet")
        continue
    names = [b["name"] for b in job["bottlenecks"] if b["kind"] != "unresolved"]
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
print(f"e2e-flink startup: {polls} polls, {warming} warming up, then the real bottleneck: 1 passed, 0 failed")
