//! Adding, removing and replacing the people of an audience: rows are normalized, hashed and
//! sent in batches of at most 10,000 within one session, from an iterator or a stream, holding
//! at most one batch in memory.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use futures_core::Stream;
use futures_util::StreamExt;
use sync_core::http::reqwest::Method;
use tokio::time::Instant;

use crate::audiences::AudienceRef;
use crate::client::Body;
use crate::error::Error;
use crate::models::{InvalidSample, UploadResponse};
use crate::normalize::{FieldRejection, HashedRow, Normalizer, RejectReason};
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
    /// `DELETE /{id}/users`: remove these people (`payload` and `session` sent as form
    /// parameters, as Meta's examples do).
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
        if self.batch_rows == self.upload.batch_size {
            // Only now do we know the full batch is not the last one.
            self.send(false).await?;
        }
        if self.batch_rows > 0 {
            self.batch.push(',');
        }
        self.append_row(row);
        self.batch_rows += 1;
        Ok(())
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

    fn append_row(&mut self, row: &HashedRow) {
        self.batch.push('[');
        for (i, (key, cell)) in self
            .upload
            .schema
            .keys()
            .iter()
            .zip(row.cells())
            .enumerate()
        {
            if i > 0 {
                self.batch.push(',');
            }
            match key {
                // A number, not a string: Meta reads customer values as numbers.
                SchemaKey::LookalikeValue if !cell.is_empty() => self.batch.push_str(cell),
                // Free text: escape it.
                SchemaKey::ExternId => {
                    let _ = write!(self.batch, "{}", serde_json::Value::String(cell.clone()));
                }
                // Hex digests, advertiser ids and empty cells need no escaping.
                _ => {
                    self.batch.push('"');
                    self.batch.push_str(cell);
                    self.batch.push('"');
                }
            }
        }
        self.batch.push(']');
    }

    async fn send(&mut self, last: bool) -> Result<(), Error> {
        let mode = self.upload.mode;
        let batch_seq = self.report.batches + 1;
        let session_id = self.report.session_id;
        if mode == UploadMode::Replace {
            let window = self.upload.audience.client().replace_window();
            match self.started {
                Some(t) if t.elapsed() >= window => {
                    return Err(Error::ReplaceWindowExpired {
                        session_id,
                        batch_seq,
                        elapsed: t.elapsed(),
                    });
                }
                Some(_) => {}
                None => self.started = Some(Instant::now()),
            }
        }
        let mut session = String::with_capacity(128);
        let _ = write!(
            session,
            r#"{{"session_id":{session_id},"batch_seq":{batch_seq},"last_batch_flag":{last}"#
        );
        if let Some(total) = self.upload.estimated_total {
            let _ = write!(session, r#","estimated_num_total":{total}"#);
        }
        session.push('}');
        let mut payload = String::with_capacity(self.batch.len() + 128);
        payload.push_str(r#"{"schema":"#);
        payload.push_str(&serde_json::to_string(&self.upload.schema).unwrap_or_default());
        payload.push_str(r#","data":["#);
        payload.push_str(&self.batch);
        payload.push_str("]}");
        let body = match mode {
            // Meta documents removal as `DELETE` with `payload` (and `session`) as form
            // parameters holding JSON; a JSON body on a DELETE is not documented anywhere.
            UploadMode::Remove => Body::Form(
                url::form_urlencoded::Serializer::new(String::with_capacity(
                    payload.len() * 3 / 2 + session.len() * 2,
                ))
                .append_pair("session", &session)
                .append_pair("payload", &payload)
                .finish(),
            ),
            _ => Body::Json(format!(r#"{{"session":{session},"payload":{payload}}}"#)),
        };

        let path = format!("{}/{}", self.upload.audience.id(), mode.edge());
        tracing::debug!(
            session_id,
            batch_seq,
            rows = self.batch_rows,
            last,
            "sending batch"
        );
        // Adding or removing the same people twice changes nothing, so the batch is safe to
        // resend after a transport error.
        let result: Result<UploadResponse, Error> = self
            .upload
            .audience
            .client()
            .call(
                mode.operation(),
                mode.method(),
                &path,
                &[],
                Some(body),
                true,
            )
            .await;
        let response = result.map_err(|e| match e {
            Error::Graph { graph, .. } if graph.replace_failure().is_some() => {
                Error::ReplaceSession {
                    session_id,
                    batch_seq,
                    failure: graph
                        .replace_failure()
                        .unwrap_or(crate::error::ReplaceFailure::Other),
                    graph,
                }
            }
            other => other,
        })?;
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
        Ok(())
    }
}
