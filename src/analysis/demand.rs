//! Demand: what each vertex would have to take per second to keep up with the producers.
//!
//! What a vertex receives behind a bottleneck is the held-back rate, not the demand. With a lag
//! source tied to a job's source vertex the producers' rate is measured (the log end's slope,
//! i.e. consumption + lag growth). Its ratio to what the group reads now says how much more every
//! vertex fed by that source would receive once nothing holds it back: each vertex keeps its
//! measured out/in ratio, so the ratio carries down the graph unchanged, and at a join it is the
//! inputs' ratios weighted by what each input sends now.

use super::classify::Graph;
use super::window::VertexView;
use crate::diagnosis::LagGroup;

/// How much more than now a vertex would receive, and what that rests on.
#[derive(Clone, Debug, PartialEq)]
pub struct Scale {
    /// Demand ÷ what it receives now; `None` when no source upstream has a measured demand.
    pub ratio: Option<f64>,
    /// Every source upstream has a measured demand (otherwise the unmeasured ones count as
    /// receiving what they do now, and the ratio is a lower bound).
    pub complete: bool,
    /// The consumer groups behind the ratio.
    pub groups: Vec<String>,
}

/// What a lag source says of one source vertex's input, in Kafka records per second.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceRates {
    pub production: f64,
    pub consumption: f64,
    /// Records behind now.
    pub backlog: Option<f64>,
    pub data_loss_in_s: Option<f64>,
    pub partitions: usize,
    pub groups: Vec<String>,
    /// How the consumption was measured, for the text.
    pub consumption_from: &'static str,
}

/// The consumer groups tied to vertex `v` (their rates may not be measured yet).
pub fn tied_to<'g>(v: &VertexView, groups: &[&'g LagGroup]) -> Vec<&'g LagGroup> {
    groups.iter().copied().filter(|g| g.source_vertex_id.as_deref() == Some(v.vertex.id.as_str())).collect()
}

/// The groups tied to source vertex `i` of the job, summed: `None` unless the production and
/// the consumption of every one are measured.
pub fn source_rates(i: usize, views: &[VertexView], groups: &[&LagGroup]) -> Option<SourceRates> {
    let v = &views[i];
    let tied = tied_to(v, groups);
    if tied.is_empty() {
        return None;
    }
    let production: f64 = tied.iter().map(|g| g.production_per_s).sum::<Option<f64>>()?;
    let (consumption, from) = match tied.iter().map(|g| g.consumption_per_s).sum::<Option<f64>>() {
        Some(c) => (c, "the group's committed offsets"),
        // Without commits to measure (no checkpoints yet), one record out per record read holds
        // only for a source that chains nothing after it.
        None if v.vertex.operators.len() <= 1 => (v.records_out?, "the source's records out"),
        None => return None,
    };
    (consumption > 0.0 && production >= 0.0).then(|| SourceRates {
        production,
        consumption,
        backlog: tied.iter().map(|g| g.total_lag).sum(),
        data_loss_in_s: tied.iter().filter_map(|g| g.time_to_data_loss_s).reduce(f64::min),
        partitions: tied.iter().map(|g| g.partitions).sum(),
        groups: tied.iter().map(|g| g.group.clone()).collect(),
        consumption_from: from,
    })
}

/// Each vertex's scale, in data-flow order.
pub fn scales(views: &[VertexView], graph: &Graph, sources: &[Option<SourceRates>]) -> Vec<Scale> {
    let mut out = vec![Scale { ratio: None, complete: false, groups: Vec::new() }; views.len()];
    for i in graph.topological() {
        let inputs = &graph.inputs[i];
        if inputs.is_empty() {
            out[i] = match &sources[i] {
                Some(s) => {
                    Scale { ratio: Some(s.production / s.consumption), complete: true, groups: s.groups.clone() }
                }
                None => Scale { ratio: None, complete: false, groups: Vec::new() },
            };
            continue;
        }
        if inputs.iter().all(|&u| out[u].ratio.is_none()) {
            continue;
        }
        // Weighted by what each input sends now; an input whose demand is unknown counts as
        // sending what it does (a lower bound). Without what each sends (or nothing sent), only
        // one ratio can be meant: every input's, when they agree.
        let weights: Option<Vec<f64>> = inputs.iter().map(|&u| views[u].records_out).collect();
        let ratio = match weights {
            Some(w) if w.iter().sum::<f64>() > 0.0 => {
                let sum: f64 = w.iter().sum();
                Some(inputs.iter().zip(&w).map(|(&u, w)| w * out[u].ratio.unwrap_or(1.0)).sum::<f64>() / sum)
            }
            _ => {
                let known: Option<Vec<f64>> = inputs.iter().map(|&u| out[u].ratio).collect();
                known.filter(|k| k.windows(2).all(|w| (w[0] - w[1]).abs() < 1e-9)).map(|k| k[0])
            }
        };
        let mut groups: Vec<String> = inputs.iter().flat_map(|&u| out[u].groups.clone()).collect();
        groups.sort();
        groups.dedup();
        out[i] = Scale { ratio, complete: inputs.iter().all(|&u| out[u].complete), groups };
    }
    out
}

/// Every vertex the flow through `i` touches: its ancestors and its descendants.
pub fn connected(i: usize, graph: &Graph) -> Vec<usize> {
    let mut seen = vec![false; graph.inputs.len()];
    for edges in [&graph.inputs, &graph.outputs] {
        let mut stack = vec![i];
        while let Some(n) = stack.pop() {
            for &m in &edges[n] {
                if !std::mem::replace(&mut seen[m], true) {
                    stack.push(m);
                }
            }
        }
    }
    seen[i] = false;
    (0..seen.len()).filter(|&n| seen[n]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::window::view;
    use crate::diagnosis::LagTrend;
    use crate::model::test_support::{running_job, vertex};
    use crate::model::{Job, Metric, Vertex};

    fn views(job: &Job) -> Vec<VertexView<'_>> {
        job.vertices.iter().map(|v| view(v, &[job], 0.1)).collect()
    }

    fn with_rates(mut v: Vertex, records_in: f64, records_out: f64) -> Vertex {
        for s in &mut v.subtasks {
            s.metrics.set(Metric::RecordsIn, Some(records_in));
            s.metrics.set(Metric::RecordsOut, Some(records_out));
        }
        v.stats = crate::model::VertexStats::from_subtasks(&v.subtasks);
        v
    }

    fn group(name: &str, vertex_id: &str, production: Option<f64>, consumption: Option<f64>) -> LagGroup {
        LagGroup {
            cluster: None,
            group: name.into(),
            topics: vec!["t".into()],
            partitions: 4,
            total_lag: Some(1000.0),
            unknown_partitions: 0,
            growth_per_s: None,
            production_per_s: production,
            consumption_per_s: consumption,
            max_lag_seconds: None,
            max_lag_seconds_estimated: false,
            trend: LagTrend::Growing,
            time_to_data_loss_s: None,
            hot_partitions: Vec::new(),
            job_id: Some("j".into()),
            source_vertex: None,
            source_vertex_id: Some(vertex_id.into()),
            summary: String::new(),
        }
    }

    const BUSY: (f64, f64, f64) = (0.5, 0.5, 0.0);

    #[test]
    fn a_join_weighs_its_inputs_by_what_they_send_and_an_unmeasured_one_makes_a_lower_bound() {
        // Orders (100/s out, producers at 300/s: ×3) and payments (300/s out, no lag source)
        // join into 400/s: the join's demand is 100×3 + 300×1 = 600/s, 1.5× what it gets.
        let job = running_job(
            "j",
            vec![
                with_rates(vertex("o", "Source: orders", &[], &[BUSY]), 0.0, 100.0),
                with_rates(vertex("p", "Source: payments", &[], &[BUSY]), 0.0, 300.0),
                with_rates(vertex("j", "join", &["o", "p"], &[BUSY]), 400.0, 400.0),
                with_rates(vertex("k", "sink", &["j"], &[BUSY]), 400.0, 0.0),
            ],
        );
        let views = views(&job);
        let graph = Graph::of(&views);
        let g = group("orders-app", "o", Some(300.0), Some(100.0));
        let sources: Vec<Option<SourceRates>> = (0..4).map(|i| source_rates(i, &views, &[&g])).collect();
        assert!(sources[1].is_none() && sources[2].is_none());
        let s = scales(&views, &graph, &sources);
        assert_eq!(s[0].ratio, Some(3.0));
        assert_eq!(s[1].ratio, None);
        assert_eq!(s[2].ratio, Some(1.5));
        assert!(!s[2].complete);
        assert_eq!((s[3].ratio, s[3].complete), (Some(1.5), false));
        assert_eq!(s[3].groups, ["orders-app"]);
        // Both sources measured: complete.
        let h = group("payments-app", "p", Some(600.0), Some(300.0));
        let sources: Vec<Option<SourceRates>> = (0..4).map(|i| source_rates(i, &views, &[&g, &h])).collect();
        let s = scales(&views, &graph, &sources);
        assert_eq!((s[2].ratio, s[2].complete), (Some((300.0 + 600.0) / 400.0), true));
    }

    #[test]
    fn without_what_each_input_sends_a_join_takes_a_ratio_only_when_its_inputs_agree() {
        let join = |a_out: Option<f64>, b_production: f64| {
            let mut a = with_rates(vertex("a", "Source: a", &[], &[BUSY]), 0.0, 100.0);
            if a_out.is_none() {
                for s in &mut a.subtasks {
                    s.metrics.set(Metric::RecordsOut, None);
                }
                a.stats = crate::model::VertexStats::from_subtasks(&a.subtasks);
            } else {
                a = with_rates(a, 0.0, a_out.unwrap_or_default());
            }
            let job = running_job(
                "j",
                vec![
                    a,
                    with_rates(vertex("b", "Source: b", &[], &[BUSY]), 0.0, 0.0),
                    with_rates(vertex("j", "join", &["a", "b"], &[BUSY]), 100.0, 100.0),
                ],
            );
            let views = views(&job);
            let graph = Graph::of(&views);
            let (ga, gb) =
                (group("ga", "a", Some(200.0), Some(100.0)), group("gb", "b", Some(b_production), Some(100.0)));
            let sources: Vec<Option<SourceRates>> = (0..3).map(|i| source_rates(i, &views, &[&ga, &gb])).collect();
            scales(&views, &graph, &sources)[2].ratio
        };
        // a's records out unknown: only agreeing ratios (2 and 2) give one.
        assert_eq!(join(None, 200.0), Some(2.0));
        assert_eq!(join(None, 300.0), None);
        // Nothing sent by either input: the same rule, no division by zero.
        assert_eq!(join(Some(0.0), 200.0), Some(2.0));
        assert_eq!(join(Some(0.0), 300.0), None);
    }

    #[test]
    fn consumption_falls_back_to_records_out_only_for_a_source_that_chains_nothing() {
        let lone = with_rates(vertex("s", "Source: events", &[], &[BUSY]), 0.0, 80.0);
        let chained = with_rates(vertex("c", "Source: events -> FlatMap", &[], &[BUSY]), 0.0, 160.0);
        for (v, want) in [(lone, Some(2.5)), (chained, None)] {
            let job = running_job("j", vec![v]);
            let g = group("g", &job.vertices[0].id, Some(200.0), None);
            let r = source_rates(0, &views(&job), &[&g]);
            assert_eq!(r.map(|r| r.production / r.consumption), want, "{}", job.vertices[0].name);
        }
        // No production measured: nothing.
        let job = running_job("j", vec![with_rates(vertex("s", "Source: events", &[], &[BUSY]), 0.0, 80.0)]);
        let views = views(&job);
        assert!(source_rates(0, &views, &[&group("g", "s", None, Some(80.0))]).is_none());
        // A group that stopped consuming gives no ratio (it would be infinite).
        assert!(source_rates(0, &views, &[&group("g", "s", Some(80.0), Some(0.0))]).is_none());
    }

    #[test]
    fn connected_is_ancestors_and_descendants_not_siblings() {
        let job = running_job(
            "j",
            vec![
                vertex("s", "src", &[], &[BUSY]),
                vertex("a", "a", &["s"], &[BUSY]),
                vertex("b", "b", &["s"], &[BUSY]),
                vertex("k", "sink", &["a"], &[BUSY]),
            ],
        );
        let graph = Graph::of(&views(&job));
        assert_eq!(connected(1, &graph), [0, 3]);
        assert_eq!(connected(0, &graph), [1, 2, 3]);
    }
}
