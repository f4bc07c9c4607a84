//! One snapshot from the answers of every source of a poll: which source's jobs stand, which
//! fill gaps, and consumer lag counted once.

use crate::model::{Job, LagRow, Snapshot, SourceKind, SourcePoll};
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
        match health.kind {
            SourceKind::Flink => rest = Some((health.ok, jobs)),
            SourceKind::PrometheusText => {
                scraped.extend(jobs);
                scraped_lag.extend(rows);
            }
            SourceKind::Prometheus => {
                server_jobs = jobs;
                lag.extend(rows);
            }
            SourceKind::Burrow => lag.extend(rows),
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
