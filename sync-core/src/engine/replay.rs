//! Replaying dead letters into a sink once the cause is fixed.

use serde::de::DeserializeOwned;

use crate::redact::Redactor;
use crate::sink::{Ack, Sink, SinkRecord};
use crate::store::{DeadLetterQuery, DeadLetterStore, StoreError};

/// What a replay did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayReport {
    /// Letters delivered and marked replayed.
    pub delivered: u64,
    /// Letters that failed again (their reason and attempt count were updated).
    pub failed: u64,
    /// Letters whose payload no longer decodes into the record type (left as they are).
    pub undecodable: u64,
}

/// Send the dead letters matching `query` to `sink` again, one batch of up to `batch_size`.
///
/// A delivered letter is marked replayed; a letter that fails again keeps its place with the new
/// reason and one more attempt. Nothing is deleted. New reasons go through a default
/// [`Redactor`]; see [`replay_dead_letters_redacted`] to pass the client's.
pub async fn replay_dead_letters<R, K>(
    store: &dyn DeadLetterStore,
    query: &DeadLetterQuery,
    sink: &K,
    batch_size: u32,
) -> Result<ReplayReport, StoreError>
where
    R: DeserializeOwned + Send + Sync,
    K: Sink<R> + ?Sized,
{
    replay_dead_letters_redacted(store, query, sink, batch_size, &Redactor::new()).await
}

/// [`replay_dead_letters`], with every new reason and response stored through `redactor`.
pub async fn replay_dead_letters_redacted<R, K>(
    store: &dyn DeadLetterStore,
    query: &DeadLetterQuery,
    sink: &K,
    batch_size: u32,
    redactor: &Redactor,
) -> Result<ReplayReport, StoreError>
where
    R: DeserializeOwned + Send + Sync,
    K: Sink<R> + ?Sized,
{
    let mut report = ReplayReport::default();
    let mut query = query.clone();
    query.limit = Some(batch_size.max(1));
    loop {
        let letters = store.list(&query).await?;
        let Some(last) = letters.last() else {
            return Ok(report);
        };
        query.after_id = Some(last.id);

        let mut decoded = Vec::with_capacity(letters.len());
        for letter in &letters {
            match serde_json::from_value::<R>(letter.letter.payload.clone()) {
                Ok(record) => decoded.push((letter, record)),
                Err(e) => {
                    report.undecodable += 1;
                    tracing::warn!(id = letter.id, error = %e, "dead letter no longer decodes");
                }
            }
        }
        let records: Vec<SinkRecord<'_, R>> = decoded
            .iter()
            .map(|(letter, data)| SinkRecord {
                key: &letter.letter.record_key,
                data,
            })
            .collect();
        let acks = match sink.write(&records).await {
            Ok(acks) if acks.len() == records.len() => acks,
            Ok(_) => vec![
                Ack::retry("sink answered the wrong number of acknowledgements");
                records.len()
            ],
            Err(e) => vec![Ack::retry(e.to_string()); records.len()],
        };
        for ((letter, _), ack) in decoded.iter().zip(acks) {
            match ack {
                Ack::Delivered => {
                    store.mark_replayed(letter.id).await?;
                    report.delivered += 1;
                }
                Ack::RetryLater { reason, .. } => {
                    let reason = redactor.text(&reason);
                    store.record_failure(letter.id, &reason, None).await?;
                    report.failed += 1;
                }
                Ack::Rejected { reason, response } => {
                    let reason = redactor.text(&reason);
                    let response = response.map(|r| redactor.document(&r));
                    store
                        .record_failure(letter.id, &reason, response.as_deref())
                        .await?;
                    report.failed += 1;
                }
            }
        }
    }
}
