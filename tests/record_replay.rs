//! `record` writes what `--replay` reads: the same verdict either way, no credential in the
//! recording, a clear error for a request the recording cannot answer, and the documented JSON.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{bptop, fixture, serve, serve_text, walk};

const LIMIT: Duration = Duration::from_secs(60);

fn verdict(json: &str) -> Vec<(String, String)> {
    let v: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("not JSON ({e}): {json}"));
    let mut out = vec![("severity".to_string(), v["severity"].as_str().unwrap().to_string())];
    for job in v["jobs"].as_array().unwrap() {
        for vx in job["vertices"].as_array().unwrap() {
            out.push((vx["name"].as_str().unwrap().to_string(), vx["class"].as_str().unwrap().to_string()));
        }
    }
    out
}

#[test]
fn a_recording_replays_to_the_same_verdict_and_holds_no_secret() {
    let scenario = std::fs::read_to_string(fixture("scenarios/fan-out.json")).unwrap();
    let sim = flink_sim::Scenario::from_json(&scenario).unwrap();
    let server = serve(flink_sim::router(std::sync::Arc::new(sim)));
    let secret_url = format!("http://oncall:hunter2-s3cret@{}", server.addr);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rec");
    let out_s = out.to_str().unwrap();
    let rec =
        bptop(&["record", "--flink", &secret_url, "--out", out_s, "--duration", "1s", "--interval", "250ms"], LIMIT);
    assert_eq!(rec.code, 0, "{}", rec.stderr);
    assert!(rec.stderr.contains("recorded 4 polls"), "{}", rec.stderr);

    for entry in walk(&out) {
        let bytes = std::fs::read(&entry).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("hunter2") && !text.contains("oncall:"), "credential in {}", entry.display());
    }
    let live = bptop(
        &["diagnose", "--flink", &secret_url, "--samples", "2", "--interval", "100ms", "--format", "json"],
        LIMIT,
    );
    let replayed = bptop(&["diagnose", "--replay", out_s, "--format", "json"], LIMIT);
    assert_eq!(replayed.code, live.code, "{}", replayed.stderr);
    assert_eq!(verdict(&replayed.stdout), verdict(&live.stdout));
    let v: Value = serde_json::from_str(&replayed.stdout).unwrap();
    assert_eq!(v["input"]["mode"], "replay");
    assert_eq!(v["input"]["polls"], 4, "diagnose replays every recorded poll by default");
    assert_eq!(v["jobs"][0]["bottlenecks"][0]["name"], "alerts-sink");
    // record drove the same session as the replay: its last line is the replay's severity.
    let severity = v["severity"].as_str().unwrap();
    assert!(rec.stderr.contains(&format!("its verdict: {severity} (4 of 4 polls answered)")), "{}", rec.stderr);

    // Recording into an existing recording is refused rather than mixing two captures.
    let again = bptop(&["record", "--flink", &secret_url, "--out", out_s, "--duration", "1s"], LIMIT);
    assert_eq!(again.code, 3);
    assert!(again.stderr.contains("already holds a recording"), "{}", again.stderr);
}

#[test]
fn a_request_the_recording_cannot_answer_is_named() {
    let dir = fixture("real/slow-sink");
    let other = "0123456789abcdef0123456789abcdef";
    let run = bptop(&["diagnose", "--replay", dir.to_str().unwrap(), "--job", other], LIMIT);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains(&format!("/jobs/{other}")), "{}", run.stderr);
    assert!(run.stderr.contains("holds no response to this request"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[test]
fn the_real_slow_sink_diagnosis_carries_the_documented_json() {
    let dir = fixture("real/slow-sink");
    let run = bptop(&["diagnose", "--replay", dir.to_str().unwrap(), "--format", "json"], LIMIT);
    assert_eq!(run.code, 1, "critical reaches the default --fail-on critical");
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["severity"], "critical");
    let job = &v["jobs"][0];
    for key in ["id", "name", "state", "severity", "summary", "bottlenecks", "vertices", "findings"] {
        assert!(!job[key].is_null(), "jobs[].{key}");
    }
    let b = &job["bottlenecks"][0];
    assert_eq!(b["vertex_id"], "6d2677a0ecc3fd8df0b72ec675edf8f4");
    assert_eq!(b["name"], "slow-sink: Writer");
    assert_eq!(b["kind"], "sink");
    assert_eq!(b["subtasks"], serde_json::json!([0]));
    assert!(b["confidence"].as_f64().unwrap() >= 0.8);
    assert!(!b["evidence"].as_array().unwrap().is_empty());
    assert_eq!(b["suggested_parallelism"], 2);
    assert!(b["advice"]["true_rate_per_subtask"].as_f64().unwrap() > 800.0);
    let victims: Vec<&str> = job["vertices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["class"] == "victim")
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(victims, ["Source: gen-source", "parse", "filter-valid"]);
    for vx in job["vertices"].as_array().unwrap() {
        for key in ["id", "name", "parallelism", "class", "skewed_subtasks"] {
            assert!(!vx[key].is_null(), "vertices[].{key}");
        }
        for key in ["busy", "backpressured", "idle", "in_pool", "out_pool"] {
            let r = &vx[key];
            assert!(r.is_null() || (0.0..=1.0).contains(&r.as_f64().unwrap()), "{key} = {r}");
        }
    }
    let s = &v["sources"][0];
    assert_eq!(s["name"], "flink");
    assert_eq!(s["kind"], "flink");
    assert_eq!(s["ok"], true);
    assert!(s["error"].is_null());

    let warn = bptop(&["diagnose", "--replay", dir.to_str().unwrap(), "--fail-on", "warning"], LIMIT);
    assert_eq!(warn.code, 1);
    let never = bptop(&["diagnose", "--replay", dir.to_str().unwrap(), "--fail-on", "never"], LIMIT);
    assert_eq!(never.code, 0);
    assert!(never.stdout.contains("▶ slow-sink: Writer") && never.stdout.contains("BOTTLENECK"), "{}", never.stdout);
    let md = bptop(&["diagnose", "--replay", dir.to_str().unwrap(), "--format", "markdown"], LIMIT);
    assert!(md.stdout.contains("| slow-sink: Writer | 1 | **bottleneck** |"), "{}", md.stdout);
}

#[test]
fn with_no_source_the_bundled_recording_is_replayed_and_announced() {
    let run = bptop(&["diagnose", "--fail-on", "never"], LIMIT);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("replaying the bundled recording"), "{}", run.stderr);
    assert!(run.stdout.contains("slow-sink: Writer is the bottleneck"), "{}", run.stdout);
}

#[test]
fn a_recording_pointing_outside_its_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("manifest.json"),
        r#"{"format_version":1,"sources":[{"name":"flink","kind":"flink","base_url":"http://x"}],"created_ms":0}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("index.jsonl"),
        r#"{"t_ms":0,"poll":0,"source":"flink","path":"/jobs/overview","status":200,"body":"../../etc/passwd"}"#,
    )
    .unwrap();
    let run = bptop(&["diagnose", "--replay", dir.path().to_str().unwrap()], LIMIT);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("points outside the recording"), "{}", run.stderr);
}

#[test]
fn the_load_ramp_forecast_from_replay_lands_near_the_truth() {
    let dir = fixture("synthetic/load-ramp");
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let run = bptop(&["diagnose", "--replay", dir.to_str().unwrap(), "--format", "json"], LIMIT);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let f = v["forecasts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["subject"] == "enrich-with-geo" && f["metric"] == "busy")
        .unwrap();
    assert_eq!(f["status"], "eta");
    let truth =
        (expected["forecast"]["saturation_at_ms"].as_i64().unwrap() - f["last_ms"].as_i64().unwrap()) as f64 / 1000.0;
    let eta = f["eta_seconds"].as_f64().unwrap();
    assert!((eta - truth).abs() <= 0.2 * truth, "eta {eta} truth {truth}");
    assert!(f["r2"].as_f64().unwrap() >= 0.9);
    // The recording's ten busy values are 2 s apart, each an average over Flink's last 60 s:
    // together they are worth less than one independent window, so the far end of the range is
    // open and the ETA is shown, not alarmed.
    assert_eq!(f["eta_high_seconds"], Value::Null);
    assert_eq!(v["severity"], "healthy", "{}", v["reasons"]);
    let findings = v["jobs"][0]["findings"].to_string();
    assert!(
        findings.contains("busy of enrich-with-geo may saturate within 30 min")
            && findings.contains("shown, not alarmed"),
        "{findings}"
    );
    // The text report carries the line too.
    let text = bptop(&["diagnose", "--replay", dir.to_str().unwrap()], LIMIT).stdout;
    assert!(text.contains("busy of enrich-with-geo reaches 100% in ~"), "{text}");
}

#[test]
fn time_until_data_loss_lands_within_ten_percent_of_the_known_answer() {
    let dir = fixture("synthetic/lag-retention");
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let run = bptop(&["diagnose", "--replay", dir.to_str().unwrap(), "--format", "json"], LIMIT);
    assert_eq!(run.code, 1, "data loss within 6 h is critical: {}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["severity"], "critical");
    let g = &v["lag_groups"][0];
    assert_eq!(g["group"], "orders-enrichment");
    assert_eq!(g["trend"], "growing");
    let loss = g["time_to_data_loss_s"].as_f64().expect("a time to data loss");
    let truth = (expected["lag"]["data_loss_at_ms"].as_i64().unwrap() - v["at_ms"].as_i64().unwrap()) as f64 / 1000.0;
    assert!((loss - truth).abs() <= 0.1 * truth, "loss {loss} s, truth {truth} s");
    // Every partition row carries the documented fields.
    for p in v["lag"].as_array().unwrap() {
        for key in [
            "cluster",
            "group",
            "topic",
            "partition",
            "lag",
            "lag_seconds",
            "log_end_offset",
            "committed_offset",
            "log_start_offset",
            "growth_per_s",
            "trend",
            "time_to_data_loss_s",
        ] {
            assert!(p.get(key).is_some(), "lag[] lacks {key}");
        }
        assert!((p["growth_per_s"].as_f64().unwrap() - 300.0).abs() < 1.0, "{}", p["growth_per_s"]);
    }
    // A shorter loss horizon turns it into a warning (lag is still growing).
    let calm =
        bptop(&["diagnose", "--replay", dir.to_str().unwrap(), "--format", "json", "--loss-horizon", "1h"], LIMIT);
    let calm: Value = serde_json::from_str(&calm.stdout).unwrap();
    assert_eq!(calm["severity"], "warning");
}

/// A Flink job and the consumer group it reads, recorded together (flink-sim and
/// scripts/lag-exporter.py): the group is tied to the job's source, the loss lands within 10 %
/// of the exporter's truth, and the rates within 5 % of what the exporter was told.
#[test]
fn a_job_and_its_losing_group_read_together() {
    let dir = fixture("synthetic/orders-lag");
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let run = bptop(&["diagnose", "--replay", dir.to_str().unwrap(), "--format", "json"], LIMIT);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let job = &v["jobs"][0];
    assert_eq!(job["name"], "orders-enrichment");
    assert_eq!(job["bottlenecks"][0]["name"], "enrich-with-customer-profile");
    for (name, class) in expected["jobs"]["orders-enrichment"]["classes"].as_object().unwrap() {
        let got = job["vertices"].as_array().unwrap().iter().find(|x| x["name"] == *name).unwrap();
        assert_eq!(&got["class"], class, "{name}");
    }
    let g = &v["lag_groups"][0];
    assert_eq!(g["group"], "orders-enrichment");
    assert_eq!(g["job_id"], job["id"]);
    assert_eq!(g["source_vertex"], "Source: kafka-orders");
    let loss = g["time_to_data_loss_s"].as_f64().expect("a time to data loss");
    let truth = (expected["lag"]["data_loss_at_ms"].as_i64().unwrap() - v["at_ms"].as_i64().unwrap()) as f64 / 1000.0;
    assert!((loss - truth).abs() <= 0.1 * truth, "loss {loss} s, truth {truth} s");
    for (key, want) in [("production_per_s", 2000.0), ("consumption_per_s", 1220.0)] {
        let got = g[key].as_f64().unwrap_or_else(|| panic!("{key}: {g}"));
        assert!((got - want).abs() <= 0.05 * want, "{key} {got}, want {want}");
    }
    assert!(job["summary"].as_str().unwrap().starts_with("DATA LOSS in ~"), "{}", job["summary"]);
}

#[test]
fn every_lag_exporter_format_reads_the_same_over_http() {
    let mut seen = Vec::new();
    for name in ["kafka-lag-exporter.txt", "kafka_exporter.txt", "kminion.txt"] {
        let text = std::fs::read_to_string(fixture("kafka").join(name)).unwrap();
        let server = serve_text(text);
        let url = format!("{}/metrics", server.url());
        let run = bptop(&["diagnose", "--scrape", &url, "--samples", "1", "--format", "json"], LIMIT);
        let v: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{name}: {e}: {}", run.stderr));
        let rows: Vec<(String, String, i64, f64)> = v["lag"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["group"].as_str().unwrap().to_string(),
                    p["topic"].as_str().unwrap().to_string(),
                    p["partition"].as_i64().unwrap(),
                    p["lag"].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(rows.len(), 4, "{name}: {rows:?}");
        let hot: Vec<i64> = v["lag"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["hot"] == true)
            .map(|p| p["partition"].as_i64().unwrap())
            .collect();
        assert_eq!(hot, [2], "{name}: the hot partition is named");
        seen.push(rows);
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "formats disagree: {seen:?}");
}

#[test]
fn burrow_lag_reads_over_http() {
    let server = support::serve_burrow();
    let run = bptop(&["diagnose", "--burrow", &server.url(), "--samples", "1", "--format", "json"], LIMIT);
    let v: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stderr));
    let lag = v["lag"].as_array().unwrap();
    assert!(lag.iter().all(|p| p["group"] == "orders-enrichment" && p["topic"] == "orders"), "{}", run.stdout);
    // Burrow's own numbers and statuses, per partition (fixtures/kafka/burrow/lag-orders-enrichment.json):
    // its `end` is the group's last commit; the log end is that commit plus the lag.
    let rows: Vec<(i64, f64, f64, &str)> = lag
        .iter()
        .map(|p| {
            let n = |k: &str| p[k].as_f64().unwrap_or_else(|| panic!("{k} of {p}"));
            assert_eq!(n("log_end_offset"), n("committed_offset") + n("lag"), "{p}");
            (p["partition"].as_i64().unwrap(), n("lag"), n("committed_offset"), p["status"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        rows,
        [
            (0, 150_000.0, 48_063_907.0, "OK"),
            (1, 180_000.0, 48_010_455.0, "OK"),
            (2, 1_600_000.0, 46_802_118.0, "WARN"),
            (3, 170_000.0, 48_007_730.0, "OK"),
        ]
    );
    // One poll: no trend can be told yet, and the hot partition is the one far behind.
    assert!(lag.iter().all(|p| p["trend"] == "unknown"), "{}", run.stdout);
    let hot: Vec<i64> = lag.iter().filter(|p| p["hot"] == true).map(|p| p["partition"].as_i64().unwrap()).collect();
    assert_eq!(hot, [2]);
    assert_eq!(v["sources"][0]["kind"], "burrow");
}

#[test]
fn recordings_cover_scraped_exposition_text_too() {
    let text = std::fs::read_to_string(fixture("kafka").join("kafka_exporter.txt")).unwrap();
    let server = serve_text(text);
    let url = format!("{}/metrics", server.url());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rec");
    let rec = bptop(
        &["record", "--scrape", &url, "--out", out.to_str().unwrap(), "--duration", "1s", "--interval", "500ms"],
        LIMIT,
    );
    assert_eq!(rec.code, 0, "{}", rec.stderr);
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["sources"][0]["kind"], "prometheus-text");
    let live = bptop(&["diagnose", "--scrape", &url, "--samples", "1", "--format", "json"], LIMIT);
    let replayed = bptop(&["diagnose", "--replay", out.to_str().unwrap(), "--format", "json"], LIMIT);
    let rows = |s: &str| -> Vec<(i64, f64)> {
        let v: Value = serde_json::from_str(s).unwrap();
        v["lag"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["partition"].as_i64().unwrap(), p["lag"].as_f64().unwrap()))
            .collect()
    };
    assert_eq!(rows(&replayed.stdout), rows(&live.stdout));
    assert_eq!(rows(&live.stdout).len(), 4);
}
