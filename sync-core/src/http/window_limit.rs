//! [`WindowLimit`]: "at most N starts in any trailing window", for a vendor's per-minute or
//! per-hour limits on top of its per-second one.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use tokio::time::Instant;

use super::pause::{Pause, shared};

/// At most `max` starts in any trailing `window`, shared process-wide by key. Counting any
/// trailing window is safe whether the server counts fixed windows, sliding windows or a bucket
/// of `max`. (ActiveCampaign's bulk importer allows 100 multi-contact and 20 single-contact
/// imports per minute.)
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
/// use std::time::Duration;
/// use sync_core::http::WindowLimit;
///
/// let imports = WindowLimit::new(2, Duration::from_secs(60));
/// let start = tokio::time::Instant::now();
/// for _ in 0..3 {
///     imports.acquire().await;
/// }
/// assert_eq!(start.elapsed(), Duration::from_secs(60)); // the third waits a window
/// # });
/// ```
#[derive(Debug)]
pub struct WindowLimit {
    max: usize,
    window: Duration,
    starts: Mutex<VecDeque<Instant>>,
    pause: Pause,
}

fn registry() -> &'static Mutex<HashMap<String, Weak<WindowLimit>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Weak<WindowLimit>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

impl WindowLimit {
    /// A limit of its own.
    ///
    /// # Panics
    /// If `max` is zero.
    pub fn new(max: usize, window: Duration) -> Arc<WindowLimit> {
        Arc::new(Self::build(max, window))
    }

    /// The process-wide limit for `key` (the first caller's numbers win).
    ///
    /// # Panics
    /// If `max` is zero.
    pub fn shared(key: &str, max: usize, window: Duration) -> Arc<WindowLimit> {
        shared(registry(), key.to_owned(), || Self::build(max, window))
    }

    fn build(max: usize, window: Duration) -> WindowLimit {
        assert!(max > 0, "a window limit needs at least one start");
        WindowLimit {
            max,
            window,
            starts: Mutex::new(VecDeque::with_capacity(max)),
            pause: Pause::default(),
        }
    }

    /// Hold back every start on this limit for at least `wait` from now (the server said the
    /// limit is used up, perhaps by another process of the account).
    pub fn pause_for(&self, wait: Duration) {
        self.pause.pause_for(wait);
    }

    /// Wait until a start is allowed, and record it.
    pub async fn acquire(&self) {
        loop {
            if let Some(until) = self.pause.deadline() {
                tokio::time::sleep_until(until).await;
                continue;
            }
            let wait_until = {
                let mut starts = self.starts.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                while starts
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.window)
                {
                    starts.pop_front();
                }
                if starts.len() < self.max {
                    starts.push_back(now);
                    return;
                }
                starts[0] + self.window
            };
            tokio::time::sleep_until(wait_until).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_back_the_next_start() {
        let limit = WindowLimit::new(100, Duration::from_secs(60));
        limit.acquire().await;
        let start = Instant::now();
        limit.pause_for(Duration::from_secs(60));
        limit.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn never_more_than_max_in_any_window() {
        let limit = WindowLimit::new(3, Duration::from_secs(60));
        let start = Instant::now();
        let mut at = Vec::new();
        for _ in 0..7 {
            limit.acquire().await;
            at.push(start.elapsed());
        }
        // Three at once, three a window later, one two windows later.
        assert_eq!(at[2], Duration::ZERO);
        assert_eq!(at[3], Duration::from_secs(60));
        assert_eq!(at[5], Duration::from_secs(60));
        assert_eq!(at[6], Duration::from_secs(120));
        for w in at.windows(4) {
            assert!(w[3] - w[0] >= Duration::from_secs(60));
        }
    }

    #[test]
    fn one_key_one_limit() {
        let a = WindowLimit::shared("test:bulk", 3, Duration::from_secs(60));
        let b = WindowLimit::shared("test:bulk", 9, Duration::from_secs(1));
        assert!(Arc::ptr_eq(&a, &b));
    }
}
