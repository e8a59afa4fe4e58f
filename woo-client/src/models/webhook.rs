//! Webhook configurations (`/wc/v3/webhooks`): the resource, not a delivery.

use chrono::{DateTime, NaiveDateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::common::string_enum;
use super::serde_helpers::{gmt_opt, local_opt};

string_enum! {
    /// A webhook's status.
    #[derive(Default)]
    pub enum WebhookStatus {
        /// Delivering.
        #[default]
        Active => "active",
        /// Paused by an admin.
        Paused => "paused",
        /// Disabled by WooCommerce after repeated delivery failures; set it `active` again.
        Disabled => "disabled",
    }
}

/// A webhook as `GET /wc/v3/webhooks/<id>` returns it. The secret, when the server includes it,
/// is held as a [`SecretString`] and never serialized back.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Webhook {
    /// Webhook id (`X-WC-Webhook-ID` on deliveries).
    pub id: u64,
    /// Name.
    pub name: String,
    /// Status.
    pub status: WebhookStatus,
    /// Topic (`order.updated`, `action.woocommerce_…`).
    pub topic: String,
    /// Resource part of the topic.
    pub resource: String,
    /// Event part of the topic.
    pub event: String,
    /// The WordPress hooks that fire it.
    pub hooks: Vec<String>,
    /// Where deliveries go.
    pub delivery_url: String,
    /// The signing secret, if the server returned it.
    #[serde(skip_serializing, deserialize_with = "secret_opt")]
    pub secret: Option<SecretString>,
    /// Created, site-local wall time.
    #[serde(with = "local_opt")]
    pub date_created: Option<NaiveDateTime>,
    /// Created (UTC).
    #[serde(with = "gmt_opt")]
    pub date_created_gmt: Option<DateTime<Utc>>,
    /// Modified, site-local wall time.
    #[serde(with = "local_opt")]
    pub date_modified: Option<NaiveDateTime>,
    /// Modified (UTC).
    #[serde(with = "gmt_opt")]
    pub date_modified_gmt: Option<DateTime<Utc>>,
    /// Fields this crate does not name (`api_version`, `_links`…).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn secret_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    Ok(Option::<String>::deserialize(d)?
        .filter(|s| !s.is_empty())
        .map(SecretString::from))
}

/// A webhook to create, or the fields to change on one.
///
/// Generate the secret yourself from letters and digits: WooCommerce HTML-escapes some special
/// characters in stored secrets, which makes signatures hard to match.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WebhookSpec {
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Status (`active` to re-enable a disabled webhook).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<WebhookStatus>,
    /// Topic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Delivery URL. Use its final `https://` form: WooCommerce does not follow redirects and
    /// counts a 301/302 as delivered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_url: Option<String>,
    /// Signing secret.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "expose_secret"
    )]
    pub secret: Option<SecretString>,
    /// Any other writable field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn expose_secret<S: Serializer>(v: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(secret) => s.serialize_str(secret.expose_secret()),
        None => s.serialize_none(),
    }
}

impl WebhookSpec {
    /// A new active webhook for `topic`, delivering to `delivery_url`, signed with `secret`.
    pub fn new(
        name: impl Into<String>,
        topic: impl Into<String>,
        delivery_url: impl Into<String>,
        secret: impl Into<SecretString>,
    ) -> Self {
        WebhookSpec {
            name: Some(name.into()),
            status: Some(WebhookStatus::Active),
            topic: Some(topic.into()),
            delivery_url: Some(delivery_url.into()),
            secret: Some(secret.into()),
            extra: Map::new(),
        }
    }

    /// Only re-enable (`status: active`), for a webhook WooCommerce disabled.
    pub fn reactivate() -> Self {
        WebhookSpec {
            status: Some(WebhookStatus::Active),
            ..Default::default()
        }
    }
}
