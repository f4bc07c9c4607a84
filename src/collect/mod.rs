//! Polling: turns the configured sources into one `Snapshot` per poll. Live, the snapshot is
//! stamped with the wall clock; in replay, with the recorded time of that poll.

mod lane;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lane::{Lane, Outcome};

use crate::model::{Job, LagRow, Snapshot, SourceHealth};
use crate::record::{Recorder, Replay};
use crate::sources::burrow::BurrowSource;
use crate::sources::flink::{FlinkPoll, FlinkSource};
use crate::sources::prometheus::PromSource;
use crate::sources::scrape::{ScrapePoll, ScrapeSource};

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Every configured source, polled together.
#[derive(Default)]
pub struct Sources {
    pub flink: Option<FlinkSource>,
    pub scrapes: Vec<ScrapeSource>,
    pub prometheus: Option<PromSource>,
    pub burrow: Option<BurrowSource>,
}

pub struct Collector {
    sources: Sources,
    lanes: Lanes,
    /// How long a poll waits for a source once another has answered (live, several sources).
    budget: Option<Duration>,
    /// `--job`, applied to jobs read from reporters (REST applies it itself).
    job_filter: Option<crate::sources::flink::JobFilter>,
    replay: Option<Arc<Replay>>,
    recorder: Option<Arc<Recorder>>,
}

type PromAnswer = (Vec<Job>, Vec<LagRow>, SourceHealth);
type BurrowAnswer = (Vec<LagRow>, SourceHealth);

/// One lane per source.
#[derive(Default)]
struct Lanes {
    flink: Lane<FlinkPoll>,
    scrapes: Vec<Lane<ScrapePoll>>,
    prometheus: Lane<PromAnswer>,
    burrow: Lane<BurrowAnswer>,
}

/// What every source's answer has: a health to mark when the answer is late or old.
trait Answer: Send + 'static {
    fn health(&mut self) -> &mut SourceHealth;
}

impl Answer for FlinkPoll {
    fn health(&mut self) -> &mut SourceHealth {
        &mut self.health
    }
}

impl Answer for ScrapePoll {
    fn health(&mut self) -> &mut SourceHealth {
        &mut self.health
    }
}

impl Answer for PromAnswer {
    fn health(&mut self) -> &mut SourceHealth {
        &mut self.2
    }
}

impl Answer for BurrowAnswer {
    fn health(&mut self) -> &mut SourceHealth {
        &mut self.1
    }
}

/// A lane's outcome as the answer a poll uses: fresh; or, when late, no data and a health that
/// says so with the age of the last good answer (the data is not repeated: history would take a
/// repeat for a new measurement); or a crash as a failure.
fn settle<T: Answer>(lane: &Lane<T>, (outcome, started): (Outcome<T>, lane::Instant), empty: T) -> T {
    let mut answer = empty;
    let h = answer.health();
    match outcome {
        Outcome::Done(mut fresh) => {
            if fresh.health().ok {
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
    pub fn new(sources: Sources, replay: Option<Arc<Replay>>, recorder: Option<Arc<Recorder>>) -> Collector {
        let lanes = Lanes { scrapes: sources.scrapes.iter().map(|_| Lane::default()).collect(), ..Lanes::default() };
        Collector { sources, lanes, budget: None, replay, recorder, job_filter: None }
    }

    /// Live, with several sources: a poll waits at most `budget` for a source (the poll
    /// interval, say); a late one is marked late and brings nothing this poll, while its request
    /// goes on and its answer serves the next poll. Without a budget (replays, recordings)
    /// every poll waits for every source.
    pub fn with_budget(mut self, budget: Duration) -> Collector {
        let count = usize::from(self.sources.flink.is_some())
            + self.sources.scrapes.len()
            + usize::from(self.sources.prometheus.is_some())
            + usize::from(self.sources.burrow.is_some());
        // One source has no other to hold back: waiting for it is all there is to do.
        if self.replay.is_none() && count > 1 {
            self.budget = Some(budget);
        }
        self
    }

    pub fn with_job_filter(mut self, filter: crate::sources::flink::JobFilter) -> Collector {
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
        let (flink, scrapes, prometheus, burrow) = self.poll_sources(budget).await;
        let mut reporter_jobs =
            crate::sources::flink_prom::merge(scrapes.iter().flat_map(|s| s.jobs.iter().cloned()).collect());
        let mut lag = Vec::new();
        let mut others = Vec::new();
        if let Some((jobs, rows, health)) = prometheus {
            // A direct scrape is fresher than the server's copy of it.
            if reporter_jobs.is_empty() {
                reporter_jobs = jobs;
            }
            lag.extend(rows);
            others.push(health);
        }
        if let Some((rows, health)) = burrow {
            lag.extend(rows);
            others.push(health);
        }
        let mut sources = Vec::new();
        // REST gives the graph; the reporter fills its gaps, or stands in when REST failed.
        let jobs = match flink {
            Some(f) => {
                sources.push(f.health.clone());
                if f.health.ok {
                    let mut jobs = f.jobs;
                    crate::sources::flink_prom::fill_gaps(&mut jobs, &reporter_jobs);
                    jobs
                } else {
                    reporter_jobs
                }
            }
            None => reporter_jobs,
        };
        // The reporter knows every job on the cluster: keep to the ones asked for.
        let jobs = match &self.job_filter {
            Some(f) => jobs.into_iter().filter(|j| f.admits_reporter_job(j)).collect(),
            None => jobs,
        };
        for s in scrapes {
            lag.extend(s.lag);
            sources.push(s.health);
        }
        sources.extend(others);
        Snapshot { at_ms, jobs, lag: dedup_lag(lag), sources }
    }

    /// Every source at once, each on its own lane; a late one stands in with its last answer.
    async fn poll_sources(
        &self,
        budget: Option<Duration>,
    ) -> (Option<FlinkPoll>, Vec<ScrapePoll>, Option<PromAnswer>, Option<BurrowAnswer>) {
        let (src, l) = (&self.sources, &self.lanes);
        if let Some(f) = &src.flink {
            let f = f.clone();
            l.flink.start(|| async move { f.poll().await }).await;
        }
        for (s, lane) in src.scrapes.iter().zip(&l.scrapes) {
            let s = s.clone();
            lane.start(|| async move { s.poll().await }).await;
        }
        if let Some(p) = &src.prometheus {
            let p = p.clone();
            l.prometheus.start(|| async move { p.poll().await }).await;
        }
        if let Some(b) = &src.burrow {
            let b = b.clone();
            l.burrow.start(|| async move { b.poll().await }).await;
        }
        // Every request runs on its own task already: waiting for them in turn, against one
        // deadline, costs no more than the slowest that is waited for.
        let deadline = budget.map(|b| tokio::time::Instant::now() + b);
        let flink = match &src.flink {
            Some(f) => Some(settle(&l.flink, l.flink.wait(deadline).await, FlinkPoll::empty(f.health_template()))),
            None => None,
        };
        let mut scrapes = Vec::new();
        for (s, lane) in src.scrapes.iter().zip(&l.scrapes) {
            scrapes.push(settle(lane, lane.wait(deadline).await, ScrapePoll::empty(s.health_template())));
        }
        let prometheus = match &src.prometheus {
            Some(p) => {
                let empty = (Vec::new(), Vec::new(), p.health_template());
                Some(settle(&l.prometheus, l.prometheus.wait(deadline).await, empty))
            }
            None => None,
        };
        let burrow = match &src.burrow {
            Some(b) => Some(settle(&l.burrow, l.burrow.wait(deadline).await, (Vec::new(), b.health_template()))),
            None => None,
        };
        (flink, scrapes, prometheus, burrow)
    }

    /// History from the Prometheus server before the first poll (empty without one): a
    /// snapshot per step over `window_s`, so trends exist from the start.
    pub async fn backfill(&self, window_s: f64, step_s: f64) -> Result<Vec<Snapshot>, String> {
        let Some(p) = &self.sources.prometheus else { return Ok(Vec::new()) };
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

/// One row per (cluster, group, topic, partition): the same exporter reached by --scrape and
/// through Prometheus must not count twice (the first source named wins).
fn dedup_lag(rows: Vec<crate::model::LagRow>) -> Vec<crate::model::LagRow> {
    let mut seen = std::collections::HashSet::new();
    rows.into_iter()
        .filter(|r| seen.insert((r.cluster.clone(), r.group.clone(), r.topic.clone(), r.partition)))
        .collect()
}

/// What the polling task tells its consumer (the dashboard).
#[derive(Clone, Debug)]
pub enum PollEvent {
    /// A poll began (live: wall clock time).
    Started {
        at_ms: i64,
    },
    Snapshot(Box<Snapshot>),
    /// Forget the history: replay jumped backwards and will resend the polls before the target.
    Reset,
    /// Where a replay stands.
    Replay {
        position: usize,
        total: usize,
        speed: f64,
        paused: bool,
    },
}

/// What the consumer asks of the polling task.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Control {
    Pause(bool),
    /// Poll now (live) / play the next poll now (replay).
    Refresh,
    /// Replay only: move by this many polls.
    Step(i64),
    /// Replay only: speed factor against the recorded time.
    Speed(f64),
}

/// History the dashboard reads from a Prometheus server before its first poll, seconds.
const DASHBOARD_BACKFILL_S: f64 = 600.0;

/// Polls this many earlier polls again after a jump back, so the analysis window is full.
const REPLAY_REFILL: usize = 9;

/// The consumer hung up: stop polling.
struct HungUp;

/// The channel to the consumer, and the replay position it is told about.
struct Feed {
    tx: tokio::sync::mpsc::Sender<PollEvent>,
}

impl Feed {
    async fn send(&self, ev: PollEvent) -> Result<(), HungUp> {
        self.tx.send(ev).await.map_err(|_| HungUp)
    }

    /// Polls `n` and hands the snapshot over.
    async fn poll(&self, collector: &Collector, n: usize) -> Result<(), HungUp> {
        let snap = collector.poll(n).await;
        self.send(PollEvent::Snapshot(Box::new(snap))).await
    }
}

/// Runs until the consumer hangs up. Live: one poll every `interval`. Replay: the recorded polls
/// at their recorded pace times `speed`, then it waits at the end.
pub async fn run_polling(
    collector: Collector,
    interval: std::time::Duration,
    control: tokio::sync::mpsc::Receiver<Control>,
    tx: tokio::sync::mpsc::Sender<PollEvent>,
) {
    let _ = poll_loop(&collector, interval, control, &Feed { tx }).await;
}

async fn poll_loop(
    collector: &Collector,
    interval: std::time::Duration,
    mut control: tokio::sync::mpsc::Receiver<Control>,
    feed: &Feed,
) -> Result<(), HungUp> {
    let total = collector.replay_polls();
    match collector.backfill(DASHBOARD_BACKFILL_S, interval.as_secs_f64()).await {
        Ok(snaps) => {
            for s in snaps {
                feed.send(PollEvent::Snapshot(Box::new(s))).await?;
            }
        }
        Err(e) => {
            // Shown like any other source trouble: in the sources view, at the time of the
            // first poll (the recording's clock in replay, never the wall clock there).
            let at_ms = match &collector.replay {
                Some(r) => r.poll_time(0).unwrap_or(0),
                None => now_ms(),
            };
            let health = crate::model::SourceHealth {
                name: "prometheus".into(),
                kind: "prometheus".into(),
                endpoint: String::new(),
                ok: true,
                error: None,
                partial_errors: vec![format!("no backfill: {e}")],
                requests: 0,
                late: false,
            };
            let snap = Snapshot { at_ms, jobs: Vec::new(), lag: Vec::new(), sources: vec![health] };
            feed.send(PollEvent::Snapshot(Box::new(snap))).await?;
        }
    }
    let mut paused = false;
    let mut speed = 1.0f64;
    // Live: count of polls so far; replay: index of the next recorded poll to play.
    let mut next = 0usize;
    let position = |next: usize, speed: f64, paused: bool| {
        total.map(|t| PollEvent::Replay { position: next, total: t, speed, paused: paused || next >= t })
    };
    loop {
        let at_end = total.is_some_and(|t| next >= t);
        if !paused && !at_end {
            if total.is_none() {
                feed.send(PollEvent::Started { at_ms: now_ms() }).await?;
            }
            feed.poll(collector, next).await?;
            next += 1;
            if let Some(ev) = position(next, speed, paused) {
                feed.send(ev).await?;
            }
        }
        let wait = match (&collector.replay, total) {
            (Some(r), Some(t)) if next < t => {
                let gap = match (r.poll_time(next.saturating_sub(1)), r.poll_time(next)) {
                    (Some(a), Some(b)) if b > a && next > 0 => std::time::Duration::from_millis((b - a) as u64),
                    _ => interval,
                };
                gap.div_f64(speed.max(0.01))
            }
            _ => interval,
        };
        let idle = paused || total.is_some_and(|t| next >= t);
        let msg = if idle {
            control.recv().await
        } else {
            tokio::select! {
                m = control.recv() => m,
                _ = tokio::time::sleep(wait) => continue,
            }
        };
        let Some(msg) = msg else { return Ok(()) };
        match msg {
            Control::Pause(p) => paused = p,
            Control::Refresh => {}
            Control::Speed(s) => speed = s.clamp(0.01, 1000.0),
            Control::Step(d) => {
                let Some(t) = total else { continue };
                // `next - 1` is the poll on screen; land on target and show it.
                let shown = next.saturating_sub(1) as i64;
                let target = (shown + d).clamp(0, t as i64 - 1) as usize;
                // Backwards: start over far enough before the target for the analysis window
                // and the forecasts' window (by recorded time), so a step back loses nothing.
                let from = if d < 0 {
                    feed.send(PollEvent::Reset).await?;
                    let by_count = target.saturating_sub(REPLAY_REFILL);
                    match (&collector.replay, collector.replay.as_ref().and_then(|r| r.poll_time(target))) {
                        (Some(r), Some(t_ms)) => {
                            let since = t_ms - (DASHBOARD_BACKFILL_S * 1000.0) as i64;
                            (0..target)
                                .find(|&i| r.poll_time(i).is_some_and(|t| t >= since))
                                .unwrap_or(target)
                                .min(by_count)
                        }
                        _ => by_count,
                    }
                } else {
                    next
                };
                // The polls up to the target, then the target itself, even when paused.
                for n in from..=target.min(t - 1) {
                    feed.poll(collector, n).await?;
                }
                next = target + 1;
            }
        }
        if let Some(ev) = position(next, speed, paused) {
            feed.send(ev).await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::flink::JobFilter;

    /// Replay positions and snapshot counts as the dashboard would see them.
    async fn next_position(
        rx: &mut tokio::sync::mpsc::Receiver<PollEvent>,
        snapshots: &mut usize,
        resets: &mut usize,
    ) -> usize {
        loop {
            match rx.recv().await.expect("the poller is alive") {
                PollEvent::Replay { position, .. } => return position,
                PollEvent::Snapshot(_) => *snapshots += 1,
                PollEvent::Reset => *resets += 1,
                PollEvent::Started { .. } => {}
            }
        }
    }

    #[tokio::test]
    async fn replay_steps_forward_and_back_with_a_full_window() {
        let replay = Arc::new(Replay::bundled().unwrap());
        let collector = crate::run::collector_for_recording(replay, JobFilter::Active).unwrap();
        let (ctl, control) = tokio::sync::mpsc::channel(8);
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        tokio::spawn(run_polling(collector, std::time::Duration::from_millis(10), control, tx));
        let (mut snaps, mut resets) = (0, 0);
        assert_eq!(next_position(&mut rx, &mut snaps, &mut resets).await, 1);
        ctl.send(Control::Pause(true)).await.unwrap();
        assert_eq!(next_position(&mut rx, &mut snaps, &mut resets).await, 1, "paused where it was");
        ctl.send(Control::Step(3)).await.unwrap();
        assert_eq!(next_position(&mut rx, &mut snaps, &mut resets).await, 4);
        assert_eq!(snaps, 4, "polls 0..=3, each once");
        ctl.send(Control::Step(-2)).await.unwrap();
        assert_eq!(next_position(&mut rx, &mut snaps, &mut resets).await, 2);
        assert_eq!(resets, 1);
        assert_eq!(snaps, 6, "after the reset, polls 0 and 1 again");
        ctl.send(Control::Step(100)).await.unwrap();
        assert_eq!(next_position(&mut rx, &mut snaps, &mut resets).await, 10, "clamped to the last poll");
    }
}
