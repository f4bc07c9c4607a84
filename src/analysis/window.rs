//! A vertex as seen over the analysis window: per-metric means of the per-poll values, with the
//! polls that carried no data left out (Flink's metric cache answers zeros when cold, and one
//! such poll must not drag a 100 % busy vertex down to 67 %).

use crate::model::{BackpressureLevel, Job, Metric, Snapshot, Vertex};

#[derive(Clone, Debug)]
pub struct VertexView<'a> {
    /// The newest state of the vertex (names, edges, subtasks).
    pub vertex: &'a Vertex,
    /// Max over subtasks, averaged over the window.
    pub busy: Option<f64>,
    /// Mean over subtasks, averaged over the window.
    pub busy_avg: Option<f64>,
    pub backpressured: Option<f64>,
    /// Min over subtasks (the least idle), averaged over the window.
    pub idle: Option<f64>,
    pub in_pool: Option<f64>,
    pub out_pool: Option<f64>,
    /// Totals over subtasks.
    pub records_in: Option<f64>,
    pub records_out: Option<f64>,
    pub level: Option<BackpressureLevel>,
    /// Distinct measurements in the window: Flink's JobManager refreshes its metric store only
    /// every few polls (10 s by default), and a repeated answer is not new evidence.
    pub samples: usize,
    /// Polls in the window that carried busy/backpressured/idle data for this vertex.
    pub polls: usize,
    /// Of the measurements, those in which the vertex was backpressured at or above the threshold.
    pub backpressured_samples: usize,
    /// Per subtask (index, busy, backpressured, idle, records in), averaged over the window.
    pub subtasks: Vec<SubtaskView>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SubtaskView {
    pub index: u32,
    pub busy: Option<f64>,
    pub backpressured: Option<f64>,
    pub idle: Option<f64>,
    pub records_in: Option<f64>,
}

fn mean(values: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    let (sum, n) = values.into_iter().flatten().fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// The same job in each snapshot of the window, oldest first.
pub fn job_in_window<'a>(window: &[&'a Snapshot], job_id: &str) -> Vec<&'a Job> {
    window.iter().filter_map(|s| s.jobs.iter().find(|j| j.id == job_id)).collect()
}

pub fn view<'a>(vertex: &'a Vertex, history: &[&'a Job], bp_threshold: f64) -> VertexView<'a> {
    let with_data: Vec<&Vertex> =
        history.iter().filter_map(|j| j.vertex(&vertex.id)).filter(|v| v.has_time_data()).collect();
    // One entry per measurement: of consecutive polls that repeat the same refresh, the last.
    let mut polls: Vec<&Vertex> = Vec::with_capacity(with_data.len());
    for v in &with_data {
        match (polls.last(), v.measured_at_ms) {
            (Some(prev), Some(t)) if prev.measured_at_ms == Some(t) => {
                if let Some(last) = polls.last_mut() {
                    *last = v;
                }
            }
            _ => polls.push(v),
        }
    }
    let stat =
        |m: Metric, pick: fn(&crate::model::Stat) -> Option<f64>| mean(polls.iter().map(|v| pick(&v.stats.get(m))));
    let backpressured_samples =
        polls.iter().filter(|v| v.stats.get(Metric::Backpressured).max.is_some_and(|b| b >= bp_threshold)).count();
    let mut indexes: Vec<u32> = polls.iter().flat_map(|v| v.subtasks.iter().map(|s| s.index)).collect();
    indexes.sort_unstable();
    indexes.dedup();
    let subtasks = indexes
        .into_iter()
        .map(|i| {
            let per = |m: Metric| {
                mean(polls.iter().map(|v| v.subtasks.iter().find(|s| s.index == i).and_then(|s| s.metrics.get(m))))
            };
            SubtaskView {
                index: i,
                busy: per(Metric::Busy),
                backpressured: per(Metric::Backpressured),
                idle: per(Metric::Idle),
                records_in: per(Metric::RecordsIn),
            }
        })
        .collect();
    VertexView {
        vertex,
        busy: stat(Metric::Busy, |s| s.max),
        busy_avg: stat(Metric::Busy, |s| s.avg),
        backpressured: stat(Metric::Backpressured, |s| s.max),
        idle: stat(Metric::Idle, |s| s.min),
        in_pool: stat(Metric::InPool, |s| s.max),
        out_pool: stat(Metric::OutPool, |s| s.max),
        records_in: stat(Metric::RecordsIn, |s| s.sum),
        records_out: stat(Metric::RecordsOut, |s| s.sum),
        level: polls.last().and_then(|v| v.backpressure_level).or(vertex.backpressure_level),
        samples: polls.len(),
        polls: with_data.len(),
        backpressured_samples,
        subtasks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_support::vertex;

    #[test]
    fn of_two_polls_of_one_measurement_the_later_counts() {
        let at = |busy: f64, measured: i64| {
            let mut v = vertex("v", "enrich", &[], &[(busy, 0.0, 1.0 - busy)]);
            v.measured_at_ms = Some(measured);
            crate::model::test_support::running_job("j", vec![v])
        };
        // Flink's first answer after a refresh carries the old values under the new time.
        let polls = [at(0.2, 1000), at(0.2, 3000), at(0.9, 3000)];
        let window: Vec<&Job> = polls.iter().collect();
        let latest = &polls[2].vertices[0];
        let v = view(latest, &window, 0.1);
        assert_eq!(v.samples, 2, "two measurements, not three polls");
        assert!((v.busy.unwrap() - (0.2 + 0.9) / 2.0).abs() < 1e-9, "{:?}", v.busy);
    }
}
