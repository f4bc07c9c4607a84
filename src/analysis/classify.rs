//! Vertex classes from the whole graph. Backpressured vertices are victims; walking downstream
//! from each victim through other victims, the first vertices that are not backpressured are
//! where the pressure comes from, and the busy ones among them are bottlenecks. Everything the
//! verdict rests on is written into its evidence, so a person can check it.

use std::collections::{BTreeSet, HashMap, VecDeque};

use super::window::VertexView;
use super::Thresholds;
use crate::diagnosis::{BottleneckKind, Class};
use crate::units::pct;

/// The verdict on one vertex before advice and reporting.
#[derive(Clone, Debug, PartialEq)]
pub struct VertexVerdict {
    pub class: Class,
    pub confidence: f64,
    pub evidence: Vec<String>,
    /// Victims: indexes of the bottlenecks holding them back.
    pub caused_by: Vec<usize>,
    pub skewed_subtasks: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BottleneckVerdict {
    pub vertex: usize,
    pub kind: BottleneckKind,
    pub confidence: f64,
    pub evidence: Vec<String>,
    /// Indexes of the victims it holds back.
    pub victims: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Classified {
    pub vertices: Vec<VertexVerdict>,
    pub bottlenecks: Vec<BottleneckVerdict>,
    /// Observations that do not make a bottleneck but matter (hot vertex, skew, gaps).
    pub findings: Vec<String>,
    /// Vertex indexes in data-flow order.
    pub order: Vec<usize>,
}

/// Edges by index: inputs and outputs of each vertex.
pub struct Graph {
    pub inputs: Vec<Vec<usize>>,
    pub outputs: Vec<Vec<usize>>,
}

impl Graph {
    pub fn of(views: &[VertexView]) -> Graph {
        let index: HashMap<&str, usize> = views.iter().enumerate().map(|(i, v)| (v.vertex.id.as_str(), i)).collect();
        let mut inputs = vec![Vec::new(); views.len()];
        let mut outputs = vec![Vec::new(); views.len()];
        for (i, v) in views.iter().enumerate() {
            for input in &v.vertex.inputs {
                if let Some(&from) = index.get(input.from.as_str()) {
                    if !inputs[i].contains(&from) {
                        inputs[i].push(from);
                        outputs[from].push(i);
                    }
                }
            }
        }
        Graph { inputs, outputs }
    }

    /// Kahn's order, ties kept in the order the source listed the vertices; vertices on a
    /// cycle (iterations) follow in listed order.
    pub fn topological(&self) -> Vec<usize> {
        let n = self.inputs.len();
        let mut pending: Vec<usize> = self.inputs.iter().map(Vec::len).collect();
        let mut ready: BTreeSet<usize> = (0..n).filter(|&i| pending[i] == 0).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(&i) = ready.iter().next() {
            ready.remove(&i);
            order.push(i);
            for &o in &self.outputs[i] {
                pending[o] -= 1;
                if pending[o] == 0 {
                    ready.insert(o);
                }
            }
        }
        for i in 0..n {
            if !order.contains(&i) {
                order.push(i);
            }
        }
        order
    }
}

fn clamp01(x: f64) -> f64 {
    x.clamp(0.0, 1.0)
}

/// Few polls make every verdict less certain.
fn sample_factor(samples: usize) -> f64 {
    match samples {
        0 => 0.0,
        1 => 0.75,
        2 => 0.9,
        _ => 1.0,
    }
}

/// The class a vertex has on its own numbers, before the graph is considered.
fn own_class(v: &VertexView, t: &Thresholds) -> (Class, Vec<String>) {
    let mut ev = Vec::new();
    if v.samples == 0 {
        ev.push(format!(
            "no busy/backpressured/idle values yet{}",
            v.vertex.gaps.first().map(|g| format!(" ({g})")).unwrap_or_default()
        ));
        return (Class::Unknown, ev);
    }
    let nums = format!("busy {}, backpressured {}, idle {}", pct(v.busy), pct(v.backpressured), pct(v.idle));
    match (v.backpressured, v.busy) {
        (Some(bp), _) if bp >= t.bp_low => {
            let level = v.level.map(|l| format!(", Flink level {l}")).unwrap_or_default();
            ev.push(format!(
                "backpressured {} ({} of {} polls at or above {}){level}",
                pct(Some(bp)),
                v.backpressured_samples,
                v.samples,
                pct(Some(t.bp_low))
            ));
            (Class::Victim, ev)
        }
        (None, _) => {
            ev.push(format!("backpressured time not reported ({nums})"));
            (Class::Unknown, ev)
        }
        (Some(_), None) => {
            ev.push(format!(
                "busy time is NaN or not reported (a legacy source does not measure it): cannot tell healthy from saturated ({nums})"
            ));
            (Class::Unknown, ev)
        }
        (Some(_), Some(busy)) if busy < t.idle_busy && v.idle.is_none_or(|i| i >= t.idle) => {
            ev.push(nums);
            (Class::Idle, ev)
        }
        _ => {
            ev.push(nums);
            (Class::Healthy, ev)
        }
    }
}

/// Subtasks far busier than their siblings: at least `skew_hot` busy and `skew_gap` above the
/// median of the others.
pub fn hot_subtasks(v: &VertexView, t: &Thresholds) -> Vec<u32> {
    let busy: Vec<(u32, f64)> = v.subtasks.iter().filter_map(|s| Some((s.index, s.busy?))).collect();
    if busy.len() < 2 {
        return Vec::new();
    }
    busy.iter()
        .filter(|(i, b)| {
            let mut others: Vec<f64> = busy.iter().filter(|(j, _)| j != i).map(|(_, b)| *b).collect();
            others.sort_by(f64::total_cmp);
            let median = others[others.len() / 2];
            *b >= t.skew_hot && b - median >= t.skew_gap
        })
        .map(|(i, _)| *i)
        .collect()
}

pub fn classify(views: &[VertexView], t: &Thresholds) -> Classified {
    let graph = Graph::of(views);
    let order = graph.topological();
    let mut verdicts: Vec<VertexVerdict> = views
        .iter()
        .map(|v| {
            let (class, evidence) = own_class(v, t);
            VertexVerdict {
                class,
                confidence: 0.0,
                evidence,
                caused_by: Vec::new(),
                skewed_subtasks: hot_subtasks(v, t),
            }
        })
        .collect();
    let own: Vec<Class> = verdicts.iter().map(|v| v.class).collect();
    let mut bottlenecks: Vec<BottleneckVerdict> = Vec::new();
    let mut findings = Vec::new();

    // Where does each victim's pressure come from? Walk downstream through victims.
    for &victim in order.iter().filter(|&&i| own[i] == Class::Victim) {
        let frontier = frontier(victim, &graph, &own);
        let busy_ones: Vec<usize> = frontier
            .iter()
            .copied()
            .filter(|&f| {
                matches!(own[f], Class::Healthy | Class::Idle) && views[f].busy.is_some_and(|b| b >= t.busy_bottleneck)
            })
            .collect();
        let strong = views[victim].backpressured.is_some_and(|b| b >= t.bp_high);
        let causes: Vec<usize> = if !busy_ones.is_empty() {
            busy_ones
        } else if strong {
            // Signals disagree: backpressure with nothing busy below. Name the most likely
            // vertex (unknown metrics first, then the busiest) but with a low confidence.
            frontier
                .iter()
                .copied()
                .max_by(|&a, &b| {
                    let key = |i: usize| (own[i] == Class::Unknown, views[i].busy.unwrap_or(0.0));
                    let (ka, kb) = (key(a), key(b));
                    ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
                })
                .into_iter()
                .collect()
        } else {
            Vec::new()
        };
        if frontier.is_empty() {
            findings.push(format!(
                "{} is backpressured but nothing downstream of it could be the cause: the metrics contradict each other",
                views[victim].vertex.name
            ));
        }
        for c in causes {
            verdicts[victim].caused_by.push(c);
            match bottlenecks.iter_mut().find(|b| b.vertex == c) {
                Some(b) => b.victims.push(victim),
                None => {
                    let busy = views[c].busy.is_some_and(|b| b >= t.busy_bottleneck) && own[c] != Class::Unknown;
                    let kind = if !busy {
                        BottleneckKind::Unresolved
                    } else if graph.outputs[c].is_empty() {
                        BottleneckKind::Sink
                    } else if graph.inputs[c].is_empty() {
                        BottleneckKind::Source
                    } else {
                        BottleneckKind::Operator
                    };
                    bottlenecks.push(BottleneckVerdict {
                        vertex: c,
                        kind,
                        confidence: 0.0,
                        evidence: Vec::new(),
                        victims: vec![victim],
                    });
                }
            }
        }
        // Fan-out: say which branch is responsible and which is not.
        let innocent: Vec<usize> =
            frontier.iter().copied().filter(|f| !verdicts[victim].caused_by.contains(f)).collect();
        let names = |ix: &[usize]| {
            ix.iter()
                .map(|&i| format!("{} (busy {})", views[i].vertex.name, pct(views[i].busy)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !verdicts[victim].caused_by.is_empty() {
            let mut line = format!("held back by {}", names(&verdicts[victim].caused_by));
            if !innocent.is_empty() {
                line.push_str(&format!("; not by {}", names(&innocent)));
            }
            verdicts[victim].evidence.push(line);
        } else if !strong {
            verdicts[victim].evidence.push("mild backpressure with no busy vertex downstream: likely transient".into());
        }
    }

    // A source at capacity that nothing pushes back on is itself the limit.
    for (i, v) in views.iter().enumerate() {
        if graph.inputs[i].is_empty()
            && own[i] == Class::Healthy
            && v.busy.is_some_and(|b| b >= t.busy_hot)
            && !bottlenecks.iter().any(|b| b.vertex == i)
        {
            bottlenecks.push(BottleneckVerdict {
                vertex: i,
                kind: BottleneckKind::Source,
                confidence: 0.0,
                evidence: Vec::new(),
                victims: Vec::new(),
            });
        }
    }

    for b in &mut bottlenecks {
        let v = &views[b.vertex];
        verdicts[b.vertex].class = Class::Bottleneck;
        b.victims.sort_unstable();
        b.victims.dedup();
        let (confidence, evidence) = bottleneck_evidence(b, views, &graph, &own, t);
        b.confidence = confidence;
        b.evidence = evidence.clone();
        verdicts[b.vertex].confidence = confidence;
        verdicts[b.vertex].evidence = evidence;
        if !verdicts[b.vertex].skewed_subtasks.is_empty() {
            b.evidence.push(skew_line(v, &verdicts[b.vertex].skewed_subtasks));
        }
        if v.vertex.operators.len() > 1 {
            b.evidence.push(format!(
                "the bottleneck is inside this chain of {} operators: {}",
                v.vertex.operators.len(),
                v.vertex.operators.join(" → ")
            ));
        }
    }

    // Confidence of the other verdicts, and what else is worth saying.
    for (i, v) in views.iter().enumerate() {
        let factor = sample_factor(v.samples);
        let verdict = &mut verdicts[i];
        match verdict.class {
            Class::Victim => {
                let strength = clamp01((v.backpressured.unwrap_or(0.0) - t.bp_low) / (t.bp_high - t.bp_low));
                let consistency = v.backpressured_samples as f64 / v.samples.max(1) as f64;
                let explained = if verdict.caused_by.is_empty() { 0.6 } else { 1.0 };
                verdict.confidence = factor * explained * (0.5 * strength + 0.5 * consistency);
            }
            Class::Healthy | Class::Idle => {
                verdict.confidence = factor * 0.9;
                if v.busy.is_some_and(|b| b >= t.busy_hot) {
                    findings.push(format!(
                        "{} is {} busy with nothing backpressured yet: the first to saturate if the input grows",
                        v.vertex.name,
                        pct(v.busy)
                    ));
                }
            }
            Class::Unknown | Class::Bottleneck => {}
        }
        if verdict.class != Class::Bottleneck && !verdict.skewed_subtasks.is_empty() {
            findings.push(format!("{}: {}", v.vertex.name, skew_line(v, &verdict.skewed_subtasks)));
        }
        if verdict.class == Class::Unknown {
            findings.push(format!("{} is unknown: {}", v.vertex.name, verdict.evidence.join("; ")));
        }
    }
    bottlenecks.sort_by_key(|b| order.iter().position(|&o| o == b.vertex));
    Classified { vertices: verdicts, bottlenecks, findings, order }
}

/// First vertices downstream of `start` that are not victims, walking through victims.
fn frontier(start: usize, graph: &Graph, own: &[Class]) -> Vec<usize> {
    let mut seen = vec![false; own.len()];
    let mut queue: VecDeque<usize> = graph.outputs[start].iter().copied().collect();
    let mut out = Vec::new();
    seen[start] = true;
    while let Some(i) = queue.pop_front() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        if own[i] == Class::Victim {
            queue.extend(graph.outputs[i].iter().copied());
        } else {
            out.push(i);
        }
    }
    out
}

fn skew_line(v: &VertexView, hot: &[u32]) -> String {
    let hot_busy: Vec<String> = v
        .subtasks
        .iter()
        .filter(|s| hot.contains(&s.index))
        .map(|s| format!("#{} busy {}", s.index, pct(s.busy)))
        .collect();
    let others: Vec<f64> = v.subtasks.iter().filter(|s| !hot.contains(&s.index)).filter_map(|s| s.busy).collect();
    let mean = (!others.is_empty()).then(|| others.iter().sum::<f64>() / others.len() as f64);
    format!(
        "skew: subtask{} {} while the other {} average busy {}",
        if hot.len() > 1 { "s" } else { "" },
        hot_busy.join(", "),
        others.len(),
        pct(mean)
    )
}

/// Confidence (0..1) and the evidence of a bottleneck, from its own busy time, how hard its
/// victims are pushed back, how steady that was, and whether Flink's sampled level and the
/// buffer pools agree.
fn bottleneck_evidence(
    b: &BottleneckVerdict,
    views: &[VertexView],
    graph: &Graph,
    own: &[Class],
    t: &Thresholds,
) -> (f64, Vec<String>) {
    let v = &views[b.vertex];
    let mut ev = Vec::new();
    let factor = sample_factor(v.samples.max(1));
    let victims_bp = b
        .victims
        .iter()
        .filter_map(|&i| views[i].backpressured)
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
    match b.kind {
        BottleneckKind::Source => {
            ev.push(format!(
                "busy {} and not backpressured ({}): the source reads as fast as it can",
                pct(v.busy),
                pct(v.backpressured)
            ));
            ev.push(
                "nothing downstream is backpressured; consumer lag would confirm it (no lag source configured)".into(),
            );
            let strength = clamp01((v.busy.unwrap_or(0.0) - t.busy_hot) / (1.0 - t.busy_hot).max(1e-9));
            return (factor * (0.5 + 0.2 * strength), ev);
        }
        BottleneckKind::Unresolved => {
            if own[b.vertex] == Class::Unknown {
                ev.push("its own metrics are missing, and it is the first vertex below backpressured ones".into());
            } else {
                ev.push(format!(
                    "only {} busy and not backpressured ({}), yet its upstream is backpressured {}: the signals disagree",
                    pct(v.busy),
                    pct(v.backpressured),
                    pct(victims_bp)
                ));
            }
            let up_out = b.victims.iter().filter_map(|&i| views[i].out_pool).fold(0.0, f64::max);
            if up_out >= 0.9 && v.in_pool.is_some_and(|p| p <= 0.3) {
                ev.push(format!(
                    "upstream output pools are full ({}) while its input pool is low ({}): data is stuck between them",
                    crate::units::pool(Some(up_out)),
                    crate::units::pool(v.in_pool)
                ));
            }
            return (factor * 0.3, ev);
        }
        BottleneckKind::Sink | BottleneckKind::Operator => {}
    }
    ev.push(format!(
        "busy {} and not backpressured ({}){}",
        pct(v.busy),
        pct(v.backpressured),
        if v.vertex.parallelism > 1 {
            format!(" (busiest of {} subtasks; mean {})", v.vertex.parallelism, pct(v.busy_avg))
        } else {
            String::new()
        }
    ));
    let names: Vec<String> = b.victims.iter().map(|&i| views[i].vertex.name.clone()).collect();
    ev.push(format!(
        "{} upstream vert{} backpressured up to {}: {}",
        b.victims.len(),
        if b.victims.len() == 1 { "ex is" } else { "ices are" },
        pct(victims_bp),
        names.join(", ")
    ));
    // Corroboration: Flink's sampled level on the direct inputs, and their full output pools.
    let direct: Vec<usize> = graph.inputs[b.vertex].iter().copied().filter(|i| b.victims.contains(i)).collect();
    let high = direct.iter().filter(|&&i| views[i].level == Some(crate::model::BackpressureLevel::High)).count();
    let full = direct.iter().filter(|&&i| views[i].out_pool.is_some_and(|p| p >= 0.9)).count();
    let mut corroboration = 0.0;
    if !direct.is_empty() {
        corroboration = (high + full) as f64 / (2 * direct.len()) as f64;
        if full > 0 {
            let which = if direct.len() == 1 {
                "its input".to_string()
            } else {
                format!("{full} of its {} inputs", direct.len())
            };
            ev.push(format!("{which} sends into a full output pool (≥ 0.90): data waits for this vertex"));
        }
    }
    let strength_busy = clamp01((v.busy.unwrap_or(0.0) - t.busy_bottleneck) / (0.9 - t.busy_bottleneck));
    let strength_bp = clamp01((victims_bp.unwrap_or(0.0) - t.bp_low) / (t.bp_high - t.bp_low));
    let consistency = {
        let steady: usize = direct.iter().map(|&i| views[i].backpressured_samples).sum();
        let all: usize = direct.iter().map(|&i| views[i].samples).sum();
        if all == 0 {
            0.5
        } else {
            steady as f64 / all as f64
        }
    };
    let confidence = factor * (0.35 * strength_busy + 0.35 * strength_bp + 0.15 * consistency + 0.15 * corroboration);
    (confidence, ev)
}
