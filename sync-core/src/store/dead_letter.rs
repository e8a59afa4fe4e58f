use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{StoreError, StreamKey};

/// A record to be dead-lettered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewDeadLetter {
    /// The stream it came from.
    pub stream: StreamKey,
    /// The record's natural key.
    pub record_key: String,
    /// The record itself, so it can be replayed.
    pub payload: serde_json::Value,
    /// Why it could not be delivered.
    pub reason: String,
    /// The last response from the destination, if any.
    pub last_response: Option<String>,
    /// Delivery attempts made.
    pub attempts: u32,
}

/// A dead letter as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// Store-assigned id.
    pub id: i64,
    /// What was dead-lettered.
    #[serde(flatten)]
    pub letter: NewDeadLetter,
    /// When it was dead-lettered.
    pub failed_at: DateTime<Utc>,
    /// When it was replayed successfully, if it was.
    pub replayed_at: Option<DateTime<Utc>>,
}

/// Which dead letters to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeadLetterQuery {
    /// Only this stream.
    pub stream: Option<StreamKey>,
    /// Include letters already replayed.
    pub include_replayed: bool,
    /// Only letters with an id greater than this (for paging).
    pub after_id: Option<i64>,
    /// At most this many (default: all).
    pub limit: Option<u32>,
}

impl DeadLetterQuery {
    /// Open (not yet replayed) letters of `stream`.
    pub fn open(stream: StreamKey) -> Self {
        DeadLetterQuery {
            stream: Some(stream),
            ..Default::default()
        }
    }

    /// Whether `letter` matches this query (ignoring paging limits).
    pub fn matches(&self, letter: &DeadLetter) -> bool {
        self.stream
            .as_ref()
            .is_none_or(|s| *s == letter.letter.stream)
            && (self.include_replayed || letter.replayed_at.is_none())
            && self.after_id.is_none_or(|after| letter.id > after)
    }
}

/// Records that could not be delivered, with the reason, kept until replayed.
#[async_trait]
pub trait DeadLetterStore: Send + Sync + fmt::Debug {
    /// Store a dead letter durably; returns its id. When this returns `Ok`, the record counts as
    /// done for the engine's watermark rule.
    ///
    /// A letter with the same stream, record key and payload as an open (not replayed) letter
    /// updates that letter — new reason and response, attempts added — and returns its id:
    /// unsorted sources re-read their lookback window, and a poison record there must not pile up.
    async fn put(&self, letter: NewDeadLetter) -> Result<i64, StoreError>;

    /// Letters matching `query`, oldest first.
    async fn list(&self, query: &DeadLetterQuery) -> Result<Vec<DeadLetter>, StoreError>;

    /// How many letters are open (not replayed), over all streams. The default lists them;
    /// stores override it with a count.
    async fn count_open(&self) -> Result<u64, StoreError> {
        Ok(self.list(&DeadLetterQuery::default()).await?.len() as u64)
    }

    /// Mark a letter replayed (delivered after all). Returns `false` if there is no such open letter.
    async fn mark_replayed(&self, id: i64) -> Result<bool, StoreError>;

    /// Record another failed replay: the new reason, response and one more attempt.
    async fn record_failure(
        &self,
        id: i64,
        reason: &str,
        last_response: Option<&str>,
    ) -> Result<(), StoreError>;
}
