//! Customer context for support agents: order count, total spent, average order value, last
//! order date, purchase frequency and tier, derived from a customer's orders and pushed to
//! the contact as custom attributes.
//!
//! The input is the few facts per order the context needs ([`OrderSummary`]), built from
//! sync-core's vendor-neutral [`sync_core::summary::OrderSummary`] with `From`, so any shop
//! source (WooCommerce, Magento, your own database) can feed it. Money is sync-core's exact
//! [`Money`], rounded to the currency's minor unit per order before summing (so `84.939999`
//! counts as `84.94`), and shown with its currency by [`format_money`].
//!
//! ```
//! use chatwoot_client::context::{format_money, ContextRules, CustomerContext, CustomerTier, OrderStatus, OrderSummary};
//! use chrono::{TimeZone, Utc};
//! use rust_decimal::Decimal;
//!
//! let order = |id: &str, day: u32, total: &str| OrderSummary {
//!     id: id.into(),
//!     placed_at: Utc.with_ymd_and_hms(2024, 3, day, 12, 0, 0).unwrap(),
//!     total: total.parse().unwrap(),
//!     currency: "EUR".into(),
//!     status: OrderStatus::Completed,
//! };
//! let orders = [order("1", 1, "84.939999"), order("2", 11, "15.06"), order("3", 21, "1200")];
//! let ctx = CustomerContext::derive(&orders, &ContextRules::default());
//!
//! assert_eq!(ctx.order_count, 3);
//! assert_eq!(ctx.total_spent.as_ref().unwrap().amount, "1300.00".parse::<Decimal>().unwrap());
//! assert_eq!(format_money(ctx.total_spent.as_ref().unwrap()), "€1,300.00");
//! assert_eq!(format_money(ctx.average_order_value.as_ref().unwrap()), "€433.33");
//! assert_eq!(ctx.average_days_between_orders, Some("10.0".parse().unwrap()));
//! assert_eq!(ctx.tier, CustomerTier::Vip); // spent ≥ 1000
//!
//! let attrs = ctx.to_attributes("shop_");
//! assert_eq!(attrs["shop_total_spent_display"], "€1,300.00");
//! assert_eq!(attrs["shop_customer_tier"], "vip");
//! ```

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
pub use sync_core::money::Money;
use sync_core::money::round_to_minor_unit;

use crate::custom_attributes::NewAttributeDefinition;
use crate::models::{AttributeDisplayType, AttributeModel};

/// An order's state, vendor-neutral. Read a shop's own status with
/// [`OrderStatus::from_vendor`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrderStatus {
    /// Placed, not paid.
    Pending,
    /// Paid, being fulfilled.
    Processing,
    /// Waiting (payment review, bank transfer, hold).
    OnHold,
    /// Paid and fulfilled.
    Completed,
    /// Cancelled before fulfilment.
    Cancelled,
    /// Refunded (or closed after a credit memo).
    Refunded,
    /// Payment failed or fraud.
    Failed,
    /// Anything else, kept as the shop named it.
    Other(String),
}

impl OrderStatus {
    /// Map a WooCommerce or Magento status name (`completed`, `processing`, `on-hold`,
    /// `complete`, `canceled`, `closed`, `holded`, `pending_payment`…). Unknown names become
    /// [`OrderStatus::Other`].
    pub fn from_vendor(status: &str) -> Self {
        let s = status.trim().to_ascii_lowercase();
        let s = s.strip_prefix("wc-").unwrap_or(&s);
        match s {
            "pending" | "pending_payment" | "new" | "checkout-draft" => OrderStatus::Pending,
            "processing" => OrderStatus::Processing,
            "on-hold" | "on_hold" | "holded" | "payment_review" => OrderStatus::OnHold,
            "completed" | "complete" => OrderStatus::Completed,
            "cancelled" | "canceled" => OrderStatus::Cancelled,
            "refunded" | "closed" => OrderStatus::Refunded,
            "failed" | "fraud" => OrderStatus::Failed,
            other => OrderStatus::Other(other.to_string()),
        }
    }

    /// The stable name (`completed`, `on_hold`…); `Other` keeps its own.
    pub fn as_str(&self) -> &str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Processing => "processing",
            OrderStatus::OnHold => "on_hold",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
            OrderStatus::Failed => "failed",
            OrderStatus::Other(s) => s,
        }
    }

    /// Whether the order counts as a purchase: paid and not undone (processing or completed).
    pub fn counts_as_purchase(&self) -> bool {
        matches!(self, OrderStatus::Processing | OrderStatus::Completed)
    }
}

impl Serialize for OrderStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for OrderStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| OrderStatus::from_vendor(&s))
    }
}

/// One order, as much as customer context needs. Build it from any shop's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderSummary {
    /// The shop's order id or number.
    pub id: String,
    /// When it was placed.
    pub placed_at: DateTime<Utc>,
    /// The grand total, in `currency`.
    #[serde(with = "rust_decimal::serde::str")]
    pub total: Decimal,
    /// ISO 4217 code (`EUR`).
    pub currency: String,
    /// Its state.
    pub status: OrderStatus,
}

/// The facts the context needs from sync-core's vendor-neutral order (what woo-client's and
/// magento-client's `From` conversions produce): its id, placing time, total, and status as
/// [`OrderStatus::from_vendor`] reads the shop's name for it.
///
/// ```
/// use chatwoot_client::context::{OrderStatus, OrderSummary};
/// use chrono::{TimeZone, Utc};
/// use sync_core::money::Money;
///
/// let shop = sync_core::summary::OrderSummary {
///     source: "magento:default".into(),
///     id: "42".into(),
///     number: Some("000000042".into()),
///     status: "complete".into(),
///     email: Some("ada@example.com".into()),
///     first_name: None,
///     last_name: None,
///     total: Money::new("84.939999".parse().unwrap(), "EUR"),
///     created_at: Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap(),
///     paid_at: None,
///     modified_at: None,
///     line_items: vec![],
///     payment_method_id: None,
/// };
/// let order = OrderSummary::from(&shop);
/// assert_eq!(order.status, OrderStatus::Completed);
/// assert_eq!(order.currency, "EUR");
/// ```
impl From<&sync_core::summary::OrderSummary> for OrderSummary {
    fn from(order: &sync_core::summary::OrderSummary) -> Self {
        OrderSummary {
            id: order.id.clone(),
            placed_at: order.created_at,
            total: order.total.amount,
            currency: order.total.currency.clone(),
            status: OrderStatus::from_vendor(&order.status),
        }
    }
}

/// Digits after the decimal point for an ISO 4217 currency (sync-core's shared table).
pub fn minor_unit_digits(currency: &str) -> u32 {
    sync_core::money::minor_units(currency)
}

fn currency_symbol(code: &str) -> Option<&'static str> {
    Some(match code {
        "USD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "JPY" => "¥",
        "INR" => "₹",
        "KRW" => "₩",
        "ILS" => "₪",
        "NGN" => "₦",
        "BRL" => "R$",
        "AUD" => "A$",
        "CAD" => "CA$",
        "NZD" => "NZ$",
        "MXN" => "MX$",
        _ => return None,
    })
}

/// `1234567.5` → `1,234,567.50` with `digits` decimals.
fn group_thousands(amount: Decimal, digits: u32) -> String {
    let mut a = amount.abs();
    a.rescale(digits);
    let text = a.to_string();
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::with_capacity(text.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if !frac.is_empty() {
        grouped.push('.');
        grouped.push_str(frac);
    }
    grouped
}

/// Money as agents read it, rounded to the currency's minor unit (half away from zero):
/// `€1,234.50`, `$12.00`, `CHF 99.90`, `¥1,200`, `-€5.00`.
///
/// ```
/// use chatwoot_client::context::format_money;
/// use sync_core::money::Money;
///
/// assert_eq!(format_money(&Money::new("84.939999".parse().unwrap(), "eur")), "€84.94");
/// assert_eq!(format_money(&Money::new("1234567.5".parse().unwrap(), "USD")), "$1,234,567.50");
/// ```
pub fn format_money(money: &Money) -> String {
    let rounded = money.rounded();
    let sign = if rounded.amount.is_sign_negative() && !rounded.amount.is_zero() {
        "-"
    } else {
        ""
    };
    let number = group_thousands(rounded.amount, minor_unit_digits(&rounded.currency));
    match currency_symbol(&rounded.currency) {
        Some(symbol) => format!("{sign}{symbol}{number}"),
        None => format!("{sign}{} {number}", rounded.currency),
    }
}

/// How valuable a customer is, for agents at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerTier {
    /// No purchase yet.
    Prospect,
    /// One purchase.
    New,
    /// Two or more purchases.
    Returning,
    /// At least [`ContextRules::loyal_min_orders`] purchases.
    Loyal,
    /// At least [`ContextRules::vip_min_orders`] purchases or [`ContextRules::vip_min_spent`].
    Vip,
}

impl CustomerTier {
    /// The stable name (`vip`).
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerTier::Prospect => "prospect",
            CustomerTier::New => "new",
            CustomerTier::Returning => "returning",
            CustomerTier::Loyal => "loyal",
            CustomerTier::Vip => "vip",
        }
    }

    /// Every tier, lowest first.
    pub const ALL: [CustomerTier; 5] = [
        CustomerTier::Prospect,
        CustomerTier::New,
        CustomerTier::Returning,
        CustomerTier::Loyal,
        CustomerTier::Vip,
    ];
}

impl fmt::Display for CustomerTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How context is derived: the currency, and the tier thresholds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextRules {
    /// The shop currency. Orders in other currencies are counted in
    /// [`CustomerContext::other_currency_orders`] but not summed (no exchange rates). `None`:
    /// the currency of the customer's latest counted order.
    pub currency: Option<String>,
    /// Purchases that make a customer `loyal` (default 4).
    pub loyal_min_orders: u32,
    /// Purchases that make a customer `vip` (default 10).
    pub vip_min_orders: u32,
    /// Total spent that makes a customer `vip`, in the context currency (default 1000; `None`
    /// to use order counts only).
    pub vip_min_spent: Option<Decimal>,
}

impl Default for ContextRules {
    fn default() -> Self {
        ContextRules {
            currency: None,
            loyal_min_orders: 4,
            vip_min_orders: 10,
            vip_min_spent: Some(Decimal::from(1000)),
        }
    }
}

impl ContextRules {
    /// Sum orders in this currency only.
    pub fn currency(mut self, currency: impl Into<String>) -> Self {
        self.currency = Some(currency.into().trim().to_ascii_uppercase());
        self
    }
}

/// What support agents see about a customer, derived from their orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerContext {
    /// Purchases counted (processing or completed, in the context currency).
    pub order_count: u32,
    /// Their sum; `None` when no currency is known (no purchases and none configured).
    pub total_spent: Option<Money>,
    /// Total divided by count, rounded to the minor unit; `None` without purchases.
    pub average_order_value: Option<Money>,
    /// The first counted purchase.
    pub first_order_at: Option<DateTime<Utc>>,
    /// The latest counted purchase.
    pub last_order_at: Option<DateTime<Utc>>,
    /// Mean days between consecutive purchases (one decimal); `None` below two purchases.
    pub average_days_between_orders: Option<Decimal>,
    /// The tier.
    pub tier: CustomerTier,
    /// Orders not counted because of their status (pending, cancelled, refunded…).
    pub excluded_orders: u32,
    /// Purchases in another currency than the context's, not summed.
    pub other_currency_orders: u32,
}

/// The custom attribute keys [`CustomerContext::to_attributes`] writes, without prefix.
pub const ATTRIBUTE_KEYS: [&str; 11] = [
    "order_count",
    "total_spent",
    "total_spent_display",
    "average_order_value",
    "average_order_value_display",
    "currency",
    "first_order_at",
    "last_order_at",
    "purchase_frequency_days",
    "purchase_frequency",
    "customer_tier",
];

impl CustomerContext {
    /// Derive the context from a customer's orders (any order, any status).
    pub fn derive(orders: &[OrderSummary], rules: &ContextRules) -> CustomerContext {
        let purchases: Vec<&OrderSummary> = orders
            .iter()
            .filter(|o| o.status.counts_as_purchase())
            .collect();
        let excluded_orders = (orders.len() - purchases.len()) as u32;
        let currency = rules.currency.clone().or_else(|| {
            purchases
                .iter()
                .max_by_key(|o| o.placed_at)
                .map(|o| o.currency.trim().to_ascii_uppercase())
        });
        let (counted, other): (Vec<&OrderSummary>, Vec<&OrderSummary>) =
            purchases.into_iter().partition(|o| {
                currency
                    .as_deref()
                    .is_some_and(|c| o.currency.trim().eq_ignore_ascii_case(c))
            });
        let order_count = counted.len() as u32;
        let total_spent = currency.as_deref().map(|c| {
            // Each order at the minor unit first: 84.939999 is the €84.94 the customer paid.
            let sum = counted
                .iter()
                .map(|o| round_to_minor_unit(o.total, c))
                .sum::<Decimal>();
            Money::new(sum, c).rounded()
        });
        let average_order_value = match (&total_spent, order_count) {
            (Some(total), n) if n > 0 => {
                Some(Money::new(total.amount / Decimal::from(n), &total.currency).rounded())
            }
            _ => None,
        };
        let first_order_at = counted.iter().map(|o| o.placed_at).min();
        let last_order_at = counted.iter().map(|o| o.placed_at).max();
        let average_days_between_orders = match (first_order_at, last_order_at) {
            (Some(first), Some(last)) if order_count >= 2 => {
                let seconds = Decimal::from((last - first).num_seconds());
                let days = seconds / Decimal::from(86_400) / Decimal::from(order_count - 1);
                Some(days.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)).map(
                    |mut d| {
                        d.rescale(1);
                        d
                    },
                )
            }
            _ => None,
        };
        let spent_enough = match (&total_spent, rules.vip_min_spent) {
            (Some(total), Some(min)) => order_count > 0 && total.amount >= min,
            _ => false,
        };
        let tier = if order_count >= rules.vip_min_orders.max(1) || spent_enough {
            CustomerTier::Vip
        } else if order_count >= rules.loyal_min_orders.max(1) {
            CustomerTier::Loyal
        } else {
            match order_count {
                0 => CustomerTier::Prospect,
                1 => CustomerTier::New,
                _ => CustomerTier::Returning,
            }
        };
        CustomerContext {
            order_count,
            total_spent,
            average_order_value,
            first_order_at,
            last_order_at,
            average_days_between_orders,
            tier,
            excluded_orders,
            other_currency_orders: other.len() as u32,
        }
    }

    /// The purchase frequency for people: `every 10.0 days`, `one order so far`, `no orders yet`.
    pub fn purchase_frequency(&self) -> String {
        match (self.order_count, self.average_days_between_orders) {
            (0, _) => "no orders yet".to_string(),
            (1, _) => "one order so far".to_string(),
            (_, Some(days)) => format!("every {days} days"),
            (n, None) => format!("{n} orders"),
        }
    }

    /// The context as Chatwoot custom attributes, keys prefixed with `prefix` (`shop_`).
    ///
    /// Every key in [`ATTRIBUTE_KEYS`] is present; values that do not apply are `null`, so a
    /// refund that takes a customer back to no purchases also clears stale values (Chatwoot
    /// merges attributes, it does not replace them). Amounts are JSON numbers with the
    /// currency's minor-unit digits, plus a `_display` text with the currency; dates are
    /// RFC 3339 UTC.
    pub fn to_attributes(&self, prefix: &str) -> Map<String, Value> {
        let money = |m: &Option<Money>| {
            m.as_ref()
                .map_or(Value::Null, |m| m.rounded().to_json_number())
        };
        let display = |m: &Option<Money>| {
            m.as_ref()
                .map_or(Value::Null, |m| Value::String(format_money(m)))
        };
        let date = |t: &Option<DateTime<Utc>>| {
            t.map_or(Value::Null, |t| {
                Value::String(t.to_rfc3339_opts(SecondsFormat::Secs, true))
            })
        };
        let values: [Value; 11] = [
            Value::from(self.order_count),
            money(&self.total_spent),
            display(&self.total_spent),
            money(&self.average_order_value),
            display(&self.average_order_value),
            self.total_spent
                .as_ref()
                .map_or(Value::Null, |m| Value::String(m.currency.clone())),
            date(&self.first_order_at),
            date(&self.last_order_at),
            self.average_days_between_orders.map_or(Value::Null, |d| {
                serde_json::from_str(&d.to_string()).unwrap_or(Value::Null)
            }),
            Value::String(self.purchase_frequency()),
            Value::String(self.tier.as_str().to_string()),
        ];
        ATTRIBUTE_KEYS
            .iter()
            .zip(values)
            .map(|(key, value)| (format!("{prefix}{key}"), value))
            .collect()
    }

    /// The contact attribute definitions for [`to_attributes`](Self::to_attributes), so the
    /// dashboard shows them with labels and types. Create them once with
    /// [`CustomAttributes::ensure`](crate::custom_attributes::CustomAttributes::ensure).
    pub fn attribute_definitions(prefix: &str) -> Vec<NewAttributeDefinition> {
        use AttributeDisplayType as T;
        let def = |key: &str, label: &str, kind: T, description: &str| {
            NewAttributeDefinition::new(
                AttributeModel::Contact,
                format!("{prefix}{key}"),
                label,
                kind,
            )
            .description(description)
        };
        vec![
            def(
                "order_count",
                "Orders",
                T::Number,
                "Paid orders (processing or completed)",
            ),
            def(
                "total_spent",
                "Total spent",
                T::Number,
                "Sum of paid orders, in the shop currency",
            ),
            def(
                "total_spent_display",
                "Total spent (display)",
                T::Text,
                "Total spent with currency",
            ),
            def(
                "average_order_value",
                "Average order value",
                T::Number,
                "Total spent divided by orders",
            ),
            def(
                "average_order_value_display",
                "Average order (display)",
                T::Text,
                "Average order value with currency",
            ),
            def("currency", "Currency", T::Text, "Currency of the amounts"),
            def("first_order_at", "First order", T::Date, "First paid order"),
            def("last_order_at", "Last order", T::Date, "Latest paid order"),
            def(
                "purchase_frequency_days",
                "Days between orders",
                T::Number,
                "Mean days between paid orders",
            ),
            def(
                "purchase_frequency",
                "Purchase frequency",
                T::Text,
                "How often the customer orders",
            ),
            def(
                "customer_tier",
                "Customer tier",
                T::List,
                "prospect, new, returning, loyal or vip",
            )
            .values(CustomerTier::ALL.iter().map(|t| t.as_str())),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn money_rounds_and_formats_per_currency() {
        assert_eq!(format_money(&Money::new(d("84.939999"), "eur")), "€84.94");
        assert_eq!(
            format_money(&Money::new(d("1234567.5"), "USD")),
            "$1,234,567.50"
        );
        assert_eq!(format_money(&Money::new(d("1200.4"), "JPY")), "¥1,200");
        assert_eq!(format_money(&Money::new(d("12.3456"), "KWD")), "KWD 12.346");
        assert_eq!(format_money(&Money::new(d("99.9"), "CHF")), "CHF 99.90");
        assert_eq!(format_money(&Money::new(d("-5"), "EUR")), "-€5.00");
        assert_eq!(Money::new(d("0.005"), "EUR").rounded().amount, d("0.01"));
        assert_eq!(
            Money::new(d("100"), "EUR")
                .rounded()
                .to_json_number()
                .to_string(),
            "100"
        );
        assert_eq!(
            Money::new(d("84.939999"), "EUR")
                .rounded()
                .to_json_number()
                .to_string(),
            "84.94"
        );
    }

    #[test]
    fn vendor_statuses() {
        assert_eq!(
            OrderStatus::from_vendor("wc-completed"),
            OrderStatus::Completed
        );
        assert_eq!(OrderStatus::from_vendor("complete"), OrderStatus::Completed);
        assert_eq!(OrderStatus::from_vendor("canceled"), OrderStatus::Cancelled);
        assert_eq!(OrderStatus::from_vendor("closed"), OrderStatus::Refunded);
        assert_eq!(OrderStatus::from_vendor("holded"), OrderStatus::OnHold);
        assert_eq!(OrderStatus::from_vendor("on-hold"), OrderStatus::OnHold);
        assert_eq!(
            OrderStatus::from_vendor("wc-shipped"),
            OrderStatus::Other("shipped".into())
        );
    }
}
