//! Vertex classes from the whole graph. Backpressured vertices are victims; walking downstream
//! from each victim through other victims, the first vertices that are not backpressured are
//! where the pressure comes from, and the busy ones among them are bottlenecks. Everything the
//! verdict rests on is written into its evidence, so a person can check it.

pub use super::graph::Graph;
pub use super::verdict::{BottleneckVerdict, Classified, VertexVerdict};
use super::walk::{walk_from_victims, Walk};
use super::window::VertexView;
use super::Thresholds;
use crate::diagnosis::{BottleneckKind, Class};
use crate::units::{pct, pool};

/// 0 at `lo`, 1 at `hi`, linear between; a step when the thresholds leave no room.
pub fn ramp(x: f64, lo: f64, hi: f64) -> f64 {
    if hi <= lo {
        return if x >= lo { 1.0 } else { 0.0 };
    }
    ((x - lo) / (hi - lo)).clamp(0.0, 1.0)
}

/// Few measurements make every verdict less certain.
fn sample_factor(samples: usize) -> f64 {
    match samples {
        0 => 0.0,
        1 => 0.75,
        2 => 0.9,
        _ => 1.0,
    }
}

fn measurements(v: &VertexView) -> String {
    if v.polls > v.samples {
        format!("{} measurement{} in {} polls", v.samples, if v.samples == 1 { "" } else { "s" }, v.polls)
    } else {
        format!("{} poll{}", v.samples, if v.samples == 1 { "" } else { "s" })
    }
}

/// A vertex that spends more time busy than backpressured, and is busy enough to be a
/// bottleneck, is one even when something further down pushes back on it a little.
fn busy_dominant(v: &VertexView, t: &Thresholds) -> bool {
    match (v.busy, v.backpressured) {
        (Some(b), Some(p)) => b >= t.busy_bottleneck && b > p,
        _ => false,
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
        (Some(bp), _) if bp >= t.bp_low && !busy_dominant(v, t) => {
            let level = v.level.map(|l| format!(", Flink level {l}")).unwrap_or_default();
            ev.push(format!(
                "backpressured {} (at or above {} in {} of {}){level}",
                pct(Some(bp)),
                pct(Some(t.bp_low)),
                v.backpressured_samples,
                measurements(v)
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
            ev.push(format!("{nums} ({})", measurements(v)));
            (Class::Idle, ev)
        }
        (Some(bp), Some(_)) => {
            ev.push(format!("{nums} ({})", measurements(v)));
            if bp >= t.bp_low {
                ev.push(format!(
                    "also backpressured {}, but busy for longer: its own work is the larger limit",
                    pct(Some(bp))
                ));
            }
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

pub fn classify(views: &[VertexView], graph_known: bool, t: &Thresholds) -> Classified {
    classify_as(views, graph_known, t, false)
}

/// `classify`, with `interval` true for one interval of exact time shares (see
/// `Walk::holds_back`) rather than the window's averages.
pub fn classify_as(views: &[VertexView], graph_known: bool, t: &Thresholds, interval: bool) -> Classified {
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
    let walk = Walk { views, graph: &graph, order: &order, own: &own, t, interval };
    let is_busy = |i: usize| walk.is_busy(i);

    if !graph_known {
        findings.push("the job graph (plan) could not be read: no vertex can be called a source or sink, and backpressure cannot be traced to its cause".into());
        // Without edges, one busy vertex among backpressured ones is still the only place the
        // pressure can come from; several are suspects at best.
        if own.contains(&Class::Victim) {
            let victims: Vec<usize> = (0..views.len()).filter(|&i| own[i] == Class::Victim).collect();
            let busy: Vec<usize> = (0..views.len()).filter(|&i| is_busy(i)).collect();
            let kind = |i: usize| match busy.len() {
                1 if looks_like_sink(&views[i]) => BottleneckKind::Sink,
                1 => BottleneckKind::Operator,
                _ => BottleneckKind::Unresolved,
            };
            for &i in &busy {
                bottlenecks.push(BottleneckVerdict {
                    vertex: i,
                    kind: kind(i),
                    confidence: 0.0,
                    evidence: Vec::new(),
                    victims: victims.clone(),
                });
            }
        }
    } else {
        walk_from_victims(&walk, &mut verdicts, &mut bottlenecks, &mut findings);
        // A source at capacity that nothing pushes back on is itself the limit.
        for (i, v) in views.iter().enumerate() {
            if graph.inputs[i].is_empty()
                && own[i] == Class::Healthy
                && v.busy.is_some_and(|b| b >= t.busy_hot)
                && !bottlenecks.iter().any(|b| b.vertex == i)
            {
                // A job that is one chained vertex from source to sink: the limit is somewhere
                // in the chain, not necessarily in reading.
                let kind = if graph.outputs[i].is_empty() && v.vertex.operators.len() > 1 {
                    BottleneckKind::Chain
                } else {
                    BottleneckKind::Source
                };
                bottlenecks.push(BottleneckVerdict {
                    vertex: i,
                    kind,
                    confidence: 0.0,
                    evidence: Vec::new(),
                    victims: Vec::new(),
                });
            }
        }
    }

    for b in &mut bottlenecks {
        let v = &views[b.vertex];
        b.victims.sort_unstable();
        b.victims.dedup();
        let (confidence, mut evidence) = bottleneck_evidence(b, views, &graph, &own, t);
        if !verdicts[b.vertex].skewed_subtasks.is_empty() {
            evidence.push(skew_line(v, &verdicts[b.vertex].skewed_subtasks));
        }
        if v.vertex.operators.len() > 1 {
            evidence.push(format!(
                "the bottleneck is inside this chain of {} operators: {}",
                v.vertex.operators.len(),
                v.vertex.operators.join(" → ")
            ));
        }
        b.confidence = confidence;
        b.evidence = evidence.clone();
        // A suspect keeps its own class: only a confirmed cause is called a bottleneck.
        if b.kind != BottleneckKind::Unresolved {
            verdicts[b.vertex].class = Class::Bottleneck;
            verdicts[b.vertex].confidence = confidence;
            verdicts[b.vertex].evidence = evidence;
        } else {
            verdicts[b.vertex]
                .evidence
                .push(format!("nearest suspect for the backpressure upstream (confidence {:.2})", confidence));
        }
    }

    // Confidence of the other verdicts, and what else is worth saying.
    for (i, v) in views.iter().enumerate() {
        let factor = sample_factor(v.samples);
        let verdict = &mut verdicts[i];
        match verdict.class {
            Class::Victim => {
                let strength = ramp(v.backpressured.unwrap_or(0.0), t.bp_low, t.bp_high.max(t.bp_low + 0.05));
                let consistency = v.backpressured_samples as f64 / v.samples.max(1) as f64;
                let explained = if verdict.caused_by.is_empty() { 0.6 } else { 1.0 };
                verdict.confidence = factor * explained * (0.5 * strength + 0.5 * consistency);
            }
            Class::Healthy | Class::Idle => {
                if verdict.confidence == 0.0 {
                    verdict.confidence = factor * 0.9;
                }
                if v.busy.is_some_and(|b| b >= t.busy_hot) && !bottlenecks.iter().any(|b| b.vertex == i) {
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

/// Without a plan: Flink names Sink-V2 writers "<name>: Writer" (the reporter: "<name>:_Writer")
/// and legacy sinks "Sink: <name>"; a sink emits nothing and its output pool stays empty.
fn looks_like_sink(v: &VertexView) -> bool {
    let n = v.vertex.name.as_str();
    let named =
        n.starts_with("Sink") || n.ends_with(": Writer") || n.ends_with(":_Writer") || n.ends_with(": Committer");
    let silent = v.records_out.is_some_and(|r| r == 0.0) && v.out_pool.is_some_and(|p| p <= 0.01);
    named || silent
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
/// victims are pushed back, how steady that was, and whether the output pools of its inputs
/// agree (Flink's backpressure level is computed from the same backpressured time, so it is
/// no second witness).
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
    let direct: Vec<usize> = graph.inputs[b.vertex].iter().copied().filter(|i| b.victims.contains(i)).collect();
    let full_inputs = direct.iter().filter(|&&i| views[i].out_pool.is_some_and(|p| p >= 0.9)).count();
    match b.kind {
        BottleneckKind::Source | BottleneckKind::Chain => {
            let what = if b.kind == BottleneckKind::Source {
                "the source reads as fast as it can"
            } else {
                "the job is one chained vertex, and the work inside it is the limit"
            };
            ev.push(format!(
                "busy {} and not backpressured ({}), over {}: {what}",
                pct(v.busy),
                pct(v.backpressured),
                measurements(v)
            ));
            ev.push("nothing is backpressured; consumer lag would confirm it (no lag source configured)".into());
            let strength = ramp(v.busy.unwrap_or(0.0), t.busy_hot, 1.0);
            return (factor * (0.5 + 0.2 * strength), ev);
        }
        BottleneckKind::Unresolved => {
            if own[b.vertex] == Class::Unknown {
                ev.push("its own metrics are missing, and it is the first vertex below backpressured ones".into());
            } else if direct.is_empty() && !b.victims.is_empty() && graph.inputs.iter().all(Vec::is_empty) {
                ev.push(format!(
                    "busy {}; several vertices are busy and the graph is unknown, so which one holds the backpressured ones back cannot be told",
                    pct(v.busy)
                ));
            } else {
                ev.push(format!(
                    "only {} busy and not backpressured ({}), yet its upstream is backpressured {}: the signals disagree",
                    pct(v.busy),
                    pct(v.backpressured),
                    pct(victims_bp)
                ));
            }
            if full_inputs > 0 {
                let up = direct.iter().filter_map(|&i| views[i].out_pool).fold(0.0, f64::max);
                ev.push(format!(
                    "its input sends into a full output pool ({}) that it does not drain: network between TaskManagers, checkpoint alignment or a blocked second input?",
                    pool(Some(up))
                ));
            }
            return (factor * 0.3, ev);
        }
        BottleneckKind::Sink | BottleneckKind::Operator => {}
    }

    ev.push(format!(
        "busy {} and not backpressured ({}){}, over {}",
        pct(v.busy),
        pct(v.backpressured),
        if v.vertex.parallelism > 1 {
            format!(" (busiest of {} subtasks; mean {})", v.vertex.parallelism, pct(v.busy_avg))
        } else {
            String::new()
        },
        measurements(v)
    ));
    ev.push(format!(
        "{} upstream vert{} backpressured up to {}: {}",
        b.victims.len(),
        if b.victims.len() == 1 { "ex is" } else { "ices are" },
        pct(victims_bp),
        name_list(views, &b.victims)
    ));
    let mut corroboration = 0.0;
    if !direct.is_empty() {
        corroboration = full_inputs as f64 / direct.len() as f64;
        if full_inputs > 0 {
            let which = if direct.len() == 1 {
                "its input sends".to_string()
            } else {
                format!("{full_inputs} of its {} inputs send", direct.len())
            };
            ev.push(format!("{which} into a full output pool (≥ 0.90): data waits for this vertex"));
        }
    }
    let strength_busy = ramp(v.busy.unwrap_or(0.0), t.busy_bottleneck, t.busy_bottleneck.max(0.9));
    let strength_bp = ramp(victims_bp.unwrap_or(0.0), t.bp_low, t.bp_high.max(t.bp_low + 0.05));
    let consistency = {
        let steady: usize = direct.iter().map(|&i| views[i].backpressured_samples).sum();
        let all: usize = direct.iter().map(|&i| views[i].samples).sum();
        if all == 0 {
            0.5
        } else {
            steady as f64 / all as f64
        }
    };
    if graph.inputs.iter().all(Vec::is_empty) {
        ev.push(format!(
            "the job graph is unknown: it is the only busy vertex that is not backpressured while {} {} backpressured",
            b.victims.len(),
            if b.victims.len() == 1 { "is" } else { "are" }
        ));
    }
    let confidence = factor * (0.35 * strength_busy + 0.35 * strength_bp + 0.15 * consistency + 0.15 * corroboration);
    (confidence, ev)
}

/// Names listed in evidence: at most this many, then "and N more".
const LISTED: usize = 8;

/// The vertices `idx` by name, in a sentence: a name that occurs more than once in the job
/// carries its vertex number ("Map #3", as the dashboard numbers them), and a long list stops
/// after `LISTED` names.
pub fn name_list(views: &[VertexView], idx: &[usize]) -> String {
    // The dashboard numbers vertices in data-flow order, the order of the verdict's list.
    let order = super::graph::Graph::of(views).topological();
    let label = |i: usize| {
        let name = &views[i].vertex.name;
        if views.iter().filter(|w| &w.vertex.name == name).count() > 1 {
            format!("{name} #{}", order.iter().position(|&j| j == i).unwrap_or(i) + 1)
        } else {
            name.clone()
        }
    };
    let mut names: Vec<String> = idx.iter().take(LISTED).map(|&i| label(i)).collect();
    if idx.len() > LISTED {
        names.push(format!("and {} more", idx.len() - LISTED));
    }
    names.join(", ")
}

#[cfg(test)]
mod name_list_tests {
    use super::*;
    use crate::model::test_support::vertex;

    #[test]
    fn repeated_names_carry_their_flow_number_and_long_lists_stop() {
        // Listed out of flow order on purpose: the number is the position in data-flow order.
        let vs = [
            vertex("sink", "sink", &["m2"], &[(1.0, 0.0, 0.0)]),
            vertex("src", "src", &[], &[(0.0, 1.0, 0.0)]),
            vertex("m1", "Map", &["src"], &[(0.0, 1.0, 0.0)]),
            vertex("m2", "Map", &["m1"], &[(0.0, 1.0, 0.0)]),
        ];
        let views: Vec<VertexView> = vs.iter().map(|v| super::super::window::view(v, &[], 0.1)).collect();
        assert_eq!(name_list(&views, &[1, 2, 3]), "src, Map #2, Map #3");
        // Nine and more: eight names, then how many more.
        let many: Vec<crate::model::Vertex> =
            (0..11).map(|i| vertex(&format!("v{i}"), &format!("op{i}"), &[], &[(0.0, 1.0, 0.0)])).collect();
        let views: Vec<VertexView> = many.iter().map(|v| super::super::window::view(v, &[], 0.1)).collect();
        let idx: Vec<usize> = (0..9).collect();
        assert_eq!(name_list(&views, &idx), "op0, op1, op2, op3, op4, op5, op6, op7, and 1 more");
        assert_eq!(name_list(&views, &idx[..8]), "op0, op1, op2, op3, op4, op5, op6, op7");
    }
}
