//! Orders (`GET /V1/orders`, `GET /V1/orders/{id}`).

use std::fmt;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::EntityId;
use super::serde_util::{flag_opt, lenient_strings, object_or_empty_array, strings};
use crate::time::{serde_time, serde_time_opt};
use sync_core::money::{Money, serde_number_option as serde_decimal_opt};

/// An order's `state`: Magento's fixed workflow states. `status` is the merchant's label on top.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum OrderState {
    /// `new`
    #[default]
    New,
    /// `pending_payment`
    PendingPayment,
    /// `processing`
    Processing,
    /// `complete`
    Complete,
    /// `closed`
    Closed,
    /// `canceled`
    Canceled,
    /// `holded` (on hold)
    Holded,
    /// `payment_review`
    PaymentReview,
    /// A state added by an extension.
    Other(String),
}

impl OrderState {
    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            OrderState::New => "new",
            OrderState::PendingPayment => "pending_payment",
            OrderState::Processing => "processing",
            OrderState::Complete => "complete",
            OrderState::Closed => "closed",
            OrderState::Canceled => "canceled",
            OrderState::Holded => "holded",
            OrderState::PaymentReview => "payment_review",
            OrderState::Other(s) => s,
        }
    }

    fn parse(s: &str) -> OrderState {
        match s {
            "new" => OrderState::New,
            "pending_payment" => OrderState::PendingPayment,
            "processing" => OrderState::Processing,
            "complete" => OrderState::Complete,
            "closed" => OrderState::Closed,
            "canceled" => OrderState::Canceled,
            "holded" => OrderState::Holded,
            "payment_review" => OrderState::PaymentReview,
            other => OrderState::Other(other.to_string()),
        }
    }
}

impl fmt::Display for OrderState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for OrderState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for OrderState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(OrderState::parse(&s))
    }
}

/// A Magento order (`sales-data-order-interface`).
///
/// Amounts are exact [`Decimal`]s read from the JSON number literal; compare them with
/// [`Money`] (exact; compared at the currency's minor unit), as [`Order::is_fully_paid`] does.
/// Timestamps are UTC. The shipping address lives in
/// `extension_attributes.shipping_assignments` ([`Order::shipping_address`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Order {
    /// The REST id (`GET /V1/orders/{entity_id}`).
    pub entity_id: u64,
    /// The customer-facing number (`"000000003"`); unique per store, not per installation.
    #[serde(default)]
    pub increment_id: String,
    /// Workflow state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<OrderState>,
    /// Merchant-configurable status label (`pending`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The store view the order was placed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<u32>,
    /// Website, store and store view names, newline-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_name: Option<String>,
    /// The customer's account id; absent for guests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<u64>,
    /// The customer's email (required by Magento, but imports and extensions leave it empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_email: Option<String>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_firstname: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_lastname: Option<String>,
    /// Guest checkout (`customer_is_guest`: 0/1 on the wire).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "flag_opt")]
    pub customer_is_guest: Option<bool>,
    /// Customer group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_group_id: Option<u32>,
    /// The currency the customer paid in (`grand_total`, `total_paid`… are in it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_currency_code: Option<String>,
    /// The website's base currency (`base_*` amounts are in it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_currency_code: Option<String>,
    /// The installation's global currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_currency_code: Option<String>,
    /// The store view's display currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_currency_code: Option<String>,
    /// Grand total, order currency.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub grand_total: Option<Decimal>,
    /// Grand total, base currency.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub base_grand_total: Option<Decimal>,
    /// Subtotal.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub subtotal: Option<Decimal>,
    /// Subtotal including tax.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub subtotal_incl_tax: Option<Decimal>,
    /// Tax.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub tax_amount: Option<Decimal>,
    /// Shipping.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub shipping_amount: Option<Decimal>,
    /// Shipping including tax.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub shipping_incl_tax: Option<Decimal>,
    /// Discount (negative in Magento).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub discount_amount: Option<Decimal>,
    /// Still due.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub total_due: Option<Decimal>,
    /// Paid so far (absent on unpaid orders).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub total_paid: Option<Decimal>,
    /// Paid so far, base currency.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub base_total_paid: Option<Decimal>,
    /// Invoiced so far.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub total_invoiced: Option<Decimal>,
    /// Refunded so far.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub total_refunded: Option<Decimal>,
    /// Number of units ordered.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub total_qty_ordered: Option<Decimal>,
    /// Created (UTC).
    #[serde(with = "serde_time")]
    pub created_at: DateTime<Utc>,
    /// Last changed (UTC); the changed-orders cursor.
    #[serde(with = "serde_time")]
    pub updated_at: DateTime<Utc>,
    /// Line items. Configurable products appear twice: the parent and its child
    /// (`parent_item_id` set on the child).
    #[serde(default)]
    pub items: Vec<OrderItem>,
    /// Billing address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<Address>,
    /// Payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<Payment>,
    /// Status history comments.
    #[serde(default)]
    pub status_histories: Vec<StatusHistory>,
    /// Extension attributes, including the shipping assignments.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "object_or_empty_array"
    )]
    pub extension_attributes: Option<OrderExtensionAttributes>,
    /// Every field not named above, unchanged.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl EntityId for Order {
    fn entity_id(&self) -> u64 {
        self.entity_id
    }
}

impl Order {
    /// The order currency (`order_currency_code`, else the base currency).
    pub fn currency(&self) -> Option<&str> {
        self.order_currency_code
            .as_deref()
            .or(self.base_currency_code.as_deref())
    }

    /// The grand total in the order currency, exact as Magento sent it (`.rounded()` gives it
    /// at the currency's minor unit).
    pub fn grand_total_money(&self) -> Option<Money> {
        Some(Money::new(self.grand_total?, self.currency()?))
    }

    /// Amount paid in the order currency, exact (zero when absent; `.rounded()` gives it at the
    /// currency's minor unit).
    pub fn total_paid_money(&self) -> Option<Money> {
        Some(Money::new(
            self.total_paid.unwrap_or_default(),
            self.currency()?,
        ))
    }

    /// Whether the amount paid covers the grand total, compared at the order currency's minor
    /// unit: a `total_paid` of `84.939999` pays a `grand_total` of `84.94`. A missing
    /// `total_paid` counts as zero (Magento omits it on unpaid orders), so a zero-total order
    /// is paid. `false` when the order has no grand total or no currency.
    ///
    /// ```
    /// # use magento_client::Order;
    /// let order: Order = serde_json::from_str(r#"{
    ///     "entity_id": 7, "increment_id": "000000007", "order_currency_code": "EUR",
    ///     "grand_total": 84.94, "total_paid": 84.939999,
    ///     "created_at": "2026-01-02 03:04:05", "updated_at": "2026-01-02 03:04:05"
    /// }"#).unwrap();
    /// assert!(order.is_fully_paid());
    /// ```
    pub fn is_fully_paid(&self) -> bool {
        match (self.grand_total_money(), self.total_paid_money()) {
            (Some(total), Some(paid)) => paid.rounded().amount >= total.rounded().amount,
            _ => false,
        }
    }

    /// `customer_is_guest`, defaulting to "no account id" when the flag is absent.
    pub fn is_guest(&self) -> bool {
        self.customer_is_guest.unwrap_or(self.customer_id.is_none())
    }

    /// The shipping address: `extension_attributes.shipping_assignments[0].shipping.address`.
    /// Virtual orders have none.
    pub fn shipping_address(&self) -> Option<&Address> {
        self.shipping_assignments()
            .iter()
            .find_map(|a| a.shipping.as_ref()?.address.as_ref())
    }

    /// The shipping method code of the first assignment (`tablerate_bestway`).
    pub fn shipping_method(&self) -> Option<&str> {
        self.shipping_assignments()
            .iter()
            .find_map(|a| a.shipping.as_ref()?.method.as_deref())
    }

    /// The shipping assignments (empty when absent).
    pub fn shipping_assignments(&self) -> &[ShippingAssignment] {
        self.extension_attributes
            .as_ref()
            .map(|e| e.shipping_assignments.as_slice())
            .unwrap_or_default()
    }

    /// Items that are not children of another item (one line per product as the customer saw
    /// it; a configurable product's child carries `parent_item_id`).
    pub fn top_level_items(&self) -> impl Iterator<Item = &OrderItem> {
        self.items.iter().filter(|i| i.parent_item_id.is_none())
    }

    /// A label for logs and dead letters: `#000000003 (entity_id 3)`.
    pub fn label(&self) -> String {
        format!("#{} (entity_id {})", self.increment_id, self.entity_id)
    }
}

/// A line item (`sales-data-order-item-interface`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrderItem {
    /// Item id.
    #[serde(default)]
    pub item_id: u64,
    /// The order's entity id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<u64>,
    /// The parent item for a configurable/bundle child.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_item_id: Option<u64>,
    /// SKU.
    #[serde(default)]
    pub sku: String,
    /// Product name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Product id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<u64>,
    /// `simple`, `configurable`, `bundle`, `virtual`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_type: Option<String>,
    /// Quantity ordered (decimal: some products sell by weight).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub qty_ordered: Option<Decimal>,
    /// Quantity invoiced.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub qty_invoiced: Option<Decimal>,
    /// Quantity shipped.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub qty_shipped: Option<Decimal>,
    /// Quantity refunded.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub qty_refunded: Option<Decimal>,
    /// Quantity canceled.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub qty_canceled: Option<Decimal>,
    /// Unit price, order currency.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub price: Option<Decimal>,
    /// Unit price, base currency.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub base_price: Option<Decimal>,
    /// Unit price before catalog rules.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub original_price: Option<Decimal>,
    /// Unit price including tax.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub price_incl_tax: Option<Decimal>,
    /// Row total.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub row_total: Option<Decimal>,
    /// Row total including tax.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub row_total_incl_tax: Option<Decimal>,
    /// Tax.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub tax_amount: Option<Decimal>,
    /// Tax rate in percent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub tax_percent: Option<Decimal>,
    /// Discount.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub discount_amount: Option<Decimal>,
    /// Refunded.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub amount_refunded: Option<Decimal>,
    /// Store view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<u32>,
    /// Created (UTC).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_time_opt"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// Updated (UTC).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_time_opt"
    )]
    pub updated_at: Option<DateTime<Utc>>,
    /// Every field not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An order address (`sales-data-order-address-interface`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Address {
    /// Address id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<u64>,
    /// The order's entity id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<u64>,
    /// `billing` or `shipping`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_type: Option<String>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firstname: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lastname: Option<String>,
    /// Company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// Street lines.
    #[serde(default)]
    pub street: Vec<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Region name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Region code (`NY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_code: Option<String>,
    /// Region id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_id: Option<u32>,
    /// Postcode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_id: Option<String>,
    /// Phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephone: Option<String>,
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Every field not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Address {
    /// `firstname lastname`, trimmed; `None` when both are blank.
    pub fn full_name(&self) -> Option<String> {
        join_name(self.firstname.as_deref(), self.lastname.as_deref())
    }
}

pub(crate) fn join_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let parts: Vec<&str> = [first, last]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// The order's payment (`sales-data-order-payment-interface`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Payment {
    /// Payment id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<u64>,
    /// The order's entity id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<u64>,
    /// Method code (`banktransfer`, `checkmo`, `stripe_payments`, …).
    #[serde(default)]
    pub method: String,
    /// Positional strings the payment method stored (Magento types it `string[]`; for
    /// `banktransfer`: the title and the instructions). Non-string values some modules put
    /// here are kept as their JSON text.
    #[serde(
        default,
        deserialize_with = "lenient_strings",
        serialize_with = "strings"
    )]
    pub additional_information: Vec<String>,
    /// Amount ordered.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub amount_ordered: Option<Decimal>,
    /// Amount ordered, base currency.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub base_amount_ordered: Option<Decimal>,
    /// Amount paid.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub amount_paid: Option<Decimal>,
    /// Shipping amount.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub shipping_amount: Option<Decimal>,
    /// Last transaction id at the payment provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_trans_id: Option<String>,
    /// Every field not named above (`cc_last4`, `account_status`, … often `null`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A status history entry.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StatusHistory {
    /// Entry id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<u64>,
    /// The order's entity id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<u64>,
    /// The comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The status set with the comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When (UTC).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_time_opt"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// Every field not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `extension_attributes` of an order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrderExtensionAttributes {
    /// Where and how the items ship.
    #[serde(default)]
    pub shipping_assignments: Vec<ShippingAssignment>,
    /// Every attribute not named above (payment extensions, gift messages, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One shipping assignment.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShippingAssignment {
    /// Address, method and totals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<Shipping>,
    /// The items shipped this way.
    #[serde(default)]
    pub items: Vec<OrderItem>,
    /// Every field not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `shipping` part of an assignment.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Shipping {
    /// The shipping address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Method code (`tablerate_bestway`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Every field not named above (`total` with the shipping amounts).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
