//! Rules on hand-built snapshots: each test states a situation and the verdict it must get.

use super::*;
use crate::diagnosis::{BottleneckKind, Class, JobDiagnosis, Severity};
use crate::model::{BackpressureLevel, Job, Metric, Snapshot, Stat, Vertex};

const NAN: f64 = f64::NAN;

/// One subtask's (busy, backpressured, idle) ratios; NaN = not reported.
type Triple = (f64, f64, f64);

use crate::model::test_support::vertex;

fn one(id: &str, name: &str, inputs: &[&str], t: Triple) -> Vertex {
    vertex(id, name, inputs, &[t])
}

fn job(id: &str, state: &str, vertices: Vec<Vertex>) -> Job {
    Job { id: id.into(), name: format!("job-{id}"), state: state.into(), vertices, graph_known: true, started: None }
}

/// `polls` identical snapshots two seconds apart.
fn history_of(jobs: Vec<Job>, polls: usize) -> History {
    let mut h = History::new(10, 100);
    for i in 0..polls {
        h.push(Snapshot {
            at_ms: 1_000_000 + 2000 * i as i64,
            jobs: jobs.clone(),
            lag: Vec::new(),
            sources: Vec::new(),
        });
    }
    h
}

fn run(jobs: Vec<Job>) -> Diagnosis {
    diagnose(&history_of(jobs, 3), &Thresholds::default())
}

fn class(j: &JobDiagnosis, name: &str) -> Class {
    j.vertices.iter().find(|v| v.name == name).map(|v| v.class).unwrap_or_else(|| panic!("no vertex {name}"))
}

fn bottleneck_names(j: &JobDiagnosis) -> Vec<&str> {
    j.bottlenecks.iter().map(|b| b.name.as_str()).collect()
}

const BP: Triple = (0.002, 0.998, 0.0);
const SATURATED: Triple = (1.0, 0.0, 0.0);
const IDLE: Triple = (0.01, 0.0, 0.99);

#[test]
fn slow_sink_is_the_bottleneck_and_upstream_are_victims() {
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![
            one("s", "Source: gen", &[], BP),
            one("p", "parse", &["s"], BP),
            one("f", "filter", &["p"], BP),
            one("k", "sink: Writer", &["f"], SATURATED),
        ],
    )]);
    let j = &d.jobs[0];
    assert_eq!(bottleneck_names(j), ["sink: Writer"]);
    assert_eq!(j.bottlenecks[0].kind, BottleneckKind::Sink);
    assert_eq!(j.bottlenecks[0].victims, ["s", "p", "f"]);
    assert!(j.bottlenecks[0].confidence >= 0.8, "{}", j.bottlenecks[0].confidence);
    for v in ["Source: gen", "parse", "filter"] {
        assert_eq!(class(j, v), Class::Victim);
    }
    assert_eq!(j.vertices.iter().find(|v| v.name == "parse").unwrap().caused_by, ["k"]);
    assert_eq!(j.severity, Severity::Critical);
    assert_eq!(d.severity, Severity::Critical);
    // A sink's load is what it takes in (500 rec/s), not what it emits (300).
    let advice = &j.bottlenecks[0].advice;
    assert_eq!(advice.observed_input_rate, Some(500.0));
    assert_eq!(advice.true_rate_per_subtask, Some(500.0));
    // Vertices come out in data-flow order whatever order they came in.
    let order: Vec<&str> = j.vertices.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(order, ["s", "p", "f", "k"]);
}

#[test]
fn vertex_order_follows_the_graph_not_the_listing() {
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("k", "sink", &["m"], SATURATED), one("m", "map", &["s"], BP), one("s", "src", &[], BP)],
    )]);
    let order: Vec<&str> = d.jobs[0].vertices.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(order, ["s", "m", "k"]);
}

#[test]
fn middle_bottleneck_leaves_the_sink_idle() {
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("s", "src", &[], BP), one("m", "enrich", &["s"], SATURATED), one("k", "sink", &["m"], IDLE)],
    )]);
    let j = &d.jobs[0];
    assert_eq!(bottleneck_names(j), ["enrich"]);
    assert_eq!(j.bottlenecks[0].kind, BottleneckKind::Operator);
    assert_eq!(class(j, "sink"), Class::Idle);
    assert_eq!(class(j, "src"), Class::Victim);
}

#[test]
fn busy_source_with_nothing_backpressured_is_the_bottleneck() {
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("s", "src", &[], (0.97, 0.0, 0.03)), one("m", "map", &["s"], (0.3, 0.0, 0.7))],
    )]);
    let j = &d.jobs[0];
    assert_eq!(bottleneck_names(j), ["src"]);
    assert_eq!(j.bottlenecks[0].kind, BottleneckKind::Source);
    assert!(j.bottlenecks[0].victims.is_empty());
    // A source takes nothing in: its load is what it emits (300 rec/s), at 97 % busy.
    let advice = &j.bottlenecks[0].advice;
    assert_eq!(advice.observed_input_rate, Some(300.0));
    let true_rate = advice.true_rate_per_subtask.expect("a busy source's true rate");
    assert!((true_rate - 300.0 / 0.97).abs() < 1e-6, "{true_rate}");
    // Without consumer lag the evidence is incomplete: a warning, medium confidence at most.
    assert_eq!(j.severity, Severity::Warning);
    assert!(j.bottlenecks[0].confidence < 0.8);
}

#[test]
fn skew_names_the_hot_subtask_and_refuses_to_suggest_rescaling() {
    let hot = [(0.05, 0.0, 0.95), (0.05, 0.0, 0.95), (0.99, 0.0, 0.01), (0.05, 0.0, 0.95)];
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![
            vertex("s", "src", &[], &[(0.1, 0.8, 0.1); 4]),
            vertex("w", "window-agg", &["s"], &hot),
            vertex("k", "sink", &["w"], &[IDLE; 4]),
        ],
    )]);
    let j = &d.jobs[0];
    assert_eq!(bottleneck_names(j), ["window-agg"]);
    let b = &j.bottlenecks[0];
    assert_eq!(b.subtasks, [2]);
    assert_eq!(b.suggested_parallelism, None);
    assert_eq!(
        b.advice.parallelism_basis,
        "none: more parallelism does not help key skew, the hot keys stay on one subtask"
    );
    assert!(b.advice.hints.iter().any(|h| h.kind == "skew"));
    assert!(!b.advice.hints.iter().any(|h| h.kind == "operator"), "generic advice contradicts skew");
    // The hot subtask's own rate: 500 rec/s at 99 % busy.
    assert_eq!(b.advice.true_rate_per_subtask.map(|r| r.round()), Some(505.0));
    assert!(b.evidence.iter().any(|e| e.contains("#2 busy 99%")), "{:?}", b.evidence);
    let w = j.vertices.iter().find(|v| v.name == "window-agg").unwrap();
    assert_eq!(w.skewed_subtasks, [2]);
    // The hot subtask, not the average, decides: the mean busy is only 29 %.
    assert!(w.busy_avg.unwrap() < 0.3);
}

#[test]
fn fan_out_names_the_branch_that_causes_backpressure() {
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![
            one("s", "src", &[], BP),
            one("x", "split", &["s"], (0.05, 0.9, 0.05)),
            one("a", "alerts-sink", &["x"], SATURATED),
            one("r", "archive-sink", &["x"], (0.2, 0.0, 0.8)),
        ],
    )]);
    let j = &d.jobs[0];
    assert_eq!(bottleneck_names(j), ["alerts-sink"]);
    let split = j.vertices.iter().find(|v| v.name == "split").unwrap();
    assert_eq!(split.caused_by, ["a"]);
    assert!(
        split.evidence.iter().any(|e| e.contains("held back by alerts-sink") && e.contains("not by archive-sink")),
        "{:?}",
        split.evidence
    );
    assert_eq!(class(j, "archive-sink"), Class::Healthy);
}

#[test]
fn a_join_holds_back_both_inputs() {
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![
            one("o", "Source: orders", &[], BP),
            one("p", "Source: payments", &[], (0.01, 0.7, 0.29)),
            one("j", "join", &["o", "p"], SATURATED),
            one("k", "sink", &["j"], IDLE),
        ],
    )]);
    let j = &d.jobs[0];
    assert_eq!(bottleneck_names(j), ["join"]);
    assert_eq!(j.bottlenecks[0].victims, ["o", "p"]);
}

#[test]
fn a_chained_bottleneck_says_the_culprit_is_inside() {
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![
            one("s", "Source: kafka-clicks", &[], (0.05, 0.9, 0.05)),
            one("c", "Window(TumblingEventTimeWindows) -> Map -> Filter -> Sink: jdbc", &["s"], SATURATED),
        ],
    )]);
    let b = &d.jobs[0].bottlenecks[0];
    assert_eq!(b.operators.len(), 4);
    assert!(b.evidence.iter().any(|e| e.contains("inside this chain of 4 operators")), "{:?}", b.evidence);
    assert!(b.advice.hints.iter().any(|h| h.kind == "chain"));
}

#[test]
fn busy_nan_on_a_legacy_source_is_unknown_not_healthy() {
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("s", "legacy-src", &[], (NAN, 0.0, 0.0)), one("m", "map", &["s"], (0.2, 0.0, 0.8))],
    )]);
    let j = &d.jobs[0];
    assert_eq!(class(j, "legacy-src"), Class::Unknown);
    assert!(j.vertices[0].busy.is_none());
    assert_ne!(j.severity, Severity::Healthy);
    assert!(j.summary.contains("1 vertex unknown"), "{}", j.summary);
}

#[test]
fn a_backpressured_source_with_nan_busy_is_still_a_victim() {
    // Seen on a real Flink 2.3 SQL datagen source: busy "NaN", backpressured 99.7 %.
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("s", "src", &[], (NAN, 0.997, 0.0)), one("m", "py", &["s"], SATURATED)],
    )]);
    assert_eq!(class(&d.jobs[0], "src"), Class::Victim);
    assert_eq!(bottleneck_names(&d.jobs[0]), ["py"]);
}

#[test]
fn all_zero_triples_are_no_data_yet() {
    let zero = (0.0, 0.0, 0.0);
    let d = run(vec![job("a", "RUNNING", vec![one("s", "src", &[], zero), one("k", "sink", &["s"], zero)])]);
    let j = &d.jobs[0];
    assert!(j.vertices.iter().all(|v| v.class == Class::Unknown));
    assert!(j.summary.starts_with("no verdict yet"), "{}", j.summary);
    assert_eq!(j.severity, Severity::Warning);
}

#[test]
fn a_job_that_is_not_running_gets_no_verdict() {
    let restarting =
        run(vec![job("a", "RESTARTING", vec![one("s", "src", &[], BP), one("k", "sink", &["s"], SATURATED)])]);
    let j = &restarting.jobs[0];
    assert!(j.vertices.iter().all(|v| v.class == Class::Unknown));
    assert!(j.bottlenecks.is_empty());
    assert_eq!(j.severity, Severity::Critical);
    let starting = run(vec![job("b", "INITIALIZING", vec![one("s", "src", &[], (0.0, 0.0, 0.0))])]);
    assert_eq!(starting.jobs[0].severity, Severity::Warning);
    assert_eq!(starting.jobs[0].summary, "no verdict: the job is INITIALIZING");
}

#[test]
fn several_jobs_get_separate_verdicts() {
    let d = run(vec![
        job("a", "RUNNING", vec![one("s", "src", &[], (0.2, 0.0, 0.8)), one("k", "sink", &["s"], (0.1, 0.0, 0.9))]),
        job("b", "RUNNING", vec![one("s2", "src", &[], BP), one("k2", "sink", &["s2"], SATURATED)]),
    ]);
    assert_eq!(d.jobs[0].severity, Severity::Healthy);
    assert!(d.jobs[0].bottlenecks.is_empty());
    assert_eq!(d.jobs[1].severity, Severity::Critical);
    assert_eq!(d.severity, Severity::Critical);
}

#[test]
fn backpressure_with_nothing_busy_below_is_reported_with_low_confidence() {
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("s", "src", &[], (0.02, 0.95, 0.03)), one("m", "map", &["s"], (0.1, 0.0, 0.9))],
    )]);
    let j = &d.jobs[0];
    assert_eq!(j.bottlenecks.len(), 1);
    let b = &j.bottlenecks[0];
    assert_eq!(b.kind, BottleneckKind::Unresolved);
    assert!(b.confidence < 0.5);
    assert_eq!(b.suggested_parallelism, None);
    assert!(b.evidence.iter().any(|e| e.contains("signals disagree")), "{:?}", b.evidence);
    // A suspect is not called a bottleneck, but 95 % backpressure is critical all the same.
    assert_eq!(class(j, "map"), Class::Healthy);
    assert!(j.summary.contains("without a confirmed cause; nearest suspect: map"), "{}", j.summary);
    assert_eq!(j.severity, Severity::Critical);
}

#[test]
fn mild_backpressure_without_a_busy_vertex_is_not_a_bottleneck() {
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("s", "src", &[], (0.1, 0.15, 0.75)), one("m", "map", &["s"], (0.2, 0.0, 0.8))],
    )]);
    let j = &d.jobs[0];
    assert!(j.bottlenecks.is_empty());
    assert_eq!(class(j, "src"), Class::Victim);
    assert!(j.summary.starts_with("mild backpressure"), "{}", j.summary);
}

#[test]
fn a_healthy_job_is_healthy() {
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("s", "src", &[], (0.2, 0.0, 0.8)), one("k", "sink", &["s"], (0.25, 0.0, 0.75))],
    )]);
    let j = &d.jobs[0];
    assert_eq!(j.severity, Severity::Healthy);
    assert!(j.findings.is_empty(), "{:?}", j.findings);
    assert!(j.summary.starts_with("no bottleneck"), "{}", j.summary);
}

#[test]
fn a_cold_cache_poll_of_zeros_does_not_dilute_the_verdict() {
    let good = job("a", "RUNNING", vec![one("s", "src", &[], BP), one("k", "sink", &["s"], SATURATED)]);
    let cold = job("a", "RUNNING", vec![one("s", "src", &[], BP), one("k", "sink", &["s"], (0.0, 0.0, 0.0))]);
    let mut h = History::new(10, 100);
    for (i, j) in [good.clone(), cold, good].into_iter().enumerate() {
        h.push(Snapshot { at_ms: 2000 * i as i64, jobs: vec![j], lag: Vec::new(), sources: Vec::new() });
    }
    let d = diagnose(&h, &Thresholds::default());
    let sink = d.jobs[0].vertices.iter().find(|v| v.id == "k").unwrap();
    assert_eq!(sink.busy, Some(1.0));
    assert_eq!(sink.class, Class::Bottleneck);
}

#[test]
fn one_poll_lowers_confidence() {
    let jobs = vec![job("a", "RUNNING", vec![one("s", "src", &[], BP), one("k", "sink", &["s"], SATURATED)])];
    let three = diagnose(&history_of(jobs.clone(), 3), &Thresholds::default()).jobs[0].bottlenecks[0].confidence;
    let single = diagnose(&history_of(jobs, 1), &Thresholds::default()).jobs[0].bottlenecks[0].confidence;
    assert!(single < three, "{single} vs {three}");
}

#[test]
fn full_output_pools_corroborate_but_flinks_level_is_no_second_witness() {
    let mut src = one("s", "src", &[], (0.1, 0.6, 0.3));
    let sink = one("k", "sink", &["s"], (0.8, 0.0, 0.2));
    let confidence = |src: &Vertex| {
        run(vec![job("a", "RUNNING", vec![src.clone(), sink.clone()])]).jobs[0].bottlenecks[0].confidence
    };
    let plain = confidence(&src);
    // The level is computed from the same backpressured time: it adds nothing.
    src.backpressure_level = Some(BackpressureLevel::High);
    assert_eq!(confidence(&src), plain);
    src.stats.set(Metric::OutPool, Stat { min: Some(1.0), max: Some(1.0), avg: Some(1.0), sum: Some(1.0) });
    let backed = confidence(&src);
    assert!(backed > plain, "{backed} vs {plain}");
}

#[test]
fn true_rate_and_parallelism_follow_ds2() {
    // Sink: 2 subtasks fully busy taking 2000 rec/s → 1000 rec/s per subtask of busy time.
    // Source: busy 25 % for 2000 rec/s out → could emit 8000 rec/s if not held back.
    let mut src = vertex("s", "src", &[], &[(0.25, 0.75, 0.0)]);
    src.stats.set(Metric::RecordsOut, Stat { sum: Some(2000.0), ..Stat::default() });
    let mut sink = vertex("k", "sink", &["s"], &[SATURATED, SATURATED]);
    sink.stats.set(Metric::RecordsIn, Stat { sum: Some(2000.0), ..Stat::default() });
    sink.max_parallelism = Some(128);
    let d = run(vec![job("a", "RUNNING", vec![src.clone(), sink.clone()])]);
    let b = &d.jobs[0].bottlenecks[0];
    assert_eq!(b.advice.true_rate_per_subtask, Some(1000.0));
    // Without a lag source no demand is measured: what arrives is a lower bound.
    assert_eq!(b.advice.estimated_demand_rate, None);
    assert_eq!(b.advice.demand.basis, crate::diagnosis::DemandBasis::Observed);
    assert!(b.advice.demand.lower_bound);
    assert_eq!(b.advice.demand.rate, Some(2000.0));
    // Observed: 2000 / (1000 × 0.7) = 2.9 → 3, a lower bound since the source is held back;
    // the source's full read rate: 8000 / (1000 × 0.7) = 11.4 → 12, past which the sources
    // are the limit (a ceiling, not a demand).
    assert_eq!(b.suggested_parallelism, Some(3));
    assert_eq!(b.suggested_parallelism_max, Some(12));
    let basis = &b.advice.parallelism_basis;
    assert!(basis.contains("lower bound") && basis.contains("more than 12 would wait on the sources"), "{basis}");
    assert!(basis.contains("at most 8000 rec/s"), "{basis}");
    // Without a measured demand nothing is drained or cascaded, but the change is ready to use.
    assert_eq!((b.advice.drain.as_ref(), b.advice.also_raise.len()), (None, 0));
    assert_eq!(b.advice.apply.as_ref().map(|a| a.value.as_str()), Some("k:3"));
    // Capped by max parallelism.
    sink.max_parallelism = Some(2);
    let d = run(vec![job("a", "RUNNING", vec![src, sink])]);
    let b = &d.jobs[0].bottlenecks[0];
    assert_eq!(b.suggested_parallelism, Some(2));
    assert_eq!(b.suggested_parallelism_max, Some(2));
    assert!(b.advice.parallelism_basis.contains("capped at the max parallelism 2"), "{}", b.advice.parallelism_basis);
}

#[test]
fn an_unmeasurable_source_makes_the_suggestion_a_lower_bound() {
    let d = run(vec![job("a", "RUNNING", vec![one("s", "src", &[], BP), one("k", "sink", &["s"], SATURATED)])]);
    let b = &d.jobs[0].bottlenecks[0];
    assert_eq!(b.suggested_parallelism, Some(2));
    assert_eq!(b.suggested_parallelism_max, None);
    assert!(b.advice.parallelism_basis.contains("a lower bound"), "{}", b.advice.parallelism_basis);
    assert!(b.advice.parallelism_basis.contains("cannot be measured"), "{}", b.advice.parallelism_basis);
    assert_eq!(b.advice.estimated_demand_rate, None);
}

#[test]
fn every_vertex_gets_exactly_one_class_and_ratios_stay_in_range() {
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![
            one("s", "src", &[], (1.5, -0.2, NAN)),
            one("m", "map", &["s", "missing-vertex"], BP),
            one("k", "sink", &["m"], SATURATED),
        ],
    )]);
    let j = &d.jobs[0];
    assert_eq!(j.vertices.len(), 3);
    for v in &j.vertices {
        for r in [v.busy, v.backpressured, v.idle].into_iter().flatten() {
            assert!((0.0..=1.0).contains(&r), "{} out of range in {}", r, v.name);
        }
        assert!((0.0..=1.0).contains(&v.confidence));
    }
    assert!(j.bottlenecks.iter().all(|b| class(j, &b.name) == Class::Bottleneck));
    assert!(j.vertices.iter().filter(|v| v.class == Class::Bottleneck).all(|v| v.backpressured.unwrap_or(0.0) < 0.1));
}

#[test]
fn an_empty_history_diagnoses_nothing() {
    let d = diagnose(&History::new(3, 3), &Thresholds::default());
    assert!(d.jobs.is_empty());
}

#[test]
fn a_busy_bottleneck_that_is_a_little_backpressured_is_still_the_bottleneck() {
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![
            one("s", "src", &[], BP),
            one("p", "parse", &["s"], BP),
            one("o", "slow-op", &["p"], (0.85, 0.12, 0.03)),
            one("k", "sink", &["o"], IDLE),
        ],
    )]);
    let j = &d.jobs[0];
    assert_eq!(bottleneck_names(j), ["slow-op"]);
    assert_eq!(j.bottlenecks[0].kind, BottleneckKind::Operator);
    assert_eq!(j.severity, Severity::Critical);
    assert_eq!(class(j, "sink"), Class::Idle);
}

#[test]
fn a_moderately_busy_sibling_branch_is_not_blamed() {
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![
            one("s", "src", &[], (0.05, 0.9, 0.05)),
            one("a", "branch-a", &["s"], SATURATED),
            one("b", "branch-b", &["s"], (0.6, 0.0, 0.4)),
        ],
    )]);
    let j = &d.jobs[0];
    assert_eq!(bottleneck_names(j), ["branch-a"]);
    assert_eq!(class(j, "branch-b"), Class::Healthy);
}

#[test]
fn without_the_graph_nothing_is_called_a_source_or_a_sink() {
    // Two busy vertices among backpressured ones, no edges: suspects only.
    let mut jb = job(
        "a",
        "RUNNING",
        vec![one("s", "src", &[], BP), one("m", "map", &[], SATURATED), one("k", "sink: Writer", &[], SATURATED)],
    );
    jb.graph_known = false;
    for v in &mut jb.vertices {
        v.inputs.clear();
    }
    let d = run(vec![jb.clone()]);
    let j = &d.jobs[0];
    assert_eq!(j.bottlenecks.len(), 2);
    assert!(j.bottlenecks.iter().all(|b| b.kind == BottleneckKind::Unresolved), "{:?}", j.bottlenecks);
    assert!(j.findings.iter().any(|f| f.contains("job graph (plan) could not be read")));
    assert_ne!(class(j, "sink: Writer"), Class::Bottleneck);
    // One busy vertex: it is the only place the pressure can come from (the Prometheus
    // reporter alone gives no plan), named with less than high confidence.
    jb.vertices.remove(1);
    let d = run(vec![jb]);
    let b = &d.jobs[0].bottlenecks[0];
    assert_eq!(b.name, "sink: Writer");
    assert_eq!(b.kind, BottleneckKind::Sink);
    assert_eq!(b.confidence_label, "medium");
    assert!(b.evidence.iter().any(|e| e.contains("the job graph is unknown")));
}

#[test]
fn a_job_that_is_one_chained_vertex_is_not_called_a_source_bottleneck() {
    let d =
        run(vec![job("a", "RUNNING", vec![one("c", "Source: kafka -> Map -> Sink: jdbc", &[], (0.95, 0.0, 0.05))])]);
    let b = &d.jobs[0].bottlenecks[0];
    assert_eq!(b.kind, BottleneckKind::Chain);
    assert!(!b.advice.hints.iter().any(|h| h.kind == "source"));
    assert!(b.advice.hints.iter().any(|h| h.kind == "chain"));
}

/// Six polls of the sink-bottleneck job during which Flink refreshed its metric store
/// `refreshes` times (polls between two refreshes repeat one measurement).
fn six_polls_over(refreshes: i64) -> Diagnosis {
    let mut h = History::new(10, 100);
    for i in 0..6i64 {
        let mut jb = job("a", "RUNNING", vec![one("s", "src", &[], BP), one("k", "sink", &["s"], SATURATED)]);
        for v in &mut jb.vertices {
            v.measured_at_ms = Some(10_000 * (1 + i * refreshes / 6));
        }
        h.push(Snapshot { at_ms: 2000 * i, jobs: vec![jb], lag: Vec::new(), sources: Vec::new() });
    }
    diagnose(&h, &Thresholds::default())
}

#[test]
fn repeated_answers_from_flinks_metric_cache_count_as_one_measurement() {
    let d = six_polls_over(2);
    let j = &d.jobs[0];
    let sink = j.vertices.iter().find(|v| v.id == "k").unwrap();
    assert_eq!(sink.measurements, 2);
    assert!(
        j.bottlenecks[0].evidence.iter().any(|e| e.contains("over 2 measurements in 6 polls")),
        "{:?}",
        j.bottlenecks[0].evidence
    );
    // Two measurements weigh less than three; more never weigh less (here the missing output
    // pool caps the confidence at 0.85 from three on).
    let confidence = |refreshes| six_polls_over(refreshes).jobs[0].bottlenecks[0].confidence;
    let (two, three, six) = (confidence(2), confidence(3), confidence(6));
    assert!(two < three && three <= six, "{two} {three} {six}");
}

#[test]
fn a_stalled_bottleneck_gets_no_parallelism() {
    let mut sink = one("k", "sink", &["s"], SATURATED);
    sink.stats.set(Metric::RecordsIn, Stat { sum: Some(0.0), ..Stat::default() });
    let d = run(vec![job("a", "RUNNING", vec![one("s", "src", &[], BP), sink])]);
    let b = &d.jobs[0].bottlenecks[0];
    assert_eq!(b.suggested_parallelism, None);
    assert_eq!(b.advice.true_rate_per_subtask, None);
    assert!(b.advice.parallelism_basis.contains("stalled"), "{}", b.advice.parallelism_basis);
    assert!(b.advice.hints.iter().any(|h| h.kind == "stalled"));
}

#[test]
fn uneven_load_without_a_keyed_input_is_not_called_key_skew() {
    let hot = [(0.05, 0.0, 0.95), (0.99, 0.0, 0.01)];
    let mut w = vertex("w", "enrich", &["s"], &hot);
    w.inputs[0].ship_strategy = Some("FORWARD".into());
    let d = run(vec![job("a", "RUNNING", vec![vertex("s", "src", &[], &[(0.1, 0.8, 0.1); 2]), w])]);
    let b = &d.jobs[0].bottlenecks[0];
    let skew = b.advice.hints.iter().find(|h| h.kind == "skew").unwrap();
    assert!(skew.text.starts_with("uneven load"), "{}", skew.text);
    assert_eq!(
        b.advice.parallelism_basis,
        "none: the load is uneven across subtasks; more parallelism leaves the hot one hot"
    );
}

#[test]
fn extreme_thresholds_keep_confidences_finite() {
    for (bp_low, busy) in [(0.5, 0.9), (0.9, 0.95), (0.01, 0.05)] {
        let t = Thresholds { bp_low, busy_bottleneck: busy, ..Thresholds::default() };
        let d = diagnose(
            &history_of(
                vec![job(
                    "a",
                    "RUNNING",
                    vec![one("s", "src", &[], (0.0, 0.99, 0.01)), one("k", "sink", &["s"], SATURATED)],
                )],
                3,
            ),
            &t,
        );
        for v in &d.jobs[0].vertices {
            assert!(v.confidence.is_finite(), "{bp_low}/{busy}: {}", v.confidence);
        }
        assert!(d.jobs[0].bottlenecks.iter().all(|b| b.confidence.is_finite()));
        assert_eq!(d.severity, Severity::Critical, "{bp_low}/{busy}");
    }
}

/// A healthy job whose map's busy time rises 0.05 % per second under `wiggle` (±), measured
/// every 40 s ten times.
fn rising_busy(wiggle: f64) -> Diagnosis {
    let mut h = History::new(10, 100);
    for i in 0..10i64 {
        let busy = 0.30 + 0.0005 * (40 * i) as f64 + wiggle * [1.0, -1.0, -1.0, 1.0][i as usize % 4];
        let jb =
            job("a", "RUNNING", vec![one("s", "src", &[], IDLE), one("m", "map", &["s"], (busy, 0.0, 1.0 - busy))]);
        h.push(Snapshot { at_ms: 1_000_000 + 40_000 * i, jobs: vec![jb], lag: Vec::new(), sources: Vec::new() });
    }
    diagnose(&h, &Thresholds::default())
}

#[test]
fn a_forecast_alarms_only_when_its_whole_range_is_within_the_horizon() {
    let busy_of_map = |d: &Diagnosis| {
        d.forecasts.iter().find(|f| f.subject == "map" && f.metric == "busy").cloned().expect("map's busy forecast")
    };
    // A clean rise: ETA ~17 min, its 95 % range too within the 30 min horizon: a warning.
    let d = rising_busy(0.002);
    let f = busy_of_map(&d);
    assert!(f.eta_high_seconds.is_some_and(|h| h <= 1800.0), "{f:?}");
    assert_eq!(d.jobs[0].severity, Severity::Warning);
    assert!(
        d.jobs[0].findings.iter().any(|x| x.starts_with("a saturation is forecast within")),
        "{:?}",
        d.jobs[0].findings
    );
    // The same rise, noisier: the ETA is still within the horizon but the slope could be half
    // as steep, so the range reaches past it: shown, not alarmed.
    let d = rising_busy(0.02);
    let f = busy_of_map(&d);
    assert!(f.eta_seconds.is_some_and(|e| e <= 1800.0), "{f:?}");
    assert!(f.eta_high_seconds.is_none_or(|h| h > 1800.0), "{f:?}");
    assert_eq!(d.jobs[0].severity, Severity::Healthy, "{:?}", d.jobs[0].findings);
    assert!(
        d.jobs[0]
            .findings
            .iter()
            .any(|x| x.starts_with("busy of map may saturate within 30 min") && x.ends_with("shown, not alarmed")),
        "{:?}",
        d.jobs[0].findings
    );
}

#[test]
fn the_window_spans_the_polls_it_judges() {
    // Three polls two seconds apart: a 4 s window, as reports print it.
    let d = run(vec![job("a", "RUNNING", vec![one("s", "src", &[], IDLE)])]);
    assert_eq!(d.window_s, 4.0);
    let d =
        diagnose(&history_of(vec![job("a", "RUNNING", vec![one("s", "src", &[], IDLE)])], 7), &Thresholds::default());
    assert_eq!(d.window_s, 12.0);
}

/// A healthy job polled once per lag value, 10 s apart, its group `orders` `lags[i]` behind with
/// the consumer committing 100 offsets per poll.
fn healthy_with_lag(lags: &[f64]) -> Diagnosis {
    let mut h = History::new(10, 100);
    for (i, lag) in lags.iter().enumerate() {
        let committed = 1000.0 + 100.0 * i as f64;
        h.push(Snapshot {
            at_ms: 1_000_000 + 10_000 * i as i64,
            jobs: vec![job("a", "RUNNING", vec![one("s", "src", &[], IDLE), one("k", "sink", &["s"], IDLE)])],
            lag: vec![crate::model::LagRow {
                source: "exporter".into(),
                group: "orders".into(),
                topic: "orders".into(),
                partition: 0,
                lag: Some(*lag),
                committed_offset: Some(committed),
                log_end_offset: Some(committed + lag),
                ..Default::default()
            }],
            sources: Vec::new(),
        });
    }
    diagnose(&h, &Thresholds::default())
}

#[test]
fn a_steady_lag_is_healthy_and_a_negative_one_is_a_warning() {
    // Caught up (0 behind) and steadily 500 behind while consuming: nothing to alarm.
    let d = healthy_with_lag(&[0.0; 3]);
    assert_eq!(d.lag_groups[0].trend, crate::diagnosis::LagTrend::Ok);
    assert_eq!(d.severity, Severity::Healthy);
    let d = healthy_with_lag(&[500.0; 8]);
    assert_eq!(d.lag_groups[0].trend, crate::diagnosis::LagTrend::Ok);
    assert_eq!(d.severity, Severity::Healthy);
    // Offsets out of step (the committed offset past the log end): a warning, never healthy.
    let d = healthy_with_lag(&[-5.0; 3]);
    assert_eq!(d.severity, Severity::Warning);
}

/// A healthy job with one partition of group `orders` reported the same way at every poll.
fn healthy_with_still_lag(row: crate::model::LagRow, polls: i64) -> Diagnosis {
    let mut h = History::new(10, 100);
    for i in 0..polls {
        h.push(Snapshot {
            at_ms: 1_000_000 + 10_000 * i,
            jobs: vec![job("a", "RUNNING", vec![one("s", "src", &[], IDLE), one("k", "sink", &["s"], IDLE)])],
            lag: vec![crate::model::LagRow {
                source: "exporter".into(),
                group: "orders".into(),
                topic: "orders".into(),
                ..row.clone()
            }],
            sources: Vec::new(),
        });
    }
    diagnose(&h, &Thresholds::default())
}

#[test]
fn an_idle_topic_read_to_its_end_is_healthy_and_each_unknown_lag_says_why() {
    let at = |lag: Option<f64>, committed: f64| crate::model::LagRow {
        lag,
        committed_offset: Some(committed),
        log_end_offset: Some(1000.0),
        ..Default::default()
    };
    // Nothing produced, nothing behind, for 5 minutes: one distinct measurement, and fine.
    let d = healthy_with_still_lag(at(Some(0.0), 1000.0), 30);
    assert_eq!(d.lag_groups[0].trend, crate::diagnosis::LagTrend::Ok);
    assert_eq!((d.severity, d.reasons.len()), (Severity::Healthy, 0), "{:?}", d.reasons);
    // Behind, two polls: too little history, and the reason says how much is needed.
    let d = healthy_with_still_lag(at(Some(400.0), 600.0), 2);
    assert_eq!(d.lag_groups[0].trend, crate::diagnosis::LagTrend::Unknown);
    assert_eq!(d.reasons.len(), 1);
    assert!(
        d.reasons[0].text.starts_with(
            "lag trend of group orders unknown: it needs 6 distinct measurements of the lag over at least 30 s"
        ),
        "{:?}",
        d.reasons
    );
    // No lag reported: unknown, and no advice to poll longer (it would not help).
    let d = healthy_with_still_lag(at(None, 600.0), 30);
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(
        d.reasons.iter().map(|r| r.text.as_str()).collect::<Vec<_>>(),
        ["lag of group orders unknown on 1 of 1 partitions: the source reports no lag for them"]
    );
    // Negative lag: its own reason, alone.
    let d = healthy_with_still_lag(at(Some(-5.0), 1005.0), 30);
    assert_eq!(d.reasons.len(), 1, "{:?}", d.reasons);
    assert!(d.reasons[0].text.starts_with("negative lag on orders-0 of group orders"), "{:?}", d.reasons);
}

#[test]
fn failing_requests_warn_even_when_the_poll_went_through() {
    let source = |ok: bool, partial: &[&str]| crate::model::SourceHealth {
        name: "flink".into(),
        kind: crate::model::SourceKind::Flink,
        endpoint: "http://flink".into(),
        ok,
        error: (!ok).then(|| "GET http://flink/jobs/overview: 503".into()),
        partial_errors: partial.iter().map(|s| s.to_string()).collect(),
        requests: 10,
        late: false,
    };
    let with = |s: crate::model::SourceHealth| {
        let mut h = history_of(vec![job("a", "RUNNING", vec![one("s", "src", &[], IDLE)])], 3);
        let mut last = h.latest().unwrap().clone();
        last.at_ms += 2000;
        last.sources = vec![s];
        h.push(last);
        diagnose(&h, &Thresholds::default()).severity
    };
    assert_eq!(with(source(true, &[])), Severity::Healthy);
    assert_eq!(with(source(true, &["GET http://flink/jobs/a/vertices/s/backpressure: 500"])), Severity::Warning);
    assert_eq!(with(source(false, &[])), Severity::Warning);
}

#[test]
fn a_finding_alone_is_a_warning_and_so_is_a_job_not_yet_running() {
    // Nothing backpressured, one vertex hot (85 % busy): a finding, and a warning.
    let d =
        run(vec![job("a", "RUNNING", vec![one("s", "src", &[], IDLE), one("m", "map", &["s"], (0.85, 0.0, 0.15))])]);
    assert!(!d.jobs[0].findings.is_empty());
    assert!(d.jobs[0].bottlenecks.is_empty());
    assert_eq!(d.jobs[0].severity, Severity::Warning, "{:?}", d.jobs[0].findings);
    // A job still being scheduled: a warning that names its state.
    let d = run(vec![job("a", "INITIALIZING", vec![one("s", "src", &[], IDLE)])]);
    assert_eq!(d.jobs[0].findings, ["job is INITIALIZING, not RUNNING: no verdict on its operators"]);
    assert_eq!(d.jobs[0].severity, Severity::Warning);
}

#[test]
fn forecasts_under_skew_name_the_hot_subtask_and_the_outlook_names_a_non_bottleneck() {
    let hot = [(0.05, 0.0, 0.95), (0.05, 0.0, 0.95), (0.99, 0.0, 0.01), (0.05, 0.0, 0.95)];
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![vertex("s", "src", &[], &[(0.1, 0.8, 0.1); 4]), vertex("w", "window-agg", &["s"], &hot)],
    )]);
    let subjects: Vec<&str> = d.forecasts.iter().filter(|f| f.vertex_id == "w").map(|f| f.subject.as_str()).collect();
    assert!(!subjects.is_empty() && subjects.iter().all(|s| *s == "window-agg (subtask #2)"), "{subjects:?}");
    // The sink holds the job back; a side branch's map is heading for saturation on its own.
    let mut h = History::new(10, 100);
    for i in 0..12i64 {
        let busy = 0.40 + 0.03 * i as f64;
        let jb = job(
            "a",
            "RUNNING",
            vec![
                one("s", "src", &[], BP),
                one("k", "sink", &["s"], SATURATED),
                one("m", "side-map", &["s"], (busy, 0.0, 1.0 - busy)),
            ],
        );
        h.push(Snapshot { at_ms: 1_000_000 + 10_000 * i, jobs: vec![jb], lag: Vec::new(), sources: Vec::new() });
    }
    let d = diagnose(&h, &Thresholds::default());
    assert_eq!(bottleneck_names(&d.jobs[0]), ["sink"]);
    let outlook = d.jobs[0].outlook.as_deref().expect("an outlook");
    assert!(outlook.starts_with("busy of side-map reaches 100%"), "{outlook}");
    assert!(outlook.ends_with("; that is not today's bottleneck"), "{outlook}");
}

/// A source emitting `out` rec/s at `busy` (the rest backpressured).
fn held_source(id: &str, busy: f64, out: f64) -> Vertex {
    let mut v = vertex(id, &format!("src-{id}"), &[], &[(busy, 1.0 - busy, 0.0)]);
    v.stats.set(Metric::RecordsOut, Stat { sum: Some(out), ..Stat::default() });
    v
}

#[test]
fn the_demand_bound_sums_every_source_upstream_and_only_sources() {
    // Two sources into a join that feeds a saturated sink taking 2000 rec/s (1000 per subtask):
    // "a" could emit 1000 / 0.25 = 4000 rec/s, "b" 1000 / 0.5 = 2000; together 6000 where 2000
    // come out, so the sink's demand is 2000 × 3 = 6000 rec/s, not a's 4× alone.
    let join = one("j", "join", &["a", "b"], BP);
    let mut sink = vertex("k", "sink", &["j"], &[SATURATED, SATURATED]);
    sink.stats.set(Metric::RecordsIn, Stat { sum: Some(2000.0), ..Stat::default() });
    let d =
        run(vec![job("x", "RUNNING", vec![join, held_source("a", 0.25, 1000.0), held_source("b", 0.5, 1000.0), sink])]);
    let b = &d.jobs[0].bottlenecks[0];
    assert_eq!(b.name, "sink");
    assert_eq!(b.advice.estimated_demand_rate, None);
    // 6000 / (1000 × 0.7) = 8.6 → 9.
    assert_eq!(b.suggested_parallelism_max, Some(9));
    assert!(b.advice.parallelism_basis.contains("at most 6000 rec/s"), "{}", b.advice.parallelism_basis);
}

#[test]
fn no_demand_bound_when_the_sources_are_not_held_back() {
    // The source reads freely (5 % backpressured); only the map in between is held back: what the
    // sink takes is what the source reads, and no higher bound is claimed.
    let src = vertex("s", "src", &[], &[(0.3, 0.05, 0.65)]);
    let d = run(vec![job("a", "RUNNING", vec![src, one("m", "map", &["s"], BP), one("k", "sink", &["m"], SATURATED)])]);
    let b = &d.jobs[0].bottlenecks[0];
    assert_eq!(b.name, "sink");
    assert_eq!(b.advice.estimated_demand_rate, None);
    assert_eq!(b.suggested_parallelism_max, None);
    assert!(!b.advice.parallelism_basis.contains("cannot be measured"), "{}", b.advice.parallelism_basis);
}

#[test]
fn a_bottleneck_taking_one_record_per_second_is_slow_not_stalled() {
    // The stall rule is "below 1 rec/s while busy": exactly 1 rec/s is a (very) slow operator.
    let mut sink = one("k", "sink", &["s"], SATURATED);
    sink.stats.set(Metric::RecordsIn, Stat { sum: Some(1.0), ..Stat::default() });
    let d = run(vec![job("a", "RUNNING", vec![one("s", "src", &[], BP), sink.clone()])]);
    let b = &d.jobs[0].bottlenecks[0];
    assert_eq!(b.advice.true_rate_per_subtask, Some(1.0));
    assert_eq!(b.suggested_parallelism, Some(2));
    sink.stats.set(Metric::RecordsIn, Stat { sum: Some(0.5), ..Stat::default() });
    let d = run(vec![job("a", "RUNNING", vec![one("s", "src", &[], BP), sink])]);
    let b = &d.jobs[0].bottlenecks[0];
    assert_eq!(b.suggested_parallelism, None);
    assert!(b.advice.parallelism_basis.starts_with("none: busy 100% while taking "), "{}", b.advice.parallelism_basis);
    assert!(b.advice.parallelism_basis.contains(" rec/s: stalled"), "{}", b.advice.parallelism_basis);
}

#[test]
fn mild_backpressure_behind_a_bottleneck_is_a_warning_and_a_weak_suspicion_too() {
    // The sink is the bottleneck but holds its source back only 30 %: a warning, not critical.
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("s", "src", &[], (0.1, 0.3, 0.6)), one("k", "sink", &["s"], SATURATED)],
    )]);
    let j = &d.jobs[0];
    assert_eq!(bottleneck_names(j), ["sink"]);
    assert_eq!(j.severity, Severity::Warning);
    // Held back hard, but by a confirmed cause of low confidence (one poll, barely busy): a warning.
    let jobs = vec![job("a", "RUNNING", vec![one("s", "src", &[], BP), one("k", "sink", &["s"], (0.55, 0.0, 0.45))])];
    let d = diagnose(&history_of(jobs, 1), &Thresholds::default());
    let j = &d.jobs[0];
    assert_eq!(bottleneck_names(j), ["sink"]);
    assert!(j.bottlenecks[0].confidence < 0.5, "{}", j.bottlenecks[0].confidence);
    assert_eq!(j.severity, Severity::Warning);
}

#[test]
fn summaries_read_as_sentences() {
    let d = run(vec![job("a", "RUNNING", vec![one("s", "src", &[], IDLE), one("m", "map", &["s"], (0.3, 0.0, 0.7))])]);
    assert_eq!(d.jobs[0].summary, "no bottleneck: nothing is backpressured; busiest: map at 30%");
    let d = run(vec![job("a", "RUNNING", vec![one("s", "src", &[], BP), one("k", "sink", &["s"], SATURATED)])]);
    assert_eq!(
        d.jobs[0].summary,
        "sink is the bottleneck (sink, confidence high), holding back 1 upstream vertex: raise its parallelism 1 → 2 or more"
    );
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("s", "src", &[], BP), one("m", "map", &["s"], BP), one("k", "sink", &["m"], SATURATED)],
    )]);
    assert_eq!(
        d.jobs[0].summary,
        "sink is the bottleneck (sink, confidence high), holding back 2 upstream vertices: raise its parallelism 1 → 2 or more"
    );
    let d =
        run(vec![job("a", "RUNNING", vec![one("s", "src", &[], (0.97, 0.0, 0.03)), one("m", "map", &["s"], IDLE)])]);
    assert_eq!(
        d.jobs[0].summary,
        "src is the bottleneck (source, confidence medium): raise its parallelism 1 → 2 or more"
    );
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("s", "src", &[], (0.1, 0.3, 0.6)), one("m", "map", &["s"], (0.3, 0.0, 0.7))],
    )]);
    assert_eq!(d.jobs[0].summary, "mild backpressure on 1 vertex with no clear bottleneck; busiest: map at 30%");
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("s", "src", &[], (NAN, NAN, NAN)), one("m", "map", &["s"], (0.3, 0.0, 0.7))],
    )]);
    assert_eq!(d.jobs[0].summary, "no bottleneck: nothing is backpressured; busiest: map at 30% (1 vertex unknown)");
}

#[test]
fn the_demand_bound_needs_every_source_measured_and_emitting() {
    let sink = || {
        let mut k = vertex("k", "sink", &["j"], &[SATURATED, SATURATED]);
        k.stats.set(Metric::RecordsIn, Stat { sum: Some(2000.0), ..Stat::default() });
        k
    };
    // Source "b" is almost never busy (0.2 %): its full speed cannot be told, so neither can the
    // sources' together.
    let d = run(vec![job(
        "x",
        "RUNNING",
        vec![
            one("j", "join", &["a", "b"], BP),
            held_source("a", 0.25, 1000.0),
            held_source("b", 0.002, 1000.0),
            sink(),
        ],
    )]);
    let b = &d.jobs[0].bottlenecks[0];
    assert_eq!((b.advice.estimated_demand_rate, b.suggested_parallelism_max), (None, None));
    assert!(b.advice.parallelism_basis.contains("cannot be measured"), "{}", b.advice.parallelism_basis);
    // Both measurable but reporting nothing out yet (rates lag a minute): no bound from 0 ÷ 0.
    let d = run(vec![job(
        "x",
        "RUNNING",
        vec![one("j", "join", &["a", "b"], BP), held_source("a", 0.25, 0.0), held_source("b", 0.5, 0.0), sink()],
    )]);
    let b = &d.jobs[0].bottlenecks[0];
    assert_eq!((b.advice.estimated_demand_rate, b.suggested_parallelism_max), (None, None));
}

fn confidence_of(j: &JobDiagnosis, name: &str) -> f64 {
    j.vertices.iter().find(|v| v.name == name).map(|v| v.confidence).unwrap()
}

#[test]
fn the_confidence_of_victims_and_healthy_vertices_follows_their_numbers() {
    // Victims pushed back 99.8 % in every measurement, their cause found: certain.
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("s", "src", &[], (0.1, 0.3, 0.6)), one("m", "map", &["s"], BP), one("k", "sink", &["m"], SATURATED)],
    )]);
    let j = &d.jobs[0];
    assert_eq!(confidence_of(j, "map"), 1.0);
    // 30 % backpressured: halfway between 10 % and 50 % in strength, steady in all 3: 0.75.
    assert_eq!(confidence_of(j, "src"), 0.75);
    // Without the plan no victim's cause can be traced: unexplained (× 0.6).
    let mut jb = job("a", "RUNNING", vec![one("s", "src", &[], BP), one("k", "sink", &[], SATURATED)]);
    jb.graph_known = false;
    assert_eq!(confidence_of(&run(vec![jb]).jobs[0], "src"), 0.6);
    // A healthy vertex: 0.9 with three measurements, × 0.75 with one, × 0.9 with two.
    let healthy = vec![job("a", "RUNNING", vec![one("s", "src", &[], (0.3, 0.0, 0.7))])];
    assert_eq!(confidence_of(&run(healthy.clone()).jobs[0], "src"), 0.9);
    assert_eq!(confidence_of(&diagnose(&history_of(healthy.clone(), 1), &Thresholds::default()).jobs[0], "src"), 0.68);
    assert_eq!(confidence_of(&diagnose(&history_of(healthy, 2), &Thresholds::default()).jobs[0], "src"), 0.81);
}

#[test]
fn ramp_is_linear_between_its_ends_and_a_step_when_they_meet() {
    use super::classify::ramp;
    assert_eq!(ramp(0.25, 0.0, 0.5), 0.5);
    assert!((ramp(0.3, 0.1, 0.5) - 0.5).abs() < 1e-12);
    assert_eq!(ramp(0.05, 0.1, 0.5), 0.0);
    assert_eq!(ramp(0.9, 0.1, 0.5), 1.0);
    assert_eq!(ramp(0.2, 0.2, 0.2), 1.0);
    assert_eq!(ramp(0.19, 0.2, 0.2), 0.0);
    assert_eq!(ramp(0.2, 0.3, 0.1), 0.0);
}

#[test]
fn evidence_says_measurements_or_polls_as_they_were() {
    // Three polls of three distinct measurements: "3 polls"; the same measurement repeated:
    // "1 measurement in 3 polls".
    let d = run(vec![job("a", "RUNNING", vec![one("s", "src", &[], (0.3, 0.0, 0.7))])]);
    assert_eq!(d.jobs[0].vertices[0].evidence, ["busy 30%, backpressured 0%, idle 70% (3 polls)"]);
    let mut h = History::new(10, 100);
    for i in 0..3 {
        let mut jb = job("a", "RUNNING", vec![one("s", "src", &[], (0.3, 0.0, 0.7))]);
        jb.vertices[0].measured_at_ms = Some(5000);
        h.push(Snapshot { at_ms: 6000 + 2000 * i, jobs: vec![jb], lag: Vec::new(), sources: Vec::new() });
    }
    let d = diagnose(&h, &Thresholds::default());
    assert_eq!(d.jobs[0].vertices[0].evidence, ["busy 30%, backpressured 0%, idle 70% (1 measurement in 3 polls)"]);
}

#[test]
fn a_busy_vertex_a_little_backpressured_is_healthy_and_says_why() {
    let d = run(vec![job("a", "RUNNING", vec![one("s", "src", &[], IDLE), one("m", "map", &["s"], (0.6, 0.3, 0.1))])]);
    let m = d.jobs[0].vertices.iter().find(|v| v.name == "map").unwrap();
    assert_eq!(m.class, Class::Healthy);
    assert_eq!(m.evidence[1], "also backpressured 30%, but busy for longer: its own work is the larger limit");
    // Not backpressured at all: no such line.
    let d = run(vec![job("a", "RUNNING", vec![one("s", "src", &[], IDLE), one("m", "map", &["s"], (0.6, 0.0, 0.4))])]);
    assert_eq!(d.jobs[0].vertices[1].evidence.len(), 1);
}

#[test]
fn idle_is_strictly_below_the_idle_busy_threshold() {
    // 12.5 % against a threshold of 12.5 % (both exact in binary, so averaging three polls
    // cannot blur the boundary): healthy, not idle.
    let t = Thresholds { idle_busy: 0.125, ..Thresholds::default() };
    let jobs = vec![job("a", "RUNNING", vec![one("s", "src", &[], (0.125, 0.0, 0.875))])];
    assert_eq!(class(&diagnose(&history_of(jobs, 3), &t).jobs[0], "src"), Class::Healthy);
}

#[test]
fn a_source_at_capacity_is_named_beside_another_bottleneck() {
    // Two pipelines in one job: one source reads at capacity, the other is held back by its sink.
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![
            one("s1", "src-a", &[], (0.95, 0.0, 0.05)),
            one("m", "map", &["s1"], IDLE),
            one("s2", "src-b", &[], BP),
            one("k", "sink", &["s2"], SATURATED),
        ],
    )]);
    // In data-flow order: the source first.
    assert_eq!(bottleneck_names(&d.jobs[0]), ["src-a", "sink"]);
}

#[test]
fn idle_starts_below_ten_percent_busy() {
    // Exactly 10 % busy is not idle; 9 % with 91 % idle is.
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("s", "src", &[], (0.1, 0.0, 0.9)), one("m", "map", &["s"], (0.09, 0.0, 0.91))],
    )]);
    assert_eq!(class(&d.jobs[0], "src"), Class::Healthy);
    assert_eq!(class(&d.jobs[0], "map"), Class::Idle);
}

#[test]
fn a_source_at_capacity_is_a_source_bottleneck_a_lone_chain_a_chain_bottleneck() {
    // A source with one operator feeding a map, or alone with one operator: reading is the limit.
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("s", "Source: kafka", &[], (0.95, 0.0, 0.05)), one("m", "map", &["s"], IDLE)],
    )]);
    assert_eq!(d.jobs[0].bottlenecks[0].kind, BottleneckKind::Source);
    let d = run(vec![job("a", "RUNNING", vec![one("s", "Source: kafka", &[], (0.95, 0.0, 0.05))])]);
    assert_eq!(d.jobs[0].bottlenecks[0].kind, BottleneckKind::Source);
    // A chain of several operators with outputs still reads as a source (its edge goes on).
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("s", "Source: kafka -> Map", &[], (0.95, 0.0, 0.05)), one("m", "map", &["s"], IDLE)],
    )]);
    let b = &d.jobs[0].bottlenecks[0];
    assert_eq!(b.kind, BottleneckKind::Source);
    assert!(b.evidence.iter().any(|e| e == "the bottleneck is inside this chain of 2 operators: Source: kafka → Map"));
    // A victim source is not a source bottleneck even when busy: something below holds it.
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("s", "src", &[], (0.45, 0.55, 0.0)), one("k", "sink", &["s"], SATURATED)],
    )]);
    assert_eq!(bottleneck_names(&d.jobs[0]), ["sink"]);
    // One operator: no chain line.
    assert!(!d.jobs[0].bottlenecks[0].evidence.iter().any(|e| e.contains("inside this chain")));
    // A source at 80 % exactly is hot enough; at 79 % it is only the busiest.
    let at = |busy: f64| run(vec![job("a", "RUNNING", vec![one("s", "src", &[], (busy, 0.0, 1.0 - busy))])]);
    assert_eq!(bottleneck_names(&at(0.8).jobs[0]), ["src"]);
    assert!(at(0.79).jobs[0].bottlenecks.is_empty());
}

#[test]
fn without_the_graph_a_lone_busy_vertex_is_named_by_what_it_looks_like() {
    let no_plan_with = |busy_name: &str, records_out: Option<f64>, out_pool: Option<f64>| {
        let mut busy = one("m", busy_name, &[], SATURATED);
        busy.stats.set(Metric::RecordsOut, Stat { sum: records_out, ..Stat::default() });
        busy.stats.set(Metric::OutPool, Stat { max: out_pool, ..Stat::default() });
        let mut jb = job("a", "RUNNING", vec![one("s", "src", &[], BP), busy]);
        jb.graph_known = false;
        jb.vertices[1].inputs.clear();
        run(vec![jb]).jobs[0].bottlenecks[0].kind
    };
    let no_plan = |name: &str, silent: bool| {
        if silent {
            no_plan_with(name, Some(0.0), Some(0.0))
        } else {
            no_plan_with(name, Some(300.0), Some(0.5))
        }
    };
    // Emitting nothing with records waiting in its output pool is not a sink's silence.
    assert_eq!(no_plan_with("enrich", Some(0.0), Some(0.5)), BottleneckKind::Operator);
    assert_eq!(no_plan("Sink: jdbc", false), BottleneckKind::Sink);
    assert_eq!(no_plan("orders: Committer", false), BottleneckKind::Sink);
    assert_eq!(no_plan("orders:_Writer", false), BottleneckKind::Sink);
    assert_eq!(no_plan("enrich", false), BottleneckKind::Operator);
    // Emits nothing and its output pool stays empty: a sink by behaviour.
    assert_eq!(no_plan("enrich", true), BottleneckKind::Sink);
}

#[test]
fn findings_name_the_hot_the_skewed_and_the_unknown() {
    let hot = [(0.05, 0.0, 0.95), (0.85, 0.0, 0.15)];
    let mut w = vertex("w", "enrich", &["s"], &hot);
    w.inputs[0].ship_strategy = Some("FORWARD".into());
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![vertex("s", "src", &[], &[IDLE, IDLE]), w, vertex("u", "sink", &["w"], &[(NAN, NAN, NAN); 2])],
    )]);
    let f = &d.jobs[0].findings;
    assert!(f.iter().any(|x| x == "enrich is 85% busy with nothing backpressured yet: the first to saturate if the input grows"), "{f:?}");
    assert!(f.iter().any(|x| x == "enrich: skew: subtask #1 busy 85% while the other 1 average busy 5%"), "{f:?}");
    assert!(f.iter().any(|x| x.starts_with("sink is unknown: ")), "{f:?}");
    // The bottleneck's own skew is in its evidence, not repeated as a finding.
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![
            vertex("s", "src", &[], &[(0.1, 0.8, 0.1); 2]),
            vertex("w", "enrich", &["s"], &[(0.05, 0.0, 0.95), (0.99, 0.0, 0.01)]),
        ],
    )]);
    assert_eq!(bottleneck_names(&d.jobs[0]), ["enrich"]);
    assert!(!d.jobs[0].findings.iter().any(|x| x.starts_with("enrich:")), "{:?}", d.jobs[0].findings);
}

fn hint_kinds(b: &crate::diagnosis::Bottleneck) -> Vec<&str> {
    b.advice.hints.iter().map(|h| h.kind.as_str()).collect()
}

#[test]
fn each_kind_of_bottleneck_gets_its_own_hint_and_no_other() {
    let d = run(vec![job("a", "RUNNING", vec![one("s", "src", &[], BP), one("k", "sink", &["s"], SATURATED)])]);
    assert_eq!(hint_kinds(&d.jobs[0].bottlenecks[0]), ["sink"]);
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("s", "src", &[], BP), one("m", "map", &["s"], SATURATED), one("k", "sink", &["m"], IDLE)],
    )]);
    assert_eq!(hint_kinds(&d.jobs[0].bottlenecks[0]), ["operator"]);
    let d =
        run(vec![job("a", "RUNNING", vec![one("s", "src", &[], (0.95, 0.0, 0.05)), one("m", "map", &["s"], IDLE)])]);
    assert_eq!(hint_kinds(&d.jobs[0].bottlenecks[0]), ["source"]);
    // Unresolved: the network hint only when the victims' output pools are full.
    let unresolved = |out_pool: f64| {
        let mut s = one("s", "src", &[], BP);
        s.stats.set(Metric::OutPool, Stat { max: Some(out_pool), ..Stat::default() });
        let d = run(vec![job("a", "RUNNING", vec![s, one("k", "sink", &["s"], (0.2, 0.0, 0.8))])]);
        let b = d.jobs[0].bottlenecks[0].clone();
        assert_eq!(b.kind, BottleneckKind::Unresolved);
        hint_kinds(&b).into_iter().map(String::from).collect::<Vec<_>>()
    };
    assert_eq!(unresolved(1.0), ["network", "unresolved"]);
    assert_eq!(unresolved(0.9), ["network", "unresolved"]);
    assert_eq!(unresolved(0.2), ["unresolved"]);
}

#[test]
fn the_cap_is_mentioned_only_when_it_cuts() {
    // The sink needs 3 subtasks (2000 rec/s at 1000 per subtask and 70 %): a max of 3 does not cut.
    let mut sink = vertex("k", "sink", &["s"], &[SATURATED, SATURATED]);
    sink.stats.set(Metric::RecordsIn, Stat { sum: Some(2000.0), ..Stat::default() });
    sink.max_parallelism = Some(3);
    let d = run(vec![job("a", "RUNNING", vec![one("s", "src", &[], BP), sink])]);
    let b = &d.jobs[0].bottlenecks[0];
    assert_eq!(b.suggested_parallelism, Some(3));
    assert!(!b.advice.parallelism_basis.contains("capped"), "{}", b.advice.parallelism_basis);
}

#[test]
fn a_hot_vertex_beside_a_bottleneck_is_still_named_and_skew_averages_the_others() {
    // The sink holds its source back; another source's map runs hot at 85 % on its own.
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![
            one("s", "src", &[], BP),
            one("k", "sink", &["s"], SATURATED),
            one("t", "other-src", &[], IDLE),
            one("m", "side-map", &["t"], (0.85, 0.0, 0.15)),
        ],
    )]);
    assert_eq!(bottleneck_names(&d.jobs[0]), ["sink"]);
    assert!(
        d.jobs[0].findings.iter().any(|f| f.starts_with("side-map is 85% busy with nothing backpressured yet")),
        "{:?}",
        d.jobs[0].findings
    );
    // Two others at 5 % and 15 %: they average 10 %.
    let mut w = vertex("w", "enrich", &["s"], &[(0.05, 0.0, 0.95), (0.85, 0.0, 0.15), (0.15, 0.0, 0.85)]);
    w.inputs[0].ship_strategy = Some("FORWARD".into());
    let d = run(vec![job("a", "RUNNING", vec![vertex("s", "src", &[], &[IDLE; 3]), w])]);
    assert!(
        d.jobs[0].findings.iter().any(|f| f == "enrich: skew: subtask #1 busy 85% while the other 2 average busy 10%"),
        "{:?}",
        d.jobs[0].findings
    );
}

#[test]
fn a_backpressured_source_is_never_also_a_source_bottleneck() {
    // The worst subtask is 85 % busy, another 90 % backpressured (max over subtasks of each):
    // a victim of the sink, not a source at capacity.
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![vertex("s", "src", &[], &[(0.85, 0.0, 0.15), (0.05, 0.9, 0.05)]), one("k", "sink", &["s"], SATURATED)],
    )]);
    assert_eq!(class(&d.jobs[0], "src"), Class::Victim);
    assert_eq!(bottleneck_names(&d.jobs[0]), ["sink"]);
}

#[test]
fn victim_strength_keeps_a_span_when_the_thresholds_nearly_meet() {
    // --bp-threshold 0.48 against the 50 % "hard" line: strength ramps over 48 %…53 %, so a
    // victim at 50 % counts 0.4 strong; steady in every measurement: (0.4 + 1) / 2 = 0.7.
    let t = Thresholds { bp_low: 0.48, ..Thresholds::default() };
    let d = diagnose(
        &history_of(
            vec![job("a", "RUNNING", vec![one("s", "src", &[], (0.1, 0.5, 0.4)), one("k", "sink", &["s"], SATURATED)])],
            3,
        ),
        &t,
    );
    assert_eq!(confidence_of(&d.jobs[0], "src"), 0.7);
    // The sink's own confidence weighs that strength the same way: 0.35 × busy 1 + 0.35 × 0.4 +
    // 0.15 × steady 1 + 0.15 × no full pool 0 = 0.64.
    assert_eq!(d.jobs[0].bottlenecks[0].confidence, 0.64);
}

#[test]
fn bottleneck_evidence_says_what_kind_of_limit_it_is() {
    let first_line = |d: &Diagnosis| d.jobs[0].bottlenecks[0].evidence[0].clone();
    let d =
        run(vec![job("a", "RUNNING", vec![one("s", "src", &[], (0.95, 0.0, 0.05)), one("m", "map", &["s"], IDLE)])]);
    assert_eq!(first_line(&d), "busy 95% and not backpressured (0%), over 3 polls: the source reads as fast as it can");
    let d =
        run(vec![job("a", "RUNNING", vec![one("c", "Source: kafka -> Map -> Sink: jdbc", &[], (0.95, 0.0, 0.05))])]);
    assert_eq!(
        first_line(&d),
        "busy 95% and not backpressured (0%), over 3 polls: the job is one chained vertex, and the work inside it is the limit"
    );
    // One subtask: no "busiest of" note.
    let d = run(vec![job("a", "RUNNING", vec![one("s", "src", &[], BP), one("k", "sink", &["s"], SATURATED)])]);
    assert_eq!(first_line(&d), "busy 100% and not backpressured (0%), over 3 polls");
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("s", "src", &[], BP), vertex("k", "sink", &["s"], &[SATURATED, (0.8, 0.0, 0.2)])],
    )]);
    assert_eq!(first_line(&d), "busy 100% and not backpressured (0%) (busiest of 2 subtasks; mean 90%), over 3 polls");
    // Unresolved: the signals disagree; with the victim's output pool full, that is said too.
    let unresolved = |out_pool: Option<f64>| {
        let mut s = one("s", "src", &[], BP);
        s.stats.set(Metric::OutPool, Stat { max: out_pool, ..Stat::default() });
        run(vec![job("a", "RUNNING", vec![s, one("k", "sink", &["s"], (0.2, 0.0, 0.8))])]).jobs[0].bottlenecks[0]
            .evidence
            .clone()
    };
    assert_eq!(
        unresolved(None),
        ["only 20% busy and not backpressured (0%), yet its upstream is backpressured 99.8%: the signals disagree"]
    );
    let full = unresolved(Some(1.0));
    assert_eq!(full.len(), 2);
    assert!(full[1].starts_with("its input sends into a full output pool (1.00) that it does not drain"), "{full:?}");
    // Without a plan and several busy vertices: which one cannot be told.
    let mut jb = job(
        "a",
        "RUNNING",
        vec![one("s", "src", &[], BP), one("m", "map", &[], SATURATED), one("k", "sink", &[], SATURATED)],
    );
    jb.graph_known = false;
    let d = run(vec![jb]);
    assert!(
        d.jobs[0].bottlenecks[0].evidence[0].contains("several vertices are busy and the graph is unknown"),
        "{:?}",
        d.jobs[0].bottlenecks[0].evidence
    );
}

#[test]
fn every_severity_names_its_reasons_worst_first() {
    // A healthy job: no reason, healthy.
    let d = run(vec![job("a", "RUNNING", vec![one("s", "src", &[], IDLE)])]);
    assert!(d.reasons.is_empty());
    assert_eq!(d.jobs[0].severity_reason, None);
    // A critical bottleneck and a job with a hot vertex: both named, critical first.
    let d = run(vec![
        job("a", "RUNNING", vec![one("s", "src", &[], IDLE), one("m", "map", &["s"], (0.85, 0.0, 0.15))]),
        job("b", "RUNNING", vec![one("s", "src", &[], BP), one("k", "sink", &["s"], SATURATED)]),
    ]);
    let texts: Vec<(Severity, &str)> = d.reasons.iter().map(|r| (r.severity, r.text.as_str())).collect();
    assert_eq!(
        texts,
        [
            (
                Severity::Critical,
                "job-b: sink is the bottleneck (sink, confidence high), holding back 1 upstream vertex: raise its parallelism 1 → 2 or more"
            ),
            (
                Severity::Warning,
                "job-a: map is 85% busy with nothing backpressured yet: the first to saturate if the input grows"
            ),
        ]
    );
    assert_eq!(d.severity, Severity::Critical);
    // A lag trend that cannot be known yet says how long to poll.
    let d = healthy_with_lag(&[500.0; 2]);
    assert_eq!(d.lag_groups[0].trend, crate::diagnosis::LagTrend::Unknown);
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(
        d.reasons[0].text,
        "lag trend of group orders unknown: it needs 6 distinct measurements of the lag over at least 30 s, and exporters refresh about every 30 s: poll ~3 min (e.g. --samples 90 at the default 2 s interval)"
    );
    // A forecast that alarms is the job's reason.
    let d = rising_busy(0.002);
    assert!(
        d.jobs[0].severity_reason.as_deref().unwrap().starts_with("saturation forecast: busy of map reaches 100% in ~"),
        "{:?}",
        d.jobs[0].severity_reason
    );
    // And the headline's qualifier: no bottleneck yet, but when.
    assert!(d.jobs[0].summary.starts_with("no bottleneck yet: busy of map reaches 100% in ~"), "{}", d.jobs[0].summary);
}

#[test]
fn a_failing_job_says_so_as_its_reason() {
    let d = run(vec![job("a", "RESTARTING", vec![one("s", "src", &[], IDLE)])]);
    assert_eq!(d.jobs[0].severity, Severity::Critical);
    assert_eq!(d.jobs[0].severity_reason.as_deref(), Some("the job is RESTARTING"));
    assert_eq!(d.reasons[0].text, "job-a: the job is RESTARTING");
}

#[test]
fn a_bottleneck_is_the_reason_before_any_finding() {
    // The sink holds the source back, and a side vertex is unknown (a finding): the reason is
    // the bottleneck.
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("s", "src", &[], BP), one("k", "sink", &["s"], SATURATED), one("u", "side", &["s"], (NAN, NAN, NAN))],
    )]);
    assert!(!d.jobs[0].findings.is_empty());
    assert_eq!(
        d.jobs[0].severity_reason.as_deref(),
        Some("sink is the bottleneck (sink, confidence high), holding back 1 upstream vertex: raise its parallelism 1 → 2 or more (1 vertex unknown)")
    );
}

#[test]
fn the_walk_names_a_moderately_busy_cause_and_says_why_when_it_finds_none() {
    let victim = |j: &JobDiagnosis, name: &str| {
        j.vertices.iter().find(|v| v.name == name).map(|v| v.evidence.clone()).unwrap_or_default()
    };
    // One vertex below the victim, 60 % busy (not saturated): it is the cause.
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("s", "src", &[], (0.1, 0.3, 0.6)), one("k", "sink", &["s"], (0.6, 0.0, 0.4))],
    )]);
    assert_eq!(bottleneck_names(&d.jobs[0]), ["sink"]);
    assert!(
        victim(&d.jobs[0], "src").iter().any(|e| e == "held back by sink (busy 60%)"),
        "{:?}",
        victim(&d.jobs[0], "src")
    );
    // Strong backpressure, nothing busy below: the suspect is the vertex whose numbers are
    // missing before the busiest known one, and the victim says so.
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![
            one("s", "src", &[], BP),
            one("k", "sink", &["s"], (0.2, 0.0, 0.8)),
            one("x", "blind", &["s"], (NAN, NAN, NAN)),
        ],
    )]);
    let j = &d.jobs[0];
    assert_eq!((bottleneck_names(j), j.bottlenecks[0].kind), (vec!["blind"], BottleneckKind::Unresolved));
    assert!(
        victim(j, "src").iter().any(|e| e == "nothing busy below it; nearest suspect blind (busy ?)"),
        "{:?}",
        victim(j, "src")
    );
    // Mild backpressure with nothing busy below: said to be likely transient, no suspect.
    let d = run(vec![job(
        "a",
        "RUNNING",
        vec![one("s", "src", &[], (0.1, 0.2, 0.7)), one("k", "sink", &["s"], (0.2, 0.0, 0.8))],
    )]);
    let j = &d.jobs[0];
    assert!(j.bottlenecks.is_empty());
    assert!(
        victim(j, "src").iter().any(|e| e == "mild backpressure with no busy vertex downstream: likely transient"),
        "{:?}",
        victim(j, "src")
    );
}

#[test]
fn a_reason_added_later_keeps_the_reasons_worst_first_and_raises_the_severity() {
    let mut d = run(vec![job("a", "RUNNING", vec![one("s", "src", &[], IDLE)])]);
    assert_eq!((d.severity, d.reasons.len()), (Severity::Healthy, 0));
    let reason = |severity, text: &str| Reason { severity, text: text.into() };
    d.add_reason(reason(Severity::Warning, "first warning"));
    assert_eq!(d.severity, Severity::Warning);
    d.add_reason(reason(Severity::Critical, "critical"));
    d.add_reason(reason(Severity::Warning, "second warning"));
    let texts: Vec<&str> = d.reasons.iter().map(|r| r.text.as_str()).collect();
    // Worst first; among equals, in the order they came.
    assert_eq!(texts, ["critical", "first warning", "second warning"]);
    assert_eq!(d.severity, Severity::Critical);
}

#[test]
fn a_held_back_bottleneck_whose_visible_input_fits_gets_no_target_and_says_why() {
    // The sink is 60 % busy taking 500 rec/s (833 at full speed): what it can see fits one
    // subtask at 70 %, but upstream is held back, so that is no demand to size for.
    let d = run(vec![job("a", "RUNNING", vec![one("s", "src", &[], BP), one("k", "sink", &["s"], (0.6, 0.0, 0.4))])]);
    let b = &d.jobs[0].bottlenecks[0];
    assert_eq!(b.name, "sink");
    assert_eq!((b.suggested_parallelism, b.advice.apply.as_ref()), (None, None));
    assert_eq!(
        b.advice.parallelism_basis,
        "none: the 500 rec/s it can see are 60% of what it takes at parallelism 1 (833 rec/s), but the real demand is higher and not measured"
    );
}
