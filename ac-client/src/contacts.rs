//! Contacts: sync (upsert by email), create, get, get by email, update, delete, list.

use futures_core::Stream;
use serde::Deserialize;
use sync_core::http::reqwest::Method;

use crate::client::{Call, Client};
use crate::error::{Error, Result};
use crate::models::{Contact, ContactDetail, ContactInput, ContactTag, Meta, Page, SyncedContact};

/// The largest page the API serves.
pub const MAX_PAGE_SIZE: u32 = 100;

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

#[derive(Deserialize)]
struct ContactList {
    #[serde(default)]
    contacts: Vec<Contact>,
    #[serde(default)]
    meta: Meta,
}

#[derive(Deserialize)]
struct ContactTags {
    #[serde(rename = "contactTags", default)]
    contact_tags: Vec<ContactTag>,
}

pub(crate) fn check_email(email: &str) -> Result<&str> {
    let email = email.trim();
    let at = email.find('@');
    let ok = match at {
        Some(i) => i > 0 && i + 1 < email.len() && !email.chars().any(char::is_whitespace),
        None => false,
    };
    if ok {
        Ok(email)
    } else {
        Err(Error::InvalidInput {
            field: "email",
            message: format!(
                "{email:?} is not an email address; ActiveCampaign keys contacts by email"
            ),
        })
    }
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
    /// # Errors
    /// [`Error::InvalidInput`] without a usable email; [`Error::Api`] when ActiveCampaign refuses.
    pub async fn sync(&self, input: &ContactInput) -> Result<SyncedContact> {
        check_email(input.email.as_deref().unwrap_or_default())?;
        let call = Call::write("contacts.sync", Method::POST, "contact/sync", true, input)?;
        self.client.call(call).await
    }

    /// Create a contact (`POST /contacts`). Fails with a 422 `duplicate` error when the email
    /// exists; prefer [`sync`](Self::sync) unless that is what you want.
    ///
    /// # Errors
    /// As for [`sync`](Self::sync); [`Error::is_duplicate`] tells the duplicate case apart.
    pub async fn create(&self, input: &ContactInput) -> Result<SyncedContact> {
        check_email(input.email.as_deref().unwrap_or_default())?;
        let call = Call::write("contacts.create", Method::POST, "contacts", false, input)?;
        self.client.call(call).await
    }

    /// A contact with its field values and list memberships (`GET /contacts/{id}`).
    ///
    /// # Errors
    /// [`Error::is_not_found`] when there is no such contact.
    pub async fn get(&self, id: i64) -> Result<ContactDetail> {
        self.client
            .call(Call::get("contacts.get", format!("contacts/{id}")))
            .await
    }

    /// The contact with this email, if any (`GET /contacts?email=`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an unusable email; transport and API errors.
    pub async fn get_by_email(&self, email: &str) -> Result<Option<Contact>> {
        let email = check_email(email)?;
        let call = Call::get("contacts.get_by_email", "contacts").query("email", email);
        let list: ContactList = self.client.call(call).await?;
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
        let call = Call::write(
            "contacts.update",
            Method::PUT,
            format!("contacts/{id}"),
            true,
            input,
        )?;
        self.client.call(call).await
    }

    /// Delete a contact (`DELETE /contacts/{id}`).
    ///
    /// # Errors
    /// [`Error::is_not_found`] when there is no such contact.
    pub async fn delete(&self, id: i64) -> Result<()> {
        self.client
            .send(Call::delete("contacts.delete", format!("contacts/{id}")))
            .await
            .map(|_| ())
    }

    /// One page of contacts (`GET /contacts?limit=&offset=`), with `meta.total`.
    ///
    /// # Errors
    /// Transport and API errors.
    pub async fn list(&self, query: &ContactQuery) -> Result<Page<Contact>> {
        list_page(self.client, query).await
    }

    /// Every contact matching `query`, page by page, as a stream. Pages are fetched lazily, so
    /// dropping the stream stops the requests.
    ///
    /// ```no_run
    /// # async fn run(client: ac_client::Client) -> Result<(), ac_client::Error> {
    /// use ac_client::contacts::ContactQuery;
    /// use futures_util::TryStreamExt;
    ///
    /// let all: Vec<_> = client.contacts().stream(ContactQuery::new()).try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn stream(
        &self,
        query: ContactQuery,
    ) -> impl Stream<Item = Result<Contact>> + Send + 'static {
        let client = self.client.clone();
        let pages = futures_util::stream::try_unfold(Some(query), move |next| {
            let client = client.clone();
            async move {
                let Some(query) = next else {
                    return Ok(None);
                };
                let page = list_page(&client, &query).await?;
                let next = page.next_offset().map(|o| query.clone().offset(o));
                Ok(Some((page.items, next)))
            }
        });
        futures_util::TryStreamExt::try_flatten(futures_util::TryStreamExt::map_ok(
            pages,
            |items| futures_util::stream::iter(items.into_iter().map(Ok)),
        ))
    }

    /// The tags on a contact (`GET /contacts/{id}/contactTags`), with the contact-tag ids that
    /// removing a tag needs.
    ///
    /// # Errors
    /// Transport and API errors.
    pub async fn contact_tags(&self, id: i64) -> Result<Vec<ContactTag>> {
        let tags: ContactTags = self
            .client
            .call(Call::get(
                "contacts.contact_tags",
                format!("contacts/{id}/contactTags"),
            ))
            .await?;
        Ok(tags.contact_tags)
    }
}

async fn list_page(client: &Client, query: &ContactQuery) -> Result<Page<Contact>> {
    let mut call = Call::get("contacts.list", "contacts")
        .query("limit", query.limit)
        .query("offset", query.offset);
    for (k, v) in &query.filters {
        call = call.query(k, v);
    }
    let list: ContactList = client.call(call).await?;
    Ok(Page {
        items: list.contacts,
        total: list.meta.total,
        offset: query.offset,
        limit: query.limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_check() {
        assert_eq!(check_email(" a@b.test ").unwrap(), "a@b.test");
        for bad in ["", "ab", "@b", "a@", "a b@c.test"] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
        assert_eq!(ContactQuery::new().limit(500).limit_value(), 100);
        assert_eq!(ContactQuery::new().limit(0).limit_value(), 1);
    }
}
