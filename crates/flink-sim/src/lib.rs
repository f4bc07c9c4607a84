//! A simulated Apache Flink REST API (Flink 1.13–2.x semantics) for fixtures, tests and
//! benchmarks.
//!
//! A [`Scenario`] (JSON, see below) describes jobs, their vertices and constant per-subtask
//! metric values; [`router`] / [`serve`] answer the handful of REST endpoints bptop reads with
//! bodies shaped like the ones a real Flink 2.3 cluster sent (bptop's `fixtures/real/` holds such
//! captures), including Flink's quirks:
//!
//! * `/subtasks/metrics?get=a,unknown` answers `[]`: one unregistered name empties the whole
//!   aggregated answer (Flink's `AggregatedMetricsStoreHelper` returns early), while a
//!   non-numeric metric such as `isBackPressured` is silently skipped.
//! * `/vertices/<vid>/metrics?get=0.a,0.unknown` drops the unknown name, answers values as
//!   strings (`"998"` for long gauges and counters, `"1000.0"` for doubles, `"NaN"`,
//!   `"true"`), deduplicated and in hash order rather than request order.
//! * NaN is the JSON string `"NaN"` wherever Flink writes a double.
//! * Metric and back-pressure endpoints do not check that the job or vertex exists (they only
//!   look into the metric store): an unknown job/vertex answers `200 []` and
//!   `200 {"status":"deprecated"}`, exactly like Flink. Only `/jobs/<jid>` and
//!   `/jobs/<jid>/plan` answer 404 for an unknown job.
//!
//! Scenario JSON (snake_case):
//!
//! ```json
//! {
//!   "flink_version": "2",
//!   "note": "free text",
//!   "jobs": [{
//!     "id": "<32 lowercase hex>", "name": "orders-enrichment", "state": "RUNNING",
//!     "vertices": [{
//!       "id": "<32 lowercase hex>", "name": "Source: kafka-orders -> Map",
//!       "parallelism": 4, "max_parallelism": 128,
//!       "inputs": [{"id": "<upstream vertex id>", "ship_strategy": "HASH"}],
//!       "metrics": {"busy": 1000.0, "backpressured": 0.0, "idle": 0.0,
//!                   "in_pool": 0.0, "out_pool": 0.1, "records_in": 900.0, "records_out": 900.0},
//!       "subtasks": {"2": {"busy": 990.0, "idle": 5.0}}
//!     }]
//!   }]
//! }
//! ```
//!
//! `busy`, `backpressured`, `idle` (and the optional `hard_backpressured`, the part of
//! `backpressured` that is hard; default 0) are ms per second; `in_pool`/`out_pool` are buffer
//! pool usages 0..1; `records_in`/`records_out` are records per second per subtask. A value is a
//! number or the string `"NaN"`; an absent key means the metric is not registered at all.
//! `subtasks` entries are merged field by field over `metrics`. Values are constant over time;
//! only the `numRecordsIn`/`numRecordsOut` counters (rate × seconds since the server started)
//! and the job durations move.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Map, Value};

// ---------------------------------------------------------------------------------------------
// Scenario model
// ---------------------------------------------------------------------------------------------

/// Everything the simulated cluster knows: jobs, vertices and their constant metric values.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Which metric names and body shapes to imitate.
    #[serde(default)]
    pub flink_version: FlinkVersion,
    /// Free text; fixtures say here which vertex is the bottleneck by construction.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    #[serde(default)]
    pub jobs: Vec<Job>,
    /// How the JobManager's metric store serves values; absent: every answer is computed at
    /// the moment of the request from the instantaneous values (the fixtures' behaviour).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_store: Option<MetricStore>,
}

/// Flink's metric store as a JobManager serves it: answers repeat the last refresh, the
/// per-second time gauges and rates are averages over a window of 5 s buckets, pool usage moves
/// one buffer at a time, and real values jitter. For realistic forecasts and persistence.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricStore {
    /// `metrics.fetcher.update-interval` in seconds (Flink: 10): every answer between two
    /// refreshes repeats the first, and `/backpressure` dates it by the refresh.
    pub refresh_s: f64,
    /// Seconds the busy/backpressured/idle gauges and the record rates average over (Flink's
    /// `TimerGauge` and `MeterView`: 60, in 5 s buckets).
    #[serde(default = "default_gauge_window")]
    pub window_s: f64,
    /// Buffers in a pool: usage moves in steps of 1/`pool_buffers` (Flink: 2 per channel plus 8
    /// floating per gate). Absent: continuous.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_buffers: Option<u32>,
    /// Amplitude of the jitter: uniform in ±`noise` ms/s added to busy time (taken from idle)
    /// per 5 s bucket, and ±`noise`/1000 to pool usage per refresh. Seeded and deterministic.
    #[serde(default)]
    pub noise: f64,
    #[serde(default)]
    pub seed: u64,
}

fn default_gauge_window() -> f64 {
    60.0
}

/// The width of one bucket of Flink's `TimerGauge`/`MeterView` (`View.UPDATE_INTERVAL_SECONDS`).
const BUCKET_S: f64 = 5.0;

/// Uniform in [-1, 1], from a hash of the inputs (splitmix64).
fn jitter(seed: u64, key: &str, subtask: u32, slot: i64) -> f64 {
    let mut x = seed ^ hash_order(key) ^ (u64::from(subtask) << 40) ^ (slot as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    (x >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

impl MetricStore {
    /// The time of the last refresh at or before `elapsed_s`.
    fn refreshed_at(&self, elapsed_s: f64) -> f64 {
        if self.refresh_s > 0.0 {
            (elapsed_s / self.refresh_s).floor() * self.refresh_s
        } else {
            elapsed_s
        }
    }

    /// What subtask `index` of `vertex` reports at the refresh `at_s`: time gauges and rates
    /// averaged over the window's buckets (each with its jitter), pools as sampled then.
    fn reported(&self, vertex: &Vertex, index: u32, at_s: f64) -> Metrics {
        let buckets = (self.window_s / BUCKET_S).round().max(1.0) as i64;
        let mut sums = [0.0f64; 5];
        let mut now = vertex.subtask_at(index, at_s);
        for b in 0..buckets {
            let end = at_s - BUCKET_S * b as f64;
            let m = vertex.subtask_at(index, end - BUCKET_S / 2.0);
            let slot = (end / BUCKET_S).floor() as i64;
            let noise = self.noise * jitter(self.seed, &vertex.id, index, slot);
            let v = |x: Option<MetricValue>| x.map_or(f64::NAN, |x| x.0);
            let (busy, idle) = (v(m.busy), v(m.idle));
            // Jitter moves time between busy and idle: the three still add up to 1000 ms/s.
            let shift = if busy.is_finite() && idle.is_finite() { noise.clamp(-busy, idle) } else { 0.0 };
            for (k, x) in
                [busy + shift, v(m.backpressured), idle - shift, v(m.records_in), v(m.records_out)].iter().enumerate()
            {
                sums[k] += x;
            }
        }
        let avg = |k: usize, x: Option<MetricValue>| {
            x.map(|x| if x.0.is_finite() { MetricValue(sums[k] / buckets as f64) } else { x })
        };
        let refresh = (at_s / self.refresh_s.max(1e-9)).round() as i64;
        let pool = |x: Option<MetricValue>, which: u32| {
            x.map(|MetricValue(p)| {
                let p = (p + self.noise / 1000.0 * jitter(self.seed, &vertex.id, index * 2 + which, refresh))
                    .clamp(0.0, 1.0);
                MetricValue(match self.pool_buffers {
                    Some(n) if n > 0 => (p * f64::from(n)).round() / f64::from(n),
                    _ => p,
                })
            })
        };
        now.busy = avg(0, now.busy);
        now.backpressured = avg(1, now.backpressured);
        now.idle = avg(2, now.idle);
        now.records_in = avg(3, now.records_in);
        now.records_out = avg(4, now.records_out);
        now.in_pool = pool(now.in_pool, 0);
        now.out_pool = pool(now.out_pool, 1);
        now
    }
}

/// Flink major version: `"1"` (1.13–1.20: `buffers.*` metric names, dashed back-pressure keys
/// only) or `"2"` (2.x: `Shuffle.Netty.*` names, camelCase and dashed back-pressure keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum FlinkVersion {
    #[serde(rename = "1")]
    V1,
    #[default]
    #[serde(rename = "2")]
    V2,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Job {
    pub id: String,
    pub name: String,
    /// A Flink `JobStatus` name, e.g. `RUNNING`, `RESTARTING`, `INITIALIZING`.
    #[serde(default = "default_job_state")]
    pub state: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    pub vertices: Vec<Vertex>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vertex {
    pub id: String,
    /// The vertex name as Flink reports it; chained operators are joined by `" -> "`.
    pub name: String,
    pub parallelism: u32,
    #[serde(default = "default_max_parallelism")]
    pub max_parallelism: u32,
    /// Upstream vertices; empty for sources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<Input>,
    /// Values every subtask reports unless `subtasks` overrides them.
    #[serde(default)]
    pub metrics: Metrics,
    /// Per-subtask overrides, merged field by field over `metrics`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub subtasks: BTreeMap<u32, Metrics>,
    /// A load ramp: change per second since the server started, per metric (same units as
    /// `metrics`); values are clamped to their range. Absent: constant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ramp: Option<Metrics>,
    /// Amplitude of a deterministic wobble added to ramped metrics, so that a fitted line is
    /// not exact (same units as the metric).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub wobble: f64,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    pub id: String,
    /// `FORWARD`, `HASH`, `REBALANCE`, `RESCALE`, `BROADCAST`, ...
    #[serde(default = "default_ship_strategy")]
    pub ship_strategy: String,
}

/// Metric values of one subtask. `None` means "not registered".
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metrics {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busy: Option<MetricValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backpressured: Option<MetricValue>,
    /// Part of `backpressured` that is hard back pressure (default 0: all soft).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hard_backpressured: Option<MetricValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle: Option<MetricValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_pool: Option<MetricValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_pool: Option<MetricValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records_in: Option<MetricValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records_out: Option<MetricValue>,
}

impl Metrics {
    /// `self` with every absent field taken from `base`.
    fn merged_over(&self, base: &Metrics) -> Metrics {
        Metrics {
            busy: self.busy.or(base.busy),
            backpressured: self.backpressured.or(base.backpressured),
            hard_backpressured: self.hard_backpressured.or(base.hard_backpressured),
            idle: self.idle.or(base.idle),
            in_pool: self.in_pool.or(base.in_pool),
            out_pool: self.out_pool.or(base.out_pool),
            records_in: self.records_in.or(base.records_in),
            records_out: self.records_out.or(base.records_out),
        }
    }
}

/// A metric value: a JSON number, or the string `"NaN"` (Flink reports NaN as a string).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricValue(pub f64);

impl<'de> Deserialize<'de> for MetricValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(f64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Number(x) => Ok(MetricValue(x)),
            Raw::Text(s) if s == "NaN" => Ok(MetricValue(f64::NAN)),
            Raw::Text(s) => Err(D::Error::custom(format!("a metric value is a number or \"NaN\", not {s:?}"))),
        }
    }
}

impl Serialize for MetricValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0.is_finite() {
            serializer.serialize_f64(self.0)
        } else {
            serializer.serialize_str(&java_double(self.0))
        }
    }
}

fn default_job_state() -> String {
    "RUNNING".to_string()
}

fn default_max_parallelism() -> u32 {
    128
}

fn default_ship_strategy() -> String {
    "FORWARD".to_string()
}

/// Flink's `JobStatus` values.
const JOB_STATES: [&str; 11] = [
    "INITIALIZING",
    "CREATED",
    "RUNNING",
    "FAILING",
    "FAILED",
    "CANCELLING",
    "CANCELED",
    "FINISHED",
    "RESTARTING",
    "SUSPENDED",
    "RECONCILING",
];

/// Flink's `ExecutionState` values, in the order the real `/jobs/<jid>` body lists them.
const TASK_STATES: [&str; 10] = [
    "FINISHED",
    "RUNNING",
    "CREATED",
    "DEPLOYING",
    "RECONCILING",
    "SCHEDULED",
    "INITIALIZING",
    "CANCELING",
    "CANCELED",
    "FAILED",
];

impl Scenario {
    /// Parses and validates a scenario: ids are 32 lowercase hex digits, job ids are unique,
    /// vertex ids are unique within their job, inputs refer to other vertices of the same job,
    /// per-subtask overrides refer to existing subtasks and values are in range.
    pub fn from_json(text: &str) -> Result<Scenario, String> {
        let scenario: Scenario = serde_json::from_str(text).map_err(|e| format!("invalid scenario: {e}"))?;
        scenario.validate()?;
        Ok(scenario)
    }

    fn validate(&self) -> Result<(), String> {
        let mut job_ids = HashSet::new();
        for job in &self.jobs {
            check_id("job", &job.id)?;
            if !job_ids.insert(job.id.as_str()) {
                return Err(format!("duplicate job id {}", job.id));
            }
            if !JOB_STATES.contains(&job.state.as_str()) {
                return Err(format!(
                    "job {}: unknown state {:?} (expected one of {})",
                    job.id,
                    job.state,
                    JOB_STATES.join(", ")
                ));
            }
            // Vertex ids only need to be unique per job: Flink derives them from the stream
            // graph, so two jobs with the same topology share vertex ids.
            let mut vertex_ids = HashSet::new();
            for v in &job.vertices {
                check_id("vertex", &v.id)?;
                if !vertex_ids.insert(v.id.as_str()) {
                    return Err(format!("job {}: duplicate vertex id {}", job.id, v.id));
                }
                if v.parallelism == 0 {
                    return Err(format!("vertex {}: parallelism must be at least 1", v.id));
                }
                if v.max_parallelism < v.parallelism {
                    return Err(format!(
                        "vertex {}: max_parallelism {} is below parallelism {}",
                        v.id, v.max_parallelism, v.parallelism
                    ));
                }
            }
            for v in &job.vertices {
                for input in &v.inputs {
                    if input.id == v.id {
                        return Err(format!("vertex {}: reads from itself", v.id));
                    }
                    if !vertex_ids.contains(input.id.as_str()) {
                        return Err(format!("vertex {}: input {} is not a vertex of job {}", v.id, input.id, job.id));
                    }
                }
                if let Some(index) = v.subtasks.keys().find(|&&i| i >= v.parallelism) {
                    return Err(format!(
                        "vertex {}: subtask {} does not exist (parallelism {})",
                        v.id, index, v.parallelism
                    ));
                }
                for index in 0..v.parallelism {
                    check_metrics(&format!("vertex {} subtask {index}", v.id), &v.subtask(index))?;
                }
            }
        }
        Ok(())
    }
}

impl Vertex {
    /// The metric values subtask `index` reports.
    fn subtask(&self, index: u32) -> Metrics {
        match self.subtasks.get(&index) {
            Some(over) => over.merged_over(&self.metrics),
            None => self.metrics,
        }
    }

    /// The values at `elapsed_s` seconds after the server started, ramp and wobble applied.
    fn subtask_at(&self, index: u32, elapsed_s: f64) -> Metrics {
        let mut m = self.subtask(index);
        let Some(ramp) = &self.ramp else { return m };
        let wobble = self.wobble * (elapsed_s * 1.37 + f64::from(index)).sin();
        let step = |v: Option<MetricValue>, d: Option<MetricValue>, hi: f64| match (v, d) {
            (Some(MetricValue(v)), Some(MetricValue(d))) if v.is_finite() => {
                Some(MetricValue((v + d * elapsed_s + wobble).clamp(0.0, hi)))
            }
            (v, _) => v,
        };
        m.busy = step(m.busy, ramp.busy, 1000.0);
        m.backpressured = step(m.backpressured, ramp.backpressured, 1000.0);
        m.idle = step(m.idle, ramp.idle, 1000.0);
        m.in_pool = step(m.in_pool, ramp.in_pool, 1.0);
        m.out_pool = step(m.out_pool, ramp.out_pool, 1.0);
        m.records_in = step(m.records_in, ramp.records_in, f64::MAX);
        m.records_out = step(m.records_out, ramp.records_out, f64::MAX);
        m
    }
}

fn is_hex_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn check_id(what: &str, id: &str) -> Result<(), String> {
    if is_hex_id(id) {
        Ok(())
    } else {
        Err(format!("{what} id {id:?} is not 32 lowercase hex digits"))
    }
}

fn check_metrics(context: &str, m: &Metrics) -> Result<(), String> {
    let in_range = |field: &str, value: Option<MetricValue>, max: f64| -> Result<(), String> {
        match value {
            Some(MetricValue(x)) if !x.is_nan() && !(0.0..=max).contains(&x) => {
                Err(format!("{context}: {field} = {x} is outside 0..={max}"))
            }
            _ => Ok(()),
        }
    };
    in_range("busy", m.busy, 1000.0)?;
    in_range("backpressured", m.backpressured, 1000.0)?;
    in_range("hard_backpressured", m.hard_backpressured, 1000.0)?;
    in_range("idle", m.idle, 1000.0)?;
    in_range("in_pool", m.in_pool, 1.0)?;
    in_range("out_pool", m.out_pool, 1.0)?;
    in_range("records_in", m.records_in, f64::MAX)?;
    in_range("records_out", m.records_out, f64::MAX)?;
    match (m.backpressured, m.hard_backpressured) {
        (None, Some(_)) => Err(format!("{context}: hard_backpressured needs backpressured (hard is part of it)")),
        (Some(MetricValue(bp)), Some(MetricValue(hard))) if hard > bp => {
            Err(format!("{context}: hard_backpressured {hard} exceeds backpressured {bp}"))
        }
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Metric registry of one subtask
// ---------------------------------------------------------------------------------------------

/// A registered metric value, typed like the Java gauge/counter behind it, because the type
/// decides how Flink renders it: `backPressuredTimeMsPerSecond` is a `long` gauge (`"998"`),
/// `busyTimeMsPerSecond` a `double` (`"2.0"`, `"NaN"`), pool usages are `float`s.
#[derive(Debug, Clone, Copy)]
enum Gauge {
    Double(f64),
    /// Already rounded; NaN only if the scenario asked for it.
    Long(f64),
    Float(f32),
    Bool(bool),
}

impl Gauge {
    fn long(x: f64) -> Gauge {
        // `+ 0.0` turns a rounded -0.0 into 0.0, which Java's long has no sign for.
        Gauge::Long(if x.is_finite() { x.round() + 0.0 } else { x })
    }

    /// The string Flink's metric fetcher stores and the per-subtask endpoint answers.
    fn rest_string(self) -> String {
        match self {
            Gauge::Double(x) => java_double(x),
            Gauge::Long(x) if x.is_finite() => format!("{x:.0}"),
            Gauge::Long(x) => java_double(x),
            Gauge::Float(x) => java_float(x),
            Gauge::Bool(b) => b.to_string(),
        }
    }

    /// What `Double.valueOf(rest_string())` gives in the aggregating handler; `None` for
    /// strings Java cannot parse as a double (the metric is then skipped).
    fn numeric(self) -> Option<f64> {
        match self {
            Gauge::Double(x) | Gauge::Long(x) => Some(x),
            // Parse the float's own decimal rendering, as Java does: 0.1f is 0.1, not
            // 0.10000000149011612.
            Gauge::Float(x) => Some(java_float(x).parse().unwrap_or(f64::from(x))),
            Gauge::Bool(_) => None,
        }
    }
}

const BUSY: &str = "busyTimeMsPerSecond";
const BACKPRESSURED: &str = "backPressuredTimeMsPerSecond";
const IDLE: &str = "idleTimeMsPerSecond";
const SOFT_BACKPRESSURED: &str = "softBackPressuredTimeMsPerSecond";
const HARD_BACKPRESSURED: &str = "hardBackPressuredTimeMsPerSecond";
const IS_BACKPRESSURED: &str = "isBackPressured";
const RECORDS_IN_RATE: &str = "numRecordsInPerSecond";
const RECORDS_OUT_RATE: &str = "numRecordsOutPerSecond";
const RECORDS_IN: &str = "numRecordsIn";
const RECORDS_OUT: &str = "numRecordsOut";

/// Buffer metric names: in pool, out pool, input queue length, output queue length.
fn buffer_names(version: FlinkVersion) -> [&'static str; 4] {
    match version {
        FlinkVersion::V1 => {
            ["buffers.inPoolUsage", "buffers.outPoolUsage", "buffers.inputQueueLength", "buffers.outputQueueLength"]
        }
        FlinkVersion::V2 => [
            "Shuffle.Netty.Input.Buffers.inPoolUsage",
            "Shuffle.Netty.Output.Buffers.outPoolUsage",
            "Shuffle.Netty.Input.Buffers.inputQueueLength",
            "Shuffle.Netty.Output.Buffers.outputQueueLength",
        ],
    }
}

/// Queue length derived from a pool usage: a full pool of ~10 buffers per channel shows a
/// queue of about 10, as in the real recording (outPoolUsage 1.0, queue lengths 9–10).
fn queue_length(pool: f64) -> Gauge {
    Gauge::long(if pool.is_finite() { pool * 10.0 } else { 0.0 })
}

/// Counter value after `elapsed_s` seconds at `rate` records per second.
fn counter(rate: f64, elapsed_s: f64) -> Gauge {
    Gauge::Long(if rate.is_finite() { (rate * elapsed_s).floor() } else { 0.0 })
}

/// The metrics one subtask registers, derived from its scenario values.
fn subtask_gauges(version: FlinkVersion, m: &Metrics, elapsed_s: f64) -> Vec<(&'static str, Gauge)> {
    let [in_pool, out_pool, in_queue, out_queue] = buffer_names(version);
    let mut out = Vec::with_capacity(14);
    if let Some(MetricValue(busy)) = m.busy {
        out.push((BUSY, Gauge::Double(busy)));
    }
    if let Some(MetricValue(bp)) = m.backpressured {
        let hard = m.hard_backpressured.map_or(0.0, |h| h.0);
        out.push((BACKPRESSURED, Gauge::long(bp)));
        out.push((SOFT_BACKPRESSURED, Gauge::long(bp - hard)));
        out.push((HARD_BACKPRESSURED, Gauge::long(hard)));
        out.push((IS_BACKPRESSURED, Gauge::Bool(bp > 0.0)));
    }
    if let Some(MetricValue(idle)) = m.idle {
        out.push((IDLE, Gauge::long(idle)));
    }
    if let Some(MetricValue(pool)) = m.in_pool {
        out.push((in_pool, Gauge::Float(pool as f32)));
        out.push((in_queue, queue_length(pool)));
    }
    if let Some(MetricValue(pool)) = m.out_pool {
        out.push((out_pool, Gauge::Float(pool as f32)));
        out.push((out_queue, queue_length(pool)));
    }
    if let Some(MetricValue(rate)) = m.records_in {
        out.push((RECORDS_IN_RATE, Gauge::Double(rate)));
        out.push((RECORDS_IN, counter(rate, elapsed_s)));
    }
    if let Some(MetricValue(rate)) = m.records_out {
        out.push((RECORDS_OUT_RATE, Gauge::Double(rate)));
        out.push((RECORDS_OUT, counter(rate, elapsed_s)));
    }
    out
}

fn lookup(gauges: &[(&'static str, Gauge)], name: &str) -> Option<Gauge> {
    gauges.iter().find(|(n, _)| *n == name).map(|(_, g)| *g)
}

// ---------------------------------------------------------------------------------------------
// Number formatting like Java / Jackson
// ---------------------------------------------------------------------------------------------

/// `Double.toString`: plain decimal for 1e-3 <= |x| < 1e7, otherwise `1.5E12`.
fn java_double(x: f64) -> String {
    if x.is_nan() {
        "NaN".to_string()
    } else if x.is_infinite() {
        (if x > 0.0 { "Infinity" } else { "-Infinity" }).to_string()
    } else if x == 0.0 || (1e-3..1e7).contains(&x.abs()) {
        // Rust's Debug form is the shortest round-trip decimal with ".0" on integers, which is
        // what Java prints in this range.
        format!("{x:?}")
    } else {
        java_scientific(&format!("{x:e}"))
    }
}

/// `Float.toString`, same rules as [`java_double`] for a `float`.
fn java_float(x: f32) -> String {
    if x.is_nan() {
        "NaN".to_string()
    } else if x.is_infinite() {
        (if x > 0.0 { "Infinity" } else { "-Infinity" }).to_string()
    } else if x == 0.0 || (1e-3..1e7).contains(&x.abs()) {
        format!("{x:?}")
    } else {
        java_scientific(&format!("{x:e}"))
    }
}

/// Rust `1.5e12` / `1e-4` to Java `1.5E12` / `1.0E-4`.
fn java_scientific(rust: &str) -> String {
    match rust.split_once('e') {
        Some((mantissa, exponent)) if mantissa.contains('.') => format!("{mantissa}E{exponent}"),
        Some((mantissa, exponent)) => format!("{mantissa}.0E{exponent}"),
        None => rust.to_string(),
    }
}

/// A double as Jackson writes it in Flink's bodies: a JSON number, or `"NaN"`/`"Infinity"`.
fn json_double(x: f64) -> Value {
    serde_json::Number::from_f64(x).map(Value::Number).unwrap_or_else(|| Value::String(java_double(x)))
}

/// A stable but arbitrary order, standing in for the Java `HashMap`/`HashSet` iteration order
/// Flink answers metric lists in (FNV-1a of the name).
fn hash_order(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

// ---------------------------------------------------------------------------------------------
// Aggregation, with Java's double semantics
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Agg {
    Min,
    Max,
    Avg,
    Sum,
    Skew,
}

impl Agg {
    const ALL: [Agg; 5] = [Agg::Min, Agg::Max, Agg::Avg, Agg::Sum, Agg::Skew];

    fn key(self) -> &'static str {
        match self {
            Agg::Min => "min",
            Agg::Max => "max",
            Agg::Avg => "avg",
            Agg::Sum => "sum",
            Agg::Skew => "skew",
        }
    }

    /// Flink resolves `agg` values with `AggregationMode.valueOf(value.toUpperCase())`.
    fn parse(text: &str) -> Option<Agg> {
        Agg::ALL.into_iter().find(|a| a.key().eq_ignore_ascii_case(text))
    }

    fn apply(self, values: &[f64]) -> f64 {
        // `values` is never empty: the caller answers `[]` before aggregating nothing.
        let sum: f64 = values.iter().sum();
        let avg = sum / values.len() as f64;
        match self {
            Agg::Min => values.iter().copied().fold(f64::INFINITY, java_min),
            Agg::Max => values.iter().copied().fold(f64::NEG_INFINITY, java_max),
            Agg::Avg => avg,
            Agg::Sum => sum,
            // Flink's DoubleDataSkew: mean absolute deviation over mean, in percent, capped
            // at 100 (Math.min keeps NaN).
            Agg::Skew => {
                if avg == 0.0 {
                    0.0
                } else {
                    let deviation: f64 = values.iter().map(|v| (avg - v).abs()).sum();
                    java_min(deviation / values.len() as f64 / avg * 100.0, 100.0)
                }
            }
        }
    }
}

/// `Math.min`: NaN wins (Rust's `f64::min` would drop it).
fn java_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

/// `Math.max`: NaN wins.
fn java_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

// ---------------------------------------------------------------------------------------------
// Server state and job views
// ---------------------------------------------------------------------------------------------

struct Sim {
    scenario: Arc<Scenario>,
    started: Instant,
    started_ms: i64,
}

/// When a job started, (maybe) ended and entered its current state, in epoch ms.
struct JobClock {
    start: i64,
    end: i64,
    duration: i64,
    running_since: i64,
    state_since: i64,
}

/// Terminal states: Flink drops such jobs from its metric store.
fn is_globally_terminal(state: &str) -> bool {
    matches!(state, "FINISHED" | "FAILED" | "CANCELED")
}

/// The execution state a job's tasks are in while the job is in `job_state`.
fn task_state(job_state: &str) -> &'static str {
    match job_state {
        "INITIALIZING" | "CREATED" => "CREATED",
        // A restarting job has cancelled its tasks and waits for the restart delay.
        "RESTARTING" | "SUSPENDED" | "CANCELED" => "CANCELED",
        "FAILING" | "CANCELLING" => "CANCELING",
        "FAILED" => "FAILED",
        "FINISHED" => "FINISHED",
        "RECONCILING" => "RECONCILING",
        _ => "RUNNING",
    }
}

impl Sim {
    fn new(scenario: Arc<Scenario>) -> Sim {
        let started_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Sim { scenario, started: Instant::now(), started_ms }
    }

    fn version(&self) -> FlinkVersion {
        self.scenario.flink_version
    }

    fn elapsed_s(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Seconds since the start at which the values now served were measured: the last refresh
    /// of the metric store, or now.
    fn measured_s(&self) -> f64 {
        let now = self.elapsed_s();
        self.scenario.metric_store.map_or(now, |m| m.refreshed_at(now))
    }

    /// What subtask `index` of `vertex` reports now.
    fn reported(&self, vertex: &Vertex, index: u32) -> Metrics {
        match &self.scenario.metric_store {
            Some(store) => store.reported(vertex, index, self.measured_s()),
            None => vertex.subtask_at(index, self.elapsed_s()),
        }
    }

    /// Wall-clock ms, derived from the monotonic clock so it never runs backwards.
    fn now_ms(&self) -> i64 {
        self.started_ms + i64::try_from(self.started.elapsed().as_millis()).unwrap_or(0)
    }

    fn job(&self, jid: &str) -> Option<(usize, &Job)> {
        self.scenario.jobs.iter().enumerate().find(|(_, job)| job.id == jid)
    }

    /// The vertex whose metrics Flink's metric store would hold: none for unknown ids and for
    /// jobs that already reached a terminal state.
    fn metric_vertex(&self, jid: &str, vid: &str) -> Option<&Vertex> {
        let (_, job) = self.job(jid)?;
        if is_globally_terminal(&job.state) {
            return None;
        }
        job.vertices.iter().find(|v| v.id == vid)
    }

    /// Registered metrics of every subtask of `vertex`, indexed by subtask.
    fn stores(&self, vertex: &Vertex) -> Vec<Vec<(&'static str, Gauge)>> {
        let at = self.measured_s();
        (0..vertex.parallelism).map(|i| subtask_gauges(self.version(), &self.reported(vertex, i), at)).collect()
    }

    /// Jobs are pretended to have started a quarter of an hour (plus a bit per job) before the
    /// server; a job not RUNNING entered its current state when the server started.
    fn clock(&self, index: usize, job: &Job) -> JobClock {
        let offset = 900_000 + 61_000 * i64::try_from(index).unwrap_or(0);
        let start = self.started_ms - offset;
        let (end, duration) = if is_globally_terminal(&job.state) {
            (self.started_ms, self.started_ms - start)
        } else {
            (-1, self.now_ms() - start)
        };
        JobClock { start, end, duration, running_since: start + 453, state_since: self.started_ms }
    }

    fn flink_version_string(&self) -> &'static str {
        match self.version() {
            FlinkVersion::V1 => "1.20.1",
            FlinkVersion::V2 => "2.3.0",
        }
    }
}

/// Task counts keyed by execution state, all tasks in the state the job state implies.
fn task_counts(job_state: &str, tasks: u32) -> Map<String, Value> {
    let current = task_state(job_state);
    TASK_STATES
        .iter()
        .map(|s| {
            let n = if *s == current { tasks } else { 0 };
            (s.to_string(), json!(n))
        })
        .collect()
}

/// HTML-escaped operator description the way Flink's plan shows it. Flink (1.15+, default
/// `pipeline.vertex-description-mode: TREE`) renders a chain `A -> B -> C` as
/// `A\n+- B\n   +- C\n`, then `JsonPlanGenerator` HTML-escapes it and turns `\n` into `<br/>`.
fn plan_description(vertex_name: &str) -> String {
    let mut tree = String::new();
    for (depth, operator) in vertex_name.split(" -> ").enumerate() {
        if depth > 0 {
            tree.push_str(&"   ".repeat(depth - 1));
            tree.push_str("+- ");
        }
        tree.push_str(operator);
        tree.push('\n');
    }
    let mut html = String::with_capacity(tree.len() + 16);
    for c in tree.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\\' => html.push_str("&#92;"),
            '\n' => html.push_str("<br/>"),
            _ => html.push(c),
        }
    }
    html
}

fn plan(job: &Job) -> Value {
    // The real plan lists sinks first: nodes in reverse order of the job's vertices.
    let nodes: Vec<Value> = job
        .vertices
        .iter()
        .rev()
        .map(|v| {
            let mut node = json!({
                "id": v.id,
                "operator": "",
                "parallelism": v.parallelism,
                "operator_strategy": "",
                "description": plan_description(&v.name),
                "optimizer_properties": {},
            });
            // Sources have no "inputs" key at all (Flink omits the empty list).
            if !v.inputs.is_empty() {
                let inputs: Vec<Value> = v
                    .inputs
                    .iter()
                    .enumerate()
                    .map(|(num, input)| {
                        json!({
                            "id": input.id,
                            "num": num,
                            "exchange": "pipelined_bounded",
                            "ship_strategy": input.ship_strategy,
                        })
                    })
                    .collect();
                node["inputs"] = Value::Array(inputs);
            }
            node
        })
        .collect();
    json!({"jid": job.id, "name": job.name, "type": "STREAMING", "nodes": nodes})
}

/// A deterministic 32-hex id derived from `seed` (for slot sharing group ids).
fn derived_id(seed: &str) -> String {
    let a = hash_order(seed);
    let b = hash_order(&format!("{seed}#"));
    format!("{a:016x}{b:016x}")
}

/// Average serialized record size used to derive byte counts from record counts.
const BYTES_PER_RECORD: f64 = 107.0;

/// A subtask's values averaged over its first `seconds` (midpoints of 1 s steps).
fn mean_over(vertex: &Vertex, index: u32, seconds: f64) -> Metrics {
    let steps = seconds.ceil().max(1.0) as u32;
    let dt = seconds / f64::from(steps);
    let mut m = vertex.subtask_at(index, 0.0);
    let mean = |f: fn(&Metrics) -> Option<MetricValue>| {
        let sum: f64 =
            (0..steps).map(|k| f(&vertex.subtask_at(index, (f64::from(k) + 0.5) * dt)).map_or(0.0, |x| x.0)).sum();
        sum / f64::from(steps)
    };
    let keep = |x: Option<MetricValue>, v: f64| x.map(|x| if x.0.is_finite() { MetricValue(v) } else { x });
    m.busy = keep(m.busy, mean(|m| m.busy));
    m.backpressured = keep(m.backpressured, mean(|m| m.backpressured));
    m.idle = keep(m.idle, mean(|m| m.idle));
    m.records_in = keep(m.records_in, mean(|m| m.records_in));
    m.records_out = keep(m.records_out, mean(|m| m.records_out));
    m
}

/// The `metrics` block of a vertex in `/jobs/<jid>`: I/O totals and accumulated times over all
/// subtasks, as if every subtask had reported its constant values since the server started.
fn vertex_io_metrics(sim: &Sim, vertex: &Vertex, has_metrics: bool) -> Value {
    // Totals as of the metric store's last refresh.
    let elapsed = sim.measured_s();
    let mut read_records = 0.0;
    let mut write_records = 0.0;
    let mut backpressured_ms = 0.0;
    let mut idle_ms = 0.0;
    let mut busy_ms = 0.0;
    if has_metrics {
        for i in 0..vertex.parallelism {
            // A ramped vertex's totals add up its values second by second; a constant one's are
            // its values times the seconds.
            let m = match vertex.ramp {
                Some(_) => mean_over(vertex, i, elapsed),
                None => vertex.subtask(i),
            };
            let rate = |v: Option<MetricValue>| v.map_or(0.0, |x| x.0);
            let finite = |x: f64| if x.is_finite() { x } else { 0.0 };
            read_records += finite((rate(m.records_in) * elapsed).floor());
            write_records += finite((rate(m.records_out) * elapsed).floor());
            backpressured_ms += finite((rate(m.backpressured) * elapsed).round());
            idle_ms += finite((rate(m.idle) * elapsed).round());
            // A NaN busy time makes the accumulated busy time NaN, as in the real recording.
            busy_ms += (rate(m.busy) * elapsed).round();
        }
    }
    json!({
        "read-bytes": (read_records * BYTES_PER_RECORD) as i64,
        "read-bytes-complete": true,
        "write-bytes": (write_records * BYTES_PER_RECORD) as i64,
        "write-bytes-complete": true,
        "read-records": read_records as i64,
        "read-records-complete": true,
        "write-records": write_records as i64,
        "write-records-complete": true,
        "accumulated-backpressured-time": backpressured_ms as i64,
        "accumulated-idle-time": idle_ms as i64,
        "accumulated-busy-time": json_double(busy_ms),
    })
}

fn job_details(sim: &Sim, index: usize, job: &Job) -> Value {
    let clock = sim.clock(index, job);
    let now = sim.now_ms();
    let v2 = sim.version() == FlinkVersion::V2;
    let has_metrics = !is_globally_terminal(&job.state);
    let vertex_status = task_state(&job.state);

    let mut vertices = Vec::with_capacity(job.vertices.len());
    let mut total_tasks = 0;
    for (i, v) in job.vertices.iter().enumerate() {
        total_tasks += v.parallelism;
        let start = clock.running_since + 170 + i64::try_from(i).unwrap_or(0);
        let (end, duration) = if clock.end >= 0 { (clock.end, clock.end - start) } else { (-1, now - start) };
        let mut vertex = Map::new();
        vertex.insert("id".into(), json!(v.id));
        if v2 {
            vertex.insert("slotSharingGroupId".into(), json!(derived_id(&format!("{}/default", job.id))));
        }
        vertex.insert("name".into(), json!(v.name));
        vertex.insert("maxParallelism".into(), json!(v.max_parallelism));
        vertex.insert("parallelism".into(), json!(v.parallelism));
        vertex.insert("status".into(), json!(vertex_status));
        vertex.insert("start-time".into(), json!(start));
        vertex.insert("end-time".into(), json!(end));
        vertex.insert("duration".into(), json!(duration));
        vertex.insert("tasks".into(), Value::Object(task_counts(&job.state, v.parallelism)));
        vertex.insert("metrics".into(), vertex_io_metrics(sim, v, has_metrics));
        vertices.push(Value::Object(vertex));
    }

    let mut timestamps: Map<String, Value> = JOB_STATES.iter().map(|s| (s.to_string(), json!(0))).collect();
    timestamps.insert("INITIALIZING".into(), json!(clock.start));
    if job.state != "INITIALIZING" {
        timestamps.insert("CREATED".into(), json!(clock.start + 353));
    }
    if !matches!(job.state.as_str(), "INITIALIZING" | "CREATED") {
        timestamps.insert("RUNNING".into(), json!(clock.running_since));
    }
    if !matches!(job.state.as_str(), "INITIALIZING" | "CREATED" | "RUNNING") {
        timestamps.insert(job.state.clone(), json!(clock.state_since));
    }

    let mut body = Map::new();
    body.insert("jid".into(), json!(job.id));
    if v2 {
        body.insert("application-id".into(), json!(job.id));
    }
    body.insert("name".into(), json!(job.name));
    body.insert("isStoppable".into(), json!(false));
    body.insert("state".into(), json!(job.state));
    if v2 {
        body.insert("job-type".into(), json!("STREAMING"));
        body.insert("schedulerType".into(), json!("Default"));
    }
    body.insert("start-time".into(), json!(clock.start));
    body.insert("end-time".into(), json!(clock.end));
    body.insert("duration".into(), json!(clock.duration));
    body.insert("maxParallelism".into(), json!(-1));
    body.insert("now".into(), json!(now));
    body.insert("timestamps".into(), Value::Object(timestamps));
    body.insert("vertices".into(), Value::Array(vertices));
    body.insert("status-counts".into(), Value::Object(task_counts(&job.state, total_tasks)));
    body.insert("plan".into(), plan(job));
    if v2 {
        body.insert("pending-operators".into(), json!(0));
    }
    Value::Object(body)
}

fn job_overview(sim: &Sim, index: usize, job: &Job) -> Value {
    let clock = sim.clock(index, job);
    let total: u32 = job.vertices.iter().map(|v| v.parallelism).sum();
    let current = task_state(&job.state).to_ascii_lowercase();
    let mut tasks = Map::new();
    for key in [
        "running",
        "canceling",
        "canceled",
        "total",
        "created",
        "scheduled",
        "deploying",
        "reconciling",
        "finished",
        "initializing",
        "failed",
    ] {
        let n = if key == "total" || key == current { total } else { 0 };
        tasks.insert(key.into(), json!(n));
    }
    let mut body = Map::new();
    body.insert("jid".into(), json!(job.id));
    body.insert("name".into(), json!(job.name));
    if sim.version() == FlinkVersion::V2 {
        body.insert("jobType".into(), json!("STREAMING"));
        body.insert("schedulerType".into(), json!("Default"));
    }
    body.insert("start-time".into(), json!(clock.start));
    body.insert("end-time".into(), json!(clock.end));
    body.insert("duration".into(), json!(clock.duration));
    body.insert("state".into(), json!(job.state));
    body.insert("last-modification".into(), json!(clock.running_since));
    body.insert("tasks".into(), Value::Object(tasks));
    if sim.version() == FlinkVersion::V2 {
        body.insert("pending-operators".into(), json!(0));
    }
    Value::Object(body)
}

// ---------------------------------------------------------------------------------------------
// HTTP layer
// ---------------------------------------------------------------------------------------------

type SharedSim = State<Arc<Sim>>;
type QueryPairs = Result<Query<Vec<(String, String)>>, QueryRejection>;

/// A JSON response with Flink's content type (axum's `json` feature is not enabled, and the
/// body is a `Value` already, so render it directly).
fn respond(status: StatusCode, body: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json; charset=UTF-8")], body.to_string()).into_response()
}

fn ok(body: Value) -> Response {
    respond(StatusCode::OK, &body)
}

/// Flink's error body: `{"errors": [message]}`.
fn error(status: StatusCode, message: String) -> Response {
    respond(status, &json!({ "errors": [message] }))
}

fn bad_request(message: String) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

/// Flink 1.15+ puts the stringified `RestHandlerException` (message plus stack trace) into the
/// error list; the trace is abbreviated here, the first line and the cause are the real ones.
fn job_not_found(jid: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        format!(
            "org.apache.flink.runtime.rest.NotFoundException: Job {jid} not found\n\
             \tat org.apache.flink.runtime.rest.handler.job.AbstractExecutionGraphHandler\
             .lambda$handleRequest$1(AbstractExecutionGraphHandler.java:99)\n\
             \t... (simulated)\n\
             Caused by: org.apache.flink.runtime.messages.FlinkJobNotFoundException: \
             Could not find Flink job ({jid})\n"
        ),
    )
}

/// Flink rejects path parameters that are not ids before any handler runs.
fn check_path_id(parameter: &str, value: &str) -> Result<(), Box<Response>> {
    if is_hex_id(value) {
        Ok(())
    } else {
        Err(Box::new(bad_request(format!(
            "Bad request, could not parse parameters: Cannot resolve path parameter \
             ({parameter}) from value \"{value}\"."
        ))))
    }
}

/// All values of query parameter `key`, split at commas (Flink's list parameters), empty
/// items dropped.
fn query_list(pairs: &[(String, String)], key: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .flat_map(|(_, v)| v.split(','))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn query_pairs(query: QueryPairs) -> Result<Vec<(String, String)>, Box<Response>> {
    match query {
        Ok(Query(pairs)) => Ok(pairs),
        Err(rejection) => {
            Err(Box::new(bad_request(format!("Bad request, could not parse query parameters: {rejection}"))))
        }
    }
}

/// `subtasks=0,2-3` (Flink's `SubtasksFilterQueryParameter`): indexes and inclusive ranges.
fn parse_subtask_filter(items: &[String]) -> Result<BTreeSet<u32>, String> {
    let mut selected = BTreeSet::new();
    for item in items {
        let bad = || format!("Cannot parse subtask index or range {item:?}.");
        match item.split_once('-') {
            Some((from, to)) => {
                let from: u32 = from.trim().parse().map_err(|_| bad())?;
                let to: u32 = to.trim().parse().map_err(|_| bad())?;
                if from > to {
                    return Err(bad());
                }
                // A huge range is clipped later by the vertex parallelism; cap the loop here.
                selected.extend(from..=to.min(from.saturating_add(1 << 16)));
            }
            None => {
                selected.insert(item.trim().parse().map_err(|_| bad())?);
            }
        }
    }
    Ok(selected)
}

async fn cluster_overview(State(sim): SharedSim) -> Response {
    let active = sim.scenario.jobs.iter().filter(|j| !is_globally_terminal(&j.state));
    // Slot sharing: a job occupies as many slots as its widest vertex.
    let used: u32 = active.clone().map(|j| j.vertices.iter().map(|v| v.parallelism).max().unwrap_or(0)).sum();
    let taskmanagers = used.div_ceil(4).max(1);
    let count = |state: &str| sim.scenario.jobs.iter().filter(|j| j.state == state).count();
    ok(json!({
        "taskmanagers": taskmanagers,
        "slots-total": taskmanagers * 4,
        "slots-available": taskmanagers * 4 - used,
        "jobs-running": active.count(),
        "jobs-finished": count("FINISHED"),
        "jobs-cancelled": count("CANCELED"),
        "jobs-failed": count("FAILED"),
        "flink-version": sim.flink_version_string(),
        "flink-commit": "bptop-sim",
    }))
}

async fn config(State(sim): SharedSim) -> Response {
    ok(json!({
        "refresh-interval": 3000,
        "timezone-name": "Coordinated Universal Time",
        "timezone-offset": 0,
        "flink-version": sim.flink_version_string(),
        "flink-revision": "bptop-sim @ 1970-01-01T00:00:00+00:00",
        "features": {"web-submit": false, "web-cancel": false, "web-rescale": false,
                     "web-history": false},
    }))
}

async fn jobs_overview(State(sim): SharedSim) -> Response {
    let jobs: Vec<Value> = sim.scenario.jobs.iter().enumerate().map(|(i, job)| job_overview(&sim, i, job)).collect();
    ok(json!({ "jobs": jobs }))
}

async fn job(State(sim): SharedSim, Path(jid): Path<String>) -> Response {
    if let Err(response) = check_path_id("jobid", &jid) {
        return *response;
    }
    match sim.job(&jid) {
        Some((index, job)) => ok(job_details(&sim, index, job)),
        None => job_not_found(&jid),
    }
}

async fn job_plan(State(sim): SharedSim, Path(jid): Path<String>) -> Response {
    if let Err(response) = check_path_id("jobid", &jid) {
        return *response;
    }
    match sim.job(&jid) {
        Some((_, job)) => ok(json!({ "plan": plan(job) })),
        None => job_not_found(&jid),
    }
}

fn backpressure_level(ratio: f64) -> &'static str {
    // Same comparisons as Flink's getBackPressureLevel: NaN falls through to "high".
    if ratio <= 0.10 {
        "ok"
    } else if ratio <= 0.5 {
        "low"
    } else {
        "high"
    }
}

async fn backpressure(State(sim): SharedSim, Path((jid, vid)): Path<(String, String)>) -> Response {
    if let Err(response) = check_path_id("jobid", &jid).and_then(|()| check_path_id("vertexid", &vid)) {
        return *response;
    }
    let Some(vertex) = sim.metric_vertex(&jid, &vid) else {
        // Flink only consults its metric store here: no metrics, no stats.
        return ok(json!({ "status": "deprecated" }));
    };
    let v2 = sim.version() == FlinkVersion::V2;
    // Flink reads each metric's stored string with a default of "0" and divides by 1000.
    let ratio = |gauges: &[(&'static str, Gauge)], name: &str| {
        lookup(gauges, name).and_then(Gauge::numeric).unwrap_or(0.0) / 1000.0
    };
    let mut max_ratio: Option<f64> = None;
    let subtasks: Vec<Value> = sim
        .stores(vertex)
        .iter()
        .enumerate()
        .map(|(i, gauges)| {
            let bp = ratio(gauges, BACKPRESSURED);
            // DoubleStream.max(): NaN wins.
            max_ratio = Some(max_ratio.map_or(bp, |m| java_max(m, bp)));
            let level = backpressure_level(bp);
            let mut entry = Map::new();
            entry.insert("subtask".into(), json!(i));
            if v2 {
                entry.insert("backpressureLevel".into(), json!(level));
            }
            entry.insert("ratio".into(), json_double(bp));
            entry.insert("idleRatio".into(), json_double(ratio(gauges, IDLE)));
            entry.insert("busyRatio".into(), json_double(ratio(gauges, BUSY)));
            entry.insert("backpressure-level".into(), json!(level));
            Value::Object(entry)
        })
        .collect();
    let level = backpressure_level(max_ratio.unwrap_or(0.0));
    let mut body = Map::new();
    body.insert("status".into(), json!("ok"));
    if v2 {
        body.insert("backpressureLevel".into(), json!(level));
    }
    // The metric store's last refresh (now, without a store model): one time per refresh.
    let measured_ms = match sim.scenario.metric_store {
        Some(_) => sim.started_ms + (sim.measured_s() * 1000.0).round() as i64,
        None => sim.now_ms(),
    };
    body.insert("end-timestamp".into(), json!(measured_ms));
    body.insert("subtasks".into(), Value::Array(subtasks));
    body.insert("backpressure-level".into(), json!(level));
    ok(Value::Object(body))
}

/// `/jobs/<jid>/vertices/<vid>/subtasks/metrics[?get=…&agg=…&subtasks=…]`.
async fn subtask_metrics(
    State(sim): SharedSim,
    Path((jid, vid)): Path<(String, String)>,
    query: QueryPairs,
) -> Response {
    if let Err(response) = check_path_id("jobid", &jid).and_then(|()| check_path_id("vertexid", &vid)) {
        return *response;
    }
    let pairs = match query_pairs(query) {
        Ok(pairs) => pairs,
        Err(response) => return *response,
    };
    let requested = query_list(&pairs, "get");
    let mut aggs = BTreeSet::new();
    for text in query_list(&pairs, "agg") {
        match Agg::parse(&text) {
            Some(agg) => {
                aggs.insert(agg);
            }
            None => {
                return bad_request(format!(
                    "Bad request, could not parse parameters: Cannot resolve query parameter \
                     (agg) from value \"{text}\"."
                ))
            }
        }
    }
    // Without `agg` Flink answers every aggregation.
    if aggs.is_empty() {
        aggs.extend(Agg::ALL);
    }
    let filter = match parse_subtask_filter(&query_list(&pairs, "subtasks")) {
        Ok(filter) => filter,
        Err(message) => return bad_request(format!("Bad request, could not parse parameters: {message}")),
    };

    let Some(vertex) = sim.metric_vertex(&jid, &vid) else {
        return ok(json!([]));
    };
    let stores: Vec<Vec<(&'static str, Gauge)>> = sim
        .stores(vertex)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| filter.is_empty() || u32::try_from(*i).is_ok_and(|i| filter.contains(&i)))
        .map(|(_, gauges)| gauges)
        .collect();

    if requested.is_empty() {
        // The union of registered names over the selected subtasks.
        let mut names: Vec<&str> =
            stores.iter().flatten().map(|(name, _)| *name).collect::<BTreeSet<_>>().into_iter().collect();
        names.sort_by_key(|n| hash_order(n));
        let list: Vec<Value> = names.into_iter().map(|n| json!({ "id": n })).collect();
        return ok(Value::Array(list));
    }

    let mut answer = Vec::with_capacity(requested.len());
    for name in &requested {
        let gauges: Vec<Gauge> = stores.iter().filter_map(|s| lookup(s, name)).collect();
        // Double.valueOf on "true"/"false" throws: Flink skips such a metric silently.
        let Some(values) = gauges.iter().map(|g| g.numeric()).collect::<Option<Vec<f64>>>() else {
            continue;
        };
        if values.is_empty() {
            // Flink's quirk: one name no subtask registers empties the whole answer.
            return ok(json!([]));
        }
        let mut entry = Map::new();
        entry.insert("id".into(), json!(name));
        for agg in &aggs {
            entry.insert(agg.key().into(), json_double(agg.apply(&values)));
        }
        answer.push(Value::Object(entry));
    }
    ok(Value::Array(answer))
}

/// `/jobs/<jid>/vertices/<vid>/metrics[?get=0.a,1.b]`: per-subtask metrics as strings.
async fn vertex_metrics(
    State(sim): SharedSim,
    Path((jid, vid)): Path<(String, String)>,
    query: QueryPairs,
) -> Response {
    if let Err(response) = check_path_id("jobid", &jid).and_then(|()| check_path_id("vertexid", &vid)) {
        return *response;
    }
    let pairs = match query_pairs(query) {
        Ok(pairs) => pairs,
        Err(response) => return *response,
    };
    let Some(vertex) = sim.metric_vertex(&jid, &vid) else {
        return ok(json!([]));
    };
    let stores = sim.stores(vertex);
    let requested = query_list(&pairs, "get");

    let mut entries: Vec<(String, Option<String>)> = if requested.is_empty() {
        stores
            .iter()
            .enumerate()
            .flat_map(|(i, gauges)| gauges.iter().map(move |(name, _)| (format!("{i}.{name}"), None)))
            .collect()
    } else {
        // Flink collects the requested ids into a set and drops the ones it does not know.
        let unique: BTreeSet<&String> = requested.iter().collect();
        unique
            .into_iter()
            .filter_map(|id| {
                let (index, name) = id.split_once('.')?;
                let index: usize = index.parse().ok()?;
                let gauge = lookup(stores.get(index)?, name)?;
                Some((id.clone(), Some(gauge.rest_string())))
            })
            .collect()
    };
    entries.sort_by_key(|(id, _)| hash_order(id));
    let list: Vec<Value> = entries
        .into_iter()
        .map(|(id, value)| match value {
            Some(value) => json!({ "id": id, "value": value }),
            None => json!({ "id": id }),
        })
        .collect();
    ok(Value::Array(list))
}

/// Flink's router answer for unknown paths.
async fn not_found(uri: Uri) -> Response {
    error(StatusCode::NOT_FOUND, format!("Not found: {uri}"))
}

/// The longest request line Flink's REST server takes: its Netty decoder refuses longer URLs,
/// and the JobManager answers 404 (FLINK-8949: ~170 subtask metric names in one `get=` list).
pub const MAX_URL_LEN: usize = 4096;

/// 404 for a URL longer than [`MAX_URL_LEN`], as the JobManager answers it.
async fn url_limit(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let len = req.uri().path_and_query().map(|p| p.as_str().len()).unwrap_or(0);
    if len > MAX_URL_LEN {
        return error(StatusCode::NOT_FOUND, format!("Not found: a URL of {len} bytes (more than {MAX_URL_LEN})"));
    }
    next.run(req).await
}

/// The simulated REST API for `scenario`; counters start at zero now.
pub fn router(scenario: Arc<Scenario>) -> Router {
    let sim = Arc::new(Sim::new(scenario));
    // Only GET is routed; axum answers 405 for other methods on these paths.
    Router::new()
        .route("/overview", get(cluster_overview))
        .route("/config", get(config))
        .route("/jobs/overview", get(jobs_overview))
        .route("/jobs/{jid}", get(job))
        .route("/jobs/{jid}/plan", get(job_plan))
        .route("/jobs/{jid}/vertices/{vid}/backpressure", get(backpressure))
        .route("/jobs/{jid}/vertices/{vid}/metrics", get(vertex_metrics))
        .route("/jobs/{jid}/vertices/{vid}/subtasks/metrics", get(subtask_metrics))
        .fallback(not_found)
        .with_state(sim)
        .layer(axum::middleware::from_fn(url_limit))
}

/// [`router`] with `latency` added before every answer: a JobManager across a network, for
/// the benchmarks of how bptop copes with many round trips (`examples/first_verdict.rs`).
pub fn router_with_latency(scenario: Arc<Scenario>, latency: std::time::Duration) -> Router {
    router(scenario).layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| async move {
            tokio::time::sleep(latency).await;
            next.run(req).await
        },
    ))
}

/// A vertex id of a generated job: 32 lowercase hex digits, distinct per index and not
/// sequential-looking; `tag` keeps the jobs' ids apart.
fn generated_id(tag: u16, i: usize, salt: u64) -> String {
    format!("{:016x}{:016x}", (u64::from(tag) << 48) | i as u64, (i as u64 + salt).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

impl Scenario {
    /// One RUNNING job of `vertices` vertices in a line, each at `parallelism`, with a known
    /// answer, for benchmarks of big jobs: the vertex three quarters down is the bottleneck
    /// (busy 1000 ms/s, its input pool full), every vertex upstream is its victim
    /// (backpressured 800 ms/s, output pool full), every vertex downstream mostly idles, one of
    /// them with a hot subtask (key skew behind a HASH edge); every tenth edge is a
    /// HASH shuffle, the others FORWARD. Names are chained operators, as Flink writes them.
    pub fn generated_chain(vertices: usize, parallelism: u32) -> Scenario {
        let vertices = vertices.max(2);
        let id = |i: usize| generated_id(0xb0b0, i, 1);
        let bottleneck = vertices * 3 / 4;
        // Downstream of the bottleneck, so the hot subtask is a finding, not a second culprit.
        let skewed = (vertices * 7 / 8).max(bottleneck + 1);
        let mv = |x: f64| Some(MetricValue(x));
        let list = (0..vertices)
            .map(|i| {
                let name = match i {
                    0 => "Source: kafka-events -> Timestamps/Watermarks".to_string(),
                    i if i == vertices - 1 => "events-out: Writer -> events-out: Committer".to_string(),
                    i => format!("Map enrich-{i} -> Filter valid-{i}"),
                };
                let (busy, bp, idle, in_pool, out_pool) = if i < bottleneck {
                    (150.0, 800.0, 50.0, if i == 0 { 0.0 } else { 0.3 }, 1.0)
                } else if i == bottleneck {
                    (1000.0, 0.0, 0.0, 1.0, 0.1)
                } else {
                    (80.0, 0.0, 920.0, 0.05, 0.05)
                };
                let rate = 900.0;
                let metrics = Metrics {
                    busy: mv(busy),
                    backpressured: mv(bp),
                    hard_backpressured: None,
                    idle: mv(idle),
                    in_pool: mv(in_pool),
                    out_pool: mv(out_pool),
                    records_in: mv(if i == 0 { 0.0 } else { rate }),
                    records_out: mv(if i == vertices - 1 { 0.0 } else { rate }),
                };
                let mut subtasks = BTreeMap::new();
                if i == skewed && parallelism > 1 {
                    let hot = Metrics { busy: mv(990.0), backpressured: mv(0.0), idle: mv(10.0), ..Metrics::default() };
                    subtasks.insert(parallelism / 2, hot);
                }
                let inputs = if i == 0 {
                    Vec::new()
                } else {
                    let ship = if i % 10 == 0 || i == skewed { "HASH" } else { "FORWARD" };
                    vec![Input { id: id(i - 1), ship_strategy: ship.to_string() }]
                };
                Vertex {
                    id: id(i),
                    name,
                    parallelism,
                    max_parallelism: parallelism.max(128),
                    inputs,
                    metrics,
                    subtasks,
                    ramp: None,
                    wobble: 0.0,
                }
            })
            .collect();
        Scenario {
            flink_version: FlinkVersion::V2,
            note: format!(
                "generated: {vertices} vertices at parallelism {parallelism}, bottleneck at vertex {bottleneck}"
            ),
            jobs: vec![Job {
                id: "b16b16b16b16b16b16b16b16b16b16b1".to_string(),
                name: format!("generated-chain-{vertices}x{parallelism}"),
                state: "RUNNING".to_string(),
                note: String::new(),
                vertices: list,
            }],
            metric_store: None,
        }
    }
}

impl Scenario {
    /// A large job shaped as real ones are: one source fanned out to four branches of
    /// operators whose names repeat from branch to branch ("validate", "Map", "Filter"), a
    /// union of the branches, and a sink with a long chained name that is the bottleneck; every
    /// other vertex is its victim. For the dashboard's tree, labels and widths at scale.
    pub fn generated_dag(vertices: usize, parallelism: u32) -> Scenario {
        let vertices = vertices.max(7);
        let id = |i: usize| generated_id(0xda60, i, 7);
        let mv = |x: f64| Some(MetricValue(x));
        let branches = 4;
        let per = (vertices - 3) / branches;
        let first = vertices - 3 - per * (branches - 1);
        let topics = ["geo", "device", "user", "price"];
        let mut list = Vec::with_capacity(vertices);
        let victim = |rate_in: f64, rate_out: f64, source: bool| Metrics {
            busy: mv(120.0),
            backpressured: mv(850.0),
            hard_backpressured: None,
            idle: mv(30.0),
            in_pool: mv(if source { 0.0 } else { 0.4 }),
            out_pool: mv(1.0),
            records_in: mv(rate_in),
            records_out: mv(rate_out),
        };
        let vertex = |i: usize, name: String, inputs: Vec<Input>, metrics: Metrics| Vertex {
            id: id(i),
            name,
            parallelism,
            max_parallelism: parallelism.max(128),
            inputs,
            metrics,
            subtasks: BTreeMap::new(),
            ramp: None,
            wobble: 0.0,
        };
        let rate = 900.0;
        list.push(vertex(
            0,
            "Source: kafka-clicks -> Timestamps/Watermarks".into(),
            Vec::new(),
            victim(0.0, rate * branches as f64, true),
        ));
        let mut ends = Vec::new();
        for (b, topic) in topics.iter().enumerate() {
            let n = if b == 0 { first } else { per };
            for k in 0..n {
                let i = list.len();
                let name = match k % 6 {
                    0 => "validate".to_string(),
                    1 | 4 => "Map".to_string(),
                    2 => format!("enrich-{topic} -> Filter valid-{topic}"),
                    3 => "Filter".to_string(),
                    _ => format!("window-agg-{topic}"),
                };
                let from = if k == 0 { 0 } else { i - 1 };
                let ship = if k == 0 {
                    "REBALANCE"
                } else if k % 6 == 5 {
                    "HASH"
                } else {
                    "FORWARD"
                };
                list.push(vertex(
                    i,
                    name,
                    vec![Input { id: id(from), ship_strategy: ship.into() }],
                    victim(rate, rate, false),
                ));
            }
            ends.push(list.len() - 1);
        }
        let union = list.len();
        list.push(vertex(
            union,
            "union-all -> Map".into(),
            ends.iter().map(|&e| Input { id: id(e), ship_strategy: "HASH".into() }).collect(),
            victim(rate * branches as f64, rate * branches as f64, false),
        ));
        let sink = list.len();
        list.push(vertex(
            sink,
            "jdbc-sink: Writer -> jdbc-sink: Committer".into(),
            vec![Input { id: id(union), ship_strategy: "FORWARD".into() }],
            Metrics {
                busy: mv(1000.0),
                backpressured: mv(0.0),
                hard_backpressured: None,
                idle: mv(0.0),
                in_pool: mv(1.0),
                out_pool: mv(0.0),
                records_in: mv(rate * branches as f64),
                records_out: mv(0.0),
            },
        ));
        Scenario {
            flink_version: FlinkVersion::V2,
            note: format!("generated: {vertices} vertices in 4 branches, the sink is the bottleneck"),
            jobs: vec![Job {
                id: "da6da6da6da6da6da6da6da6da6da6d1".to_string(),
                name: format!("clickstream-{vertices}"),
                state: "RUNNING".to_string(),
                note: String::new(),
                vertices: list,
            }],
            metric_store: None,
        }
    }
}

/// Serves the simulated REST API on `listener` until the task is dropped or fails.
pub async fn serve(scenario: Scenario, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    // Scenarios built in code skip `from_json`; refuse invalid ones here as well.
    scenario.validate().map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let router = router(Arc::new(scenario));
    // Ramps count from here: scripts that record a ramp derive its true saturation time from it.
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    eprintln!("simulation clock started_ms={now}");
    axum::serve(listener, router).await
}

/// Serves `router` on 127.0.0.1 (a free port) from a thread and runtime of its own, for as long
/// as the process lives: the in-process servers of the integration tests and benchmarks, which
/// run outside any runtime of theirs.
pub fn serve_on_thread(router: Router) -> Result<std::net::SocketAddr, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let served = tokio::runtime::Builder::new_current_thread().enable_all().build().map(|rt| {
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                let _ = tx.send(listener.local_addr());
                axum::serve(listener, router).await
            })
        });
        if let Ok(Err(e)) | Err(e) = served {
            eprintln!("in-process server stopped: {e}");
        }
    });
    match rx.recv_timeout(std::time::Duration::from_secs(10)) {
        Ok(Ok(addr)) => Ok(addr),
        Ok(Err(e)) => Err(format!("cannot listen on 127.0.0.1: {e}")),
        Err(_) => Err("the in-process server did not start within 10 s".into()),
    }
}

pub mod flow;

#[cfg(test)]
mod tests;
