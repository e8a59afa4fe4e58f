//! Credentials: the two kinds of Chatwoot access token, kept apart by type.
//!
//! Chatwoot authenticates both APIs with the same `api_access_token` header, but the token's
//! *owner* decides what it may call:
//!
//! | Token | Owner | Reaches | Where to find it |
//! |---|---|---|---|
//! | [`ApplicationToken`] | a user (agent/administrator) or an agent bot | `/api/v1/accounts/{id}/…` | Profile settings → Access Token (bots: Settings → Bots) |
//! | [`PlatformToken`] | a Platform App | `/platform/api/v1/…` | Super Admin → Platform Apps |
//!
//! A platform token sent to an Application route is refused with
//! `401 {"error":"Access to this endpoint is not authorized for bots"}`, and a user token sent
//! to a Platform route with `401 {"error":"Invalid access_token"}`. The client types only accept
//! their own token type, so that mix-up does not compile:
//!
//! ```compile_fail,E0308
//! use chatwoot_client::{ApplicationClient, PlatformToken};
//! // A PlatformToken is not an ApplicationToken.
//! let _ = ApplicationClient::builder("https://chat.example.com")
//!     .account_id(1)
//!     .credentials(PlatformToken::new("pt"));
//! ```
//!
//! When a token of the wrong kind is wrapped in the right type anyway (a pasted string), the
//! server's refusal becomes [`Error::Unauthorized`](crate::Error::Unauthorized) naming the
//! token the route needs.
//!
//! This module holds credentials only; how a token goes on a request is the vendor's
//! ([`ChatwootVendor`](crate::vendor::ChatwootVendor)), and errors know nothing of it.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};

/// The header both Chatwoot APIs read the token from.
pub const ACCESS_TOKEN_HEADER: &str = "api_access_token";

/// Which Chatwoot API a client talks to; it decides which token kind is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiKind {
    /// The Application API (`/api/v1/accounts/{account_id}/…`), called with an [`ApplicationToken`].
    Application,
    /// The Platform API (`/platform/api/v1/…`), called with a [`PlatformToken`].
    Platform,
}

impl ApiKind {
    /// What a person must supply for this API, for error messages.
    pub fn token_hint(self) -> &'static str {
        match self {
            ApiKind::Application => {
                "the Application API needs a user's access token (Profile settings → Access Token) \
                 or, for conversation and message writes only, an agent bot's token; a Platform App \
                 token is refused here (use PlatformClient for /platform/api/v1 routes)"
            }
            ApiKind::Platform => {
                "the Platform API needs a Platform App token (Super Admin → Platform Apps); a user or \
                 agent-bot access token is refused here (use ApplicationClient for /api/v1 routes)"
            }
        }
    }
}

impl fmt::Display for ApiKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ApiKind::Application => "Application API",
            ApiKind::Platform => "Platform API",
        })
    }
}

macro_rules! token_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            /// Wrap a token (a `&str`, `String` or [`SecretString`]).
            pub fn new(token: impl Into<SecretString>) -> Self {
                Self(token.into())
            }

            /// The token itself. Only for handing it to another system; never log it.
            pub fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }

        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([REDACTED])"))
            }
        }

        impl From<SecretString> for $name {
            fn from(secret: SecretString) -> Self {
                Self(secret)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map(Self::new)
            }
        }
    };
}

token_type!(
    /// An Application API access token: a user's or an agent bot's `api_access_token`.
    ///
    /// `Debug` shows `ApplicationToken([REDACTED])`.
    ///
    /// ```
    /// use chatwoot_client::ApplicationToken;
    /// let token = ApplicationToken::new("user-token-123");
    /// assert_eq!(format!("{token:?}"), "ApplicationToken([REDACTED])");
    /// ```
    ApplicationToken
);

token_type!(
    /// A Platform API access token, owned by a Platform App (Super Admin → Platform Apps).
    ///
    /// `Debug` shows `PlatformToken([REDACTED])`.
    PlatformToken
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let t = PlatformToken::new("pt-secret-value");
        assert!(!format!("{t:?}").contains("pt-secret-value"));
        let t = ApplicationToken::new(SecretString::from("app-secret-value"));
        assert_eq!(t.expose_secret(), "app-secret-value");
    }
}
