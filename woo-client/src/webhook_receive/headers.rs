//! Header names WooCommerce sets on deliveries (lower-case, as HTTP/2 and `HeaderMap` use), and
//! [`WebhookHeaders`]: read access to any framework's headers.

use serde_json::Value;
use sync_core::http::reqwest::header::HeaderMap;
use sync_core::webhook::StoredHeaders;

/// `base64(HMAC-SHA256(body, secret))`.
pub const SIGNATURE: &str = "x-wc-webhook-signature";
/// `order.updated`, `action.woocommerce_…`.
pub const TOPIC: &str = "x-wc-webhook-topic";
/// `order`.
pub const RESOURCE: &str = "x-wc-webhook-resource";
/// `updated`.
pub const EVENT: &str = "x-wc-webhook-event";
/// The webhook's id.
pub const WEBHOOK_ID: &str = "x-wc-webhook-id";
/// Not unique per event; do not deduplicate on it.
pub const DELIVERY_ID: &str = "x-wc-webhook-delivery-id";
/// The store's home URL (`https://shop.example/`).
pub const SOURCE: &str = "x-wc-webhook-source";

/// Read access to request headers, so any HTTP framework can be used.
pub trait WebhookHeaders {
    /// The value of `name` (lower-case), if present and text.
    fn header(&self, name: &str) -> Option<&str>;
}

impl WebhookHeaders for HeaderMap {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| v.to_str().ok())
    }
}

impl WebhookHeaders for StoredHeaders {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> WebhookHeaders for [(K, V)] {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> WebhookHeaders for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

impl WebhookHeaders for Value {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_str())
    }
}
