#!/usr/bin/env python3
"""Checks bptop's JSON verdict on the e2e jobs against what they were built to do.

usage: check.py live|replay|scrape DIAGNOSIS.json
With --scrape the reporter gives no plan: names are reformatted ("slow_sink:_Writer") and the
bottleneck is named because it is the only busy vertex that is not backpressured.
"""
import json
import math
import sys

mode, path = sys.argv[1], sys.argv[2]
d = json.load(open(path))


def murmur(code):
    """Flink's MathUtils.murmurHash of an int hash code (32-bit arithmetic)."""
    m = 0xFFFFFFFF
    rotl = lambda x, r: ((x << r) | (x >> (32 - r))) & m
    code = rotl((code * 0xCC9E2D51) & m, 15)
    code = rotl((code * 0x1B873593) & m, 13)
    h = ((code * 5 + 0xE6546B64) & m) ^ 4
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & m
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & m
    h ^= h >> 16
    signed = h - (1 << 32) if h >= 1 << 31 else h
    return abs(signed) if signed != -(1 << 31) else 0


def subtask_of_key(long_key, parallelism, max_parallelism=128):
    """Flink's KeyGroupRangeAssignment: the subtask that owns a Long key."""
    key_hash = (long_key ^ (long_key >> 32)) & 0xFFFFFFFF  # Long.hashCode
    key_group = murmur(key_hash) % max_parallelism
    return key_group * parallelism // max_parallelism


# The skew job sends 99 records in 100 with key 0L to keyed-enrich at parallelism 2 (default max
# parallelism 128): the subtask that owns key 0 is the hot one.
HOT_SUBTASK = subtask_of_key(0, 2)

# job → (bottleneck name, kind, victims, hot subtasks)
EXPECTED = {
    "e2e-slow-sink": ("slow-sink: Writer", "sink", ["Source: gen-source", "parse", "filter-valid"], None),
    "e2e-slow-middle": ("slow-enrich", "operator", ["Source: gen-source", "parse"], None),
    "e2e-healthy": (None, None, [], None),
    "e2e-skew": ("keyed-enrich", "operator", ["Source: gen-source"], [HOT_SUBTASK]),
    "e2e-fan-out": ("alerts-sink: Writer", "sink", ["Source: gen-source", "split"], None),
}
# In a chain, the one vertex feeding the bottleneck: backpressured, its output pool stays full.
FEEDS_FULL_POOL = {"e2e-slow-sink": "filter-valid", "e2e-slow-middle": "parse"}
# A slow operator parks 1 ms per record: at most 1000 records per second per subtask, and on a
# loaded 2-core machine no less than a fifth of that.
PARKED_RATE = (200.0, 1000.0)


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
    v = next(v for v in j["vertices"] if v["name"] == reporter_name(bn))
    if hot is not None:
        if v["skewed_subtasks"] != hot:
            problems.append(f"{job_name}: hot subtasks {v['skewed_subtasks']}, expected {hot}; subtasks {v['subtasks']}")
        # Rescaling does not cure key skew: no parallelism, and the reason says so.
        if b["suggested_parallelism"] is not None or not b["advice"]["parallelism_basis"].startswith("none"):
            problems.append(f"{job_name}: parallelism {b['suggested_parallelism']} under skew ({b['advice']['parallelism_basis']})")
    else:
        # The true rate of a parked operator, and the parallelism it implies for what it takes in.
        a = b["advice"]
        rate, observed = a["true_rate_per_subtask"], a["observed_input_rate"]
        if rate is None or not PARKED_RATE[0] <= rate <= PARKED_RATE[1]:
            problems.append(f"{job_name}: true rate {rate} rec/s per subtask, outside {PARKED_RATE}")
        elif observed is None or b["suggested_parallelism"] != max(1, math.ceil(observed / (rate * 0.70) - 1e-9)):
            problems.append(f"{job_name}: parallelism {b['suggested_parallelism']} for {observed} rec/s at {rate}/subtask")
        elif b["suggested_parallelism"] != 2:
            # Saturated at parallelism 1: it takes about its true rate, so 1 / 0.70 -> 2.
            problems.append(f"{job_name}: parallelism {b['suggested_parallelism']}, expected 2")
    # Forecasts against what the job makes true: the bottleneck is busy all the time (its busy
    # forecast reads ~100 %: saturated, or too few measurements yet, never a trend or flat), and
    # in a chain the vertex feeding it has its output pool full (saturated).
    def forecast(name, metric):
        vid = next((x["id"] for x in j["vertices"] if x["name"] == reporter_name(name)), None)
        found = [f for f in d["forecasts"] if f["job_id"] == j["id"] and f["vertex_id"] == vid and f["metric"] == metric]
        return found[0] if len(found) == 1 else None
    busy = forecast(bn, "busy")
    if busy is None or busy["current"] is None or busy["current"] < 0.95 or busy["status"] not in ("saturated", "not_enough_data"):
        problems.append(f"{job_name}: busy forecast of the bottleneck {busy}")
    if job_name in FEEDS_FULL_POOL:
        pool = forecast(FEEDS_FULL_POOL[job_name], "out_pool")
        if pool is None or pool["status"] != "saturated" or pool["eta_seconds"] is not None:
            problems.append(f"{job_name}: out_pool forecast of {FEEDS_FULL_POOL[job_name]} {pool}")
# A healthy job at a steady 200 rec/s: nothing trends towards saturation, no ETA.
healthy = jobs.get("e2e-healthy")
if healthy is not None:
    etas = [f"{f['subject']} {f['metric']}" for f in d["forecasts"] if f["job_id"] == healthy["id"] and f["eta_seconds"] is not None]
    if etas:
        problems.append(f"e2e-healthy: ETAs on a flat job: {etas}")
if problems:
    print(f"{mode}: FAILED\n  " + "\n  ".join(problems))
    sys.exit(1)
print(f"e2e-flink {mode}: {len(EXPECTED)} passed, 0 failed")
