//! WooCommerce Subscriptions (`/wc/v3/subscriptions`, needs Subscriptions ≥ 3.1).

use chrono::{DateTime, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use super::common::{
    Address, CouponLine, FeeLine, LineItem, MetaData, ShippingLine, TaxLine, string_enum,
};
use super::serde_helpers::{
    gmt_opt, gmt_opt_blank, local_opt, money, string_or_null, stringly_u32_opt,
};
use crate::payment::PaymentMethod;

string_enum! {
    /// A subscription status, without the `wc-` prefix. Read `/subscriptions/statuses` for the
    /// statuses a given store knows.
    #[derive(Default)]
    pub enum SubscriptionStatus {
        /// Awaiting the first payment.
        #[default]
        Pending => "pending",
        /// Active.
        Active => "active",
        /// On hold (usually a failed renewal).
        OnHold => "on-hold",
        /// Cancelled.
        Cancelled => "cancelled",
        /// Replaced by another subscription (switched).
        Switched => "switched",
        /// Ended.
        Expired => "expired",
        /// Cancelled, running until the end of the paid period.
        PendingCancel => "pending-cancel",
    }
}

string_enum! {
    /// The unit of a billing interval.
    #[derive(Default)]
    pub enum BillingPeriod {
        /// Days.
        Day => "day",
        /// Weeks.
        Week => "week",
        /// Months.
        #[default]
        Month => "month",
        /// Years.
        Year => "year",
    }
}

/// A subscription as `GET /wc/v3/subscriptions/<id>` returns it. The shape is an order's, minus
/// `transaction_id`, `refunds`, `cart_hash`, plus the schedule.
///
/// The schedule dates are read from the `*_gmt` fields; WooCommerce Subscriptions sends `""` for
/// an unset date, which reads as `None` (and is written back as `""`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Subscription {
    /// Subscription id.
    pub id: u64,
    /// The order that started it.
    pub parent_id: u64,
    /// Number shown to customers.
    pub number: String,
    /// Order key.
    pub order_key: String,
    /// How it was created.
    pub created_via: String,
    /// Plugin version that last saved it.
    pub version: String,
    /// Status.
    pub status: SubscriptionStatus,
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
    /// Discount total per renewal.
    #[serde(with = "money")]
    pub discount_total: Decimal,
    /// Tax on discounts.
    #[serde(with = "money")]
    pub discount_tax: Decimal,
    /// Shipping per renewal.
    #[serde(with = "money")]
    pub shipping_total: Decimal,
    /// Tax on shipping.
    #[serde(with = "money")]
    pub shipping_tax: Decimal,
    /// Tax on items.
    #[serde(with = "money")]
    pub cart_tax: Decimal,
    /// Recurring total.
    #[serde(with = "money")]
    pub total: Decimal,
    /// Total tax.
    #[serde(with = "money")]
    pub total_tax: Decimal,
    /// Whether prices include tax.
    pub prices_include_tax: bool,
    /// Customer user id.
    pub customer_id: u64,
    /// Customer IP address.
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub customer_ip_address: String,
    /// Customer user agent.
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub customer_user_agent: String,
    /// Customer note.
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub customer_note: String,
    /// Billing address.
    pub billing: Address,
    /// Shipping address.
    pub shipping: Address,
    /// Payment gateway id used for renewals; see [`Subscription::payment`].
    pub payment_method: String,
    /// Payment gateway title.
    pub payment_method_title: String,
    /// Paid, site-local wall time.
    #[serde(with = "local_opt")]
    pub date_paid: Option<NaiveDateTime>,
    /// Paid (UTC).
    #[serde(with = "gmt_opt")]
    pub date_paid_gmt: Option<DateTime<Utc>>,
    /// Completed, site-local wall time.
    #[serde(with = "local_opt")]
    pub date_completed: Option<NaiveDateTime>,
    /// Completed (UTC).
    #[serde(with = "gmt_opt")]
    pub date_completed_gmt: Option<DateTime<Utc>>,
    /// Meta.
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
    /// Billing period unit.
    pub billing_period: BillingPeriod,
    /// Periods between renewals (sent as a string by WooCommerce Subscriptions).
    #[serde(with = "stringly_u32_opt")]
    pub billing_interval: Option<u32>,
    /// Start (UTC).
    #[serde(with = "gmt_opt_blank")]
    pub start_date_gmt: Option<DateTime<Utc>>,
    /// Trial end (UTC).
    #[serde(with = "gmt_opt_blank")]
    pub trial_end_date_gmt: Option<DateTime<Utc>>,
    /// Next renewal (UTC); `None` when no renewal is scheduled.
    #[serde(with = "gmt_opt_blank")]
    pub next_payment_date_gmt: Option<DateTime<Utc>>,
    /// Last payment (UTC).
    #[serde(with = "gmt_opt_blank")]
    pub last_payment_date_gmt: Option<DateTime<Utc>>,
    /// Cancelled (UTC).
    #[serde(with = "gmt_opt_blank")]
    pub cancelled_date_gmt: Option<DateTime<Utc>>,
    /// End (UTC).
    #[serde(with = "gmt_opt_blank")]
    pub end_date_gmt: Option<DateTime<Utc>>,
    /// The subscription this one resubscribed from (a string id, or blank).
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub resubscribed_from: String,
    /// The subscription that resubscribed to this one (a string id, or blank).
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub resubscribed_subscription: String,
    /// Lines removed by the customer.
    pub removed_line_items: Vec<LineItem>,
    /// Fields this crate does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Subscription {
    /// The renewal payment method, classified.
    pub fn payment(&self) -> PaymentMethod {
        PaymentMethod::from_gateway_id(&self.payment_method)
    }

    /// The first meta value stored under `key`.
    pub fn meta(&self, key: &str) -> Option<&Value> {
        super::common::find_meta(&self.meta_data, key)
    }
}

/// Changes to a subscription for `PUT /subscriptions/<id>`. Only the fields you set are sent.
///
/// Schedule dates are written in GMT with WooCommerce Subscriptions' write format
/// `YYYY-MM-DD HH:MM:SS` (read fields end in `_gmt`; write fields do not).
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use woo_client::models::SubscriptionPatch;
///
/// let patch = SubscriptionPatch::default()
///     .next_payment_date(Utc.with_ymd_and_hms(2021, 7, 23, 10, 45, 0).unwrap());
/// assert_eq!(
///     serde_json::to_string(&patch).unwrap(),
///     r#"{"next_payment_date":"2021-07-23 10:45:00"}"#
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SubscriptionPatch {
    /// New status (set directly, without the transition side effects; use
    /// `extra["transition_status"]` for those).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<SubscriptionStatus>,
    /// Start date (GMT).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "write_date")]
    pub start_date: Option<DateTime<Utc>>,
    /// Trial end (GMT).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "write_date")]
    pub trial_end_date: Option<DateTime<Utc>>,
    /// Next renewal (GMT).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "write_date")]
    pub next_payment_date: Option<DateTime<Utc>>,
    /// End (GMT).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "write_date")]
    pub end_date: Option<DateTime<Utc>>,
    /// Renewal payment gateway id (fails unless the gateway allows admin changes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
    /// Meta to upsert.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub meta_data: Vec<MetaData>,
    /// Any other writable field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// WooCommerce Subscriptions' documented write format for dates: GMT, `Y-m-d H:i:s`.
pub(crate) const SUBSCRIPTION_WRITE_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

fn write_date<S: Serializer>(v: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(t) => s.collect_str(&t.format(SUBSCRIPTION_WRITE_FORMAT)),
        None => s.serialize_none(),
    }
}

impl SubscriptionPatch {
    /// Move the next renewal to `at` (UTC).
    pub fn next_payment_date(mut self, at: DateTime<Utc>) -> Self {
        self.next_payment_date = Some(at);
        self
    }

    /// Set the status.
    pub fn status(mut self, status: SubscriptionStatus) -> Self {
        self.status = Some(status);
        self
    }
}
