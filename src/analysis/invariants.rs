//! The promises a `Diagnosis` keeps whatever the input: checked by the property tests
//! (tests/properties.rs) and by every fuzz target (fuzz/), so both hold the analysis to the same
//! statement instead of two copies that drift apart.

use super::Thresholds;
use crate::diagnosis::{Class, Diagnosis};
use crate::model::Snapshot;

/// Everything in `d` that breaks a promise, one line each; empty when all hold. `latest`: the
/// newest snapshot the diagnosis was made from.
///
/// - classification is total: every vertex of every job of `latest` comes out exactly once,
///   with one class, and every bottleneck named is a vertex of its job;
/// - a vertex that is backpressured at or above `bp_low` is never the bottleneck, unless it is
///   busy-dominant (busy at or above `busy_bottleneck` and busier than backpressured): the
///   product calls such a vertex the bottleneck on purpose, because a vertex that spends more
///   time working than waiting is the limit even when something further down pushes back a
///   little (`classify::busy_dominant`);
/// - every ratio and confidence lies in 0..=1 and is finite, or is absent;
/// - no forecast ETA and no lag time (to drain, to data loss) is negative or NaN.
pub fn violations(d: &Diagnosis, latest: &Snapshot, t: &Thresholds) -> Vec<String> {
    let mut out = Vec::new();
    let mut ratio = |what: String, x: Option<f64>| {
        if let Some(x) = x {
            if !(x.is_finite() && (0.0..=1.0).contains(&x)) {
                out.push(format!("{what} = {x} is not a ratio in 0..=1"));
            }
        }
    };
    for j in &d.jobs {
        for v in &j.vertices {
            let at = |f: &str| format!("job {} vertex {}: {f}", j.id, v.id);
            ratio(at("confidence"), Some(v.confidence));
            for (f, x) in [
                ("busy", v.busy),
                ("busy_avg", v.busy_avg),
                ("backpressured", v.backpressured),
                ("idle", v.idle),
                ("in_pool", v.in_pool),
                ("out_pool", v.out_pool),
            ] {
                ratio(at(f), x);
            }
            for s in &v.subtasks {
                for (f, x) in [("busy", s.busy), ("backpressured", s.backpressured), ("idle", s.idle)] {
                    ratio(at(&format!("subtask {} {f}", s.index)), x);
                }
            }
        }
        for b in &j.bottlenecks {
            ratio(format!("job {} bottleneck {}: confidence", j.id, b.vertex_id), Some(b.confidence));
        }
    }
    for f in &d.forecasts {
        for (what, x) in [("eta", f.eta_seconds), ("eta_low", f.eta_low_seconds), ("eta_high", f.eta_high_seconds)] {
            if x.is_some_and(|x| x.is_nan() || x < 0.0) {
                out.push(format!("forecast {} {}: {what} {x:?} is negative or NaN", f.vertex_id, f.metric));
            }
        }
    }
    for p in &d.lag {
        for (what, x) in [("time to drain", p.time_to_drain_s), ("time to data loss", p.time_to_data_loss_s)] {
            if x.is_some_and(|x| x.is_nan() || x < 0.0) {
                out.push(format!("lag {} {}/{}: {what} {x:?} is negative or NaN", p.group, p.topic, p.partition));
            }
        }
    }
    if d.jobs.len() != latest.jobs.len() {
        out.push(format!("{} jobs in, {} diagnosed", latest.jobs.len(), d.jobs.len()));
    }
    for (job, j) in latest.jobs.iter().zip(&d.jobs) {
        if job.vertices.len() != j.vertices.len() {
            out.push(format!("job {}: {} vertices in, {} classified", job.id, job.vertices.len(), j.vertices.len()));
        }
        // Each input vertex once: compare the multisets of ids (ids from a broken answer may repeat).
        let mut ids_in: Vec<&str> = job.vertices.iter().map(|v| v.id.as_str()).collect();
        let mut ids_out: Vec<&str> = j.vertices.iter().map(|v| v.id.as_str()).collect();
        ids_in.sort_unstable();
        ids_out.sort_unstable();
        if ids_in != ids_out {
            out.push(format!("job {}: vertices in {ids_in:?}, classified {ids_out:?}", job.id));
        }
        for b in &j.bottlenecks {
            if !j.vertices.iter().any(|v| v.id == b.vertex_id) {
                out.push(format!("job {}: bottleneck {} is no vertex of the job", j.id, b.vertex_id));
            }
        }
        for v in j.vertices.iter().filter(|v| v.class == Class::Bottleneck) {
            let backpressured = v.backpressured.is_some_and(|p| p >= t.bp_low);
            let busy_dominant = match (v.busy, v.backpressured) {
                (Some(b), Some(p)) => b >= t.busy_bottleneck && b > p,
                _ => false,
            };
            if backpressured && !busy_dominant {
                out.push(format!(
                    "job {} vertex {}: the bottleneck is backpressured {:?} and not busy-dominant (busy {:?})",
                    j.id, v.id, v.backpressured, v.busy
                ));
            }
        }
    }
    out
}
