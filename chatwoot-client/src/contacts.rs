//! Contacts: create, get, update (custom attributes merge), delete, list, search, filter, merge,
//! and an [`upsert`](Contacts::upsert) that finds by identifier or email first.

use std::str::FromStr;

use futures_core::Stream;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value};
use sync_core::http::{ApiRequest, Page};

use crate::client::{ApplicationClient, JsonBody};
use crate::envelope::{MetaList, Payload};
use crate::error::Error;
use crate::models::{Contact, ContactWithInbox};
use crate::paging::{Listed, PageNumbers, first_page};

/// Chatwoot's contact list, search and filter page size (`RESULTS_PER_PAGE = 15`).
pub const CONTACTS_PER_PAGE: u32 = 15;

impl ApplicationClient {
    /// Contacts of this account.
    pub fn contacts(&self) -> Contacts<'_> {
        Contacts { client: self }
    }
}

/// The fields of a contact to create or update. Only the fields you set are sent.
///
/// On update Chatwoot *merges* `custom_attributes` and `additional_attributes` into the stored
/// ones key by key, so sending one attribute leaves the others as they were. To remove
/// attributes use [`Contacts::remove_custom_attributes`].
///
/// ```
/// use chatwoot_client::contacts::ContactInput;
/// let input = ContactInput::new()
///     .email("Ada@Example.com")
///     .identifier("shop-customer-42")
///     .name("Ada Lovelace")
///     .custom_attribute("plan", "gold");
/// let json = serde_json::to_value(&input).unwrap();
/// assert_eq!(json["custom_attributes"]["plan"], "gold");
/// assert!(json.get("phone_number").is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ContactInput {
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number in E.164 (`+4930123456`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Your system's id for this person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// An avatar image URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    /// Whether the contact is blocked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<bool>,
    /// Chatwoot's attributes (`city`, `company_name`, `description`…).
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub additional_attributes: Map<String, Value>,
    /// Your custom attributes.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub custom_attributes: Map<String, Value>,
    /// On create only: also create a contact inbox in this inbox.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbox_id: Option<u64>,
    /// On create only: the contact inbox's source id (defaults to a generated one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
}

impl ContactInput {
    /// An empty input.
    pub fn new() -> Self {
        Self::default()
    }
    /// Set the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
    /// Set the email.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }
    /// Set the phone number (E.164).
    pub fn phone_number(mut self, phone: impl Into<String>) -> Self {
        self.phone_number = Some(phone.into());
        self
    }
    /// Set the identifier.
    pub fn identifier(mut self, identifier: impl Into<String>) -> Self {
        self.identifier = Some(identifier.into());
        self
    }
    /// Set the avatar URL.
    pub fn avatar_url(mut self, url: impl Into<String>) -> Self {
        self.avatar_url = Some(url.into());
        self
    }
    /// Block or unblock.
    pub fn blocked(mut self, blocked: bool) -> Self {
        self.blocked = Some(blocked);
        self
    }
    /// Set one additional attribute.
    pub fn additional_attribute(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.additional_attributes.insert(key.into(), value.into());
        self
    }
    /// Set one custom attribute.
    pub fn custom_attribute(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.custom_attributes.insert(key.into(), value.into());
        self
    }
    /// Set many custom attributes.
    pub fn custom_attributes(mut self, attributes: Map<String, Value>) -> Self {
        self.custom_attributes.extend(attributes);
        self
    }
    /// On create, also add the contact to this inbox.
    pub fn inbox(mut self, inbox_id: u64) -> Self {
        self.inbox_id = Some(inbox_id);
        self
    }

    /// The trimmed identifier, if any.
    pub(crate) fn lookup_identifier(&self) -> Option<&str> {
        self.identifier
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// The normalized email (Chatwoot stores emails lowercased).
    pub(crate) fn lookup_email(&self) -> Option<String> {
        self.email
            .as_deref()
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty())
    }

    /// Whether `contact` already has every value this input would set (so an update would
    /// change nothing). Numbers compare by value: `12.5` equals `12.50`.
    pub fn is_satisfied_by(&self, contact: &Contact) -> bool {
        fn same(want: &Option<String>, have: &Option<String>) -> bool {
            want.as_ref()
                .is_none_or(|w| have.as_deref() == Some(w.as_str()))
        }
        let email_same = self.email.as_ref().is_none_or(|w| {
            contact
                .email
                .as_deref()
                .is_some_and(|h| h.eq_ignore_ascii_case(w.trim()))
        });
        let maps_same = |want: &Map<String, Value>, have: &Map<String, Value>| {
            want.iter()
                .all(|(k, v)| have.get(k).is_some_and(|h| values_equal(v, h)))
        };
        same(&self.name, &contact.name)
            && email_same
            && same(&self.phone_number, &contact.phone_number)
            && same(&self.identifier, &contact.identifier)
            && self.avatar_url.is_none()
            && self.blocked.is_none_or(|b| contact.blocked == Some(b))
            && maps_same(&self.custom_attributes, &contact.custom_attributes)
            && maps_same(&self.additional_attributes, &contact.additional_attributes)
    }
}

/// JSON equality where numbers (and numeric strings standing in for numbers) compare by value.
pub(crate) fn values_equal(a: &Value, b: &Value) -> bool {
    fn as_decimal(v: &Value) -> Option<Decimal> {
        match v {
            Value::Number(n) => {
                let s = n.to_string();
                Decimal::from_str(&s)
                    .or_else(|_| Decimal::from_scientific(&s))
                    .ok()
            }
            _ => None,
        }
    }
    match (a, b) {
        (Value::Number(_), Value::Number(_)) => match (as_decimal(a), as_decimal(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| values_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => a == b,
    }
}

/// What an [`upsert`](Contacts::upsert) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UpsertOutcome {
    /// No contact matched; one was created.
    Created,
    /// A contact matched and was updated.
    Updated,
    /// A contact matched and already had every value; nothing was sent.
    Unchanged,
}

/// The contact after an upsert, and what happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Upserted {
    /// The contact as Chatwoot now has it (for `Unchanged`, as it was found).
    pub contact: Contact,
    /// Created, updated or unchanged.
    pub outcome: UpsertOutcome,
}

/// How a filter condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FilterOperator {
    /// Equal (case-insensitive for name, email, phone number and identifier).
    EqualTo,
    /// Not equal.
    NotEqualTo,
    /// Contains.
    Contains,
    /// Does not contain.
    DoesNotContain,
    /// Has a value.
    IsPresent,
    /// Has no value.
    IsNotPresent,
    /// Greater than (dates, numbers).
    IsGreaterThan,
    /// Less than (dates, numbers).
    IsLessThan,
    /// More than N days ago.
    DaysBefore,
    /// Starts with (phone number).
    StartsWith,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct FilterCondition {
    attribute_key: String,
    filter_operator: FilterOperator,
    values: Vec<Value>,
    query_operator: Option<&'static str>,
}

/// A contact filter: conditions joined left to right with AND / OR, as Chatwoot's
/// `POST /contacts/filter` takes them. Standard keys: `name`, `email`, `phone_number`,
/// `identifier`, `country_code`, `city`, `company`, `labels`, `created_at`,
/// `last_activity_at`, `blocked`; custom attribute keys work too.
///
/// ```
/// use chatwoot_client::contacts::{ContactFilter, FilterOperator};
/// let f = ContactFilter::new("email", FilterOperator::Contains, ["@example.com"])
///     .and("city", FilterOperator::EqualTo, ["Berlin"]);
/// let body = serde_json::to_value(&f).unwrap();
/// assert_eq!(body["payload"][0]["query_operator"], "AND");
/// assert!(body["payload"][1]["query_operator"].is_null());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactFilter {
    payload: Vec<FilterCondition>,
}

impl ContactFilter {
    /// A filter with one condition.
    pub fn new<V: Into<Value>>(
        attribute_key: impl Into<String>,
        operator: FilterOperator,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        ContactFilter {
            payload: vec![FilterCondition {
                attribute_key: attribute_key.into(),
                filter_operator: operator,
                values: values.into_iter().map(Into::into).collect(),
                query_operator: None,
            }],
        }
    }

    fn join<V: Into<Value>>(
        mut self,
        joiner: &'static str,
        attribute_key: impl Into<String>,
        operator: FilterOperator,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        if let Some(last) = self.payload.last_mut() {
            last.query_operator = Some(joiner);
        }
        self.payload.push(FilterCondition {
            attribute_key: attribute_key.into(),
            filter_operator: operator,
            values: values.into_iter().map(Into::into).collect(),
            query_operator: None,
        });
        self
    }

    /// Add a condition joined with AND.
    pub fn and<V: Into<Value>>(
        self,
        attribute_key: impl Into<String>,
        operator: FilterOperator,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        self.join("AND", attribute_key, operator, values)
    }

    /// Add a condition joined with OR.
    pub fn or<V: Into<Value>>(
        self,
        attribute_key: impl Into<String>,
        operator: FilterOperator,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        self.join("OR", attribute_key, operator, values)
    }
}

/// Contacts of one account. Get it from [`ApplicationClient::contacts`].
#[derive(Debug, Clone, Copy)]
pub struct Contacts<'a> {
    client: &'a ApplicationClient,
}

/// A contact list (list, search, filter) walked by page number from `first`.
fn contact_pages(
    request: ApiRequest<MetaList<Contact>>,
    first: u32,
) -> PageNumbers<MetaList<Contact>, Contact> {
    PageNumbers::new(
        request,
        first,
        Some(CONTACTS_PER_PAGE),
        |list: MetaList<Contact>| Listed {
            items: list.payload,
            total: list.meta.count,
            has_more: list.meta.has_more,
        },
        |c: &Contact| c.id,
    )
}

impl Contacts<'_> {
    fn list_request() -> ApiRequest<MetaList<Contact>> {
        ApiRequest::get("contacts.list", "contacts")
    }

    fn search_request(query: &str) -> Result<ApiRequest<MetaList<Contact>>, Error> {
        if query.trim().is_empty() {
            return Err(Error::InvalidInput {
                field: "query",
                message: "Chatwoot needs a non-empty search string".into(),
            });
        }
        Ok(ApiRequest::get("contacts.search", "contacts/search").query("q", query))
    }

    fn filter_request(filter: &ContactFilter) -> Result<ApiRequest<MetaList<Contact>>, Error> {
        // A POST that only reads: safe to repeat.
        ApiRequest::post("contacts.filter", "contacts/filter")
            .idempotent(true)
            .json_body(filter)
    }

    /// One page (1-based) of the account's contacts. Chatwoot lists only *resolved* contacts:
    /// those with an email, phone number or identifier.
    ///
    /// The page's `total` is Chatwoot's `meta.count`; `end` is `None` while more pages follow.
    pub async fn list(&self, page: u32) -> Result<Page<Contact>, Error> {
        first_page(self.client.api(), contact_pages(Self::list_request(), page)).await
    }

    /// Every resolved contact, page after page, until an empty page or `meta.count` is
    /// reached (sync-core's paginator, with its guards against endless paging).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use futures_util::TryStreamExt;
    /// use serde_json::json;
    /// use wiremock::matchers::{method, path, query_param};
    /// use wiremock::{Mock, MockServer, ResponseTemplate};
    ///
    /// let chatwoot = MockServer::start().await;
    /// for (page, ids) in [(1, vec![1, 2]), (2, vec![3])] {
    ///     let payload: Vec<_> = ids.iter().map(|id| json!({"id": id, "email": format!("c{id}@example.com")})).collect();
    ///     Mock::given(method("GET")).and(path("/api/v1/accounts/1/contacts"))
    ///         .and(query_param("page", page.to_string()))
    ///         .respond_with(ResponseTemplate::new(200).set_body_json(json!({"meta": {"count": 3}, "payload": payload})))
    ///         .mount(&chatwoot).await;
    /// }
    /// let client = chatwoot_client::ApplicationClient::builder(chatwoot.uri())
    ///     .account_id(1)
    ///     .credentials(chatwoot_client::ApplicationToken::new("user-token"))
    ///     .build()?;
    /// let all: Vec<_> = client.contacts().list_stream().try_collect().await?;
    /// assert_eq!(all.iter().map(|c| c.id).collect::<Vec<_>>(), [1, 2, 3]); // the count ends it
    /// # Ok(()) }
    /// ```
    pub fn list_stream(&self) -> impl Stream<Item = Result<Contact, Error>> + Send + 'static {
        self.client
            .api()
            .items(contact_pages(Self::list_request(), 1))
    }

    /// A contact by id.
    pub async fn get(&self, id: u64) -> Result<Contact, Error> {
        let request = ApiRequest::get("contacts.get", format!("contacts/{id}"));
        self.client.sender.send_unwrapped(request).await
    }

    /// Create a contact. Not retried after a timeout (it may have been created); use
    /// [`upsert`](Self::upsert) when a retry must not duplicate the contact.
    pub async fn create(&self, input: &ContactInput) -> Result<ContactWithInbox, Error> {
        let request = ApiRequest::<Payload<ContactWithInbox>>::post("contacts.create", "contacts")
            .json_body(input)?;
        Ok(self.client.sender.send(request).await?.payload)
    }

    /// Update a contact. Only the fields set in `input` change; custom and additional
    /// attributes are merged into the stored ones.
    pub async fn update(&self, id: u64, input: &ContactInput) -> Result<Contact, Error> {
        let request =
            ApiRequest::put("contacts.update", format!("contacts/{id}")).json_body(input)?;
        self.client.sender.send_unwrapped(request).await
    }

    /// Delete a contact and its conversations.
    pub async fn delete(&self, id: u64) -> Result<(), Error> {
        let request = ApiRequest::<serde::de::IgnoredAny>::delete(
            "contacts.delete",
            format!("contacts/{id}"),
        );
        self.client.sender.send(request).await.map(drop)
    }

    /// The contact's labels.
    pub async fn labels(&self, id: u64) -> Result<Vec<String>, Error> {
        let request = ApiRequest::<Payload<Vec<String>>>::get(
            "contacts.labels",
            format!("contacts/{id}/labels"),
        );
        Ok(self.client.sender.send(request).await?.payload)
    }

    /// Replace the contact's labels with `labels` (Chatwoot overwrites the whole list).
    ///
    /// Titles are lowercased and created in the account first when missing (see
    /// [`Labels::ensure`](crate::labels::Labels::ensure)); Chatwoot would otherwise drop them
    /// silently. Answers [`Error::MissingLabels`] when they cannot be created.
    pub async fn set_labels(&self, id: u64, labels: &[&str]) -> Result<Vec<String>, Error> {
        let titles = self.client.labels().ensure(labels).await?;
        let request = ApiRequest::<Payload<Vec<String>>>::post(
            "contacts.set_labels",
            format!("contacts/{id}/labels"),
        )
        .json_body(&serde_json::json!({ "labels": titles }))?;
        let assigned = self.client.sender.send(request).await?;
        crate::labels::check_assigned(&titles, assigned.payload)
    }

    /// Add labels, keeping the existing ones (reads, then writes the union). Missing labels
    /// are created first, as for [`set_labels`](Self::set_labels).
    pub async fn add_labels(&self, id: u64, labels: &[&str]) -> Result<Vec<String>, Error> {
        let mut all = self.labels(id).await?;
        all.extend(labels.iter().map(|l| (*l).to_string()));
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        self.set_labels(id, &refs).await
    }

    /// Remove custom attributes by key.
    pub async fn remove_custom_attributes(&self, id: u64, keys: &[&str]) -> Result<Contact, Error> {
        let request = ApiRequest::post(
            "contacts.destroy_custom_attributes",
            format!("contacts/{id}/destroy_custom_attributes"),
        )
        .json_body(&serde_json::json!({ "custom_attributes": keys }))?;
        self.client.sender.send_unwrapped(request).await
    }

    /// One page of a search over name, email, phone number and identifier (substring match).
    /// Self-hosted Chatwoot throttles search to 100 requests a minute per account; prefer
    /// [`filter`](Self::filter) for exact lookups.
    pub async fn search(&self, query: &str, page: u32) -> Result<Page<Contact>, Error> {
        let request = Self::search_request(query)?;
        first_page(self.client.api(), contact_pages(request, page)).await
    }

    /// Every search result, page after page. An empty query fails with the first item.
    pub fn search_stream(
        &self,
        query: impl Into<String>,
    ) -> impl Stream<Item = Result<Contact, Error>> + Send + 'static {
        let query = query.into();
        self.items_or_error(Self::search_request(&query))
    }

    /// One page of contacts matching `filter`.
    pub async fn filter(&self, filter: &ContactFilter, page: u32) -> Result<Page<Contact>, Error> {
        let request = Self::filter_request(filter)?;
        first_page(self.client.api(), contact_pages(request, page)).await
    }

    /// Every contact matching `filter`, page after page.
    pub fn filter_stream(
        &self,
        filter: ContactFilter,
    ) -> impl Stream<Item = Result<Contact, Error>> + Send + 'static {
        self.items_or_error(Self::filter_request(&filter))
    }

    /// The items of a contact list from page 1, or the request's error as the only item.
    fn items_or_error(
        &self,
        request: Result<ApiRequest<MetaList<Contact>>, Error>,
    ) -> futures_util::stream::BoxStream<'static, Result<Contact, Error>> {
        use futures_util::StreamExt;
        match request {
            Ok(request) => self.client.api().items(contact_pages(request, 1)).boxed(),
            Err(e) => futures_util::stream::once(async move { Err(e) }).boxed(),
        }
    }

    /// Merge `mergee_id` into `base_id`: conversations, labels and attributes move to the
    /// base contact and the mergee is deleted. Irreversible.
    pub async fn merge(&self, base_id: u64, mergee_id: u64) -> Result<Contact, Error> {
        if base_id == mergee_id {
            return Err(Error::InvalidInput {
                field: "mergee_id",
                message: format!("cannot merge contact {base_id} into itself"),
            });
        }
        let request = ApiRequest::post("contacts.merge", "actions/contact_merge").json_body(
            &serde_json::json!({ "base_contact_id": base_id, "mergee_contact_id": mergee_id }),
        )?;
        self.client.sender.send_unwrapped(request).await
    }

    /// The contact whose identifier is exactly `identifier`, if any.
    pub async fn find_by_identifier(&self, identifier: &str) -> Result<Option<Contact>, Error> {
        let filter = ContactFilter::new("identifier", FilterOperator::EqualTo, [identifier]);
        let page = self.filter(&filter, 1).await?;
        // The filter compares case-insensitively; identifiers are case-sensitive.
        Ok(page
            .items
            .into_iter()
            .find(|c| c.identifier.as_deref() == Some(identifier)))
    }

    /// The contact with this email (case-insensitive), if any.
    pub async fn find_by_email(&self, email: &str) -> Result<Option<Contact>, Error> {
        let email = email.trim().to_lowercase();
        let filter = ContactFilter::new("email", FilterOperator::EqualTo, [email.as_str()]);
        let page = self.filter(&filter, 1).await?;
        Ok(page.items.into_iter().find(|c| {
            c.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(&email))
        }))
    }

    async fn find_existing(&self, input: &ContactInput) -> Result<Option<Contact>, Error> {
        if let Some(identifier) = input.lookup_identifier()
            && let Some(found) = self.find_by_identifier(identifier).await?
        {
            return Ok(Some(found));
        }
        if let Some(email) = input.lookup_email() {
            return self.find_by_email(&email).await;
        }
        Ok(None)
    }

    async fn update_existing(
        &self,
        existing: Contact,
        input: &ContactInput,
    ) -> Result<Upserted, Error> {
        if input.is_satisfied_by(&existing) {
            return Ok(Upserted {
                contact: existing,
                outcome: UpsertOutcome::Unchanged,
            });
        }
        let mut update = input.clone();
        // Inbox fields only apply on create.
        update.inbox_id = None;
        update.source_id = None;
        let contact = self.update(existing.id, &update).await?;
        Ok(Upserted {
            contact,
            outcome: UpsertOutcome::Updated,
        })
    }

    /// Create or update the contact identified by `input`'s identifier or email, so sending
    /// the same input twice (a retry, a replay) never makes a duplicate.
    ///
    /// 1. Look the contact up by identifier (exact), then by email (case-insensitive), with
    ///    the filter endpoint (exact matches, and not throttled like search).
    /// 2. Found: update it, merging attributes; skip the request when it already has every
    ///    value ([`UpsertOutcome::Unchanged`]).
    /// 3. Not found: create it. If the create is refused because the email or identifier was
    ///    taken meanwhile (a concurrent writer, or an earlier attempt whose answer was lost),
    ///    look it up again and update it.
    ///
    /// `inbox_id`/`source_id` only apply when the contact is created; add an existing contact
    /// to an inbox with [`ContactInboxes::create`](crate::contact_inboxes::ContactInboxes::create).
    pub async fn upsert(&self, input: &ContactInput) -> Result<Upserted, Error> {
        if input.lookup_identifier().is_none() && input.lookup_email().is_none() {
            return Err(Error::InvalidInput {
                field: "email",
                message: "an upsert needs an email or an identifier to find the contact by; \
                          without one a retry would create a duplicate contact"
                    .into(),
            });
        }
        if let Some(existing) = self.find_existing(input).await? {
            return self.update_existing(existing, input).await;
        }
        match self.create(input).await {
            Ok(created) => Ok(Upserted {
                contact: created.contact,
                outcome: UpsertOutcome::Created,
            }),
            Err(e) if is_taken(&e) => match self.find_existing(input).await? {
                Some(existing) => self.update_existing(existing, input).await,
                None => Err(e),
            },
            Err(e) => Err(e),
        }
    }
}

/// A 422 saying the email or identifier already belongs to a contact.
fn is_taken(e: &Error) -> bool {
    e.status().is_some_and(|s| s.as_u16() == 422)
        && (e.is_invalid_field("email")
            || e.is_invalid_field("identifier")
            || e.body()
                .is_some_and(|b| b.message().contains("already been taken")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_compare_by_value() {
        assert!(values_equal(&json!(12.5), &json!(12.50)));
        assert!(values_equal(
            &json!({"a": [1, 2.0]}),
            &json!({"a": [1.0, 2]})
        ));
        assert!(!values_equal(&json!(12.5), &json!("12.5")));
        assert!(!values_equal(&json!(1), &json!(2)));
    }

    #[test]
    fn satisfied_by_ignores_unset_fields() {
        let contact: Contact = serde_json::from_value(json!({
            "id": 1, "email": "ada@example.com", "name": "Ada",
            "custom_attributes": {"shop_total_spent": 12.5, "other": "x"}
        }))
        .unwrap();
        let input = ContactInput::new()
            .email("ADA@example.com")
            .custom_attribute("shop_total_spent", json!(12.50));
        assert!(input.is_satisfied_by(&contact));
        let changed = input.clone().custom_attribute("shop_tier", "vip");
        assert!(!changed.is_satisfied_by(&contact));
        assert!(!input.name("Ada L.").is_satisfied_by(&contact));
    }
}
