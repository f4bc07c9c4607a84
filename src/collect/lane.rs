//! One source's requests on their own task, so that a slow or dead source never holds back the
//! others: a poll waits for it until a deadline, then goes on with its last good answer while
//! the request finishes in the background. No second request starts while one is running, so a
//! hanging endpoint gets one request per timeout, never a pile of them.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

// tokio's clock, so tests can pause it.
use tokio::time::Instant;

use tokio::task::JoinHandle;

pub enum Outcome<T> {
    Done(T),
    /// Still running at the deadline; it has been running for this long.
    Late(Duration),
    /// The task panicked (a bug): said, never propagated.
    Crashed(String),
}

pub struct Lane<T> {
    running: Mutex<Option<(JoinHandle<T>, Instant)>>,
    last_good: Mutex<Option<(T, Instant)>>,
}

impl<T> Default for Lane<T> {
    fn default() -> Self {
        Lane { running: Mutex::new(None), last_good: Mutex::new(None) }
    }
}

impl<T: Clone + Send + 'static> Lane<T> {
    /// Starts a request with `start`, unless the previous one is still running.
    pub fn start<F>(&self, start: impl FnOnce() -> F)
    where
        F: Future<Output = T> + Send + 'static,
    {
        if let Ok(mut r) = self.running.lock() {
            if r.is_none() {
                *r = Some((tokio::spawn(start()), Instant::now()));
            }
        }
    }

    /// The running request's answer, waiting until `deadline` (`None`: until it ends).
    pub async fn wait(&self, deadline: Option<Instant>) -> Outcome<T> {
        let Some((mut handle, started)) = self.running.lock().ok().and_then(|mut r| r.take()) else {
            return Outcome::Crashed("no request was started".into());
        };
        let joined = match deadline {
            None => (&mut handle).await,
            Some(d) => match tokio::time::timeout_at(d, &mut handle).await {
                Ok(joined) => joined,
                Err(_) => {
                    if let Ok(mut r) = self.running.lock() {
                        *r = Some((handle, started));
                    }
                    return Outcome::Late(started.elapsed());
                }
            },
        };
        match joined {
            Ok(v) => Outcome::Done(v),
            Err(e) => Outcome::Crashed(e.to_string()),
        }
    }

    pub fn remember(&self, answer: &T) {
        if let Ok(mut g) = self.last_good.lock() {
            *g = Some((answer.clone(), Instant::now()));
        }
    }

    /// The last good answer and its age.
    pub fn last_good(&self) -> Option<(T, Duration)> {
        let g = self.last_good.lock().ok()?;
        g.as_ref().map(|(a, at)| (a.clone(), at.elapsed()))
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
        lane.start(start(started.clone()));
        assert!(matches!(lane.wait(within(2)).await, Outcome::Late(d) if d >= Duration::from_secs(2)));
        lane.start(start(started.clone()));
        assert!(matches!(lane.wait(within(2)).await, Outcome::Late(d) if d >= Duration::from_secs(4)));
        lane.start(start(started.clone()));
        assert!(matches!(lane.wait(within(2)).await, Outcome::Done("answer")));
        assert_eq!(started.load(Ordering::SeqCst), 1, "no second request while the first ran");
        lane.start(start(started.clone()));
        assert!(matches!(lane.wait(None).await, Outcome::Done("answer")));
        assert_eq!(started.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn the_last_good_answer_is_kept_with_its_age() {
        let lane: Lane<u32> = Lane::default();
        assert!(lane.last_good().is_none());
        lane.remember(&7);
        tokio::time::sleep(Duration::from_secs(3)).await;
        let (v, age) = lane.last_good().unwrap();
        assert_eq!(v, 7);
        assert!(age >= Duration::from_secs(3));
    }

    #[tokio::test]
    async fn a_panicking_source_is_reported_not_propagated() {
        let lane: Lane<u32> = Lane::default();
        lane.start(|| async { panic!("bug in a reader") });
        assert!(matches!(lane.wait(None).await, Outcome::Crashed(ref e) if e.contains("panic")));
    }
}
