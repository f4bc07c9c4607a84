//! A Flink outage while a lag source still answers: `diagnose` and the dashboard drive the same
//! session, so they keep the same polls and say the same thing, for longer than the analysis
//! window. Real HTTP to in-process servers: the recorded real Flink 2.3 slow-sink job (which
//! fails from its second poll on), and Burrow's captured answers or a kafka-lag-exporter's text.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bptop::collect::{Collector, PollEvent, Source};
use bptop::model::SourceKind;
use bptop::session::Session;
use bptop::sources::flink::JobFilter;
use bptop::sources::http::{Fetcher, HttpOptions};
use bptop::ui::app::{App, Msg};
use serde_json::Value;
use support::{bptop, fixture, serve, serve_burrow, serve_text, Server};

/// More than the analysis window (10): the jobs must outlast it.
const POLLS: usize = 12;

/// The slow-sink recording as a live Flink that answers one poll, then 503 to everything (a
/// JobManager gone). Each poll asks `/jobs/overview` once, first: that request counts polls.
fn flink_that_dies(polls: Arc<AtomicUsize>) -> Server {
    let replay = Arc::new(bptop::record::Replay::open(&fixture("real/slow-sink")).unwrap());
    let router = bptop::record::serve::router(replay, "flink", 1000.0).layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
            let polls = polls.clone();
            async move {
                if req.uri().path() == "/jobs/overview" {
                    polls.fetch_add(1, Ordering::SeqCst);
                }
                if polls.load(Ordering::SeqCst) > 1 {
                    return axum::response::IntoResponse::into_response((
                        axum::http::StatusCode::SERVICE_UNAVAILABLE,
                        "JobManager is gone",
                    ));
                }
                next.run(req).await
            }
        },
    ));
    serve(router)
}

/// (group, partition, lag) of every partition the verdict names.
fn lag_of(v: &Value) -> Vec<(String, i64, f64)> {
    let mut rows: Vec<_> = v["lag"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (p["group"].as_str().unwrap().to_string(), p["partition"].as_i64().unwrap(), p["lag"].as_f64().unwrap())
        })
        .collect();
    rows.sort_by(|a, b| a.partial_cmp(b).unwrap());
    rows
}

#[test]
fn a_flink_outage_with_burrow_reads_the_same_on_both_surfaces() {
    let burrow = serve_burrow();
    outage_on_both_surfaces(SourceKind::Burrow, &burrow.url());
}

#[test]
fn a_flink_outage_with_a_lag_exporter_reads_the_same_on_both_surfaces() {
    let text = std::fs::read_to_string(fixture("kafka/kafka-lag-exporter.txt")).unwrap();
    let exporter = serve_text(text);
    outage_on_both_surfaces(SourceKind::PrometheusText, &format!("{}/metrics", exporter.url()));
}

fn outage_on_both_surfaces(lag_kind: SourceKind, lag_url: &str) {
    let polls = Arc::new(AtomicUsize::new(0));
    let flink = flink_that_dies(polls.clone());
    let lag_flag = match lag_kind {
        SourceKind::Burrow => "--burrow",
        _ => "--scrape",
    };

    // diagnose, the real binary.
    let run = bptop(
        &[
            "diagnose",
            "--flink",
            &flink.url(),
            lag_flag,
            lag_url,
            "--samples",
            &POLLS.to_string(),
            "--interval",
            "50ms",
            "--retries",
            "0",
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        Duration::from_secs(60),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let cli: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    assert_eq!(polls.load(Ordering::SeqCst), POLLS, "one /jobs/overview per poll");

    // The dashboard, its collector built as `Inputs` builds it for these two sources.
    polls.store(0, Ordering::SeqCst);
    let opts = HttpOptions {
        retry: bptop::sources::retry::RetryPolicy { retries: 0, ..Default::default() },
        ..Default::default()
    };
    let sources = vec![
        Source::open(SourceKind::Flink, Fetcher::http("flink", &flink.url(), &opts).unwrap(), &JobFilter::Active),
        Source::open(lag_kind, Fetcher::http(lag_kind.name(), lag_url, &opts).unwrap(), &JobFilter::Active),
    ];
    let collector = Collector::new(sources, None, None).with_job_filter(JobFilter::Active);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut app = App::new("test", false, 100, 0).with_session(Session::new(Default::default()));
    for n in 0..POLLS {
        let snap = rt.block_on(collector.poll_within(n, None));
        app.update(Msg::Poll(PollEvent::Snapshot(Box::new(snap))));
    }
    let d = app.diagnosis().expect("the dashboard has a verdict");

    // Both kept every poll: the lag source answered each time, so none failed.
    assert_eq!(cli["input"]["polls"], POLLS);
    assert_eq!(cli["input"]["polls_failed"], 0, "a poll with a lag answer counts");
    assert_eq!(app.session.counts().taken, POLLS);
    assert_eq!(app.session.counts().failed, 0);
    assert_eq!(app.history().len(), POLLS.min(bptop::session::CLASSIFY_WINDOW), "the window is full");

    // Both still show the job from the poll before the outage, dated, and the same lag, although
    // no poll of the window knew it.
    let cli_jobs: Vec<&str> = cli["jobs"].as_array().unwrap().iter().map(|j| j["name"].as_str().unwrap()).collect();
    let app_jobs: Vec<&str> = d.jobs.iter().map(|j| j.name.as_str()).collect();
    assert_eq!(cli_jobs, ["realflink-slow-sink"]);
    assert_eq!(app_jobs, cli_jobs);
    assert!(cli["jobs_as_of_ms"].as_i64().unwrap() < cli["at_ms"].as_i64().unwrap());
    assert!(d.jobs_as_of_ms.is_some_and(|t| t < d.at_ms));
    let app_json: Value = serde_json::from_str(&bptop::report::json(d, &Default::default())).unwrap();
    assert!(!lag_of(&cli).is_empty());
    assert_eq!(lag_of(&app_json), lag_of(&cli));

    // Both say Flink is failing now, and that the verdict is at least a warning.
    let flink_now =
        |v: &Value| v["sources"].as_array().unwrap().iter().find(|s| s["kind"] == "flink").unwrap()["ok"].clone();
    assert_eq!(flink_now(&cli), false);
    assert_eq!(flink_now(&app_json), false);
    assert_eq!(cli["severity"], app_json["severity"]);
    assert_ne!(cli["severity"], "healthy");
    assert!(run.stdout.contains("\"jobs_as_of_ms\""));
}
