//! The run summary: a table for people, JSON (`--json`) for machines, and the exit code.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::flows::OrderWithoutEmail;
use crate::websites::ResolvedStore;

/// How many list lines the table shows before pointing at the database / `--json`.
const SHOWN: usize = 10;

/// Exit codes.
pub mod exit {
    /// Everything imported.
    pub const OK: u8 = 0;
    /// Orders were dead-lettered in this run (the rest was imported).
    pub const DEAD_LETTERED: u8 = 1;
    /// A run failed or stopped (configuration, Magento unreachable, database, signal).
    pub const FAILED: u8 = 2;
    /// Another run holds a website's lease.
    pub const REFUSED: u8 = 3;
}

/// How a website's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every order after the watermark was imported or dead-lettered.
    Completed,
    /// The run stopped early; the watermark stands before the first unfinished order.
    Failed,
    /// Another run holds the website's lease.
    Refused,
}

/// A dead letter written in this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadLetterShown {
    /// The order (`entity_id`).
    pub order: String,
    /// Why, with the attempts.
    pub reason: String,
    /// Attempts made.
    pub attempts: u32,
}

/// One website's run.
#[derive(Debug, Clone, Serialize)]
pub struct WebsiteSummary {
    /// The website.
    pub website: String,
    /// How it ended.
    pub status: Status,
    /// The matched or pinned store view.
    pub store: Option<ResolvedStore>,
    /// Why it failed or was refused.
    pub error: Option<String>,
    /// Orders read from Magento.
    pub orders_seen: u64,
    /// New customers.
    pub customers_created: u64,
    /// Returning customers updated.
    pub customers_updated: u64,
    /// Orders read again that were imported before.
    pub already_imported: u64,
    /// Orders without a usable email, recorded.
    pub without_email: Vec<OrderWithoutEmail>,
    /// Orders dead-lettered in this run.
    pub dead_lettered: Vec<DeadLetterShown>,
    /// Dead letters of this website still open (this run's and earlier ones).
    pub open_dead_letters: u64,
    /// Sink retries.
    pub retries: u64,
    /// Watermark (`entity_id`) before.
    pub watermark_before: Option<String>,
    /// Watermark after.
    pub watermark_after: Option<String>,
    /// Seconds.
    pub elapsed_seconds: f64,
    /// Orders finished per second.
    pub orders_per_second: f64,
}

impl WebsiteSummary {
    /// A summary with nothing done.
    pub fn empty(website: &str, status: Status) -> Self {
        WebsiteSummary {
            website: website.to_string(),
            status,
            store: None,
            error: None,
            orders_seen: 0,
            customers_created: 0,
            customers_updated: 0,
            already_imported: 0,
            without_email: Vec::new(),
            dead_lettered: Vec::new(),
            open_dead_letters: 0,
            retries: 0,
            watermark_before: None,
            watermark_after: None,
            elapsed_seconds: 0.0,
            orders_per_second: 0.0,
        }
    }
}

/// One run over every website.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    /// When the run started.
    pub started_at: DateTime<Utc>,
    /// The Magento base URL.
    pub magento: String,
    /// `sandbox` or the auth mode.
    pub mode: String,
    /// The database file.
    pub database: String,
    /// Per website.
    pub websites: Vec<WebsiteSummary>,
}

impl RunSummary {
    /// 2 when a run failed, else 3 when one was refused, else 1 when orders were
    /// dead-lettered, else 0.
    pub fn exit_code(&self) -> u8 {
        let any = |s: Status| self.websites.iter().any(|w| w.status == s);
        if any(Status::Failed) {
            exit::FAILED
        } else if any(Status::Refused) {
            exit::REFUSED
        } else if self.websites.iter().any(|w| !w.dead_lettered.is_empty()) {
            exit::DEAD_LETTERED
        } else {
            exit::OK
        }
    }

    /// The summary as a table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "magento-customer-import {} — {} ({}) → {}",
            self.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
            self.magento,
            self.mode,
            self.database
        );
        for w in &self.websites {
            let _ = writeln!(out);
            let store = w.store.as_ref().map_or_else(
                || "no store".to_string(),
                |s| format!("store {} ({}), {}", s.id, s.code, s.found_by),
            );
            let _ = writeln!(out, "website {} — {store}", w.website);
            match w.status {
                Status::Completed => {
                    let _ = writeln!(
                        out,
                        "  completed in {:.1}s ({:.0} orders/s), watermark {} → {}",
                        w.elapsed_seconds,
                        w.orders_per_second,
                        w.watermark_before.as_deref().unwrap_or("none"),
                        w.watermark_after.as_deref().unwrap_or("none")
                    );
                }
                Status::Failed | Status::Refused => {
                    let label = if w.status == Status::Failed {
                        "FAILED"
                    } else {
                        "REFUSED"
                    };
                    let _ = writeln!(
                        out,
                        "  {label}: {}",
                        w.error.as_deref().unwrap_or("(no reason)")
                    );
                    if w.status == Status::Refused {
                        continue;
                    }
                }
            }
            let _ = writeln!(
                out,
                "  orders seen {:>7}   customers created {:>6}   updated {:>6}   already imported {:>6}",
                w.orders_seen, w.customers_created, w.customers_updated, w.already_imported
            );
            let _ = writeln!(
                out,
                "  without email {:>5}   dead-lettered {:>10}   retries {:>6}   open dead letters {:>5}",
                w.without_email.len(),
                w.dead_lettered.len(),
                w.retries,
                w.open_dead_letters
            );
            if !w.without_email.is_empty() {
                let _ = writeln!(out, "  orders without email:");
                for o in w.without_email.iter().take(SHOWN) {
                    let _ = writeln!(
                        out,
                        "    #{} (entity_id {}): {}",
                        o.increment_id, o.order_id, o.reason
                    );
                }
                more(&mut out, w.without_email.len(), "orders_without_email");
            }
            if !w.dead_lettered.is_empty() {
                let _ = writeln!(out, "  dead-lettered:");
                for d in w.dead_lettered.iter().take(SHOWN) {
                    let _ = writeln!(out, "    order {}: {}", d.order, d.reason);
                }
                more(&mut out, w.dead_lettered.len(), "sync_dead_letters");
            }
        }
        out
    }
}

fn more(out: &mut String, total: usize, table: &str) {
    if total > SHOWN {
        let _ = writeln!(
            out,
            "    … and {} more (all in --json, and in the table {table})",
            total - SHOWN
        );
    }
}
