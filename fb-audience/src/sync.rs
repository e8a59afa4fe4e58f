//! [`AudienceSink`]: a sync-core [`Sink`] that keeps an audience in step with a customer source.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use sync_core::{Ack, Redactor, Sink, SinkRecord, StageError};

use crate::audiences::AudienceRef;
use crate::error::Error;
use crate::normalize::{HashedRow, Normalizer};
use crate::schema::Schema;
use crate::users::UploadMode;

/// What a source record means for the audience.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AudienceChange {
    /// The person belongs in the audience: these values, in schema order.
    Add(Vec<String>),
    /// The person must leave it (deleted, unsubscribed, consent withdrawn).
    Remove(Vec<String>),
    /// The record does not concern the audience.
    Ignore,
}

type MapFn<R> = dyn Fn(&R) -> AudienceChange + Send + Sync;

/// Writes records into an audience: each record is mapped to an [`AudienceChange`], normalized
/// and hashed, and sent with `POST` or `DELETE /{id}/users` in batches of up to 10,000.
///
/// Changes reach Meta in the order of the batch (each run of consecutive adds or removes is
/// one upload), so a person unsubscribed and then subscribed again within one batch ends up
/// in the audience. Adding or removing a person twice changes nothing, so redelivery after a
/// crash is harmless.
/// Per record the sink answers: `Delivered`; `Rejected` when nothing identifying survived
/// normalization (the reasons name the keys) or Meta refused the batch for its data;
/// `RetryLater` when Meta throttled or failed transiently (and, so the retried change still
/// lands last, for every change after it in the batch, which is not sent). Configuration failures (token,
/// permissions) fail the whole write, which stops the run. Every reason goes through the
/// client's [`Client::redactor`](crate::Client::redactor); hand the same redactor to sync-core's
/// `PipelineBuilder::redactor` so the engine's own dead-letter texts are masked alike.
///
/// ```
/// use fb_audience::{AudienceChange, AudienceSink, Client, Credentials, Normalizer, CountryCode};
///
/// struct Customer { email: String, phone: String, subscribed: bool }
///
/// let client = Client::builder().credentials(Credentials::new("token")).build()?;
/// let sink = AudienceSink::new(
///     client.audience("23850000000000"),
///     "EMAIL,PHONE".parse()?,
///     Normalizer::builder().default_country(CountryCode::US).build(),
///     |c: &Customer| {
///         let values = vec![c.email.clone(), c.phone.clone()];
///         if c.subscribed { AudienceChange::Add(values) } else { AudienceChange::Remove(values) }
///     },
/// );
/// # let _ = sink;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct AudienceSink<R> {
    audience: AudienceRef,
    schema: Schema,
    normalizer: Normalizer,
    map: Arc<MapFn<R>>,
}

impl<R> fmt::Debug for AudienceSink<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AudienceSink")
            .field("audience", &self.audience.id())
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

impl<R> AudienceSink<R> {
    /// A sink for `audience`; `map` says what each record means for it.
    pub fn new(
        audience: AudienceRef,
        schema: Schema,
        normalizer: Normalizer,
        map: impl Fn(&R) -> AudienceChange + Send + Sync + 'static,
    ) -> Self {
        AudienceSink {
            audience,
            schema,
            normalizer,
            map: Arc::new(map),
        }
    }

    /// The client's redactor: every per-record reason goes through it (Meta's messages can
    /// echo the request, credentials included).
    fn redactor(&self) -> &Redactor {
        self.audience.client().redactor()
    }

    async fn upload(&self, mode: UploadMode, rows: &[HashedRow]) -> Result<(), Error> {
        let upload = match mode {
            UploadMode::Remove => self
                .audience
                .remove_users(self.schema.clone(), self.normalizer.clone()),
            _ => self
                .audience
                .add_users(self.schema.clone(), self.normalizer.clone()),
        };
        let mut session = upload.start();
        for row in rows {
            session.push_hashed(row).await?;
        }
        session.finish().await.map(|_| ())
    }
}

/// Consecutive changes of one kind, sent together; `indices` are their places in the batch.
struct Run {
    mode: UploadMode,
    indices: Vec<usize>,
    rows: Vec<HashedRow>,
}

#[async_trait]
impl<R: Send + Sync> Sink<R> for AudienceSink<R> {
    /// Sends the batch's changes in input order: each run of consecutive adds (or removes) is
    /// one upload, so a person removed and then re-added in the same batch ends up added.
    ///
    /// Once a run must be retried, the runs after it are not sent and are answered
    /// `RetryLater` too: sending them now would let the retried, older change land last.
    async fn write(&self, batch: &[SinkRecord<'_, R>]) -> Result<Vec<Ack>, StageError> {
        let mut acks: Vec<Option<Ack>> = vec![None; batch.len()];
        let mut runs: Vec<Run> = Vec::new();
        for (i, record) in batch.iter().enumerate() {
            let (mode, values) = match (self.map)(record.data) {
                AudienceChange::Ignore => {
                    acks[i] = Some(Ack::Delivered);
                    continue;
                }
                AudienceChange::Add(v) => (UploadMode::Add, v),
                AudienceChange::Remove(v) => (UploadMode::Remove, v),
            };
            let row = self.normalizer.hash_row(&self.schema, &values);
            if !row.is_usable() {
                let reasons: Vec<String> = row.rejections().iter().map(|r| r.to_string()).collect();
                acks[i] = Some(Ack::rejected(self.redactor().text(&format!(
                    "record {}: nothing identifying left after normalization ({})",
                    record.key,
                    reasons.join("; ")
                ))));
                continue;
            }
            match runs.last_mut() {
                Some(run) if run.mode == mode => {
                    run.indices.push(i);
                    run.rows.push(row);
                }
                _ => runs.push(Run {
                    mode,
                    indices: vec![i],
                    rows: vec![row],
                }),
            }
        }
        // Set when a run must be retried: every later run waits behind it.
        let mut held_back: Option<Ack> = None;
        for run in &runs {
            let ack = match &held_back {
                Some(ack) => ack.clone(),
                None => match self.upload(run.mode, &run.rows).await {
                    Ok(()) => Ack::Delivered,
                    // A configuration failure (token, permissions) stops the run.
                    Err(e) => match Ack::from_error_or_stop(&e, self.redactor())? {
                        Ack::RetryLater { reason, after } => {
                            held_back = Some(Ack::RetryLater {
                                reason: format!(
                                    "not sent: an earlier change in the same batch must be \
                                     retried first ({reason})"
                                ),
                                after,
                            });
                            Ack::RetryLater { reason, after }
                        }
                        // Meta's error object goes to the dead letter, masked like the reason.
                        Ack::Rejected { reason, .. } => Ack::Rejected {
                            reason,
                            response: e
                                .graph()
                                .and_then(|g| serde_json::to_string(g).ok())
                                .map(|g| self.redactor().document(&g)),
                        },
                        other => other,
                    },
                },
            };
            for i in &run.indices {
                acks[*i] = Some(ack.clone());
            }
        }
        Ok(acks
            .into_iter()
            .map(|a| a.unwrap_or(Ack::Delivered))
            .collect())
    }
}
