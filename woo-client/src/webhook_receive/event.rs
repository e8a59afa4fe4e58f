//! Typed events: the [`Topic`] a delivery names, the [`Payload`] its body holds, and the check
//! of the (unsigned) topic header against the body's shape.

use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{DeliveryMeta, WebhookError};
use crate::models::{Coupon, Customer, Order, Product, Subscription};

crate::models::string_enum! {
    /// The resource part of a topic.
    pub enum Resource {
        /// `order`.
        Order => "order",
        /// `product`.
        Product => "product",
        /// `customer`.
        Customer => "customer",
        /// `coupon`.
        Coupon => "coupon",
        /// `subscription` (WooCommerce Subscriptions).
        Subscription => "subscription",
    }
}

crate::models::string_enum! {
    /// The event part of a topic.
    pub enum Event {
        /// Created (fires for new records, and for admin saves within 10 s of creation).
        Created => "created",
        /// Updated (also refunds, for orders).
        Updated => "updated",
        /// Trashed or deleted; the payload is only `{"id": N}`.
        Deleted => "deleted",
        /// Restored from the trash.
        Restored => "restored",
        /// Product published.
        Published => "published",
        /// Subscription switched.
        Switched => "switched",
    }
}

/// A webhook topic: a resource event (`order.updated`) or a custom action
/// (`action.woocommerce_payment_complete`, kept whole).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    /// `<resource>.<event>`.
    Resource {
        /// The resource.
        resource: Resource,
        /// The event.
        event: Event,
    },
    /// `action.<hook>`: the hook name.
    Action(String),
}

impl Topic {
    /// Parse an `X-WC-Webhook-Topic` value.
    pub fn parse(topic: &str) -> Topic {
        let topic = topic.trim();
        if let Some(hook) = topic.strip_prefix("action.") {
            return Topic::Action(hook.to_string());
        }
        let (resource, event) = topic.split_once('.').unwrap_or((topic, ""));
        Topic::Resource {
            resource: Resource::from(resource),
            event: Event::from(event),
        }
    }

    /// `true` for the topic of a signed delivery that came without an `X-WC-Webhook-Topic`
    /// header (or an empty one): it prints as `""` and never parses.
    pub fn is_missing(&self) -> bool {
        matches!(self, Topic::Resource { resource: Resource::Other(r), event: Event::Other(e) }
            if r.is_empty() && e.is_empty())
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // A topic without an event (or a missing one) prints as received.
            Topic::Resource { resource, event } if event.as_str().is_empty() => {
                write!(f, "{resource}")
            }
            Topic::Resource { resource, event } => write!(f, "{resource}.{event}"),
            Topic::Action(hook) => write!(f, "action.{hook}"),
        }
    }
}

/// A typed webhook payload.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Payload {
    /// An order (as `GET /orders/<id>` returned it at delivery time).
    Order(Box<Order>),
    /// A product.
    Product(Box<Product>),
    /// A customer.
    Customer(Box<Customer>),
    /// A coupon.
    Coupon(Box<Coupon>),
    /// A subscription.
    Subscription(Box<Subscription>),
    /// A `*.deleted` event: only the id.
    Deleted {
        /// The deleted record's id.
        id: u64,
    },
    /// An `action.*` topic: the hook and its first argument.
    Action {
        /// The hook name.
        action: String,
        /// The hook's first argument.
        arg: Value,
    },
    /// A resource this crate does not model.
    Other(Value),
}

/// A parsed delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    /// Header data (topic, webhook id, delivery id, source).
    pub meta: DeliveryMeta,
    /// The payload.
    pub payload: Payload,
}

impl WebhookEvent {
    /// The record id the event is about, when it has one.
    pub fn resource_id(&self) -> Option<u64> {
        match &self.payload {
            Payload::Order(o) => Some(o.id),
            Payload::Product(p) => Some(p.id),
            Payload::Customer(c) => Some(c.id),
            Payload::Coupon(c) => Some(c.id),
            Payload::Subscription(s) => Some(s.id),
            Payload::Deleted { id } => Some(*id),
            Payload::Action { .. } | Payload::Other(_) => None,
        }
    }

    /// The record's `date_modified_gmt`, when the payload carries one.
    pub fn modified_gmt(&self) -> Option<DateTime<Utc>> {
        match &self.payload {
            Payload::Order(o) => o.date_modified_gmt,
            Payload::Product(p) => p.date_modified_gmt,
            Payload::Customer(c) => c.date_modified_gmt,
            Payload::Coupon(c) => c.date_modified_gmt,
            Payload::Subscription(s) => s.date_modified_gmt,
            _ => None,
        }
    }
}

/// What a body's shape says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `{"id": N}` and nothing else: what `*.deleted` topics send.
    Deletion,
    /// `{"action", "arg"}`: what `action.*` topics send.
    Action,
    /// A full record of this resource.
    Record(&'static str),
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Deletion => f.write_str("a deletion (`{\"id\": N}`)"),
            Shape::Action => f.write_str("an action payload (`{\"action\", \"arg\"}`)"),
            Shape::Record(resource) => {
                let article = if resource.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                write!(f, "{article} {resource}")
            }
        }
    }
}

/// What a body's shape says it is, from the fields WooCommerce's REST API writes for each
/// resource (`WC_Webhook::build_payload` sends `GET /wc/v3/<resource>s/<id>`; a deletion sends
/// only `{"id": N}`; an `action.*` topic sends `{"action", "arg"}`). `None` when the body does
/// not say (an error body, a filtered payload, a resource this crate does not know).
fn body_shape(body: &serde_json::Map<String, Value>) -> Option<Shape> {
    let has = |k: &str| body.contains_key(k);
    if body.len() == 1 && has("id") {
        return Some(Shape::Deletion);
    }
    if has("action") && has("arg") {
        return Some(Shape::Action);
    }
    // Subscriptions extend orders (they have `line_items` too): test them first.
    let resource = if has("billing_period") {
        "subscription"
    } else if has("line_items") || has("order_key") {
        "order"
    } else if has("discount_type") {
        "coupon"
    } else if has("username") || has("role") {
        "customer"
    } else if has("sku") || has("regular_price") || has("variations") {
        "product"
    } else {
        return None;
    };
    Some(Shape::Record(resource))
}

/// The topic header is not signed: refuse to process a body as something it says it is not.
pub(super) fn check_topic_against_body(topic: &Topic, body: &[u8]) -> Result<(), WebhookError> {
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
        // Not a JSON object: the typed parse reports that.
        return Ok(());
    };
    let Some(body_is) = body_shape(&object) else {
        return Ok(());
    };
    let fits = match topic {
        Topic::Action(_) => body_is == Shape::Action,
        Topic::Resource {
            event: Event::Deleted,
            ..
        } => body_is == Shape::Deletion,
        Topic::Resource { resource, .. } => match resource {
            // A resource this crate does not know: only a deletion or action body is out of place.
            Resource::Other(_) => matches!(body_is, Shape::Record(_)),
            known => matches!(body_is, Shape::Record(r) if r == known.as_str()),
        },
    };
    if fits {
        Ok(())
    } else {
        Err(WebhookError::TopicMismatch {
            topic: topic.to_string(),
            body_is: body_is.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_parse_and_print() {
        assert_eq!(
            Topic::parse("order.updated"),
            Topic::Resource {
                resource: Resource::Order,
                event: Event::Updated
            }
        );
        assert_eq!(
            Topic::parse("action.woocommerce_payment_complete"),
            Topic::Action("woocommerce_payment_complete".into())
        );
        assert_eq!(
            Topic::parse("subscription.switched").to_string(),
            "subscription.switched"
        );
        assert_eq!(
            Topic::parse("booking.created").to_string(),
            "booking.created"
        );
    }
}
