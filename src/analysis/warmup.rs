//! Start-up is not a verdict. Right after a job (re)starts, Flink's metric store first answers
//! nothing (`/backpressure` says `deprecated`, aggregates are `[]`), then for about one refresh
//! every task reads busy 1000 ms/s with no records: the gauges have no window behind them yet.
//! A measurement counts only once a whole refresh period has passed since every task started;
//! until then the job is "warming up": neither a bottleneck nor a warning.

use crate::diagnosis::WarmUp;
use crate::model::{Job, Started};

/// Flink's `metrics.fetcher.update-interval` by default: the refresh period assumed until the
/// measurements show their own.
const DEFAULT_REFRESH_MS: i64 = 10_000;

/// When each snapshot of the job was measured: Flink's newest measurement time among its
/// vertices (the metric store's refresh), else the JobManager's clock of that answer.
fn measured_at(job: &Job) -> Option<i64> {
    job.measured_at_ms().or(job.started.map(|s| s.jm_now_ms))
}

/// The refresh period the measurements show (the smallest gap between distinct measurement
/// times), or Flink's default.
fn refresh_ms(history: &[&Job]) -> i64 {
    let times = distinct_times(history, Job::measured_at_ms);
    times.windows(2).map(|w| w[1] - w[0]).filter(|d| *d > 0).min().unwrap_or(DEFAULT_REFRESH_MS)
}

/// The distinct times `at` gives the polls of `history`, in order.
fn distinct_times(history: &[&Job], at: impl Fn(&Job) -> Option<i64>) -> Vec<i64> {
    let mut times: Vec<i64> = history.iter().filter_map(|j| at(j)).collect();
    times.sort_unstable();
    times.dedup();
    times
}

/// What of the window describes the running job.
pub struct Settled<'a> {
    /// The polls whose measurements count.
    pub polls: Vec<&'a Job>,
    /// Measurements at or before this time (JobManager clock, ms) describe the start-up: the
    /// forecasts leave them out too. None when the start is unknown.
    pub after_ms: Option<i64>,
}

/// The polls of `history` whose measurements describe the running job, or why none does yet.
/// `job` is the newest state: its start (a restart in the window starts a new warm-up) rules.
pub fn settled<'a>(job: &Job, history: &[&'a Job]) -> Result<Settled<'a>, WarmUp> {
    let Some(started) = job.started.filter(|_| job.state == "RUNNING") else {
        return Ok(Settled { polls: history.to_vec(), after_ms: None });
    };
    if started.tasks_starting {
        let started_s_ago = (started.jm_now_ms - started.at_ms).max(0) as f64 / 1000.0;
        return Err(WarmUp { started_s_ago, settles_in_s: None });
    }
    // The vertices' start time is when their tasks began deploying; a poll that still saw tasks
    // starting says they ran only after its answer (real Flink 2.3: 4 s of deploying), so the
    // start is the later of the two.
    let seen_starting =
        history.iter().filter_map(|j| j.started).filter(|s| s.tasks_starting).map(|s| s.jm_now_ms).max();
    let started = Started { at_ms: started.at_ms.max(seen_starting.unwrap_or(i64::MIN)), ..started };
    let started_s_ago = (started.jm_now_ms - started.at_ms).max(0) as f64 / 1000.0;
    let refresh = refresh_ms(history);
    // The first refresh after the start may still average start-up time; the one after it
    // cannot, and it comes at most two periods after the start.
    let settled_after = started.at_ms + refresh;
    // Flink fetches metrics asynchronously: the first answer under a new measurement time may
    // still carry the previous refresh's values (real Flink 2.3, fixtures/real/failover: the
    // start-up's busy 1000 ms/s under the first settled time, fresh values 2 s later). So when
    // the refresh before a measurement was start-up, its first poll does not count; a later
    // poll of it does, as does the next measurement.
    let times = distinct_times(history, measured_at);
    let refresh_before = |t: i64| times.iter().copied().filter(|&x| x < t).max().unwrap_or(t - refresh);
    let mut polled: Vec<i64> = Vec::new();
    let mut stale_first = false;
    let kept: Vec<&Job> = history
        .iter()
        .copied()
        .filter(|j| {
            let Some(t) = measured_at(j).filter(|&t| t > settled_after) else { return false };
            let first = !polled.contains(&t);
            polled.push(t);
            let maybe_start_up = first && refresh_before(t) <= settled_after;
            stale_first |= maybe_start_up;
            !maybe_start_up
        })
        .collect();
    // Settled data, or a start long enough ago that missing data is just missing (no verdict
    // yet, as for any job), not start-up.
    let settles_at = started.at_ms + 2 * refresh;
    if kept.iter().any(|j| j.vertices.iter().any(|v| v.has_time_data()))
        || (started.jm_now_ms >= settles_at && !stale_first)
    {
        return Ok(Settled { polls: kept, after_ms: Some(settled_after) });
    }
    let settles_in_s = ((settles_at - started.jm_now_ms) as f64 / 1000.0).max(1.0);
    Err(WarmUp { started_s_ago, settles_in_s: Some(settles_in_s) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{diagnose, Thresholds};
    use crate::diagnosis::{Class, Severity};
    use crate::history::History;
    use crate::model::test_support::vertex;
    use crate::model::Snapshot;

    const START: i64 = 1_795_431_420_356;

    /// The job as one poll at JobManager time `now` sees it, measured at `measured` (Flink's
    /// refresh), with the sink either reading like start-up (every task busy 1000 ms/s) or
    /// healthy.
    fn poll(now: i64, measured: i64, start_up: bool, started: Started) -> Job {
        let triple = if start_up { (1.0, 0.0, 0.0) } else { (0.2, 0.0, 0.8) };
        let mut vertices = vec![vertex("s", "Source: gen", &[], &[triple]), vertex("k", "sink", &["s"], &[triple])];
        for v in &mut vertices {
            v.measured_at_ms = Some(measured);
        }
        Job {
            id: "j".into(),
            name: "j".into(),
            state: "RUNNING".into(),
            vertices,
            graph_known: true,
            started: Some(Started { jm_now_ms: now, ..started }),
        }
    }

    fn diagnose_polls(polls: &[Job]) -> crate::diagnosis::Diagnosis {
        let mut h = History::new(10, 100);
        for p in polls {
            let at_ms = p.started.unwrap().jm_now_ms;
            h.push(Snapshot { at_ms, jobs: vec![p.clone()], ..Default::default() });
        }
        diagnose(&h, &Thresholds::default())
    }

    #[test]
    fn start_up_readings_are_warming_up_not_a_bottleneck() {
        let started = Started { at_ms: START, jm_now_ms: 0, tasks_starting: false };
        // 3 s after the start: Flink's first refresh reads every task busy 1000 ms/s.
        let d = diagnose_polls(&[poll(START + 3000, START + 2500, true, started)]);
        let j = &d.jobs[0];
        assert!(j.bottlenecks.is_empty());
        assert!(j.vertices.iter().all(|v| v.class == Class::Unknown));
        assert_eq!(j.severity, Severity::Healthy, "{:?}", j.findings);
        assert!(j.findings.is_empty(), "{:?}", j.findings);
        let w = j.warming_up.expect("warming up");
        assert_eq!(w.started_s_ago, 3.0);
        // Two default refreshes (20 s) after the start, at the latest.
        assert_eq!(w.settles_in_s, Some(17.0));
        assert_eq!(j.summary, "warming up: job started 3 s ago; metrics settle in ~17 s");
        assert!(d.forecasts.is_empty(), "no forecast from start-up readings");
        // Polls go on: the start-up refresh, then one a period later. Its first answer still
        // carries the start-up's values (Flink fetches asynchronously): still warming up, with
        // nothing named from it.
        let mut polls = vec![
            poll(START + 3000, START + 2500, true, started),
            poll(START + 9000, START + 2500, true, started),
            poll(START + 13_000, START + 12_500, true, started),
        ];
        let d = diagnose_polls(&polls);
        let j = &d.jobs[0];
        assert!(j.bottlenecks.is_empty(), "{}", j.summary);
        assert_eq!(j.warming_up.map(|w| w.settles_in_s), Some(Some(7.0)), "{}", j.summary);
        // Its next answer, with the fresh values, counts.
        polls.push(poll(START + 15_000, START + 12_500, false, started));
        let d = diagnose_polls(&polls);
        let j = &d.jobs[0];
        assert_eq!(j.warming_up, None);
        assert!(j.bottlenecks.is_empty(), "{}", j.summary);
        assert_eq!(j.severity, Severity::Healthy);
        assert!(j.vertices.iter().all(|v| v.class == Class::Idle || v.class == Class::Healthy), "{:?}", j.vertices);
        // Only the settled measurement is judged: the sink reads 20 % busy, not the mean with 100 %.
        assert_eq!(j.vertices[1].busy, Some(0.2));
        // The forecasts leave the start-up out too.
        assert!(d.forecasts.iter().all(|f| f.samples == 1), "{:?}", d.forecasts);
    }

    #[test]
    fn the_first_answer_of_the_first_settled_refresh_is_not_trusted_once_the_start_is_past() {
        // Real Flink 2.3 after a failover (fixtures/real/failover): refreshes 8 s and 20 s after
        // the restart; the first answer under the second still reads busy 1000 ms/s everywhere,
        // 24.5 s after the start (past two refreshes). Not a source bottleneck: still warming up.
        let started = Started { at_ms: START, jm_now_ms: 0, tasks_starting: false };
        let mut polls = vec![
            poll(START + 10_000, START + 8000, true, started),
            poll(START + 20_000, START + 8000, true, started),
            poll(START + 24_500, START + 20_100, true, started),
        ];
        let d = diagnose_polls(&polls);
        let j = &d.jobs[0];
        assert!(j.bottlenecks.is_empty(), "{}", j.summary);
        assert!(j.warming_up.is_some(), "{}", j.summary);
        assert_eq!(j.severity, Severity::Healthy);
        // Polled once, with no earlier refresh in view (`--samples 1`), a measurement whose
        // refresh before it (a default period earlier) was start-up is not trusted either.
        let d = diagnose_polls(&[poll(START + 20_500, START + 15_000, true, started)]);
        assert!(d.jobs[0].warming_up.is_some(), "{}", d.jobs[0].summary);
        assert!(d.jobs[0].bottlenecks.is_empty());
        polls.push(poll(START + 26_500, START + 20_100, false, started));
        let d = diagnose_polls(&polls);
        let j = &d.jobs[0];
        assert_eq!(j.warming_up, None, "{}", j.summary);
        assert_eq!(j.vertices[1].busy, Some(0.2));
        // Once a settled refresh came before it, a new measurement's first answer counts (it
        // carries settled values at worst).
        polls.push(poll(START + 31_000, START + 30_100, false, started));
        let d = diagnose_polls(&polls);
        assert_eq!(d.jobs[0].warming_up, None);
        assert_eq!(d.jobs[0].vertices[1].busy, Some(0.2));
    }

    #[test]
    fn a_poll_that_saw_tasks_starting_moves_the_start() {
        // Real Flink 2.3: the vertices' start time is when deploying began; tasks still deployed
        // 2 s later, and the refresh 12 s after that start still read every task at 1000 ms/s.
        let deploying = Started { at_ms: START, jm_now_ms: 0, tasks_starting: true };
        let running = Started { tasks_starting: false, ..deploying };
        let polls = [
            poll(START + 2000, START + 500, true, deploying),
            poll(START + 4000, START + 500, true, running),
            poll(START + 12_100, START + 12_000, true, running),
        ];
        let d = diagnose_polls(&polls);
        let w = d.jobs[0].warming_up.expect("still warming up: 12 s after the start, 10 s after deploying ended");
        assert_eq!(w.started_s_ago, 10.1);
        assert!(d.jobs[0].bottlenecks.is_empty());
    }

    #[test]
    fn tasks_still_starting_are_warming_up_with_no_estimate() {
        let started = Started { at_ms: START, jm_now_ms: 0, tasks_starting: true };
        let d = diagnose_polls(&[poll(START + 40_000, START + 39_000, true, started)]);
        let j = &d.jobs[0];
        assert_eq!(j.warming_up.map(|w| w.settles_in_s), Some(None));
        assert_eq!(j.summary, "warming up: job started 40 s ago; tasks are still starting");
        assert!(j.bottlenecks.is_empty());
    }

    #[test]
    fn a_restart_in_the_window_starts_a_new_warm_up() {
        let first = Started { at_ms: START, jm_now_ms: 0, tasks_starting: false };
        let restarted = Started { at_ms: START + 60_000, jm_now_ms: 0, tasks_starting: false };
        let polls = [
            poll(START + 40_000, START + 39_000, false, first),
            poll(START + 50_000, START + 49_000, false, first),
            poll(START + 62_000, START + 61_000, true, restarted),
        ];
        let d = diagnose_polls(&polls);
        let j = &d.jobs[0];
        assert!(j.bottlenecks.is_empty());
        let w = j.warming_up.expect("a new warm-up");
        assert_eq!(w.started_s_ago, 2.0);
    }

    #[test]
    fn a_job_started_long_ago_is_not_warming_up_even_without_data() {
        let started = Started { at_ms: START, jm_now_ms: 0, tasks_starting: false };
        let mut job = poll(START + 900_000, START + 899_000, false, started);
        for v in &mut job.vertices {
            *v = vertex(&v.id, &v.name.clone(), &[], &[(f64::NAN, f64::NAN, f64::NAN)]);
        }
        let d = diagnose_polls(&[job]);
        assert_eq!(d.jobs[0].warming_up, None);
        assert!(d.jobs[0].summary.starts_with("no verdict yet"), "{}", d.jobs[0].summary);
        // And a job without a known start (the reporter) is judged as it is.
        let mut plain = poll(START + 3000, START + 2500, true, started);
        plain.started = None;
        let mut h = History::new(10, 100);
        h.push(Snapshot { at_ms: START + 3000, jobs: vec![plain], ..Default::default() });
        let d = diagnose(&h, &Thresholds::default());
        assert_eq!(d.jobs[0].warming_up, None);
    }

    #[test]
    fn a_measurement_exactly_one_period_after_the_start_is_still_start_up() {
        // Refreshes every 10 s from the start itself: the one at +10 s is the first full
        // refresh after the start, and may still average start-up time.
        let started = Started { at_ms: START, jm_now_ms: 0, tasks_starting: false };
        let mut polls =
            vec![poll(START + 500, START, true, started), poll(START + 10_500, START + 10_000, true, started)];
        let d = diagnose_polls(&polls);
        assert!(d.jobs[0].warming_up.is_some(), "{}", d.jobs[0].summary);
        // However often it is polled.
        polls.push(poll(START + 12_500, START + 10_000, true, started));
        let d = diagnose_polls(&polls);
        assert!(d.jobs[0].warming_up.is_some(), "{}", d.jobs[0].summary);
    }

    #[test]
    fn the_refresh_period_is_read_from_the_measurements() {
        let started = Started { at_ms: START, jm_now_ms: 0, tasks_starting: false };
        // Refreshes every 3 s: the start-up refresh at +2 s, a settled one at +5 s (its first
        // answer may be the start-up's, so it counts from its second).
        let polls = [
            poll(START + 2500, START + 2000, true, started),
            poll(START + 5500, START + 5000, true, started),
            poll(START + 6500, START + 5000, false, started),
        ];
        let d = diagnose_polls(&polls);
        assert_eq!(d.jobs[0].warming_up, None);
        assert_eq!(d.jobs[0].vertices[1].busy, Some(0.2));
    }
}
