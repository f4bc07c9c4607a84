//! The polling task behind the dashboard: polls on its own schedule (live: every interval;
//! replay: at the recorded pace) and sends snapshots over a channel, so the UI never waits on
//! the network; takes pause, refresh, step and speed from the UI.

use super::{now_ms, Collector};
use crate::model::Snapshot;
use crate::session;

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
    /// Replay: the severity after each recorded poll (from a read of the whole recording).
    Timeline(Vec<Option<crate::diagnosis::Severity>>),
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

/// Polls this many earlier polls again after a jump back, so the analysis window is full.
const REPLAY_REFILL: usize = session::CLASSIFY_WINDOW - 1;

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
    match collector.backfill(session::BACKFILL_S, interval.as_secs_f64()).await {
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
            if let Some(mut health) = collector.prometheus().map(|p| p.health_template()) {
                health.partial_errors.push(format!("no backfill: {e}"));
                let snap = Snapshot { at_ms, jobs: Vec::new(), lag: Vec::new(), sources: vec![health] };
                feed.send(PollEvent::Snapshot(Box::new(snap))).await?;
            }
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
            // Paused, `r` still polls once (live) or plays the next poll (replay): the user
            // asked for fresh data, not for the pause to end.
            Control::Refresh if paused && total.is_none_or(|t| next < t) => {
                if total.is_none() {
                    feed.send(PollEvent::Started { at_ms: now_ms() }).await?;
                }
                feed.poll(collector, next).await?;
                next += 1;
            }
            // Running: the loop polls right away.
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
                            let since = t_ms - (session::BACKFILL_S * 1000.0) as i64;
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
    use crate::model::SourceKind;
    use crate::record::Replay;
    use crate::sources::flink::JobFilter;
    use std::sync::Arc;

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
                PollEvent::Started { .. } | PollEvent::Timeline(_) => {}
            }
        }
    }

    #[tokio::test]
    async fn replay_steps_forward_and_back_with_a_full_window() {
        let replay = Arc::new(Replay::bundled().unwrap());
        let collector = crate::collect::collector_for_recording(replay, JobFilter::Active).unwrap();
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

    #[tokio::test]
    async fn refresh_while_paused_plays_one_poll_and_stays_paused() {
        let replay = Arc::new(Replay::bundled().unwrap());
        let collector = crate::collect::collector_for_recording(replay, JobFilter::Active).unwrap();
        let (ctl, control) = tokio::sync::mpsc::channel(8);
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        tokio::spawn(run_polling(collector, std::time::Duration::from_secs(3600), control, tx));
        let (mut snaps, mut resets) = (0, 0);
        assert_eq!(next_position(&mut rx, &mut snaps, &mut resets).await, 1);
        ctl.send(Control::Pause(true)).await.unwrap();
        assert_eq!(next_position(&mut rx, &mut snaps, &mut resets).await, 1);
        ctl.send(Control::Refresh).await.unwrap();
        assert_eq!(next_position(&mut rx, &mut snaps, &mut resets).await, 2, "one poll played");
        assert_eq!(snaps, 2);
        // Still paused: nothing more arrives on its own.
        let more = tokio::time::timeout(std::time::Duration::from_millis(200), rx.recv()).await;
        assert!(more.is_err(), "paused after the refresh: {more:?}");
    }

    #[tokio::test]
    async fn a_failed_backfill_shows_on_the_prometheus_source() {
        use crate::sources::http::{Fetcher, HttpOptions};
        let opts = HttpOptions {
            retry: crate::sources::retry::RetryPolicy { retries: 0, ..Default::default() },
            ..Default::default()
        };
        // Nothing listens on port 9 of the loopback: the range query is refused.
        let fetcher = Fetcher::http("prom-eu", "http://127.0.0.1:9", &opts).unwrap();
        let source = super::super::Source::open(SourceKind::Prometheus, fetcher, &JobFilter::Active);
        let collector = Collector::new(vec![source], None, None);
        let (_ctl, control) = tokio::sync::mpsc::channel(8);
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        tokio::spawn(run_polling(collector, std::time::Duration::from_secs(60), control, tx));
        let Some(PollEvent::Snapshot(snap)) = rx.recv().await else { panic!("a snapshot first") };
        let health = &snap.sources[0];
        assert_eq!((health.name.as_str(), health.kind), ("prom-eu", SourceKind::Prometheus));
        assert_eq!(health.endpoint, "http://127.0.0.1:9");
        assert!(
            health.partial_errors[0].starts_with("no backfill: GET http://127.0.0.1:9/api/v1/query_range"),
            "{health:?}"
        );
    }
}
