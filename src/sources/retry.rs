//! When and how long to wait before asking again. Only GETs are ever retried (the client can
//! send nothing else), so a retry can never repeat a change on the cluster.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts after the first.
    pub retries: u32,
    /// Wait before the first retry; doubles each time, with jitter.
    pub base: Duration,
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { retries: 2, base: Duration::from_millis(200), max_wait: Duration::from_secs(2) }
    }
}

impl RetryPolicy {
    /// Wait before retry number `attempt` (0 = first retry): exponential, then a random point
    /// in its upper half ("equal jitter"), so that many bptop instances behind one gateway do
    /// not retry in step, while no wait collapses to nothing.
    pub fn backoff(&self, attempt: u32, unit_random: f64) -> Duration {
        let full = self.base.saturating_mul(1u32 << attempt.min(16)).min(self.max_wait);
        full.mul_f64(0.5 + 0.5 * unit_random.clamp(0.0, 1.0))
    }
}

/// Answers worth asking again: overload and gateway trouble. 500 is left out on purpose: Flink
/// answers 500 for a request it cannot serve (an unknown metric), and asking again changes nothing.
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// `Retry-After` in seconds (the HTTP-date form is rare on APIs and ignored).
pub fn retry_after(value: Option<&str>) -> Option<Duration> {
    let secs: u64 = value?.trim().parse().ok()?;
    Some(Duration::from_secs(secs))
}

/// A tiny xorshift generator for jitter: no crate needed, and no two clients seeded alike.
pub struct Jitter(AtomicU64);

impl Jitter {
    pub fn new(seed: u64) -> Jitter {
        Jitter(AtomicU64::new(seed | 1))
    }

    /// A number in 0..1.
    pub fn next_unit(&self) -> f64 {
        let mut x = self.0.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0.store(x, Ordering::Relaxed);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_its_jitter_band_and_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(0, 0.0), Duration::from_millis(100));
        assert_eq!(p.backoff(0, 1.0), Duration::from_millis(200));
        assert_eq!(p.backoff(1, 1.0), Duration::from_millis(400));
        assert_eq!(p.backoff(10, 1.0), Duration::from_secs(2));
        assert_eq!(p.backoff(40, 0.5), Duration::from_millis(1500));
    }

    #[test]
    fn jitter_spreads_over_the_unit_interval() {
        let j = Jitter::new(42);
        let xs: Vec<f64> = (0..1000).map(|_| j.next_unit()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        let low = xs.iter().filter(|x| **x < 0.5).count();
        assert!((400..600).contains(&low), "{low} of 1000 below 0.5");
    }

    #[test]
    fn only_overload_and_gateway_answers_are_retried() {
        assert!([429, 502, 503, 504].into_iter().all(retryable_status));
        assert!(![200, 400, 401, 403, 404, 500].into_iter().any(retryable_status));
        assert_eq!(retry_after(Some(" 3 ")), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
    }
}
