//! Memory after a day of watching (issue 8, target 4): RSS of the dashboard's state after 24 h
//! of 2 s samples of a 50-vertex job, against the same process after 10 minutes.
//!
//! The snapshots go through the very path of the dashboard: `App::update(Msg::Poll(Snapshot))`
//! pushes each into the bounded `History` and recomputes the whole diagnosis (classification,
//! advice, every forecast) on every poll, as `bptop watch` does. They are made in-process, not
//! polled (43 200 polls over HTTP would take hours): one poll of the simulator through bptop's
//! own client and parsers gives the template (every metric, per-subtask values at
//! `--parallelism`, backpressure levels, measurement time), and each poll then moves the clock
//! by `--interval-s`, Flink's measurement time every 10 s (its metric store refresh), and the
//! values by a slow deterministic wave, so series are neither constant nor identical.
//!
//! Prints `memory polls=N hours=H rss_mb=X hwm_mb=Y` at 10 min, 1 h, 6 h, 12 h and the end.
//!
//! usage: cargo run --release --example memory -- [--vertices 50] [--parallelism 8]
//!        [--hours 24] [--interval-s 2]

#[path = "../benches/common/mod.rs"]
mod common;

use bptop::collect::PollEvent;
use bptop::model::{Metric, Snapshot};
use bptop::ui::app::{App, Msg};

/// Flink's metric store refreshes about every 10 s: polls in between repeat a measurement.
const MEASUREMENT_MS: i64 = 10_000;

fn poll(template: &Snapshot, n: usize, interval_ms: i64) -> Snapshot {
    let mut snap = template.clone();
    let t = n as i64 * interval_ms;
    let measurement = t / MEASUREMENT_MS;
    snap.at_ms += t;
    // A wave of ±5 % over an hour, plus a small step per measurement.
    let wave = 1.0
        + 0.05 * ((measurement as f64) / 360.0 * std::f64::consts::TAU).sin()
        + 0.002 * ((measurement % 7) as f64 - 3.0);
    let scale = |x: Option<f64>, ratio: bool| x.map(|v| if ratio { (v * wave).clamp(0.0, 1.0) } else { v * wave });
    for v in snap.jobs.iter_mut().flat_map(|j| j.vertices.iter_mut()) {
        v.measured_at_ms = v.measured_at_ms.map(|m| m + measurement * MEASUREMENT_MS);
        for m in Metric::ALL {
            let mut s = v.stats.get(m);
            s.min = scale(s.min, m.is_ratio());
            s.max = scale(s.max, m.is_ratio());
            s.avg = scale(s.avg, m.is_ratio());
            s.sum = scale(s.sum, m.is_ratio());
            v.stats.set(m, s);
        }
        for st in &mut v.subtasks {
            for m in Metric::ALL {
                let x = scale(st.metrics.get(m), m.is_ratio());
                st.metrics.set(m, x);
            }
        }
    }
    snap
}

fn main() {
    let vertices: usize = common::arg("--vertices", 50);
    let parallelism: u32 = common::arg("--parallelism", 8);
    let hours: f64 = common::arg("--hours", 24.0);
    let interval_s: f64 = common::arg("--interval-s", 2.0);
    let interval_ms = (interval_s * 1000.0) as i64;
    let polls = (hours * 3600.0 / interval_s).round() as usize;
    let template = common::snapshot_of(flink_sim::Scenario::generated_chain(vertices, parallelism));
    let subtask_values: usize = template.jobs[0].vertices.iter().map(|v| v.subtasks.len()).sum();
    println!(
        "job: {vertices} vertices at parallelism {parallelism} ({subtask_values} subtasks with values), {polls} polls {interval_s} s apart = {hours} h"
    );
    let mut app = App::new("memory", false, interval_ms as u64, template.at_ms);
    let checkpoints: Vec<usize> = [600.0, 3600.0, 6.0 * 3600.0, 12.0 * 3600.0]
        .iter()
        .map(|s| (s / interval_s).round() as usize)
        .filter(|&n| n < polls)
        .chain([polls])
        .collect();
    let started = std::time::Instant::now();
    for n in 0..polls {
        app.update(Msg::Poll(PollEvent::Snapshot(Box::new(poll(&template, n, interval_ms)))));
        if checkpoints.contains(&(n + 1)) {
            let (rss, hwm) = common::rss_mb();
            println!(
                "memory polls={} hours={:.2} rss_mb={rss:.1} hwm_mb={hwm:.1} elapsed_s={:.1}",
                n + 1,
                (n + 1) as f64 * interval_s / 3600.0,
                started.elapsed().as_secs_f64()
            );
        }
    }
    let d = app.diagnosis().expect("a diagnosis");
    println!(
        "verdict after {polls} polls: {} ({} forecasts, {} snapshots kept whole)",
        d.jobs[0].summary,
        d.forecasts.len(),
        app.history().len()
    );
}
