use super::*;
use crate::model::test_support::vertex;
use crate::model::{Job, LagRow};

fn health(name: &str, kind: SourceKind, ok: bool) -> SourceHealth {
    SourceHealth {
        name: name.into(),
        kind,
        endpoint: format!("http://{name}"),
        ok,
        error: (!ok).then(|| format!("GET http://{name}/jobs/overview: 503 Service Unavailable")),
        partial_errors: Vec::new(),
        requests: 1,
        late: false,
    }
}

fn job() -> Job {
    Job {
        id: "j1".into(),
        name: "orders".into(),
        state: "RUNNING".into(),
        graph_known: true,
        started: None,
        vertices: vec![
            vertex("a", "Source: orders", &[], &[(0.01, 0.98, 0.01)]),
            vertex("b", "enrich", &["a"], &[(1.0, 0.0, 0.0)]),
            vertex("c", "sink", &["b"], &[(0.05, 0.0, 0.95)]),
        ],
    }
}

fn lag(at_s: i64) -> LagRow {
    LagRow {
        source: "burrow".into(),
        cluster: Some("prod".into()),
        group: "orders".into(),
        topic: "orders".into(),
        partition: 0,
        lag: Some(1000.0 + 100.0 * at_s as f64),
        log_end_offset: Some(10_000.0 + 200.0 * at_s as f64),
        committed_offset: Some(9_000.0 + 100.0 * at_s as f64),
        ..Default::default()
    }
}

/// A poll at `at_s` seconds: Flink answering (with the job) or failing, Burrow answering.
fn poll(at_s: i64, flink_ok: bool) -> Snapshot {
    Snapshot {
        at_ms: at_s * 1000,
        jobs: if flink_ok { vec![job()] } else { Vec::new() },
        lag: vec![lag(at_s)],
        sources: vec![health("flink", SourceKind::Flink, flink_ok), health("burrow", SourceKind::Burrow, true)],
    }
}

#[test]
fn a_flink_outage_keeps_the_lag_polls_and_the_last_jobs() {
    let mut s = Session::new(Thresholds::default());
    for t in 0..3 {
        assert_eq!(s.observe(poll(t * 2, true)), Observed::Counted);
    }
    // Flink fails; Burrow still answers: the polls count, their lag goes into the history.
    for t in 3..8 {
        assert_eq!(s.observe(poll(t * 2, false)), Observed::Counted, "a partial poll counts");
    }
    assert_eq!(s.counts(), PollCounts { taken: 8, failed: 0, backfilled: 0 });
    assert_eq!(s.history().len(), 8);
    let d = s.diagnosis().expect("a verdict");
    assert_eq!(d.jobs.len(), 1, "the job of the last poll that knew it stays");
    assert_eq!(d.jobs[0].id, "j1");
    assert_eq!(d.jobs_as_of_ms, Some(4000), "dated by the last poll in which Flink answered");
    assert_eq!(d.at_ms, 14_000);
    assert_eq!(d.lag_as_of_ms, Some(14_000), "lag is as fresh as the last poll");
    assert_eq!(d.lag[0].lag, Some(1000.0 + 100.0 * 14.0));
    let flink = d.sources.iter().find(|r| r.kind == SourceKind::Flink).unwrap();
    assert!(!flink.ok, "the report says Flink is failing now");
    assert!(d.severity >= Severity::Warning, "a failing source is at least a warning");
    // The source states follow: Flink failing since its first failed poll.
    let state = s.sources().iter().find(|x| x.health.name == "flink").unwrap();
    assert_eq!((state.last_ok_ms, state.failing_since_ms), (Some(4000), Some(6000)));
}

#[test]
fn when_flink_answers_again_its_jobs_are_current() {
    let mut s = Session::new(Thresholds::default());
    s.observe(poll(0, true));
    s.observe(poll(2, false));
    assert_eq!(s.diagnosis().unwrap().jobs_as_of_ms, Some(0));
    s.observe(poll(4, true));
    let d = s.diagnosis().unwrap();
    assert_eq!(d.jobs_as_of_ms, None);
    assert_eq!(d.jobs.len(), 1);
    let state = s.sources().iter().find(|x| x.health.name == "flink").unwrap();
    assert_eq!((state.last_ok_ms, state.failing_since_ms), (Some(4000), None));
}

#[test]
fn a_poll_no_source_answered_adds_nothing_and_the_verdict_says_so() {
    let mut s = Session::new(Thresholds::default());
    s.observe(poll(0, true));
    s.observe(poll(2, true));
    let mut dead = poll(4, false);
    dead.sources[1].ok = false;
    dead.sources[1].error = Some("GET http://burrow/v3/kafka: connection refused".into());
    dead.lag.clear();
    let before = s.diagnosis().cloned();
    assert!(matches!(s.observe(dead), Observed::Failed(e) if e.contains("503")));
    assert_eq!(s.history().len(), 2);
    assert_eq!(s.diagnosis().cloned(), before, "the last good verdict stays on screen");
    assert_eq!(s.counts().failed, 1);
    let v = s.verdict().expect("a verdict from the earlier polls");
    assert!(v.sources.iter().all(|r| !r.ok), "the verdict reports the sources as they are now");
    assert!(v.severity >= Severity::Warning);
}

#[test]
fn nothing_answered_is_an_error_naming_the_failure() {
    let mut s = Session::new(Thresholds::default());
    let mut dead = poll(0, false);
    dead.sources.truncate(1);
    s.observe(dead);
    let e = s.verdict().unwrap_err();
    assert!(e.starts_with("could not diagnose: GET http://flink/jobs/overview: 503"), "{e}");
    assert_eq!(Session::new(Thresholds::default()).verdict().unwrap_err(), "could not diagnose: no poll answered");
}

#[test]
fn a_late_source_alone_is_not_an_answer() {
    let mut late = poll(2, false);
    late.sources.truncate(1);
    late.sources[0].late = true;
    assert!(counts(&late).is_err());
    let mut s = Session::new(Thresholds::default());
    s.observe(poll(0, true));
    s.observe(late);
    let state = &s.sources()[0];
    assert_eq!(state.failing_since_ms, None, "late is not failing");
}

#[test]
fn backfill_is_history_not_polls() {
    let mut s = Session::new(Thresholds::default());
    let history = (0..5).map(|t| Snapshot { at_ms: t * 1000, jobs: vec![job()], ..Default::default() }).collect();
    s.backfill(history);
    assert_eq!(s.counts(), PollCounts { taken: 0, failed: 0, backfilled: 5 });
    assert_eq!(s.history().len(), 5);
    assert!(s.diagnosis().is_some());
    // The dashboard's channel brings history and polls alike: `take` tells them apart.
    assert_eq!(s.take(Snapshot { at_ms: 5000, jobs: vec![job()], ..Default::default() }), Observed::Counted);
    assert_eq!(s.counts().backfilled, 6);
    s.take(poll(6, true));
    assert_eq!(s.counts().taken, 1);
}

#[test]
fn reset_forgets_the_history_but_not_the_sources() {
    let mut s = Session::new(Thresholds::default());
    s.expect_source("flink", SourceKind::Flink, "http://flink");
    s.observe(poll(0, true));
    s.reset();
    assert!(s.history().is_empty());
    assert!(s.diagnosis().is_none());
    assert_eq!(s.sources().len(), 2, "flink (expected, then answered) and burrow");
}

/// As `poll`, with the lag from `kind` (an exporter's text, a Prometheus server, Burrow).
fn poll_with_lag_from(at_s: i64, flink_ok: bool, kind: SourceKind) -> Snapshot {
    let mut snap = poll(at_s, flink_ok);
    snap.sources[1] = health(kind.name(), kind, true);
    snap
}

#[test]
fn an_outage_longer_than_the_window_keeps_the_jobs_and_their_series() {
    for kind in [SourceKind::Burrow, SourceKind::PrometheusText, SourceKind::Prometheus] {
        let mut s = Session::new(Thresholds::default());
        for t in 0..3 {
            s.observe(poll_with_lag_from(t * 2, true, kind));
        }
        // Three window lengths of Flink failing while the lag source answers.
        for t in 3..(3 + 3 * CLASSIFY_WINDOW as i64) {
            assert_eq!(s.observe(poll_with_lag_from(t * 2, false, kind)), Observed::Counted);
        }
        let d = s.diagnosis().expect("a verdict");
        assert_eq!(d.jobs.len(), 1, "{kind}: the job stays through the outage");
        assert_eq!(d.jobs_as_of_ms, Some(4000), "{kind}: dated by the last poll Flink answered");
        assert_eq!(d.jobs[0].vertices.len(), 3);
        let key = crate::history::SeriesKey {
            job_id: "j1".into(),
            vertex_id: "b".into(),
            metric: crate::model::Metric::Busy,
        };
        assert!(s.history().series(&key).is_some(), "{kind}: the job's series are kept");
        let clock = Clock { now_ms: 70_000, polling_since_ms: None, started_ms: 0, interval_ms: 2000, live: true };
        assert_eq!(s.stale_for_ms(&clock), Some(66_000), "{kind}: the data on screen is as old as the jobs");
    }
}

#[test]
fn which_polls_know_the_jobs() {
    let knows = |flink_ok, kind| poll_with_lag_from(0, flink_ok, kind).knows_jobs();
    assert!(knows(true, SourceKind::Burrow));
    assert!(!knows(false, SourceKind::Burrow), "REST failed: the empty list is not known");
    assert!(!knows(false, SourceKind::PrometheusText), "an exporter's text does not stand in for REST");
    // Without REST, the reporters are the jobs' source: all answered, an empty list is known.
    let mut reporter_only = poll(0, true);
    reporter_only.jobs.clear();
    reporter_only.sources = vec![health("scrape-1", SourceKind::PrometheusText, true)];
    assert!(reporter_only.knows_jobs());
    reporter_only.sources.push(health("scrape-2", SourceKind::PrometheusText, false));
    assert!(!reporter_only.knows_jobs(), "a reporter failed: its jobs may be missing");
    // Flink answering with no job: the cluster runs none.
    let mut idle = poll(0, true);
    idle.jobs.clear();
    assert!(idle.knows_jobs());
    // Lag only, nothing that reads jobs: what it says is all there is.
    let mut lag_only = poll(0, true);
    lag_only.jobs.clear();
    lag_only.sources.remove(0);
    assert!(lag_only.knows_jobs());
}

#[test]
fn a_source_goes_stale_only_past_three_intervals_or_three_seconds() {
    let state = |last_ok_ms| SourceState {
        health: health("flink", SourceKind::Flink, true),
        last_ok_ms: Some(last_ok_ms),
        failing_since_ms: None,
    };
    let at = |now_ms, interval_ms, live| Clock { now_ms, polling_since_ms: None, started_ms: 0, interval_ms, live };
    // Three 2 s intervals: 6 s old is still fresh, a millisecond more is stale.
    assert_eq!(state(10_000).status(&at(16_000, 2000, true)), SourceStatus::Ok);
    assert_eq!(state(10_000).status(&at(16_001, 2000, true)), SourceStatus::Stale { since_ms: 10_000, answered: true });
    // A short interval still allows 3 s.
    assert_eq!(state(10_000).status(&at(13_000, 200, true)), SourceStatus::Ok);
    assert!(state(10_000).is_stale(&at(13_001, 200, true)));
    // A poll under way counts from its start: late only once it overruns.
    let polling = Clock { polling_since_ms: Some(15_000), ..at(20_000, 2000, true) };
    assert_eq!(state(10_000).status(&polling), SourceStatus::Ok);
    // In replay the recording's clock never makes data stale.
    assert_eq!(state(10_000).status(&at(60_000, 2000, false)), SourceStatus::Ok);
}
