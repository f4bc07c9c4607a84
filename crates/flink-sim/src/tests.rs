//! The simulator against the REST quirks it promises (see the crate documentation).
use super::*;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

const JOB: &str = "6852c2b6ac1babbcd3c295f61e11f609";
const SOURCE: &str = "bc764cd8ddf7a0cff126f51c16239658";
const SINK: &str = "6d2677a0ecc3fd8df0b72ec675edf8f4";

/// A two-vertex job; the source's busy time is NaN, subtask 1 of the sink is slower.
fn scenario_json(version: &str) -> String {
    format!(
        r#"{{
          "flink_version": "{version}",
          "note": "test",
          "jobs": [{{
            "id": "{JOB}", "name": "t", "state": "RUNNING",
            "vertices": [
              {{"id": "{SOURCE}", "name": "Source: gen -> Map", "parallelism": 2,
                "metrics": {{"busy": "NaN", "backpressured": 998.0, "idle": 0.0,
                            "in_pool": 0.0, "out_pool": 1.0,
                            "records_in": 0.0, "records_out": 920.5}}}},
              {{"id": "{SINK}", "name": "slow-sink: Writer", "parallelism": 2,
                "inputs": [{{"id": "{SOURCE}", "ship_strategy": "HASH"}}],
                "metrics": {{"busy": 1000.0, "backpressured": 0.0, "idle": 0.0,
                            "in_pool": 0.1, "out_pool": 0.0, "records_in": 920.5}},
                "subtasks": {{"1": {{"busy": 600.0, "idle": 400.0}}}}}}
            ]
          }}]
        }}"#
    )
}

/// Starts `serve` on an ephemeral port on its own runtime thread.
fn start(json: &str) -> SocketAddr {
    let scenario = Scenario::from_json(json).expect("valid scenario");
    start_with(move |listener| serve(scenario, listener))
}

/// Runs `server` on an ephemeral port on its own runtime thread.
fn start_with<F, Fut>(server: F) -> SocketAddr
where
    F: FnOnce(tokio::net::TcpListener) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = std::io::Result<()>>,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("local addr");
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            server(listener).await.expect("serve");
        });
    });
    addr
}

/// A raw HTTP/1.1 request; returns status and body.
fn request(addr: SocketAddr, method: &str, path: &str) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    write!(stream, "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").expect("write");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read");
    let (head, body) = raw.split_once("\r\n\r\n").expect("http response");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
    (status, body.to_string())
}

fn get_json(addr: SocketAddr, path: &str) -> (u16, Value) {
    let (status, body) = request(addr, "GET", path);
    (status, serde_json::from_str(&body).expect("json body"))
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array().expect("array").iter().map(|e| e["id"].as_str().expect("id").to_string()).collect()
}

#[test]
fn a_generated_big_job_is_valid_and_served_with_latency() {
    let scenario = Scenario::generated_chain(200, 32);
    scenario.validate().expect("valid");
    assert_eq!(scenario.jobs[0].vertices.len(), 200);
    let router = router_with_latency(Arc::new(scenario), Duration::from_millis(20));
    let addr = start_with(move |listener| async move { axum::serve(listener, router).await });
    let started = std::time::Instant::now();
    let (status, body) = get_json(addr, "/jobs/overview");
    assert_eq!(status, 200);
    assert_eq!(body["jobs"][0]["name"], "generated-chain-200x32");
    // The added latency is a floor, never a ceiling: no timing upper bound here.
    assert!(started.elapsed() >= Duration::from_millis(20));
}

#[test]
fn unknown_name_empties_aggregate() {
    let addr = start(&scenario_json("2"));
    let base = format!("/jobs/{JOB}/vertices/{SINK}/subtasks/metrics");
    let (status, body) = get_json(addr, &format!("{base}?get=busyTimeMsPerSecond,buffers.inPoolUsage"));
    assert_eq!(status, 200);
    assert_eq!(body, json!([]));

    // Known names answer in request order, non-numeric isBackPressured silently skipped.
    let (_, body) = get_json(
        addr,
        &format!(
            "{base}?get=isBackPressured,busyTimeMsPerSecond,\
             Shuffle.Netty.Input.Buffers.inPoolUsage&agg=max,min"
        ),
    );
    assert_eq!(
        body,
        json!([
            {"id": "busyTimeMsPerSecond", "min": 600.0, "max": 1000.0},
            {"id": "Shuffle.Netty.Input.Buffers.inPoolUsage", "min": 0.1, "max": 0.1},
        ])
    );

    // Without agg: min, max, avg, sum and skew.
    let (_, body) = get_json(addr, &format!("{base}?get=busyTimeMsPerSecond"));
    assert_eq!(
        body,
        json!([{"id": "busyTimeMsPerSecond", "min": 600.0, "max": 1000.0, "avg": 800.0,
                "sum": 1600.0, "skew": 25.0}])
    );

    // The subtasks filter narrows the stores.
    let (_, body) = get_json(addr, &format!("{base}?get=busyTimeMsPerSecond&agg=avg&subtasks=1"));
    assert_eq!(body, json!([{"id": "busyTimeMsPerSecond", "avg": 600.0}]));
}

#[test]
fn metric_lists_name_registered_metrics() {
    let addr = start(&scenario_json("2"));
    let (_, body) = get_json(addr, &format!("/jobs/{JOB}/vertices/{SINK}/subtasks/metrics"));
    let names = ids(&body);
    assert!(names.contains(&"Shuffle.Netty.Output.Buffers.outputQueueLength".to_string()));
    assert!(names.contains(&"isBackPressured".to_string()));
    // records_out is absent from the sink's metrics: not registered.
    assert!(!names.contains(&"numRecordsOutPerSecond".to_string()));
    assert!(!names.contains(&"numRecordsOut".to_string()));

    let (_, body) = get_json(addr, &format!("/jobs/{JOB}/vertices/{SINK}/metrics"));
    let names = ids(&body);
    assert!(names.contains(&"0.busyTimeMsPerSecond".to_string()));
    assert!(names.contains(&"1.busyTimeMsPerSecond".to_string()));
    assert_eq!(names.len(), 2 * 12);
}

#[test]
fn per_subtask_form_drops_unknown_and_answers_strings() {
    let addr = start(&scenario_json("2"));
    let (status, body) = get_json(
        addr,
        &format!(
            "/jobs/{JOB}/vertices/{SINK}/metrics?get=1.busyTimeMsPerSecond,\
             0.backPressuredTimeMsPerSecond,0.buffers.inPoolUsage,0.isBackPressured,\
             0.Shuffle.Netty.Input.Buffers.inPoolUsage,0.numRecordsIn,7.busyTimeMsPerSecond,\
             0.Shuffle.Netty.Input.Buffers.inputQueueLength,1.busyTimeMsPerSecond"
        ),
    );
    assert_eq!(status, 200);
    let entries = body.as_array().expect("array");
    let mut got: Vec<(String, String)> = entries
        .iter()
        .map(|e| {
            let value = e["value"].as_str().expect("values are strings");
            (e["id"].as_str().expect("id").to_string(), value.to_string())
        })
        .collect();
    let answered_order: Vec<String> = got.iter().map(|(id, _)| id.clone()).collect();
    got.sort();
    let counter = got.iter().find(|(id, _)| id == "0.numRecordsIn").map(|(_, v)| v.clone()).expect("counter");
    assert!(counter.parse::<u64>().is_ok(), "counter {counter} is an integer");
    got.retain(|(id, _)| id != "0.numRecordsIn");
    assert_eq!(
        got,
        vec![
            ("0.Shuffle.Netty.Input.Buffers.inPoolUsage".into(), "0.1".into()),
            ("0.Shuffle.Netty.Input.Buffers.inputQueueLength".into(), "1".into()),
            ("0.backPressuredTimeMsPerSecond".into(), "0".into()),
            ("0.isBackPressured".into(), "false".into()),
            ("1.busyTimeMsPerSecond".into(), "600.0".into()),
        ]
    );
    // Flink's order is arbitrary; ours is a hash order, not the request order.
    let request_order = [
        "1.busyTimeMsPerSecond",
        "0.backPressuredTimeMsPerSecond",
        "0.isBackPressured",
        "0.Shuffle.Netty.Input.Buffers.inPoolUsage",
        "0.numRecordsIn",
        "0.Shuffle.Netty.Input.Buffers.inputQueueLength",
    ];
    assert_ne!(answered_order, request_order);
}

#[test]
fn v1_backpressure_has_only_dashed_keys_and_v1_names() {
    let addr = start(&scenario_json("1"));
    let (status, body) = get_json(addr, &format!("/jobs/{JOB}/vertices/{SOURCE}/backpressure"));
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["backpressure-level"], "high");
    assert!(body.get("backpressureLevel").is_none());
    let subtask = &body["subtasks"][0];
    assert_eq!(subtask["backpressure-level"], "high");
    assert!(subtask.get("backpressureLevel").is_none());
    assert_eq!(subtask["ratio"], json!(0.998));

    let (_, body) =
        get_json(addr, &format!("/jobs/{JOB}/vertices/{SOURCE}/subtasks/metrics?get=buffers.outPoolUsage&agg=max"));
    assert_eq!(body, json!([{"id": "buffers.outPoolUsage", "max": 1.0}]));
}

#[test]
fn v2_backpressure_has_both_keys() {
    let addr = start(&scenario_json("2"));
    let (_, body) = get_json(addr, &format!("/jobs/{JOB}/vertices/{SINK}/backpressure"));
    assert_eq!(body["backpressureLevel"], "ok");
    assert_eq!(body["backpressure-level"], "ok");
    assert_eq!(body["subtasks"][1]["busyRatio"], json!(0.6));
    assert_eq!(body["subtasks"][1]["idleRatio"], json!(0.4));
    assert_eq!(body["subtasks"][1]["backpressureLevel"], "ok");
}

#[test]
fn nan_busy_reads_as_nan_string() {
    let addr = start(&scenario_json("2"));
    let (_, body) = get_json(addr, &format!("/jobs/{JOB}/vertices/{SOURCE}/backpressure"));
    assert_eq!(body["subtasks"][0]["busyRatio"], "NaN");

    let (_, body) = get_json(addr, &format!("/jobs/{JOB}/vertices/{SOURCE}/subtasks/metrics?get=busyTimeMsPerSecond"));
    assert_eq!(
        body,
        json!([{"id": "busyTimeMsPerSecond", "min": "NaN", "max": "NaN", "avg": "NaN",
                "sum": "NaN", "skew": "NaN"}])
    );

    let (_, body) = get_json(addr, &format!("/jobs/{JOB}/vertices/{SOURCE}/metrics?get=0.busyTimeMsPerSecond"));
    assert_eq!(body, json!([{"id": "0.busyTimeMsPerSecond", "value": "NaN"}]));

    let (_, body) = get_json(addr, &format!("/jobs/{JOB}"));
    assert_eq!(body["vertices"][0]["metrics"]["accumulated-busy-time"], "NaN");
}

#[test]
fn unknown_job_and_path_are_404() {
    let addr = start(&scenario_json("2"));
    let missing = "00000000000000000000000000000000";
    let (status, body) = get_json(addr, &format!("/jobs/{missing}"));
    assert_eq!(status, 404);
    let message = body["errors"][0].as_str().expect("error message");
    assert!(message.contains(&format!("Job {missing} not found")));

    let (status, _) = get_json(addr, &format!("/jobs/{missing}/plan"));
    assert_eq!(status, 404);

    let (status, body) = get_json(addr, "/nope?x=1");
    assert_eq!(status, 404);
    assert_eq!(body, json!({"errors": ["Not found: /nope?x=1"]}));

    let (status, _) = get_json(addr, "/jobs/not-an-id");
    assert_eq!(status, 400);

    let (status, _) = request(addr, "POST", "/jobs/overview");
    assert_eq!(status, 405);
}

#[test]
fn unknown_vertex_behaves_like_flink_metric_store() {
    let addr = start(&scenario_json("2"));
    let missing = "ffffffffffffffffffffffffffffffff";
    let (status, body) = get_json(addr, &format!("/jobs/{JOB}/vertices/{missing}/backpressure"));
    assert_eq!((status, body), (200, json!({"status": "deprecated"})));
    let (status, body) =
        get_json(addr, &format!("/jobs/{JOB}/vertices/{missing}/subtasks/metrics?get=busyTimeMsPerSecond"));
    assert_eq!((status, body), (200, json!([])));
    let (status, body) = get_json(addr, &format!("/jobs/{missing}/vertices/{SINK}/metrics"));
    assert_eq!((status, body), (200, json!([])));
}

#[test]
fn job_details_overview_and_plan_shapes() {
    let addr = start(&scenario_json("2"));
    let (status, body) = get_json(addr, "/jobs/overview");
    assert_eq!(status, 200);
    let job = &body["jobs"][0];
    assert_eq!(job["jid"], JOB);
    assert_eq!(job["end-time"], -1);
    assert_eq!(job["tasks"]["running"], 4);
    assert_eq!(job["tasks"]["total"], 4);

    let (_, details) = get_json(addr, &format!("/jobs/{JOB}"));
    assert_eq!(details["state"], "RUNNING");
    assert_eq!(details["vertices"][1]["status"], "RUNNING");
    assert_eq!(details["vertices"][1]["maxParallelism"], 128);
    assert_eq!(details["status-counts"]["RUNNING"], 4);
    let nodes = details["plan"]["nodes"].as_array().expect("nodes");
    // Sink first, like the real plan; the source has no "inputs" key.
    assert_eq!(nodes[0]["id"], SINK);
    assert_eq!(nodes[0]["description"], "slow-sink: Writer<br/>");
    assert_eq!(nodes[0]["inputs"][0]["ship_strategy"], "HASH");
    assert_eq!(nodes[0]["inputs"][0]["exchange"], "pipelined_bounded");
    assert!(nodes[1].get("inputs").is_none());
    assert_eq!(nodes[1]["description"], "Source: gen<br/>+- Map<br/>");

    let (_, plan) = get_json(addr, &format!("/jobs/{JOB}/plan"));
    assert_eq!(plan["plan"], details["plan"]);
}

#[test]
fn plan_description_renders_chains_as_flink_tree() {
    assert_eq!(
        plan_description("Window(TumblingEventTimeWindows) -> Map -> Filter -> Sink: jdbc"),
        "Window(TumblingEventTimeWindows)<br/>+- Map<br/>   +- Filter<br/>      \
         +- Sink: jdbc<br/>"
    );
    assert_eq!(plan_description("a<b> & \"c\""), "a&lt;b&gt; &amp; &quot;c&quot;<br/>");
}

#[test]
fn validation_rejects_broken_scenarios() {
    let good = scenario_json("2");
    assert!(Scenario::from_json(&good).is_ok());
    let duplicate = good.replace(SINK, SOURCE);
    assert!(Scenario::from_json(&duplicate).expect_err("duplicate").contains("duplicate vertex id"));
    let dangling = good.replace(
        &format!("\"id\": \"{SOURCE}\", \"ship_strategy\""),
        "\"id\": \"0123456789abcdef0123456789abcdef\", \"ship_strategy\"",
    );
    assert!(Scenario::from_json(&dangling).expect_err("dangling input").contains("is not a vertex"));
    let bad_subtask = good.replace("\"subtasks\": {\"1\"", "\"subtasks\": {\"2\"");
    assert!(Scenario::from_json(&bad_subtask).expect_err("subtask index").contains("subtask 2 does not exist"));
    let bad_value = good.replace("\"busy\": \"NaN\"", "\"busy\": \"fast\"");
    assert!(Scenario::from_json(&bad_value).is_err());
    let bad_version = good.replace("\"flink_version\": \"2\"", "\"flink_version\": \"3\"");
    assert!(Scenario::from_json(&bad_version).is_err());
}

#[test]
fn scenario_round_trips_through_serde() {
    let scenario = Scenario::from_json(&scenario_json("1")).expect("valid");
    let text = serde_json::to_string(&scenario).expect("serialize");
    let again = Scenario::from_json(&text).expect("reparse");
    assert_eq!(again.flink_version, FlinkVersion::V1);
    assert!(again.jobs[0].vertices[0].metrics.busy.is_some_and(|b| b.0.is_nan()));
    assert_eq!(again.jobs[0].vertices[1].subtasks.len(), 1);
}

#[test]
fn java_number_formatting() {
    assert_eq!(java_double(2.0), "2.0");
    assert_eq!(java_double(928.6166666666667), "928.6166666666667");
    assert_eq!(java_double(1.795431498312e12), "1.795431498312E12");
    assert_eq!(java_double(1e7), "1.0E7");
    assert_eq!(java_double(5e-4), "5.0E-4");
    assert_eq!(java_double(0.0), "0.0");
    assert_eq!(java_double(f64::NAN), "NaN");
    assert_eq!(java_float(0.1), "0.1");
    assert_eq!(Gauge::long(998.4).rest_string(), "998");
    assert_eq!(Gauge::Float(0.1).numeric(), Some(0.1));
    assert_eq!(Gauge::Bool(true).numeric(), None);
}

#[test]
fn skew_matches_flink() {
    // Mean 475, mean absolute deviation (520 + 175 + 170 + 175) / 4 = 260: 54.7 %.
    let skew = Agg::Skew.apply(&[995.0, 300.0, 305.0, 300.0]);
    assert!((skew - 260.0 / 475.0 * 100.0).abs() < 1e-9, "{skew}");
    assert_eq!(Agg::Skew.apply(&[0.0, 0.0]), 0.0);
    assert_eq!(Agg::Skew.apply(&[1000.0, 0.0, 0.0, 0.0, 0.0, 0.0]), 100.0);
    assert!(Agg::Min.apply(&[1.0, f64::NAN]).is_nan());
}

#[test]
fn bundled_scenarios_are_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scenarios");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures/scenarios") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).expect("read scenario");
            let scenario = Scenario::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(!scenario.note.is_empty(), "{} has no note", path.display());
            count += 1;
        }
    }
    assert!(count >= 11, "expected the 11 bundled scenarios, found {count}");
}

/// A vertex at busy 400 ms/s rising 2 ms/s per second, out pool 0.3 rising 0.001/s.
fn ramped() -> Vertex {
    let m = |busy: f64, idle: f64, pool: f64| Metrics {
        busy: Some(MetricValue(busy)),
        backpressured: Some(MetricValue(0.0)),
        idle: Some(MetricValue(idle)),
        out_pool: Some(MetricValue(pool)),
        ..Metrics::default()
    };
    Vertex {
        id: SINK.into(),
        name: "enrich".into(),
        parallelism: 1,
        max_parallelism: 128,
        inputs: Vec::new(),
        metrics: m(400.0, 600.0, 0.3),
        subtasks: BTreeMap::new(),
        ramp: Some(m(2.0, -2.0, 0.001)),
        wobble: 0.0,
    }
}

#[test]
fn the_metric_store_repeats_its_refresh_and_averages_the_last_minute() {
    let store = MetricStore { refresh_s: 10.0, window_s: 60.0, pool_buffers: None, noise: 0.0, seed: 0 };
    assert_eq!(store.refreshed_at(39.9), 30.0);
    assert_eq!(store.refreshed_at(40.0), 40.0);
    // The gauge at 100 s is the mean of the last minute: the value of 30 s before.
    let m = store.reported(&ramped(), 0, 100.0);
    let busy = m.busy.unwrap().0;
    assert!((busy - (400.0 + 2.0 * 70.0)).abs() < 1e-9, "{busy}");
    assert!((busy + m.idle.unwrap().0 - 1000.0).abs() < 1e-9);
    // A pool is sampled at the refresh, not averaged.
    assert!((m.out_pool.unwrap().0 - 0.4).abs() < 1e-9);
}

#[test]
fn pools_move_a_buffer_at_a_time_and_the_jitter_is_seeded_and_bounded() {
    let store = MetricStore { refresh_s: 10.0, window_s: 60.0, pool_buffers: Some(10), noise: 30.0, seed: 7 };
    let v = ramped();
    for at in [0.0, 10.0, 20.0, 90.0, 300.0] {
        let m = store.reported(&v, 0, at);
        let pool = m.out_pool.unwrap().0;
        assert!(((pool * 10.0).round() - pool * 10.0).abs() < 1e-9, "{pool} is not a whole buffer of ten");
        let busy = m.busy.unwrap().0;
        let exact = 400.0 + 2.0 * (at - 30.0);
        // Twelve buckets of ±30 ms/s average to well within ±30.
        assert!((busy - exact).abs() <= 30.0, "{busy} vs {exact}");
        assert!((busy + m.idle.unwrap().0 - 1000.0).abs() < 1e-9, "jitter moves time, it does not make any");
        // The same seed, the same answer.
        assert_eq!(store.reported(&v, 0, at).busy, m.busy);
    }
    let other = MetricStore { seed: 8, ..store };
    assert_ne!(other.reported(&v, 0, 90.0).busy, store.reported(&v, 0, 90.0).busy);
    let values: Vec<f64> = (0..1000).map(|i| jitter(3, "v", 0, i)).collect();
    assert!(values.iter().all(|x| (-1.0..=1.0).contains(x)));
    let mean = values.iter().sum::<f64>() / 1000.0;
    assert!(mean.abs() < 0.1, "{mean}");
}
