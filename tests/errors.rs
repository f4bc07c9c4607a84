//! Bad endpoints: each gives one line on stderr that names the URL and what was wrong, exit
//! code 3, no panic, and an answer within the request timeout.

mod support;

use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use support::{bptop, fixture, serve, Run};

const LIMIT: Duration = Duration::from_secs(20);

fn assert_one_line_error(run: &Run, url_part: &str, what: &str) {
    assert_eq!(run.code, 3, "exit code; stderr: {}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line expected, got:\n{}", run.stderr);
    assert!(lines[0].starts_with("bptop: "), "{}", lines[0]);
    assert!(lines[0].contains(url_part), "no URL '{url_part}' in: {}", lines[0]);
    assert!(lines[0].contains(what), "no '{what}' in: {}", lines[0]);
    assert!(!run.stderr.contains("panicked"));
    assert!(run.stdout.is_empty(), "nothing on stdout when nothing could be diagnosed: {}", run.stdout);
}

fn diagnose(url: &str, extra: &[&str]) -> Run {
    let mut args = vec!["diagnose", "--flink", url, "--samples", "1"];
    args.extend_from_slice(extra);
    if !extra.contains(&"--timeout") {
        args.extend_from_slice(&["--timeout", "2s"]);
    }
    bptop(&args, LIMIT)
}

#[test]
fn unreachable_endpoint() {
    // Bind, note the port, close: nothing listens there any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let run = diagnose(&url, &[]);
    assert_one_line_error(&run, &format!("{url}/jobs/overview"), "cannot connect");
}

#[test]
fn a_job_that_does_not_exist() {
    let scenario = std::fs::read_to_string(fixture("scenarios/healthy.json")).unwrap();
    let sim = flink_sim::Scenario::from_json(&scenario).unwrap();
    let server = serve(flink_sim::router(std::sync::Arc::new(sim)));
    let missing = "0123456789abcdef0123456789abcdef";
    let run = diagnose(&server.url(), &["--job", missing]);
    assert_one_line_error(&run, &format!("/jobs/{missing}"), "HTTP 404 Not Found");
}

#[test]
fn a_job_name_that_matches_nothing_lists_the_jobs() {
    let scenario = std::fs::read_to_string(fixture("scenarios/healthy.json")).unwrap();
    let sim = flink_sim::Scenario::from_json(&scenario).unwrap();
    let server = serve(flink_sim::router(std::sync::Arc::new(sim)));
    let run = diagnose(&server.url(), &["--job", "no-such-job"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("no job matches --job 'no-such-job'") && run.stderr.contains("metrics-rollup"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_html_page_instead_of_json() {
    let page = "<!DOCTYPE html><html><head><title>Sign in - Corp SSO</title></head><body>login</body></html>";
    let server = serve(Router::new().fallback(move || async move { ([(header::CONTENT_TYPE, "text/html")], page) }));
    let run = diagnose(&server.url(), &[]);
    assert_one_line_error(&run, "/jobs/overview", "got an HTML page ('Sign in - Corp SSO')");
}

#[test]
fn an_html_error_page_from_a_proxy() {
    let page = "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>";
    let server = serve(Router::new().fallback(move || async move {
        (StatusCode::BAD_GATEWAY, [(header::CONTENT_TYPE, "text/html")], page).into_response()
    }));
    let run = diagnose(&server.url(), &[]);
    assert_one_line_error(&run, "/jobs/overview", "HTTP 502 Bad Gateway");
}

#[test]
fn truncated_json() {
    let server = serve(Router::new().route(
        "/jobs/overview",
        get(|| async { ([(header::CONTENT_TYPE, "application/json")], r#"{"jobs":[{"jid":"6852c2b6ac1b"#) }),
    ));
    let run = diagnose(&server.url(), &[]);
    assert_one_line_error(&run, "/jobs/overview", "truncated JSON");
}

#[test]
fn json_that_is_not_flink() {
    let server = serve(
        Router::new().fallback(|| async { ([(header::CONTENT_TYPE, "application/json")], r#"{"status":"UP"}"#) }),
    );
    let run = diagnose(&server.url(), &[]);
    assert_one_line_error(&run, "/jobs/overview", "is this a Flink REST endpoint?");
}

#[test]
fn a_hanging_endpoint_times_out() {
    let server = serve(Router::new().fallback(|| async {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        "never"
    }));
    let run = diagnose(&server.url(), &["--timeout", "1s"]);
    // The 20 s guard of `bptop()` catches a client that ignores its timeout.
    assert_one_line_error(&run, "/jobs/overview", "timed out");
}

#[test]
fn a_bad_url_is_a_usage_problem_named_clearly() {
    let run = bptop(&["diagnose", "--flink", "ftp://bob:hunter2@flink"], LIMIT);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("must start with http:// or https://"), "{}", run.stderr);
    assert!(!run.stderr.contains("hunter2"), "a credential leaked: {}", run.stderr);
}

#[test]
fn clap_usage_errors_exit_2() {
    let run = bptop(&["diagnose", "--format", "yaml"], LIMIT);
    assert_eq!(run.code, 2);
    let run = bptop(&["diagnose", "--samples", "0"], LIMIT);
    assert_eq!(run.code, 2);
}

/// The real slow-sink recording behind a proxy whose metric requests answer 500 for the
/// vertices whose id starts with `broken` ("" = all).
fn with_failing_metrics(broken: &'static str) -> support::Server {
    let replay = std::sync::Arc::new(bptop::record::Replay::open(&fixture("real/slow-sink")).unwrap());
    let real = bptop::record::serve::router(replay, "flink", 1.0);
    let fail = |vid: &str, broken: &str| vid.starts_with(broken);
    let app =
        Router::new()
            .route(
                "/jobs/{jid}/vertices/{vid}/subtasks/metrics",
                get(
                    move |axum::extract::Path((_, vid)): axum::extract::Path<(String, String)>,
                          uri: axum::http::Uri| async move {
                        if fail(&vid, broken) && uri.query().is_some() {
                            (StatusCode::INTERNAL_SERVER_ERROR, r#"{"errors":["Internal server error."]}"#.to_string())
                        } else {
                            let replay = bptop::record::Replay::open(&fixture("real/slow-sink")).unwrap();
                            let body = replay.get_at("flink", uri.path_and_query().unwrap().as_str(), 0).unwrap().body;
                            (StatusCode::OK, String::from_utf8(body).unwrap())
                        }
                    },
                ),
            )
            .route(
                "/jobs/{jid}/vertices/{vid}/backpressure",
                get(
                    move |axum::extract::Path((_, vid)): axum::extract::Path<(String, String)>,
                          uri: axum::http::Uri| async move {
                        if fail(&vid, broken) {
                            (StatusCode::INTERNAL_SERVER_ERROR, r#"{"errors":["Internal server error."]}"#.to_string())
                        } else {
                            let replay = bptop::record::Replay::open(&fixture("real/slow-sink")).unwrap();
                            let body = replay.get_at("flink", uri.path(), 0).unwrap().body;
                            (StatusCode::OK, String::from_utf8(body).unwrap())
                        }
                    },
                ),
            )
            .fallback_service(real);
    serve(app)
}

#[test]
fn when_every_metrics_request_fails_there_is_no_diagnosis() {
    let server = with_failing_metrics("");
    let run = diagnose(&server.url(), &[]);
    assert_one_line_error(&run, "/subtasks/metrics", "HTTP 500 Internal Server Error");
    assert!(run.stderr.contains("every metrics request failed"), "{}", run.stderr);
}

#[test]
fn failing_metrics_of_one_vertex_give_a_partial_verdict() {
    // The source's metrics fail; the rest of the graph still names the sink.
    let server = with_failing_metrics("bc764cd8");
    let run = bptop(&["diagnose", "--flink", &server.url(), "--samples", "1", "--format", "json"], LIMIT);
    assert_eq!(run.code, 1, "critical: {}", run.stderr);
    let out: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let job = &out["jobs"][0];
    let class =
        |name: &str| job["vertices"].as_array().unwrap().iter().find(|v| v["name"] == name).unwrap()["class"].clone();
    assert_eq!(class("Source: gen-source"), "unknown");
    assert_eq!(class("parse"), "victim");
    assert_eq!(class("slow-sink: Writer"), "bottleneck");
    let partial = out["sources"][0]["partial_errors"].as_array().unwrap();
    assert!(partial.iter().any(|e| e.as_str().unwrap().contains("HTTP 500 Internal Server Error")), "{partial:?}");
    assert!(job["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f.as_str().unwrap().starts_with("Source: gen-source is unknown")));
}

/// Ctrl-C during a long `diagnose`: the verdict so far, marked partial, and exit code 130.
#[test]
fn ctrl_c_prints_the_verdict_so_far_marked_partial_and_exits_130() {
    let flink = support::serve_recording(&fixture("real/slow-sink"), 1.0);
    let url = flink.url();
    let args = ["diagnose", "--flink", url.as_str(), "--interval", "300ms", "--samples", "200", "--format", "json"];
    let run = support::bptop_interrupted(&args, Duration::from_secs(3), Duration::from_secs(60));
    assert_eq!(run.code, 130, "stderr: {}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("a JSON verdict");
    let partial = v["input"]["partial"].as_str().expect("marked partial");
    assert!(partial.starts_with("interrupted by Ctrl-C after "), "{partial}");
    assert!(partial.ends_with(" of 200 polls"), "{partial}");
    let taken = v["input"]["polls"].as_u64().unwrap();
    assert!((1..200).contains(&taken), "{taken} polls");
    assert_eq!(v["jobs"][0]["bottlenecks"][0]["name"], "slow-sink: Writer", "the verdict so far");
    // Text says it in its header.
    let args = ["diagnose", "--flink", url.as_str(), "--interval", "300ms", "--samples", "200"];
    let run = support::bptop_interrupted(&args, Duration::from_secs(3), Duration::from_secs(60));
    assert_eq!(run.code, 130);
    assert!(
        run.stdout.lines().next().is_some_and(|l| l.contains("(PARTIAL: interrupted by Ctrl-C after")),
        "{}",
        run.stdout
    );
}

/// `--flink host:port` works as `http://host:port`, and says so once on stderr.
#[test]
fn host_and_port_alone_mean_plain_http_said_once() {
    let flink = support::serve_recording(&fixture("real/slow-sink"), 1.0);
    let host_port = flink.url().trim_start_matches("http://").to_string();
    let run = bptop(&["diagnose", "--flink", &host_port, "--samples", "1", "--format", "json"], LIMIT);
    assert_eq!(run.code, 1, "critical verdict: {}", run.stderr);
    let said = format!("bptop: {host_port} has no scheme: using http://{host_port}");
    assert_eq!(run.stderr.matches(&said).count(), 1, "{}", run.stderr);
    assert!(run.stdout.starts_with('{'), "stdout stays the report's");
}
