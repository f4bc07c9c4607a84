//! The verdict: plain data produced by the analysis and rendered by the reports and the UI.
//! Its JSON form (serde) is the documented `schema_version: 1` contract of `diagnose --format json`.

use serde::Serialize;

use crate::model::SourceKind;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Healthy,
    Warning,
    Critical,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Healthy => "healthy",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// Busy and not backpressured, with backpressured vertices upstream: the one to fix.
    Bottleneck,
    /// Backpressured: suffering from something downstream, not a problem in itself.
    Victim,
    Healthy,
    Idle,
    /// Metrics missing, NaN, not yet reported, or the job is not running.
    Unknown,
}

impl Class {
    pub fn label(self) -> &'static str {
        match self {
            Class::Bottleneck => "bottleneck",
            Class::Victim => "victim",
            Class::Healthy => "healthy",
            Class::Idle => "idle",
            Class::Unknown => "unknown",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BottleneckKind {
    /// The last vertex: the external system it writes to is slow.
    Sink,
    /// A vertex in the middle of the graph.
    Operator,
    /// A source at capacity with nothing downstream pushing back.
    Source,
    /// The whole job is one chained vertex (source to sink): the limit is inside the chain.
    Chain,
    /// Upstream is backpressured but nothing below is busy, or the graph is unknown: the
    /// vertex named is the nearest suspect, not a confirmed cause.
    Unresolved,
}

impl BottleneckKind {
    pub fn label(self) -> &'static str {
        match self {
            BottleneckKind::Sink => "sink",
            BottleneckKind::Operator => "operator",
            BottleneckKind::Source => "source",
            BottleneckKind::Chain => "chain",
            BottleneckKind::Unresolved => "unresolved",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hint {
    /// sink, operator, source, chain, skew, network, python …
    pub kind: String,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Advice {
    /// Records one subtask processes per second of busy time (records in ÷ busy ratio).
    pub true_rate_per_subtask: Option<f64>,
    /// Records per second the vertex receives now (sources: emits).
    pub observed_input_rate: Option<f64>,
    /// Records per second the vertex would have to take to keep up: `demand.rate` when measured
    /// from the producers (`demand.basis` = `production`), else null.
    pub estimated_demand_rate: Option<f64>,
    /// The demand at this vertex and what it rests on.
    pub demand: Demand,
    pub current_parallelism: u32,
    /// How `suggested_parallelism` was reached, or why there is none.
    pub parallelism_basis: String,
    /// What the change buys: today's backlog drained, the data loss forecast averted.
    pub drain: Option<Drain>,
    /// Other vertices that could not carry the demand once this one does ("cascade"), each with
    /// its own target.
    pub also_raise: Vec<Raise>,
    /// The Flink setting that applies the targets, when there are any.
    pub apply: Option<ApplyChange>,
    pub hints: Vec<Hint>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DemandBasis {
    /// The producers' rate, measured by the lag source tied to every source upstream
    /// (consumption + lag growth), carried down the graph by each vertex's measured out/in ratio.
    Production,
    /// Measured for some sources upstream only: a lower bound.
    PartlyProduction,
    /// What the vertex receives now: a lower bound when upstream is held back.
    Observed,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Demand {
    /// Records per second at the vertex's input (sources: output); null when not measured.
    pub rate: Option<f64>,
    pub basis: DemandBasis,
    /// True when the real demand may be higher than `rate`.
    pub lower_bound: bool,
    /// The consumer groups whose production it comes from.
    pub groups: Vec<String>,
    /// One sentence: where the figure comes from.
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Drain {
    /// Records behind now, summed over the groups the bottleneck's sources read.
    pub backlog: Option<f64>,
    /// Records per second the groups would gain on the producers at the target parallelism
    /// (the slowest vertex on the way decides); negative: still losing ground.
    pub catch_up_per_s: Option<f64>,
    /// Seconds to read today's backlog at that pace; null when it would not shrink or is unknown.
    pub seconds: Option<f64>,
    /// The data loss forecast of those groups, s, and whether the change stops it (the lag
    /// shrinks); null without a forecast.
    pub data_loss_in_s: Option<f64>,
    pub averts_data_loss: Option<bool>,
    pub text: String,
}

/// A vertex to raise alongside the bottleneck: it could not carry the demand once the
/// bottleneck does.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Raise {
    pub vertex_id: String,
    pub name: String,
    pub current_parallelism: u32,
    pub parallelism: u32,
    /// Records per second it would have to take, and the most it takes at its parallelism now.
    pub demand_rate: Option<f64>,
    pub capacity_rate: Option<f64>,
    pub text: String,
}

/// The ready-to-use change for the targets of one bottleneck.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ApplyChange {
    /// `pipeline.jobvertex-parallelism-overrides` (Flink 1.17+, FLINK-29501): job vertex id →
    /// parallelism, applied when the job is submitted.
    pub setting: String,
    /// Its value: `<vertex id>:<parallelism>,…`.
    pub value: String,
    /// With the adaptive scheduler (Flink 1.18+, FLIP-291) the same change without resubmitting:
    /// `PUT /jobs/<job id>/resource-requirements` with this body.
    pub rest_path: String,
    pub rest_body: String,
    /// Which versions and what it takes.
    pub caveat: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bottleneck {
    pub vertex_id: String,
    pub name: String,
    pub kind: BottleneckKind,
    /// Subtasks that are the bottleneck: the hot ones under skew, otherwise all.
    pub subtasks: Vec<u32>,
    /// Chained operators inside the vertex (more than one: the culprit is among them).
    pub operators: Vec<String>,
    /// 0..1
    pub confidence: f64,
    pub confidence_label: &'static str,
    pub evidence: Vec<String>,
    /// Ids of the backpressured vertices this one holds back.
    pub victims: Vec<String>,
    /// The one target: the parallelism that absorbs the demand at the target utilization
    /// (capped at the max parallelism); null when more subtasks would not help or none are needed.
    pub suggested_parallelism: Option<u32>,
    /// Without a measured demand only: past this parallelism the sources (at theirs) are the
    /// limit, from their rate ÷ busy when they are busy enough for that to be credible.
    pub suggested_parallelism_max: Option<u32>,
    pub advice: Advice,
    /// How long it holds: all the time (a capacity problem) or now and then (a stall).
    pub persistence: Persistence,
}

impl Bottleneck {
    /// What to change, first line first: the target (or why none), the demand it is sized for,
    /// the next limits, what it buys and the setting that applies it. `arrow`: "→" or an ASCII
    /// stand-in; `brief` (a dashboard card): no setting and no demand that was not measured.
    pub fn advice_lines(&self, arrow: &str, brief: bool) -> Vec<String> {
        let a = &self.advice;
        let mut out = vec![match self.suggested_parallelism {
            Some(p) => format!("parallelism {} {arrow} {p}: {}", a.current_parallelism, a.parallelism_basis),
            None => format!("parallelism: {}", a.parallelism_basis),
        }];
        out.extend(self.what_it_takes(brief));
        if let Some(c) = a.apply.as_ref().filter(|_| !brief) {
            out.push(format!("apply (Flink 1.17+, on resubmission): {}: {}", c.setting, c.value));
            out.push(format!("or live (adaptive scheduler, Flink 1.18+): PUT {} {}", c.rest_path, c.rest_body));
        }
        out
    }

    /// The lines between the target and the setting: the demand it is sized for (one that was
    /// not measured only beside a target, and not in `brief`), the next limits, what it buys.
    pub fn what_it_takes(&self, brief: bool) -> Vec<String> {
        let a = &self.advice;
        let mut out = Vec::new();
        let measured = a.demand.basis != DemandBasis::Observed;
        if a.demand.rate.is_some() && (measured || (self.suggested_parallelism.is_some() && !brief)) {
            out.push(format!("demand: {}", a.demand.text));
        }
        out.extend(a.also_raise.iter().map(|r| r.text.clone()));
        if let Some(d) = &a.drain {
            out.push(format!("what it buys: {}", d.text));
        }
        out
    }

    /// The targets in short: "2 → 22 or more, and geo-lookup 4 → 8" (`and`: what joins the
    /// cascade's vertices); `None` without a target.
    pub fn target_change(&self, and: &str) -> Option<String> {
        let n = self.suggested_parallelism?;
        let more = if self.advice.demand.lower_bound { " or more" } else { "" };
        let mut s = format!("{} → {n}{more}", self.advice.current_parallelism);
        for r in &self.advice.also_raise {
            s.push_str(&format!("{and}{} {} → {}", r.name, r.current_parallelism, r.parallelism));
        }
        Some(s)
    }
}

/// Whether a bottleneck holds its victims back all the time or now and then.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    /// Held back in (nearly) every interval: more capacity is the fix.
    Sustained,
    /// Held back in some intervals and free in others: a periodic or occasional stall (a flush,
    /// GC, a checkpoint, a slow external call); more parallelism would sit idle between stalls.
    Intermittent,
    /// Fewer than three intervals: too few to tell.
    Undetermined,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Persistence {
    pub pattern: Pattern,
    /// Intervals in which it held its victims back (a source with none: was saturated), of all
    /// the intervals of the window.
    pub held: usize,
    pub of: usize,
    /// What an interval is: `"refreshes"`, the time between two refreshes of Flink's running
    /// totals of busy/backpressured/idle time (exact shares), or `"measurements"`, one reading
    /// of the per-second gauges (averages over Flink's last 60 s) each.
    pub counted_over: &'static str,
    /// Seconds the intervals cover.
    pub span_s: Option<f64>,
    /// Share of that time its victims were backpressured (from the running totals).
    pub share_of_time: Option<f64>,
    /// Seconds from the start of one stall to the next, when three or more came at a steady pace.
    pub period_s: Option<f64>,
    /// One sentence: "held back its victims in 3 of 9 refreshes over 1 min 30 s, ~30 s apart".
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SubtaskRow {
    pub index: u32,
    pub busy: Option<f64>,
    pub backpressured: Option<f64>,
    pub idle: Option<f64>,
    pub records_in_per_s: Option<f64>,
}

/// An edge into a vertex.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InputEdge {
    /// Id of the upstream vertex.
    pub id: String,
    /// FORWARD, HASH, REBALANCE, … when the plan says.
    pub ship_strategy: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VertexDiagnosis {
    pub id: String,
    pub name: String,
    pub parallelism: u32,
    /// Upstream vertices; empty for sources.
    pub inputs: Vec<InputEdge>,
    pub operators: Vec<String>,
    pub class: Class,
    pub confidence: f64,
    /// Distinct measurements behind the numbers (Flink refreshes its metrics every ~10 s).
    pub measurements: usize,
    /// Ratios 0..1 of the worst subtask (max busy, max backpressured, min idle), averaged over
    /// the analysis window; null when unknown.
    pub busy: Option<f64>,
    pub busy_avg: Option<f64>,
    pub backpressured: Option<f64>,
    pub idle: Option<f64>,
    pub in_pool: Option<f64>,
    pub out_pool: Option<f64>,
    pub records_in_per_s: Option<f64>,
    pub records_out_per_s: Option<f64>,
    /// Flink's own sampled level (ok / low / high) when it reports one.
    pub backpressure_level: Option<String>,
    pub skewed_subtasks: Vec<u32>,
    /// Its class at each measurement of the window, oldest first (the window's class above
    /// weighs them all).
    pub timeline: Vec<Class>,
    /// Measurements of the timeline in which it had the window's class.
    pub held: usize,
    /// For victims: ids of the bottlenecks downstream that hold them back.
    pub caused_by: Vec<String>,
    pub evidence: Vec<String>,
    pub subtasks: Vec<SubtaskRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JobDiagnosis {
    pub id: String,
    pub name: String,
    pub state: String,
    pub severity: Severity,
    /// One sentence for a person.
    pub summary: String,
    pub bottlenecks: Vec<Bottleneck>,
    /// In data-flow order, sources first.
    pub vertices: Vec<VertexDiagnosis>,
    /// Further observations that raised the severity or limit the verdict.
    pub findings: Vec<String>,
    /// Polls in the analysis window that saw this job.
    pub samples: usize,
    /// The earliest credible saturation, in words; null when no forecast reaches the threshold.
    pub outlook: Option<String>,
    /// Why the job's severity is what it is, in one line; null when healthy.
    pub severity_reason: Option<String>,
    /// Present while the job's metrics have not settled since its tasks (re)started: then
    /// every vertex is unknown and nothing is alarmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warming_up: Option<WarmUp>,
}

/// A job warming up: Flink's first measurements after tasks start describe the start-up (every
/// task busy 1000 ms/s, no records), not the job.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct WarmUp {
    /// Since the tasks last started (JobManager clock), s.
    pub started_s_ago: f64,
    /// Until the first measurement that counts, at the latest, s; null while tasks are still
    /// being deployed or initialised.
    pub settles_in_s: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ForecastStatus {
    /// A credible line reaches the threshold: `eta_seconds` says when.
    Eta,
    /// Already at the threshold: `saturated_since_ms` says since when.
    Saturated,
    /// Flat or falling, or a slope not clearly above zero.
    NoTrend,
    /// The line explains too little of the variance.
    PoorFit,
    /// Pool usage flips between near-empty and near-full: a line means nothing.
    Bimodal,
    /// Too few samples or too short a window.
    NotEnoughData,
}

/// When a metric of a vertex reaches the threshold, by least squares over the recent history.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Forecast {
    pub job_id: String,
    pub vertex_id: String,
    /// The vertex name (and the hot subtask when skewed).
    pub subject: String,
    /// busy | out_pool | in_pool (ratios of the worst subtask).
    pub metric: String,
    pub current: Option<f64>,
    pub threshold: f64,
    pub status: ForecastStatus,
    /// Change per second of the fitted line.
    pub slope_per_s: Option<f64>,
    /// The fitted line's value at the last sample (where the ETA is counted from).
    pub fitted_last: Option<f64>,
    /// Time of the last sample, ms.
    pub last_ms: Option<i64>,
    pub r2: Option<f64>,
    pub samples: usize,
    /// Seconds between the first and last sample fitted.
    pub window_s: f64,
    /// Seconds from the last sample until the line reaches the threshold; null with `reason`.
    pub eta_seconds: Option<f64>,
    /// The same for the slope ± two standard errors (high: null when the slope could be zero).
    pub eta_low_seconds: Option<f64>,
    pub eta_high_seconds: Option<f64>,
    pub saturated_since_ms: Option<i64>,
    /// Why there is no ETA, or what the ETA rests on.
    pub reason: Option<String>,
}

/// Burrow-like state of a partition's consumption.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LagTrend {
    /// Keeping up: lag flat or shrinking.
    Ok,
    /// Lag clearly rising while the group commits.
    Growing,
    /// No commits, lag above zero, but nothing new is produced either.
    Stalled,
    /// No commits while new data arrives.
    Stopped,
    /// The committed offset went backwards (a reset or a replay).
    Rewinding,
    /// Too little history to tell.
    Unknown,
}

impl LagTrend {
    /// How bad a trend is, for "the worst of": a stopped consumer outranks a growing lag.
    pub fn rank(self) -> u8 {
        match self {
            LagTrend::Ok => 0,
            LagTrend::Unknown => 1,
            LagTrend::Growing => 2,
            LagTrend::Stalled => 3,
            LagTrend::Rewinding => 4,
            LagTrend::Stopped => 5,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LagTrend::Ok => "ok",
            LagTrend::Growing => "growing",
            LagTrend::Stalled => "stalled",
            LagTrend::Stopped => "stopped",
            LagTrend::Rewinding => "rewinding",
            LagTrend::Unknown => "unknown",
        }
    }
}

/// One partition's consumer lag with its trend and the time left before retention deletes
/// unread data.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LagPartition {
    pub source: String,
    pub cluster: Option<String>,
    pub group: String,
    pub topic: String,
    pub partition: i32,
    pub lag: Option<f64>,
    /// Seconds behind: the exporter's, or estimated from the log-end history (`lag_seconds_estimated`).
    pub lag_seconds: Option<f64>,
    pub lag_seconds_estimated: bool,
    pub log_end_offset: Option<f64>,
    pub committed_offset: Option<f64>,
    pub log_start_offset: Option<f64>,
    /// Least-squares change of the lag per second over the forecast window.
    pub growth_per_s: Option<f64>,
    /// Records per second written to the partition (least-squares slope of the log-end offset).
    pub produce_per_s: Option<f64>,
    /// Records per second the group reads from it (slope of the committed offset; Flink
    /// commits on checkpoints, so over the window, not per poll).
    pub consume_per_s: Option<f64>,
    pub trend: LagTrend,
    /// Seconds until the lag is gone at the current rate, when it shrinks.
    pub time_to_drain_s: Option<f64>,
    /// Seconds until retention deletes data the group has not read, when the margin
    /// (committed − log start) closes credibly; null with `loss_reason`.
    pub time_to_data_loss_s: Option<f64>,
    pub loss_reason: Option<String>,
    /// Burrow's own status, as it says it.
    pub status: Option<String>,
    /// The consumer owning the partition, when the source names it.
    pub client_id: Option<String>,
    /// Far more lag than the group's other partitions.
    pub hot: bool,
}

/// A consumer group over all its partitions, tied to the Flink source that reads it when known.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LagGroup {
    pub cluster: Option<String>,
    pub group: String,
    pub topics: Vec<String>,
    pub partitions: usize,
    /// Sum over the partitions whose lag is known (see `unknown_partitions`).
    pub total_lag: Option<f64>,
    /// Partitions whose lag is unknown (no commit yet, NaN, negative).
    pub unknown_partitions: usize,
    pub growth_per_s: Option<f64>,
    /// Records per second the producers write to the group's topics (sum of the partitions'
    /// log-end slopes; null unless every partition has one).
    pub production_per_s: Option<f64>,
    /// Records per second the group reads (sum of the committed offsets' slopes, all or null).
    pub consumption_per_s: Option<f64>,
    pub max_lag_seconds: Option<f64>,
    /// True when `max_lag_seconds` is bptop's estimate from its own log-end history.
    pub max_lag_seconds_estimated: bool,
    /// The worst partition trend.
    pub trend: LagTrend,
    pub time_to_data_loss_s: Option<f64>,
    pub hot_partitions: Vec<String>,
    /// The Flink job and source vertex that consume this group, when matched.
    pub job_id: Option<String>,
    /// The source vertex's name, and its id.
    pub source_vertex: Option<String>,
    pub source_vertex_id: Option<String>,
    /// One sentence for a person.
    pub summary: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SourceReport {
    pub name: String,
    #[serde(serialize_with = "kind_name")]
    pub kind: SourceKind,
    pub endpoint: String,
    pub ok: bool,
    pub error: Option<String>,
    pub partial_errors: Vec<String>,
    pub requests: u32,
    /// Its request outlasted the poll: not failed, but this verdict has none of its data.
    pub late: bool,
}

/// One cause of the run's severity: every cause at warning or above is listed, worst first, so
/// that no severity is shown without its reason.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reason {
    pub severity: Severity,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnosis {
    pub schema_version: u32,
    pub severity: Severity,
    /// Time of the newest snapshot, ms since the epoch.
    pub at_ms: i64,
    /// Span covered by the analysis window, seconds.
    pub window_s: f64,
    pub jobs: Vec<JobDiagnosis>,
    /// Every (vertex, metric) with history: ETA, or null and the reason.
    pub forecasts: Vec<Forecast>,
    /// How far back the forecasts look, seconds.
    pub forecast_window_s: f64,
    /// Consumer lag per partition, from every lag source.
    pub lag: Vec<LagPartition>,
    /// Consumer lag per group.
    pub lag_groups: Vec<LagGroup>,
    /// When the lag rows were read: older than `at_ms` when the lag source failed since (the
    /// last rows are kept, not dropped).
    pub lag_as_of_ms: Option<i64>,
    /// When the jobs were last read, when that is older than `at_ms`: the sources of jobs
    /// failed since while another source answered (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jobs_as_of_ms: Option<i64>,
    pub sources: Vec<SourceReport>,
    /// Why `severity` is what it is: every cause at warning or above, worst first.
    pub reasons: Vec<Reason>,
}

impl Diagnosis {
    /// Adds a cause of the run's severity: the reasons stay worst first (a new one goes after
    /// those as bad or worse), and the severity is never below its worst reason.
    pub fn add_reason(&mut self, reason: Reason) {
        let at = self.reasons.iter().position(|r| r.severity < reason.severity).unwrap_or(self.reasons.len());
        self.severity = self.severity.max(reason.severity);
        self.reasons.insert(at, reason);
    }
}

/// A source kind in the JSON: its name ("flink", "prometheus-text", …).
fn kind_name<S: serde::Serializer>(kind: &SourceKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.name())
}

/// Hand-built verdicts for the tests of what reads them (tree order, labels).
#[cfg(test)]
pub mod test_support {
    use super::*;

    pub fn vertex_of(id: &str, name: &str, inputs: &[String]) -> VertexDiagnosis {
        VertexDiagnosis {
            id: id.into(),
            name: name.into(),
            parallelism: 1,
            inputs: inputs.iter().map(|i| InputEdge { id: i.clone(), ship_strategy: None }).collect(),
            operators: vec![name.into()],
            class: Class::Healthy,
            confidence: 0.5,
            measurements: 1,
            busy: None,
            busy_avg: None,
            backpressured: None,
            idle: None,
            in_pool: None,
            out_pool: None,
            records_in_per_s: None,
            records_out_per_s: None,
            backpressure_level: None,
            skewed_subtasks: Vec::new(),
            timeline: Vec::new(),
            held: 0,
            caused_by: Vec::new(),
            evidence: Vec::new(),
            subtasks: Vec::new(),
        }
    }

    pub fn job_of(vertices: Vec<VertexDiagnosis>) -> JobDiagnosis {
        JobDiagnosis {
            id: "job".into(),
            name: "job".into(),
            state: "RUNNING".into(),
            severity: Severity::Healthy,
            summary: String::new(),
            bottlenecks: Vec::new(),
            vertices,
            findings: Vec::new(),
            samples: 1,
            outlook: None,
            severity_reason: None,
            warming_up: None,
        }
    }
}
