//! Flink REST answers → bptop's readers → one job in the model → analysis → reports.
//!
//! Input: up to seven answers separated by 0x1e, in the order a poll asks for them:
//! `/jobs/overview`, `/jobs/:jid`, `/jobs/:jid/plan`, a vertex's metric list, its aggregated
//! `/subtasks/metrics`, its per-subtask `/metrics?get=0.x,…` and its `/backpressure`. The
//! metric answers are given to every vertex of the job (a real poll asks per vertex).

#![no_main]

use std::collections::{HashMap, HashSet};

use bptop::model::{subtask_entry, Snapshot, Subtask, VertexStats};
use bptop::sources::flink::{
    parse_aggregates, parse_backpressure, parse_job, parse_metric_list, parse_overview, parse_subtask_values,
    resolve_names, select_jobs, JobFilter,
};
use bptop::sources::http::Response;
use bptop::sources::json::parse_json;
use bptop_fuzz::{diagnose_and_render, repeated, split};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// An answer as the product reads it: through `parse_json`, which also words the failures (an
/// error status is read for its message too).
fn answer(body: &[u8]) -> Value {
    let resp =
        |status| Response { status, content_type: Some("application/json".into()), body: body.to_vec(), attempts: 1 };
    let _ = parse_json("http://fuzz/x", &resp(500)).map(|_| ()).map_err(|e| e.to_string());
    parse_json("http://fuzz/x", &resp(200)).unwrap_or(Value::Null)
}

fuzz_target!(|data: &[u8]| {
    let docs: Vec<Value> = split(data, 7).into_iter().map(answer).collect();
    let doc = |i: usize| docs.get(i).unwrap_or(&Value::Null);
    if let Some(jobs) = parse_overview(doc(0)) {
        let _ = select_jobs(&jobs, &JobFilter::Active, &HashSet::new());
        if let Some((id, name, _)) = jobs.first() {
            let _ = select_jobs(&jobs, &JobFilter::Named(name.clone()), &HashSet::new());
            let _ = select_jobs(&jobs, &JobFilter::Named(id.chars().take(6).collect()), &HashSet::new());
        }
    }
    let Some(mut job) = parse_job(doc(1), doc(2)) else { return };
    let names = resolve_names(&parse_metric_list(doc(3)));
    let aggregates = parse_aggregates(doc(4), &names);
    let mut per_subtask = HashMap::new();
    parse_subtask_values(doc(5), &names, &mut per_subtask);
    let backpressure = parse_backpressure(doc(6));
    for v in &mut job.vertices {
        let mut subtasks: Vec<Subtask> =
            per_subtask.iter().map(|(&index, &metrics)| Subtask { index, metrics, backpressure_level: None }).collect();
        subtasks.sort_by_key(|s| s.index);
        if let Some(bp) = &backpressure {
            v.backpressure_level = bp.level;
            v.measured_at_ms = bp.end_timestamp;
            for sb in &bp.subtasks {
                subtask_entry(&mut subtasks, sb.index).backpressure_level = sb.level;
            }
        }
        v.stats = aggregates.clone().unwrap_or_else(|| VertexStats::from_subtasks(&subtasks));
        v.subtasks = subtasks;
    }
    // The job as it is, and as if it were running (a job that is not gets no verdict at all).
    let running = bptop::model::Job { state: "RUNNING".into(), ..job.clone() };
    let at_ms = 1_795_431_502_351;
    for job in [job, running] {
        diagnose_and_render(repeated(Snapshot { at_ms, jobs: vec![job], ..Snapshot::default() }, 3));
    }
});
