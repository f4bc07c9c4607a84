//! The session: what bptop knows while it polls — the history, the state of every source, the
//! current diagnosis — and the one rule for whether a poll counts. The dashboard (`watch`),
//! `diagnose` and `record` all drive a `Session`, so they cannot disagree about what a poll
//! means. Pure: snapshots in, a diagnosis out; no clock, network or terminal.

use std::cell::OnceCell;

use crate::analysis::{self, Thresholds};
use crate::diagnosis::{Class, Diagnosis, Severity};
use crate::history::History;
use crate::model::{Snapshot, SourceHealth, SourceKind};

/// Polls kept whole for classification: long enough to smooth Flink's cached values (about
/// five polls repeat one value), short enough to follow a change within ~20 s.
pub const CLASSIFY_WINDOW: usize = 10;
/// Points per series: one hour at the default 2 s interval.
pub const SERIES_CAPACITY: usize = 1800;
/// History read from a Prometheus server before the first poll, seconds (dashboard, record).
pub const BACKFILL_S: f64 = 600.0;

/// What the session knows about one endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceState {
    pub health: SourceHealth,
    /// Time of the last poll that answered, ms.
    pub last_ok_ms: Option<i64>,
    /// Since when the source has been failing, ms.
    pub failing_since_ms: Option<i64>,
}

/// How fresh a source's data is, by the dashboard's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceStatus {
    Ok,
    /// No answer yet, within the stale limit.
    Waiting,
    /// No answer for too long (a hanging or slow endpoint).
    Stale {
        since_ms: i64,
        answered: bool,
    },
    /// The last poll failed.
    Failing {
        since_ms: i64,
    },
    /// Its request outlasted the poll (the others went on); not yet stale.
    Late,
}

/// The time as the dashboard knows it: the session reads no clock, it is told.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clock {
    /// Now: the wall clock live, the time of the newest poll in replay.
    pub now_ms: i64,
    /// A poll under way since this time (live).
    pub polling_since_ms: Option<i64>,
    /// When the dashboard started (the reference for a source that never answered).
    pub started_ms: i64,
    pub interval_ms: u64,
    /// Live (in replay the clock is the recording's: nothing goes stale on its own).
    pub live: bool,
}

impl Clock {
    /// Data older than three intervals (at least 3 s) is stale: a poll is late or hanging.
    fn stale_limit_ms(&self) -> i64 {
        (3 * self.interval_ms).max(3000) as i64
    }
}

impl SourceState {
    pub fn status(&self, clock: &Clock) -> SourceStatus {
        if !self.health.ok && !self.health.late {
            return SourceStatus::Failing { since_ms: self.failing_since_ms.unwrap_or(clock.now_ms) };
        }
        // While a poll is under way, the clock runs from its start: a slow poll is late only
        // once it overruns.
        let since = self.last_ok_ms.unwrap_or(clock.started_ms);
        let reference = since.max(clock.polling_since_ms.unwrap_or(i64::MIN));
        if clock.live && clock.now_ms - reference > clock.stale_limit_ms() {
            return SourceStatus::Stale { since_ms: since, answered: self.last_ok_ms.is_some() };
        }
        if self.health.late {
            return SourceStatus::Late;
        }
        if self.last_ok_ms.is_none() {
            return SourceStatus::Waiting;
        }
        SourceStatus::Ok
    }

    pub fn is_stale(&self, clock: &Clock) -> bool {
        matches!(self.status(clock), SourceStatus::Failing { .. } | SourceStatus::Stale { .. })
    }
}

/// What became of a poll.
#[derive(Clone, Debug, PartialEq)]
pub enum Observed {
    /// It went into the history and the diagnosis.
    Counted,
    /// No source answered: it adds nothing, and the verdict rests on the polls before it.
    Failed(String),
}

/// Polls seen so far.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PollCounts {
    /// Polls observed (backfill not included).
    pub taken: usize,
    /// Of those, polls that failed.
    pub failed: usize,
    /// Points of history read from a Prometheus server before the first poll.
    pub backfilled: usize,
}

pub struct Session {
    thresholds: Thresholds,
    history: History,
    sources: Vec<SourceState>,
    /// The verdict on the history, computed when first asked after the history changed: a
    /// replayed `diagnose` of an hour's polls asks once, the dashboard once per poll it shows.
    diagnosis: OnceCell<Diagnosis>,
    /// The sources as the last observed poll found them, failed or not.
    latest_sources: Vec<SourceHealth>,
    counts: PollCounts,
    last_failure: Option<String>,
}

/// The rule: a poll counts when any source answered. A poll in which only some sources failed
/// is partial, not failed (during a Flink outage a lag exporter's rows still count); a poll
/// without sources is history read from a server (backfill).
pub fn counts(snap: &Snapshot) -> Result<(), String> {
    if snap.sources.is_empty() || snap.sources.iter().any(|s| s.ok) {
        return Ok(());
    }
    Err(snap.sources.iter().find_map(|s| s.error.clone()).unwrap_or_else(|| "no source answered".into()))
}

impl Session {
    pub fn new(thresholds: Thresholds) -> Session {
        Session {
            thresholds,
            history: History::new(CLASSIFY_WINDOW, SERIES_CAPACITY),
            sources: Vec::new(),
            diagnosis: OnceCell::new(),
            latest_sources: Vec::new(),
            counts: PollCounts::default(),
            last_failure: None,
        }
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    /// The verdict on the polls so far (the last good one while polls fail).
    pub fn diagnosis(&self) -> Option<&Diagnosis> {
        if self.history.is_empty() {
            return None;
        }
        Some(self.diagnosis.get_or_init(|| analysis::diagnose(&self.history, &self.thresholds)))
    }

    pub fn sources(&self) -> &[SourceState] {
        &self.sources
    }

    pub fn counts(&self) -> PollCounts {
        self.counts
    }

    /// Age of the data on screen when a source is stale or failing: from the newest poll, or
    /// from the jobs' own time when they are older (a lag source answered since).
    pub fn stale_for_ms(&self, clock: &Clock) -> Option<i64> {
        let stale = self.sources.iter().any(|s| s.is_stale(clock));
        let newest = self.diagnosis().and_then(|d| d.jobs_as_of_ms).or(self.history.latest().map(|s| s.at_ms))?;
        stale.then(|| (clock.now_ms - newest).max(0))
    }

    /// Registers a configured source before it has answered, so it shows as waiting.
    pub fn expect_source(&mut self, name: &str, kind: SourceKind, endpoint: &str) {
        self.sources.push(SourceState {
            health: SourceHealth {
                name: name.into(),
                kind,
                endpoint: endpoint.into(),
                ok: true,
                error: None,
                partial_errors: Vec::new(),
                requests: 0,
                late: false,
            },
            last_ok_ms: None,
            failing_since_ms: None,
        });
    }

    /// History read from a Prometheus server before the first poll.
    pub fn backfill(&mut self, snaps: Vec<Snapshot>) {
        self.counts.backfilled += snaps.len();
        for s in snaps {
            self.history.push(s);
        }
        self.history_changed();
    }

    /// One poll: the sources' states follow it; it goes into the history when it counts.
    pub fn observe(&mut self, snap: Snapshot) -> Observed {
        self.counts.taken += 1;
        self.follow_sources(&snap);
        self.latest_sources = snap.sources.clone();
        match counts(&snap) {
            Ok(()) => {
                self.history.push(snap);
                self.history_changed();
                Observed::Counted
            }
            Err(e) => {
                self.counts.failed += 1;
                self.last_failure = Some(e.clone());
                Observed::Failed(e)
            }
        }
    }

    /// A snapshot from the backfill or from the polling task of the dashboard, which sends both
    /// the same way: one without sources is history, anything else a poll.
    pub fn take(&mut self, snap: Snapshot) -> Observed {
        if snap.sources.is_empty() {
            self.backfill(vec![snap]);
            return Observed::Counted;
        }
        self.observe(snap)
    }

    /// Forget the history (a replay jumped backwards); the sources stay.
    pub fn reset(&mut self) {
        self.history = History::new(CLASSIFY_WINDOW, SERIES_CAPACITY);
        self.diagnosis = OnceCell::new();
    }

    /// The verdict of a run (`diagnose`): the diagnosis, with the sources as the last poll found
    /// them and at least a warning when a poll failed; an error when there is nothing to judge.
    pub fn verdict(&self) -> Result<Diagnosis, String> {
        let Some(diagnosis) = self.diagnosis().cloned() else {
            let why = self.last_failure.clone().unwrap_or_else(|| "no poll answered".into());
            return Err(format!("could not diagnose: {why}"));
        };
        let mut diagnosis = diagnosis;
        // Every request for metrics failed: the graph alone is no diagnosis. A job warming up
        // is a verdict of its own (Flink answers errors while its tasks deploy).
        let all_unknown = diagnosis.jobs.iter().all(|j| j.vertices.iter().all(|v| v.class == Class::Unknown))
            && diagnosis.jobs.iter().all(|j| j.warming_up.is_none());
        let first_failure = diagnosis.sources.iter().flat_map(|s| s.partial_errors.first()).next().cloned();
        if all_unknown && diagnosis.jobs.iter().all(|j| j.state == "RUNNING") {
            if let Some(e) = first_failure {
                return Err(format!("could not diagnose: every metrics request failed, e.g. {e}"));
            }
        }
        if self.counts.failed > 0 {
            // Report the sources as they are now, not as they were at the last good poll.
            diagnosis.sources = analysis::source_reports(&self.latest_sources);
            let why = self.last_failure.as_deref().unwrap_or("no source answered");
            diagnosis.add_reason(crate::diagnosis::Reason {
                severity: Severity::Warning,
                text: format!("{} of {} polls failed: {why}", self.counts.failed, self.counts.taken),
            });
        }
        Ok(diagnosis)
    }

    /// The history changed: the verdict is computed anew when next asked.
    fn history_changed(&mut self) {
        self.diagnosis = OnceCell::new();
    }

    fn follow_sources(&mut self, snap: &Snapshot) {
        for h in &snap.sources {
            let pos = self.sources.iter().position(|s| s.health.name == h.name);
            let prev = pos.map(|p| self.sources[p].clone());
            let state = SourceState {
                health: h.clone(),
                last_ok_ms: if h.ok { Some(snap.at_ms) } else { prev.as_ref().and_then(|p| p.last_ok_ms) },
                failing_since_ms: match (h.ok, h.late) {
                    (true, _) => None,
                    // Late is not failing: the stale clock of the dashboard judges it.
                    (false, true) => prev.as_ref().and_then(|p| p.failing_since_ms),
                    (false, false) => prev.as_ref().and_then(|p| p.failing_since_ms).or(Some(snap.at_ms)),
                },
            };
            match pos {
                Some(p) => self.sources[p] = state,
                None => self.sources.push(state),
            }
        }
    }
}

#[cfg(test)]
mod tests;
