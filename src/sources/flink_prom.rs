//! Flink's PrometheusReporter text (`flink_taskmanager_job_task_*`) → the same jobs, vertices
//! and subtasks as the REST API gives, joined on job_id + task_id + subtask_index (names are
//! reformatted by the reporter: "slow-sink: Writer" becomes "slow_sink:_Writer").
//!
//! The reporter carries no plan, so a job read from it alone has no edges (`graph_known` false)
//! and no state: task metrics exist only while tasks run, so it is RUNNING.

use std::collections::BTreeMap;

use super::exposition::Sample;
use crate::model::{subtask_entry, Job, Metric, MetricValues, Subtask, Vertex, VertexStats};

const PREFIX: &str = "flink_taskmanager_job_task_";

/// Reporter metric names (after the prefix), newest first, with the factor to the model's unit.
const NAMES: [(Metric, &[&str], f64); 11] = [
    (Metric::Busy, &["busyTimeMsPerSecond"], 0.001),
    (Metric::Backpressured, &["backPressuredTimeMsPerSecond"], 0.001),
    (Metric::Idle, &["idleTimeMsPerSecond"], 0.001),
    (Metric::SoftBackpressured, &["softBackPressuredTimeMsPerSecond"], 0.001),
    (Metric::HardBackpressured, &["hardBackPressuredTimeMsPerSecond"], 0.001),
    (Metric::InPool, &["Shuffle_Netty_Input_Buffers_inPoolUsage", "buffers_inPoolUsage"], 1.0),
    (Metric::OutPool, &["Shuffle_Netty_Output_Buffers_outPoolUsage", "buffers_outPoolUsage"], 1.0),
    (Metric::InQueueLength, &["Shuffle_Netty_Input_Buffers_inputQueueLength", "buffers_inputQueueLength"], 1.0),
    (Metric::OutQueueLength, &["Shuffle_Netty_Output_Buffers_outputQueueLength", "buffers_outputQueueLength"], 1.0),
    (Metric::RecordsIn, &["numRecordsInPerSecond"], 1.0),
    (Metric::RecordsOut, &["numRecordsOutPerSecond"], 1.0),
];

/// Every metric name [`jobs`] reads, whole (for a Prometheus server's selector).
pub fn names() -> impl Iterator<Item = String> {
    NAMES.iter().flat_map(|(_, names, _)| names.iter()).map(|n| format!("{PREFIX}{n}"))
}

/// True for the names [`jobs`] reads: the scrape parser skips every other line unread.
pub fn wanted(name: &str) -> bool {
    name.strip_prefix(PREFIX).and_then(lookup).is_some()
}

/// True when the samples hold Flink task metrics.
pub fn has_flink_tasks(samples: &[Sample]) -> bool {
    samples.iter().any(|s| s.name.starts_with(PREFIX))
}

/// Jobs with their vertices and subtasks; metrics a subtask does not report stay `None`.
pub fn jobs(samples: &[Sample]) -> Vec<Job> {
    // job id → (name, task id → (name, subtask → values)); BTreeMaps for a stable order.
    type Tasks = BTreeMap<String, (String, BTreeMap<u32, MetricValues>)>;
    let mut by_job: BTreeMap<String, (String, Tasks)> = BTreeMap::new();
    for s in samples {
        let Some(short) = s.name.strip_prefix(PREFIX) else { continue };
        let Some((metric, rank, scale)) = lookup(short) else { continue };
        let (Some(jid), Some(tid), Some(idx)) =
            (s.label("job_id"), s.label("task_id"), s.label("subtask_index").and_then(|i| i.parse::<u32>().ok()))
        else {
            continue;
        };
        let job = by_job
            .entry(jid.to_string())
            .or_insert_with(|| (s.label("job_name").unwrap_or(jid).to_string(), Tasks::new()));
        let task = job
            .1
            .entry(tid.to_string())
            .or_insert_with(|| (s.label("task_name").unwrap_or(tid).to_string(), BTreeMap::new()));
        let values = task.1.entry(idx).or_default();
        // Flink 2 and 1.x names can both appear (a mixed fleet): the newer one wins.
        if rank == 0 || values.get(metric).is_none() {
            values.set(metric, Some(s.value * scale).filter(|v| v.is_finite()));
        }
    }
    by_job
        .into_iter()
        .map(|(id, (name, tasks))| {
            let vertices = tasks
                .into_iter()
                .map(|(tid, (tname, subtasks))| {
                    let parallelism = subtasks.keys().max().map_or(1, |m| m + 1);
                    let mut v = Vertex::new(&tid, &tname, parallelism);
                    v.subtasks = subtasks
                        .into_iter()
                        .map(|(index, metrics)| Subtask { index, metrics, backpressure_level: None })
                        .collect();
                    v.stats = VertexStats::from_subtasks(&v.subtasks);
                    v.gaps.push("read from the Prometheus reporter: no plan, so no edges".into());
                    v
                })
                .collect();
            Job { id, name, state: "RUNNING".into(), vertices, graph_known: false, started: None }
        })
        .collect()
}

fn lookup(short: &str) -> Option<(Metric, usize, f64)> {
    NAMES.iter().find_map(|(m, names, scale)| names.iter().position(|n| *n == short).map(|rank| (*m, rank, *scale)))
}

/// One job per id from several reporters: each TaskManager's reporter holds only its own
/// subtasks, so the same job arrives once per TaskManager.
pub fn merge(jobs: Vec<Job>) -> Vec<Job> {
    let mut out: Vec<Job> = Vec::new();
    for job in jobs {
        let Some(into) = out.iter_mut().find(|j| j.id == job.id) else {
            out.push(job);
            continue;
        };
        for v in job.vertices {
            match into.vertices.iter_mut().find(|x| x.id == v.id) {
                Some(x) => {
                    for s in v.subtasks {
                        if !x.subtasks.iter().any(|t| t.index == s.index) {
                            x.subtasks.push(s);
                        }
                    }
                    x.subtasks.sort_by_key(|s| s.index);
                    x.parallelism = x.subtasks.iter().map(|s| s.index + 1).max().unwrap_or(1);
                    x.stats = VertexStats::from_subtasks(&x.subtasks);
                }
                None => into.vertices.push(v),
            }
        }
    }
    out
}

/// Fills what the REST answer lacks from the reporter, matching on job, vertex and subtask ids.
pub fn fill_gaps(rest: &mut [Job], reporter: &[Job]) {
    for job in rest {
        let Some(rj) = reporter.iter().find(|r| r.id == job.id) else { continue };
        for v in &mut job.vertices {
            let Some(rv) = rj.vertex(&v.id) else { continue };
            let mut changed = false;
            for rs in &rv.subtasks {
                let st = subtask_entry(&mut v.subtasks, rs.index);
                for m in Metric::ALL {
                    if st.metrics.get(m).is_none() && rs.metrics.get(m).is_some() {
                        st.metrics.set(m, rs.metrics.get(m));
                        changed = true;
                    }
                }
            }
            if changed {
                v.subtasks.sort_by_key(|s| s.index);
                v.stats.fill_missing_from(&v.subtasks, &Metric::ALL);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::exposition::parse;

    fn real(name: &str) -> Vec<Sample> {
        let path = format!("{}/fixtures/real/reporter/{name}", env!("CARGO_MANIFEST_DIR"));
        parse(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn the_real_reporter_text_gives_the_job_and_its_vertices() {
        let jobs = jobs(&real("slow-sink-taskmanager.txt"));
        assert_eq!(jobs.len(), 1);
        let j = &jobs[0];
        assert_eq!(j.id, "6852c2b6ac1babbcd3c295f61e11f609");
        assert_eq!(j.name, "realflink_slow_sink");
        assert!(!j.graph_known);
        assert_eq!(j.vertices.len(), 4);
        let sink = j.vertex("6d2677a0ecc3fd8df0b72ec675edf8f4").unwrap();
        assert_eq!(sink.name, "slow_sink:_Writer");
        assert_eq!(sink.stats.get(Metric::Busy).max, Some(1.0));
        assert_eq!(sink.stats.get(Metric::Backpressured).max, Some(0.0));
        let parse_v = j.vertex("0a448493b4782967b150582570326227").unwrap();
        assert_eq!(parse_v.stats.get(Metric::OutPool).max, Some(1.0));
        assert!(parse_v.stats.get(Metric::Backpressured).max.unwrap() > 0.9);
        assert!(parse_v.stats.get(Metric::OutQueueLength).max.is_some());
    }

    #[test]
    fn nan_busy_of_the_real_python_source_stays_unknown() {
        let jobs = jobs(&real("python-udf-taskmanager.txt"));
        let src = jobs[0].vertex("bc764cd8ddf7a0cff126f51c16239658").unwrap();
        assert_eq!(src.stats.get(Metric::Busy).max, None);
        assert!(src.stats.get(Metric::Backpressured).max.unwrap() > 0.9);
    }

    #[test]
    fn reporter_values_fill_rest_gaps_by_id_not_name() {
        let reporter = jobs(&real("slow-sink-taskmanager.txt"));
        let mut rest = vec![Job {
            id: "6852c2b6ac1babbcd3c295f61e11f609".into(),
            name: "realflink-slow-sink".into(),
            state: "RUNNING".into(),
            vertices: vec![Vertex::new("0a448493b4782967b150582570326227", "parse", 1)],
            graph_known: true,
            started: None,
        }];
        fill_gaps(&mut rest, &reporter);
        let v = &rest[0].vertices[0];
        assert_eq!(v.name, "parse", "REST names stay");
        assert_eq!(v.stats.get(Metric::OutPool).max, Some(1.0));
        assert!(v.stats.get(Metric::InQueueLength).max.is_some());
    }
}
