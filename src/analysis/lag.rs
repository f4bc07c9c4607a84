//! Consumer lag over time: growth by least squares, a Burrow-like trend, seconds behind, time to
//! drain, and time until retention deletes what the group has not read yet. Then each group is
//! tied to the Flink source that consumes it, so the verdict can say why it falls behind.

use std::collections::BTreeMap;

use super::forecast::ForecastOptions;
use super::regression::fit;
use crate::diagnosis::{BottleneckKind, JobDiagnosis, LagGroup, LagPartition, LagTrend};
use crate::history::{History, LagField, LagKey};
use crate::model::LagRow;
use crate::units::{duration_s, rate};

/// Transactional topics keep 1–2 offsets of lag for commit markers: that is not lag.
const NOISE_LAG: f64 = 2.0;

/// Explicit group → job mappings from `--lag-group JOB=GROUP`.
pub type GroupMap = Vec<(String, String)>;

fn points(history: &History, row: &LagRow, field: LagField, since_ms: i64) -> Vec<(i64, f64)> {
    history
        .lag_series(&LagKey::of(row, field))
        .map(|s| s.points().copied().filter(|p| p.0 >= since_ms).collect())
        .unwrap_or_default()
}

/// Enough history for a rate: the forecast gates (samples and span).
fn enough(pts: &[(i64, f64)], o: &ForecastOptions) -> bool {
    pts.len() >= o.min_samples
        && pts.last().zip(pts.first()).is_some_and(|(b, a)| (b.0 - a.0) as f64 / 1000.0 >= o.min_span_s)
}

/// The partitions of the newest poll, analysed over the history.
pub fn partitions(rows: &[LagRow], history: &History, now_ms: i64, o: &ForecastOptions) -> Vec<LagPartition> {
    let since = now_ms - (o.window_s * 1000.0) as i64;
    let mut out: Vec<LagPartition> = rows.iter().map(|row| partition(row, history, since, now_ms, o)).collect();
    // Hot partitions: far above the median lag of their group's other partitions.
    let mut by_group: BTreeMap<(Option<String>, String, String), Vec<usize>> = BTreeMap::new();
    for (i, p) in out.iter().enumerate() {
        by_group.entry((p.cluster.clone(), p.group.clone(), p.topic.clone())).or_default().push(i);
    }
    for ix in by_group.values() {
        if ix.len() < 2 {
            continue;
        }
        for &i in ix {
            let Some(l) = out[i].lag else { continue };
            let mut others: Vec<f64> = ix.iter().filter(|&&j| j != i).filter_map(|&j| out[j].lag).collect();
            if others.is_empty() {
                continue;
            }
            others.sort_by(f64::total_cmp);
            let median = others[others.len() / 2];
            out[i].hot = l > 1000.0 && l > 3.0 * median.max(1.0);
        }
    }
    out
}

fn partition(row: &LagRow, history: &History, since: i64, now_ms: i64, o: &ForecastOptions) -> LagPartition {
    let lag_pts = points(history, row, LagField::Lag, since);
    let committed = points(history, row, LagField::Committed, since);
    let log_end = points(history, row, LagField::LogEnd, since);
    let log_start = points(history, row, LagField::LogStart, since);
    let growth = if enough(&lag_pts, o) { fit(&lag_pts) } else { None };
    // What the producers write and the group reads per second: the slopes of the log end and
    // of the committed offset, under the same gates as the lag's growth.
    let slope = |pts: &[(i64, f64)]| if enough(pts, o) { fit(pts).map(|f| f.slope) } else { None };
    let produce_per_s = slope(&log_end);
    // Without committed offsets (KMinion reports lag and the log end only), what is read is
    // what is written less what the lag grows by.
    let consume_per_s = slope(&committed).or_else(|| Some(produce_per_s? - growth?.slope));
    let lag = row.lag;
    // Offsets only move forward unless the group was reset: a commit below the one before.
    let rewound = committed.windows(2).any(|w| w[1].1 < w[0].1);
    let rose = |s: &[(i64, f64)]| s.first().zip(s.last()).is_some_and(|(a, b)| b.1 > a.1);
    let trend = match lag {
        _ if rewound => LagTrend::Rewinding,
        // No lag reported, or a negative one (the exporter's offsets are out of step): nothing
        // can be said.
        None => LagTrend::Unknown,
        Some(l) if l < 0.0 => LagTrend::Unknown,
        // Nothing behind (transactional markers aside) is fine however long it stays so.
        Some(l) if l <= NOISE_LAG => LagTrend::Ok,
        // Flink commits on checkpoints and exporters refresh every ~30 s: "no commits" needs
        // the committed offset unchanged for the forecast gate's span, not for two polls.
        Some(_) if !rose(&committed) && unchanged_for(history, row, &committed).is_some_and(|s| s >= o.min_span_s) => {
            if rose(&log_end) {
                LagTrend::Stopped
            } else {
                LagTrend::Stalled
            }
        }
        // Behind, and too little history for a slope (samples or span): say so.
        Some(_) => match growth {
            None => LagTrend::Unknown,
            // A t-statistic at or above the gate implies a positive slope.
            Some(g) if g.t_stat() >= o.min_t => LagTrend::Growing,
            Some(_) => LagTrend::Ok,
        },
    };
    let lost = matches!((row.committed_offset, row.log_start_offset), (Some(c), Some(s)) if c < s);
    let (lag_seconds, estimated) = match (row.lag_seconds, row.committed_offset) {
        // Below the log start the lag is no longer measurable (exporters report 0 there).
        _ if lost => (None, false),
        (Some(s), _) => (Some(s), false),
        (None, Some(c)) => (seconds_behind(&points(history, row, LagField::LogEnd, i64::MIN), c, now_ms), true),
        _ => (None, false),
    };
    let time_to_drain_s = match (lag, growth) {
        // A t-statistic at or below −gate implies a negative slope.
        (Some(l), Some(g)) if l > NOISE_LAG && g.t_stat() <= -o.min_t => Some(l / -g.slope),
        _ => None,
    };
    let (time_to_data_loss_s, loss_reason) = data_loss(row, &committed, &log_start, o);
    LagPartition {
        source: row.source.clone(),
        cluster: row.cluster.clone(),
        group: row.group.clone(),
        topic: row.topic.clone(),
        partition: row.partition,
        lag,
        lag_seconds: lag_seconds
            .filter(|_| lag.is_none_or(|l| l > NOISE_LAG))
            .or(lag.filter(|l| *l <= NOISE_LAG).map(|_| 0.0)),
        lag_seconds_estimated: estimated && lag.is_none_or(|l| l > NOISE_LAG),
        log_end_offset: row.log_end_offset,
        committed_offset: row.committed_offset,
        log_start_offset: row.log_start_offset,
        growth_per_s: growth.map(|g| g.slope),
        produce_per_s,
        consume_per_s,
        trend,
        time_to_drain_s,
        time_to_data_loss_s,
        loss_reason,
        status: row.status.clone(),
        client_id: row.client_id.clone(),
        hot: false,
    }
}

/// Seconds the committed offset has kept its current value, up to the row's last report.
fn unchanged_for(history: &History, row: &LagRow, committed: &[(i64, f64)]) -> Option<f64> {
    let (_, now_value) = committed.last()?;
    let since = committed.iter().rev().take_while(|p| p.1 == *now_value).last()?.0;
    let seen = history.lag_last_seen(row.cluster.as_deref().unwrap_or(""), &row.group, &row.topic, row.partition)?;
    Some((seen - since) as f64 / 1000.0)
}

/// When the log end passed the committed offset, from our own log-end history: how long ago
/// the oldest unread record was written. `None` when the history does not reach back that far.
fn seconds_behind(log_end: &[(i64, f64)], committed: f64, now_ms: i64) -> Option<f64> {
    let last = log_end.last()?;
    if committed >= last.1 {
        return Some(0.0);
    }
    for w in log_end.windows(2).rev() {
        let ((t0, v0), (t1, v1)) = (w[0], w[1]);
        if v0 <= committed && committed <= v1 && v1 > v0 {
            let t = t0 as f64 + (committed - v0) / (v1 - v0) * (t1 - t0) as f64;
            return Some((now_ms as f64 - t).max(0.0) / 1000.0);
        }
    }
    None
}

/// Time until the committed offset falls below the log start (retention deleted unread data):
/// the margin committed − log start, fitted over time, must close credibly.
fn data_loss(
    row: &LagRow,
    committed: &[(i64, f64)],
    log_start: &[(i64, f64)],
    o: &ForecastOptions,
) -> (Option<f64>, Option<String>) {
    if row.compacted == Some(true) {
        return (None, Some("compacted topic: retention does not delete unread records".into()));
    }
    if log_start.is_empty() {
        return (None, Some("unknown: the source does not expose the log start offset".into()));
    }
    // Kafka deletes whole segments: the log start moves in rare jumps. A line through one or
    // two jumps invents a closing rate; at least three distinct log starts are needed.
    let mut starts: Vec<i64> = log_start.iter().map(|p| p.1 as i64).collect();
    starts.dedup();
    if starts.len() < 3 && !matches!((committed.last(), log_start.last()), (Some(c), Some(s)) if c.1 < s.1) {
        return (
            None,
            Some(format!(
                "the log start moved {} time{} in the window: too few segment deletions to tell a rate",
                starts.len().saturating_sub(1),
                if starts.len() == 2 { "" } else { "s" }
            )),
        );
    }
    // Margin at each time both are known.
    let margin: Vec<(i64, f64)> = committed
        .iter()
        .filter_map(|(t, c)| {
            // The latest log start at or before t.
            let s = log_start.iter().rev().find(|(ts, _)| ts <= t)?;
            Some((*t, c - s.1))
        })
        .collect();
    if let Some(&(_, m)) = margin.last() {
        if m < 0.0 {
            return (Some(0.0), Some("data already lost: the committed offset is below the log start".into()));
        }
    }
    if !enough(&margin, o) {
        return (None, Some(format!("not enough history: {} samples (needs {})", margin.len(), o.min_samples)));
    }
    let Some(f) = fit(&margin) else { return (None, Some("the samples share one timestamp".into())) };
    // A t-statistic at or below −gate implies a falling margin.
    if f.t_stat() > -o.min_t {
        return (None, Some("the margin to the log start is not shrinking".into()));
    }
    if f.r2 < o.min_r2 {
        return (None, Some(format!("the margin shrinks but too unevenly for a forecast (R² {:.2})", f.r2)));
    }
    let now_margin = f.at(f.last_ms as f64);
    (
        Some((now_margin / -f.slope).max(0.0)),
        Some(format!(
            "margin {} offsets closing at {}/s (R² {:.2}, {} samples over {})",
            rate(Some(now_margin)),
            rate(Some(-f.slope)),
            f.r2,
            f.samples,
            duration_s(f.span_s)
        )),
    )
}

/// A job as the matching sees it: its id, name and source vertices (id, name).
pub struct Candidate<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub sources: Vec<(&'a str, &'a str)>,
}

impl<'a> Candidate<'a> {
    pub fn of(job: &'a crate::model::Job) -> Candidate<'a> {
        Candidate {
            id: &job.id,
            name: &job.name,
            sources: job
                .vertices
                .iter()
                .filter(|v| v.inputs.is_empty())
                .map(|v| (v.id.as_str(), v.name.as_str()))
                .collect(),
        }
    }
}

/// Groups over their partitions, tied to the job and source vertex that read them; the
/// summary is left to `describe`, which needs the jobs' verdicts (the demand measured here goes
/// into those verdicts first).
pub fn tie(parts: &[LagPartition], jobs: &[Candidate], explicit: &GroupMap) -> Vec<LagGroup> {
    let mut by: BTreeMap<(Option<String>, String), Vec<&LagPartition>> = BTreeMap::new();
    for p in parts {
        by.entry((p.cluster.clone(), p.group.clone())).or_default().push(p);
    }
    by.into_iter()
        .map(|((cluster, group), ps)| {
            let mut topics: Vec<String> = ps.iter().map(|p| p.topic.clone()).collect();
            topics.sort();
            topics.dedup();
            let sum = |f: fn(&LagPartition) -> Option<f64>| {
                let vals: Vec<f64> = ps.iter().filter_map(|p| f(p)).collect();
                (!vals.is_empty()).then(|| vals.iter().sum::<f64>())
            };
            // A rate summed over some partitions only would understate the group: all or none.
            let sum_all = |f: fn(&LagPartition) -> Option<f64>| {
                ps.iter().map(|p| f(p)).collect::<Option<Vec<f64>>>().map(|v| v.iter().sum::<f64>())
            };
            let trend = ps.iter().map(|p| p.trend).max_by_key(|t| t.rank()).unwrap_or(LagTrend::Unknown);
            let hot: Vec<String> =
                ps.iter().filter(|p| p.hot).map(|p| format!("{}-{}", p.topic, p.partition)).collect();
            let loss = ps.iter().filter_map(|p| p.time_to_data_loss_s).reduce(f64::min);
            let worst = ps
                .iter()
                .filter(|p| p.lag_seconds.is_some())
                .max_by(|a, b| a.lag_seconds.unwrap_or(0.0).total_cmp(&b.lag_seconds.unwrap_or(0.0)));
            let max_secs = worst.and_then(|p| p.lag_seconds);
            let unknown = ps.iter().filter(|p| p.lag.is_none_or(|l| l < 0.0)).count();
            // Flink's Kafka source names its consumers "<client.id.prefix>-<subtask>".
            let mut prefixes: Vec<String> = ps
                .iter()
                .filter_map(|p| p.client_id.as_deref())
                .map(|c| {
                    c.rsplit_once('-')
                        .filter(|(_, n)| n.chars().all(|d| d.is_ascii_digit()))
                        .map_or(c, |(p, _)| p)
                        .to_string()
                })
                .collect();
            prefixes.sort();
            prefixes.dedup();
            let (job, vertex) = match_source(&group, &topics, &prefixes, jobs, explicit);
            LagGroup {
                cluster,
                group,
                topics,
                partitions: ps.len(),
                total_lag: sum(|p| p.lag.filter(|l| *l >= 0.0)),
                unknown_partitions: unknown,
                growth_per_s: sum(|p| p.growth_per_s),
                production_per_s: sum_all(|p| p.produce_per_s),
                consumption_per_s: sum_all(|p| p.consume_per_s),
                max_lag_seconds: max_secs,
                max_lag_seconds_estimated: worst.is_some_and(|p| p.lag_seconds_estimated),
                trend,
                time_to_data_loss_s: loss,
                hot_partitions: hot,
                job_id: job.map(|j| j.id.to_string()),
                source_vertex: vertex.map(|v| v.1.to_string()),
                source_vertex_id: vertex.map(|v| v.0.to_string()),
                summary: String::new(),
            }
        })
        .collect()
}

/// Each group's sentence, naming the bottleneck of the job that reads it.
pub fn describe(groups: &mut [LagGroup], jobs: &[JobDiagnosis]) {
    for g in groups {
        let job = g.job_id.as_deref().and_then(|id| jobs.iter().find(|j| j.id == id));
        g.summary = sentence(g, job);
    }
}

/// The job and source vertex (id, name) reading `group`: an explicit `--lag-group`, else a
/// source vertex whose name mentions the group, one of its topics or its consumers' client-id
/// prefix, else a job named after the group.
fn match_source<'a, 'j>(
    group: &str,
    topics: &[String],
    client_prefixes: &[String],
    jobs: &'a [Candidate<'j>],
    explicit: &GroupMap,
) -> (Option<&'a Candidate<'j>>, Option<(&'j str, &'j str)>) {
    if let Some((job_ref, _)) = explicit.iter().find(|(_, g)| g == group) {
        let job = jobs.iter().find(|j| j.id == job_ref || j.name == job_ref || j.id.starts_with(job_ref.as_str()));
        let vertex = job.and_then(|j| {
            j.sources.iter().find(|v| topics.iter().any(|t| v.1.contains(t.as_str()))).or(j.sources.first()).copied()
        });
        return (job, vertex);
    }
    let names_it = |name: &str| {
        name.contains(group)
            || topics.iter().any(|t| name.contains(t.as_str()))
            || client_prefixes.iter().any(|p| !p.is_empty() && name.contains(p.as_str()))
    };
    for j in jobs {
        if let Some(v) = j.sources.iter().find(|v| names_it(v.1)) {
            return (Some(j), Some(*v));
        }
    }
    if let Some(j) = jobs.iter().find(|j| j.name == group || j.name.contains(group)) {
        return (Some(j), j.sources.first().copied());
    }
    (None, None)
}

fn sentence(g: &LagGroup, job: Option<&JobDiagnosis>) -> String {
    let who = g.source_vertex.clone().unwrap_or_else(|| format!("group {}", g.group));
    let approx = if g.max_lag_seconds_estimated { "~" } else { "" };
    let mut behind = match (g.total_lag, g.max_lag_seconds) {
        (Some(l), Some(s)) => format!("{} records ({approx}{}) behind", rate(Some(l)), duration_s(s)),
        (Some(l), None) => format!("{} records behind", rate(Some(l))),
        _ => "lag unknown".into(),
    };
    if g.unknown_partitions > 0 && g.total_lag.is_some() {
        behind.push_str(&format!(" (lag of {} of {} partitions unknown)", g.unknown_partitions, g.partitions));
    }
    let pace = match (g.trend, g.growth_per_s) {
        (LagTrend::Growing, Some(r)) => format!(" and losing ground at {}/s", rate(Some(r))),
        (LagTrend::Stopped, _) => " and not consuming at all (no commits while data arrives)".into(),
        (LagTrend::Stalled, _) => " with commits stuck".into(),
        (LagTrend::Rewinding, _) => " after its offsets went backwards".into(),
        (LagTrend::Ok, Some(r)) if r < 0.0 => format!(" and catching up at {}/s", rate(Some(-r))),
        _ => String::new(),
    };
    let because = job
        .and_then(|j| j.bottlenecks.iter().find(|b| b.kind != BottleneckKind::Unresolved))
        .map(|b| format!(" because {} {} is the bottleneck", b.kind.label(), b.name))
        .unwrap_or_default();
    let loss =
        g.time_to_data_loss_s.map(|s| format!("; data loss in ~{} at this rate", duration_s(s))).unwrap_or_default();
    let hot = if g.hot_partitions.is_empty() {
        String::new()
    } else {
        format!("; hot partitions: {}", g.hot_partitions.join(", "))
    };
    format!("{who} is {behind}{pace}{because}{loss}{hot}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Snapshot;

    const T0: i64 = 1_795_431_482_342;

    /// Groups tied and described as `diagnose` does it, from jobs already judged.
    fn groups(parts: &[LagPartition], jobs: &[JobDiagnosis], explicit: &GroupMap) -> Vec<LagGroup> {
        let candidates: Vec<Candidate> = jobs
            .iter()
            .map(|j| Candidate {
                id: &j.id,
                name: &j.name,
                sources: j
                    .vertices
                    .iter()
                    .filter(|v| v.inputs.is_empty())
                    .map(|v| (v.id.as_str(), v.name.as_str()))
                    .collect(),
            })
            .collect();
        let mut out = tie(parts, &candidates, explicit);
        describe(&mut out, jobs);
        out
    }

    fn row(lag: f64, committed: f64, log_end: f64, log_start: Option<f64>) -> LagRow {
        LagRow {
            source: "test".into(),
            cluster: Some("prod".into()),
            group: "orders-enrichment".into(),
            topic: "orders".into(),
            partition: 0,
            lag: Some(lag),
            committed_offset: Some(committed),
            log_end_offset: Some(log_end),
            log_start_offset: log_start,
            ..LagRow::default()
        }
    }

    /// 60 polls 5 s apart of a partition where producers write `produce`/s, the group commits
    /// `consume`/s and retention advances the log start by `retention`/s.
    fn run(produce: f64, consume: f64, retention: Option<f64>, margin0: f64) -> Vec<LagPartition> {
        let mut h = History::new(10, 1000);
        let mut last = Vec::new();
        for i in 0..60i64 {
            let t = i as f64 * 5.0;
            let start = retention.map(|r| 1_000_000.0 + r * t);
            let committed = 1_000_000.0 + margin0 + consume * t;
            let end = committed + 100_000.0 + (produce - consume) * t;
            last = vec![row(end - committed, committed, end, start)];
            h.push(Snapshot { at_ms: T0 + i * 5000, jobs: Vec::new(), lag: last.clone(), sources: Vec::new() });
        }
        partitions(&last, &h, T0 + 59 * 5000, &ForecastOptions::default())
    }

    #[test]
    fn producers_and_consumers_rates_are_the_offsets_slopes() {
        let p = &run(300.0, 100.0, None, 1_000_000.0)[0];
        let near = |x: Option<f64>, want: f64| x.is_some_and(|x| (x - want).abs() < 1e-6);
        assert!(near(p.produce_per_s, 300.0) && near(p.consume_per_s, 100.0), "{p:?}");
        // KMinion reports no committed offset: what is read is what is written less the growth.
        let mut h = History::new(10, 1000);
        let mut last = Vec::new();
        for i in 0..60i64 {
            let t = i as f64 * 5.0;
            let end = 2_000_000.0 + 300.0 * t;
            last = vec![LagRow { committed_offset: None, ..row(50_000.0 + 200.0 * t, 0.0, end, None) }];
            h.push(Snapshot { at_ms: T0 + i * 5000, lag: last.clone(), ..Default::default() });
        }
        let p = &partitions(&last, &h, T0 + 59 * 5000, &ForecastOptions::default())[0];
        assert!(near(p.produce_per_s, 300.0) && near(p.consume_per_s, 100.0), "{p:?}");
        // Too short a history: no rates at all.
        let mut h = History::new(10, 1000);
        let r = row(1000.0, 1000.0, 2000.0, None);
        h.push(Snapshot { at_ms: T0, lag: vec![r.clone()], ..Default::default() });
        let p = &partitions(&[r], &h, T0, &ForecastOptions::default())[0];
        assert_eq!((p.produce_per_s, p.consume_per_s), (None, None));
    }

    #[test]
    fn time_to_data_loss_has_the_known_answer() {
        // Margin 1 M offsets, log start advancing 300/s, commits 100/s: closing at 200/s.
        // After 295 s the margin is 1 M − 59 000 = 941 000 → 4705 s left.
        let p = &run(400.0, 100.0, Some(300.0), 1_000_000.0)[0];
        let loss = p.time_to_data_loss_s.unwrap_or_else(|| panic!("{:?}", p.loss_reason));
        assert!((loss - 4705.0).abs() / 4705.0 < 0.01, "{loss}");
        assert_eq!(p.trend, LagTrend::Growing);
        assert!((p.growth_per_s.unwrap() - 300.0).abs() < 1e-6);
    }

    #[test]
    fn no_loss_when_the_group_outruns_retention_or_log_start_is_hidden() {
        let p = &run(400.0, 350.0, Some(100.0), 1_000_000.0)[0];
        assert_eq!(p.time_to_data_loss_s, None);
        assert!(p.loss_reason.as_deref().unwrap().contains("not shrinking"));
        let p = &run(400.0, 100.0, None, 1_000_000.0)[0];
        assert_eq!(p.time_to_data_loss_s, None);
        assert!(p.loss_reason.as_deref().unwrap().starts_with("unknown"));
    }

    #[test]
    fn a_shrinking_lag_drains() {
        let p = &run(100.0, 300.0, Some(10.0), 1_000_000.0)[0];
        assert_eq!(p.trend, LagTrend::Ok);
        // Lag 100 000 − 200 × 295 = 41 000 left, shrinking 200/s: 205 s.
        let drain = p.time_to_drain_s.unwrap();
        assert!((drain - 205.0).abs() < 1e-6, "{drain}");
    }

    #[test]
    fn no_commits_while_data_arrives_is_stopped() {
        let p = &run(100.0, 0.0, Some(0.0), 1_000_000.0)[0];
        assert_eq!(p.trend, LagTrend::Stopped);
        let p = &run(0.0, 0.0, Some(0.0), 1_000_000.0)[0];
        assert_eq!(p.trend, LagTrend::Stalled);
    }

    #[test]
    fn seconds_behind_come_from_our_log_end_history() {
        let log_end: Vec<(i64, f64)> = (0..10).map(|i| (T0 + i * 1000, 1000.0 * i as f64)).collect();
        // Committed 4500: the log end passed it at T0 + 4.5 s; now is T0 + 9 s.
        assert_eq!(seconds_behind(&log_end, 4500.0, T0 + 9000), Some(4.5));
        assert_eq!(seconds_behind(&log_end, 9000.0, T0 + 9000), Some(0.0));
        assert_eq!(seconds_behind(&log_end, -5.0, T0 + 9000), None, "older than the history");
    }

    #[test]
    fn a_hot_partition_is_named() {
        let mut rows: Vec<LagRow> = (0..4).map(|p| LagRow { partition: p, ..row(1000.0, 0.0, 1000.0, None) }).collect();
        rows[2].lag = Some(900_000.0);
        let h = History::new(3, 10);
        let parts = partitions(&rows, &h, T0, &ForecastOptions::default());
        assert_eq!(parts.iter().filter(|p| p.hot).map(|p| p.partition).collect::<Vec<_>>(), [2]);
        let g = groups(&parts, &[], &Vec::new());
        assert_eq!(g[0].hot_partitions, ["orders-2"]);
        assert_eq!(g[0].job_id, None, "no job to tie it to");
        assert!(g[0].summary.contains("hot partitions: orders-2"), "{}", g[0].summary);
    }

    #[test]
    fn a_group_is_tied_to_the_flink_source_that_reads_it() {
        use crate::analysis::{diagnose, Thresholds};
        use crate::model::Job;
        let vertex = |id: &str, name: &str, inputs: &[&str], busy: f64, bp: f64| {
            crate::model::test_support::vertex(id, name, inputs, &[(busy, bp, 1.0 - busy - bp)])
        };
        let job = Job {
            id: "j1".into(),
            name: "enrichment".into(),
            state: "RUNNING".into(),
            vertices: vec![
                vertex("s", "Source: kafka-orders", &[], 0.01, 0.98),
                vertex("k", "sink: Writer", &["s"], 1.0, 0.0),
            ],
            graph_known: true,
            started: None,
        };
        let mut h = History::new(10, 100);
        h.push(Snapshot {
            at_ms: T0,
            jobs: vec![job],
            lag: vec![row(2_100_000.0, 0.0, 2_100_000.0, None)],
            sources: Vec::new(),
        });
        let d = diagnose(&h, &Thresholds::default());
        let g = &d.lag_groups[0];
        assert_eq!(g.job_id.as_deref(), Some("j1"));
        assert_eq!(g.source_vertex.as_deref(), Some("Source: kafka-orders"));
        assert!(g.summary.starts_with("Source: kafka-orders is 2.1M records"), "{}", g.summary);
        assert!(g.summary.contains("because sink sink: Writer is the bottleneck"), "{}", g.summary);
    }

    #[test]
    fn one_segment_deletion_is_no_data_loss_forecast() {
        // The group keeps up (lag steady at 1000); one 1 M-offset segment is deleted mid-window.
        let mut h = History::new(10, 1000);
        let mut last = Vec::new();
        for i in 0..60i64 {
            let t = i as f64 * 5.0;
            let start = if i < 30 { 1_000_000.0 } else { 2_000_000.0 };
            let committed = 5_000_000.0 + 100.0 * t;
            last = vec![row(1000.0, committed, committed + 1000.0, Some(start))];
            h.push(Snapshot { at_ms: T0 + i * 5000, jobs: Vec::new(), lag: last.clone(), sources: Vec::new() });
        }
        let p = &partitions(&last, &h, T0 + 59 * 5000, &ForecastOptions::default())[0];
        assert_eq!(p.time_to_data_loss_s, None, "{:?}", p.loss_reason);
        assert!(p.loss_reason.as_deref().unwrap().contains("too few segment deletions"));
        assert_eq!(p.trend, LagTrend::Ok);
    }

    #[test]
    fn two_polls_without_a_commit_are_not_stopped() {
        let mut h = History::new(10, 1000);
        let mut last = Vec::new();
        for i in 0..3i64 {
            last = vec![row(5000.0 + 100.0 * i as f64, 1000.0, 6000.0 + 100.0 * i as f64, None)];
            h.push(Snapshot { at_ms: T0 + i * 2000, jobs: Vec::new(), lag: last.clone(), sources: Vec::new() });
        }
        let p = &partitions(&last, &h, T0 + 4000, &ForecastOptions::default())[0];
        assert_ne!(p.trend, LagTrend::Stopped, "4 s without a commit says nothing (Flink commits on checkpoints)");
    }

    #[test]
    fn an_exporter_repeating_itself_adds_no_points_and_negative_lag_is_unknown() {
        let mut h = History::new(10, 1000);
        for i in 0..10i64 {
            // The exporter refreshes every 5 polls.
            let v = (i / 5) as f64;
            h.push(Snapshot {
                at_ms: T0 + i * 2000,
                jobs: Vec::new(),
                lag: vec![row(100.0 + v, 1000.0 + v, 1100.0 + 2.0 * v, None)],
                sources: Vec::new(),
            });
        }
        let key = LagKey {
            cluster: "prod".into(),
            group: "orders-enrichment".into(),
            topic: "orders".into(),
            partition: 0,
            field: LagField::Lag,
        };
        assert_eq!(h.lag_series(&key).unwrap().len(), 2);
        let neg = vec![row(-12.0, 1000.0, 988.0, None)];
        let p = &partitions(&neg, &h, T0, &ForecastOptions::default())[0];
        assert_eq!(p.trend, LagTrend::Unknown);
    }

    /// Polls of one partition, `(seconds since T0, lag, committed, log end)`, into a history;
    /// the partition as analysed at the last poll.
    fn polled(polls: &[(i64, f64, f64, f64)]) -> LagPartition {
        let mut h = History::new(10, 1000);
        let mut last = Vec::new();
        for &(s, lag, committed, end) in polls {
            last = vec![row(lag, committed, end, None)];
            h.push(Snapshot { at_ms: T0 + s * 1000, jobs: Vec::new(), lag: last.clone(), sources: Vec::new() });
        }
        let now = T0 + polls.last().map_or(0, |p| p.0) * 1000;
        partitions(&last, &h, now, &ForecastOptions::default()).remove(0)
    }

    #[test]
    fn a_slope_needs_both_the_samples_and_the_span() {
        let o = ForecastOptions::default();
        let pts =
            |n: i64, every_s: i64| -> Vec<(i64, f64)> { (0..n).map(|i| (T0 + i * every_s * 1000, 1.0)).collect() };
        assert!(enough(&pts(6, 6), &o), "6 samples over 30 s");
        assert!(!enough(&pts(6, 5), &o), "6 samples over 25 s: too short");
        assert!(!enough(&pts(5, 20), &o), "5 samples over 80 s: too few");
        // Ten polls a second apart of a lag rising 1000/s: 9 s of history, no slope, no verdict.
        let p = polled(
            &(0..10)
                .map(|i| (i, 5000.0 + 1000.0 * i as f64, 100.0 * i as f64, 5000.0 + 1100.0 * i as f64))
                .collect::<Vec<_>>(),
        );
        assert_eq!((p.growth_per_s, p.trend), (None, LagTrend::Unknown));
    }

    #[test]
    fn only_the_window_counts() {
        // Lag rising fast 20 minutes ago, flat (and consumed) for the last 5 minutes.
        let old = (0..10).map(|i| (i * 5, 1000.0 * i as f64, 100.0 * i as f64, 1100.0 * i as f64));
        let recent =
            (0..60).map(|i| (1000 + i * 5, 50_000.0, 10_000.0 + 500.0 * i as f64, 60_000.0 + 500.0 * i as f64));
        let p = polled(&old.chain(recent).collect::<Vec<_>>());
        assert_eq!(p.growth_per_s, Some(0.0));
        assert_eq!(p.trend, LagTrend::Ok);
    }

    #[test]
    fn a_hot_partition_stands_far_above_the_others() {
        let hot = |lags: [f64; 2]| -> Vec<bool> {
            let rows: Vec<LagRow> = lags
                .iter()
                .enumerate()
                .map(|(p, l)| LagRow { partition: p as i32, ..row(*l, 0.0, *l, None) })
                .collect();
            partitions(&rows, &History::new(3, 10), T0, &ForecastOptions::default()).iter().map(|p| p.hot).collect()
        };
        assert_eq!(hot([900_000.0, 1000.0]), [true, false], "two partitions are enough to compare");
        assert_eq!(hot([1000.0, 0.0]), [false, false], "1000 behind is not hot, however idle the others");
        assert_eq!(hot([1001.0, 0.0]), [true, false]);
        assert_eq!(hot([3000.0, 1000.0]), [false, false], "three times the others is not yet hot");
        assert_eq!(hot([3001.0, 1000.0]), [true, false]);
    }

    #[test]
    fn nothing_behind_is_fine_however_long_it_stays() {
        // Two offsets behind (a transaction marker) with nothing moving for a minute: fine. Three
        // behind with nothing moving: the group is stalled.
        let still = |lag: f64| polled(&(0..30).map(|i| (i * 2, lag, 1000.0, 1000.0 + lag)).collect::<Vec<_>>());
        assert_eq!(still(2.0).trend, LagTrend::Ok);
        assert_eq!(still(0.0).trend, LagTrend::Ok, "an idle topic read to its end");
        assert_eq!(still(3.0).trend, LagTrend::Stalled);
    }

    #[test]
    fn commits_on_checkpoints_a_minute_apart_are_not_stopped() {
        // Flink commits on each checkpoint, here every 60 s; the last commit was 50 s ago while
        // data kept arriving at 100/s: the consumer is keeping up.
        let polls: Vec<_> = (0..63)
            .map(|i| {
                let s = i * 5;
                let committed = 100.0 * (s / 60 * 60) as f64;
                let end = 500.0 + 100.0 * s as f64;
                (s, end - committed, committed, end)
            })
            .collect();
        let p = polled(&polls);
        assert_eq!(p.trend, LagTrend::Ok, "{p:?}");
    }

    #[test]
    fn drain_time_is_only_for_a_lag_that_shrinks_credibly() {
        // Shrinking 100/s down to exactly two offsets: nothing is behind, nothing to drain.
        let p = polled(&(0..60).map(|i| (i * 5, 2.0 + 500.0 * (59 - i) as f64, 0.0, 0.0)).collect::<Vec<_>>());
        assert_eq!(p.time_to_drain_s, None);
        // A steady lag (consumed as fast as produced) never drains, and a growing one neither.
        let p = &run(300.0, 300.0, Some(10.0), 1_000_000.0)[0];
        assert_eq!((p.trend, p.time_to_drain_s), (LagTrend::Ok, None));
        let p = &run(400.0, 100.0, Some(300.0), 1_000_000.0)[0];
        assert_eq!(p.time_to_drain_s, None);
    }

    #[test]
    fn seconds_behind_are_the_exporters_else_estimated_else_gone_below_the_log_start() {
        let analysed =
            |row: LagRow, h: &History| partitions(&[row], h, T0 + 9000, &ForecastOptions::default()).remove(0);
        let mut h = History::new(10, 100);
        for i in 0..10i64 {
            let r = row(1000.0 * i as f64 - 4500.0, 4500.0, 1000.0 * i as f64, Some(0.0));
            h.push(Snapshot { at_ms: T0 + i * 1000, jobs: Vec::new(), lag: vec![r], sources: Vec::new() });
        }
        let now = row(4500.0, 4500.0, 9000.0, Some(0.0));
        // The exporter says 12 s: taken as it is.
        let p = analysed(LagRow { lag_seconds: Some(12.0), ..now.clone() }, &h);
        assert_eq!((p.lag_seconds, p.lag_seconds_estimated), (Some(12.0), false));
        // It says nothing: the log end passed offset 4500 at T0 + 4.5 s, 4.5 s before now.
        let p = analysed(now.clone(), &h);
        assert_eq!((p.lag_seconds, p.lag_seconds_estimated), (Some(4.5), true));
        // The committed offset is below the log start: retention deleted what it had to read,
        // and the exporter's figure (0 there) means nothing.
        let p = analysed(LagRow { lag_seconds: Some(12.0), log_start_offset: Some(5000.0), ..now }, &h);
        assert_eq!((p.lag_seconds, p.lag_seconds_estimated), (None, false));
    }

    /// A partition as `groups` sees it.
    fn part(topic: &str, partition: i32, lag: Option<f64>, trend: LagTrend) -> LagPartition {
        LagPartition {
            source: "test".into(),
            cluster: Some("prod".into()),
            group: "orders-enrichment".into(),
            topic: topic.into(),
            partition,
            lag,
            lag_seconds: None,
            lag_seconds_estimated: false,
            log_end_offset: None,
            committed_offset: None,
            log_start_offset: None,
            growth_per_s: None,
            produce_per_s: None,
            consume_per_s: None,
            trend,
            time_to_drain_s: None,
            time_to_data_loss_s: None,
            loss_reason: None,
            status: None,
            client_id: None,
            hot: false,
        }
    }

    fn job_with_source(id: &str, name: &str, source: &str) -> JobDiagnosis {
        use crate::analysis::{diagnose, Thresholds};
        let job = crate::model::Job {
            id: id.into(),
            name: name.into(),
            state: "RUNNING".into(),
            vertices: vec![
                crate::model::test_support::vertex("s", source, &[], &[(0.1, 0.0, 0.9)]),
                crate::model::test_support::vertex("k", "sink: Writer", &["s"], &[(0.1, 0.0, 0.9)]),
            ],
            graph_known: true,
            started: None,
        };
        let mut h = History::new(10, 100);
        h.push(Snapshot { at_ms: T0, jobs: vec![job], ..Default::default() });
        diagnose(&h, &Thresholds::default()).jobs.remove(0)
    }

    #[test]
    fn offsets_going_back_are_a_rewind() {
        let p = polled(&[(0, 100.0, 5000.0, 5100.0), (10, 100.0, 5100.0, 5200.0), (20, 900.0, 4300.0, 5200.0)]);
        assert_eq!(p.trend, LagTrend::Rewinding);
    }

    #[test]
    fn two_offsets_behind_are_no_seconds_behind() {
        // A transaction marker: whatever the exporter or the log-end history says, 0 s.
        let p = partitions(
            &[LagRow { lag_seconds: Some(5.0), ..row(2.0, 998.0, 1000.0, None) }],
            &History::new(3, 10),
            T0,
            &ForecastOptions::default(),
        )
        .remove(0);
        assert_eq!((p.lag_seconds, p.lag_seconds_estimated), (Some(0.0), false));
        let mut h = History::new(10, 100);
        for i in 0..5i64 {
            h.push(Snapshot {
                at_ms: T0 + i * 1000,
                lag: vec![row(2.0, 100.0 * i as f64, 100.0 * i as f64 + 2.0, None)],
                ..Default::default()
            });
        }
        let p = partitions(&[row(2.0, 398.0, 400.0, None)], &h, T0 + 4000, &ForecastOptions::default()).remove(0);
        assert_eq!((p.lag_seconds, p.lag_seconds_estimated), (Some(0.0), false));
    }

    #[test]
    fn seconds_behind_follow_the_log_end_where_it_passed_the_offset() {
        // The log end jumped: 0 → 1000 in the first second, flat, then 1000 → 5000.
        let log_end = [(T0, 0.0), (T0 + 1000, 1000.0), (T0 + 2000, 1000.0), (T0 + 3000, 5000.0)];
        // Offset 500 was written half way through the first second.
        assert_eq!(seconds_behind(&log_end, 500.0, T0 + 3000), Some(2.5));
        // Offset 1000 (the next to read) was written once the log end moved past 1000 again,
        // just after T0 + 2 s: the plateau before says nothing about it.
        assert_eq!(seconds_behind(&log_end, 1000.0, T0 + 3000), Some(1.0));
    }

    /// 60 polls 5 s apart: the group commits 100/s, the log end runs 200 000 ahead, and the log
    /// start is `start(i)` at poll i.
    fn with_log_start(start: impl Fn(i64) -> f64, committed0: f64) -> LagPartition {
        let mut h = History::new(10, 1000);
        let mut last = Vec::new();
        for i in 0..60i64 {
            let committed = committed0 + 100.0 * (i * 5) as f64;
            last = vec![row(200_000.0, committed, committed + 200_000.0, Some(start(i)))];
            h.push(Snapshot { at_ms: T0 + i * 5000, lag: last.clone(), ..Default::default() });
        }
        partitions(&last, &h, T0 + 59 * 5000, &ForecastOptions::default()).remove(0)
    }

    #[test]
    fn data_loss_needs_three_segment_deletions_and_a_margin_that_closes_credibly() {
        // Three distinct log starts (two deletions of 1.2 M offsets), commits 100/s: the margin
        // closes at about 24 000 − 100 = 23 900 offsets per second... enough to forecast.
        let p = with_log_start(|i| 1_000_000.0 + 1_200_000.0 * (i / 20) as f64, 3_500_000.0);
        assert!(p.time_to_data_loss_s.is_some(), "{:?}", p.loss_reason);
        let once = |r: LagRow| {
            let mut h = History::new(3, 10);
            h.push(Snapshot { at_ms: T0, lag: vec![r.clone()], ..Default::default() });
            partitions(&[r], &h, T0, &ForecastOptions::default()).remove(0)
        };
        // Three segment deletions, the group committed exactly at the new log start: nothing
        // lost yet (the margin is 0, not below).
        let p = with_log_start(|i| 1_000_000.0 + 1_000_000.0 * (i / 20) as f64, 3_000_000.0 - 100.0 * 295.0);
        assert_eq!(p.committed_offset, Some(3_000_000.0));
        assert_eq!(p.log_start_offset, Some(3_000_000.0));
        assert!(p.loss_reason.as_deref().unwrap_or_default().starts_with("margin "), "{:?}", p.loss_reason);
        // Committed exactly at the log start: nothing lost yet.
        let p = once(row(500.0, 1000.0, 1500.0, Some(1000.0)));
        assert!(!p.loss_reason.as_deref().unwrap_or_default().starts_with("data already lost"), "{:?}", p.loss_reason);
        assert_eq!(p.time_to_data_loss_s, None);
        // One offset below it: lost, now.
        let p = once(row(501.0, 999.0, 1500.0, Some(1000.0)));
        assert_eq!(p.time_to_data_loss_s, Some(0.0));
        assert!(p.loss_reason.as_deref().unwrap().starts_with("data already lost"));
        assert_eq!(p.lag_seconds, None, "below the log start the lag is not measurable");
    }

    #[test]
    fn a_margin_shrinking_within_its_noise_forecasts_no_loss() {
        // The log start creeps up 1 offset/s (continuous retention) against a margin of a
        // million that commits move by ±50 000: no credible closing.
        let noise = |i: i64| if i % 2 == 0 { 50_000.0 } else { -50_000.0 };
        let p = with_log_start(|i| 1_000_000.0 + 5.0 * i as f64, 2_000_000.0);
        assert_eq!(p.time_to_data_loss_s, None, "{:?}", p.loss_reason);
        let mut h = History::new(10, 1000);
        let mut last = Vec::new();
        for i in 0..60i64 {
            let committed = 2_000_000.0 + noise(i);
            last = vec![row(200_000.0, committed, committed + 200_000.0, Some(1_000_000.0 + 5.0 * i as f64))];
            h.push(Snapshot { at_ms: T0 + i * 5000, lag: last.clone(), ..Default::default() });
        }
        let p = partitions(&last, &h, T0 + 59 * 5000, &ForecastOptions::default()).remove(0);
        assert_eq!(p.time_to_data_loss_s, None);
        assert_eq!(p.loss_reason.as_deref(), Some("the margin to the log start is not shrinking"));
    }

    #[test]
    fn a_group_sums_what_is_known_names_what_is_not_and_takes_its_worst_trend() {
        let mut ps = vec![
            part("orders", 0, Some(4000.0), LagTrend::Ok),
            part("orders", 1, None, LagTrend::Unknown),
            part("orders", 2, Some(-3.0), LagTrend::Unknown),
            part("orders", 3, Some(0.0), LagTrend::Growing),
            part("orders", 4, Some(0.0), LagTrend::Ok),
        ];
        ps[0].lag_seconds = Some(12.0);
        ps[3].growth_per_s = Some(40.0);
        let g = &groups(&ps, &[], &Vec::new())[0];
        assert_eq!((g.total_lag, g.unknown_partitions, g.trend), (Some(4000.0), 2, LagTrend::Growing));
        assert_eq!(g.summary, "group orders-enrichment is 4000 records (12 s) behind (lag of 2 of 5 partitions unknown) and losing ground at 40/s");
        // Worst first: stopped over rewinding over stalled over growing over unknown over ok.
        let trend_of = |ts: &[LagTrend]| {
            let ps: Vec<LagPartition> =
                ts.iter().enumerate().map(|(i, t)| part("orders", i as i32, Some(10.0), *t)).collect();
            groups(&ps, &[], &Vec::new())[0].trend
        };
        use LagTrend::*;
        for (better, worse) in
            [(Ok, Unknown), (Unknown, Growing), (Growing, Stalled), (Stalled, Rewinding), (Rewinding, Stopped)]
        {
            assert_eq!(trend_of(&[better, worse]), worse);
            assert_eq!(trend_of(&[worse, better]), worse, "in either order");
        }
    }

    #[test]
    fn the_summary_says_how_the_group_is_doing() {
        let say = |trend: LagTrend, growth: Option<f64>, lag: Option<f64>, secs: Option<f64>| {
            let mut p = part("orders", 0, lag, trend);
            p.growth_per_s = growth;
            p.lag_seconds = secs;
            groups(&[p], &[], &Vec::new())[0].summary.clone()
        };
        assert_eq!(
            say(LagTrend::Ok, Some(-25.0), Some(900.0), None),
            "group orders-enrichment is 900 records behind and catching up at 25/s"
        );
        assert_eq!(say(LagTrend::Ok, Some(25.0), Some(900.0), None), "group orders-enrichment is 900 records behind");
        assert_eq!(say(LagTrend::Ok, Some(0.0), Some(900.0), None), "group orders-enrichment is 900 records behind");
        assert_eq!(
            say(LagTrend::Stopped, None, Some(900.0), Some(75.0)),
            "group orders-enrichment is 900 records (1 min 15 s) behind and not consuming at all (no commits while data arrives)"
        );
        assert_eq!(
            say(LagTrend::Stalled, None, Some(900.0), None),
            "group orders-enrichment is 900 records behind with commits stuck"
        );
        assert_eq!(
            say(LagTrend::Rewinding, None, Some(900.0), None),
            "group orders-enrichment is 900 records behind after its offsets went backwards"
        );
        assert_eq!(say(LagTrend::Unknown, None, None, None), "group orders-enrichment is lag unknown");
    }

    #[test]
    fn a_group_is_tied_by_mapping_name_topic_or_client_id() {
        let jobs = vec![
            job_with_source("aaaa1111", "billing", "Source: payments-in"),
            job_with_source("bbbb2222", "enrichment-job", "Source: enricher"),
        ];
        let tied = |ps: &[LagPartition], map: &GroupMap| {
            let g = groups(ps, &jobs, map).remove(0);
            (g.job_id, g.source_vertex)
        };
        let ps = [part("orders", 0, Some(10.0), LagTrend::Ok)];
        // Explicitly, by the job's name, its id or an id prefix.
        for job_ref in ["billing", "aaaa1111", "aaaa"] {
            let map = vec![(job_ref.to_string(), "orders-enrichment".to_string())];
            assert_eq!(tied(&ps, &map), (Some("aaaa1111".into()), Some("Source: payments-in".into())), "{job_ref}");
        }
        // The mapping names the second job: that one, not the first.
        let map = vec![("enrichment-job".to_string(), "orders-enrichment".to_string())];
        assert_eq!(tied(&ps, &map), (Some("bbbb2222".into()), Some("Source: enricher".into())));
        // By the consumers' client-id prefix ("enricher-3" → "enricher").
        let mut by_client = part("orders", 0, Some(10.0), LagTrend::Ok);
        by_client.client_id = Some("enricher-3".into());
        assert_eq!(tied(&[by_client], &Vec::new()), (Some("bbbb2222".into()), Some("Source: enricher".into())));
        // A client id that is all number leaves an empty prefix, which names nothing.
        let mut bare = part("orders", 0, Some(10.0), LagTrend::Ok);
        bare.client_id = Some("-3".into());
        assert_eq!(tied(&[bare], &Vec::new()), (None, None));
        // By a job named after the group.
        let mut named = part("orders", 0, Some(10.0), LagTrend::Ok);
        named.group = "enrichment".into();
        assert_eq!(tied(&[named], &Vec::new()), (Some("bbbb2222".into()), Some("Source: enricher".into())));
        // Nothing to tie it to.
        assert_eq!(tied(&ps, &Vec::new()), (None, None));
    }

    #[test]
    fn a_margin_closing_too_unevenly_gets_no_loss_forecast_and_only_the_r2_gate_says_so() {
        // Ten minutes polled every 2 s: retention gains 100 offsets/s on the group (t far
        // beyond 3), but the log start jumps around by ±30 000 as segments go.
        let noise = |i: i64| ((i * 7919 + 13) % 201) as f64 / 100.0 - 1.0;
        let mut h = History::new(10, 1000);
        let mut last = Vec::new();
        for i in 0..300i64 {
            let t = (2 * i) as f64;
            let committed = 3_000_000.0 + 100.0 * t;
            let start = 1_000_000.0 + 200.0 * t + 30_000.0 * noise(i);
            last = vec![row(100_000.0, committed, committed + 100_000.0, Some(start))];
            h.push(Snapshot { at_ms: T0 + i * 2000, lag: last.clone(), ..Default::default() });
        }
        let o = ForecastOptions::default();
        let p = partitions(&last, &h, T0 + 299 * 2000, &o).remove(0);
        assert_eq!(p.time_to_data_loss_s, None);
        assert!(
            p.loss_reason.as_deref().unwrap().starts_with("the margin shrinks but too unevenly for a forecast (R² 0."),
            "{:?}",
            p.loss_reason
        );
        let p = partitions(&last, &h, T0 + 299 * 2000, &ForecastOptions { min_r2: 0.0, ..o }).remove(0);
        assert!(p.time_to_data_loss_s.is_some(), "{:?}", p.loss_reason);
    }
}
