//! [`Pipeline`]: pull from a [`Source`], write to a [`Sink`], move the watermark only past
//! records that are durably done.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::Instrument;

use super::progress::{Phase, Progress};
use super::report::{RunError, RunErrorKind, RunReport};
use crate::cursor::Cursor;
use crate::error::StageError;
use crate::redact::Redactor;
use crate::retry::{ExponentialBackoff, RetryDecision, RetryPolicy, RetryState};
use crate::sink::{Ack, Sink, SinkRecord};
use crate::source::{Source, SourceOrder, SourceRecord};
use crate::store::{DeadLetterStore, NewDeadLetter, StreamKey, WatermarkStore};
use crate::verdict::{Classify, PermanentKind, Verdict};

/// What to do with records the sink still refuses as transient when the retry policy gives up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OnExhausted {
    /// Stop the run and leave the records unfinished: the watermark stays before them and the
    /// next run tries again. Right when the destination is down (the default).
    #[default]
    Halt,
    /// Dead-letter the records with their last reason and go on. Right when one record must
    /// not hold back the stream.
    DeadLetter,
}

type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The default [`PipelineBuilder::sink_timeout`]: far longer than any sane batch write, short
/// enough that a hung connection does not stop a scheduled run for good.
pub const DEFAULT_SINK_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// Builds a [`Pipeline`].
pub struct PipelineBuilder<S, K> {
    stream: StreamKey,
    source: S,
    sink: K,
    watermarks: Option<Arc<dyn WatermarkStore>>,
    dead_letters: Option<Arc<dyn DeadLetterStore>>,
    retry: Arc<dyn RetryPolicy>,
    on_exhausted: OnExhausted,
    clock: Clock,
    redactor: Redactor,
    sink_timeout: Duration,
}

impl<S, K> fmt::Debug for PipelineBuilder<S, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipelineBuilder")
            .field("stream", &self.stream)
            .finish_non_exhaustive()
    }
}

/// A [`PipelineBuilder`] needs both stores before it can build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a pipeline needs a {0} store: call PipelineBuilder::{0}(..)")]
pub struct MissingStore(&'static str);

impl<S, K> PipelineBuilder<S, K>
where
    S: Source,
    K: Sink<S::Record>,
{
    /// Where watermarks are kept (required).
    pub fn watermarks(mut self, store: Arc<dyn WatermarkStore>) -> Self {
        self.watermarks = Some(store);
        self
    }
    /// Where rejected records go (required).
    pub fn dead_letters(mut self, store: Arc<dyn DeadLetterStore>) -> Self {
        self.dead_letters = Some(store);
        self
    }
    /// How often the sink is retried within a batch (default [`ExponentialBackoff::default`]).
    pub fn retry_policy(mut self, policy: impl RetryPolicy + 'static) -> Self {
        self.retry = Arc::new(policy);
        self
    }
    /// What happens when retries run out (default [`OnExhausted::Halt`]).
    pub fn on_exhausted(mut self, action: OnExhausted) -> Self {
        self.on_exhausted = action;
        self
    }
    /// Every dead-letter reason and stored response, and the engine's log lines about them, go
    /// through this redactor: the last line of defence should a sink put a credential into a
    /// reason (default [`Redactor::new`], which masks the generic secret names and
    /// `Bearer …` tokens). Pass the client's redactor to mask its names and values too.
    pub fn redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }
    /// How long one [`Sink::write`] call may take (default [`DEFAULT_SINK_TIMEOUT`], 5 min). A
    /// call that takes longer is abandoned and its records are retried like any transient
    /// failure (then halted on or dead-lettered per [`OnExhausted`]). Sinks must be idempotent
    /// anyway: the abandoned call may have written some records.
    pub fn sink_timeout(mut self, timeout: Duration) -> Self {
        self.sink_timeout = timeout;
        self
    }
    /// The clock used for run start (tests inject a fixed one).
    pub fn clock(mut self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }
    /// Build the pipeline.
    pub fn build(self) -> Result<Pipeline<S, K>, MissingStore> {
        let (progress, _) = watch::channel(Progress::default());
        Ok(Pipeline {
            stream: self.stream,
            source: self.source,
            sink: self.sink,
            watermarks: self.watermarks.ok_or(MissingStore("watermarks"))?,
            dead_letters: self.dead_letters.ok_or(MissingStore("dead_letters"))?,
            retry: self.retry,
            on_exhausted: self.on_exhausted,
            clock: self.clock,
            redactor: self.redactor,
            sink_timeout: self.sink_timeout,
            progress,
        })
    }
}

/// Runs a [`Source`] into a [`Sink`] for one stream.
///
/// The rule it keeps: the watermark moves only past records that are durably done — delivered,
/// or written to the dead-letter store with the reason. A record the sink could not take is
/// retried, dead-lettered, or left for the next run; it is never skipped.
///
/// * **Sorted sources** commit after every batch, up to the largest cursor below both the first
///   unfinished record and the last cursor seen (so records sharing a cursor are never split
///   across a commit); the final cursor is committed when the source is exhausted.
/// * **Unsorted sources** start each run `lookback` before the watermark, keep a progress marker,
///   and commit it only when the run completes with nothing unfinished, capped at run start
///   minus `clock_skew`.
///
/// Delivery is at least once: after a crash, records since the last commit are sent again, so
/// sinks must be idempotent.
pub struct Pipeline<S, K> {
    stream: StreamKey,
    source: S,
    sink: K,
    watermarks: Arc<dyn WatermarkStore>,
    dead_letters: Arc<dyn DeadLetterStore>,
    retry: Arc<dyn RetryPolicy>,
    on_exhausted: OnExhausted,
    clock: Clock,
    redactor: Redactor,
    sink_timeout: Duration,
    progress: watch::Sender<Progress>,
}

impl<S, K> fmt::Debug for Pipeline<S, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipeline")
            .field("stream", &self.stream)
            .field("retry", &self.retry)
            .field("on_exhausted", &self.on_exhausted)
            .field("sink_timeout", &self.sink_timeout)
            .finish_non_exhaustive()
    }
}

/// Per-run state.
struct Run<C> {
    report: RunReport,
    started: Instant,
    /// The watermark as stored (the compare-and-set expectation).
    stored: Option<String>,
    committed: Option<C>,
    /// Sorted: the last cursor seen, to check the order.
    last_seen: Option<C>,
    /// Unsorted: the largest cursor of a finished record.
    marker: Option<C>,
}

/// What a batch left behind.
struct BatchOutcome<C> {
    /// The largest finished cursor (the unsorted progress marker).
    max_done: Option<C>,
    /// The smallest cursor of a record left unfinished.
    first_unfinished: Option<C>,
    /// Why the run must stop, when retries ran out under [`OnExhausted::Halt`].
    unfinished: Option<RunErrorKind>,
}

impl<S, K> Pipeline<S, K>
where
    S: Source,
    K: Sink<S::Record>,
{
    /// Start building a pipeline for `stream`.
    pub fn builder(stream: StreamKey, source: S, sink: K) -> PipelineBuilder<S, K> {
        PipelineBuilder {
            stream,
            source,
            sink,
            watermarks: None,
            dead_letters: None,
            retry: Arc::new(ExponentialBackoff::default()),
            on_exhausted: OnExhausted::default(),
            clock: Arc::new(Utc::now),
            redactor: Redactor::new(),
            sink_timeout: DEFAULT_SINK_TIMEOUT,
        }
    }

    /// Progress updates, sent after every batch.
    pub fn subscribe(&self) -> watch::Receiver<Progress> {
        self.progress.subscribe()
    }

    /// The stream this pipeline serves.
    pub fn stream(&self) -> &StreamKey {
        &self.stream
    }

    /// The source, e.g. to inspect what it skipped.
    pub fn source(&self) -> &S {
        &self.source
    }

    /// The sink.
    pub fn sink(&self) -> &K {
        &self.sink
    }

    /// Run once: read everything after the watermark and deliver it.
    pub async fn run(&mut self) -> Result<RunReport, RunError> {
        let span = tracing::info_span!("pipeline_run", stream = %self.stream);
        self.run_inner().instrument(span).await
    }

    async fn run_inner(&mut self) -> Result<RunReport, RunError> {
        let run_start = (self.clock)();
        let order = self.source.order();
        let mut run = Run::<S::Cursor> {
            report: RunReport::default(),
            started: Instant::now(),
            stored: None,
            committed: None,
            last_seen: None,
            marker: None,
        };
        let result = self.drive(&mut run, order, run_start).await;
        run.report.elapsed = run.started.elapsed();
        let phase = if result.is_ok() {
            Phase::Finished
        } else {
            Phase::Failed
        };
        self.publish(&run, phase);
        match result {
            Ok(()) => {
                tracing::info!(
                    seen = run.report.seen,
                    delivered = run.report.delivered,
                    dead_lettered = run.report.dead_lettered,
                    "run finished"
                );
                Ok(run.report)
            }
            Err(kind) => {
                let error = self.redactor.text(&kind.to_string());
                tracing::warn!(%error, "run stopped");
                Err(RunError {
                    kind,
                    report: run.report,
                })
            }
        }
    }

    async fn drive(
        &mut self,
        run: &mut Run<S::Cursor>,
        order: SourceOrder,
        run_start: DateTime<Utc>,
    ) -> Result<(), RunErrorKind> {
        run.stored = self
            .watermarks
            .load(&self.stream)
            .await
            .map_err(RunErrorKind::Store)?;
        run.committed = run.stored.as_deref().map(S::Cursor::decode).transpose()?;
        run.report.watermark_before = run.stored.clone();
        run.report.watermark_after = run.stored.clone();
        self.publish(run, Phase::Running);

        let start_after = match order {
            SourceOrder::Sorted => run.committed.clone(),
            SourceOrder::Unsorted { lookback, .. } => run.committed.as_ref().map(|c| {
                c.as_time()
                    .and_then(|t| S::Cursor::from_time(t - to_chrono(lookback)))
                    .unwrap_or_else(|| c.clone())
            }),
        };
        self.source
            .start(start_after)
            .await
            .map_err(RunErrorKind::Source)?;

        loop {
            let batch = match self
                .source
                .next_batch()
                .await
                .map_err(RunErrorKind::Source)?
            {
                Some(batch) => batch,
                None => break,
            };
            if batch.is_empty() {
                continue;
            }
            run.report.seen += batch.len() as u64;
            run.report.batches += 1;
            if order == SourceOrder::Sorted {
                check_sorted(&batch, run.last_seen.as_ref())?;
            }
            let outcome = self.deliver_batch(&batch, &mut run.report).await?;

            if let Some(max) = outcome.max_done
                && run.marker.as_ref().is_none_or(|m| max > *m)
            {
                run.marker = Some(max);
            }
            if order == SourceOrder::Sorted {
                // Every record below `bound` is done. The bound itself is excluded even when
                // finished: later records may share its cursor, and a read "after" it would
                // skip them.
                let last = batch.last().map(|r| r.cursor.clone());
                let bound = outcome.first_unfinished.clone().or(last.clone());
                if let Some(bound) = bound {
                    let candidate = largest_below(&batch, &bound)
                        .or_else(|| run.last_seen.clone().filter(|prev| *prev < bound));
                    if let Some(candidate) = candidate {
                        self.commit(run, candidate).await?;
                    }
                }
                run.last_seen = last;
            }
            self.publish(run, Phase::Running);
            if let Some(stop) = outcome.unfinished {
                return Err(stop);
            }
        }

        match order {
            SourceOrder::Sorted => {
                if let Some(last) = run.last_seen.clone() {
                    self.commit(run, last).await?;
                }
            }
            SourceOrder::Unsorted { clock_skew, .. } => {
                if let Some(marker) = run.marker.clone() {
                    let cap = S::Cursor::from_time(run_start - to_chrono(clock_skew));
                    let target = match cap {
                        Some(cap) if cap < marker => cap,
                        _ => marker,
                    };
                    self.commit(run, target).await?;
                }
            }
        }
        Ok(())
    }

    /// Deliver one batch: retry what the sink defers, dead-letter what it rejects.
    /// `&mut self`: a `&Pipeline` held across an await would need the source to be `Sync`,
    /// and sources that hold a boxed stream are `Send` only.
    async fn deliver_batch(
        &mut self,
        batch: &[SourceRecord<S::Record, S::Cursor>],
        report: &mut RunReport,
    ) -> Result<BatchOutcome<S::Cursor>, RunErrorKind> {
        // Indices of records not yet finished, with their last failure.
        let mut pending: Vec<usize> = (0..batch.len()).collect();
        let mut reasons: Vec<(String, Option<Duration>)> = Vec::new();
        let mut max_done: Option<&S::Cursor> = None;
        let started = Instant::now();
        let mut attempts = 0u32;

        loop {
            attempts += 1;
            if attempts > 1 {
                report.retries += 1;
            }
            let records: Vec<SinkRecord<'_, S::Record>> = pending
                .iter()
                .map(|&i| SinkRecord {
                    key: &batch[i].key,
                    data: &batch[i].data,
                })
                .collect();
            let written =
                match tokio::time::timeout(self.sink_timeout, self.sink.write(&records)).await {
                    Ok(written) => written,
                    Err(_elapsed) => Err(StageError::transient(format!(
                        "the sink did not answer within {:?} (PipelineBuilder::sink_timeout)",
                        self.sink_timeout
                    ))),
                };
            let acks = match written {
                Ok(acks) if acks.len() == records.len() => acks,
                Ok(acks) => {
                    return Err(RunErrorKind::SinkContract {
                        expected: records.len(),
                        got: acks.len(),
                    });
                }
                Err(error) => match error.verdict() {
                    Verdict::Permanent(PermanentKind::Config) => {
                        return Err(RunErrorKind::Sink(error));
                    }
                    Verdict::Permanent(_) => {
                        let reason = format!("sink rejected the batch: {error}");
                        vec![Ack::rejected(reason); records.len()]
                    }
                    verdict => {
                        let ack = Ack::RetryLater {
                            reason: error.to_string(),
                            after: verdict.after(),
                        };
                        vec![ack; records.len()]
                    }
                },
            };
            drop(records);

            let mut still_pending = Vec::new();
            reasons.clear();
            for (&i, ack) in pending.iter().zip(acks) {
                let record = &batch[i];
                match ack {
                    Ack::Delivered => {
                        report.delivered += 1;
                        bump(&mut max_done, &record.cursor);
                    }
                    Ack::Rejected { reason, response } => {
                        self.dead_letter(record, reason, response, attempts).await?;
                        report.dead_lettered += 1;
                        bump(&mut max_done, &record.cursor);
                    }
                    Ack::RetryLater { reason, after } => {
                        still_pending.push(i);
                        reasons.push((reason, after));
                    }
                }
            }
            pending = still_pending;
            if pending.is_empty() {
                return Ok(BatchOutcome {
                    max_done: max_done.cloned(),
                    first_unfinished: None,
                    unfinished: None,
                });
            }

            let after = reasons.iter().filter_map(|(_, a)| *a).max();
            let state = RetryState {
                attempts,
                elapsed: started.elapsed(),
            };
            match self.retry.decide(&Verdict::Retry { after }, state) {
                RetryDecision::RetryAfter(wait) => {
                    tracing::debug!(
                        pending = pending.len(),
                        wait_ms = wait.as_millis() as u64,
                        "retrying"
                    );
                    tokio::time::sleep(wait).await;
                }
                RetryDecision::GiveUp(why) => match self.on_exhausted {
                    OnExhausted::DeadLetter => {
                        for (&i, (reason, _)) in pending.iter().zip(&reasons) {
                            let reason = format!("{why} after {attempts} attempts: {reason}");
                            self.dead_letter(&batch[i], reason, None, attempts).await?;
                            report.dead_lettered += 1;
                            bump(&mut max_done, &batch[i].cursor);
                        }
                        return Ok(BatchOutcome {
                            max_done: max_done.cloned(),
                            first_unfinished: None,
                            unfinished: None,
                        });
                    }
                    OnExhausted::Halt => {
                        let first_unfinished =
                            pending.iter().map(|&i| &batch[i].cursor).min().cloned();
                        let first = pending[0];
                        return Ok(BatchOutcome {
                            max_done: None,
                            first_unfinished,
                            unfinished: Some(RunErrorKind::RetriesExhausted {
                                keys: pending.iter().map(|&i| batch[i].key.clone()).collect(),
                                first_key: batch[first].key.clone(),
                                reason: self.redactor.text(&reasons[0].0),
                                attempts,
                            }),
                        });
                    }
                },
            }
        }
    }

    async fn dead_letter(
        &mut self,
        record: &SourceRecord<S::Record, S::Cursor>,
        reason: String,
        last_response: Option<String>,
        attempts: u32,
    ) -> Result<(), RunErrorKind> {
        let payload =
            serde_json::to_value(&record.data).map_err(|source| RunErrorKind::Serialize {
                key: record.key.clone(),
                source,
            })?;
        // Sinks should have redacted already; this is the last chance before the store.
        let reason = self.redactor.text(&reason);
        let last_response = last_response.map(|r| self.redactor.document(&r));
        tracing::warn!(key = %record.key, %reason, "dead-lettering record");
        self.dead_letters
            .put(NewDeadLetter {
                stream: self.stream.clone(),
                record_key: record.key.clone(),
                payload,
                reason,
                last_response,
                attempts,
            })
            .await
            .map_err(RunErrorKind::Store)?;
        Ok(())
    }

    /// Compare-and-set the watermark forward to `target` (never backwards).
    async fn commit(
        &mut self,
        run: &mut Run<S::Cursor>,
        target: S::Cursor,
    ) -> Result<(), RunErrorKind> {
        if run.committed.as_ref().is_some_and(|c| *c >= target) {
            return Ok(());
        }
        let encoded = target.encode();
        let swapped = self
            .watermarks
            .compare_and_set(&self.stream, run.stored.as_deref(), &encoded)
            .await
            .map_err(RunErrorKind::Store)?;
        if !swapped {
            return Err(RunErrorKind::WatermarkConflict {
                stream: self.stream.clone(),
                expected: run.stored.clone(),
            });
        }
        tracing::debug!(watermark = %encoded, "committed");
        run.report.watermark_after = Some(encoded.clone());
        run.stored = Some(encoded);
        run.committed = Some(target);
        Ok(())
    }

    fn publish(&self, run: &Run<S::Cursor>, phase: Phase) {
        let r = &run.report;
        self.progress.send_replace(Progress {
            phase,
            seen: r.seen,
            delivered: r.delivered,
            dead_lettered: r.dead_lettered,
            retries: r.retries,
            batches: r.batches,
            elapsed: run.started.elapsed(),
            watermark: r.watermark_after.clone(),
        });
    }
}

fn bump<'a, C: Ord>(max: &mut Option<&'a C>, cursor: &'a C) {
    if max.is_none_or(|m| cursor > m) {
        *max = Some(cursor);
    }
}

/// The largest cursor in `batch` strictly below `bound`.
fn largest_below<R, C: Ord + Clone>(batch: &[SourceRecord<R, C>], bound: &C) -> Option<C> {
    batch
        .iter()
        .rev()
        .map(|r| &r.cursor)
        .find(|c| *c < bound)
        .cloned()
}

fn check_sorted<R, C: Cursor>(
    batch: &[SourceRecord<R, C>],
    previous: Option<&C>,
) -> Result<(), RunErrorKind> {
    let mut prev = previous;
    for record in batch {
        if let Some(p) = prev
            && record.cursor < *p
        {
            return Err(RunErrorKind::SortViolation {
                key: record.key.clone(),
                cursor: record.cursor.encode(),
                previous: p.encode(),
            });
        }
        prev = Some(&record.cursor);
    }
    Ok(())
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}
