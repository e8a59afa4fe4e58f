//! Orders (`/wc/v3/orders`), their notes and refunds.

use chrono::{DateTime, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{
    Address, CouponLine, FeeLine, LineItem, MetaData, OrderRefundRef, ShippingLine, TaxLine,
    string_enum,
};
use super::serde_helpers::{gmt_opt, local_opt, money, string_or_null};
use crate::payment::PaymentMethod;

string_enum! {
    /// An order status, without the `wc-` prefix.
    #[derive(Default)]
    pub enum OrderStatus {
        /// Awaiting payment.
        #[default]
        Pending => "pending",
        /// Paid, being fulfilled.
        Processing => "processing",
        /// Waiting for an action (for example a bank transfer).
        OnHold => "on-hold",
        /// Fulfilled.
        Completed => "completed",
        /// Cancelled.
        Cancelled => "cancelled",
        /// Refunded in full.
        Refunded => "refunded",
        /// Payment failed or was declined.
        Failed => "failed",
        /// In the trash.
        Trash => "trash",
        /// A block-checkout draft.
        CheckoutDraft => "checkout-draft",
    }
}

impl OrderStatus {
    /// `processing` or `completed`: the statuses WooCommerce reaches once an order is paid.
    pub fn is_paid(&self) -> bool {
        matches!(self, OrderStatus::Processing | OrderStatus::Completed)
    }
}

/// An order as `GET /wc/v3/orders/<id>` returns it.
///
/// Dates come in pairs: `date_x` is the site's local wall time with an unknown offset (kept
/// naive), `date_x_gmt` is UTC. Use the `_gmt` fields; never compare the two kinds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Order {
    /// Order id.
    pub id: u64,
    /// Parent order id (0 for none; refunds and renewals point at their parent).
    pub parent_id: u64,
    /// Order number shown to customers; a string, and not always equal to `id`.
    pub number: String,
    /// Order key (`wc_order_…`).
    pub order_key: String,
    /// How it was created (`checkout`, `rest-api`, `admin`, `subscription`…).
    pub created_via: String,
    /// WooCommerce version that last saved it.
    pub version: String,
    /// Status.
    pub status: OrderStatus,
    /// ISO 4217 currency code.
    pub currency: String,
    /// Created, site-local wall time.
    #[serde(with = "local_opt")]
    pub date_created: Option<NaiveDateTime>,
    /// Created (UTC).
    #[serde(with = "gmt_opt")]
    pub date_created_gmt: Option<DateTime<Utc>>,
    /// Last modified, site-local wall time.
    #[serde(with = "local_opt")]
    pub date_modified: Option<NaiveDateTime>,
    /// Last modified (UTC): the cursor for incremental sync.
    #[serde(with = "gmt_opt")]
    pub date_modified_gmt: Option<DateTime<Utc>>,
    /// Discount total.
    #[serde(with = "money")]
    pub discount_total: Decimal,
    /// Tax on discounts.
    #[serde(with = "money")]
    pub discount_tax: Decimal,
    /// Shipping total.
    #[serde(with = "money")]
    pub shipping_total: Decimal,
    /// Tax on shipping.
    #[serde(with = "money")]
    pub shipping_tax: Decimal,
    /// Tax on items.
    #[serde(with = "money")]
    pub cart_tax: Decimal,
    /// Grand total.
    #[serde(with = "money")]
    pub total: Decimal,
    /// Total tax.
    #[serde(with = "money")]
    pub total_tax: Decimal,
    /// Whether prices were entered including tax.
    pub prices_include_tax: bool,
    /// Customer user id; 0 for guest orders.
    pub customer_id: u64,
    /// Customer IP address.
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub customer_ip_address: String,
    /// Customer user agent.
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub customer_user_agent: String,
    /// Note left by the customer at checkout.
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub customer_note: String,
    /// Billing address (with email and phone).
    pub billing: Address,
    /// Shipping address.
    pub shipping: Address,
    /// Payment gateway id (`bacs`, `mollie_wc_gateway_ideal`…); see [`Order::payment`].
    pub payment_method: String,
    /// Payment gateway title shown to the customer.
    pub payment_method_title: String,
    /// Gateway transaction id.
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub transaction_id: String,
    /// Paid, site-local wall time.
    #[serde(with = "local_opt")]
    pub date_paid: Option<NaiveDateTime>,
    /// Paid (UTC); `None` until paid.
    #[serde(with = "gmt_opt")]
    pub date_paid_gmt: Option<DateTime<Utc>>,
    /// Completed, site-local wall time.
    #[serde(with = "local_opt")]
    pub date_completed: Option<NaiveDateTime>,
    /// Completed (UTC); `None` until completed.
    #[serde(with = "gmt_opt")]
    pub date_completed_gmt: Option<DateTime<Utc>>,
    /// Cart hash.
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub cart_hash: String,
    /// Order meta.
    pub meta_data: Vec<MetaData>,
    /// Product lines.
    pub line_items: Vec<LineItem>,
    /// Tax lines.
    pub tax_lines: Vec<TaxLine>,
    /// Shipping lines.
    pub shipping_lines: Vec<ShippingLine>,
    /// Fee lines.
    pub fee_lines: Vec<FeeLine>,
    /// Coupon lines.
    pub coupon_lines: Vec<CouponLine>,
    /// Refunds made against this order.
    pub refunds: Vec<OrderRefundRef>,
    /// Fields this crate does not name (`_links`, `payment_url`, plugin fields…), kept so a
    /// round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Order {
    /// The payment method, classified (iDEAL and Bancontact through Mollie, among others).
    pub fn payment(&self) -> PaymentMethod {
        PaymentMethod::from_gateway_id(&self.payment_method)
    }

    /// The first meta value stored under `key`.
    pub fn meta(&self, key: &str) -> Option<&Value> {
        super::common::find_meta(&self.meta_data, key)
    }

    /// The sum of all refunds, as a positive amount.
    pub fn refunded_total(&self) -> Decimal {
        self.refunds.iter().map(|r| r.total.abs()).sum()
    }
}

/// A note on an order (`/orders/<id>/notes`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderNote {
    /// Note id.
    pub id: u64,
    /// Who wrote it (`system`, or a user's display name).
    pub author: String,
    /// Created, site-local wall time.
    #[serde(with = "local_opt")]
    pub date_created: Option<NaiveDateTime>,
    /// Created (UTC).
    #[serde(with = "gmt_opt")]
    pub date_created_gmt: Option<DateTime<Utc>>,
    /// The note text.
    pub note: String,
    /// Whether the customer was sent the note.
    pub customer_note: bool,
    /// Fields this crate does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A note to add to an order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NewOrderNote {
    /// The note text.
    pub note: String,
    /// Send it to the customer (default: private note).
    pub customer_note: bool,
    /// Attribute it to the API key's user instead of "system".
    pub added_by_user: bool,
}

impl NewOrderNote {
    /// A private note.
    pub fn private(note: impl Into<String>) -> Self {
        NewOrderNote {
            note: note.into(),
            ..Default::default()
        }
    }

    /// A note sent to the customer by email.
    pub fn to_customer(note: impl Into<String>) -> Self {
        NewOrderNote {
            note: note.into(),
            customer_note: true,
            ..Default::default()
        }
    }
}

/// A refund (`/orders/<id>/refunds/<refund_id>`). Amounts are positive here, unlike `refunds[]`
/// inside an order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Refund {
    /// Refund id.
    pub id: u64,
    /// Created, site-local wall time.
    #[serde(with = "local_opt")]
    pub date_created: Option<NaiveDateTime>,
    /// Created (UTC).
    #[serde(with = "gmt_opt")]
    pub date_created_gmt: Option<DateTime<Utc>>,
    /// Refunded amount.
    #[serde(with = "money")]
    pub amount: Decimal,
    /// Reason.
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub reason: String,
    /// User id of who refunded.
    pub refunded_by: u64,
    /// Whether the gateway refunded the payment (as opposed to a manual refund).
    pub refunded_payment: bool,
    /// Refund meta.
    pub meta_data: Vec<MetaData>,
    /// Refunded lines (negative quantities and totals).
    pub line_items: Vec<LineItem>,
    /// Fields this crate does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A refund to create (`POST /orders/<id>/refunds`).
///
/// ```
/// use rust_decimal_macros::dec;
/// use woo_client::models::NewRefund;
/// let refund = NewRefund::manual(dec!(10.00)).reason("Damaged in transit");
/// assert_eq!(
///     serde_json::to_value(&refund).unwrap(),
///     serde_json::json!({"amount": "10.00", "reason": "Damaged in transit", "api_refund": false})
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewRefund {
    /// The amount to refund (sent as a decimal string, as WooCommerce expects).
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// Why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Ask the payment gateway to pay the money back. WooCommerce's own default is `true`; this
    /// type never leaves it implicit.
    pub api_refund: bool,
    /// Refunded lines (`[{"id": <line id>, "quantity": 1, "refund_total": 10.0}]`), if any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub line_items: Vec<Value>,
}

impl NewRefund {
    /// A refund recorded in WooCommerce only (`api_refund: false`): the money is returned
    /// some other way.
    pub fn manual(amount: Decimal) -> Self {
        NewRefund {
            amount,
            reason: None,
            api_refund: false,
            line_items: Vec::new(),
        }
    }

    /// A refund WooCommerce also sends to the payment gateway (`api_refund: true`).
    pub fn through_gateway(amount: Decimal) -> Self {
        NewRefund {
            api_refund: true,
            ..NewRefund::manual(amount)
        }
    }

    /// With a reason.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

/// Common changes to an order for `PUT /orders/<id>` and batch updates. Only the fields you set
/// are sent; put anything else in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OrderPatch {
    /// New status (runs WooCommerce's status transition hooks and emails).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<OrderStatus>,
    /// Gateway transaction id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// Customer note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_note: Option<String>,
    /// Meta to upsert by key (or by id when given).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub meta_data: Vec<MetaData>,
    /// Mark paid: runs `payment_complete()` (stock, emails, status).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_paid: Option<bool>,
    /// Any other writable field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl OrderPatch {
    /// A patch that only changes the status.
    pub fn status(status: OrderStatus) -> Self {
        OrderPatch {
            status: Some(status),
            ..Default::default()
        }
    }

    /// Add a meta entry to upsert.
    pub fn with_meta(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.meta_data.push(MetaData::new(key, value));
        self
    }
}
