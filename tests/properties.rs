//! Properties of the analysis on generated job graphs: random DAGs of 1–30 vertices with random
//! parallelism and random busy / backpressured / idle ratios and buffer pools, including
//! missing values, NaN, infinities and values outside 0..1, over 1–4 polls and thresholds
//! anywhere in the ranges the CLI accepts. Whatever comes in, `diagnose` must not panic and must
//! keep the promises stated in `bptop::analysis::invariants`; the central ones are spelled out
//! again here as their own properties so a failure names the promise it broke.

use bptop::analysis::forecast::{forecast, ForecastOptions};
use bptop::analysis::regression::fit;
use bptop::analysis::{diagnose, invariants, Thresholds};
use bptop::diagnosis::{BottleneckKind, Class, Diagnosis};
use bptop::history::History;
use bptop::model::{Input, Job, Metric, MetricValues, Snapshot, Stat, Subtask, Vertex, VertexStats};
use proptest::prelude::*;

/// A reported value as sources deliver them, drawn from one random integer (generating through
/// nested proptest unions took seconds per hundred cases in a debug build): absent (20 %), a
/// ratio (60 %, some exactly on a threshold), NaN (10 %), or outside 0..1 (10 %: ±infinity,
/// 1.001 as Flink can report, anything in -5..5).
fn value_of(x: u32) -> Option<f64> {
    let fraction = f64::from(x >> 8) / f64::from(u32::MAX >> 8);
    match x % 10 {
        0 | 1 => None,
        2 => Some([0.0, 0.1, 0.5, 0.8, 0.9, 1.0][(x >> 4) as usize % 6]),
        3..=7 => Some(fraction),
        8 => Some(f64::NAN),
        _ => Some([f64::INFINITY, f64::NEG_INFINITY, 1.001, fraction * 10.0 - 5.0][(x >> 4) as usize % 4]),
    }
}

fn value() -> impl Strategy<Value = Option<f64>> {
    any::<u32>().prop_map(value_of)
}

/// One subtask's busy, backpressured, idle, input pool and output pool in one poll.
type Values = [Option<f64>; 5];
const FIELDS: [Metric; 5] = [Metric::Busy, Metric::Backpressured, Metric::Idle, Metric::InPool, Metric::OutPool];

/// The shape of a vertex: the earlier vertices it reads from (a DAG by construction), whether one
/// input names a vertex that is not in the job, its parallelism, and whether its statistics come
/// as an aggregate (Flink's `/subtasks/metrics?agg=…`, values unchecked) or from its subtasks.
#[derive(Clone, Debug)]
struct Shape {
    inputs: Vec<usize>,
    dangling_input: bool,
    parallelism: u32,
    aggregate: bool,
}

#[derive(Clone, Debug)]
struct Case {
    shapes: Vec<Shape>,
    /// [poll][vertex][subtask]
    polls: Vec<Vec<Vec<Values>>>,
    graph_known: bool,
    state: &'static str,
    thresholds: Thresholds,
}

fn case() -> impl Strategy<Value = Case> {
    let shapes = (1usize..=30).prop_flat_map(|n| {
        (0..n)
            .map(|i| {
                (
                    proptest::collection::vec(0..i.max(1), 0..=i.min(3)),
                    proptest::bool::weighted(0.05),
                    1u32..=6,
                    proptest::bool::weighted(0.3),
                )
                    .prop_map(move |(inputs, dangling_input, parallelism, aggregate)| Shape {
                        // Vertex 0 has no earlier vertex to read from.
                        inputs: if i == 0 { Vec::new() } else { inputs },
                        dangling_input,
                        parallelism,
                        aggregate,
                    })
            })
            .collect::<Vec<_>>()
    });
    let state = prop_oneof![8 => Just("RUNNING"), 1 => Just("RESTARTING"), 1 => Just("FINISHED")];
    // The ranges `--bp-threshold` and `--busy-threshold` accept.
    let thresholds = (0.01..=0.9f64, 0.05..=0.95f64).prop_map(|(bp_low, busy_bottleneck)| Thresholds {
        bp_low,
        busy_bottleneck,
        ..Thresholds::default()
    });
    (shapes, 1usize..=4, proptest::bool::weighted(0.85), state, thresholds).prop_flat_map(
        |(shapes, polls, graph_known, state, thresholds)| {
            let per_poll: Vec<_> = shapes
                .iter()
                .map(|s| {
                    proptest::collection::vec(any::<[u32; 5]>(), s.parallelism as usize)
                        .prop_map(|subtasks| subtasks.iter().map(|x| x.map(value_of)).collect::<Vec<Values>>())
                })
                .collect();
            proptest::collection::vec(per_poll, polls).prop_map(move |polls| Case {
                shapes: shapes.clone(),
                polls,
                graph_known,
                state,
                thresholds: thresholds.clone(),
            })
        },
    )
}

fn vertex(i: usize, shape: &Shape, subtasks: &[Values]) -> Vertex {
    let mut v = Vertex::new(&format!("v{i}"), &format!("vertex {i}"), shape.parallelism);
    v.inputs = shape.inputs.iter().map(|&from| Input { from: format!("v{from}"), ship_strategy: None }).collect();
    if shape.dangling_input {
        v.inputs.push(Input { from: "not-in-this-job".into(), ship_strategy: Some("HASH".into()) });
    }
    v.subtasks = subtasks
        .iter()
        .enumerate()
        .map(|(index, values)| {
            let mut m = MetricValues::default();
            for (f, x) in FIELDS.iter().zip(values) {
                m.set(*f, *x);
            }
            m.set(Metric::RecordsIn, Some(100.0));
            Subtask { index: index as u32, metrics: m, backpressure_level: None }
        })
        .collect();
    v.stats = VertexStats::from_subtasks(&v.subtasks);
    if shape.aggregate {
        // As Flink's aggregate answers: the subtasks' raw numbers, before any check.
        for (k, f) in FIELDS.iter().enumerate() {
            let raw: Vec<f64> = subtasks.iter().filter_map(|s| s[k]).collect();
            let max = raw.iter().copied().reduce(f64::max);
            let min = raw.iter().copied().reduce(f64::min);
            let avg = (!raw.is_empty()).then(|| raw.iter().sum::<f64>() / raw.len() as f64);
            v.stats.set(*f, Stat { min, max, avg, sum: None });
        }
    }
    v
}

fn snapshots(c: &Case) -> Vec<Snapshot> {
    c.polls
        .iter()
        .enumerate()
        .map(|(p, poll)| {
            let vertices = c.shapes.iter().zip(poll).enumerate().map(|(i, (s, sub))| vertex(i, s, sub)).collect();
            let job = Job {
                id: "job".into(),
                name: "generated".into(),
                state: c.state.into(),
                vertices,
                graph_known: c.graph_known,
                started: None,
            };
            Snapshot { at_ms: 1_000_000 + 2000 * p as i64, jobs: vec![job], ..Snapshot::default() }
        })
        .collect()
}

fn run(c: &Case) -> (Diagnosis, Snapshot) {
    let snaps = snapshots(c);
    let latest = snaps.last().cloned().expect("at least one poll");
    let mut h = History::new(10, 100);
    for s in snaps {
        h.push(s);
    }
    (diagnose(&h, &c.thresholds), latest)
}

/// The same polls, each answered while the job's tasks had started 1 s before the last poll:
/// every measurement is start-up.
fn run_warming_up(c: &Case) -> Diagnosis {
    let mut snaps = snapshots(c);
    let start = snaps.last().map_or(0, |s| s.at_ms) - 1000;
    let mut h = History::new(10, 100);
    for s in &mut snaps {
        let now = s.at_ms;
        for j in &mut s.jobs {
            j.started = Some(bptop::model::Started { at_ms: start, jm_now_ms: now, tasks_starting: false });
        }
        h.push(s.clone());
    }
    diagnose(&h, &c.thresholds)
}

proptest! {
    /// Start-up readings never make a bottleneck, a class or an alarm: a running job whose
    /// measurements all come from its first seconds is warming up, every vertex unknown.
    #[test]
    fn warm_up_never_yields_a_bottleneck(c in case()) {
        let d = run_warming_up(&c);
        for j in d.jobs.iter().filter(|j| j.state == "RUNNING") {
            prop_assert!(j.warming_up.is_some(), "{}", j.summary);
            prop_assert!(j.bottlenecks.is_empty(), "{:?}", j.bottlenecks);
            prop_assert!(j.vertices.iter().all(|v| v.class == Class::Unknown));
            prop_assert_eq!(j.severity, bptop::diagnosis::Severity::Healthy);
        }
    }

    /// Every promise of `invariants::violations` at once, ratios in 0..=1 among them.
    #[test]
    fn diagnose_keeps_every_promise(c in case()) {
        let (d, latest) = run(&c);
        let broken = invariants::violations(&d, &latest, &c.thresholds);
        prop_assert!(broken.is_empty(), "{broken:#?}");
    }

    /// Classification is total: each vertex comes out once, with one class (a vertex is a
    /// bottleneck in the class column exactly when a confirmed bottleneck names it).
    #[test]
    fn classification_is_total(c in case()) {
        let (d, _) = run(&c);
        let j = &d.jobs[0];
        let mut ids: Vec<&str> = j.vertices.iter().map(|v| v.id.as_str()).collect();
        ids.sort_unstable();
        let mut want: Vec<String> = (0..c.shapes.len()).map(|i| format!("v{i}")).collect();
        want.sort_unstable();
        prop_assert_eq!(ids, want.iter().map(String::as_str).collect::<Vec<_>>());
        for v in &j.vertices {
            let confirmed = j.bottlenecks.iter().any(|b| b.vertex_id == v.id && b.kind != BottleneckKind::Unresolved);
            prop_assert_eq!(v.class == Class::Bottleneck, confirmed, "{}", v.id);
        }
    }

    /// A vertex backpressured at or above the threshold is a victim, never the bottleneck,
    /// unless it is busy-dominant (at or above the busy threshold and busier than backpressured):
    /// the product calls that vertex the bottleneck on purpose (see `classify::busy_dominant`).
    #[test]
    fn a_backpressured_vertex_is_never_the_bottleneck(c in case()) {
        let (d, _) = run(&c);
        let t = &c.thresholds;
        for v in d.jobs[0].vertices.iter().filter(|v| v.class == Class::Bottleneck) {
            let bp = v.backpressured.unwrap_or(0.0);
            let busy = v.busy.unwrap_or(0.0);
            prop_assert!(bp < t.bp_low || (busy >= t.busy_bottleneck && busy > bp), "{}: busy {busy}, bp {bp}", v.id);
        }
    }

    /// A forecast never says "saturated in the past": its ETA and range are not negative, and
    /// the line it rests on explains between none and all of the variance.
    #[test]
    fn a_forecast_eta_is_never_negative(
        steps in proptest::collection::vec((1i64..=60_000, value()), 0..40),
        threshold in 0.5..=1.0f64,
        metric in prop_oneof![Just(Metric::Busy), Just(Metric::OutPool)],
    ) {
        let mut t = 1_795_000_000_000i64;
        let points: Vec<(i64, f64)> = steps
            .iter()
            .filter_map(|(dt, v)| {
                t += dt;
                v.map(|v| (t, v))
            })
            .collect();
        let o = ForecastOptions { threshold, ..ForecastOptions::default() };
        let f = forecast(&points, metric, &o);
        for x in [f.eta_seconds, f.eta_low_seconds, f.eta_high_seconds].into_iter().flatten() {
            prop_assert!(x >= 0.0, "{f:?}");
        }
        // Never projected further than a stated multiple of the span the data covers.
        if let Some(eta) = f.eta_seconds {
            prop_assert!(eta <= o.max_projection * f.window_s + 1e-6, "{f:?}");
        }
        if let Some(line) = fit(&points) {
            prop_assert!(line.r2.is_nan() || (-1e-9..=1.0 + 1e-9).contains(&line.r2), "{line:?}");
        }
    }
}
