//! Test doubles shared by the engine tests.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use sync_core::{Ack, Sink, SinkRecord, SourceRecord, StageError};

/// A sink that answers from a per-key script (then `Delivered`), and remembers deliveries.
#[derive(Debug, Default)]
pub struct ScriptedSink {
    scripts: Mutex<HashMap<String, VecDeque<Ack>>>,
    always: Mutex<HashMap<String, Ack>>,
    batch_error: Mutex<VecDeque<StageError>>,
    pub delivered: Mutex<Vec<String>>,
    pub calls: Mutex<u32>,
}

impl ScriptedSink {
    pub fn new() -> Self {
        Self::default()
    }
    /// Answer these acks for `key`, one per attempt, then deliver.
    pub fn script(self, key: &str, acks: Vec<Ack>) -> Self {
        self.scripts
            .lock()
            .unwrap()
            .insert(key.to_string(), acks.into());
        self
    }
    /// Always answer `ack` for `key`.
    pub fn always(self, key: &str, ack: Ack) -> Self {
        self.always.lock().unwrap().insert(key.to_string(), ack);
        self
    }
    /// Fail the next whole batch with `error`.
    pub fn fail_batch(self, error: StageError) -> Self {
        self.batch_error.lock().unwrap().push_back(error);
        self
    }
    pub fn heal(&self, key: &str) {
        self.always.lock().unwrap().remove(key);
    }
    pub fn delivered(&self) -> Vec<String> {
        self.delivered.lock().unwrap().clone()
    }
}

#[async_trait]
impl<R: Send + Sync> Sink<R> for ScriptedSink {
    async fn write(&self, batch: &[SinkRecord<'_, R>]) -> Result<Vec<Ack>, StageError> {
        *self.calls.lock().unwrap() += 1;
        if let Some(e) = self.batch_error.lock().unwrap().pop_front() {
            return Err(e);
        }
        let mut scripts = self.scripts.lock().unwrap();
        let always = self.always.lock().unwrap();
        let mut delivered = self.delivered.lock().unwrap();
        Ok(batch
            .iter()
            .map(|r| {
                let ack = always.get(r.key).cloned().unwrap_or_else(|| {
                    scripts
                        .get_mut(r.key)
                        .and_then(VecDeque::pop_front)
                        .unwrap_or(Ack::Delivered)
                });
                if ack == Ack::Delivered {
                    delivered.push(r.key.to_string());
                }
                ack
            })
            .collect())
    }
}

pub fn rec<C>(key: &str, cursor: C) -> SourceRecord<String, C> {
    SourceRecord {
        key: key.to_string(),
        cursor,
        data: format!("payload of {key}"),
    }
}

/// A database file in the temp dir, removed (with its WAL files) on drop.
pub struct TempDb(PathBuf);

impl TempDb {
    pub fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        TempDb(std::env::temp_dir().join(format!(
            "sync-core-{name}-{}-{nanos}.db",
            std::process::id()
        )))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}
