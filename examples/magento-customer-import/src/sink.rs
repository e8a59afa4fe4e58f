//! The engine's sink: a batch of orders → the flows → one database transaction → one answer
//! per order (delivered, or retry later with the reason).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use magento_client::Order;
use sync_core::{Ack, Sink, SinkRecord, StageError};

use crate::flows::{OrderEffect, OrderWithoutEmail, order_effect};
use crate::store::{Applied, BatchError, CustomerDb, LeaseToken};

/// What a run's sink has written (committed batches only).
#[derive(Debug, Clone, Default)]
pub struct Counts {
    /// New customers.
    pub created: u64,
    /// Returning customers updated.
    pub updated: u64,
    /// Orders read again that were imported before (after a crash or a stop).
    pub already_imported: u64,
    /// Orders without a usable email, recorded.
    pub without_email: Vec<OrderWithoutEmail>,
}

/// Writes one website's orders as customers.
#[derive(Debug)]
pub struct CustomerSink {
    db: CustomerDb,
    website: String,
    lease: LeaseToken,
    counts: Arc<Mutex<Counts>>,
    stop: Arc<AtomicBool>,
}

impl CustomerSink {
    /// A sink for `website`, writing under `lease`; `stop` (set on Ctrl-C/SIGTERM) ends the run
    /// at the next batch with the watermark after the last written one.
    pub fn new(
        db: CustomerDb,
        website: &str,
        lease: LeaseToken,
        counts: Arc<Mutex<Counts>>,
        stop: Arc<AtomicBool>,
    ) -> Self {
        CustomerSink {
            db,
            website: website.to_string(),
            lease,
            counts,
            stop,
        }
    }
}

#[async_trait]
impl Sink<Order> for CustomerSink {
    async fn write(&self, batch: &[SinkRecord<'_, Order>]) -> Result<Vec<Ack>, StageError> {
        if self.stop.load(Ordering::SeqCst) {
            // A configuration-kind error stops the run without dead-lettering anything.
            return Err(StageError::config(
                "stopped by a signal; the next run resumes after the last written batch",
            ));
        }
        let effects: Vec<OrderEffect> = batch.iter().map(|r| order_effect(r.data)).collect();
        let results = match self
            .db
            .apply_batch(&self.website, &self.lease, &effects)
            .await
        {
            Ok(results) => results,
            // Lease lost or the database down: stop the run, pass nothing, dead-letter nothing.
            Err(error @ BatchError::LeaseLost { .. }) => {
                return Err(StageError::config(error.to_string()));
            }
            Err(BatchError::Database(error)) => {
                return Err(StageError::config(format!(
                    "{error}; the run stops and the next one resumes after the last written batch"
                )));
            }
        };
        let mut counts = self.counts.lock().expect("sink counts");
        let acks = results
            .into_iter()
            .zip(&effects)
            .zip(batch)
            .map(|((result, effect), record)| match result {
                Ok(applied) => {
                    match applied {
                        Applied::Created => counts.created += 1,
                        Applied::Updated => counts.updated += 1,
                        Applied::AlreadyImported => counts.already_imported += 1,
                        Applied::WithoutEmail => {
                            if let OrderEffect::WithoutEmail(order) = effect {
                                counts.without_email.push(order.clone());
                            }
                        }
                    }
                    Ack::Delivered
                }
                // Retried by the engine, then dead-lettered with this reason.
                Err(reason) => Ack::retry(format!("order {}: {reason}", record.data.label())),
            })
            .collect();
        Ok(acks)
    }
}
