//! The normalized model: plain data, one `Snapshot` per poll.
//!
//! Every value that a source did not report (absent, `NaN`, a failed request) is `None`, never 0:
//! the analysis must be able to tell "idle" from "unknown".

use std::fmt;

/// The task metrics bptop reads, whatever the source calls them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// Fraction of time busy (0..1), from `busyTimeMsPerSecond`.
    Busy,
    /// Fraction of time backpressured (0..1), soft + hard.
    Backpressured,
    /// Fraction of time idle (0..1).
    Idle,
    /// Backpressured while still able to process (0..1).
    SoftBackpressured,
    /// Backpressured and blocked (0..1).
    HardBackpressured,
    /// Input buffer pool usage (0..1).
    InPool,
    /// Output buffer pool usage (0..1).
    OutPool,
    /// Buffers queued in input channels.
    InQueueLength,
    /// Buffers queued in output subpartitions.
    OutQueueLength,
    /// Records received per second.
    RecordsIn,
    /// Records emitted per second.
    RecordsOut,
}

impl Metric {
    pub const ALL: [Metric; 11] = [
        Metric::Busy,
        Metric::Backpressured,
        Metric::Idle,
        Metric::SoftBackpressured,
        Metric::HardBackpressured,
        Metric::InPool,
        Metric::OutPool,
        Metric::InQueueLength,
        Metric::OutQueueLength,
        Metric::RecordsIn,
        Metric::RecordsOut,
    ];
    pub const COUNT: usize = Self::ALL.len();

    pub fn index(self) -> usize {
        self as usize
    }

    /// Ratios live in 0..1; rates and queue lengths do not.
    pub fn is_ratio(self) -> bool {
        !matches!(self, Metric::InQueueLength | Metric::OutQueueLength | Metric::RecordsIn | Metric::RecordsOut)
    }

    pub fn label(self) -> &'static str {
        match self {
            Metric::Busy => "busy",
            Metric::Backpressured => "backpressured",
            Metric::Idle => "idle",
            Metric::SoftBackpressured => "soft backpressured",
            Metric::HardBackpressured => "hard backpressured",
            Metric::InPool => "inPool",
            Metric::OutPool => "outPool",
            Metric::InQueueLength => "input queue",
            Metric::OutQueueLength => "output queue",
            Metric::RecordsIn => "records in/s",
            Metric::RecordsOut => "records out/s",
        }
    }
}

/// One value per [`Metric`]; `None` = not reported.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MetricValues([Option<f64>; Metric::COUNT]);

impl MetricValues {
    pub fn get(&self, m: Metric) -> Option<f64> {
        self.0[m.index()]
    }

    /// Stores a value; non-finite values become `None`, ratios are clamped into 0..1
    /// (Flink occasionally reports 1001 ms per second).
    pub fn set(&mut self, m: Metric, v: Option<f64>) {
        let v = v.filter(|x| x.is_finite()).map(|x| if m.is_ratio() { x.clamp(0.0, 1.0) } else { x });
        self.0[m.index()] = v;
    }

    pub fn with(mut self, m: Metric, v: f64) -> Self {
        self.set(m, Some(v));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }
}

/// Minimum, maximum, average and sum of one metric across the subtasks of a vertex.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stat {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub avg: Option<f64>,
    pub sum: Option<f64>,
}

impl Stat {
    /// The statistic of a set of subtask values (missing ones skipped).
    pub fn of(values: impl IntoIterator<Item = Option<f64>>) -> Stat {
        let vals: Vec<f64> = values.into_iter().flatten().filter(|v| v.is_finite()).collect();
        if vals.is_empty() {
            return Stat::default();
        }
        let sum: f64 = vals.iter().sum();
        Stat {
            min: vals.iter().copied().reduce(f64::min),
            max: vals.iter().copied().reduce(f64::max),
            avg: Some(sum / vals.len() as f64),
            sum: Some(sum),
        }
    }
}

/// Per-metric statistics of a vertex.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VertexStats([Stat; Metric::COUNT]);

impl VertexStats {
    pub fn get(&self, m: Metric) -> Stat {
        self.0[m.index()]
    }
    /// Stores a statistic as `MetricValues::set` stores a value: non-finite numbers become
    /// `None`, and a ratio's min, max and mean are clamped into 0..1 (its sum over subtasks only
    /// to at least 0). Flink's aggregated `/subtasks/metrics` is read unchecked and can say
    /// 1001 ms per second, or anything a broken proxy makes of it.
    pub fn set(&mut self, m: Metric, s: Stat) {
        let keep = |x: Option<f64>, lo: f64, hi: f64| {
            x.filter(|x| x.is_finite()).map(|x| if m.is_ratio() { x.clamp(lo, hi) } else { x })
        };
        self.0[m.index()] = Stat {
            min: keep(s.min, 0.0, 1.0),
            max: keep(s.max, 0.0, 1.0),
            avg: keep(s.avg, 0.0, 1.0),
            sum: keep(s.sum, 0.0, f64::MAX),
        };
    }
    /// Gives the `metrics` that have no statistic yet the one of `subtasks` (when per-subtask
    /// values arrived from another answer than the aggregate).
    pub fn fill_missing_from(&mut self, subtasks: &[Subtask], metrics: &[Metric]) {
        let from_subtasks = VertexStats::from_subtasks(subtasks);
        for &m in metrics {
            if self.get(m).max.is_none() {
                self.set(m, from_subtasks.get(m));
            }
        }
    }

    pub fn from_subtasks(subtasks: &[Subtask]) -> VertexStats {
        let mut stats = VertexStats::default();
        for m in Metric::ALL {
            stats.set(m, Stat::of(subtasks.iter().map(|s| s.metrics.get(m))));
        }
        stats
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Subtask {
    pub index: u32,
    pub metrics: MetricValues,
    /// Flink's sampled level for this subtask, when the source reports one.
    pub backpressure_level: Option<BackpressureLevel>,
}

/// The subtask with `index`, added without values when it is not there yet.
pub fn subtask_entry(subtasks: &mut Vec<Subtask>, index: u32) -> &mut Subtask {
    let pos = match subtasks.iter().position(|s| s.index == index) {
        Some(p) => p,
        None => {
            subtasks.push(Subtask { index, metrics: MetricValues::default(), backpressure_level: None });
            subtasks.len() - 1
        }
    };
    &mut subtasks[pos]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum BackpressureLevel {
    Ok,
    Low,
    High,
}

impl BackpressureLevel {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "ok" => Some(Self::Ok),
            "low" => Some(Self::Low),
            "high" => Some(Self::High),
            _ => None,
        }
    }
}

impl fmt::Display for BackpressureLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Ok => "ok",
            Self::Low => "low",
            Self::High => "high",
        })
    }
}

/// An edge of the job graph, seen from its consumer.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    pub from: String,
    /// FORWARD, HASH, REBALANCE, … as the plan names it.
    pub ship_strategy: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Vertex {
    pub id: String,
    pub name: String,
    pub parallelism: u32,
    pub max_parallelism: Option<u32>,
    /// The operators chained inside this vertex, in order (one when nothing is chained).
    pub operators: Vec<String>,
    pub inputs: Vec<Input>,
    /// Across subtasks; for parallelism 1 these equal the single subtask.
    pub stats: VertexStats,
    /// Per subtask detail; may be empty when only aggregates could be read.
    pub subtasks: Vec<Subtask>,
    pub backpressure_level: Option<BackpressureLevel>,
    /// When Flink's metric store last refreshed these values (the `/backpressure`
    /// end-timestamp). Polls between two refreshes repeat one measurement.
    pub measured_at_ms: Option<i64>,
    /// Why some metrics are missing (failed request, not registered …), for the evidence.
    pub gaps: Vec<String>,
    /// Flink's running totals of time per state, when the job's details carry them.
    pub time_totals: Option<TimeTotals>,
}

/// Milliseconds a vertex's subtasks have spent in each state since they started, summed over
/// subtasks (`accumulated-*-time` in `/jobs/:jid`, from Flink's metric store). The difference
/// between two refreshes is the exact time share of that interval, where the per-second gauges
/// are averages over the last 60 s (Flink's `TimerGauge`: 12 buckets of 5 s) and smooth a short
/// stall into a mild, steady backpressure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeTotals {
    /// `None` where Flink cannot measure it (a legacy source reports NaN).
    pub busy_ms: Option<f64>,
    pub backpressured_ms: f64,
    pub idle_ms: f64,
}

impl Vertex {
    /// True when the busy/backpressured/idle triple says something: all three zero (or all
    /// absent) is what Flink answers before it has measured anything. A legacy source reports
    /// busy as NaN next to zeros: that is data (busy unknown), not silence.
    pub fn has_time_data(&self) -> bool {
        let s = &self.stats;
        let triple = [s.get(Metric::Busy).max, s.get(Metric::Backpressured).max, s.get(Metric::Idle).max];
        let any_positive = triple.iter().any(|x| x.is_some_and(|x| x > 0.0));
        let busy_nan_beside_others = triple[0].is_none() && triple[1..].iter().any(Option::is_some);
        any_positive || busy_nan_beside_others
    }

    pub fn new(id: &str, name: &str, parallelism: u32) -> Vertex {
        Vertex {
            id: id.to_string(),
            name: name.to_string(),
            parallelism,
            max_parallelism: None,
            operators: split_chain(name),
            inputs: Vec::new(),
            stats: VertexStats::default(),
            subtasks: Vec::new(),
            backpressure_level: None,
            measured_at_ms: None,
            gaps: Vec::new(),
            time_totals: None,
        }
    }

    pub fn is_source(&self) -> bool {
        self.inputs.is_empty()
    }
}

/// The latest time bptop accepts from an answer or a recording: the end of the year 9999, in ms
/// since the epoch.
pub const MAX_TIME_MS: i64 = 253_402_300_799_999;

/// Whether a time read from an answer or a recording (ms since the epoch) is one: from 1970 to
/// the year 9999. Anything else is a broken answer, and the analysis subtracts times from each
/// other, which must not overflow.
pub fn plausible_time_ms(t: i64) -> bool {
    (0..=MAX_TIME_MS).contains(&t)
}

/// The first eight characters of an id, for people (ids from a proxy may not be ASCII).
pub fn short_id(id: &str) -> String {
    id.chars().take(8).collect()
}

/// Flink names a chained vertex "A -> B -> C".
pub fn split_chain(name: &str) -> Vec<String> {
    name.split(" -> ").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

/// When a job's tasks last started, in the JobManager's clock (from `/jobs/:jid`): metrics
/// measured before they settled describe the start-up, not the job (warm-up).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Started {
    /// The later of the job's last switch to RUNNING (a restart moves it) and its vertices'
    /// start times, ms.
    pub at_ms: i64,
    /// The JobManager's clock when it answered, ms.
    pub jm_now_ms: i64,
    /// Some task is not RUNNING yet (scheduled, deploying, initializing).
    pub tasks_starting: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Job {
    pub id: String,
    pub name: String,
    /// RUNNING, RESTARTING, … as Flink says it.
    pub state: String,
    /// In data-flow order as the source listed them (the analysis sorts topologically itself).
    pub vertices: Vec<Vertex>,
    /// False when the edges between vertices could not be read (no plan): then no vertex can
    /// be called a source or a sink, and the walk from victims to their cause is impossible.
    pub graph_known: bool,
    /// When its tasks last started; None when the source does not say (the reporter).
    pub started: Option<Started>,
}

impl Job {
    pub fn vertex(&self, id: &str) -> Option<&Vertex> {
        self.vertices.iter().find(|v| v.id == id)
    }

    /// Flink's newest measurement time among the vertices (the metric store's last refresh
    /// this answer carries), when the source gives one.
    pub fn measured_at_ms(&self) -> Option<i64> {
        self.vertices.iter().filter_map(|v| v.measured_at_ms).max()
    }
}

/// The kinds of system bptop reads: the registry every other module asks, so that a kind's
/// name is spelled once (recordings, reports and the dashboard use `name`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourceKind {
    /// Flink's REST API: the job graph and its metrics.
    Flink,
    /// An exposition text read directly (`--scrape`): a Flink reporter, a lag exporter.
    PrometheusText,
    /// A Prometheus server's query API.
    Prometheus,
    /// Burrow's v3 HTTP API: consumer lag.
    Burrow,
}

impl SourceKind {
    pub const ALL: [SourceKind; 4] =
        [SourceKind::Flink, SourceKind::PrometheusText, SourceKind::Prometheus, SourceKind::Burrow];

    /// The kind's name in recordings' manifests, reports and the JSON.
    pub const fn name(self) -> &'static str {
        match self {
            SourceKind::Flink => "flink",
            SourceKind::PrometheusText => "prometheus-text",
            SourceKind::Prometheus => "prometheus",
            SourceKind::Burrow => "burrow",
        }
    }

    pub fn from_name(name: &str) -> Option<SourceKind> {
        SourceKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Where this kind's jobs come from, if it reads any (Burrow only knows consumer groups).
    pub fn jobs_from(self) -> Option<JobOrigin> {
        match self {
            SourceKind::Flink => Some(JobOrigin::Rest),
            SourceKind::PrometheusText => Some(JobOrigin::Reporter),
            SourceKind::Prometheus => Some(JobOrigin::ReporterCopy),
            SourceKind::Burrow => None,
        }
    }

    /// Whether a source of this kind tells which jobs run.
    pub fn reads_jobs(self) -> bool {
        self.jobs_from().is_some()
    }

    /// What a source of this kind gives, in a report's words.
    pub fn gives(self) -> &'static str {
        match self {
            SourceKind::Flink => "the job graph and REST metrics",
            SourceKind::PrometheusText => "what it exposes: reporter metrics, consumer lag",
            SourceKind::Prometheus => "the Flink and lag metrics the server holds",
            SourceKind::Burrow => "consumer lag",
        }
    }
}

impl std::fmt::Display for SourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How a source knows its jobs, which decides whose jobs stand when several answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobOrigin {
    /// Flink's REST API: the graph, the states, the metrics.
    Rest,
    /// A Flink reporter's text, read directly: metrics without a graph.
    Reporter,
    /// A reporter's text as a Prometheus server keeps it: older than a direct read.
    ReporterCopy,
}

/// What one poll of one source gave: jobs (from REST or a reporter), lag rows, and how it went.
#[derive(Clone, Debug, PartialEq)]
pub struct SourcePoll {
    pub jobs: Vec<Job>,
    pub lag: Vec<LagRow>,
    pub health: SourceHealth,
}

impl SourcePoll {
    /// No data, with this health (a poll that could not run, or failed).
    pub fn empty(health: SourceHealth) -> SourcePoll {
        SourcePoll { jobs: Vec::new(), lag: Vec::new(), health }
    }
}

/// Health of one configured endpoint at the time of a snapshot.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceHealth {
    pub name: String,
    pub kind: SourceKind,
    /// Base URL or recording path, without credentials.
    pub endpoint: String,
    pub ok: bool,
    /// One line: what failed, with the URL and status.
    pub error: Option<String>,
    /// Requests that failed in this poll although the poll as a whole went through.
    pub partial_errors: Vec<String>,
    pub requests: u32,
    /// Not failed: its request was still running when the poll had to go on (`ok` is false
    /// and this poll has none of its data; the request's answer comes with a later poll).
    pub late: bool,
}

/// Consumer lag of one partition for one consumer group, as an exporter or Burrow reports it.
/// Every number is optional: exporters differ in what they expose, and `-1`/NaN mean unknown.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LagRow {
    /// Name of the bptop source that reported it ("kafka-lag-exporter", "burrow", …).
    pub source: String,
    pub cluster: Option<String>,
    pub group: String,
    pub topic: String,
    pub partition: i32,
    /// Messages behind (log end − committed offset).
    pub lag: Option<f64>,
    /// Time behind, when the exporter estimates it.
    pub lag_seconds: Option<f64>,
    pub log_end_offset: Option<f64>,
    pub committed_offset: Option<f64>,
    /// Oldest offset still in the log (retention deletes below it).
    pub log_start_offset: Option<f64>,
    /// Client id / member of the group owning the partition, when exposed.
    pub client_id: Option<String>,
    /// Burrow's own evaluation (OK, WARN, STALL, STOP, ERR, REWIND), kept as it is.
    pub status: Option<String>,
    /// True when the exporter says the topic is compacted (no retention-based data loss).
    pub compacted: Option<bool>,
}

/// Everything bptop learned in one poll.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// When the poll started (wall clock live, recorded time in replay), ms since the epoch.
    pub at_ms: i64,
    pub jobs: Vec<Job>,
    /// Consumer lag rows from every lag source.
    pub lag: Vec<LagRow>,
    pub sources: Vec<SourceHealth>,
}

impl Snapshot {
    /// Whether this poll says which jobs there are: it brought jobs; or Flink's REST answered
    /// (its list stands, even empty); or, without REST, every reporter answered; or it is
    /// history from a server (no sources). False during a Flink outage while a lag source
    /// (Burrow, an exporter's text, a Prometheus server) still answers: an empty list then
    /// means "not known", not "no jobs".
    pub fn knows_jobs(&self) -> bool {
        if !self.jobs.is_empty() || self.sources.is_empty() {
            return true;
        }
        let mut rest = self.sources.iter().filter(|s| s.kind.jobs_from() == Some(JobOrigin::Rest)).peekable();
        if rest.peek().is_some() {
            return rest.any(|s| s.ok);
        }
        self.sources.iter().filter(|s| s.kind.reads_jobs()).all(|s| s.ok)
    }
}

/// Hand-built snapshots for the tests of the pure core and the dashboard.
#[cfg(test)]
pub mod test_support {
    use super::*;

    /// A vertex from per-subtask (busy, backpressured, idle) ratios (NaN: not reported), each
    /// subtask taking 500 records per second and emitting 300 (a filter's selectivity, 0.6):
    /// distinct so that a rule reading records out where it means records in is seen.
    pub fn vertex(id: &str, name: &str, inputs: &[&str], subtasks: &[(f64, f64, f64)]) -> Vertex {
        let some = |x: f64| (!x.is_nan()).then_some(x);
        let mut v = Vertex::new(id, name, subtasks.len().max(1) as u32);
        v.inputs = inputs.iter().map(|i| Input { from: i.to_string(), ship_strategy: Some("HASH".into()) }).collect();
        v.subtasks = subtasks
            .iter()
            .enumerate()
            .map(|(i, (b, p, d))| {
                let mut m = MetricValues::default();
                m.set(Metric::Busy, some(*b));
                m.set(Metric::Backpressured, some(*p));
                m.set(Metric::Idle, some(*d));
                m.set(Metric::RecordsIn, Some(500.0));
                m.set(Metric::RecordsOut, Some(300.0));
                Subtask { index: i as u32, metrics: m, backpressure_level: None }
            })
            .collect();
        v.stats = VertexStats::from_subtasks(&v.subtasks);
        v
    }

    /// A RUNNING job of these vertices, its plan known, its start not (named by its id).
    pub fn running_job(id: &str, vertices: Vec<Vertex>) -> Job {
        Job { id: id.into(), name: id.into(), state: "RUNNING".into(), vertices, graph_known: true, started: None }
    }
}

#[cfg(test)]
mod tests {
    use super::SourceKind::{self, *};

    #[test]
    fn every_source_kind_is_listed_and_named_once() {
        // A new kind breaks this match: add it here and to `SourceKind::ALL`.
        let listed = |k: SourceKind| match k {
            Flink | PrometheusText | Prometheus | Burrow => SourceKind::ALL.contains(&k),
        };
        for k in [Flink, PrometheusText, Prometheus, Burrow] {
            assert!(listed(k), "{k:?} is not in SourceKind::ALL");
            assert_eq!(SourceKind::from_name(k.name()), Some(k), "{k:?}: its name reads back");
        }
        let mut names: Vec<&str> = SourceKind::ALL.iter().map(|k| k.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SourceKind::ALL.len(), "names are distinct");
    }
}
