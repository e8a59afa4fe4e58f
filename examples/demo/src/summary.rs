//! The end-of-run summary: one row per stream, the dead letters with their reasons, printed as
//! a table or as JSON (`--json`).

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

/// Whether this run started from saved state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// No state yet: everything is read.
    First,
    /// State from an earlier run: only what is new since then is read.
    Incremental,
}

/// One stream's counts for this run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StreamRow {
    /// `woocommerce.orders → outbox`, `outbox → activecampaign.contacts`, …
    pub stream: String,
    /// Records read from the source; for an outbox destination, entries that reached their
    /// end this run (delivered or dead-lettered).
    pub seen: u64,
    /// Of those, records not seen by an earlier run (re-reads are absorbed); `None` for an
    /// outbox destination.
    pub new: Option<u64>,
    /// Records read again that added nothing (a lookback window, a run killed before its
    /// watermark commit): duplicates absorbed by the outbox's dedupe keys.
    pub absorbed: Option<u64>,
    /// Records delivered (queued in the outbox, for a source stream).
    pub delivered: u64,
    /// Records dead-lettered, with reasons in [`Summary::dead_letters`].
    pub dead_lettered: u64,
    /// Retries (sink attempts again, or outbox entries rescheduled).
    pub retries: u64,
    /// API calls this stream made, as the sandbox counted them (`None`: not a sandbox).
    pub api_calls: Option<u64>,
    /// How long the stream ran, in milliseconds.
    pub elapsed_ms: u64,
}

/// One dead letter written by this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadLetterRow {
    /// The stream (or outbox destination) it belongs to.
    pub stream: String,
    /// The record's key.
    pub key: String,
    /// Why it was not delivered.
    pub reason: String,
}

/// What the run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// First or incremental.
    pub run: RunKind,
    /// The state file.
    pub db: String,
    /// Per stream.
    pub streams: Vec<StreamRow>,
    /// Dead letters written by this run.
    pub dead_letters: Vec<DeadLetterRow>,
    /// Outbox entries still pending at the end (0 when the run completed).
    pub pending: u64,
    /// Why a stream stopped early, if one did.
    pub errors: Vec<String>,
    /// Wall time of the whole run, in milliseconds.
    pub elapsed_ms: u64,
}

impl Summary {
    /// Every record ended delivered or dead-lettered with its reason.
    pub fn complete(&self) -> bool {
        self.errors.is_empty() && self.pending == 0
    }

    /// New records over all source streams.
    pub fn new_records(&self) -> u64 {
        self.streams.iter().filter_map(|s| s.new).sum()
    }

    /// The headline: what kind of run this was.
    pub fn headline(&self) -> String {
        match (self.run, self.new_records()) {
            (RunKind::First, n) => format!("First run: full sync, {n} records read."),
            (RunKind::Incremental, 0) => {
                "Incremental run: nothing new since the last run (0 new records).".to_owned()
            }
            (RunKind::Incremental, n) => {
                format!("Incremental run: {n} new records since the last run.")
            }
        }
    }

    /// The human-readable table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.headline());
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<34} {:>6} {:>6} {:>9} {:>13} {:>7} {:>9} {:>8}",
            "stream",
            "seen",
            "new",
            "delivered",
            "dead-lettered",
            "retries",
            "API calls",
            "elapsed"
        );
        for s in &self.streams {
            let dash = |n: Option<u64>| n.map_or_else(|| "-".to_owned(), |n| n.to_string());
            let calls = dash(s.api_calls);
            let _ = writeln!(
                out,
                "{:<34} {:>6} {:>6} {:>9} {:>13} {:>7} {:>9} {:>8}",
                s.stream,
                s.seen,
                dash(s.new),
                s.delivered,
                s.dead_lettered,
                s.retries,
                calls,
                seconds(s.elapsed_ms)
            );
        }
        if !self.dead_letters.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "Dead letters (kept in {}, with their reasons):",
                self.db
            );
            for group in reason_groups(&self.dead_letters) {
                let _ = writeln!(out, "  {group}");
            }
        }
        let _ = writeln!(out);
        for e in &self.errors {
            let _ = writeln!(out, "Stopped early: {e}");
        }
        if self.pending > 0 {
            let _ = writeln!(
                out,
                "{} outbox entries still pending: the next run delivers them.",
                self.pending
            );
        }
        let _ = writeln!(
            out,
            "{} in {}; state in {} (run again for an incremental run, --reset to start over).",
            if self.complete() {
                "Every record delivered or dead-lettered with its reason"
            } else {
                "Not finished"
            },
            seconds(self.elapsed_ms),
            self.db
        );
        out
    }
}

fn seconds(ms: u64) -> String {
    format!("{:.1}s", Duration::from_millis(ms).as_secs_f64())
}

/// Dead letters grouped by stream and kind of reason (the reason with its record-specific
/// parts, digits and the key, blanked), each with a count and one example.
fn reason_groups(letters: &[DeadLetterRow]) -> Vec<String> {
    let mut groups: Vec<(String, String, u64, String)> = Vec::new();
    for l in letters {
        // Digits collapsed to one `#`: `order 7` and `order 1042` are the same kind of reason.
        let mut shape = String::with_capacity(l.reason.len());
        // The key is blanked only when it cannot be part of other text (`9` is in a port).
        let reason = if l.key.chars().all(|c| c.is_ascii_digit()) {
            l.reason.clone()
        } else {
            l.reason.replace(&l.key, "<key>")
        };
        for c in reason.chars() {
            if !c.is_ascii_digit() {
                shape.push(c);
            } else if !shape.ends_with('#') {
                shape.push('#');
            }
        }
        match groups
            .iter_mut()
            .find(|(stream, s, _, _)| *stream == l.stream && *s == shape)
        {
            Some(group) => group.2 += 1,
            None => groups.push((l.stream.clone(), shape, 1, l.reason.clone())),
        }
    }
    groups
        .into_iter()
        .map(|(stream, _, n, example)| format!("{n:>4} × {stream}: {}", shorten(&example, 140)))
        .collect()
}

fn shorten(text: &str, max: usize) -> String {
    let one_line = text.replace('\n', " ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let cut: String = one_line.chars().take(max).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(run: RunKind, new: u64) -> Summary {
        Summary {
            run,
            db: "demo-state/demo.db".into(),
            streams: vec![StreamRow {
                stream: "woocommerce.orders → outbox".into(),
                seen: 1,
                new: Some(new),
                ..StreamRow::default()
            }],
            dead_letters: vec![
                DeadLetterRow {
                    stream: "activecampaign.contacts".into(),
                    key: "order:7@1".into(),
                    reason: "order 7 has no billing email".into(),
                },
                DeadLetterRow {
                    stream: "activecampaign.contacts".into(),
                    key: "order:12@1".into(),
                    reason: "order 12 has no billing email".into(),
                },
            ],
            pending: 0,
            errors: vec![],
            elapsed_ms: 1500,
        }
    }

    #[test]
    fn a_second_run_with_nothing_new_says_so() {
        assert_eq!(
            summary(RunKind::Incremental, 0).headline(),
            "Incremental run: nothing new since the last run (0 new records)."
        );
        assert!(
            summary(RunKind::Incremental, 3)
                .headline()
                .contains("3 new records")
        );
    }

    #[test]
    fn dead_letters_are_grouped_by_reason_with_a_count() {
        let table = summary(RunKind::First, 1).table();
        assert!(
            table.contains("2 × activecampaign.contacts: order 7 has no billing email"),
            "{table}"
        );
    }
}
