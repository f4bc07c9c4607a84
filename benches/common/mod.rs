//! Shared by the benchmarks (`benches/*.rs`) and the measuring programs (`examples/*.rs` driven
//! by `scripts/bench.sh`): the Flink REST simulator on a local port, and snapshots read from
//! it through bptop's own client and parsers, so that a benchmark's input has the shape of the
//! real thing (every metric, per-subtask values, backpressure levels, measurement times).

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use bptop::collect::{Collector, Source};
use bptop::model::{Snapshot, SourceKind};
use bptop::sources::flink::JobFilter;
use bptop::sources::http::{Fetcher, HttpOptions};
use flink_sim::Scenario;

/// Serves `scenario` on 127.0.0.1 (a free port) from a thread and runtime of its own, with
/// `latency` added before every answer; returns the base URL. The server lives as long as
/// the process.
pub fn serve_sim(scenario: Scenario, latency: Duration) -> String {
    let router = flink_sim::router_with_latency(Arc::new(scenario), latency);
    format!("http://{}", flink_sim::serve_on_thread(router).expect("server started"))
}

/// A collector over one Flink REST endpoint, as `bptop --flink URL --concurrency N` builds it.
pub fn flink_collector(url: &str, concurrency: usize) -> Collector {
    let opts = HttpOptions { max_concurrency: concurrency, ..HttpOptions::default() };
    let fetcher = Fetcher::http("flink", url, &opts).expect("fetcher");
    let sources = vec![Source::open(SourceKind::Flink, fetcher, &JobFilter::Active)];
    Collector::new(sources, None, None).with_job_filter(JobFilter::Active)
}

/// One poll of the simulated `scenario` through the real client and parsers.
pub fn snapshot_of(scenario: Scenario) -> Snapshot {
    let url = serve_sim(scenario, Duration::ZERO);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let snap = rt.block_on(flink_collector(&url, 16).poll(0));
    assert!(snap.sources.iter().all(|s| s.ok && s.partial_errors.is_empty()), "{:?}", snap.sources);
    snap
}

/// Whether every vertex of every job carries what a verdict needs: busy / backpressured /
/// idle, and per-subtask values for each of its subtasks.
pub fn is_complete(snap: &Snapshot) -> bool {
    use bptop::model::Metric;
    !snap.jobs.is_empty()
        && snap.jobs.iter().all(|j| {
            !j.vertices.is_empty()
                && j.vertices.iter().all(|v| {
                    [Metric::Busy, Metric::Backpressured, Metric::Idle].iter().all(|m| v.stats.get(*m).max.is_some())
                        && v.subtasks.len() == v.parallelism as usize
                })
        })
}

/// `(VmRSS, VmHWM)` of this process in MB, from /proc/self/status.
pub fn rss_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// `--name value` from the command line, or `default`.
pub fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().unwrap_or_else(|_| panic!("{name}: cannot parse {v}")))
        .unwrap_or(default)
}
