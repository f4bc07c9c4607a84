"""What bptop says of one job after each poll of a recording: `diagnose --replay --samples k`
for every k, as the verdict was when that poll had just been taken."""
import json
import subprocess


def polls(rec):
    return max(json.loads(l)["poll"] for l in open(f"{rec}/index.jsonl")) + 1


def per_poll(rec, binary, job_name):
    """Yields (k, job verdict or None, a note when there is none, the whole diagnosis or None)
    for k = 1 .. the last poll."""
    for k in range(1, polls(rec) + 1):
        out = subprocess.run(
            [binary, "diagnose", "--replay", rec, "--samples", str(k), "--format", "json", "--fail-on", "never"],
            capture_output=True, text=True)
        if out.returncode not in (0, 1):
            err = out.stderr.strip().splitlines()
            yield k, None, f"no verdict: {err[-1] if err else out.returncode}", None
            continue
        d = json.loads(out.stdout)
        job = next((j for j in d["jobs"] if j["name"] == job_name), None)
        yield k, job, None if job else "the job is not listed yet", d


def bottleneck_names(job):
    return [b["name"] for b in job["bottlenecks"] if b["kind"] != "unresolved"]
