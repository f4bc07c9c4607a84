//! Every bundled recording (real and synthetic) is served over HTTP by an in-process server and
//! diagnosed by the real binary through `--flink`; the verdict must match the recording's
//! hand-written expected.json (bottlenecks, kinds, classes, skew, causes, severity, exit code).

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::Value;
use support::{bptop, fixture, serve_recording};

fn check(rel: &str) {
    let dir = fixture(rel);
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"))
            .expect("expected.json is JSON");
    // Recorded 2 s apart, polled 50 ms apart: 40× faster than real time.
    let server = serve_recording(&dir, 40.0);
    let url = server.url();
    let extra: Vec<String> = expected["args"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect())
        .unwrap_or_default();
    let mut args = vec!["diagnose", "--flink", &url, "--format", "json"];
    // Defaults unless the recording asks for its own.
    for (flag, value) in [("--samples", "3"), ("--interval", "50ms")] {
        if !extra.iter().any(|a| a == flag) {
            args.extend([flag, value]);
        }
    }
    args.extend(extra.iter().map(String::as_str));
    let run = bptop(&args, Duration::from_secs(30));
    let out: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{rel}: not JSON ({e}):\n{}\n{}", run.stdout, run.stderr));
    let mut problems = Vec::new();
    let severity = expected["severity"].as_str().unwrap();
    if out["severity"] != severity {
        problems.push(format!("severity {} (expected {severity})", out["severity"]));
    }
    let want_code = if severity == "critical" { 1 } else { 0 };
    if run.code != want_code {
        problems.push(format!("exit code {} (expected {want_code}); stderr: {}", run.code, run.stderr));
    }
    for (job_name, want) in expected["jobs"].as_object().unwrap() {
        let Some(job) = out["jobs"].as_array().unwrap().iter().find(|j| j["name"] == job_name.as_str()) else {
            problems.push(format!("job {job_name} missing"));
            continue;
        };
        let names: BTreeMap<&str, &str> = job["vertices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| (v["id"].as_str().unwrap(), v["name"].as_str().unwrap()))
            .collect();
        if job["severity"] != want["severity"] {
            problems.push(format!("{job_name}: severity {} (expected {})", job["severity"], want["severity"]));
        }
        let got: BTreeSet<(String, String)> = job["bottlenecks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (b["name"].as_str().unwrap().to_string(), b["kind"].as_str().unwrap().to_string()))
            .collect();
        let wanted: BTreeSet<(String, String)> = want["bottlenecks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (b["name"].as_str().unwrap().to_string(), b["kind"].as_str().unwrap().to_string()))
            .collect();
        if got != wanted {
            problems.push(format!("{job_name}: bottlenecks {got:?} (expected {wanted:?})"));
        }
        for wb in want["bottlenecks"].as_array().unwrap() {
            let Some(b) = job["bottlenecks"].as_array().unwrap().iter().find(|b| b["name"] == wb["name"]) else {
                continue;
            };
            if !wb["subtasks"].is_null() && b["subtasks"] != wb["subtasks"] {
                problems.push(format!(
                    "{job_name}: {} subtasks {} (expected {})",
                    wb["name"], b["subtasks"], wb["subtasks"]
                ));
            }
            if let Some(n) = wb["operators"].as_u64() {
                if b["operators"].as_array().map(Vec::len) != Some(n as usize) {
                    problems.push(format!("{job_name}: {} operators {}", wb["name"], b["operators"]));
                }
            }
            // How long it holds: sustained, intermittent or undetermined.
            if !wb["pattern"].is_null() && b["persistence"]["pattern"] != wb["pattern"] {
                problems.push(format!(
                    "{job_name}: {} is {} (expected {}): {}",
                    wb["name"], b["persistence"]["pattern"], wb["pattern"], b["persistence"]["text"]
                ));
            }
            check_bottleneck_values(job_name, job, b, &mut problems);
        }
        let vertex = |name: &str| job["vertices"].as_array().unwrap().iter().find(|v| v["name"] == name).cloned();
        for (name, class) in want["classes"].as_object().unwrap() {
            match vertex(name) {
                Some(v) if v["class"] == *class => {}
                Some(v) => problems.push(format!(
                    "{job_name}: {name} is {} (expected {class}); evidence {}",
                    v["class"], v["evidence"]
                )),
                None => problems.push(format!("{job_name}: vertex {name} missing")),
            }
        }
        for (name, subtasks) in want["skewed"].as_object().into_iter().flatten() {
            if vertex(name).map(|v| v["skewed_subtasks"].clone()) != Some(subtasks.clone()) {
                problems.push(format!("{job_name}: {name} skewed subtasks differ from {subtasks}"));
            }
        }
        for (name, causes) in want["caused_by"].as_object().into_iter().flatten() {
            let got: Vec<&str> = vertex(name)
                .map(|v| v["caused_by"].as_array().unwrap().iter().map(|id| names[id.as_str().unwrap()]).collect())
                .unwrap_or_default();
            let wanted: Vec<&str> = causes.as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
            if got != wanted {
                problems.push(format!("{job_name}: {name} caused by {got:?} (expected {wanted:?})"));
            }
        }
    }
    if let Some(want) = expected.get("forecast") {
        check_forecast(&out, want, &mut problems);
    }
    assert!(problems.is_empty(), "{rel}:\n  {}\n--- output ---\n{}", problems.join("\n  "), run.stdout);
}

/// What a bottleneck says is consistent with its vertex and with itself: a confidence in
/// (0, 1], evidence, its vertex and victims by id, and a parallelism that follows from its own
/// rates (the true rate is the input rate over the mean busy time; the target absorbs the input
/// at 70 % utilization), or none with the reason (key skew, a suspect, a stall). A `null` or a
/// number off by a formula's mistake fails here.
fn check_bottleneck_values(job_name: &str, job: &Value, b: &Value, problems: &mut Vec<String>) {
    let name = &b["name"];
    let vertices = job["vertices"].as_array().unwrap();
    let Some(v) = vertices.iter().find(|v| v["id"] == b["vertex_id"]) else {
        problems.push(format!("{job_name}: {name}: vertex_id {} is no vertex", b["vertex_id"]));
        return;
    };
    if !b["confidence"].as_f64().is_some_and(|c| c > 0.0 && c <= 1.0) {
        problems.push(format!("{job_name}: {name}: confidence {}", b["confidence"]));
    }
    let evidence = b["evidence"].as_array().map(|e| e.iter().all(|l| l.as_str().is_some_and(|l| !l.is_empty())));
    if evidence != Some(true) || b["evidence"].as_array().is_some_and(Vec::is_empty) {
        problems.push(format!("{job_name}: {name}: evidence {}", b["evidence"]));
    }
    let victims_known =
        b["victims"].as_array().is_some_and(|vs| vs.iter().all(|id| vertices.iter().any(|v| v["id"] == *id)));
    if !victims_known {
        problems.push(format!("{job_name}: {name}: victims {}", b["victims"]));
    }
    let a = &b["advice"];
    if a["current_parallelism"] != v["parallelism"] {
        problems.push(format!(
            "{job_name}: {name}: advice for parallelism {} of {}",
            a["current_parallelism"], v["parallelism"]
        ));
    }
    let suggested = &b["suggested_parallelism"];
    let basis = a["parallelism_basis"].as_str().unwrap_or_default();
    // No number without a reason; and none under key skew (more subtasks leave the hot one
    // hot) or for a suspect.
    let skewed = v["skewed_subtasks"].as_array().is_some_and(|s| !s.is_empty());
    if suggested.is_null() != basis.starts_with("none: ") {
        problems.push(format!("{job_name}: {name}: parallelism {suggested} with basis '{basis}'"));
    }
    if (skewed || b["kind"] == "unresolved") && !suggested.is_null() {
        problems.push(format!("{job_name}: {name}: skewed or unresolved, yet parallelism {suggested}"));
    }
    // A stall is not a capacity problem.
    if b["persistence"]["pattern"] == "intermittent" && !suggested.is_null() {
        problems.push(format!("{job_name}: {name}: intermittent, yet parallelism {suggested}"));
    }
    let Some(suggested) = suggested.as_f64() else { return };
    let input_key = if b["kind"] == "source" { "records_out_per_s" } else { "records_in_per_s" };
    let (Some(rate), Some(observed), Some(busy), Some(p)) = (
        a["true_rate_per_subtask"].as_f64(),
        a["observed_input_rate"].as_f64(),
        v["busy_avg"].as_f64().or(v["busy"].as_f64()),
        v["parallelism"].as_f64(),
    ) else {
        problems.push(format!("{job_name}: {name}: parallelism {suggested} without rates"));
        return;
    };
    if Some(observed) != v[input_key].as_f64() {
        problems.push(format!("{job_name}: {name}: advice input {observed} ≠ the vertex's {}", v[input_key]));
    }
    if (rate * p * busy - observed).abs() > 0.01 * observed.max(1.0) {
        problems.push(format!("{job_name}: {name}: true rate {rate}/subtask × {p} × busy {busy} ≠ input {observed}"));
    }
    let needed = (observed / (rate * 0.70)).ceil().max(1.0);
    let capped = basis.contains("capped at the max parallelism");
    if !(suggested == needed || capped && suggested < needed) {
        problems.push(format!("{job_name}: {name}: suggested {suggested} (its rates need {needed})"));
    }
}

/// The forecast for the subject must give an ETA within 20 % of the recording's true
/// saturation time, counted from the same last sample.
fn check_forecast(out: &Value, want: &Value, problems: &mut Vec<String>) {
    let Some(f) = out["forecasts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["subject"] == want["subject"] && f["metric"] == want["metric"])
    else {
        problems.push(format!("no forecast for {} {}", want["subject"], want["metric"]));
        return;
    };
    let (Some(eta), Some(last)) = (f["eta_seconds"].as_f64(), f["last_ms"].as_i64()) else {
        problems.push(format!("no ETA: {}", f["reason"]));
        return;
    };
    let truth = (want["saturation_at_ms"].as_i64().unwrap() - last) as f64 / 1000.0;
    if (eta - truth).abs() > 0.2 * truth {
        problems.push(format!("ETA {eta:.1} s, truth {truth:.1} s: off by more than 20 %"));
    }
    for key in ["subject", "metric", "current", "slope_per_s", "r2", "samples", "eta_seconds", "reason"] {
        if f.get(key).is_none() {
            problems.push(format!("forecast lacks {key}"));
        }
    }
}

macro_rules! recordings {
    ($($test:ident => $rel:literal,)*) => {$(
        #[test]
        fn $test() {
            check($rel);
        }
    )*};
}

recordings! {
    real_slow_sink => "real/slow-sink",
    real_python_udf => "real/python-udf",
    real_five_jobs => "real/five-jobs",
    real_start_up => "real/start-up",
    real_intermittent_stall => "real/intermittent-stall",
    real_failover => "real/failover",
    real_pool_step => "real/pool-step",
    chained => "synthetic/chained",
    fan_out => "synthetic/fan-out",
    healthy => "synthetic/healthy",
    join => "synthetic/join",
    legacy_nan => "synthetic/legacy-nan",
    middle_bottleneck => "synthetic/middle-bottleneck",
    no_data_yet => "synthetic/no-data-yet",
    not_running => "synthetic/not-running",
    skew => "synthetic/skew",
    source_bottleneck => "synthetic/source-bottleneck",
    two_jobs => "synthetic/two-jobs",
    load_ramp => "synthetic/load-ramp",
}

#[test]
fn every_recording_has_a_test() {
    let mut found = Vec::new();
    for group in ["real", "synthetic"] {
        for e in std::fs::read_dir(fixture(group)).unwrap() {
            let p = e.unwrap().path();
            if p.join("index.jsonl").exists() {
                assert!(p.join("expected.json").exists(), "{} has no expected.json", p.display());
                let expected: Value =
                    serde_json::from_str(&std::fs::read_to_string(p.join("expected.json")).unwrap()).unwrap();
                if expected.get("replay_only").is_none() {
                    found.push(p);
                }
            }
        }
    }
    assert_eq!(found.len(), 19, "a new recording needs a line in recordings!{{}}");
}

/// The first vertex's metric list serves the others' first requests; a vertex that lacks one of
/// its names (here the sink, without records out) gets an empty aggregate from Flink and must
/// ask for its own list and the aggregate again, rather than read as "no values".
#[test]
fn a_vertex_that_registers_fewer_metrics_than_the_first_is_still_read() {
    let mut scenario: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("scenarios/skew.json")).unwrap()).unwrap();
    let job = scenario["jobs"][0]["id"].as_str().unwrap().to_string();
    let sink = &mut scenario["jobs"][0]["vertices"][2];
    sink["metrics"].as_object_mut().unwrap().remove("records_out");
    let sink_id = sink["id"].as_str().unwrap().to_string();
    let sim = flink_sim::Scenario::from_json(&scenario.to_string()).unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = seen.clone();
    let app = flink_sim::router(std::sync::Arc::new(sim)).layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
            log.lock().unwrap().push(req.uri().to_string());
            next.run(req)
        },
    ));
    let server = support::serve(app);
    let run =
        bptop(&["diagnose", "--flink", &server.url(), "--samples", "1", "--format", "json"], Duration::from_secs(30));
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let seen = seen.lock().unwrap().clone();
    let sink_aggregates: Vec<&String> = seen
        .iter()
        .filter(|p| p.starts_with(&format!("/jobs/{job}/vertices/{sink_id}/subtasks/metrics?get=")))
        .collect();
    assert!(seen.contains(&format!("/jobs/{job}/vertices/{sink_id}/subtasks/metrics")), "its own list: {seen:#?}");
    assert_eq!(sink_aggregates.len(), 2, "{sink_aggregates:#?}");
    assert!(
        sink_aggregates[0].contains("numRecordsOutPerSecond") && !sink_aggregates[1].contains("numRecordsOutPerSecond")
    );
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    let v =
        out["jobs"][0]["vertices"].as_array().unwrap().iter().find(|v| v["id"] == sink_id.as_str()).unwrap().clone();
    assert!(v["records_in_per_s"].is_number() && v["records_out_per_s"].is_null(), "{v}");
    // The other vertices never needed their own list.
    let lists = seen.iter().filter(|p| p.ends_with("/subtasks/metrics")).count();
    assert_eq!(lists, 2, "the first vertex's and the sink's: {seen:#?}");
}

/// Real Flink 2.3, recorded from the submission (fixtures/real/start-up): tasks deploying and
/// /backpressure failing, then two refreshes of every task busy 1000 ms/s with nothing
/// backpressured (which read as a source bottleneck before warm-up was understood), then the
/// real bottleneck. Every prefix of the recording is judged as `diagnose` would on that poll.
#[test]
fn a_real_start_up_warms_up_then_names_the_sink_and_nothing_else() {
    let rec = fixture("real/start-up");
    let mut sequence = Vec::new();
    for k in 1..=20 {
        let (out, code) = replay_prefix(&rec, k);
        let job = &out["jobs"][0];
        let names = bottleneck_names(job);
        let state = if job["warming_up"].is_object() {
            assert!(names.is_empty(), "poll {k}: warming up with bottlenecks {names:?}");
            assert_eq!((out["severity"].as_str(), code), (Some("healthy"), 0), "poll {k}: {out}");
            "warming up".to_string()
        } else {
            assert_eq!(names, ["slow-sink: Writer"], "poll {k}: {}", job["summary"]);
            "slow-sink".to_string()
        };
        sequence.push(state);
    }
    // Warming up while tasks deploy and through the start-up refreshes, then the sink for good.
    let first_verdict = sequence.iter().position(|s| s == "slow-sink").expect("the real bottleneck in the end");
    assert!(first_verdict >= 8, "the start-up refreshes end after poll 8: {sequence:?}");
    assert!(sequence[first_verdict..].iter().all(|s| s == "slow-sink"), "{sequence:?}");
}

/// `diagnose --replay DIR --samples k`: the verdict as it was when poll k had just been taken.
fn replay_prefix(rec: &std::path::Path, k: usize) -> (Value, i32) {
    let samples = k.to_string();
    let rec = rec.to_str().unwrap();
    let run = bptop(&["diagnose", "--replay", rec, "--samples", &samples, "--format", "json"], Duration::from_secs(30));
    let out: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("poll {k}: {e}: {}", run.stderr));
    (out, run.code)
}

fn bottleneck_names(job: &Value) -> Vec<&str> {
    job["bottlenecks"].as_array().unwrap().iter().filter_map(|b| b["name"].as_str()).collect()
}

/// Real Flink 2.3 (fixtures/real/failover): e2e-slow-sink recorded while its only TaskManager
/// was killed and a new one started. Poll by poll: the sink; the job RESTARTING (critical, that
/// reason, no bottleneck); warming up (healthy) through the restart's start-up refresh and the
/// first answer under the next refresh time, which still carries the start-up's busy
/// 1000 ms/s (read as "Source: gen-source is the bottleneck" before); then the sink again.
#[test]
fn a_real_failover_is_restarting_then_warming_up_then_the_same_sink() {
    let rec = fixture("real/failover");
    let mut phases: Vec<&str> = Vec::new();
    for k in 1..=40 {
        let (out, code) = replay_prefix(&rec, k);
        let job = &out["jobs"][0];
        let names = bottleneck_names(job);
        let phase = if job["state"] != "RUNNING" {
            assert!(names.is_empty(), "poll {k}: {} with bottlenecks {names:?}", job["state"]);
            assert_eq!(job["state"], "RESTARTING", "poll {k}");
            assert_eq!((job["severity_reason"].as_str(), code), (Some("the job is RESTARTING"), 1), "poll {k}");
            "restarting"
        } else if job["warming_up"].is_object() {
            assert!(names.is_empty(), "poll {k}: warming up with bottlenecks {names:?}");
            assert_eq!((out["severity"].as_str(), code), (Some("healthy"), 0), "poll {k}: {out}");
            "warming up"
        } else {
            assert_eq!(names, ["slow-sink: Writer"], "poll {k}: {}", job["summary"]);
            "slow-sink"
        };
        if phases.last() != Some(&phase) {
            phases.push(phase);
        }
    }
    assert_eq!(phases, ["slow-sink", "restarting", "warming up", "slow-sink"]);
}

/// Real Flink 2.3 (fixtures/real/pool-step): a healthy job whose filter starts emitting partway
/// through, so its output pool steps 0.0 -> 0.1 and the rates below it rise. At no poll is that
/// a trend, a finding or an alarm.
#[test]
fn a_real_pool_step_is_never_a_trend_or_an_alarm() {
    let rec = fixture("real/pool-step");
    let mut pools = Vec::new();
    for k in 1..=65 {
        let (out, code) = replay_prefix(&rec, k);
        let job = &out["jobs"][0];
        assert_eq!((out["severity"].as_str(), code), (Some("healthy"), 0), "poll {k}: {}", job["summary"]);
        assert!(job["bottlenecks"].as_array().unwrap().is_empty(), "poll {k}: {}", job["summary"]);
        assert!(job["findings"].as_array().unwrap().is_empty(), "poll {k}: {}", job["findings"]);
        for f in out["forecasts"].as_array().unwrap() {
            assert!(f["eta_seconds"].is_null(), "poll {k}: {f}");
        }
        let filter = job["vertices"].as_array().unwrap().iter().find(|v| v["name"] == "rare-events").unwrap();
        pools.push(filter["out_pool"].as_f64());
    }
    // The recording holds the step it is kept for (the window's mean moves from one level to
    // the other).
    let (first, last) = (pools[0].unwrap(), pools[pools.len() - 1].unwrap());
    assert!(first == 0.0 && (last - 0.1).abs() < 1e-9, "{pools:?}");
}

/// Per-subtask metrics at parallelism 512 go out in requests the JobManager accepts (its REST
/// server answers 404 past 4096 bytes of URL, FLINK-8949: ~170 subtask names; the simulator
/// does the same), split into several, and every subtask is read, the hot one included.
#[test]
fn per_subtask_metrics_at_parallelism_512_stay_within_flinks_url_limit() {
    use bptop::collect::{Collector, Source};
    use bptop::model::{Metric, SourceKind};
    use bptop::sources::flink::JobFilter;
    use bptop::sources::http::{Fetcher, HttpOptions};
    use std::sync::{Arc, Mutex};
    let urls: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = urls.clone();
    let router = flink_sim::router(Arc::new(flink_sim::Scenario::generated_chain(8, 512))).layer(
        axum::middleware::from_fn(move |req: axum::extract::Request, next: axum::middleware::Next| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push(req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default());
                next.run(req).await
            }
        }),
    );
    let server = support::serve(router);
    let fetcher = Fetcher::http("flink", &server.url(), &HttpOptions::default()).unwrap();
    let collector = Collector::new(vec![Source::open(SourceKind::Flink, fetcher, &JobFilter::Active)], None, None);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let snap = rt.block_on(collector.poll(0));
    let health = &snap.sources[0];
    assert!(health.ok && health.partial_errors.is_empty(), "{health:?}");
    let urls = urls.lock().unwrap();
    let longest = urls.iter().map(|u| u.len()).max().unwrap();
    assert!(longest <= flink_sim::MAX_URL_LEN, "a URL of {longest} bytes");
    // The skewed vertex (7 of 8) is read subtask by subtask, in several requests.
    let job = &snap.jobs[0];
    let skewed = &job.vertices[7];
    let split = urls.iter().filter(|u| u.contains(&format!("/vertices/{}/metrics?get=", skewed.id))).count();
    assert!(split >= 2, "{split} requests of per-subtask values for 512 subtasks");
    let read = skewed.subtasks.iter().filter(|s| s.metrics.get(Metric::InPool).is_some()).count();
    assert_eq!(read, 512, "every subtask's input pool");
    let hot = skewed.subtasks.iter().find(|s| s.index == 256).unwrap();
    assert!(hot.metrics.get(Metric::Busy).unwrap() > 0.9, "the hot subtask #256");
}
