//! Platform users: create, get, update, delete, and their login link and access token.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::auth::ApplicationToken;
use crate::client::{Call, PlatformClient};
use crate::error::Error;
use crate::models::User;
use crate::pagination::payload_or_bare;

impl PlatformClient {
    /// Users (agents and administrators).
    pub fn users(&self) -> Users<'_> {
        Users { client: self }
    }
}

/// The fields of a user to create or update. Only the fields you set are sent; the password
/// is kept secret and never shown by `Debug`.
///
/// ```
/// use chatwoot_client::platform::UserInput;
/// let user = UserInput::new("Grace", "grace@example.com").password("Str0ng!pass");
/// assert!(!format!("{user:?}").contains("Str0ng"));
/// ```
#[derive(Clone, Default, Serialize)]
pub struct UserInput {
    /// The name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The email (login).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The password: upper- and lowercase letters, a digit and a special character.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "expose")]
    pub password: Option<SecretString>,
    /// Your attributes.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub custom_attributes: Map<String, Value>,
}

fn expose<S: Serializer>(secret: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    match secret {
        Some(secret) => s.serialize_str(secret.expose_secret()),
        None => s.serialize_none(),
    }
}

impl fmt::Debug for UserInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserInput")
            .field("name", &self.name)
            .field("display_name", &self.display_name)
            .field("email", &self.email)
            .field("password", &self.password.as_ref().map(|_| "[REDACTED]"))
            .field("custom_attributes", &self.custom_attributes)
            .finish()
    }
}

impl UserInput {
    /// A user with a name and email.
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Self {
        UserInput {
            name: Some(name.into()),
            email: Some(email.into()),
            ..Default::default()
        }
    }
    /// Set the password.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(SecretString::from(password.into()));
        self
    }
    /// Set the display name.
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = Some(name.into());
        self
    }
    /// Set a custom attribute.
    pub fn custom_attribute(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.custom_attributes.insert(key.into(), value.into());
        self
    }
}

#[derive(Deserialize)]
struct LoginLink {
    url: String,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: ApplicationToken,
}

/// Users. Get it from [`PlatformClient::users`].
#[derive(Debug, Clone, Copy)]
pub struct Users<'a> {
    client: &'a PlatformClient,
}

impl Users<'_> {
    /// Create a user. Add them to an account with
    /// [`AccountUsers::create`](crate::platform::AccountUsers::create) before they can log in.
    pub async fn create(&self, user: &UserInput) -> Result<User, Error> {
        self.remember_password(user);
        let call = Call::post("platform.users.create", self.client.path("users")).json(user)?;
        let value: Value = self.client.transport.json(call).await?;
        payload_or_bare("platform.users.create", value)
    }

    /// A user by id.
    pub async fn get(&self, id: u64) -> Result<User, Error> {
        let call = Call::get(
            "platform.users.get",
            self.client.path(&format!("users/{id}")),
        );
        let value: Value = self.client.transport.json(call).await?;
        payload_or_bare("platform.users.get", value)
    }

    /// Update a user; only the fields set are sent.
    pub async fn update(&self, id: u64, user: &UserInput) -> Result<User, Error> {
        self.remember_password(user);
        let call = Call::patch(
            "platform.users.update",
            self.client.path(&format!("users/{id}")),
        )
        .json(user)?;
        let value: Value = self.client.transport.json(call).await?;
        payload_or_bare("platform.users.update", value)
    }

    /// Delete a user.
    pub async fn delete(&self, id: u64) -> Result<(), Error> {
        let call = Call::delete(
            "platform.users.delete",
            self.client.path(&format!("users/{id}")),
        );
        self.client.transport.empty(call).await
    }

    /// A single-sign-on link that logs the user in (secret: anyone holding it is logged in).
    pub async fn login_url(&self, id: u64) -> Result<SecretString, Error> {
        let call = Call::get(
            "platform.users.login",
            self.client.path(&format!("users/{id}/login")),
        );
        let link: LoginLink = self.client.transport.json(call).await?;
        self.client.transport.redactor().add_value(&link.url);
        Ok(SecretString::from(link.url))
    }

    /// The user's Application API token, to build an
    /// [`ApplicationClient`](crate::ApplicationClient) acting as them.
    pub async fn access_token(&self, id: u64) -> Result<ApplicationToken, Error> {
        let call = Call::post(
            "platform.users.token",
            self.client.path(&format!("users/{id}/token")),
        );
        let answer: TokenAnswer = self.client.transport.json(call).await?;
        // Issued at run time: mask it from now on wherever this client prints.
        self.client
            .transport
            .redactor()
            .add_value(answer.access_token.expose_secret());
        Ok(answer.access_token)
    }

    /// The password travels in the request body, which an error answer may echo: mask it.
    fn remember_password(&self, user: &UserInput) {
        if let Some(password) = &user.password {
            self.client
                .transport
                .redactor()
                .add_value(password.expose_secret());
        }
    }
}
