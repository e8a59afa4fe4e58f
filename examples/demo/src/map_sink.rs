//! [`MapSink`]: hands a sink a different record type, mapping each record first.
//!
//! Glue sync-core does not have yet (a `Sink` adapter like `map`/`contramap`): listed as a gap
//! in the demo's README. A record the mapping refuses is answered `Rejected` with the mapping's
//! reason, so the engine dead-letters it instead of skipping it.

use async_trait::async_trait;
use sync_core::{Ack, Sink, SinkRecord, StageError};

/// What a record becomes, or why it cannot.
type MapFn<R, T> = dyn Fn(&R) -> Result<T, String> + Send + Sync;

/// Maps `R` to `T` and writes the mapped records to a `Sink<T>`; see the [module docs](self).
pub struct MapSink<R, T, K> {
    inner: K,
    map: Box<MapFn<R, T>>,
}

impl<R, T, K: std::fmt::Debug> std::fmt::Debug for MapSink<R, T, K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MapSink")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<R, T, K> MapSink<R, T, K> {
    /// Write to `inner` what `map` makes of each record.
    pub fn new(inner: K, map: impl Fn(&R) -> Result<T, String> + Send + Sync + 'static) -> Self {
        Self {
            inner,
            map: Box::new(map),
        }
    }
}

#[async_trait]
impl<R, T, K> Sink<R> for MapSink<R, T, K>
where
    R: Send + Sync,
    T: Send + Sync,
    K: Sink<T>,
{
    async fn write(&self, batch: &[SinkRecord<'_, R>]) -> Result<Vec<Ack>, StageError> {
        let mut acks: Vec<Option<Ack>> = vec![None; batch.len()];
        let mut mapped = Vec::with_capacity(batch.len());
        for (i, record) in batch.iter().enumerate() {
            match (self.map)(record.data) {
                Ok(value) => mapped.push((i, record.key, value)),
                Err(reason) => acks[i] = Some(Ack::rejected(reason)),
            }
        }
        if !mapped.is_empty() {
            let records: Vec<SinkRecord<'_, T>> = mapped
                .iter()
                .map(|(_, key, data)| SinkRecord { key, data })
                .collect();
            let answers = self.inner.write(&records).await?;
            if answers.len() != records.len() {
                return Err(StageError::transient(format!(
                    "inner sink answered {} acknowledgements for {} records",
                    answers.len(),
                    records.len()
                )));
            }
            for ((i, _, _), ack) in mapped.iter().zip(answers) {
                acks[*i] = Some(ack);
            }
        }
        Ok(acks
            .into_iter()
            .map(|a| a.expect("every record answered"))
            .collect())
    }
}
