//! One source's requests on their own task, so that a slow or dead source never holds back the
//! others: a poll waits for it until a deadline, then goes on without it while the request
//! finishes in the background (its answer serves the next poll). No second request starts while
//! one is running, so a hanging endpoint gets one request per timeout, never a pile of them.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

// tokio's clock, so tests can pause it.
pub use tokio::time::Instant;

use tokio::task::JoinHandle;

pub enum Outcome<T> {
    Done(T),
    /// Still running at the deadline; it has been running for this long.
    Late(Duration),
    /// The task panicked (a bug): said, never propagated.
    Crashed(String),
}

pub struct Lane<T> {
    /// An async mutex, held while waiting: a wait that is cancelled (Ctrl-C) leaves the request
    /// in place instead of losing track of it and starting a second one.
    running: tokio::sync::Mutex<Option<(JoinHandle<T>, Instant)>>,
    /// When the request of the last good answer started.
    last_good: Mutex<Option<Instant>>,
}

impl<T> Default for Lane<T> {
    fn default() -> Self {
        Lane { running: tokio::sync::Mutex::new(None), last_good: Mutex::new(None) }
    }
}

impl<T: Send + 'static> Lane<T> {
    /// Starts a request with `start`, unless the previous one is still running.
    pub async fn start<F>(&self, start: impl FnOnce() -> F)
    where
        F: Future<Output = T> + Send + 'static,
    {
        let mut running = self.running.lock().await;
        if running.is_none() {
            *running = Some((tokio::spawn(start()), Instant::now()));
        }
    }

    /// The running request's answer, waiting until `deadline` (`None`: until it ends), with
    /// when the request started.
    pub async fn wait(&self, deadline: Option<Instant>) -> (Outcome<T>, Instant) {
        let mut running = self.running.lock().await;
        let Some((handle, started)) = running.as_mut() else {
            return (Outcome::Crashed("no request was started".into()), Instant::now());
        };
        let started = *started;
        let joined = match deadline {
            None => handle.await,
            Some(d) => match tokio::time::timeout_at(d, handle).await {
                Ok(joined) => joined,
                Err(_) => return (Outcome::Late(started.elapsed()), started),
            },
        };
        *running = None;
        let outcome = match joined {
            Ok(v) => Outcome::Done(v),
            Err(e) => Outcome::Crashed(e.to_string()),
        };
        (outcome, started)
    }

    /// Notes a good answer, dated by the start of its request (what it describes is no newer).
    pub fn remember(&self, started: Instant) {
        if let Ok(mut g) = self.last_good.lock() {
            *g = Some(started);
        }
    }

    /// Age of the last good answer.
    pub fn last_good_age(&self) -> Option<Duration> {
        self.last_good.lock().ok()?.map(|at| at.elapsed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    #[tokio::test(start_paused = true)]
    async fn a_slow_request_is_waited_for_once_and_picked_up_later() {
        let lane = Lane::default();
        let started = Arc::new(AtomicU32::new(0));
        let start = |n: Arc<AtomicU32>| {
            move || async move {
                n.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(5)).await;
                "answer"
            }
        };
        let within = |s| Some(Instant::now() + Duration::from_secs(s));
        lane.start(start(started.clone())).await;
        assert!(matches!(lane.wait(within(2)).await.0, Outcome::Late(d) if d >= Duration::from_secs(2)));
        lane.start(start(started.clone())).await;
        assert!(matches!(lane.wait(within(2)).await.0, Outcome::Late(d) if d >= Duration::from_secs(4)));
        lane.start(start(started.clone())).await;
        assert!(matches!(lane.wait(within(2)).await.0, Outcome::Done("answer")));
        assert_eq!(started.load(Ordering::SeqCst), 1, "no second request while the first ran");
        lane.start(start(started.clone())).await;
        assert!(matches!(lane.wait(None).await.0, Outcome::Done("answer")));
        assert_eq!(started.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_wait_keeps_the_request() {
        let lane = Lane::default();
        let started = Arc::new(AtomicU32::new(0));
        let n = started.clone();
        lane.start(move || async move {
            n.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_secs(5)).await;
            1
        })
        .await;
        // A wait dropped half-way, as a poll raced against Ctrl-C is.
        let _ = tokio::time::timeout(Duration::from_secs(1), lane.wait(None)).await;
        lane.start(|| async { 2 }).await;
        assert!(matches!(lane.wait(None).await.0, Outcome::Done(1)), "the first request, not a second one");
        assert_eq!(started.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn the_last_good_answer_is_kept_with_its_age() {
        let lane: Lane<u32> = Lane::default();
        assert!(lane.last_good_age().is_none());
        let asked = Instant::now();
        tokio::time::sleep(Duration::from_secs(1)).await;
        lane.remember(asked);
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(lane.last_good_age().unwrap() >= Duration::from_secs(3), "dated by the request, not the answer");
    }

    #[tokio::test]
    async fn a_panicking_source_is_reported_not_propagated() {
        let lane: Lane<u32> = Lane::default();
        lane.start(|| async { panic!("bug in a reader") }).await;
        assert!(matches!(lane.wait(None).await.0, Outcome::Crashed(ref e) if e.contains("panic")));
    }
}
