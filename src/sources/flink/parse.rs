//! Flink's REST answers → the model. Pure functions of JSON values: the fuzz target
//! `flink_rest` and the unit tests call them directly.

use std::collections::HashMap;

use serde_json::Value;

use super::JobFilter;
use crate::model::{
    plausible_time_ms, split_chain, BackpressureLevel, Input, Job, Metric, MetricValues, Started, Stat, TimeTotals,
    Vertex, VertexStats,
};
use crate::sources::json::{num, str_field, unescape_html};
use crate::sources::SourceError;

/// Metrics asked per vertex: the model's metric, Flink's names (newest first), and the factor
/// that turns Flink's unit into the model's (ms per second → ratio).
pub(super) const WANTED: [(Metric, &[&str], f64); 9] = [
    (Metric::Busy, &["busyTimeMsPerSecond"], 0.001),
    (Metric::Backpressured, &["backPressuredTimeMsPerSecond"], 0.001),
    (Metric::Idle, &["idleTimeMsPerSecond"], 0.001),
    (Metric::SoftBackpressured, &["softBackPressuredTimeMsPerSecond"], 0.001),
    (Metric::HardBackpressured, &["hardBackPressuredTimeMsPerSecond"], 0.001),
    (Metric::InPool, &["Shuffle.Netty.Input.Buffers.inPoolUsage", "buffers.inPoolUsage"], 1.0),
    (Metric::OutPool, &["Shuffle.Netty.Output.Buffers.outPoolUsage", "buffers.outPoolUsage"], 1.0),
    (Metric::RecordsIn, &["numRecordsInPerSecond"], 1.0),
    (Metric::RecordsOut, &["numRecordsOutPerSecond"], 1.0),
];

/// Flink's own upper limit of parallelism; anything above is a broken answer.
const MAX_PARALLELISM: f64 = 32768.0;
/// Job states after which a job never runs again.
const TERMINAL_STATES: [&str; 4] = ["FINISHED", "CANCELED", "FAILED", "SUSPENDED"];

/// For each wanted metric, the first of its names that this vertex registers (`list`: the ids
/// of the vertex's `/subtasks/metrics` answer): what `parse_aggregates` and
/// `parse_subtask_values` are given.
pub fn resolve_names(list: &[String]) -> Vec<(Metric, &'static str, f64)> {
    WANTED
        .iter()
        .filter_map(|(m, names, scale)| names.iter().find(|n| list.iter().any(|l| l == *n)).map(|n| (*m, *n, *scale)))
        .collect()
}

/// The metric names a vertex registers, from `/jobs/:jid/vertices/:vid/subtasks/metrics`.
pub fn parse_metric_list(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|m| str_field(m, "id").map(str::to_string)).collect()).unwrap_or_default()
}

/// (id, name, state) of every job in `/jobs/overview`.
pub fn parse_overview(v: &Value) -> Option<Vec<(String, String, String)>> {
    let jobs = v.get("jobs")?.as_array()?;
    Some(
        jobs.iter()
            .filter_map(|j| {
                Some((
                    str_field(j, "jid")?.to_string(),
                    str_field(j, "name").unwrap_or("").to_string(),
                    str_field(j, "state").unwrap_or("UNKNOWN").to_string(),
                ))
            })
            .collect(),
    )
}

/// The ids of the jobs the filter asks for, or why none matches. `previously`: jobs selected
/// in earlier polls, kept when they end (a job that fails must not vanish from the verdict).
pub fn select_jobs(
    jobs: &[(String, String, String)],
    filter: &JobFilter,
    previously: &std::collections::HashSet<String>,
) -> Result<Vec<String>, SourceError> {
    let listing = || {
        if jobs.is_empty() {
            "the cluster has no jobs".to_string()
        } else {
            let names: Vec<String> =
                jobs.iter().map(|(id, name, st)| format!("{name} ({}, {st})", crate::model::short_id(id))).collect();
            format!("jobs: {}", names.join(", "))
        }
    };
    match filter {
        JobFilter::Active => {
            let active: Vec<String> = jobs
                .iter()
                .filter(|j| !TERMINAL_STATES.contains(&j.2.as_str()) || previously.contains(&j.0))
                .map(|j| j.0.clone())
                .collect();
            if active.is_empty() {
                Err(SourceError::NoJob { wanted: None, why: listing() })
            } else {
                Ok(active)
            }
        }
        JobFilter::Named(wanted) => {
            // The exact name, then the name in any case, then an id prefix, then a part of the
            // name in any case that names one job (several jobs may share that one name).
            let lower = wanted.to_lowercase();
            let pick = |f: &dyn Fn(&(String, String, String)) -> bool| -> Vec<String> {
                jobs.iter().filter(|j| f(j)).map(|j| j.0.clone()).collect()
            };
            let mut hits = pick(&|j| &j.1 == wanted);
            if hits.is_empty() {
                hits = pick(&|j| j.1.to_lowercase() == lower);
            }
            if hits.is_empty() && wanted.len() >= 4 {
                hits = pick(&|j| j.0.starts_with(&wanted.to_ascii_lowercase()));
            }
            if hits.is_empty() && !lower.is_empty() {
                hits = pick(&|j| j.1.to_lowercase().contains(&lower));
                // Among the jobs still running when there are any (a finished namesake is no
                // rival), and the ones chosen before (a job deployed later does not make the
                // choice ambiguous mid-run).
                let live = |id: &String| jobs.iter().any(|j| &j.0 == id && !TERMINAL_STATES.contains(&j.2.as_str()));
                if hits.iter().any(live) {
                    hits.retain(live);
                }
                if hits.iter().any(|id| previously.contains(id)) {
                    hits.retain(|id| previously.contains(id));
                }
                let mut names: Vec<&str> = jobs.iter().filter(|j| hits.contains(&j.0)).map(|j| j.1.as_str()).collect();
                names.sort();
                names.dedup();
                if names.len() > 1 {
                    let matches: Vec<String> = jobs
                        .iter()
                        .filter(|j| hits.contains(&j.0))
                        .map(|(id, name, st)| format!("{name} ({}, {st})", crate::model::short_id(id)))
                        .collect();
                    return Err(SourceError::AmbiguousJob { wanted: wanted.clone(), matches: matches.join(", ") });
                }
            }
            if hits.is_empty() {
                return Err(SourceError::NoJob { wanted: Some(wanted.clone()), why: listing() });
            }
            // Several jobs can share a name (resubmissions): prefer the ones that have not ended.
            let active: Vec<String> = hits
                .iter()
                .filter(|id| jobs.iter().any(|j| &j.0 == *id && !TERMINAL_STATES.contains(&j.2.as_str())))
                .cloned()
                .collect();
            Ok(if active.is_empty() { hits } else { active })
        }
    }
}

/// Job, vertices and edges from `/jobs/:jid` and its plan. No metrics yet.
/// Task states before RUNNING, as `/jobs/:jid` counts them per vertex.
const STARTING_TASKS: [&str; 5] = ["CREATED", "SCHEDULED", "DEPLOYING", "INITIALIZING", "RECONCILING"];

/// When the job's tasks last started, from `/jobs/:jid`: `timestamps.RUNNING` (the last switch
/// to RUNNING; a restart moves it), the vertices' `start-time`, and `now` (the JobManager's
/// clock). None when the answer lacks them (older versions, another source).
pub fn parse_started(details: &Value) -> Option<Started> {
    let running = details.get("timestamps").and_then(|t| t.get("RUNNING")).and_then(num).filter(|t| *t > 0.0)?;
    let jm_now = details.get("now").and_then(num).filter(|t| *t > 0.0)?;
    let vertices = details.get("vertices").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let vertex_start = vertices.iter().filter_map(|v| v.get("start-time").and_then(num)).fold(0.0, f64::max);
    let tasks_starting = vertices.iter().any(|v| {
        let counted =
            v.get("tasks").map(|t| STARTING_TASKS.iter().any(|k| t.get(*k).and_then(num).is_some_and(|n| n > 0.0)));
        counted.unwrap_or_else(|| str_field(v, "status").is_some_and(|s| STARTING_TASKS.contains(&s)))
    });
    Some(Started { at_ms: running.max(vertex_start) as i64, jm_now_ms: jm_now as i64, tasks_starting })
}

/// A vertex's `accumulated-*-time` totals (newer Flink; the real 2.3 captures have them), when
/// backpressured and idle time are both there and plausible; busy time alone may be NaN (a
/// legacy source).
pub fn time_totals(metrics: &Value) -> Option<TimeTotals> {
    let total = |k: &str| metrics.get(k).and_then(num).filter(|x| x.is_finite() && *x >= 0.0);
    Some(TimeTotals {
        busy_ms: total("accumulated-busy-time"),
        backpressured_ms: total("accumulated-backpressured-time")?,
        idle_ms: total("accumulated-idle-time")?,
    })
}

pub fn parse_job(details: &Value, plan: &Value) -> Option<Job> {
    let id = str_field(details, "jid")?.to_string();
    let name = str_field(details, "name").unwrap_or("").to_string();
    let state = str_field(details, "state").unwrap_or("UNKNOWN").to_string();
    let nodes: HashMap<&str, &Value> = plan
        .get("nodes")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|n| Some((str_field(n, "id")?, n))).collect())
        .unwrap_or_default();
    let mut vertices = Vec::new();
    for v in details.get("vertices")?.as_array()? {
        let Some(vid) = str_field(v, "id") else { continue };
        let node = nodes.get(vid);
        let vname = str_field(v, "name")
            .map(str::to_string)
            .or_else(|| node.and_then(|n| str_field(n, "description")).map(unescape_html))
            .unwrap_or_else(|| vid.to_string());
        let parallelism = v
            .get("parallelism")
            .and_then(num)
            .or_else(|| node.and_then(|n| n.get("parallelism")).and_then(num))
            .unwrap_or(1.0);
        let mut vertex = Vertex::new(vid, &vname, parallelism.clamp(1.0, MAX_PARALLELISM) as u32);
        vertex.max_parallelism =
            v.get("maxParallelism").and_then(num).filter(|m| *m > 0.0).map(|m| m.min(MAX_PARALLELISM) as u32);
        vertex.operators = split_chain(&vname);
        vertex.time_totals = v.get("metrics").and_then(time_totals);
        // Sources have no "inputs" key at all.
        if let Some(inputs) = node.and_then(|n| n.get("inputs")).and_then(Value::as_array) {
            vertex.inputs = inputs
                .iter()
                .filter_map(|i| {
                    Some(Input {
                        from: str_field(i, "id")?.to_string(),
                        ship_strategy: str_field(i, "ship_strategy").map(str::to_string),
                    })
                })
                .collect();
        }
        vertices.push(vertex);
    }
    let started = parse_started(details);
    Some(Job { id, name, state, vertices, graph_known: !nodes.is_empty(), started })
}

/// Aggregated `/subtasks/metrics` → per-metric statistics. `None` when Flink answered `[]`.
pub fn parse_aggregates(v: &Value, names: &[(Metric, &str, f64)]) -> Option<VertexStats> {
    let items = v.as_array()?;
    if items.is_empty() {
        return None;
    }
    let mut stats = VertexStats::default();
    for item in items {
        let Some(id) = str_field(item, "id") else { continue };
        let Some((metric, _, scale)) = names.iter().find(|(_, n, _)| *n == id) else { continue };
        let f = |k: &str| item.get(k).and_then(num).map(|x| x * scale);
        stats.set(*metric, Stat { min: f("min"), max: f("max"), avg: f("avg"), sum: f("sum") });
    }
    Some(stats)
}

/// Per-subtask `/metrics?get=0.x,…` answers (string values, any order) into `out`.
pub fn parse_subtask_values(v: &Value, names: &[(Metric, &str, f64)], out: &mut HashMap<u32, MetricValues>) {
    for item in v.as_array().into_iter().flatten() {
        let Some(id) = str_field(item, "id") else { continue };
        let Some((idx, name)) = id.split_once('.') else { continue };
        let Ok(idx) = idx.parse::<u32>() else { continue };
        let Some((metric, _, scale)) = names.iter().find(|(_, n, _)| *n == name) else { continue };
        let value = item.get("value").and_then(num).map(|x| x * scale);
        out.entry(idx).or_default().set(*metric, value);
    }
}

/// `/backpressure`: the vertex level and per-subtask (level, ratio, busy, idle).
/// `status: "deprecated"` (Flink 1.13 while sampling) means no data yet.
pub fn parse_backpressure(v: &Value) -> Option<Backpressure> {
    if str_field(v, "status") == Some("deprecated") {
        return None;
    }
    let level = |x: &Value| {
        str_field(x, "backpressureLevel")
            .or_else(|| str_field(x, "backpressure-level"))
            .and_then(BackpressureLevel::parse)
    };
    let subtasks = v
        .get("subtasks")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| {
                    let idx = s.get("subtask").and_then(num)? as u32;
                    Some(SubtaskBackpressure {
                        index: idx,
                        level: level(s),
                        ratio: s.get("ratio").and_then(num),
                        busy: s.get("busyRatio").and_then(num),
                        idle: s.get("idleRatio").and_then(num),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Backpressure {
        level: level(v),
        end_timestamp: v.get("end-timestamp").and_then(num).map(|t| t as i64).filter(|t| plausible_time_ms(*t)),
        subtasks,
    })
}

pub struct Backpressure {
    pub level: Option<BackpressureLevel>,
    /// When the metric store computed these values.
    pub end_timestamp: Option<i64>,
    pub subtasks: Vec<SubtaskBackpressure>,
}

pub struct SubtaskBackpressure {
    pub index: u32,
    pub level: Option<BackpressureLevel>,
    pub ratio: Option<f64>,
    pub busy: Option<f64>,
    pub idle: Option<f64>,
}
