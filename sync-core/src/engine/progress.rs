//! [`Progress`]: what a run has done so far, published after every batch for a UI to draw.

use std::time::Duration;

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Phase {
    /// Not started.
    #[default]
    Idle,
    /// Reading and writing batches.
    Running,
    /// Finished; the watermark is committed.
    Finished,
    /// Stopped with an error; the watermark stands where the engine's rule allowed.
    Failed,
}

/// Counters of one run. Sent through a `tokio::sync::watch` channel: a reader always sees the
/// latest values without slowing the run down.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// Where the run is.
    pub phase: Phase,
    /// Records read from the source.
    pub seen: u64,
    /// Records the sink confirmed.
    pub delivered: u64,
    /// Records written to dead letters.
    pub dead_lettered: u64,
    /// Sink attempts that were retries.
    pub retries: u64,
    /// Batches processed.
    pub batches: u64,
    /// Time since the run started.
    pub elapsed: Duration,
    /// The committed watermark, encoded.
    pub watermark: Option<String>,
}

impl Progress {
    /// Records finished (delivered or dead-lettered) per second so far.
    pub fn rate_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs <= 0.0 {
            return 0.0;
        }
        (self.delivered + self.dead_lettered) as f64 / secs
    }
}
