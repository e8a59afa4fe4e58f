//! Custom fields: list them, resolve one by personalization tag or title, set values on a
//! contact.
//!
//! Shops keep subscription state in custom fields (a status, a next payment date). Field ids
//! differ between accounts, so mappings name fields by personalization tag or title and this
//! module resolves them, with the field list cached per client.

use std::fmt;
use std::sync::Arc;

use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sync_core::http::ApiRequest;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::models::{ContactInput, Field, FieldValue, FieldValueRecord, Meta, SyncedContact};
use crate::paging::{ListBody, OffsetPages};

/// How a mapping names a custom field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldKey {
    /// By id (no lookup needed).
    Id(i64),
    /// By personalization tag (`SUB_STATUS` or `%SUB_STATUS%`), case-insensitive.
    PersTag(String),
    /// By title as shown in the UI, case-insensitive.
    Title(String),
}

impl FieldKey {
    /// By personalization tag.
    pub fn perstag(tag: impl Into<String>) -> Self {
        FieldKey::PersTag(tag.into())
    }

    /// By title.
    pub fn title(title: impl Into<String>) -> Self {
        FieldKey::Title(title.into())
    }

    fn matches(&self, field: &Field) -> bool {
        match self {
            FieldKey::Id(id) => field.id == *id,
            FieldKey::PersTag(tag) => field.matches_perstag(tag),
            FieldKey::Title(title) => field.matches_title(title),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            FieldKey::Id(_) => "custom field (id)",
            FieldKey::PersTag(_) => "custom field (personalization tag)",
            FieldKey::Title(_) => "custom field (title)",
        }
    }
}

impl fmt::Display for FieldKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldKey::Id(id) => write!(f, "{id}"),
            FieldKey::PersTag(t) => write!(f, "%{}%", t.trim_matches('%')),
            FieldKey::Title(t) => f.write_str(t),
        }
    }
}

impl From<i64> for FieldKey {
    fn from(id: i64) -> Self {
        FieldKey::Id(id)
    }
}

/// `GET /fields`: one page of custom fields.
#[derive(Deserialize)]
struct FieldList {
    #[serde(default)]
    fields: Vec<Field>,
    #[serde(default)]
    meta: Meta,
}

impl ListBody for FieldList {
    type Item = Field;

    fn into_parts(self) -> (Vec<Field>, Meta) {
        (self.fields, self.meta)
    }

    fn key(field: &Field) -> Option<String> {
        Some(field.id.to_string())
    }
}

#[derive(Deserialize)]
struct OneFieldValue {
    #[serde(rename = "fieldValue")]
    field_value: FieldValueRecord,
}

#[derive(Serialize)]
struct FieldValueBody<'a> {
    #[serde(rename = "fieldValue")]
    field_value: FieldValueInner<'a>,
    #[serde(rename = "useDefaults")]
    use_defaults: bool,
}

#[derive(Serialize)]
struct FieldValueInner<'a> {
    contact: i64,
    field: i64,
    value: &'a str,
}

/// Custom field requests. Get it from [`Client::fields`].
#[derive(Debug, Clone, Copy)]
pub struct Fields<'c> {
    client: &'c Client,
}

impl<'c> Fields<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        Fields { client }
    }

    /// Every custom contact field of the account (`GET /fields`, all pages). Always asks the
    /// API; [`resolve`](Self::resolve) uses a cached copy.
    ///
    /// # Errors
    /// Transport and API errors.
    pub async fn list(&self) -> Result<Vec<Field>> {
        let request = ApiRequest::get("fields.list", "fields");
        self.client
            .api()
            .items(OffsetPages::<FieldList>::new(request))
            .try_collect()
            .await
    }

    /// Reload the cached field list now.
    ///
    /// # Errors
    /// Transport and API errors.
    pub async fn refresh(&self) -> Result<Vec<Field>> {
        let cache = self.client.field_cache();
        let _guard = cache.loading.lock().await;
        let fields = self.list().await?;
        Ok(cache.store(fields).as_ref().clone())
    }

    /// The field a key names. Uses the cached field list; when the key is not in it, reloads
    /// the list once (the field may be new) before giving up.
    ///
    /// ```
    /// # use wiremock::{Mock, MockServer, ResponseTemplate, matchers::{method, path}};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ac_client::Error> {
    /// # let server = MockServer::start().await;
    /// # Mock::given(method("GET")).and(path("/api/3/fields"))
    /// #     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
    /// #         "fields": [{"id": "7", "title": "Subscription status", "perstag": "SUB_STATUS", "type": "dropdown"}],
    /// #         "meta": {"total": "1"}})))
    /// #     .mount(&server).await;
    /// # let client = ac_client::Client::builder(server.uri())
    /// #     .credentials(ac_client::ApiToken::new("my-key")).build()?;
    /// use ac_client::fields::FieldKey;
    ///
    /// let by_tag = client.fields().resolve(&FieldKey::perstag("%SUB_STATUS%")).await?;
    /// let by_title = client.fields().resolve(&FieldKey::title("subscription status")).await?;
    /// assert_eq!((by_tag.id, by_title.id), (7, 7));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::NotFound`] when the account has no such field — a configuration problem: create
    /// the field or fix the mapping.
    pub async fn resolve(&self, key: &FieldKey) -> Result<Field> {
        let cache = self.client.field_cache();
        if let Some(field) = cache
            .current()
            .and_then(|f| f.iter().find(|f| key.matches(f)).cloned())
        {
            return Ok(field);
        }
        let before = cache.current();
        let _guard = cache.loading.lock().await;
        // Someone else may have reloaded while we waited for the lock.
        let fields = match cache.current() {
            Some(now) if before.as_ref().is_none_or(|b| !Arc::ptr_eq(b, &now)) => now,
            _ => cache.store(self.list().await?),
        };
        fields
            .iter()
            .find(|f| key.matches(f))
            .cloned()
            .ok_or_else(|| Error::NotFound {
                kind: key.kind(),
                name: key.to_string(),
            })
    }

    /// The id a key names ([`FieldKey::Id`] needs no lookup).
    ///
    /// # Errors
    /// As for [`resolve`](Self::resolve).
    pub async fn resolve_id(&self, key: &FieldKey) -> Result<i64> {
        match key {
            FieldKey::Id(id) => Ok(*id),
            other => self.resolve(other).await.map(|f| f.id),
        }
    }

    /// Set one field value on a contact (`POST /fieldValues`, with `useDefaults`).
    ///
    /// # Errors
    /// [`Error::is_not_found`] when the contact or field does not exist; transport and API
    /// errors.
    pub async fn set_value(
        &self,
        contact_id: i64,
        field_id: i64,
        value: &FieldValue,
    ) -> Result<FieldValueRecord> {
        let body = FieldValueBody {
            field_value: FieldValueInner {
                contact: contact_id,
                field: field_id,
                value: value.as_str(),
            },
            use_defaults: true,
        };
        let request = ApiRequest::<OneFieldValue>::post("fields.set_value", "fieldValues")
            .json(&body)
            .map_err(Error::encoding)?
            .idempotent(true);
        Ok(self.client.send(request).await?.field_value)
    }

    /// Change a stored field value in place (`PUT /fieldValues/{id}`).
    ///
    /// # Errors
    /// [`Error::is_not_found`] when there is no such field value.
    pub async fn update_value(
        &self,
        field_value_id: i64,
        contact_id: i64,
        field_id: i64,
        value: &FieldValue,
    ) -> Result<FieldValueRecord> {
        let body = FieldValueBody {
            field_value: FieldValueInner {
                contact: contact_id,
                field: field_id,
                value: value.as_str(),
            },
            use_defaults: true,
        };
        let request = ApiRequest::<OneFieldValue>::put(
            "fields.update_value",
            format!("fieldValues/{field_value_id}"),
        )
        .json(&body)
        .map_err(Error::encoding)?;
        Ok(self.client.send(request).await?.field_value)
    }

    /// Set several field values on a contact in one request, naming fields any way
    /// ([`FieldKey`]): resolves them, then `PUT /contacts/{id}` with `fieldValues`.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown field; otherwise as for
    /// [`Contacts::update`](crate::contacts::Contacts::update).
    pub async fn set_values(
        &self,
        contact_id: i64,
        values: &[(FieldKey, FieldValue)],
    ) -> Result<SyncedContact> {
        let mut input = ContactInput::without_email();
        for (key, value) in values {
            let id = self.resolve_id(key).await?;
            input = input.field(id, value.clone());
        }
        self.client.contacts().update(contact_id, &input).await
    }
}
