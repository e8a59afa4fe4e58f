//! Contacts: sync (upsert by email), create, get, get by email, update, delete, list.

use futures_core::Stream;
use futures_util::StreamExt;
use serde::Deserialize;
use sync_core::http::{ApiRequest, Page, PagingError};

use crate::client::Client;
use crate::email::check_email;
use crate::error::{Error, Result};
use crate::models::{Contact, ContactDetail, ContactInput, ContactTag, Meta, SyncedContact};
use crate::paging::{ListBody, MAX_PAGE_SIZE, OffsetPages};

/// Filters and paging for listing contacts.
///
/// ```
/// use ac_client::contacts::ContactQuery;
/// let q = ContactQuery::new().list_id(2).tag_id(20).limit(100);
/// assert_eq!(q.limit_value(), 100);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactQuery {
    limit: u32,
    offset: u64,
    filters: Vec<(&'static str, String)>,
}

impl Default for ContactQuery {
    fn default() -> Self {
        ContactQuery {
            limit: MAX_PAGE_SIZE,
            offset: 0,
            filters: Vec::new(),
        }
    }
}

impl ContactQuery {
    /// All contacts, 100 per page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Page size, clamped to 1..=100 (the API's maximum).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit.clamp(1, MAX_PAGE_SIZE);
        self
    }

    /// The page size in effect.
    pub fn limit_value(&self) -> u32 {
        self.limit
    }

    /// Start at this zero-based offset.
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    /// Contacts with exactly this email.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.filters.push(("email", email.into()));
        self
    }

    /// Contacts whose email contains this text.
    pub fn email_like(mut self, text: impl Into<String>) -> Self {
        self.filters.push(("email_like", text.into()));
        self
    }

    /// Free-text search over names, email, phone and organization.
    pub fn search(mut self, text: impl Into<String>) -> Self {
        self.filters.push(("search", text.into()));
        self
    }

    /// Contacts on this list.
    pub fn list_id(mut self, id: i64) -> Self {
        self.filters.push(("listid", id.to_string()));
        self
    }

    /// Contacts with this tag.
    pub fn tag_id(mut self, id: i64) -> Self {
        self.filters.push(("tagid", id.to_string()));
        self
    }

    /// Contacts in this segment.
    pub fn segment_id(mut self, id: i64) -> Self {
        self.filters.push(("segmentid", id.to_string()));
        self
    }

    /// Contacts with an id greater than this (keyset paging for large accounts).
    pub fn id_greater(mut self, id: i64) -> Self {
        self.filters.push(("id_greater", id.to_string()));
        self
    }

    /// Order by id, ascending (with [`id_greater`](Self::id_greater), the documented way to read
    /// a large account without deep offsets).
    pub fn order_by_id(mut self) -> Self {
        self.filters.push(("orders[id]", "ASC".into()));
        self
    }

    /// Any other documented filter (`status`, `filters[created_before]`, …).
    pub fn filter(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.filters.push((key, value.into()));
        self
    }
}

/// `GET /contacts`: one page of contacts.
#[derive(Deserialize)]
struct ContactList {
    #[serde(default)]
    contacts: Vec<Contact>,
    #[serde(default)]
    meta: Meta,
}

impl ListBody for ContactList {
    type Item = Contact;

    fn into_parts(self) -> (Vec<Contact>, Meta) {
        (self.contacts, self.meta)
    }

    fn key(contact: &Contact) -> Option<String> {
        Some(contact.id.to_string())
    }
}

#[derive(Deserialize)]
struct ContactTags {
    #[serde(rename = "contactTags", default)]
    contact_tags: Vec<ContactTag>,
}

/// Contact requests. Get it from [`Client::contacts`].
#[derive(Debug, Clone, Copy)]
pub struct Contacts<'c> {
    client: &'c Client,
}

impl<'c> Contacts<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        Contacts { client }
    }

    /// Create or update the contact with this email (`POST /contact/sync`), with its field
    /// values. Safe to repeat: the email is the key.
    ///
    /// ```
    /// # use wiremock::{Mock, MockServer, ResponseTemplate, matchers::{method, path}};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ac_client::Error> {
    /// # let server = MockServer::start().await;
    /// # Mock::given(method("POST")).and(path("/api/3/contact/sync"))
    /// #     .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
    /// #         "fieldValues": [{"contact": "113", "field": "7", "value": "active", "id": "9"}],
    /// #         "contact": {"email": "ada@example.com", "firstName": "Ada", "id": "113"}})))
    /// #     .mount(&server).await;
    /// # let client = ac_client::Client::builder(server.uri())
    /// #     .credentials(ac_client::ApiToken::new("my-key")).build()?;
    /// use ac_client::{ContactInput, FieldValue};
    ///
    /// let input = ContactInput::new("ada@example.com")
    ///     .first_name("Ada")
    ///     .field(7, FieldValue::text("active"));
    /// let synced = client.contacts().sync(&input).await?;
    /// assert_eq!(synced.contact.id, 113);
    /// assert_eq!(synced.field_values[0].value.as_deref(), Some("active"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] without a usable email; [`Error::Api`] when ActiveCampaign refuses.
    pub async fn sync(&self, input: &ContactInput) -> Result<SyncedContact> {
        check_email(input.email.as_deref().unwrap_or_default())?;
        let request = ApiRequest::post("contacts.sync", "contact/sync")
            .json(input)
            .map_err(Error::encoding)?
            .idempotent(true);
        self.client.send(request).await
    }

    /// Create a contact (`POST /contacts`). Fails with a 422 `duplicate` error when the email
    /// exists; prefer [`sync`](Self::sync) unless that is what you want.
    ///
    /// # Errors
    /// As for [`sync`](Self::sync); [`Error::is_duplicate`] tells the duplicate case apart.
    pub async fn create(&self, input: &ContactInput) -> Result<SyncedContact> {
        check_email(input.email.as_deref().unwrap_or_default())?;
        let request = ApiRequest::post("contacts.create", "contacts")
            .json(input)
            .map_err(Error::encoding)?;
        self.client.send(request).await
    }

    /// A contact with its field values and list memberships (`GET /contacts/{id}`).
    ///
    /// # Errors
    /// [`Error::is_not_found`] when there is no such contact.
    pub async fn get(&self, id: i64) -> Result<ContactDetail> {
        let request = ApiRequest::get("contacts.get", format!("contacts/{id}"));
        self.client.send(request).await
    }

    /// The contact with this email, if any (`GET /contacts?email=`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an unusable email; transport and API errors.
    pub async fn get_by_email(&self, email: &str) -> Result<Option<Contact>> {
        let email = check_email(email)?;
        let request = ApiRequest::<ContactList>::get("contacts.get_by_email", "contacts")
            .query("email", email);
        let list = self.client.send(request).await?;
        // The filter is exact, but be strict about it: never hand back someone else's record.
        Ok(list
            .contacts
            .into_iter()
            .find(|c| c.email.trim().eq_ignore_ascii_case(email)))
    }

    /// Update a contact by id (`PUT /contacts/{id}`); only the fields set in `input` change.
    ///
    /// # Errors
    /// [`Error::is_not_found`] when there is no such contact.
    pub async fn update(&self, id: i64, input: &ContactInput) -> Result<SyncedContact> {
        if let Some(email) = input.email.as_deref() {
            check_email(email)?;
        }
        let request = ApiRequest::put("contacts.update", format!("contacts/{id}"))
            .json(input)
            .map_err(Error::encoding)?;
        self.client.send(request).await
    }

    /// Delete a contact (`DELETE /contacts/{id}`).
    ///
    /// # Errors
    /// [`Error::is_not_found`] when there is no such contact.
    pub async fn delete(&self, id: i64) -> Result<()> {
        let request = ApiRequest::<()>::delete("contacts.delete", format!("contacts/{id}"));
        self.client.send_raw(&request).await.map(|_| ())
    }

    /// The first page of contacts matching `query` (`GET /contacts?limit=&offset=`), with
    /// `meta.total` and whether more pages follow ([`Page::end`] is `None` then).
    ///
    /// # Errors
    /// Transport and API errors.
    pub async fn list(&self, query: &ContactQuery) -> Result<Page<Contact>> {
        let mut pages = std::pin::pin!(self.pages(query.clone()));
        match pages.next().await {
            Some(page) => page,
            // The paginator always yields the first page (or its error).
            None => Err(Error::Paging {
                operation: "contacts.list".into(),
                source: PagingError::refused("the listing ended before its first page"),
            }),
        }
    }

    /// The pages of contacts matching `query`, one request each, until a short page or
    /// `meta.total` (see [`paging`](crate::paging)).
    pub fn pages(
        &self,
        query: ContactQuery,
    ) -> impl Stream<Item = Result<Page<Contact>>> + Send + 'static {
        self.client.api().pages(list_rule(&query))
    }

    /// Every contact matching `query`, page by page, as a stream. Pages are fetched lazily, so
    /// dropping the stream stops the requests.
    ///
    /// ```
    /// # use wiremock::{Mock, MockServer, ResponseTemplate, matchers::{method, path}};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ac_client::Error> {
    /// # let server = MockServer::start().await;
    /// # Mock::given(method("GET")).and(path("/api/3/contacts"))
    /// #     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
    /// #         "contacts": [{"id": "1", "email": "a@example.com"}, {"id": "2", "email": "b@example.com"}],
    /// #         "meta": {"total": "2"}})))
    /// #     .mount(&server).await;
    /// # let client = ac_client::Client::builder(server.uri())
    /// #     .credentials(ac_client::ApiToken::new("my-key")).build()?;
    /// use ac_client::contacts::ContactQuery;
    /// use futures_util::TryStreamExt;
    ///
    /// let on_list: Vec<_> = client.contacts().stream(ContactQuery::new().list_id(2)).try_collect().await?;
    /// assert_eq!(on_list.len(), 2);
    /// # Ok(()) }
    /// ```
    pub fn stream(
        &self,
        query: ContactQuery,
    ) -> impl Stream<Item = Result<Contact>> + Send + 'static {
        self.client.api().items(list_rule(&query))
    }

    /// The tags on a contact (`GET /contacts/{id}/contactTags`), with the contact-tag ids that
    /// removing a tag needs.
    ///
    /// # Errors
    /// Transport and API errors.
    pub async fn contact_tags(&self, id: i64) -> Result<Vec<ContactTag>> {
        let request = ApiRequest::<ContactTags>::get(
            "contacts.contact_tags",
            format!("contacts/{id}/contactTags"),
        );
        Ok(self.client.send(request).await?.contact_tags)
    }
}

/// The paging rule for `GET /contacts` with `query`'s filters, size and start.
fn list_rule(query: &ContactQuery) -> OffsetPages<ContactList> {
    let request =
        ApiRequest::get("contacts.list", "contacts").query_pairs(query.filters.iter().cloned());
    OffsetPages::new(request)
        .limit(query.limit)
        .offset(query.offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_is_clamped() {
        assert_eq!(ContactQuery::new().limit(500).limit_value(), 100);
        assert_eq!(ContactQuery::new().limit(0).limit_value(), 1);
    }
}
