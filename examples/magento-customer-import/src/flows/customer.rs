//! An existing customer + a purchase → the customer row to write.
//!
//! Purchases are ordered by `(placed at, entity_id)`. The first purchase is the smallest, the
//! last the largest, whatever order the purchases arrive in, and the name is the one on the
//! latest purchase that carried a name: so a run killed half-way and run again, or orders read
//! twice, give the same row as one clean run.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::order::Purchase;

/// One purchase as the customer row keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurchasePoint {
    /// When it was placed.
    pub at: DateTime<Utc>,
    /// The order's `entity_id`.
    pub order_id: u64,
    /// The order's number.
    pub increment_id: String,
    /// The product bought.
    pub product: Option<String>,
}

impl PurchasePoint {
    fn of(purchase: &Purchase) -> Self {
        PurchasePoint {
            at: purchase.at,
            order_id: purchase.order_id,
            increment_id: purchase.increment_id.clone(),
            product: purchase.product.clone(),
        }
    }

    /// The sort key: placed at, then `entity_id` (two orders in one second stay ordered).
    pub fn key(&self) -> (DateTime<Utc>, u64) {
        (self.at, self.order_id)
    }
}

/// A customer row (the key, `(website, email_key)`, is kept by the caller).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerRow {
    /// The email as on the latest purchase.
    pub email: String,
    /// Display name.
    pub name: String,
    /// The purchase the name came from; `None` while the name is made from the email.
    pub name_from: Option<(DateTime<Utc>, u64)>,
    /// The first purchase.
    pub first: PurchasePoint,
    /// The latest purchase.
    pub last: PurchasePoint,
    /// Orders imported for this customer.
    pub orders: u64,
    /// The Magento customer account on the latest purchase that had one.
    pub magento_customer_id: Option<u64>,
}

/// What a purchase does to the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerEffect {
    /// A new customer.
    Create(CustomerRow),
    /// An existing customer, changed.
    Update(CustomerRow),
    /// This order was imported before (a rerun after a crash reads it again): nothing changes.
    AlreadyImported,
}

/// The effect of `purchase` on `existing` (the row with the same key, if any).
/// `already_imported`: this order id is already recorded for the website.
pub fn apply_purchase(
    existing: Option<&CustomerRow>,
    already_imported: bool,
    purchase: &Purchase,
) -> CustomerEffect {
    if already_imported {
        return CustomerEffect::AlreadyImported;
    }
    let point = PurchasePoint::of(purchase);
    let key = point.key();
    let Some(row) = existing else {
        return CustomerEffect::Create(CustomerRow {
            email: purchase.email.clone(),
            name: purchase.name.clone(),
            name_from: purchase.named.then_some(key),
            first: point.clone(),
            last: point,
            orders: 1,
            magento_customer_id: purchase.magento_customer_id,
        });
    };
    let mut row = row.clone();
    row.orders += 1;
    if key < row.first.key() {
        row.first = point.clone();
    }
    if key > row.last.key() {
        row.last = point;
        row.email = purchase.email.clone();
        if purchase.magento_customer_id.is_some() {
            row.magento_customer_id = purchase.magento_customer_id;
        }
    }
    if purchase.named && row.name_from.is_none_or(|from| key > from) {
        row.name = purchase.name.clone();
        row.name_from = Some(key);
    }
    CustomerEffect::Update(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::email::EmailKey;
    use chrono::TimeZone;

    fn purchase(order_id: u64, day: u32, name: Option<&str>, product: &str) -> Purchase {
        let (email_key, email) = EmailKey::parse(Some("Ann@Example.com")).unwrap();
        Purchase {
            order_id,
            increment_id: format!("{order_id:09}"),
            at: Utc.with_ymd_and_hms(2026, 10, day, 12, 0, 0).unwrap(),
            product: Some(product.into()),
            email_key,
            email,
            name: name.unwrap_or("Ann").into(),
            named: name.is_some(),
            magento_customer_id: None,
        }
    }

    fn fold(purchases: &[Purchase]) -> CustomerRow {
        let mut row: Option<CustomerRow> = None;
        for p in purchases {
            row = match apply_purchase(row.as_ref(), false, p) {
                CustomerEffect::Create(r) | CustomerEffect::Update(r) => Some(r),
                CustomerEffect::AlreadyImported => row,
            };
        }
        row.unwrap()
    }

    #[test]
    fn a_returning_customer_is_updated_and_keeps_the_first_purchase() {
        let first = purchase(1, 2, Some("Ann Smit"), "Mug");
        let CustomerEffect::Create(row) = apply_purchase(None, false, &first) else {
            panic!("first purchase creates")
        };
        let again = purchase(9, 5, Some("Ann Smit"), "Teapot");
        let CustomerEffect::Update(row) = apply_purchase(Some(&row), false, &again) else {
            panic!("a returning customer updates, never inserts a duplicate")
        };
        assert_eq!(
            (row.first.order_id, row.first.product.as_deref()),
            (1, Some("Mug"))
        );
        assert_eq!(
            (row.last.order_id, row.last.product.as_deref()),
            (9, Some("Teapot"))
        );
        assert_eq!(row.orders, 2);
    }

    #[test]
    fn an_order_read_again_changes_nothing() {
        let p = purchase(1, 2, None, "Mug");
        let row = fold(std::slice::from_ref(&p));
        assert_eq!(
            apply_purchase(Some(&row), true, &p),
            CustomerEffect::AlreadyImported
        );
    }

    #[test]
    fn the_row_does_not_depend_on_arrival_order() {
        let a = purchase(3, 2, Some("Ann"), "Mug");
        let b = purchase(5, 4, Some("Ann Smit"), "Teapot");
        let c = purchase(8, 6, None, "Spoon");
        let expected = fold(&[a.clone(), b.clone(), c.clone()]);
        for order in [
            [&a, &c, &b],
            [&b, &a, &c],
            [&b, &c, &a],
            [&c, &a, &b],
            [&c, &b, &a],
        ] {
            let got = fold(&order.map(Clone::clone));
            assert_eq!(got, expected, "{:?}", order.map(|p| p.order_id));
        }
        // The latest purchase decides the product; the latest named one the name.
        assert_eq!(expected.last.product.as_deref(), Some("Spoon"));
        assert_eq!(expected.name, "Ann Smit");
        assert_eq!(expected.first.order_id, 3);
    }
}
