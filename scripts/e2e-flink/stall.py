#!/usr/bin/env python3
"""Checks bptop's verdict on e2e-stall, a job whose sink keeps up easily but stops for 8 s every
30 s (BptopE2eJobs "stall"): the sink is named, as an intermittent bottleneck (no parallelism
advice, stall hints), its victims held back a share of the time near 8/30, the severity a warning.

usage: stall.py DIAGNOSIS.json
"""
import json
import sys

d = json.load(open(sys.argv[1]))
problems = []
jobs = [j for j in d["jobs"] if j["name"] == "e2e-stall"]
if len(jobs) != 1:
    print(f"stall: FAILED\n  jobs {[j['name'] for j in d['jobs']]}")
    sys.exit(1)
j = jobs[0]
print(f"stall   e2e-stall        {j['severity']:8} {j['summary']}")
sink = next((v for v in j["vertices"] if v["name"] == "flushing-sink: Writer"), None)
if sink is not None:
    print("        timeline of the sink: " + " ".join(c[0] for c in sink["timeline"]))
bs = [b for b in j["bottlenecks"] if b["name"] == "flushing-sink: Writer"]
if len(bs) != 1 or len(j["bottlenecks"]) != 1:
    problems.append(f"bottlenecks {[(b['name'], b['kind']) for b in j['bottlenecks']]}, expected the flushing sink alone")
else:
    b = bs[0]
    p = b["persistence"]
    print(f"        persistence: {p['text']}")
    if p["pattern"] != "intermittent":
        problems.append(f"pattern {p['pattern']} ({p['text']})")
    if p["counted_over"] != "refreshes" or p["of"] < 6:
        problems.append(f"counted over {p['of']} {p['counted_over']}, expected at least 6 refreshes of the running totals")
    share = p["share_of_time"]
    # 8 s of every 30 s, less what the buffers absorb: between a sixth and a third of the time.
    if share is None or not 0.15 <= share <= 0.35:
        problems.append(f"share of time held back {share}, expected about 8/30")
    if p["period_s"] is not None and not 20 <= p["period_s"] <= 40:
        problems.append(f"period {p['period_s']} s, expected about 30 s")
    if b["suggested_parallelism"] is not None or not b["advice"]["parallelism_basis"].startswith("none"):
        problems.append(f"parallelism {b['suggested_parallelism']} for a stall ({b['advice']['parallelism_basis']})")
    if not any(h["kind"] == "intermittent" for h in b["advice"]["hints"]):
        problems.append(f"no stall hint: {b['advice']['hints']}")
    if sink is None or "bottleneck" not in sink["timeline"] or sink["timeline"].count("bottleneck") == len(sink["timeline"]):
        problems.append(f"the sink's timeline {sink and sink['timeline']} shows no stall coming and going")
if j["severity"] != "warning":
    problems.append(f"severity {j['severity']}, expected warning (held back well under half the time)")
if problems:
    print("stall: FAILED\n  " + "\n  ".join(problems))
    sys.exit(1)
print("e2e-flink stall: 1 passed, 0 failed")
