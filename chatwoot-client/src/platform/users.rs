//! Platform users: create, get, update, delete, and their login link and access token.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::auth::ApplicationToken;
use sync_core::http::ApiRequest;
use sync_core::http::reqwest::Method;

use crate::client::{JsonBody, PlatformClient};
use crate::error::Error;
use crate::models::User;

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
        let request = ApiRequest::post("platform.users.create", "users").json_body(user)?;
        self.client.sender.send_unwrapped(request).await
    }

    /// A user by id.
    pub async fn get(&self, id: u64) -> Result<User, Error> {
        let request = ApiRequest::get("platform.users.get", format!("users/{id}"));
        self.client.sender.send_unwrapped(request).await
    }

    /// Update a user; only the fields set are sent.
    pub async fn update(&self, id: u64, user: &UserInput) -> Result<User, Error> {
        self.remember_password(user);
        let request = ApiRequest::new(
            "platform.users.update",
            Method::PATCH,
            format!("users/{id}"),
        )
        // Sets fields to given values: safe to repeat.
        .idempotent(true)
        .json_body(user)?;
        self.client.sender.send_unwrapped(request).await
    }

    /// Delete a user.
    pub async fn delete(&self, id: u64) -> Result<(), Error> {
        let request = ApiRequest::<serde::de::IgnoredAny>::delete(
            "platform.users.delete",
            format!("users/{id}"),
        );
        self.client.sender.send(request).await.map(drop)
    }

    /// A single-sign-on link that logs the user in (secret: anyone holding it is logged in).
    pub async fn login_url(&self, id: u64) -> Result<SecretString, Error> {
        let request = ApiRequest::get("platform.users.login", format!("users/{id}/login"));
        let link: LoginLink = self.client.sender.send(request).await?;
        // A login link logs anyone in: mask it wherever this client prints from now on.
        self.client.redactor().add_value(&link.url);
        Ok(SecretString::from(link.url))
    }

    /// The user's Application API token, to build an
    /// [`ApplicationClient`](crate::ApplicationClient) acting as them. The token is masked
    /// from then on wherever this client prints.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use chatwoot_client::{ApplicationClient, PlatformClient, PlatformToken};
    /// use serde_json::json;
    /// use wiremock::matchers::{method, path};
    /// use wiremock::{Mock, MockServer, ResponseTemplate};
    ///
    /// let chatwoot = MockServer::start().await;
    /// Mock::given(method("POST")).and(path("/platform/api/v1/users/9/token"))
    ///     .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "issued-Tok3n-4471"})))
    ///     .mount(&chatwoot).await;
    /// let platform = PlatformClient::builder(chatwoot.uri())
    ///     .credentials(PlatformToken::new("platform-app-token"))
    ///     .build()?;
    /// let token = platform.users().access_token(9).await?;
    /// assert_eq!(platform.redactor().text("echo issued-Tok3n-4471"), "echo [REDACTED]");
    /// let as_user = ApplicationClient::builder(chatwoot.uri()).account_id(1).credentials(token).build()?;
    /// # let _ = as_user;
    /// # Ok(()) }
    /// ```
    pub async fn access_token(&self, id: u64) -> Result<ApplicationToken, Error> {
        let request = ApiRequest::post("platform.users.token", format!("users/{id}/token"));
        let answer: TokenAnswer = self.client.sender.send(request).await?;
        // Issued at run time: mask it from now on wherever this client prints.
        self.client
            .redactor()
            .add_value(answer.access_token.expose_secret());
        Ok(answer.access_token)
    }

    /// The password travels in the request body, which an error answer may echo: mask it.
    fn remember_password(&self, user: &UserInput) {
        if let Some(password) = &user.password {
            self.client.redactor().add_value(password.expose_secret());
        }
    }
}
