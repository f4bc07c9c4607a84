//! The walk from victims to their causes: downstream through backpressured vertices to the
//! first that are not, and which of those are busy enough to hold the others back.

use std::collections::VecDeque;

use super::graph::Graph;
use super::verdict::{BottleneckVerdict, VertexVerdict};
use super::window::VertexView;
use super::Thresholds;
use crate::diagnosis::{BottleneckKind, Class};
use crate::units::pct;

/// What the walk from victims to their causes reads: every vertex's view and own class (before
/// any cause is named), the graph and its data-flow order, and the thresholds.
pub(super) struct Walk<'a> {
    pub(super) views: &'a [VertexView<'a>],
    pub(super) graph: &'a Graph,
    pub(super) order: &'a [usize],
    pub(super) own: &'a [Class],
    pub(super) t: &'a Thresholds,
    /// Judging one interval of exact time shares rather than the window's averages.
    pub(super) interval: bool,
}

impl Walk<'_> {
    /// Busy enough to hold others back, and not itself held back.
    pub(super) fn is_busy(&self, i: usize) -> bool {
        self.busy_at_least(i, self.t.busy_bottleneck)
    }

    /// Not itself held back, and busy at least `need`.
    fn busy_at_least(&self, i: usize, need: f64) -> bool {
        matches!(self.own[i], Class::Healthy | Class::Idle) && self.views[i].busy.is_some_and(|b| b >= need)
    }

    /// Busy enough to be what holds `victim` back. On the window's averages that is
    /// `busy_bottleneck` (a capacity rule). Within one interval of exact shares it is three
    /// quarters of the victim's backpressured time (from `bp_low` up to `busy_bottleneck`): a
    /// vertex busy for about as long as the victim was blocked is what blocked it, even if that
    /// was a quarter of the interval (a stall split over two refreshes).
    pub(super) fn holds_back(&self, i: usize, victim: usize) -> bool {
        if !self.interval {
            return self.is_busy(i);
        }
        let need = self.views[victim].backpressured.map_or(self.t.busy_bottleneck, |bp| {
            (0.75 * bp).clamp(self.t.bp_low, self.t.busy_bottleneck.max(self.t.bp_low))
        });
        self.busy_at_least(i, need)
    }
}

/// For each victim, the vertices that hold it back: walking downstream through victims, the
/// first vertices that are not backpressured, and the busy ones among them.
pub(super) fn walk_from_victims(
    walk: &Walk,
    verdicts: &mut [VertexVerdict],
    bottlenecks: &mut Vec<BottleneckVerdict>,
    findings: &mut Vec<String>,
) {
    let Walk { views, graph, order, own, t, .. } = *walk;
    for &victim in order.iter().filter(|&&i| own[i] == Class::Victim) {
        let is_busy = |i: usize| walk.holds_back(i, victim);
        let frontier = frontier(victim, graph, own);
        let mut busy_ones: Vec<usize> = frontier.iter().copied().filter(|&f| is_busy(f)).collect();
        // Fan-out: when one branch is saturated, a moderately busy sibling is not the cause.
        if busy_ones.iter().any(|&f| views[f].busy.is_some_and(|b| b >= t.busy_hot)) {
            busy_ones.retain(|&f| views[f].busy.is_some_and(|b| b >= t.busy_hot));
        }
        let strong = views[victim].backpressured.is_some_and(|b| b >= t.bp_high);
        let causes: Vec<usize> = if !busy_ones.is_empty() {
            busy_ones
        } else if strong {
            // Signals disagree: backpressure with nothing busy below. Name the nearest suspect
            // (unknown metrics first, then the busiest), as a suspect.
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
                    let kind = if !is_busy(c) {
                        BottleneckKind::Unresolved
                    } else if graph.outputs[c].is_empty() {
                        BottleneckKind::Sink
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
        let confirmed: Vec<usize> = verdicts[victim].caused_by.iter().copied().filter(|&c| is_busy(c)).collect();
        if !confirmed.is_empty() {
            let mut line = format!("held back by {}", names(&confirmed));
            if !innocent.is_empty() {
                line.push_str(&format!("; not by {}", names(&innocent)));
            }
            verdicts[victim].evidence.push(line);
        } else if !verdicts[victim].caused_by.is_empty() {
            verdicts[victim]
                .evidence
                .push(format!("nothing busy below it; nearest suspect {}", names(&verdicts[victim].caused_by)));
        } else if !strong {
            verdicts[victim].evidence.push("mild backpressure with no busy vertex downstream: likely transient".into());
        }
    }
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
