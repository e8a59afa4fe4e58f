//! Custom fields: list them, resolve one by personalization tag or title, set values on a
//! contact.
//!
//! Shops keep subscription state in custom fields (a status, a next payment date). Field ids
//! differ between accounts, so mappings name fields by personalization tag or title and this
//! module resolves them, with the field list cached per client.

use std::fmt;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use sync_core::http::reqwest::Method;

use crate::client::{Call, Client};
use crate::contacts::MAX_PAGE_SIZE;
use crate::error::{Error, Result};
use crate::models::{ContactInput, Field, FieldValue, FieldValueRecord, Meta, SyncedContact};

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

/// The account's field list, loaded once and reloaded when a name is not found (a field
/// created after the first load). The async mutex makes concurrent loads a single request.
#[derive(Debug, Default)]
pub(crate) struct FieldCache {
    fields: Mutex<Option<Arc<Vec<Field>>>>,
    loading: tokio::sync::Mutex<()>,
}

impl FieldCache {
    fn current(&self) -> Option<Arc<Vec<Field>>> {
        self.fields
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn store(&self, fields: Vec<Field>) -> Arc<Vec<Field>> {
        let fields = Arc::new(fields);
        *self.fields.lock().unwrap_or_else(|e| e.into_inner()) = Some(fields.clone());
        fields
    }
}

#[derive(Deserialize)]
struct FieldList {
    #[serde(default)]
    fields: Vec<Field>,
    #[serde(default)]
    meta: Meta,
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
        let mut all = Vec::new();
        let mut offset = 0u64;
        loop {
            let call = Call::get("fields.list", "fields")
                .query("limit", MAX_PAGE_SIZE)
                .query("offset", offset);
            let page: FieldList = self.client.call(call).await?;
            let n = page.fields.len() as u64;
            all.extend(page.fields);
            offset += n;
            if n == 0 || n < u64::from(MAX_PAGE_SIZE) || offset >= page.meta.total {
                return Ok(all);
            }
        }
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
        let call = Call::write("fields.set_value", Method::POST, "fieldValues", true, &body)?;
        let one: OneFieldValue = self.client.call(call).await?;
        Ok(one.field_value)
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
        let call = Call::write(
            "fields.update_value",
            Method::PUT,
            format!("fieldValues/{field_value_id}"),
            true,
            &body,
        )?;
        let one: OneFieldValue = self.client.call(call).await?;
        Ok(one.field_value)
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
