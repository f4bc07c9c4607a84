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

pub fn advise(
    b: &BottleneckVerdict,
    views: &[VertexView],
    graph: &Graph,
    skewed: &[u32],
    t: &Thresholds,
) -> (Advice, Option<u32>) {
    let v = &views[b.vertex];
    let p = v.vertex.parallelism.max(1);
    let input = if b.kind == BottleneckKind::Source { v.records_out } else { v.records_in };
    let busy = v.busy_avg.or(v.busy).filter(|b| *b >= MIN_MEASURABLE_BUSY);
    let true_rate = if skewed.is_empty() {
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
        hints: hints(b, v, views, skewed),
    };
    let cap = |n: u32, advice: &mut Advice| -> u32 {
        match v.vertex.max_parallelism {
            Some(max) if n > max => {
                advice.parallelism_basis.push_str(&format!("; capped at the max parallelism {max}"));
                max
            }
            _ => n,
        }
    };
    if !skewed.is_empty() {
        advice.parallelism_basis =
            "none: more parallelism does not help key skew, the hot keys stay on one subtask".into();
        return (advice, None);
    }
    if b.kind == BottleneckKind::Unresolved {
        advice.parallelism_basis = "none: the cause is not confirmed".into();
        return (advice, None);
    }
    let (Some(input), Some(true_rate)) = (input, true_rate) else {
        advice.parallelism_basis = "none: records-per-second or busy time is not measured".into();
        return (advice, None);
    };
    let target = t.target_utilization;
    // DS2: the demand is what the sources would emit if nothing held them back, scaled by the
    // selectivity between them and this vertex. Measurable only when the sources spend
    // enough time busy for rate ÷ busy to mean something.
    let sources = upstream_sources(b.vertex, graph);
    let held_back = sources.iter().any(|&s| views[s].backpressured.is_some_and(|bp| bp >= t.bp_low));
    let demand = if b.kind == BottleneckKind::Source || !held_back {
        Some(input)
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
    let needed = |rate: f64| (rate / (true_rate * target)).ceil().max(1.0) as u32;
    let suggested = match demand {
        Some(d) => {
            advice.estimated_demand_rate = Some(d);
            advice.parallelism_basis = if held_back {
                format!(
                    "absorbs the estimated demand of {} rec/s (what the held-back sources could emit) at {} utilization, {} rec/s per subtask",
                    rate(Some(d)),
                    pct(Some(target)),
                    rate(Some(true_rate))
                )
            } else {
                format!(
                    "absorbs the observed {} rec/s at {} utilization, {} rec/s per subtask",
                    rate(Some(d)),
                    pct(Some(target)),
                    rate(Some(true_rate))
                )
            };
            needed(d)
        }
        None => {
            advice.parallelism_basis = format!(
                "lower bound: absorbs the observed {} rec/s at {} utilization ({} rec/s per subtask); the sources are held back and too little busy to measure their true rate, so the real demand is higher",
                rate(Some(input)),
                pct(Some(target)),
                rate(Some(true_rate))
            );
            needed(input)
        }
    };
    let suggested = cap(suggested.max(1), &mut advice);
    (advice, Some(suggested))
}

fn hints(b: &BottleneckVerdict, v: &VertexView, views: &[VertexView], skewed: &[u32]) -> Vec<Hint> {
    let mut out = Vec::new();
    let name = &v.vertex.name;
    if !skewed.is_empty() {
        let list: Vec<String> = skewed.iter().map(|i| format!("#{i}")).collect();
        out.push(hint(
            "skew",
            format!(
                "key skew: subtask {} does most of the work; rescaling will not help. Spread the hot keys (salting, local pre-aggregation) or check the key selector and partitioner",
                list.join(", ")
            ),
        ));
    }
    match b.kind {
        // Under skew the generic advice (more parallelism) would be wrong.
        BottleneckKind::Sink | BottleneckKind::Operator | BottleneckKind::Source if !skewed.is_empty() => {}
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
        BottleneckKind::Unresolved => {
            let up_out = b.victims.iter().filter_map(|&i| views[i].out_pool).fold(0.0, f64::max);
            if up_out >= 0.9 {
                out.push(hint(
                    "network",
                    "upstream output buffers are full but this vertex is not busy: look at the network between TaskManagers (taskmanager.network.memory.*, credit-based flow control) or at checkpoint barrier alignment".into(),
                ));
            }
            out.push(hint(
                "unresolved",
                "the evidence disagrees: poll longer (--samples) or check checkpoint alignment, a blocked second input, or the TaskManager's GC and CPU".into(),
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
