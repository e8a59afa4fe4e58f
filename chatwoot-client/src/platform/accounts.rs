//! Platform accounts: create, get, update, delete.

use serde::Serialize;
use serde_json::{Map, Value};

use sync_core::http::ApiRequest;
use sync_core::http::reqwest::Method;

use crate::client::{JsonBody, PlatformClient};
use crate::error::Error;
use crate::models::Account;

impl PlatformClient {
    /// Accounts (tenants).
    pub fn accounts(&self) -> Accounts<'_> {
        Accounts { client: self }
    }
}

/// The fields of an account to create or update. Only the fields you set are sent.
///
/// ```
/// use chatwoot_client::platform::AccountInput;
/// let acct = AccountInput::new("Acme Support").locale("de").feature("help_center", false);
/// let json = serde_json::to_value(&acct).unwrap();
/// assert_eq!(json["features"]["help_center"], false);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AccountInput {
    /// The name (required on create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The locale (`en`, `de`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// A custom domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The support email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub support_email: Option<String>,
    /// `active` or `suspended`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Feature flags to switch on or off.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub features: Map<String, Value>,
    /// Limits (`agents`, `inboxes`…).
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub limits: Map<String, Value>,
    /// Your attributes.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub custom_attributes: Map<String, Value>,
}

impl AccountInput {
    /// An account named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        AccountInput {
            name: Some(name.into()),
            ..Default::default()
        }
    }
    /// Set the locale.
    pub fn locale(mut self, locale: impl Into<String>) -> Self {
        self.locale = Some(locale.into());
        self
    }
    /// Set the support email.
    pub fn support_email(mut self, email: impl Into<String>) -> Self {
        self.support_email = Some(email.into());
        self
    }
    /// Set the status (`active`, `suspended`).
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }
    /// Switch a feature on or off.
    pub fn feature(mut self, feature: impl Into<String>, enabled: bool) -> Self {
        self.features.insert(feature.into(), Value::Bool(enabled));
        self
    }
    /// Set a limit.
    pub fn limit(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.limits.insert(key.into(), value.into());
        self
    }
    /// Set a custom attribute.
    pub fn custom_attribute(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.custom_attributes.insert(key.into(), value.into());
        self
    }
}

/// Accounts. Get it from [`PlatformClient::accounts`].
#[derive(Debug, Clone, Copy)]
pub struct Accounts<'a> {
    client: &'a PlatformClient,
}

impl Accounts<'_> {
    /// Create an account. The app becomes allowed to manage it. Users need an
    /// [account user](crate::platform::AccountUsers) before they can work in it.
    pub async fn create(&self, account: &AccountInput) -> Result<Account, Error> {
        if account.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
            return Err(Error::InvalidInput {
                field: "name",
                message: "a new account needs a name".into(),
            });
        }
        let request =
            ApiRequest::post("platform.accounts.create", "accounts").json_body(account)?;
        self.client.sender.send_unwrapped(request).await
    }

    /// An account by id.
    pub async fn get(&self, id: u64) -> Result<Account, Error> {
        let request = ApiRequest::get("platform.accounts.get", format!("accounts/{id}"));
        self.client.sender.send_unwrapped(request).await
    }

    /// Update an account; only the fields set are sent.
    pub async fn update(&self, id: u64, account: &AccountInput) -> Result<Account, Error> {
        let request = ApiRequest::new(
            "platform.accounts.update",
            Method::PATCH,
            format!("accounts/{id}"),
        )
        // Sets fields to given values: safe to repeat.
        .idempotent(true)
        .json_body(account)?;
        self.client.sender.send_unwrapped(request).await
    }

    /// Delete an account (Chatwoot removes it in the background).
    pub async fn delete(&self, id: u64) -> Result<(), Error> {
        let request = ApiRequest::<serde::de::IgnoredAny>::delete(
            "platform.accounts.delete",
            format!("accounts/{id}"),
        );
        self.client.sender.send(request).await.map(drop)
    }
}
