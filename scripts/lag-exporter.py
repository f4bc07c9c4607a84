#!/usr/bin/env python3
"""A kafka-lag-exporter page whose offsets move with the wall clock, for recording a Flink job
together with the consumer lag of the group it reads (scripts/make-job-lag-fixture.sh).

    lag-exporter.py --port 0 --group G --topic T --partitions 4 --produce 2000 --consume 1220 \
        --lag 4000000 --loss-in 1500

Producers write --produce rec/s over all partitions, the group commits --consume rec/s, and
time-based retention moves each log start at the producers' rate, so the margin the group has
(committed - log start) closes at produce - consume and retention deletes unread data
--loss-in seconds after start on partition 0 (the others have 10 % more margin each). Prints
"listening on http://127.0.0.1:PORT/metrics" once ready. Standard library only.
"""
import argparse
import http.server
import sys
import time


def page(a, t):
    per_p = a.produce / a.partitions
    per_c = a.consume / a.partitions
    closing = per_p - per_c
    rows = []
    for p in range(a.partitions):
        end = 50_000_000 + p * 1_000_003 + per_p * t
        committed = end - a.lag / a.partitions - closing * t
        margin0 = max(closing, 1.0) * a.loss_in * (1.0 + 0.1 * p)
        start = committed - (margin0 - closing * t)
        rows.append((p, start, committed, end))
    out = []
    lab = lambda p: (f'cluster_name="prod",group="{a.group}",topic="{a.topic}",partition="{p}",'
                     f'member_host="/10.42.3.{17 + p}",consumer_id="{a.group}-{p}-0a1b",client_id="{a.group}-{p}",')
    out.append("# HELP kafka_consumergroup_group_offset Last group consumed offset of a partition")
    out.append("# TYPE kafka_consumergroup_group_offset gauge")
    out += [f"kafka_consumergroup_group_offset{{{lab(p)}}} {c:.1f}" for p, s, c, e in rows]
    out.append("# HELP kafka_consumergroup_group_lag Group offset lag of a partition")
    out.append("# TYPE kafka_consumergroup_group_lag gauge")
    out += [f"kafka_consumergroup_group_lag{{{lab(p)}}} {e - c:.1f}" for p, s, c, e in rows]
    out.append("# TYPE kafka_partition_latest_offset gauge")
    out += [f'kafka_partition_latest_offset{{cluster_name="prod",topic="{a.topic}",partition="{p}",}} {e:.1f}'
            for p, s, c, e in rows]
    out.append("# TYPE kafka_partition_earliest_offset gauge")
    out += [f'kafka_partition_earliest_offset{{cluster_name="prod",topic="{a.topic}",partition="{p}",}} {s:.1f}'
            for p, s, c, e in rows]
    return ("\n".join(out) + "\n").encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--group", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--produce", type=float, required=True)
    ap.add_argument("--consume", type=float, required=True)
    ap.add_argument("--lag", type=float, default=4_000_000)
    ap.add_argument("--loss-in", type=float, default=1500)
    a = ap.parse_args()
    t0 = time.time()

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = page(a, time.time() - t0)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), H)
    print(f"listening on http://127.0.0.1:{srv.server_address[1]}/metrics", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
