//! Polling: turns the configured sources into one `Snapshot` per poll. Live, the snapshot is
//! stamped with the wall clock; in replay, with the recorded time of that poll.
//!
//! - `registry`: the kinds of source and how each is built and polled;
//! - `inputs`: the configured sources (settings, a recording, the bundled one);
//! - `lane`: one request at a time per source, with a deadline;
//! - `merge`: every source's answer as one snapshot;
//! - `polling`: the task that feeds the dashboard.

mod inputs;
mod lane;
mod merge;
mod polling;
mod registry;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lane::{Lane, Outcome};

pub use inputs::{collector_for_recording, job_filter, Inputs};
pub use polling::{run_polling, Control, PollEvent};
pub use registry::Source;

use crate::model::{Snapshot, SourcePoll};
use crate::record::{Recorder, Replay};
use crate::sources::flink::JobFilter;
use crate::sources::prometheus::PromSource;
use crate::sources::SourceError;

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

pub struct Collector {
    sources: Vec<Source>,
    /// One lane per source, in the same order.
    lanes: Vec<Lane<SourcePoll>>,
    /// How long a poll waits for a source once another has answered (live, several sources).
    budget: Option<Duration>,
    /// `--job`, applied to jobs read from reporters (REST applies it itself).
    job_filter: Option<JobFilter>,
    replay: Option<Arc<Replay>>,
    recorder: Option<Arc<Recorder>>,
}

/// A lane's outcome as the answer a poll uses: fresh; or, when late, no data and a health that
/// says so with the age of the last good answer (the data is not repeated: history would take a
/// repeat for a new measurement); or a crash as a failure.
fn settle(
    lane: &Lane<SourcePoll>,
    (outcome, started): (Outcome<SourcePoll>, lane::Instant),
    source: &Source,
) -> SourcePoll {
    let mut answer = SourcePoll::empty(source.health_template());
    let h = &mut answer.health;
    match outcome {
        Outcome::Done(fresh) => {
            if fresh.health.ok {
                lane.remember(started);
            }
            return fresh;
        }
        Outcome::Late(running) => {
            let last = match lane.last_good_age() {
                Some(age) => format!("its last answer is {:.0} s old", age.as_secs_f64()),
                None => "no answer so far".to_string(),
            };
            h.ok = false;
            h.late = true;
            h.error = Some(format!("no answer yet: the request has run for {:.1} s; {last}", running.as_secs_f64()));
        }
        Outcome::Crashed(e) => {
            h.ok = false;
            h.error = Some(format!("internal error while reading this source: {e}"));
        }
    }
    answer
}

impl Collector {
    pub fn new(sources: Vec<Source>, replay: Option<Arc<Replay>>, recorder: Option<Arc<Recorder>>) -> Collector {
        let lanes = sources.iter().map(|_| Lane::default()).collect();
        Collector { sources, lanes, budget: None, replay, recorder, job_filter: None }
    }

    /// Live, with several sources: a poll waits at most `budget` for a source (the poll
    /// interval, say); a late one is marked late and brings nothing this poll, while its request
    /// goes on and its answer serves the next poll. Without a budget (replays, recordings)
    /// every poll waits for every source.
    pub fn with_budget(mut self, budget: Duration) -> Collector {
        // One source has no other to hold back: waiting for it is all there is to do.
        if self.replay.is_none() && self.sources.len() > 1 {
            self.budget = Some(budget);
        }
        self
    }

    pub fn with_job_filter(mut self, filter: JobFilter) -> Collector {
        self.job_filter = Some(filter);
        self
    }

    pub fn replay(&self) -> Option<&Arc<Replay>> {
        self.replay.as_ref()
    }

    /// Polls of the recording, or `None` live (no end).
    pub fn replay_polls(&self) -> Option<usize> {
        self.replay.as_ref().map(|r| r.poll_count())
    }

    /// The n-th poll (in replay: the n-th recorded poll).
    pub async fn poll(&self, n: usize) -> Snapshot {
        self.poll_within(n, self.budget).await
    }

    /// As `poll`, waiting for late sources at most `budget` (`None`: until each answers or
    /// times out — the last poll before a verdict).
    pub async fn poll_within(&self, n: usize, budget: Option<Duration>) -> Snapshot {
        let at_ms = match &self.replay {
            Some(r) => {
                r.set_cursor(n);
                r.poll_time(n).unwrap_or(0)
            }
            None => now_ms(),
        };
        if let Some(rec) = &self.recorder {
            rec.set_poll(n as u32);
        }
        let answers = self.poll_sources(budget).await;
        merge::snapshot(at_ms, answers, self.job_filter.as_ref())
    }

    /// Every source at once, each on its own lane; a late one brings no data this poll, only a
    /// health that says how late it is (its answer serves a later poll).
    async fn poll_sources(&self, budget: Option<Duration>) -> Vec<SourcePoll> {
        for (source, lane) in self.sources.iter().zip(&self.lanes) {
            let source = source.clone();
            lane.start(|| async move { source.poll().await }).await;
        }
        // Every request runs on its own task already: waiting for them in turn, against one
        // deadline, costs no more than the slowest that is waited for.
        let deadline = budget.map(|b| tokio::time::Instant::now() + b);
        let mut answers = Vec::with_capacity(self.sources.len());
        for (source, lane) in self.sources.iter().zip(&self.lanes) {
            answers.push(settle(lane, lane.wait(deadline).await, source));
        }
        answers
    }

    /// The Prometheus server among the sources: the one that backfills.
    fn prometheus(&self) -> Option<&PromSource> {
        self.sources.iter().find_map(|s| match s {
            Source::Prometheus(p) => Some(p),
            _ => None,
        })
    }

    /// History from the Prometheus server before the first poll (empty without one): a
    /// snapshot per step over `window_s`, so trends exist from the start.
    pub async fn backfill(&self, window_s: f64, step_s: f64) -> Result<Vec<Snapshot>, SourceError> {
        let Some(p) = self.prometheus() else { return Ok(Vec::new()) };
        if window_s <= 0.0 {
            return Ok(Vec::new());
        }
        // Live: the last `window_s` up to now. Replay: the range request the recording holds,
        // whatever its times were.
        let path = match &self.replay {
            Some(r) => {
                r.set_cursor(0);
                match r.first_path_with_prefix(p.source(), "/api/v1/query_range") {
                    Some(path) => path,
                    None => return Ok(Vec::new()),
                }
            }
            None => PromSource::backfill_path(now_ms(), window_s, step_s),
        };
        let points = p.backfill(&path).await?;
        Ok(points
            .into_iter()
            .map(|pt| Snapshot { at_ms: pt.at_ms, jobs: pt.jobs, lag: pt.lag, sources: Vec::new() })
            .collect())
    }
}
