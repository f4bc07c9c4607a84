#!/usr/bin/env python3
"""Checks bptop's verdicts on e2e-steps, a healthy job (200 records/s) whose filter passes
nothing until a file appears partway through the recording (BptopE2eJobs "steps"): its output
pool then steps a buffer (0.0 -> 0.1 of ten) and the rates below it rise over Flink's 60 s
averages. First that the recording really holds such a step, then that at no poll bptop reads
it as a trend: healthy, no bottleneck, no ETA, no finding.

usage: steps.py RECORDING BPTOP_BINARY
"""
import json
import sys

from verdicts import per_poll

rec, binary = sys.argv[1], sys.argv[2]
problems = []

# The pool levels Flink gave, per vertex and gauge, in poll order.
levels = {}
for line in open(f"{rec}/index.jsonl"):
    e = json.loads(line)
    if "/metrics" not in e["path"] or not e.get("body"):
        continue
    try:
        body = json.load(open(f"{rec}/{e['body']}"))
    except (OSError, ValueError):
        continue
    if not isinstance(body, list):
        continue
    vertex = e["path"].split("/vertices/")[-1].split("/")[0]
    for m in body:
        if m.get("id", "").endswith("PoolUsage"):
            v = m.get("max", m.get("value"))
            if v is not None:
                seq = levels.setdefault((vertex, m["id"]), [])
                if not seq or seq[-1] != float(v):
                    seq.append(float(v))
steps = {k: v for k, v in levels.items() if len(v) > 1}
for (vertex, gauge), seq in sorted(steps.items()):
    print(f"steps   {vertex[:8]} {gauge.split('.')[-1]:13} levels in turn: {seq}")
if not steps:
    problems.append(f"no pool gauge moved in the recording: {levels}")
elif not any(min(b - a for a, b in zip(sorted(set(s)), sorted(set(s))[1:])) <= 0.1 + 1e-9 for s in steps.values()):
    problems.append("no gauge moved by a single buffer")

verdicts = 0
for k, job, note, d in per_poll(rec, binary, "e2e-steps"):
    if job is None:
        problems.append(f"poll {k}: {note}")
        continue
    verdicts += 1
    etas = [(f["subject"], f["metric"], f["eta_seconds"]) for f in d["forecasts"]
            if f["job_id"] == job["id"] and f["eta_seconds"] is not None]
    if job["severity"] != "healthy" or job["bottlenecks"] or job["findings"] or etas:
        problems.append(f"poll {k}: {job['severity']} {job['summary']}; findings {job['findings']}; ETAs {etas}")
if problems:
    print("steps: FAILED\n  " + "\n  ".join(problems))
    sys.exit(1)
print(f"e2e-flink steps: {verdicts} polls healthy with {len(steps)} gauges stepping; 1 passed, 0 failed")
