//! What to change: the bottleneck's true processing rate (records in ÷ busy ratio, the DS2 /
//! Flink autoscaler idea), the parallelism that would absorb the input at the target
//! utilization, and hints chosen by the pattern of the evidence.

use super::classify::{BottleneckVerdict, Graph};
use super::window::VertexView;
use super::Thresholds;
use crate::diagnosis::{Advice, BottleneckKind, Hint};
use crate::units::{pct, rate};

/// Below this busy ratio a rate ÷ busy estimate is mostly noise (1–2 ms per second).
const MIN_MEASURABLE_BUSY: f64 = 0.05;
/// Busy with fewer records than this per second: stalled, not slow.
const STALLED_RATE: f64 = 1.0;

fn hint(kind: &str, text: String) -> Hint {
    Hint { kind: kind.into(), text }
}

/// Every source upstream of `i` (ancestors without inputs).
fn upstream_sources(i: usize, graph: &Graph) -> Vec<usize> {
    let mut seen = vec![false; graph.inputs.len()];
    let mut stack = vec![i];
    let mut out = Vec::new();
    while let Some(n) = stack.pop() {
        if std::mem::replace(&mut seen[n], true) {
            continue;
        }
        if graph.inputs[n].is_empty() && n != i {
            out.push(n);
        }
        stack.extend(graph.inputs[n].iter().copied());
    }
    out.sort_unstable();
    out
}

/// Key skew needs a keyed (HASH) input; on other edges uneven load means uneven partitions.
fn keyed(v: &VertexView) -> bool {
    v.vertex.inputs.iter().any(|i| i.ship_strategy.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("HASH")))
}

/// The advice, the parallelism for the observed input, and the one for the sources' full
/// read rate (an upper bound) when measurable.
pub fn advise(
    b: &BottleneckVerdict,
    views: &[VertexView],
    graph: &Graph,
    skewed: &[u32],
    t: &Thresholds,
) -> (Advice, Option<u32>, Option<u32>) {
    let v = &views[b.vertex];
    let p = v.vertex.parallelism.max(1);
    let input = if b.kind == BottleneckKind::Source { v.records_out } else { v.records_in };
    let busy = v.busy_avg.or(v.busy).filter(|b| *b >= MIN_MEASURABLE_BUSY);
    let stalled = input.is_some_and(|r| r < STALLED_RATE) && v.busy.is_some_and(|b| b >= t.busy_bottleneck);
    let true_rate = if stalled {
        None
    } else if skewed.is_empty() {
        match (input, busy) {
            (Some(r), Some(b)) => Some(r / f64::from(p) / b),
            _ => None,
        }
    } else {
        // Under skew the average subtask says nothing: what the hot subtask manages is the limit.
        v.subtasks
            .iter()
            .filter(|s| skewed.contains(&s.index))
            .filter_map(|s| Some(s.records_in? / s.busy.filter(|b| *b >= MIN_MEASURABLE_BUSY)?))
            .reduce(f64::min)
    };
    let mut advice = Advice {
        true_rate_per_subtask: true_rate,
        observed_input_rate: input,
        estimated_demand_rate: None,
        current_parallelism: p,
        parallelism_basis: String::new(),
        hints: hints(b, v, views, skewed, stalled),
    };
    if stalled {
        advice.parallelism_basis = format!(
            "none: busy {} while taking {} rec/s: stalled (blocked on an external call, a lock or endless retries), not slow",
            pct(v.busy),
            rate(input)
        );
        return (advice, None, None);
    }
    if !skewed.is_empty() {
        advice.parallelism_basis = if keyed(v) {
            "none: more parallelism does not help key skew, the hot keys stay on one subtask".into()
        } else {
            "none: the load is uneven across subtasks; more parallelism leaves the hot one hot".into()
        };
        return (advice, None, None);
    }
    if b.kind == BottleneckKind::Unresolved {
        advice.parallelism_basis = "none: the cause is not confirmed".into();
        return (advice, None, None);
    }
    let (Some(input), Some(true_rate)) = (input, true_rate) else {
        advice.parallelism_basis = "none: records-per-second or busy time is not measured".into();
        return (advice, None, None);
    };
    let target = t.target_utilization;
    let cap = |n: u32| v.vertex.max_parallelism.map_or(n, |m| n.min(m)).max(1);
    let needed = |r: f64| (r / (true_rate * target)).ceil().max(1.0) as u32;
    // DS2: the held-back sources could emit rate ÷ busy; scaled by the selectivity between them
    // and this vertex that bounds the demand from above (a backlog drains at that speed).
    let sources = upstream_sources(b.vertex, graph);
    let held_back = sources.iter().any(|&s| views[s].backpressured.is_some_and(|bp| bp >= t.bp_low));
    let capacity_demand = if b.kind == BottleneckKind::Source || !held_back {
        None
    } else {
        let mut observed = 0.0;
        let mut capacity = 0.0;
        let mut measurable = true;
        for &s in &sources {
            match (views[s].records_out, views[s].busy_avg.or(views[s].busy)) {
                (Some(r), Some(b)) if b >= MIN_MEASURABLE_BUSY => {
                    observed += r;
                    capacity += r / b;
                }
                _ => measurable = false,
            }
        }
        (measurable && observed > 0.0).then(|| input * capacity / observed)
    };
    let suggested = needed(input);
    let capped = cap(suggested);
    let mut basis = format!(
        "absorbs the observed {} rec/s at {} utilization ({} rec/s per subtask)",
        rate(Some(input)),
        pct(Some(target)),
        rate(Some(true_rate))
    );
    if held_back {
        basis.push_str("; a lower bound: the sources are held back, so the real demand is higher");
    }
    let max = capacity_demand.map(|d| {
        advice.estimated_demand_rate = Some(d);
        basis.push_str(&format!(
            "; up to {} for the {} rec/s the sources could read at full speed (their rate ÷ busy)",
            cap(needed(d)),
            rate(Some(d))
        ));
        cap(needed(d))
    });
    if held_back && capacity_demand.is_none() {
        basis.push_str(" (their true rate cannot be measured: they are almost never busy)");
    }
    if let Some(m) = v.vertex.max_parallelism.filter(|m| suggested > *m) {
        basis.push_str(&format!("; capped at the max parallelism {m}"));
    }
    advice.parallelism_basis = basis;
    (advice, Some(capped), max)
}

fn hints(b: &BottleneckVerdict, v: &VertexView, views: &[VertexView], skewed: &[u32], stalled: bool) -> Vec<Hint> {
    let mut out = Vec::new();
    let name = &v.vertex.name;
    if stalled {
        out.push(hint(
            "stalled",
            "busy but moving almost no records: take a thread dump of its TaskManager (or the Flink UI's flame graph) to see what it waits on".into(),
        ));
    }
    if !skewed.is_empty() {
        let list: Vec<String> = skewed.iter().map(|i| format!("#{i}")).collect();
        out.push(if keyed(v) {
            hint(
                "skew",
                format!(
                    "key skew: subtask {} does most of the work; rescaling will not help. Spread the hot keys (salting, local pre-aggregation) or check the key selector",
                    list.join(", ")
                ),
            )
        } else {
            hint(
                "skew",
                format!(
                    "uneven load: subtask {} does most of the work without a keyed input; check how partitions or splits are spread over the subtasks, or rebalance()",
                    list.join(", ")
                ),
            )
        });
    }
    match b.kind {
        // Under skew or a stall the generic advice (more parallelism) would be wrong.
        _ if !skewed.is_empty() || stalled => {}
        BottleneckKind::Sink => out.push(hint(
            "sink",
            "the sink writes slower than records arrive: check the external system's latency and errors, batch / flush settings, and whether writes can be asynchronous or more parallel".into(),
        )),
        BottleneckKind::Operator => out.push(hint(
            "operator",
            "the operator's own work is the limit: profile its per-record cost (flame graph), move external calls to async I/O, check state access (RocksDB), then raise its parallelism".into(),
        )),
        BottleneckKind::Source => out.push(hint(
            "source",
            "the source is at full capacity and nothing downstream pushes back: raise its parallelism (up to the number of partitions or splits) or make deserialization cheaper; watch consumer lag".into(),
        )),
        BottleneckKind::Chain => {}
        BottleneckKind::Unresolved => {
            let full = b.victims.iter().any(|&i| views[i].out_pool.is_some_and(|p| p >= 0.9));
            if full {
                out.push(hint(
                    "network",
                    "output buffers upstream are full but nothing below is busy: look at the network between TaskManagers (taskmanager.network.memory.*), checkpoint barrier alignment, or a two-input operator blocking one input".into(),
                ));
            }
            out.push(hint(
                "unresolved",
                "the evidence disagrees: poll longer (--samples), and check checkpoint alignment, the TaskManagers' GC and CPU".into(),
            ));
        }
    }
    if v.vertex.operators.len() > 1 {
        out.push(hint(
            "chain",
            format!(
                "{name} runs {} chained operators; to see which one is slow, disable chaining for the suspect (disableChaining() or pipeline.operator-chaining.enabled: false) and diagnose again",
                v.vertex.operators.len()
            ),
        ));
    }
    if name.contains("Python") {
        out.push(hint(
            "python",
            "a Python UDF runs in a separate Python process, so per-row cost dominates: use vectorized (Pandas) UDFs, tune python.fn-execution.bundle.size, or raise its parallelism".into(),
        ));
    }
    out
}

/// Where a stall that comes and goes usually comes from, for an intermittent bottleneck of
/// `kind`: what to compare its period and length with.
pub fn stall_hints(kind: BottleneckKind) -> Vec<Hint> {
    let hint = |text: &str| Hint { kind: "intermittent".into(), text: text.into() };
    let mut hints = Vec::new();
    if kind == BottleneckKind::Sink {
        hints.push(hint("a periodic flush or commit of the sink: its batch size and flush interval, or transactions committed on each checkpoint"));
    }
    hints.push(hint("checkpoints: compare the stall's period with the checkpoint interval (barrier alignment blocks the inputs; see the checkpoint history)"));
    hints.push(hint("garbage-collection pauses on its TaskManagers: long pauses stop every task of the JVM at once (see the JVM metrics)"));
    hints.push(hint(
        "a slow, batched or rate-limited external call (a lookup, async I/O at its capacity, a throttled API)",
    ));
    hints
}
