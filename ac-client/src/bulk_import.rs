//! The bulk contact importer: queue up to 250 contacts per request, then follow the batch.
//!
//! It is the fast path for large syncs: 5,000 contacts take 20 requests instead of 5,000+.
//! ActiveCampaign recommends it only for batches of more than 10 contacts, and limits it to
//! 100 multi-contact requests (20 single-contact requests) per minute on top of the account's
//! 5 requests per second; this module keeps both limits (see [`rate_limit`](crate::rate_limit)).

use std::time::Duration;

use sync_core::Classify;
use sync_core::http::{ApiRequest, RequestBody};
use tokio::time::Instant;

use crate::client::Client;
use crate::email::check_email;
use crate::error::{Error, Result};
use crate::models::bulk_import::{MAX_CONTACTS_PER_IMPORT, MAX_IMPORT_PAYLOAD_BYTES};
use crate::models::{
    BulkContact, BulkImportAccepted, BulkImportInfo, BulkImportRequest, BulkImportStatusList,
};
use crate::rate_limit::BULK_THROTTLE_WAIT;

/// How many times one import is sent while the importer answers "Rate limit exceeded." before
/// the error (retryable, [`Verdict::RateLimited`](sync_core::Verdict::RateLimited)) is returned.
pub const MAX_THROTTLED_ATTEMPTS: u32 = 5;

/// How [`BulkImports::wait`] polls a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollOptions {
    /// Wait this long after the import before the first status request. ActiveCampaign answers
    /// `status: false` for about a second after an import.
    pub initial_delay: Duration,
    /// Between status requests while the batch is not finished.
    pub interval: Duration,
    /// Give up (with [`Error::ImportTimedOut`]) after this long.
    pub timeout: Duration,
}

impl Default for PollOptions {
    /// 1 s, then every 2 s, for at most 10 minutes.
    fn default() -> Self {
        PollOptions {
            initial_delay: Duration::from_secs(1),
            interval: Duration::from_secs(2),
            timeout: Duration::from_secs(600),
        }
    }
}

fn encoded_len(contact: &BulkContact) -> usize {
    serde_json::to_vec(contact).map(|v| v.len()).unwrap_or(0) + 1
}

/// Room for the request's wrapper (`{"contacts":[…],"exclude_automations":true}` and a callback).
const WRAPPER_ALLOWANCE: usize = 2_048;

/// Split contacts into import-sized groups: at most `max_per_import` (capped at 250) each, and
/// under the payload limit. Order is kept.
///
/// ```
/// use ac_client::bulk_import::chunk_contacts;
/// use ac_client::BulkContact;
/// let contacts: Vec<_> = (0..600)
///     .map(|i| BulkContact { email: format!("c{i}@example.test"), ..Default::default() })
///     .collect();
/// let sizes: Vec<usize> = chunk_contacts(contacts, 250).iter().map(Vec::len).collect();
/// assert_eq!(sizes, vec![250, 250, 100]);
/// ```
pub fn chunk_contacts(contacts: Vec<BulkContact>, max_per_import: usize) -> Vec<Vec<BulkContact>> {
    chunk_by(contacts, max_per_import, |c| c)
}

/// [`chunk_contacts`] over anything that carries a [`BulkContact`].
pub(crate) fn chunk_by<T>(
    items: Vec<T>,
    max_per_import: usize,
    contact: impl Fn(&T) -> &BulkContact,
) -> Vec<Vec<T>> {
    let per = max_per_import.clamp(1, MAX_CONTACTS_PER_IMPORT);
    let budget = MAX_IMPORT_PAYLOAD_BYTES - WRAPPER_ALLOWANCE;
    let mut chunks = Vec::new();
    let mut current = Vec::new();
    let mut bytes = 0;
    for item in items {
        let len = encoded_len(contact(&item));
        if !current.is_empty() && (current.len() == per || bytes + len > budget) {
            chunks.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += len;
        current.push(item);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

/// Bulk import requests. Get it from [`Client::bulk_import`].
#[derive(Debug, Clone, Copy)]
pub struct BulkImports<'c> {
    client: &'c Client,
}

impl<'c> BulkImports<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        BulkImports { client }
    }

    /// Queue an import (`POST /import/bulk_import`). The contacts are not processed yet: follow
    /// the returned batch with [`info`](Self::info) or [`wait`](Self::wait).
    ///
    /// Waits as needed for the bulk importer's per-minute limits as well as the account's rate.
    /// Repeating an import is harmless (contacts are upserted by email), so it is retried after
    /// timeouts like any idempotent request.
    ///
    /// The importer answers its own throttling with HTTP 400 `"Rate limit exceeded."` (not 429):
    /// that pauses every import of the account for the wait (`Retry-After`, else
    /// [`ClientBuilder::bulk_throttle_wait`](crate::ClientBuilder::bulk_throttle_wait)) and
    /// sends the same request again, up to [`MAX_THROTTLED_ATTEMPTS`] times.
    ///
    /// ```
    /// # use wiremock::{Mock, MockServer, ResponseTemplate, matchers::{method, path, query_param}};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ac_client::Error> {
    /// # let server = MockServer::start().await;
    /// # Mock::given(method("POST")).and(path("/api/3/import/bulk_import"))
    /// #     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
    /// #         "success": 1, "queued_contacts": 2, "batchId": "b-1"})))
    /// #     .mount(&server).await;
    /// # Mock::given(method("GET")).and(path("/api/3/import/info")).and(query_param("batchId", "b-1"))
    /// #     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
    /// #         "status": "completed", "success": ["123"], "failure": ["not-an-address@example"]})))
    /// #     .mount(&server).await;
    /// # let client = ac_client::Client::builder(server.uri())
    /// #     .credentials(ac_client::ApiToken::new("my-key")).build()?;
    /// use std::time::Duration;
    /// use ac_client::bulk_import::PollOptions;
    /// use ac_client::{BulkContact, BulkImportRequest, BulkImportStatus};
    ///
    /// let contact = |email: &str| BulkContact { email: email.into(), ..Default::default() };
    /// let request = BulkImportRequest {
    ///     contacts: vec![contact("ada@example.com"), contact("not-an-address@example")],
    ///     ..Default::default()
    /// };
    /// let accepted = client.bulk_import().import(&request).await?;
    /// let poll = PollOptions { initial_delay: Duration::ZERO, ..PollOptions::default() };
    /// let info = client.bulk_import().wait(&accepted.batch_id, poll).await?;
    /// assert_eq!(info.status, BulkImportStatus::Completed);
    /// assert!(info.failed("not-an-address@example"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty or oversized request or a contact without a usable
    /// email (checked before sending, naming the contact); [`Error::Api`] when ActiveCampaign
    /// refuses the request (a 400 carries its `failureReasons`, see
    /// [`ApiErrorBody::failed_contacts`](crate::ApiErrorBody::failed_contacts)); a throttling
    /// answer that persists is returned as a retryable error ([`Error::is_bulk_throttle`]).
    pub async fn import(&self, request: &BulkImportRequest) -> Result<BulkImportAccepted> {
        if request.contacts.is_empty() {
            return Err(Error::InvalidInput {
                field: "contacts",
                message: "a bulk import needs at least one contact".into(),
            });
        }
        if request.contacts.len() > MAX_CONTACTS_PER_IMPORT {
            return Err(Error::InvalidInput {
                field: "contacts",
                message: format!(
                    "{} contacts in one import; ActiveCampaign takes at most \
                     {MAX_CONTACTS_PER_IMPORT} (split them with chunk_contacts)",
                    request.contacts.len()
                ),
            });
        }
        for (i, c) in request.contacts.iter().enumerate() {
            check_email(&c.email).map_err(|e| match e {
                Error::InvalidInput { message, .. } => Error::InvalidInput {
                    field: "contacts",
                    message: format!("contact #{i}: {message}"),
                },
                other => other,
            })?;
        }
        // Repeating an import is harmless: contacts are upserted by email.
        let call =
            ApiRequest::<BulkImportAccepted>::post("bulk_import.import", "import/bulk_import")
                .json(request)
                .map_err(Error::encoding)?
                .idempotent(true);
        let size = match call.body() {
            RequestBody::Json(bytes) => bytes.len(),
            _ => 0,
        };
        if size > MAX_IMPORT_PAYLOAD_BYTES {
            return Err(Error::InvalidInput {
                field: "contacts",
                message: format!(
                    "the import is {size} bytes; ActiveCampaign takes under 400,000 \
                     (split it with chunk_contacts)"
                ),
            });
        }
        let limits = self.client.bulk_limits();
        let limit = if request.contacts.len() == 1 {
            &limits.single
        } else {
            &limits.multi
        };
        let mut throttled = 0;
        loop {
            limit.acquire().await;
            match self.client.send(call.clone()).await {
                // The importer's throttling answer is a 400, but nothing is wrong with the rows:
                // pause this account's imports and send the same request again.
                Err(e) if e.is_bulk_throttle() && throttled + 1 < MAX_THROTTLED_ATTEMPTS => {
                    throttled += 1;
                    let wait = e.verdict().after().unwrap_or(BULK_THROTTLE_WAIT);
                    tracing::info!(
                        contacts = request.contacts.len(),
                        wait_ms = wait.as_millis() as u64,
                        attempt = throttled,
                        "bulk importer rate limit exceeded; pausing imports"
                    );
                    limit.pause_for(wait);
                }
                result => return result,
            }
        }
    }

    /// One batch's status, with the ids of newly created contacts and the emails that failed
    /// (`GET /import/info?batchId=`).
    ///
    /// # Errors
    /// Transport and API errors.
    pub async fn info(&self, batch_id: &str) -> Result<BulkImportInfo> {
        if batch_id.trim().is_empty() {
            return Err(Error::InvalidInput {
                field: "batchId",
                message: "the batch id is empty".into(),
            });
        }
        let request = ApiRequest::get("bulk_import.info", "import/info").query("batchId", batch_id);
        self.client.send(request).await
    }

    /// Daily totals of outstanding and recently completed batches (`GET /import/bulk_import`).
    ///
    /// # Errors
    /// Transport and API errors.
    pub async fn status_list(&self) -> Result<BulkImportStatusList> {
        let request = ApiRequest::get("bulk_import.status_list", "import/bulk_import");
        self.client.send(request).await
    }

    /// Poll a batch until it completes, fails or is interrupted. Polls go through the account's
    /// rate budget like any request.
    ///
    /// # Errors
    /// [`Error::ImportTimedOut`] when the batch is still running after `options.timeout` (it may
    /// still complete); transport and API errors.
    pub async fn wait(&self, batch_id: &str, options: PollOptions) -> Result<BulkImportInfo> {
        self.wait_from(batch_id, Instant::now(), options).await
    }

    /// [`wait`](Self::wait), counting the delays from `imported_at` (when the import was sent).
    pub(crate) async fn wait_from(
        &self,
        batch_id: &str,
        imported_at: Instant,
        options: PollOptions,
    ) -> Result<BulkImportInfo> {
        tokio::time::sleep_until(imported_at + options.initial_delay).await;
        loop {
            let info = self.info(batch_id).await?;
            if info.status.is_terminal() {
                return Ok(info);
            }
            let waited = imported_at.elapsed();
            if waited + options.interval > options.timeout {
                return Err(Error::ImportTimedOut {
                    batch_id: batch_id.to_string(),
                    status: info.status.as_str().to_string(),
                    waited,
                });
            }
            tokio::time::sleep(options.interval).await;
        }
    }
}
