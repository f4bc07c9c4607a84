//! Time to the first complete snapshot of a big job over a slow network (issue 8, target 1).
//!
//! An in-process Flink REST simulator serves one job (`--vertices`, default 200, each at
//! `--parallelism`, default 32) and waits `--latency-ms` (default 10) before every answer.
//! bptop's own collector (`Collector::poll` of a `FlinkSource` over `Fetcher::http`, as
//! `bptop --flink URL` builds it) polls it from cold, once with `--concurrency` requests in
//! flight (default 16, bptop's default) and once with 1 (the sequential client: the baseline,
//! same run, same server). For each: wall time of the first poll (from building the client to
//! a snapshot in which every vertex has its metrics and every subtask its values), its request
//! count, and the same for a second (steady) poll, when the metric lists are cached.
//!
//! Prints one `key=value` line per client for scripts/bench.sh, and a summary.
//!
//! usage: cargo run --release --example first_verdict -- [--vertices 200] [--parallelism 32]
//!        [--latency-ms 10] [--concurrency 16] [--runs 3]

#[path = "../benches/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

struct Measured {
    first_s: f64,
    first_requests: u32,
    steady_s: f64,
    steady_requests: u32,
    complete: bool,
}

fn measure(rt: &tokio::runtime::Runtime, url: &str, concurrency: usize) -> Measured {
    rt.block_on(async {
        let t0 = Instant::now();
        // A fresh client each time: nothing cached from an earlier run.
        let collector = common::flink_collector(url, concurrency);
        let first = collector.poll(0).await;
        let first_s = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let steady = collector.poll(1).await;
        let steady_s = t1.elapsed().as_secs_f64();
        let ok = |s: &bptop::model::Snapshot| s.sources.iter().all(|h| h.ok && h.partial_errors.is_empty());
        Measured {
            first_s,
            first_requests: first.sources[0].requests,
            steady_s,
            steady_requests: steady.sources[0].requests,
            complete: ok(&first) && ok(&steady) && common::is_complete(&first) && common::is_complete(&steady),
        }
    })
}

fn main() {
    let vertices: usize = common::arg("--vertices", 200);
    let parallelism: u32 = common::arg("--parallelism", 32);
    let latency_ms: u64 = common::arg("--latency-ms", 10);
    let concurrency: usize = common::arg("--concurrency", 16);
    let runs: usize = common::arg("--runs", 3);
    let url = common::serve_sim(
        flink_sim::Scenario::generated_chain(vertices, parallelism),
        Duration::from_millis(latency_ms),
    );
    // Two workers, as on the two-core machines this is measured on; the server has its own.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    println!("job: {vertices} vertices at parallelism {parallelism}, {latency_ms} ms added per request");
    let mut best = Vec::new();
    // The sequential client is slow (seconds per poll): one run of it is enough for a ratio
    // this large.
    for (c, n) in [(concurrency, runs), (1, 1)] {
        let all: Vec<Measured> = (0..n).map(|_| measure(&rt, &url, c)).collect();
        let min = |f: fn(&Measured) -> f64| all.iter().map(f).fold(f64::INFINITY, f64::min);
        let max = |f: fn(&Measured) -> f64| all.iter().map(f).fold(0.0, f64::max);
        let m = &all[0];
        println!(
            "first_verdict concurrency={c} runs={n} first_s_min={:.3} first_s_max={:.3} requests_first={} steady_s_min={:.3} steady_s_max={:.3} requests_steady={} complete={}",
            min(|m| m.first_s),
            max(|m| m.first_s),
            m.first_requests,
            min(|m| m.steady_s),
            max(|m| m.steady_s),
            m.steady_requests,
            all.iter().all(|m| m.complete),
        );
        best.push(min(|m| m.first_s));
    }
    println!(
        "first verdict: {:.3} s at concurrency {concurrency}, {:.3} s sequential, {:.1}× faster",
        best[0],
        best[1],
        best[1] / best[0]
    );
}
