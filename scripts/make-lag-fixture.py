#!/usr/bin/env python3
"""Writes fixtures/synthetic/lag-retention: a bptop recording of a kafka-lag-exporter endpoint
(40 scrapes, 5 s apart) for group orders-enrichment on topic orders (2 partitions), with a
known time until retention deletes unread data. Deterministic: same output every run.

Per partition: producers write 400 rec/s, the group commits 100 rec/s, and retention moves the
log start 300 rec/s. At the first scrape the committed offset is 2 000 000 above the log start
(partition 0) and 2 600 000 (partition 1); the margin closes at 300 − 100 = 200 rec/s, so data
loss starts 10 000 s (partition 0) after the first scrape. expected.json holds that instant.
"""
import json
import os
import sys

FNV_OFFSET, FNV_PRIME = 0xCBF29CE484222325, 0x100000001B3
T0 = 1795440000000  # ms, first scrape
STEP_S = 5
POLLS = 40


def fnv1a64(data: bytes) -> int:
    h = FNV_OFFSET
    for b in data:
        h ^= b
        h = (h * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def body(t: float) -> str:
    lines = []
    parts = []
    for p, margin0 in ((0, 2_000_000), (1, 2_600_000)):
        start = 30_000_000 + 300 * t
        committed = start + margin0 - 200 * t
        end = committed + 150_000 + 300 * t
        lag = end - committed
        parts.append((p, start, committed, end, lag))
    labels = lambda p: f'cluster_name="prod",group="orders-enrichment",topic="orders",partition="{p}",member_host="/10.42.3.17",consumer_id="orders-enrichment-{p}-0a1b",client_id="orders-enrichment-{p}",'
    lines.append("# HELP kafka_consumergroup_group_offset Last group consumed offset of a partition")
    lines.append("# TYPE kafka_consumergroup_group_offset gauge")
    for p, start, committed, end, lag in parts:
        lines.append(f"kafka_consumergroup_group_offset{{{labels(p)}}} {committed:.1f}")
    lines.append("# HELP kafka_consumergroup_group_lag Group offset lag of a partition")
    lines.append("# TYPE kafka_consumergroup_group_lag gauge")
    for p, start, committed, end, lag in parts:
        lines.append(f"kafka_consumergroup_group_lag{{{labels(p)}}} {lag:.1f}")
    lines.append("# TYPE kafka_partition_latest_offset gauge")
    for p, start, committed, end, lag in parts:
        lines.append(f'kafka_partition_latest_offset{{cluster_name="prod",topic="orders",partition="{p}",}} {end:.1f}')
    lines.append("# TYPE kafka_partition_earliest_offset gauge")
    for p, start, committed, end, lag in parts:
        lines.append(f'kafka_partition_earliest_offset{{cluster_name="prod",topic="orders",partition="{p}",}} {start:.1f}')
    return "\n".join(lines) + "\n"


def main() -> int:
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    out = os.path.join(root, "fixtures", "synthetic", "lag-retention")
    os.makedirs(os.path.join(out, "bodies"), exist_ok=True)
    index = []
    for n in range(POLLS):
        text = body(n * STEP_S).encode()
        name = "bodies/%016x.txt" % fnv1a64(text)
        with open(os.path.join(out, name), "wb") as f:
            f.write(text)
        index.append({"t_ms": T0 + n * STEP_S * 1000, "poll": n, "source": "lag", "path": "", "status": 200,
                      "body": name, "content_type": "text/plain; version=0.0.4; charset=utf-8"})
    manifest = {
        "format_version": 1,
        "sources": [{"name": "lag", "kind": "prometheus-text", "base_url": "http://127.0.0.1:9999/metrics"}],
        "created_ms": T0,
        "note": "synthetic: scripts/make-lag-fixture.py (kafka-lag-exporter format, known time to data loss)",
        "interval_ms": STEP_S * 1000,
    }
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    with open(os.path.join(out, "index.jsonl"), "w") as f:
        for e in index:
            f.write(json.dumps(e, separators=(",", ":")) + "\n")
    expected = {
        "replay_only": "lag analysis runs on the wall clock of each poll: a server replaying 40× faster would compress time 40×, so this recording is checked with --replay (tests/record_replay.rs)",
        "severity": "critical",
        "jobs": {},
        "lag": {
            "group": "orders-enrichment",
            "trend": "growing",
            "data_loss_at_ms": T0 + 10_000 * 1000,
            "truth": "partition 0: margin 2 000 000 closing at 200 rec/s from the first scrape at T0",
        },
    }
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")
    print(f"{POLLS} scrapes into {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
