//! Failed notice lookups are limited: after five failures from one client or for one Kassenzeichen within
//! fifteen minutes, further tries are refused until the window has passed. Kept in memory (per instance).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed per key and window.
pub const MAX_FAILURES: usize = 5;
/// The window.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Counts failures per key.
#[derive(Default)]
pub struct FailureLimiter {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl FailureLimiter {
    /// A limiter with no failures.
    pub fn new() -> FailureLimiter {
        FailureLimiter::default()
    }

    /// How long the first blocked key stays blocked, if any is.
    pub fn blocked(&self, keys: &[&str]) -> Option<Duration> {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        keys.iter()
            .filter_map(|key| {
                let list = failures.get_mut(*key)?;
                while list
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= WINDOW)
                {
                    list.pop_front();
                }
                let oldest = *list.front()?;
                (list.len() >= MAX_FAILURES)
                    .then(|| WINDOW.saturating_sub(now.duration_since(oldest)))
            })
            .max()
    }

    /// Records a failure for every key.
    pub fn fail(&self, keys: &[&str]) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() > 100_000 {
            // Old entries only: a flood of distinct keys must not grow memory without bound.
            failures.retain(|_, list| list.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        for key in keys {
            failures
                .entry((*key).to_string())
                .or_default()
                .push_back(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_block_the_client_and_the_reference() {
        let limiter = FailureLimiter::new();
        for _ in 0..4 {
            limiter.fail(&["client:a", "kz:1"]);
        }
        assert_eq!(limiter.blocked(&["client:a"]), None);
        limiter.fail(&["client:a", "kz:1"]);
        assert!(limiter.blocked(&["client:a"]).is_some());
        assert!(
            limiter.blocked(&["client:b", "kz:1"]).is_some(),
            "the reference too"
        );
        assert_eq!(limiter.blocked(&["client:b", "kz:2"]), None);
    }
}
