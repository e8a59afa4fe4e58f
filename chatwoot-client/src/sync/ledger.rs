//! [`OrderLedger`]: the orders a contact's customer context was derived from, kept on the
//! contact itself, so one new order can be merged in without reading the customer's history.
//!
//! # The merge rule
//!
//! The ledger holds, per shop (`source`) and order id, the few facts the context needs
//! (placed at, total, currency, status, last modified), plus an optional **baseline**: totals
//! counted before the ledger started (a shop's [`CustomerSummary`], or the attributes of a
//! contact written before there was a ledger). The context attributes are always *derived*
//! from the ledger, never incremented in place, so:
//!
//! - **the same order twice counts once**: it replaces its own entry (a redelivery changes
//!   nothing, and the contact is not written again);
//! - **order of arrival does not matter** for different orders: the first order stays the
//!   earliest `placed_at`, the last order the latest;
//! - **a status change** (processing → refunded) replaces the entry, so a refund takes the
//!   order out of the count and total;
//! - **an older version arriving late** (its `modified_at` before the recorded one's) is
//!   ignored, so a redelivered "processing" cannot undo a later "refunded";
//! - **an order placed at or before the baseline's last order** that the ledger does not hold
//!   is taken as already counted in the baseline, and not added again.
//!
//! The ledger is stored as JSON text in one custom attribute (`{prefix}order_ledger`), about
//! 120 bytes per order.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sync_core::money::Money;
use sync_core::summary::{CustomerSummary, OrderSummary as ShopOrder};

use crate::context::{ContextRules, CustomerContext, OrderStatus, OrderSummary};

/// The custom attribute key the ledger is stored under, without prefix.
pub const LEDGER_KEY: &str = "order_ledger";

/// Totals counted before the ledger's own orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// Purchases counted.
    pub orders_count: u64,
    /// Their sum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_spent: Option<Money>,
    /// The first counted purchase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_order_at: Option<DateTime<Utc>>,
    /// The last counted purchase: orders placed up to here are in the baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_order_at: Option<DateTime<Utc>>,
}

/// One order as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// When it was placed.
    pub placed_at: DateTime<Utc>,
    /// The grand total, exact.
    #[serde(with = "rust_decimal::serde::str")]
    pub total: Decimal,
    /// ISO 4217 code.
    pub currency: String,
    /// Its state when last seen.
    pub status: OrderStatus,
    /// The shop's last modification, when it reports one: decides which version wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<DateTime<Utc>>,
}

/// What [`OrderLedger::record`] did with an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Recorded {
    /// A new order.
    Added,
    /// A known order with changed facts (status, total).
    Updated,
    /// The same facts as recorded (a redelivery).
    Unchanged,
    /// An older version of a recorded order; ignored.
    Stale,
    /// Placed within the baseline and not in the ledger: already counted there.
    InBaseline,
}

/// The orders behind a contact's customer context. See the [module docs](self) for the rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLedger {
    /// Totals counted before the ledger's orders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Baseline>,
    /// Orders by shop (`source`), then by order id.
    #[serde(default)]
    pub orders: BTreeMap<String, BTreeMap<String, LedgerEntry>>,
}

impl OrderLedger {
    /// A ledger of exactly these orders (a customer's whole history).
    pub fn from_history<'a>(orders: impl IntoIterator<Item = &'a ShopOrder>) -> Self {
        let mut ledger = OrderLedger::default();
        for order in orders {
            ledger.record(order);
        }
        ledger
    }

    /// The ledger stored on a contact, if its attributes hold one that reads.
    pub fn from_attributes(attributes: &Map<String, Value>, prefix: &str) -> Option<Self> {
        let text = attributes.get(&format!("{prefix}{LEDGER_KEY}"))?.as_str()?;
        serde_json::from_str(text).ok()
    }

    /// The contact's ledger, or, for a contact whose context was written without one (by an
    /// earlier version, or by hand), a ledger whose baseline is those attributes.
    pub fn from_contact(attributes: &Map<String, Value>, prefix: &str) -> Self {
        if let Some(ledger) = Self::from_attributes(attributes, prefix) {
            return ledger;
        }
        let get = |key: &str| attributes.get(&format!("{prefix}{key}"));
        let date = |key: &str| {
            get(key)
                .and_then(Value::as_str)
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc))
        };
        let count = get("order_count").and_then(Value::as_u64).unwrap_or(0);
        if count == 0 {
            return OrderLedger::default();
        }
        let total = get("total_spent")
            .and_then(|v| sync_core::money::decimal_from_json(v).ok().flatten())
            .zip(get("currency").and_then(Value::as_str))
            .map(|(amount, currency)| Money::new(amount, currency));
        OrderLedger {
            baseline: Some(Baseline {
                orders_count: count,
                total_spent: total,
                first_order_at: date("first_order_at"),
                last_order_at: date("last_order_at"),
            }),
            orders: BTreeMap::new(),
        }
    }

    /// Start over from a shop's own totals for the customer: they become the baseline, and
    /// only orders placed after its last order stay in the ledger.
    pub fn rebase(&mut self, customer: &CustomerSummary) {
        let baseline = Baseline {
            orders_count: customer.orders_count,
            total_spent: customer.total_spent.clone(),
            first_order_at: customer.first_order_at,
            last_order_at: customer.last_order_at,
        };
        match baseline.last_order_at {
            Some(last) => {
                for orders in self.orders.values_mut() {
                    orders.retain(|_, entry| entry.placed_at > last);
                }
                self.orders.retain(|_, orders| !orders.is_empty());
            }
            // Counted orders without a date: nothing recorded can be told apart from them.
            None if baseline.orders_count > 0 => self.orders.clear(),
            // The shop counts nothing yet: every recorded order is newer than that.
            None => {}
        }
        self.baseline = Some(baseline);
    }

    /// Merge one order by the [rule](self).
    pub fn record(&mut self, order: &ShopOrder) -> Recorded {
        let entry = LedgerEntry {
            placed_at: order.created_at,
            total: order.total.amount,
            currency: order.total.currency.clone(),
            status: OrderStatus::from_vendor(&order.status),
            modified_at: order.modified_at,
        };
        let orders = self.orders.entry(order.source.clone()).or_default();
        match orders.get(&order.id) {
            Some(known) if *known == entry => Recorded::Unchanged,
            Some(known) if matches!((known.modified_at, entry.modified_at), (Some(k), Some(e)) if e < k) => {
                Recorded::Stale
            }
            Some(_) => {
                orders.insert(order.id.clone(), entry);
                Recorded::Updated
            }
            None => {
                let covered = self
                    .baseline
                    .as_ref()
                    .and_then(|b| b.last_order_at)
                    .is_some_and(|last| entry.placed_at <= last);
                if covered {
                    if orders.is_empty() {
                        self.orders.remove(&order.source);
                    }
                    return Recorded::InBaseline;
                }
                orders.insert(order.id.clone(), entry);
                Recorded::Added
            }
        }
    }

    /// The orders the context is derived from: the ledger's, plus the baseline as stand-in
    /// orders with the same count, sum and first and last dates.
    fn context_orders(&self, rules: &ContextRules) -> Vec<OrderSummary> {
        let mut orders: Vec<OrderSummary> = self
            .orders
            .iter()
            .flat_map(|(source, orders)| {
                orders.iter().map(move |(id, e)| OrderSummary {
                    id: format!("{source}/{id}"),
                    placed_at: e.placed_at,
                    total: e.total,
                    currency: e.currency.clone(),
                    status: e.status.clone(),
                })
            })
            .collect();
        if let Some(b) = &self.baseline
            && b.orders_count > 0
        {
            let currency = b
                .total_spent
                .as_ref()
                .map(|m| m.currency.clone())
                .or_else(|| rules.currency.clone())
                .or_else(|| {
                    orders
                        .iter()
                        .max_by_key(|o| o.placed_at)
                        .map(|o| o.currency.clone())
                })
                .unwrap_or_else(|| "XXX".into());
            let first = b.first_order_at.or(b.last_order_at).unwrap_or_default();
            let last = b.last_order_at.unwrap_or(first);
            let total = b.total_spent.as_ref().map_or(Decimal::ZERO, |m| m.amount);
            // One stand-in carries the whole sum at the first date, the rest sit at the last:
            // the count, sum, first, last and mean gap come out as the baseline says.
            for i in 0..b.orders_count {
                orders.push(OrderSummary {
                    id: format!("baseline/{i}"),
                    placed_at: if i == 0 { first } else { last },
                    total: if i == 0 { total } else { Decimal::ZERO },
                    currency: currency.clone(),
                    status: OrderStatus::Completed,
                });
            }
        }
        orders
    }

    /// The customer context the ledger adds up to.
    pub fn context(&self, rules: &ContextRules) -> CustomerContext {
        CustomerContext::derive(&self.context_orders(rules), rules)
    }

    /// The context attributes plus the ledger itself, for the contact.
    pub fn to_attributes(&self, rules: &ContextRules, prefix: &str) -> Map<String, Value> {
        let mut attributes = self.context(rules).to_attributes(prefix);
        attributes.insert(
            format!("{prefix}{LEDGER_KEY}"),
            Value::String(self.to_text()),
        );
        attributes
    }

    /// The ledger as stored (compact JSON, keys sorted, so equal ledgers are equal texts).
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{SecondsFormat, TimeZone};

    use super::*;

    fn rfc3339(t: DateTime<Utc>) -> String {
        t.to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    fn order(id: &str, day: u32, total: &str, status: &str, modified_hour: u32) -> ShopOrder {
        ShopOrder {
            source: "woocommerce:shop.example.com".into(),
            id: id.into(),
            number: Some(id.into()),
            status: status.into(),
            email: Some("jan@example.com".into()),
            first_name: Some("Jan".into()),
            last_name: Some("de Vries".into()),
            total: Money::new(total.parse().unwrap(), "EUR"),
            created_at: Utc.with_ymd_and_hms(2024, 5, day, 10, 0, 0).unwrap(),
            paid_at: None,
            modified_at: Some(
                Utc.with_ymd_and_hms(2024, 6, 1, modified_hour, 0, 0)
                    .unwrap(),
            ),
            line_items: vec!["Koffiebonen 1 kg".into()],
            payment_method_id: Some("mollie_wc_gateway_ideal".into()),
        }
    }

    #[test]
    fn the_same_order_twice_counts_once_and_arrival_order_does_not_matter() {
        let a = order("727", 1, "29.35", "processing", 1);
        let b = order("731", 11, "15.06", "completed", 1);
        let mut one = OrderLedger::default();
        assert_eq!(one.record(&a), Recorded::Added);
        assert_eq!(one.record(&b), Recorded::Added);
        assert_eq!(one.record(&a), Recorded::Unchanged);
        let mut other = OrderLedger::default();
        other.record(&b);
        other.record(&a);
        assert_eq!(one, other);
        assert_eq!(one.to_text(), other.to_text());
        let ctx = one.context(&ContextRules::default());
        assert_eq!(ctx.order_count, 2);
        assert_eq!(ctx.total_spent.unwrap().amount, "44.41".parse().unwrap());
        assert_eq!(ctx.first_order_at, Some(a.created_at));
        assert_eq!(ctx.last_order_at, Some(b.created_at));
    }

    #[test]
    fn a_refund_leaves_the_count_and_a_late_older_version_cannot_undo_it() {
        let mut ledger = OrderLedger::default();
        ledger.record(&order("727", 1, "29.35", "processing", 1));
        assert_eq!(
            ledger.record(&order("727", 1, "29.35", "refunded", 3)),
            Recorded::Updated
        );
        // The "processing" webhook, redelivered after the refund.
        assert_eq!(
            ledger.record(&order("727", 1, "29.35", "processing", 1)),
            Recorded::Stale
        );
        assert_eq!(ledger.context(&ContextRules::default()).order_count, 0);
    }

    #[test]
    fn a_baseline_keeps_its_totals_and_first_order() {
        let mut attributes = Map::new();
        attributes.insert("shop_order_count".into(), Value::from(3));
        attributes.insert("shop_total_spent".into(), serde_json::json!(120.5));
        attributes.insert("shop_currency".into(), Value::from("EUR"));
        attributes.insert("shop_first_order_at".into(), "2023-01-10T08:00:00Z".into());
        attributes.insert("shop_last_order_at".into(), "2024-05-05T08:00:00Z".into());
        let mut ledger = OrderLedger::from_contact(&attributes, "shop_");
        // Placed before the baseline's last order: already counted there.
        assert_eq!(
            ledger.record(&order("700", 2, "10", "completed", 1)),
            Recorded::InBaseline
        );
        assert_eq!(
            ledger.record(&order("727", 20, "29.50", "processing", 1)),
            Recorded::Added
        );
        let ctx = ledger.context(&ContextRules::default());
        assert_eq!(ctx.order_count, 4);
        assert_eq!(ctx.total_spent.unwrap().amount, "150.00".parse().unwrap());
        assert_eq!(
            ctx.first_order_at.map(rfc3339).as_deref(),
            Some("2023-01-10T08:00:00Z")
        );
        assert_eq!(
            ctx.last_order_at.map(rfc3339).as_deref(),
            Some("2024-05-20T10:00:00Z")
        );
        // Stored and read back, it is the same ledger.
        let stored = ledger.to_attributes(&ContextRules::default(), "shop_");
        assert_eq!(OrderLedger::from_attributes(&stored, "shop_"), Some(ledger));
    }
}
