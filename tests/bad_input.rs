//! Bad input found by the fuzz targets (fuzz/) and by reading the readers, kept as regression
//! tests: each input is read by the same entry points as the fuzz target that found it, and must
//! give a clear error or a sane model, never a panic. Inputs that are whole files live in
//! fixtures/fuzz-regressions/.

use std::sync::Arc;

use bptop::analysis::{diagnose, invariants, Thresholds};
use bptop::history::History;
use bptop::model::{Job, Metric, Snapshot};
use bptop::record::Replay;
use bptop::sources::flink::{parse_aggregates, parse_backpressure, parse_job, parse_metric_list, resolve_names};
use bptop::sources::prometheus::matrix;
use serde_json::{json, Value};

fn diagnosed(jobs: Vec<Job>) -> (bptop::diagnosis::Diagnosis, Snapshot) {
    let mut h = History::new(10, 100);
    let snap = Snapshot { at_ms: 1_000_000, jobs, ..Snapshot::default() };
    for i in 0..3 {
        h.push(Snapshot { at_ms: snap.at_ms + 2000 * i, ..snap.clone() });
    }
    (diagnose(&h, &Thresholds::default()), snap)
}

/// Flink's aggregated `/subtasks/metrics` was read unchecked: 1500 ms busy per second came out as
/// busy 150 %, and a negative backpressured time as −3 %, straight into the report.
#[test]
fn an_aggregate_outside_0_to_1000_ms_per_second_stays_a_ratio() {
    let names = resolve_names(&["busyTimeMsPerSecond".into(), "backPressuredTimeMsPerSecond".into()]);
    let answer = json!([
        {"id": "busyTimeMsPerSecond", "min": "900", "max": "1500", "avg": 1200, "sum": "2400"},
        {"id": "backPressuredTimeMsPerSecond", "min": -30, "max": "-30", "avg": "-30", "sum": "-60"},
    ]);
    let stats = parse_aggregates(&answer, &names).expect("an aggregate");
    assert_eq!(stats.get(Metric::Busy).max, Some(1.0));
    assert_eq!(stats.get(Metric::Busy).avg, Some(1.0));
    assert_eq!(stats.get(Metric::Backpressured).max, Some(0.0));
    assert_eq!(stats.get(Metric::Backpressured).sum, Some(0.0));
    let details = json!({"jid": "j", "name": "n", "state": "RUNNING", "vertices": [{"id": "v", "name": "map"}]});
    let mut job = parse_job(&details, &serde_json::Value::Null).expect("a job");
    job.vertices[0].stats = stats;
    let (d, latest) = diagnosed(vec![job]);
    assert_eq!(d.jobs[0].vertices[0].busy, Some(1.0));
    assert_eq!(invariants::violations(&d, &latest, &Thresholds::default()), Vec::<String>::new());
}

/// What the `flink_rest` fuzz target found first (minimized): an aggregate whose output pool
/// usage says `"max": 8.0` came out as out_pool 8 in the verdict. The answers are read as the
/// target reads them: overview, job, plan, metric list, aggregate, …, separated by 0x1e.
#[test]
fn fuzz_flink_rest_pool_usage_8() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/fuzz-regressions/flink_rest-pool-usage-8");
    let bytes = std::fs::read(path).unwrap();
    let docs: Vec<Value> =
        bytes.split(|b| *b == 0x1e).map(|d| serde_json::from_slice(d).unwrap_or(Value::Null)).collect();
    let mut job = parse_job(&docs[1], &docs[2]).expect("a job");
    let names = resolve_names(&parse_metric_list(&docs[3]));
    let stats = parse_aggregates(&docs[4], &names).expect("an aggregate");
    assert_eq!(stats.get(Metric::OutPool).max, Some(1.0));
    for v in &mut job.vertices {
        v.stats = stats.clone();
    }
    let (d, latest) = diagnosed(vec![job]);
    assert!(d.jobs[0].vertices.iter().all(|v| v.out_pool == Some(1.0)));
    assert_eq!(invariants::violations(&d, &latest, &Thresholds::default()), Vec::<String>::new());
}

fn recording(index_line: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("manifest.json"),
        r#"{"format_version":1,"sources":[{"name":"flink","kind":"flink","base_url":"http://x"}],"created_ms":0}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("index.jsonl"), index_line).unwrap();
    std::fs::create_dir(dir.path().join("bodies")).unwrap();
    dir
}

/// An absolute body path is refused when the recording opens, before anything is read.
#[test]
fn a_recording_whose_index_names_an_absolute_path_is_refused() {
    let dir = recording(r#"{"t_ms":0,"poll":0,"source":"flink","path":"/jobs/overview","body":"/etc/passwd"}"#);
    let Err(e) = Replay::open(dir.path()) else { panic!("refused") };
    assert!(e.contains("index.jsonl line 1") && e.contains("relative path inside the recording"), "{e}");
}

/// A body that is a symbolic link leading out of the recording is refused when it is read.
#[cfg(unix)]
#[test]
fn a_recording_whose_body_links_outside_its_directory_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.json"), r#"{"jobs":[]}"#).unwrap();
    let dir = recording(r#"{"t_ms":0,"poll":0,"source":"flink","path":"/jobs/overview","body":"bodies/a.json"}"#);
    std::os::unix::fs::symlink(outside.path().join("secret.json"), dir.path().join("bodies/a.json")).unwrap();
    let replay = Arc::new(Replay::open(dir.path()).expect("the index itself is fine"));
    let e = replay.get_at("flink", "/jobs/overview", 0).expect_err("refused");
    assert!(e.contains("points outside the recording"), "{e}");
}

/// Times at the ends of i64 in a recording (t_ms) made the analysis subtract with overflow: a
/// debug build panicked ("attempt to subtract with overflow" in diagnose), a release build
/// wrapped into nonsense. Found by a hand-made input to the `recording` fuzz target; such a
/// recording is now refused when it opens, with the line that is wrong.
#[test]
fn fuzz_recording_with_times_at_the_ends_of_i64_is_refused() {
    for t in [i64::MIN, -1, i64::MAX] {
        let dir =
            recording(&format!(r#"{{"t_ms":{t},"poll":0,"source":"flink","path":"/jobs/overview","status":500}}"#));
        let Err(e) = Replay::open(dir.path()) else { panic!("t_ms {t} accepted") };
        assert!(e.contains("index.jsonl line 1: t_ms") && e.contains("is no time"), "{e}");
    }
}

/// The same times from a live answer are dropped where they are read: Flink's `/backpressure`
/// end-timestamp and a Prometheus range query's sample times.
#[test]
fn times_outside_1970_to_9999_from_an_answer_are_dropped() {
    for t in [json!(1e300), json!(-1e300), json!(-5), json!("9223372036854775807")] {
        let bp = parse_backpressure(&json!({"status": "ok", "end-timestamp": t, "subtasks": []})).unwrap();
        assert_eq!(bp.end_timestamp, None, "{t}");
    }
    let answer = json!({"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"__name__": "x"}, "values": [[1e300, "1"], [-1e300, "1"], [1795431502.351, "2"]]},
    ]}});
    let by_time = matrix(&answer).unwrap();
    assert_eq!(by_time.keys().copied().collect::<Vec<_>>(), [1_795_431_502_351]);
}
