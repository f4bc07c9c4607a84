#!/usr/bin/env python3
"""Checks bptop's JSON verdict on the e2e jobs against what they were built to do.

usage: check.py live|replay|scrape DIAGNOSIS.json
With --scrape the reporter gives no plan: names are reformatted ("slow_sink:_Writer") and the
bottleneck is named because it is the only busy vertex that is not backpressured.
"""
import json
import sys

mode, path = sys.argv[1], sys.argv[2]
d = json.load(open(path))

# job → (bottleneck name, kind, victims, hot subtasks)
EXPECTED = {
    "e2e-slow-sink": ("slow-sink: Writer", "sink", ["Source: gen-source", "parse", "filter-valid"], None),
    "e2e-slow-middle": ("slow-enrich", "operator", ["Source: gen-source", "parse"], None),
    "e2e-healthy": (None, None, [], None),
    "e2e-skew": ("keyed-enrich", "operator", ["Source: gen-source"], 1),
    "e2e-fan-out": ("alerts-sink: Writer", "sink", ["Source: gen-source", "split"], None),
}


def reporter_name(name):
    # The Prometheus reporter replaces spaces and dashes in names.
    return name.replace(" ", "_").replace("-", "_") if mode == "scrape" else name


problems = []
jobs = {j["name"].replace("_", "-") if mode == "scrape" else j["name"]: j for j in d["jobs"]}
for job_name, (bn, kind, victims, hot) in EXPECTED.items():
    j = jobs.get(job_name)
    if j is None:
        problems.append(f"{job_name}: missing (jobs: {sorted(jobs)})")
        continue
    names = [b["name"] for b in j["bottlenecks"] if b["kind"] != "unresolved"]
    line = f"{mode:7} {job_name:16} {j['severity']:8} {j['summary']}"
    print(line)
    if bn is None:
        if names:
            problems.append(f"{job_name}: bottleneck {names} where none was built")
        continue
    if names != [reporter_name(bn)]:
        problems.append(f"{job_name}: bottleneck {names}, expected {reporter_name(bn)}")
        continue
    b = j["bottlenecks"][0]
    if b["kind"] != kind:
        problems.append(f"{job_name}: kind {b['kind']}, expected {kind}")
    got_victims = sorted(v["name"] for v in j["vertices"] if v["class"] == "victim")
    if got_victims != sorted(reporter_name(v) for v in victims):
        problems.append(f"{job_name}: victims {got_victims}")
    if j["severity"] != "critical":
        problems.append(f"{job_name}: severity {j['severity']}")
    if hot is not None:
        v = next(v for v in j["vertices"] if v["name"] == reporter_name(bn))
        if len(v["skewed_subtasks"]) != hot:
            problems.append(f"{job_name}: skewed subtasks {v['skewed_subtasks']}; subtasks {v['subtasks']}")
if problems:
    print(f"{mode}: FAILED\n  " + "\n  ".join(problems))
    sys.exit(1)
print(f"e2e-flink {mode}: {len(EXPECTED)} passed, 0 failed")
