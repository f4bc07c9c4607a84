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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::History;
    use crate::model::test_support::{running_job, vertex};

    /// A real diagnosis (a sink holding its source back) and the snapshot it came from.
    fn sound() -> (Diagnosis, Snapshot, Thresholds) {
        let job = running_job(
            "j",
            vec![vertex("s", "src", &[], &[(0.002, 0.998, 0.0)]), vertex("k", "sink", &["s"], &[(1.0, 0.0, 0.0)])],
        );
        let lag = crate::model::LagRow {
            group: "g".into(),
            topic: "t".into(),
            lag: Some(10.0),
            committed_offset: Some(90.0),
            log_end_offset: Some(100.0),
            ..Default::default()
        };
        let snap = Snapshot { at_ms: 1000, jobs: vec![job], lag: vec![lag], ..Default::default() };
        let mut h = History::new(10, 100);
        h.push(snap.clone());
        let t = Thresholds::default();
        (super::super::diagnose(&h, &t), snap, t)
    }

    fn broken(change: impl FnOnce(&mut Diagnosis, &mut Snapshot)) -> Vec<String> {
        let (mut d, mut snap, t) = sound();
        change(&mut d, &mut snap);
        violations(&d, &snap, &t)
    }

    #[test]
    fn a_sound_diagnosis_breaks_no_promise_and_each_broken_one_is_named() {
        let (d, snap, t) = sound();
        assert_eq!(d.jobs[0].bottlenecks.len(), 1);
        assert!(violations(&d, &snap, &t).is_empty(), "{:?}", violations(&d, &snap, &t));
        // Ratios: the ends of 0..=1 are fine, beyond them or NaN is not.
        assert!(broken(|d, _| d.jobs[0].vertices[0].busy = Some(1.0)).is_empty());
        assert!(broken(|d, _| d.jobs[0].vertices[0].idle = Some(0.0)).is_empty());
        assert_eq!(
            broken(|d, _| d.jobs[0].vertices[0].confidence = 1.5),
            ["job j vertex s: confidence = 1.5 is not a ratio in 0..=1"]
        );
        assert_eq!(broken(|d, _| d.jobs[0].vertices[1].out_pool = Some(f64::NAN)).len(), 1);
        assert_eq!(broken(|d, _| d.jobs[0].vertices[1].subtasks[0].busy = Some(-0.1)).len(), 1);
        assert_eq!(broken(|d, _| d.jobs[0].bottlenecks[0].confidence = 2.0).len(), 1);
        // Forecast ETAs: zero is fine, negative or NaN is not.
        assert!(broken(|d, _| d.forecasts[0].eta_seconds = Some(0.0)).is_empty());
        let eta = broken(|d, _| d.forecasts[0].eta_low_seconds = Some(-1.0));
        assert_eq!(eta.len(), 1);
        assert!(eta[0].ends_with("eta_low Some(-1.0) is negative or NaN"), "{eta:?}");
        assert_eq!(broken(|d, _| d.forecasts[0].eta_high_seconds = Some(f64::NAN)).len(), 1);
        // Lag times: zero is fine, negative or NaN is not.
        assert!(broken(|d, _| d.lag[0].time_to_drain_s = Some(0.0)).is_empty());
        assert!(broken(|d, _| d.lag[0].time_to_data_loss_s = Some(0.0)).is_empty());
        assert_eq!(
            broken(|d, _| d.lag[0].time_to_drain_s = Some(-1.0)),
            ["lag g t/0: time to drain Some(-1.0) is negative or NaN"]
        );
        assert_eq!(
            broken(|d, _| d.lag[0].time_to_data_loss_s = Some(f64::NAN)),
            ["lag g t/0: time to data loss Some(NaN) is negative or NaN"]
        );
        // Classification is total and names only vertices of the job.
        assert_eq!(broken(|d, _| d.jobs.clear()), ["1 jobs in, 0 diagnosed"]);
        let dropped = broken(|d, _| {
            d.jobs[0].vertices.pop();
        });
        assert_eq!(
            dropped,
            [
                "job j: 2 vertices in, 1 classified",
                "job j: vertices in [\"k\", \"s\"], classified [\"s\"]",
                "job j: bottleneck k is no vertex of the job"
            ]
        );
        assert_eq!(broken(|d, _| d.jobs[0].vertices[0].id = "x".into()).len(), 1);
        assert_eq!(
            broken(|d, _| d.jobs[0].bottlenecks[0].vertex_id = "nowhere".into()),
            ["job j: bottleneck nowhere is no vertex of the job"]
        );
        // A backpressured bottleneck must be busy-dominant.
        let bp = broken(|d, _| {
            let v = &mut d.jobs[0].vertices[1];
            v.backpressured = Some(0.5);
            v.busy = Some(0.4);
        });
        assert_eq!(bp.len(), 1);
        assert!(bp[0].contains("the bottleneck is backpressured Some(0.5) and not busy-dominant"), "{bp:?}");
        // Busy exactly as long as backpressured: not busier, so not dominant.
        assert_eq!(
            broken(|d, _| {
                let v = &mut d.jobs[0].vertices[1];
                v.backpressured = Some(0.6);
                v.busy = Some(0.6);
            })
            .len(),
            1
        );
        // Busy but less than backpressured: not dominant either.
        assert_eq!(
            broken(|d, _| {
                let v = &mut d.jobs[0].vertices[1];
                v.backpressured = Some(0.6);
                v.busy = Some(0.55);
            })
            .len(),
            1
        );
        assert!(broken(|d, _| {
            let v = &mut d.jobs[0].vertices[1];
            v.backpressured = Some(0.3);
            v.busy = Some(0.6);
        })
        .is_empty());
    }
}
