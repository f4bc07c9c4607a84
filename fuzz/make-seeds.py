#!/usr/bin/env python3
"""Writes fuzz/seeds/<target>/ from the bundled fixtures: small, valid inputs in each target's
format (answers separated by 0x1e), so the fuzzers start from real Flink, exporter and Burrow
answers instead of from nothing. Run from the repository root: python3 fuzz/make-seeds.py"""

import json
import os

SEP = b"\x1e"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "seeds")


def read(rel):
    with open(os.path.join(ROOT, rel), "rb") as f:
        return f.read()


def write(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data)


def index(rec):
    return [json.loads(line) for line in read(f"{rec}/index.jsonl").decode().splitlines() if line.strip()]


def body(rec, entries, pred):
    e = next(e for e in entries if pred(e["path"]))
    return read(f"{rec}/{e['body']}")


def flink_rest(rec, name):
    """Overview, job, plan and one vertex's metric list, aggregate, per-subtask values and
    backpressure, from the first poll of a recording."""
    entries = [e for e in index(rec) if e["poll"] == 0 and e.get("body")]
    vertex_with = lambda suffix: next(e["path"] for e in entries if e["path"].endswith(suffix)).rsplit("/", 1)[0]
    per_subtask = [e for e in entries if "/metrics?get=0." in e["path"]]
    base = per_subtask[0]["path"].split("/metrics?")[0] if per_subtask else vertex_with("/backpressure")
    jid = base.split("/")[2]
    docs = [
        body(rec, entries, lambda p: p == "/jobs/overview"),
        body(rec, entries, lambda p: p == f"/jobs/{jid}"),
        next((read(f"{rec}/{e['body']}") for e in entries if e["path"] == f"/jobs/{jid}/plan"), b"{}"),
        body(rec, entries, lambda p: p == f"{base}/subtasks/metrics"),
        body(rec, entries, lambda p: p.startswith(f"{base}/subtasks/metrics?get=")),
        body(rec, entries, lambda p: p.startswith(f"{base}/metrics?get=")) if per_subtask else b"[]",
        body(rec, entries, lambda p: p == f"{base}/backpressure"),
    ]
    write("flink_rest", name, SEP.join(docs))


def exposition():
    for name in ["kafka-lag-exporter.txt", "kafka_exporter.txt", "kminion.txt"]:
        write("exposition", name, read(f"fixtures/kafka/{name}"))
    # The reporter's text cut to the task metrics bptop reads (the whole text is 140 kB).
    for name in ["slow-sink-taskmanager.txt", "python-udf-taskmanager.txt"]:
        keep = [
            l
            for l in read(f"fixtures/real/reporter/{name}").splitlines(keepends=True)
            if l.startswith(b"flink_taskmanager_job_task_")
            and any(m in l for m in [b"TimeMsPerSecond{", b"PoolUsage{", b"numRecords", b"QueueLength{"])
        ]
        write("exposition", name, b"".join(keep))


def burrow():
    docs = [read(f"fixtures/kafka/burrow/{n}") for n in ["clusters.json", "consumers.json", "lag-orders-enrichment.json"]]
    write("burrow", "orders-enrichment", SEP.join(docs))


def recording(rec, name, polls):
    """The first `polls` polls of a recording, with the bodies they use."""
    lines = [l for l in read(f"{rec}/index.jsonl").splitlines() if l.strip() and json.loads(l)["poll"] < polls]
    bodies = sorted({json.loads(l)["body"] for l in lines if json.loads(l).get("body")})
    parts = [read(f"{rec}/manifest.json"), b"\n".join(lines) + b"\n"]
    parts += [b.encode() + b"\n" + read(f"{rec}/{b}") for b in bodies]
    write("recording", name, SEP.join(parts))


flink_rest("fixtures/real/slow-sink", "real-slow-sink")
flink_rest("fixtures/synthetic/skew", "synthetic-skew")
exposition()
burrow()
recording("fixtures/synthetic/chained", "synthetic-chained", 2)
recording("fixtures/synthetic/skew", "synthetic-skew", 1)
recording("fixtures/synthetic/lag-retention", "synthetic-lag-retention", 3)
recording("fixtures/synthetic/not-running", "synthetic-not-running", 1)
