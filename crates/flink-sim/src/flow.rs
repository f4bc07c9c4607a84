//! Steady-state physics of a streaming job: producers write to Kafka at known rates, every
//! vertex processes a known number of records per second of busy time per subtask, and
//! backpressure throttles the sources upstream of whatever is too slow. From that follow the
//! metrics Flink would report (busy / backpressured / idle time, records in / out, pool usage)
//! and what the consumer groups read, so that a test knows the true demand, the parallelism that
//! absorbs it and how long a backlog takes to drain, and can check bptop's advice against them.
//!
//! The rules are Flink's: a subtask is busy for the share of time it processes records (records
//! ÷ capacity); a subtask that cannot hand its output on is backpressured for the rest, and one
//! that waits for input is idle; a backpressured vertex blocks its sources for all their outputs
//! (credit-based flow control), so a source feeding two branches runs at the pace of the slower;
//! a source with a backlog reads as fast as the job lets it, one without reads what is produced.

use std::collections::BTreeMap;

use crate::{Input, Job, MetricValue, Metrics, Vertex};

/// One job vertex.
#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    pub id: String,
    pub name: String,
    pub parallelism: u32,
    pub max_parallelism: Option<u32>,
    /// Upstream stage ids (empty: a source reading a Kafka topic).
    pub inputs: Vec<String>,
    /// `HASH` for a keyed input, `REBALANCE`, `FORWARD` …
    pub ship_strategy: String,
    /// Records one subtask processes per second of busy time (a source: Kafka records read).
    pub capacity_per_subtask: f64,
    /// Records out per record in (a source: per Kafka record read).
    pub selectivity: f64,
    /// Share of the vertex's records each subtask gets (key skew); `None`: even.
    pub shares: Option<Vec<f64>>,
}

impl Stage {
    pub fn new(id: &str, name: &str, parallelism: u32, inputs: &[&str], capacity: f64, selectivity: f64) -> Stage {
        Stage {
            id: id.into(),
            name: name.into(),
            parallelism,
            max_parallelism: Some(128),
            inputs: inputs.iter().map(|s| s.to_string()).collect(),
            ship_strategy: "HASH".into(),
            capacity_per_subtask: capacity,
            selectivity,
            shares: None,
        }
    }

    fn share(&self, i: usize) -> f64 {
        match &self.shares {
            Some(s) => s.get(i).copied().unwrap_or(0.0) / s.iter().sum::<f64>().max(f64::MIN_POSITIVE),
            None => 1.0 / f64::from(self.parallelism.max(1)),
        }
    }

    /// The largest share: the subtask that saturates first.
    fn max_share(&self) -> f64 {
        (0..self.parallelism.max(1) as usize).map(|i| self.share(i)).fold(0.0, f64::max)
    }
}

/// What the producers write to the topic a source stage reads.
#[derive(Clone, Debug, PartialEq)]
pub struct Feed {
    pub source: String,
    pub group: String,
    pub topic: String,
    pub partitions: u32,
    /// Records per second written.
    pub production: f64,
    /// Records behind at the start.
    pub backlog: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    pub stages: Vec<Stage>,
    pub feeds: Vec<Feed>,
}

/// One subtask's metrics as Flink would report them (ratios 0..1, records per second).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SubtaskState {
    pub busy: f64,
    pub backpressured: f64,
    pub idle: f64,
    pub records_in: f64,
    pub records_out: f64,
    pub in_pool: f64,
    pub out_pool: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StageState {
    /// Records per second into the stage (a source: Kafka records read) and out of it.
    pub records_in: f64,
    pub records_out: f64,
    pub subtasks: Vec<SubtaskState>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Steady {
    pub stages: Vec<StageState>,
    /// Per feed (in `Flow::feeds` order): records per second the group reads.
    pub consumption: Vec<f64>,
}

/// Demand of a backlogged source: it reads as fast as the job lets it.
const FLAT_OUT: f64 = 1e9;

/// What a source would read of `f` with nothing holding it back: what is produced, or (with
/// `flat_out`) as fast as it can while a backlog is left.
fn want(f: &Feed, flat_out: bool) -> f64 {
    if flat_out && f.backlog > 0.0 {
        FLAT_OUT
    } else {
        f.production
    }
}

impl Flow {
    fn index(&self, id: &str) -> usize {
        self.stages.iter().position(|s| s.id == id).unwrap_or_else(|| panic!("no stage {id}"))
    }

    /// Stages in data-flow order (inputs before the stages they feed).
    fn order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = Vec::new();
        while order.len() < self.stages.len() {
            let before = order.len();
            for (i, s) in self.stages.iter().enumerate() {
                if !order.contains(&i) && s.inputs.iter().all(|u| order.contains(&self.index(u))) {
                    order.push(i);
                }
            }
            assert!(order.len() > before, "the flow has a cycle");
        }
        order
    }

    /// Records per second into each stage when its sources read `source_rate` (by stage index).
    fn flows(&self, source_rate: &[f64]) -> Vec<f64> {
        let mut input = vec![0.0; self.stages.len()];
        for i in self.order() {
            let s = &self.stages[i];
            input[i] = if s.inputs.is_empty() {
                source_rate[i]
            } else {
                s.inputs
                    .iter()
                    .map(|u| {
                        let u = self.index(u);
                        input[u] * self.stages[u].selectivity
                    })
                    .sum()
            };
        }
        input
    }

    /// Every source stage upstream of `i` (itself when it is one).
    fn sources_of(&self, i: usize) -> Vec<usize> {
        let s = &self.stages[i];
        if s.inputs.is_empty() {
            return vec![i];
        }
        let mut out: Vec<usize> = s.inputs.iter().flat_map(|u| self.sources_of(self.index(u))).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// What each source would read with nothing holding it back.
    fn wanted(&self, flat_out: bool) -> Vec<f64> {
        self.stages
            .iter()
            .map(|s| self.feeds.iter().filter(|f| f.source == s.id).map(|f| want(f, flat_out)).sum())
            .collect()
    }

    /// Utilization of the busiest subtask of each stage at these inputs.
    fn load(&self, input: &[f64]) -> Vec<f64> {
        self.stages.iter().zip(input).map(|(s, r)| r * s.max_share() / s.capacity_per_subtask).collect()
    }

    /// What each source reads once backpressure has throttled the sources upstream of every
    /// stage that cannot keep up, the slowest first.
    fn throttled(&self, wanted: Vec<f64>) -> Vec<f64> {
        let mut rate = wanted;
        for _ in 0..=self.stages.len() {
            let load = self.load(&self.flows(&rate));
            let Some((worst, &l)) = load.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)) else { break };
            if l <= 1.0 + 1e-12 {
                break;
            }
            for s in self.sources_of(worst) {
                rate[s] /= l;
            }
        }
        rate
    }

    /// The steady state: what every stage and subtask does and reports.
    pub fn steady(&self) -> Steady {
        let wanted = self.wanted(true);
        let read = self.throttled(wanted.clone());
        let input = self.flows(&read);
        let load = self.load(&input);
        // Stages at capacity hold back their ancestors; those below a bottleneck wait on it.
        let saturated: Vec<usize> = (0..self.stages.len()).filter(|&i| load[i] >= 1.0 - 1e-9).collect();
        let held: Vec<bool> =
            (0..self.stages.len()).map(|i| saturated.iter().any(|&b| b != i && self.is_ancestor(i, b))).collect();
        let stages = self
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let subtasks = (0..s.parallelism.max(1) as usize)
                    .map(|k| {
                        let records_in = input[i] * s.share(k);
                        let busy = (records_in / s.capacity_per_subtask).min(1.0);
                        let (backpressured, idle) = if held[i] { (1.0 - busy, 0.0) } else { (0.0, 1.0 - busy) };
                        SubtaskState {
                            busy,
                            backpressured,
                            idle,
                            records_in: if s.inputs.is_empty() { 0.0 } else { records_in },
                            records_out: records_in * s.selectivity,
                            in_pool: if busy >= 1.0 - 1e-9 && !s.inputs.is_empty() { 1.0 } else { 0.1 * busy },
                            out_pool: if held[i] { 1.0 } else { 0.1 * busy },
                        }
                    })
                    .collect();
                StageState { records_in: input[i], records_out: input[i] * s.selectivity, subtasks }
            })
            .collect();
        let consumption = self
            .feeds
            .iter()
            .map(|f| {
                // Shared among the feeds of one source as each wants.
                let i = self.index(&f.source);
                read[i] * want(f, true) / wanted[i].max(f64::MIN_POSITIVE)
            })
            .collect();
        Steady { stages, consumption }
    }

    fn is_ancestor(&self, a: usize, of: usize) -> bool {
        self.stages[of].inputs.iter().any(|u| {
            let u = self.index(u);
            u == a || self.is_ancestor(a, u)
        })
    }

    /// Records per second into stage `id` when every source reads what is produced: the demand.
    pub fn demand_at(&self, id: &str) -> f64 {
        self.flows(&self.wanted(false))[self.index(id)]
    }

    /// Subtasks stage `id` needs to take its demand at `utilization` (unrounded).
    pub fn needed_parallelism(&self, id: &str, utilization: f64) -> f64 {
        let s = &self.stages[self.index(id)];
        self.demand_at(id) / (s.capacity_per_subtask * utilization)
    }

    /// The same flow with some stages at another parallelism.
    pub fn with_parallelism(&self, changes: &[(&str, u32)]) -> Flow {
        let mut f = self.clone();
        for (id, p) in changes {
            let i = f.index(id);
            f.stages[i].parallelism = *p;
            f.stages[i].shares = None;
        }
        f
    }

    /// Seconds until the backlog of every feed is read, once the job runs as it is: `None` when
    /// a group would not gain on its producers.
    pub fn drain_seconds(&self) -> Option<f64> {
        let steady = self.steady();
        self.feeds
            .iter()
            .zip(&steady.consumption)
            .map(|(f, c)| (c - f.production > 1e-9).then(|| f.backlog / (c - f.production)))
            .try_fold(0.0_f64, |worst, s| s.map(|s| worst.max(s)))
    }

    /// The job as the simulated REST API serves it, with the steady state's metrics.
    pub fn to_job(&self, id: &str, name: &str) -> Job {
        let steady = self.steady();
        let ms = |r: f64| Some(MetricValue(r * 1000.0));
        let vertices = self
            .stages
            .iter()
            .zip(&steady.stages)
            .map(|(s, st)| {
                let subtasks: BTreeMap<u32, Metrics> = st
                    .subtasks
                    .iter()
                    .enumerate()
                    .map(|(k, m)| {
                        (
                            k as u32,
                            Metrics {
                                busy: ms(m.busy),
                                backpressured: ms(m.backpressured),
                                hard_backpressured: None,
                                idle: ms(m.idle),
                                in_pool: Some(MetricValue(m.in_pool)),
                                out_pool: Some(MetricValue(m.out_pool)),
                                records_in: Some(MetricValue(m.records_in)),
                                records_out: Some(MetricValue(m.records_out)),
                            },
                        )
                    })
                    .collect();
                Vertex {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    parallelism: s.parallelism,
                    max_parallelism: s.max_parallelism.unwrap_or(128),
                    inputs: s
                        .inputs
                        .iter()
                        .map(|u| Input { id: u.clone(), ship_strategy: s.ship_strategy.clone() })
                        .collect(),
                    metrics: Metrics::default(),
                    subtasks,
                    ramp: None,
                    wobble: 0.0,
                }
            })
            .collect();
        Job { id: id.into(), name: name.into(), state: "RUNNING".into(), note: String::new(), vertices }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linear() -> Flow {
        // Kafka 3000 rec/s → source (p 2, 5000/s each) → enrich (p 4, 1000/s each) → sink (p 2,
        // 600/s each, ×0.5 out of enrich): the sink takes at most 1200 of the 1500 it should.
        Flow {
            stages: vec![
                Stage::new("src", "Source: orders", 2, &[], 5000.0, 1.0),
                Stage::new("enrich", "enrich", 4, &["src"], 1000.0, 0.5),
                Stage::new("sink", "sink: Writer", 2, &["enrich"], 600.0, 0.0),
            ],
            feeds: vec![Feed {
                source: "src".into(),
                group: "orders-app".into(),
                topic: "orders".into(),
                partitions: 12,
                production: 3000.0,
                backlog: 1e6,
            }],
        }
    }

    #[test]
    fn the_slowest_stage_throttles_its_sources_and_the_metrics_follow() {
        let f = linear();
        let s = f.steady();
        // The sink at capacity: 1200 in, so enrich gets 2400 and the source reads 2400.
        assert!((s.consumption[0] - 2400.0).abs() < 1e-6, "{:?}", s.consumption);
        assert!((s.stages[2].records_in - 1200.0).abs() < 1e-6);
        let sink = s.stages[2].subtasks[0];
        assert!((sink.busy - 1.0).abs() < 1e-9 && sink.backpressured == 0.0);
        let enrich = s.stages[1].subtasks[0];
        assert!((enrich.busy - 0.6).abs() < 1e-9 && (enrich.backpressured - 0.4).abs() < 1e-9, "{enrich:?}");
        assert_eq!(enrich.out_pool, 1.0);
        // The demand is what the producers write, carried down.
        assert!((f.demand_at("sink") - 1500.0).abs() < 1e-9);
        assert!((f.needed_parallelism("sink", 0.7) - 1500.0 / 420.0).abs() < 1e-9);
        // Drain: at sink parallelism 4 the sink could take 2400/s (4800 read), but enrich takes
        // at most 4000/s: the group gains 4000 − 3000 = 1000/s on a backlog of 1e6.
        let d = f.with_parallelism(&[("sink", 4)]).drain_seconds().expect("drains");
        assert!((d - 1000.0).abs() < 1e-6, "{d}");
        assert_eq!(f.drain_seconds(), None);
    }

    #[test]
    fn without_a_backlog_a_source_reads_what_is_produced() {
        let mut f = linear();
        f.feeds[0].backlog = 0.0;
        f.feeds[0].production = 1000.0;
        let s = f.steady();
        assert!((s.consumption[0] - 1000.0).abs() < 1e-9);
        let src = s.stages[0].subtasks[0];
        assert!((src.busy - 0.1).abs() < 1e-9 && (src.idle - 0.9).abs() < 1e-9);
    }

    #[test]
    fn a_hot_key_saturates_one_subtask_and_the_others_wait() {
        let mut f = linear();
        f.stages[1].shares = Some(vec![0.7, 0.1, 0.1, 0.1]);
        let s = f.steady();
        let e = &s.stages[1].subtasks;
        assert!((e[0].busy - 1.0).abs() < 1e-9, "{e:?}");
        assert!(e[1].busy < 0.2 && e[1].idle > 0.8);
        // The hot subtask takes 1000/s of 70 %: the job reads 1000 / 0.7.
        assert!((s.consumption[0] - 1000.0 / 0.7).abs() < 1e-6);
    }
}
