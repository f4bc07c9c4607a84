#!/usr/bin/env python3
"""Turns a capture from ../shared/fixtures/real-flink/<scenario>/recording into a bptop
recording (manifest.json, index.jsonl, bodies/), keeping only the Flink REST answers of a few
polls. Bodies are copied byte for byte; only the layout changes.

usage: import-real-flink.py SRC_RECORDING_DIR DEST_DIR --first 10 --polls 10 --note TEXT
"""
import argparse
import json
import os
import re
import sys

# The requests bptop's Flink source makes; the capture asked for more (checkpoints, watermarks,
# TaskManager metrics) that bptop does not read yet and that would only bloat the fixture.
USED = re.compile(
    r"^/jobs/overview$"
    r"|^/jobs/[0-9a-f]{32}(/plan)?$"
    r"|^/jobs/[0-9a-f]{32}/vertices/[0-9a-f]{32}/(backpressure|subtasks/metrics(\?.*)?|metrics(\?.*)?)$"
)


def fnv1a64(data: bytes) -> int:
    """Same hash as src/record/format.rs, so bptop and this script name bodies alike."""
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dest")
    ap.add_argument("--first", type=int, default=10, help="first poll (seq) to keep")
    ap.add_argument("--polls", type=int, default=10, help="how many polls to keep")
    ap.add_argument("--note", default="")
    args = ap.parse_args()

    meta = json.load(open(os.path.join(args.src, "meta.json")))
    base = meta["rest"].rstrip("/")
    os.makedirs(os.path.join(args.dest, "bodies"), exist_ok=True)
    lines = []
    created = None
    for raw in open(os.path.join(args.src, "index.jsonl")):
        e = json.loads(raw)
        seq = e["seq"]
        if not (args.first <= seq < args.first + args.polls):
            continue
        if not e["url"].startswith(base + "/"):
            continue  # reporter scrapes and other endpoints are not Flink REST
        path = e["url"][len(base):]
        if not USED.match(path):
            continue
        entry = {
            "t_ms": e["t_ms"],
            "poll": seq - args.first,
            "source": "flink",
            "path": path,
        }
        if e.get("file"):
            body = open(os.path.join(args.src, e["file"]), "rb").read()
            name = "bodies/%016x.json" % fnv1a64(body)
            path = os.path.join(args.dest, name)
            if not os.path.exists(path):
                open(path, "wb").write(body)
            entry["status"] = e["status"]
            entry["body"] = name
            entry["content_type"] = e.get("content_type")
        else:
            entry["error"] = e.get("error") or "no response"
        created = e["t_ms"] if created is None else min(created, e["t_ms"])
        lines.append(entry)
    if not lines:
        print("no Flink REST responses in that range", file=sys.stderr)
        return 1
    manifest = {
        "format_version": 1,
        "sources": [{"name": "flink", "kind": "flink", "base_url": base}],
        "created_ms": created,
        "note": args.note,
        "interval_ms": int(meta.get("interval_s", 2) * 1000),
    }
    with open(os.path.join(args.dest, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    with open(os.path.join(args.dest, "index.jsonl"), "w") as f:
        for entry in lines:
            f.write(json.dumps(entry, separators=(",", ":")) + "\n")
    print(f"{len(lines)} responses from {args.polls} polls into {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
