//! A shop that serves orders with keyset paging: `GET /orders?after_id=N&per_page=M`.

use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An order as the sandbox shop serves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShopOrder {
    /// Order id (ascending).
    pub id: u64,
    /// Billing email; some are malformed on purpose.
    pub email: String,
    /// Order total, as the shop's decimal string.
    pub total: Decimal,
    /// ISO currency.
    pub currency: String,
}

/// The shop's order book, shared with the sandbox server.
#[derive(Debug, Clone, Default)]
pub struct Shop {
    orders: Arc<Mutex<Vec<ShopOrder>>>,
}

#[derive(Debug, Deserialize)]
struct Page {
    after_id: Option<u64>,
    per_page: Option<usize>,
}

impl Shop {
    /// A shop with `n` orders; every 41st has an email the CRM will refuse.
    pub fn with_orders(n: u64) -> Shop {
        let shop = Shop::default();
        shop.add_orders(n);
        shop
    }

    /// Place `n` more orders.
    pub fn add_orders(&self, n: u64) {
        let mut orders = self.orders.lock().unwrap();
        let start = orders.last().map_or(1, |o| o.id + 1);
        for id in start..start + n {
            let email = if id % 41 == 0 {
                format!("customer{id}-at-example.test")
            } else {
                format!("customer{id}@example.test")
            };
            orders.push(ShopOrder {
                id,
                email,
                total: Decimal::new(1999 + (id as i64 * 137) % 10_000, 2),
                currency: "EUR".into(),
            });
        }
    }

    /// The router: `GET /orders`.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/orders", get(list))
            .with_state(self.clone())
    }
}

async fn list(State(shop): State<Shop>, Query(page): Query<Page>) -> Json<Vec<ShopOrder>> {
    let per_page = page.per_page.unwrap_or(50).clamp(1, 100);
    let after = page.after_id.unwrap_or(0);
    let orders = shop.orders.lock().unwrap();
    Json(
        orders
            .iter()
            .filter(|o| o.id > after)
            .take(per_page)
            .cloned()
            .collect(),
    )
}
