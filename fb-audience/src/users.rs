//! Adding, removing and replacing the people of an audience: rows are normalized, hashed and
//! sent in batches of at most 10,000 within one session, from an iterator or a stream, holding
//! at most one batch in memory.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use futures_core::Stream;
use futures_util::StreamExt;
use sync_core::http::ApiRequest;
use sync_core::http::reqwest::Method;
use tokio::time::Instant;

use crate::audiences::AudienceRef;
use crate::error::Error;
use crate::error::ReplaceFailure;
use crate::models::{InvalidSample, UploadResponse};
use crate::normalize::{FieldRejection, HashedRow, Normalizer, RejectReason};
use crate::removal_url::{MAX_REMOVAL_URL_BYTES, encoded_len};
use crate::replace_resend::ReplaceAttempts;
use crate::schema::{Schema, SchemaKey};

/// Meta's limit on rows per request.
pub const MAX_BATCH_ROWS: usize = 10_000;
/// Meta returns at most this many invalid-entry samples per batch; we keep as many in total.
const MAX_SAMPLES: usize = 100;

/// What an upload does to the audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UploadMode {
    /// `POST /{id}/users`: add these people.
    Add,
    /// `DELETE /{id}/users`: remove these people. `payload` and `session` travel in the query
    /// string, as Meta's Python and Node SDKs send them, in batches whose URL stays under
    /// [`MAX_REMOVAL_URL_BYTES`] (see [`removal_url`](crate::removal_url)).
    Remove,
    /// `POST /{id}/usersreplace`: the audience becomes exactly these people.
    Replace,
}

impl UploadMode {
    fn operation(self) -> &'static str {
        match self {
            UploadMode::Add => "users.add",
            UploadMode::Remove => "users.remove",
            UploadMode::Replace => "users.replace",
        }
    }

    fn method(self) -> Method {
        match self {
            UploadMode::Remove => Method::DELETE,
            _ => Method::POST,
        }
    }

    fn edge(self) -> &'static str {
        match self {
            UploadMode::Replace => "usersreplace",
            _ => "users",
        }
    }
}

/// A row that was not uploaded as read: skipped entirely, or uploaded without some values.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RowRejection {
    /// 1-based position of the row in the input.
    pub row: u64,
    /// `false` when the whole row was skipped.
    pub uploaded: bool,
    /// The values left out and why (empty values are not listed here).
    pub fields: Vec<FieldRejection>,
}

/// Counts and examples of values left out by normalization.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RejectionSummary {
    /// How many values of each key were left out, by reason code (`"invalid_email"`, …),
    /// empty values included (`"empty"`).
    pub counts: BTreeMap<(SchemaKey, &'static str), u64>,
    /// The first rows with a rejected (non-empty) value or that were skipped.
    pub samples: Vec<RowRejection>,
}

/// What an upload did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadReport {
    /// The session.
    pub session_id: i64,
    /// Add, remove or replace.
    pub mode: UploadMode,
    /// Rows read from the input.
    pub rows_read: u64,
    /// Rows sent to Meta.
    pub rows_sent: u64,
    /// Rows not sent because nothing identifying survived normalization.
    pub rows_skipped: u64,
    /// Requests sent.
    pub batches: u32,
    /// Meta's count of rows received in the session (its latest answer).
    pub num_received: i64,
    /// Meta's count of rows it could not use, summed over batches (Meta calls it approximate).
    pub num_invalid_entries: i64,
    /// Meta's examples of unusable rows (at most 100).
    pub invalid_entry_samples: Vec<InvalidSample>,
    /// What normalization left out.
    pub rejections: RejectionSummary,
}

/// An upload to configure, then [`run`](Upload::run) over rows or [`start`](Upload::start)
/// and feed row by row.
#[derive(Debug)]
pub struct Upload {
    audience: AudienceRef,
    mode: UploadMode,
    schema: Schema,
    normalizer: Normalizer,
    batch_size: usize,
    session_id: Option<i64>,
    estimated_total: Option<u64>,
    sample_limit: usize,
}

impl Upload {
    pub(crate) fn new(
        audience: AudienceRef,
        mode: UploadMode,
        schema: Schema,
        normalizer: Normalizer,
    ) -> Upload {
        Upload {
            audience,
            mode,
            schema,
            normalizer,
            batch_size: MAX_BATCH_ROWS,
            session_id: None,
            estimated_total: None,
            sample_limit: 100,
        }
    }

    /// Rows per request, 1 to 10,000 (default 10,000).
    pub fn batch_size(mut self, rows: usize) -> Self {
        self.batch_size = rows.clamp(1, MAX_BATCH_ROWS);
        self
    }

    /// The session id (a positive number unique within the ad account). Default: random.
    pub fn session_id(mut self, id: i64) -> Self {
        self.session_id = Some(id.max(1));
        self
    }

    /// The expected number of rows, sent as `estimated_num_total` so Meta can plan.
    pub fn estimated_total(mut self, rows: u64) -> Self {
        self.estimated_total = Some(rows);
        self
    }

    /// How many rejected rows to keep as examples in the report (default 100).
    pub fn rejection_samples(mut self, rows: usize) -> Self {
        self.sample_limit = rows;
        self
    }

    /// Starts the session; nothing is sent until the first batch is full or
    /// [`finish`](UploadSession::finish) is called.
    pub fn start(self) -> UploadSession {
        let session_id = self
            .session_id
            .unwrap_or_else(|| fastrand::i64(1..i64::MAX));
        UploadSession {
            report: UploadReport {
                session_id,
                mode: self.mode,
                rows_read: 0,
                rows_sent: 0,
                rows_skipped: 0,
                batches: 0,
                num_received: 0,
                num_invalid_entries: 0,
                invalid_entry_samples: Vec::new(),
                rejections: RejectionSummary::default(),
            },
            batch: String::new(),
            batch_rows: 0,
            batch_url_bytes: 0,
            removal_url_room: None,
            encoded_row: String::new(),
            row: HashedRow::default(),
            started: None,
            upload: self,
        }
    }

    /// Uploads every row of `rows` (each a slice of values in schema order).
    pub async fn run<I, R, S>(self, rows: I) -> Result<UploadReport, Error>
    where
        I: IntoIterator<Item = R>,
        R: AsRef<[S]>,
        S: AsRef<str>,
    {
        let mut session = self.start();
        for row in rows {
            session.push(row.as_ref()).await?;
        }
        session.finish().await
    }

    /// Uploads every row of a stream, reading it only as fast as batches are sent.
    pub async fn run_stream<St, R, S>(self, rows: St) -> Result<UploadReport, Error>
    where
        St: Stream<Item = R>,
        R: AsRef<[S]>,
        S: AsRef<str>,
    {
        let mut session = self.start();
        let mut rows = std::pin::pin!(rows);
        while let Some(row) = rows.next().await {
            session.push(row.as_ref()).await?;
        }
        session.finish().await
    }
}

/// A running upload session.
#[derive(Debug)]
pub struct UploadSession {
    upload: Upload,
    report: UploadReport,
    /// The JSON rows of the batch being filled, comma-separated.
    batch: String,
    batch_rows: usize,
    /// Removals only: the batch's length once form-urlencoded into the query string.
    batch_url_bytes: usize,
    /// Removals only: how many bytes of the URL the rows may take (computed once).
    removal_url_room: Option<usize>,
    /// The row being queued, as JSON.
    encoded_row: String,
    row: HashedRow,
    started: Option<Instant>,
}

impl UploadSession {
    /// The session id.
    pub fn session_id(&self) -> i64 {
        self.report.session_id
    }

    /// The report so far.
    pub fn report(&self) -> &UploadReport {
        &self.report
    }

    /// Normalizes, hashes and queues one row; sends the queued batch first when it is full.
    pub async fn push<S: AsRef<str>>(&mut self, values: &[S]) -> Result<(), Error> {
        let mut row = std::mem::take(&mut self.row);
        self.upload
            .normalizer
            .hash_row_into(&self.upload.schema, values, &mut row);
        let result = self.push_hashed(&row).await;
        self.row = row;
        result
    }

    /// Queues a row that is already normalized and hashed.
    pub(crate) async fn push_hashed(&mut self, row: &HashedRow) -> Result<(), Error> {
        self.report.rows_read += 1;
        self.record_rejections(row);
        if !row.is_usable() {
            self.report.rows_skipped += 1;
            return Ok(());
        }
        let mut encoded = std::mem::take(&mut self.encoded_row);
        encoded.clear();
        encode_row(&self.upload.schema, row, &mut encoded);
        let full = self.batch_rows == self.upload.batch_size
            || (self.batch_rows > 0 && !self.url_has_room_for(&encoded)?);
        if full {
            // Only now do we know the full batch is not the last one.
            if let Err(e) = self.send(false).await {
                self.encoded_row = encoded;
                return Err(e);
            }
        }
        if self.batch_rows > 0 {
            self.batch.push(',');
            self.batch_url_bytes += encoded_len(",");
        }
        self.batch.push_str(&encoded);
        self.batch_url_bytes += encoded_len(&encoded);
        self.batch_rows += 1;
        self.encoded_row = encoded;
        Ok(())
    }

    /// Whether the URL of a removal still has room for `row` (always `true` for add and
    /// replace, whose rows travel in the body).
    fn url_has_room_for(&mut self, row: &str) -> Result<bool, Error> {
        if self.upload.mode != UploadMode::Remove {
            return Ok(true);
        }
        let room = match self.removal_url_room {
            Some(room) => room,
            None => {
                // The URL of an empty batch with the longest session this upload can send.
                let session = self.session_json(u32::MAX, false);
                let payload = self.payload_json("");
                let empty = self.upload.audience.client().api().vendor().url_len(
                    &self.path(),
                    &[("session", &session), ("payload", &payload)],
                )?;
                let room = MAX_REMOVAL_URL_BYTES.saturating_sub(empty);
                self.removal_url_room = Some(room);
                room
            }
        };
        Ok(self.batch_url_bytes + encoded_len(",") + encoded_len(row) <= room)
    }

    /// Sends the last batch (with `last_batch_flag`) and returns the report. An upload in
    /// which no row survived normalization sends nothing: [`Error::NothingToUpload`] for a
    /// replace (it would empty the audience), an empty report otherwise.
    pub async fn finish(mut self) -> Result<UploadReport, Error> {
        if self.batch_rows > 0 {
            self.send(true).await?;
        } else if self.report.batches == 0 && self.upload.mode == UploadMode::Replace {
            return Err(Error::NothingToUpload {
                rows: self.report.rows_read,
            });
        }
        Ok(self.report)
    }

    fn record_rejections(&mut self, row: &HashedRow) {
        let mut noteworthy = Vec::new();
        for r in row.rejections() {
            *self
                .report
                .rejections
                .counts
                .entry((r.key, r.reason.code()))
                .or_default() += 1;
            if r.reason != RejectReason::Empty {
                noteworthy.push(r.clone());
            }
        }
        let samples = &mut self.report.rejections.samples;
        if (!noteworthy.is_empty() || !row.is_usable()) && samples.len() < self.upload.sample_limit
        {
            samples.push(RowRejection {
                row: self.report.rows_read,
                uploaded: row.is_usable(),
                fields: noteworthy,
            });
        }
    }

    /// `/{audience}/users` or `/{audience}/usersreplace`.
    fn path(&self) -> String {
        format!("{}/{}", self.upload.audience.id(), self.upload.mode.edge())
    }

    /// The `session` parameter of batch `batch_seq`.
    fn session_json(&self, batch_seq: u32, last: bool) -> String {
        let session_id = self.report.session_id;
        let mut session = String::with_capacity(128);
        let _ = write!(
            session,
            r#"{{"session_id":{session_id},"batch_seq":{batch_seq},"last_batch_flag":{last}"#
        );
        if let Some(total) = self.upload.estimated_total {
            let _ = write!(session, r#","estimated_num_total":{total}"#);
        }
        session.push('}');
        session
    }

    /// The `payload` parameter holding `rows` (JSON arrays, comma-separated).
    fn payload_json(&self, rows: &str) -> String {
        let mut payload = String::with_capacity(rows.len() + 128);
        payload.push_str(r#"{"schema":"#);
        payload.push_str(&serde_json::to_string(&self.upload.schema).unwrap_or_default());
        payload.push_str(r#","data":["#);
        payload.push_str(rows);
        payload.push_str("]}");
        payload
    }

    async fn send(&mut self, last: bool) -> Result<(), Error> {
        let mode = self.upload.mode;
        let batch_seq = self.report.batches + 1;
        let session_id = self.report.session_id;
        // Replace only: the attempts at this batch must start before Meta's window closes.
        let mut replace = None;
        if mode == UploadMode::Replace {
            let window = self.upload.audience.client().replace_window();
            let started = *self.started.get_or_insert_with(Instant::now);
            if started.elapsed() >= window {
                return Err(Error::ReplaceWindowExpired {
                    session_id,
                    batch_seq,
                    elapsed: started.elapsed(),
                });
            }
            replace = Some(ReplaceAttempts::new(started + window));
        }
        // Encoded once: every attempt at this batch carries the same session and rows.
        let session = self.session_json(batch_seq, last);
        let payload = self.payload_json(&self.batch);
        let request =
            ApiRequest::<UploadResponse>::new(mode.operation(), mode.method(), self.path());
        let request = match mode {
            // As Meta's Python and Node SDKs send a DELETE: parameters in the query string.
            UploadMode::Remove => request.query("session", session).query("payload", payload),
            // Sent as encoded above (both parts are serde_json output), without a re-parse.
            _ => request.json_bytes(format!(r#"{{"session":{session},"payload":{payload}}}"#)),
        };
        tracing::debug!(
            session_id,
            batch_seq,
            rows = self.batch_rows,
            last,
            "sending batch"
        );
        // Adding or removing the same people twice changes nothing, and a replace batch sent
        // twice in its session names no one new, so a batch is safe to resend after a
        // transport error (a replace batch only within its window).
        let request = request.idempotent(true);
        let call = self.upload.audience.client().api().send(request);
        let result = match &replace {
            Some(attempts) => attempts.scope(call).await,
            None => call.await,
        };
        let response = match result {
            Ok(response) => response,
            Err(e) => match self.replace_error(e, batch_seq, last, replace.as_deref()) {
                Ok(()) => UploadResponse::empty(),
                Err(e) => return Err(e),
            },
        };
        self.report.batches = batch_seq;
        self.report.rows_sent += self.batch_rows as u64;
        self.report.num_received = self.report.num_received.max(response.num_received);
        self.report.num_invalid_entries += response.num_invalid_entries;
        let room = MAX_SAMPLES.saturating_sub(self.report.invalid_entry_samples.len());
        self.report
            .invalid_entry_samples
            .extend(response.invalid_entry_samples.into_iter().take(room));
        self.batch.clear();
        self.batch_rows = 0;
        self.batch_url_bytes = 0;
        Ok(())
    }

    /// What a failed batch means. `Ok` only in one case: the resent last batch of a replace
    /// found the session finished, which the earlier attempt (whose answer was lost) did.
    fn replace_error(
        &self,
        e: Error,
        batch_seq: u32,
        last: bool,
        replace: Option<&ReplaceAttempts>,
    ) -> Result<(), Error> {
        let session_id = self.report.session_id;
        let Some(attempts) = replace else {
            return Err(e);
        };
        match e {
            Error::Api { body: graph, .. } if graph.replace_failure().is_some() => {
                let failure = graph.replace_failure().unwrap_or(ReplaceFailure::Other);
                if failure == ReplaceFailure::AlreadyFinished && last && attempts.resent() {
                    tracing::info!(
                        session_id,
                        batch_seq,
                        "the last batch was resent and Meta says the session already finished: \
                         the first attempt reached Meta"
                    );
                    return Ok(());
                }
                Err(Error::ReplaceSession {
                    session_id,
                    batch_seq,
                    failure,
                    graph,
                })
            }
            other if attempts.refused_late() => Err(Error::ReplaceResendTooLate {
                session_id,
                batch_seq,
                source: Box::new(other),
            }),
            other => Err(other),
        }
    }
}

/// Appends `row` to `out` as a JSON array in schema order.
fn encode_row(schema: &Schema, row: &HashedRow, out: &mut String) {
    out.push('[');
    for (i, (key, cell)) in schema.keys().iter().zip(row.cells()).enumerate() {
        if i > 0 {
            out.push(',');
        }
        match key {
            // A number, not a string: Meta reads customer values as numbers.
            SchemaKey::LookalikeValue if !cell.is_empty() => out.push_str(cell),
            // Free text: escape it.
            SchemaKey::ExternId => {
                let _ = write!(out, "{}", serde_json::Value::String(cell.clone()));
            }
            // Hex digests, advertiser ids and empty cells need no escaping.
            _ => {
                out.push('"');
                out.push_str(cell);
                out.push('"');
            }
        }
    }
    out.push(']');
}
