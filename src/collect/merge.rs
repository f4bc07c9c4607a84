//! One snapshot from the answers of every source of a poll: which source's jobs stand, which
//! fill gaps, and consumer lag counted once.

use crate::model::{Job, JobOrigin, LagRow, Snapshot, SourcePoll};
use crate::sources::flink::JobFilter;
use crate::sources::flink_prom;

/// The answers (in the order the sources are configured) as one snapshot at `at_ms`.
///
/// REST gives the graph; a reporter read directly fills its gaps, or stands in when REST
/// failed; a Prometheus server's copy of the reporter serves only when no direct scrape
/// brought jobs (a direct scrape is fresher). `filter` keeps reporter jobs to the ones asked
/// for (REST applies it itself).
pub fn snapshot(at_ms: i64, answers: Vec<SourcePoll>, filter: Option<&JobFilter>) -> Snapshot {
    let mut rest: Option<(bool, Vec<Job>)> = None;
    let mut scraped = Vec::new();
    let mut server_jobs = Vec::new();
    // Lag of the servers and APIs first, then of direct scrapes: the order `dedup_lag` keeps.
    let mut lag = Vec::new();
    let mut scraped_lag = Vec::new();
    let mut sources = Vec::new();
    for answer in answers {
        let SourcePoll { jobs, lag: rows, health } = answer;
        match health.kind.jobs_from() {
            Some(JobOrigin::Rest) => {
                rest = Some((health.ok, jobs));
                lag.extend(rows);
            }
            Some(JobOrigin::Reporter) => {
                scraped.extend(jobs);
                scraped_lag.extend(rows);
            }
            Some(JobOrigin::ReporterCopy) => {
                server_jobs = jobs;
                lag.extend(rows);
            }
            // A lag source (Burrow, …): rows only.
            None => lag.extend(rows),
        }
        sources.push(health);
    }
    lag.extend(scraped_lag);
    let mut reporter_jobs = flink_prom::merge(scraped);
    if reporter_jobs.is_empty() {
        reporter_jobs = server_jobs;
    }
    let jobs = match rest {
        Some((true, mut jobs)) => {
            flink_prom::fill_gaps(&mut jobs, &reporter_jobs);
            jobs
        }
        _ => reporter_jobs,
    };
    // The reporter knows every job on the cluster: keep to the ones asked for.
    let jobs = match filter {
        Some(f) => jobs.into_iter().filter(|j| f.admits_reporter_job(j)).collect(),
        None => jobs,
    };
    Snapshot { at_ms, jobs, lag: dedup_lag(lag), sources }
}

/// One row per (cluster, group, topic, partition): the same exporter reached by --scrape and
/// through Prometheus must not count twice (the first row kept wins).
fn dedup_lag(rows: Vec<LagRow>) -> Vec<LagRow> {
    let mut seen = std::collections::HashSet::new();
    rows.into_iter()
        .filter(|r| seen.insert((r.cluster.clone(), r.group.clone(), r.topic.clone(), r.partition)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SourceHealth, SourceKind};

    fn answer(kind: SourceKind, ok: bool, jobs: &[&str], lag: &[(i32, f64)]) -> SourcePoll {
        SourcePoll {
            jobs: jobs
                .iter()
                .map(|id| Job {
                    id: id.to_string(),
                    name: format!("job-{id}"),
                    state: "RUNNING".into(),
                    graph_known: false,
                    started: None,
                    vertices: Vec::new(),
                })
                .collect(),
            lag: lag
                .iter()
                .map(|(p, l)| LagRow {
                    source: kind.name().into(),
                    group: "g".into(),
                    topic: "t".into(),
                    partition: *p,
                    lag: Some(*l),
                    ..Default::default()
                })
                .collect(),
            health: SourceHealth {
                name: kind.name().into(),
                kind,
                endpoint: String::new(),
                ok,
                error: None,
                partial_errors: Vec::new(),
                requests: 1,
                late: false,
            },
        }
    }

    fn ids(s: &Snapshot) -> Vec<&str> {
        s.jobs.iter().map(|j| j.id.as_str()).collect()
    }

    #[test]
    fn rest_jobs_stand_and_a_reporter_stands_in_only_when_rest_failed() {
        let reporter = answer(SourceKind::PrometheusText, true, &["r1"], &[]);
        let s = snapshot(5, vec![answer(SourceKind::Flink, true, &["a"], &[]), reporter.clone()], None);
        assert_eq!(ids(&s), ["a"]);
        assert_eq!(s.at_ms, 5);
        let s = snapshot(5, vec![answer(SourceKind::Flink, false, &[], &[]), reporter.clone()], None);
        assert_eq!(ids(&s), ["r1"], "REST failed: the reporter's jobs");
        // A direct scrape is fresher than the server's copy; the copy serves without one.
        let copy = answer(SourceKind::Prometheus, true, &["p1"], &[]);
        assert_eq!(ids(&snapshot(0, vec![reporter, copy.clone()], None)), ["r1"]);
        assert_eq!(ids(&snapshot(0, vec![copy], None)), ["p1"]);
    }

    #[test]
    fn lag_counts_once_and_sources_keep_their_order() {
        let s = snapshot(
            0,
            vec![
                answer(SourceKind::Flink, true, &[], &[]),
                answer(SourceKind::PrometheusText, true, &[], &[(0, 1.0), (1, 1.0)]),
                answer(SourceKind::Burrow, true, &[], &[(0, 2.0)]),
            ],
            None,
        );
        let lag: Vec<(i32, Option<f64>)> = s.lag.iter().map(|r| (r.partition, r.lag)).collect();
        assert_eq!(lag, [(0, Some(2.0)), (1, Some(1.0))], "one row per partition; an API's row before a scrape's");
        let kinds: Vec<SourceKind> = s.sources.iter().map(|h| h.kind).collect();
        assert_eq!(kinds, [SourceKind::Flink, SourceKind::PrometheusText, SourceKind::Burrow]);
    }

    #[test]
    fn a_job_filter_keeps_reporter_jobs_to_the_one_asked_for() {
        let reporter = answer(SourceKind::PrometheusText, true, &["abcd1234", "ffff0000"], &[]);
        let s = snapshot(0, vec![reporter], Some(&JobFilter::Named("abcd".into())));
        assert_eq!(ids(&s), ["abcd1234"]);
    }
}
