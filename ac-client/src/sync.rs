//! [`ContactSink`]: a sync-core [`Sink`] that writes contacts — with custom field values, tags
//! and list memberships from a mapping you supply — and answers per record.
//!
//! * **Idempotent.** Contacts are upserted by email (`/contact/sync` or the bulk importer),
//!   tags are added only if missing, list statuses are set, so a record delivered twice ends in
//!   the same state.
//! * **Bulk for large batches.** A batch with at least [`SinkOptions::bulk_min`] contacts goes
//!   through the bulk importer, 250 per request (20 requests for 5,000 contacts); the sink then
//!   follows each import and reports every contact the importer refused as rejected, by email.
//!   A request refused as a whole (400) that names its bad rows (`failureReasons` with the
//!   contact's index) rejects exactly those rows, with their reasons, and imports the rest
//!   again; one that names none is split in halves until the bad contacts are isolated, so one
//!   bad row never fails its neighbours. The importer's throttling answer (also a 400, `"Rate
//!   limit exceeded."`) is waited out, never split. Smaller batches use one sync request per
//!   contact.
//! * **Per-record answers.** Mapping errors and unusable emails are rejected before sending;
//!   rate limits and server errors become [`Ack::RetryLater`]; a wrong token or base URL
//!   (or a custom field that does not exist) fails the whole batch as a configuration error.
//! * **No secret in a reason.** Every per-record reason (and the response kept with a dead
//!   letter) goes through the client's [`Redactor`].
//! * **Same email twice in one batch.** Later records are written after earlier ones, so the
//!   last one wins, as it would in order.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::marker::PhantomData;

use async_trait::async_trait;
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, StreamExt};
use sync_core::http::ClientError;
use sync_core::http::reqwest::StatusCode;
use sync_core::{Ack, Classify, PermanentKind, Redactor, Sink, SinkRecord, StageError, Verdict};
use tokio::time::Instant;

use crate::bulk_import::{PollOptions, chunk_by};
use crate::client::Client;
use crate::email::check_email;
use crate::error::Error;
use crate::fields::FieldKey;
use crate::models::bulk_import::MAX_CONTACTS_PER_IMPORT;
use crate::models::{
    BulkContact, BulkField, BulkImportRequest, BulkImportStatus, BulkList, ContactInput, FieldValue,
};

/// What one record becomes in ActiveCampaign. Built by your [`ContactMapping`].
///
/// ```
/// use ac_client::sync::MappedContact;
/// use ac_client::fields::FieldKey;
/// use chrono::NaiveDate;
///
/// let contact = MappedContact::new("ada@example.com")
///     .first_name("Ada")
///     .field(FieldKey::perstag("SUB_STATUS"), "active")
///     .field(FieldKey::title("Next payment"), NaiveDate::from_ymd_opt(2026, 12, 1).unwrap())
///     .tag("subscriber")
///     .subscribe(2);
/// assert_eq!(contact.tags, vec!["subscriber".to_string()]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MappedContact {
    /// Email address: the contact's key.
    pub email: String,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Custom field values, by any [`FieldKey`].
    pub fields: Vec<(FieldKey, FieldValue)>,
    /// Tag names to add (created when missing).
    pub tags: Vec<String>,
    /// List ids to subscribe to.
    pub subscribe: Vec<i64>,
    /// List ids to unsubscribe from.
    pub unsubscribe: Vec<i64>,
}

impl MappedContact {
    /// A contact keyed by `email`.
    pub fn new(email: impl Into<String>) -> Self {
        MappedContact {
            email: email.into(),
            ..Default::default()
        }
    }
    /// Set the first name.
    pub fn first_name(mut self, v: impl Into<String>) -> Self {
        self.first_name = Some(v.into());
        self
    }
    /// Set the last name.
    pub fn last_name(mut self, v: impl Into<String>) -> Self {
        self.last_name = Some(v.into());
        self
    }
    /// Set the phone number.
    pub fn phone(mut self, v: impl Into<String>) -> Self {
        self.phone = Some(v.into());
        self
    }
    /// Set a custom field value.
    pub fn field(mut self, key: FieldKey, value: impl Into<FieldValue>) -> Self {
        self.fields.push((key, value.into()));
        self
    }
    /// Add a tag by name.
    pub fn tag(mut self, name: impl Into<String>) -> Self {
        self.tags.push(name.into());
        self
    }
    /// Subscribe to a list.
    pub fn subscribe(mut self, list_id: i64) -> Self {
        self.subscribe.push(list_id);
        self
    }
    /// Unsubscribe from a list.
    pub fn unsubscribe(mut self, list_id: i64) -> Self {
        self.unsubscribe.push(list_id);
        self
    }
}

/// Turns a source record into a [`MappedContact`]. An `Err` rejects that record (it goes to
/// dead letters with your message); say which field is wrong.
///
/// Closures `Fn(&R) -> Result<MappedContact, String>` implement it.
pub trait ContactMapping<R>: Send + Sync {
    /// Map one record.
    fn map(&self, record: &R) -> Result<MappedContact, String>;
}

impl<R, F> ContactMapping<R> for F
where
    F: Fn(&R) -> Result<MappedContact, String> + Send + Sync,
{
    fn map(&self, record: &R) -> Result<MappedContact, String> {
        self(record)
    }
}

/// How a [`ContactSink`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SinkOptions {
    /// Batches with at least this many contacts use the bulk importer (default 11:
    /// ActiveCampaign asks for the contacts API for 10 or fewer).
    pub bulk_min: usize,
    /// Contacts per bulk import request (default and maximum 250).
    pub import_size: usize,
    /// How imports are followed to completion.
    pub poll: PollOptions,
    /// Contacts written at once on the per-contact path (default 5; the shared rate limit
    /// paces them anyway, this only keeps the pipe full).
    pub per_contact_concurrency: usize,
    /// Bulk imports in flight at once (default 20).
    pub import_concurrency: usize,
    /// Import without starting automations (default `false`: automations run, as they would
    /// for a contact added by hand).
    pub exclude_automations: bool,
}

impl Default for SinkOptions {
    fn default() -> Self {
        SinkOptions {
            bulk_min: 11,
            import_size: MAX_CONTACTS_PER_IMPORT,
            poll: PollOptions::default(),
            per_contact_concurrency: 5,
            import_concurrency: 20,
            exclude_automations: false,
        }
    }
}

impl SinkOptions {
    /// Set [`bulk_min`](Self::bulk_min) (`usize::MAX` never uses the bulk importer).
    pub fn bulk_min(mut self, n: usize) -> Self {
        self.bulk_min = n.max(2);
        self
    }
    /// Set [`import_size`](Self::import_size) (clamped to 2..=250).
    pub fn import_size(mut self, n: usize) -> Self {
        self.import_size = n.clamp(2, MAX_CONTACTS_PER_IMPORT);
        self
    }
    /// Set [`poll`](Self::poll).
    pub fn poll(mut self, poll: PollOptions) -> Self {
        self.poll = poll;
        self
    }
    /// Set [`per_contact_concurrency`](Self::per_contact_concurrency).
    pub fn per_contact_concurrency(mut self, n: usize) -> Self {
        self.per_contact_concurrency = n.max(1);
        self
    }
    /// Set [`import_concurrency`](Self::import_concurrency).
    pub fn import_concurrency(mut self, n: usize) -> Self {
        self.import_concurrency = n.max(1);
        self
    }
    /// Set [`exclude_automations`](Self::exclude_automations).
    pub fn exclude_automations(mut self, yes: bool) -> Self {
        self.exclude_automations = yes;
        self
    }
}

/// A [`Sink`] of contacts into one ActiveCampaign account. See the [module docs](self).
pub struct ContactSink<R, M> {
    client: Client,
    mapping: M,
    options: SinkOptions,
    _record: PhantomData<fn(&R)>,
}

impl<R, M> fmt::Debug for ContactSink<R, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContactSink")
            .field("client", &self.client)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// One record ready to send.
#[derive(Debug, Clone)]
struct Prepared {
    index: usize,
    key: String,
    bulk: BulkContact,
    input: ContactInput,
    tags: Vec<String>,
    subscribe: Vec<i64>,
    unsubscribe: Vec<i64>,
}

type Acks = Vec<(usize, Ack)>;

/// The smallest group worth a bulk import, when a chunk is split or left over.
const MIN_IMPORT: usize = 3;

impl<R, M> ContactSink<R, M>
where
    R: Send + Sync,
    M: ContactMapping<R>,
{
    /// A sink writing through `client` with `mapping`.
    ///
    /// ```
    /// # use wiremock::{Mock, MockServer, ResponseTemplate, matchers::{method, path}};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = MockServer::start().await;
    /// # Mock::given(method("POST")).and(path("/api/3/contact/sync"))
    /// #     .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
    /// #         "contact": {"email": "ada@example.com", "id": "113"}})))
    /// #     .mount(&server).await;
    /// # let client = ac_client::Client::builder(server.uri())
    /// #     .credentials(ac_client::ApiToken::new("my-key")).build()?;
    /// use ac_client::sync::{ContactSink, MappedContact};
    /// use ac_client::sync_core::{Ack, Sink, SinkRecord};
    ///
    /// struct Customer { email: String }
    ///
    /// let sink = ContactSink::new(client, |c: &Customer| Ok(MappedContact::new(&c.email)));
    /// let ada = Customer { email: "ada@example.com".into() };
    /// let acks = sink.write(&[SinkRecord { key: "customer-1", data: &ada }]).await?;
    /// assert_eq!(acks, [Ack::Delivered]);
    /// # Ok(()) }
    /// ```
    pub fn new(client: Client, mapping: M) -> Self {
        ContactSink {
            client,
            mapping,
            options: SinkOptions::default(),
            _record: PhantomData,
        }
    }

    /// Replace the options.
    pub fn with_options(mut self, options: SinkOptions) -> Self {
        self.options = options;
        self
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The options.
    pub fn options(&self) -> &SinkOptions {
        &self.options
    }

    async fn resolve_fields(
        &self,
        mapped: &[(usize, String, MappedContact)],
    ) -> Result<HashMap<FieldKey, i64>, Error> {
        let keys: HashSet<&FieldKey> = mapped
            .iter()
            .flat_map(|(_, _, m)| m.fields.iter().map(|(k, _)| k))
            .collect();
        let mut ids = HashMap::with_capacity(keys.len());
        for key in keys {
            ids.insert(key.clone(), self.client.fields().resolve_id(key).await?);
        }
        Ok(ids)
    }

    fn prepare(
        &self,
        index: usize,
        key: String,
        m: MappedContact,
        field_ids: &HashMap<FieldKey, i64>,
    ) -> Prepared {
        let email = m.email.trim().to_string();
        let mut input = ContactInput::new(email.clone());
        input.first_name = m.first_name.clone();
        input.last_name = m.last_name.clone();
        input.phone = m.phone.clone();
        let mut fields: Vec<BulkField> = Vec::new();
        for (k, v) in m.fields {
            let id = field_ids[&k];
            input = input.field(id, v.clone());
            fields.retain(|f| f.id != id);
            fields.push(BulkField {
                id,
                value: v.as_str().to_string(),
            });
        }
        let mut tags: Vec<String> = Vec::new();
        for t in m.tags {
            let t = t.trim().to_string();
            if !t.is_empty() && !tags.iter().any(|x| x.eq_ignore_ascii_case(&t)) {
                tags.push(t);
            }
        }
        let bulk = BulkContact {
            email,
            first_name: m.first_name,
            last_name: m.last_name,
            phone: m.phone,
            customer_acct_name: None,
            tags: tags.clone(),
            fields,
            subscribe: m
                .subscribe
                .iter()
                .map(|&listid| BulkList { listid })
                .collect(),
            unsubscribe: m
                .unsubscribe
                .iter()
                .map(|&listid| BulkList { listid })
                .collect(),
        };
        Prepared {
            index,
            key,
            bulk,
            input,
            tags,
            subscribe: m.subscribe,
            unsubscribe: m.unsubscribe,
        }
    }

    /// The answer for a record whose write failed, or the error itself when it is the setup's
    /// fault (the whole batch stops then).
    fn ack_for(&self, key: &str, email: &str, e: Error) -> Result<Ack, Error> {
        if e.verdict() == Verdict::Permanent(PermanentKind::Config) {
            return Err(e);
        }
        Ok(self.answer(&e, format!("record {key} (contact {email})")))
    }

    /// sync-core's answer for `e` (retry later with the server's wait, or rejected), its
    /// reason prefixed with `context`; a rejection keeps ActiveCampaign's body for the dead
    /// letter.
    fn answer(&self, e: &Error, context: String) -> Ack {
        match Ack::from_error(e, self.client.redactor()).with_context(context) {
            Ack::Rejected { reason, .. } => Ack::Rejected {
                reason,
                response: e.vendor_body().map(ToString::to_string),
            },
            other => other,
        }
    }

    async fn write_one(&self, p: &Prepared) -> Result<(), Error> {
        let synced = self.client.contacts().sync(&p.input).await?;
        let id = synced.contact.id;
        for tag in &p.tags {
            let tag_id = self.client.tags().ensure(tag).await?;
            self.client.tags().add_to_contact(id, tag_id).await?;
        }
        for &list in &p.subscribe {
            self.client.lists().subscribe(id, list).await?;
        }
        for &list in &p.unsubscribe {
            self.client.lists().unsubscribe(id, list).await?;
        }
        Ok(())
    }

    async fn write_each(&self, group: Vec<Prepared>) -> Result<Acks, Error> {
        let results: Vec<(usize, Result<Ack, Error>)> = futures_util::stream::iter(group)
            .map(|p| async move {
                let ack = match self.write_one(&p).await {
                    Ok(()) => Ok(Ack::Delivered),
                    Err(e) => self.ack_for(&p.key, &p.bulk.email, e),
                };
                (p.index, ack)
            })
            .buffer_unordered(self.options.per_contact_concurrency)
            .collect()
            .await;
        results
            .into_iter()
            .map(|(i, ack)| ack.map(|a| (i, a)))
            .collect()
    }

    /// The same answer for every record of `chunk`.
    fn all(&self, chunk: &[Prepared], e: Error) -> Result<Acks, Error> {
        if e.verdict() == Verdict::Permanent(PermanentKind::Config) {
            return Err(e);
        }
        Ok(chunk
            .iter()
            .map(|p| {
                let context = format!("record {} (contact {})", p.key, p.bulk.email);
                (p.index, self.answer(&e, context))
            })
            .collect())
    }

    /// Queue one chunk's import. Small chunks are written one by one instead, and a chunk the
    /// importer refuses whole is split (see [`import_groups`](Self::import_groups)).
    async fn submit(&self, chunk: Vec<Prepared>) -> Submitted {
        // One or two contacts are cheaper one by one (and single-contact imports have a tight
        // limit of their own).
        if chunk.len() < MIN_IMPORT {
            return Submitted::Done(self.write_each(chunk).await);
        }
        let request = BulkImportRequest {
            contacts: chunk.iter().map(|p| p.bulk.clone()).collect(),
            callback: None,
            exclude_automations: self.options.exclude_automations.then_some(true),
        };
        match self.client.bulk_import().import(&request).await {
            // The first poll is timed from the answer, not from when the import was queued
            // behind the rate limit: ActiveCampaign has no status for about a second.
            Ok(accepted) => Submitted::Queued {
                chunk,
                batch_id: accepted.batch_id,
                accepted_at: Instant::now(),
            },
            // Throttled (the importer says so with a 400): nothing is wrong with the rows.
            // `import` already waited and resent; what is left is for a later run.
            Err(e) if e.is_bulk_throttle() => Submitted::Done(self.all(&chunk, e)),
            // Refused whole, naming the bad rows by index: reject exactly those, resend the rest.
            Err(e)
                if e.status() == Some(StatusCode::BAD_REQUEST)
                    && names_rows_of(&e, chunk.len()) =>
            {
                Submitted::Done(self.reject_named(chunk, e).await)
            }
            // Refused whole without saying which rows: halve until the bad rows are alone, so
            // their neighbours still get through.
            Err(e) if e.status() == Some(StatusCode::BAD_REQUEST) && chunk.len() > 1 => {
                tracing::info!(
                    contacts = chunk.len(),
                    error = %e,
                    "bulk import refused; splitting the chunk to isolate the bad contacts"
                );
                let mut left = chunk;
                let right = left.split_off(left.len() / 2);
                Submitted::Done(self.import_groups(vec![left, right]).await)
            }
            Err(e) => Submitted::Done(self.all(&chunk, e)),
        }
    }

    /// Reject the contacts a 400 names (`failureReasons[].contact`, their index in the request)
    /// with ActiveCampaign's reason, and import the others again.
    async fn reject_named(&self, chunk: Vec<Prepared>, e: Error) -> Result<Acks, Error> {
        let mut reasons: HashMap<usize, Vec<&str>> = HashMap::new();
        for failed in e
            .vendor_body()
            .map(|b| b.failed_contacts())
            .unwrap_or_default()
        {
            reasons
                .entry(failed.index)
                .or_default()
                .push(&failed.reason);
        }
        let response = e.vendor_body().map(ToString::to_string);
        let mut acks = Vec::new();
        let mut rest = Vec::new();
        for (position, p) in chunk.into_iter().enumerate() {
            match reasons.get(&position) {
                Some(why) => acks.push((
                    p.index,
                    Ack::Rejected {
                        reason: format!(
                            "record {} (contact {}): the ActiveCampaign bulk importer refused \
                             this contact: {}",
                            p.key,
                            p.bulk.email,
                            why.join("; ")
                        ),
                        response: response.clone(),
                    },
                )),
                None => rest.push(p),
            }
        }
        tracing::info!(
            rejected = acks.len(),
            resent = rest.len(),
            "bulk import refused named contacts; importing the others again"
        );
        if !rest.is_empty() {
            acks.extend(self.import_groups(vec![rest]).await?);
        }
        Ok(acks)
    }

    /// Follow a queued import to its end and answer for each of its contacts.
    async fn follow(
        &self,
        chunk: Vec<Prepared>,
        batch: String,
        accepted_at: Instant,
    ) -> Result<Acks, Error> {
        let info = match self
            .client
            .bulk_import()
            .wait_from(&batch, accepted_at, self.options.poll)
            .await
        {
            Ok(info) => info,
            Err(e) => return self.all(&chunk, e),
        };
        Ok(match info.status {
            BulkImportStatus::Completed => chunk
                .iter()
                .map(|p| {
                    let ack = if info.failed(&p.bulk.email) {
                        Ack::Rejected {
                            reason: format!(
                                "record {} (contact {}): the ActiveCampaign bulk importer \
                                 refused this contact (batch {batch}); check the email \
                                 address and the account's email exclusions",
                                p.key, p.bulk.email
                            ),
                            response: None,
                        }
                    } else {
                        Ack::Delivered
                    };
                    (p.index, ack)
                })
                .collect(),
            status => chunk
                .iter()
                .map(|p| {
                    let reason = format!(
                        "record {} (contact {}): bulk import batch {batch} ended `{}`; \
                         ActiveCampaign will not retry it, sending it again is safe",
                        p.key,
                        p.bulk.email,
                        status.as_str()
                    );
                    (p.index, Ack::retry(reason))
                })
                .collect(),
        })
    }

    /// Import groups of contacts: first queue every import, then follow them all. Queuing
    /// everything first lets ActiveCampaign process the imports while we wait our turn for
    /// status requests, so the rate budget is never idle waiting for the last import.
    fn import_groups(&self, chunks: Vec<Vec<Prepared>>) -> BoxFuture<'_, Result<Acks, Error>> {
        async move {
            let submitted: Vec<Submitted> = futures_util::stream::iter(chunks)
                .map(|chunk| self.submit(chunk))
                .buffer_unordered(self.options.import_concurrency)
                .collect()
                .await;
            let mut acks = Vec::new();
            let mut queued = Vec::new();
            for s in submitted {
                match s {
                    Submitted::Done(result) => acks.extend(result?),
                    Submitted::Queued {
                        chunk,
                        batch_id,
                        accepted_at,
                    } => queued.push(self.follow(chunk, batch_id, accepted_at)),
                }
            }
            for result in futures_util::future::join_all(queued).await {
                acks.extend(result?);
            }
            Ok(acks)
        }
        .boxed()
    }

    async fn write_bulk(&self, group: Vec<Prepared>) -> Result<Acks, Error> {
        self.import_groups(chunk_by(group, self.options.import_size, |p: &Prepared| {
            &p.bulk
        }))
        .await
    }
}

/// Whether a refusal names its bad rows by index, each inside a request of `len` contacts.
/// (An index outside the request means we misread it: fall back to halving.)
fn names_rows_of(e: &Error, len: usize) -> bool {
    let failed = e
        .vendor_body()
        .map(|b| b.failed_contacts())
        .unwrap_or_default();
    !failed.is_empty() && failed.iter().all(|f| f.index < len)
}

/// A chunk after its import was sent.
enum Submitted {
    /// Answered without a batch to follow (written one by one, split, or failed).
    Done(Result<Acks, Error>),
    /// Queued by the importer.
    Queued {
        chunk: Vec<Prepared>,
        batch_id: String,
        accepted_at: Instant,
    },
}

#[async_trait]
impl<R, M> Sink<R> for ContactSink<R, M>
where
    R: Send + Sync,
    M: ContactMapping<R>,
{
    async fn write(&self, batch: &[SinkRecord<'_, R>]) -> Result<Vec<Ack>, StageError> {
        let mut acks: Vec<Option<Ack>> = vec![None; batch.len()];
        let mut mapped = Vec::with_capacity(batch.len());
        for (i, record) in batch.iter().enumerate() {
            match self.mapping.map(record.data) {
                Err(message) => {
                    acks[i] = Some(Ack::rejected(format!(
                        "record {}: mapping to an ActiveCampaign contact failed: {message}",
                        record.key
                    )));
                }
                Ok(m) => match check_email(&m.email) {
                    Err(e) => {
                        acks[i] = Some(Ack::rejected(format!("record {}: {e}", record.key)));
                    }
                    Ok(_) => mapped.push((i, record.key.to_string(), m)),
                },
            }
        }
        let field_ids = self
            .resolve_fields(&mapped)
            .await
            .map_err(StageError::from_classified)?;

        // The n-th record for an email goes in round n, so repeats are written in order.
        let mut rounds: Vec<Vec<Prepared>> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, key, m) in mapped {
            let round = seen.entry(m.email.trim().to_lowercase()).or_insert(0);
            if rounds.len() <= *round {
                rounds.push(Vec::new());
            }
            rounds[*round].push(self.prepare(i, key, m, &field_ids));
            *round += 1;
        }

        for group in rounds {
            let result = if group.len() >= self.options.bulk_min {
                self.write_bulk(group).await
            } else {
                self.write_each(group).await
            };
            for (i, ack) in result.map_err(StageError::from_classified)? {
                acks[i] = Some(ack);
            }
        }
        Ok(acks
            .into_iter()
            .map(|a| a.unwrap_or_else(|| Ack::retry("internal: record was not written")))
            .map(|a| redact_ack(self.client.redactor(), a))
            .collect())
    }
}

/// Every reason goes through the client's redactor before it is logged or stored as a dead
/// letter: mapping messages and vendor reasons are text we did not write.
fn redact_ack(redactor: &Redactor, ack: Ack) -> Ack {
    match ack {
        Ack::Rejected { reason, response } => Ack::Rejected {
            reason: redactor.text(&reason),
            response: response.map(|r| redactor.text(&r)),
        },
        Ack::RetryLater { reason, after } => Ack::RetryLater {
            reason: redactor.text(&reason),
            after,
        },
        other => other,
    }
}
