//! In-memory stores: for tests, benches and single-process runs that may start over.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::Utc;

use super::{
    DeadLetter, DeadLetterQuery, DeadLetterStore, NewDeadLetter, StoreError, StreamKey,
    WatermarkStore,
};

/// Watermarks in memory.
#[derive(Debug, Default)]
pub struct MemoryWatermarks {
    values: Mutex<HashMap<StreamKey, String>>,
}

impl MemoryWatermarks {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl WatermarkStore for MemoryWatermarks {
    async fn load(&self, key: &StreamKey) -> Result<Option<String>, StoreError> {
        Ok(self
            .values
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned())
    }

    async fn compare_and_set(
        &self,
        key: &StreamKey,
        expected: Option<&str>,
        new: &str,
    ) -> Result<bool, StoreError> {
        let mut values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        if values.get(key).map(String::as_str) != expected {
            return Ok(false);
        }
        values.insert(key.clone(), new.to_string());
        Ok(true)
    }
}

/// Dead letters in memory.
#[derive(Debug, Default)]
pub struct MemoryDeadLetters {
    letters: Mutex<Vec<DeadLetter>>,
}

impl MemoryDeadLetters {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl DeadLetterStore for MemoryDeadLetters {
    async fn put(&self, letter: NewDeadLetter) -> Result<i64, StoreError> {
        let mut letters = self.letters.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(open) = letters.iter_mut().find(|l| {
            l.replayed_at.is_none()
                && l.letter.stream == letter.stream
                && l.letter.record_key == letter.record_key
                && l.letter.payload == letter.payload
        }) {
            open.letter.attempts += letter.attempts;
            open.letter.reason = letter.reason;
            open.letter.last_response = letter.last_response;
            open.failed_at = Utc::now();
            return Ok(open.id);
        }
        let id = letters.len() as i64 + 1;
        letters.push(DeadLetter {
            id,
            letter,
            failed_at: Utc::now(),
            replayed_at: None,
        });
        Ok(id)
    }

    async fn list(&self, query: &DeadLetterQuery) -> Result<Vec<DeadLetter>, StoreError> {
        let letters = self.letters.lock().unwrap_or_else(|e| e.into_inner());
        let limit = query.limit.map_or(usize::MAX, |l| l as usize);
        Ok(letters
            .iter()
            .filter(|l| query.matches(l))
            .take(limit)
            .cloned()
            .collect())
    }

    async fn mark_replayed(&self, id: i64) -> Result<bool, StoreError> {
        let mut letters = self.letters.lock().unwrap_or_else(|e| e.into_inner());
        match letters
            .iter_mut()
            .find(|l| l.id == id && l.replayed_at.is_none())
        {
            Some(l) => {
                l.replayed_at = Some(Utc::now());
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn record_failure(
        &self,
        id: i64,
        reason: &str,
        last_response: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut letters = self.letters.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(l) = letters.iter_mut().find(|l| l.id == id) {
            l.letter.reason = reason.to_string();
            l.letter.last_response = last_response.map(str::to_string);
            l.letter.attempts += 1;
        }
        Ok(())
    }
}
