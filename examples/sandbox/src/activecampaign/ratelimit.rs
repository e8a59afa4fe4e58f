//! A sliding-window request counter.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// At most `limit` hits per `period` (limit 0: unlimited).
#[derive(Debug)]
pub struct Window {
    period: Duration,
    limit: u32,
    hits: VecDeque<Instant>,
}

impl Window {
    /// A window of `limit` hits per `period`.
    pub fn new(period: Duration, limit: u32) -> Self {
        Self {
            period,
            limit,
            hits: VecDeque::new(),
        }
    }

    /// Counts a hit if allowed: `(allowed, remaining, time until a slot frees)`.
    pub fn hit(&mut self, now: Instant) -> (bool, u32, Duration) {
        if self.limit == 0 {
            return (true, u32::MAX, Duration::ZERO);
        }
        while self
            .hits
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.period)
        {
            self.hits.pop_front();
        }
        if self.hits.len() as u32 >= self.limit {
            let reset = self.hits.front().map_or(self.period, |t| {
                self.period.saturating_sub(now.duration_since(*t))
            });
            return (false, 0, reset);
        }
        self.hits.push_back(now);
        (true, self.limit - self.hits.len() as u32, Duration::ZERO)
    }
}
