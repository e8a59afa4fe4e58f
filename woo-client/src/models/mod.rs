//! Serde types for WooCommerce resources, one file per resource.
//!
//! Every model keeps the fields it does not name in `extra`, so reading a record and writing it
//! back loses nothing. Money is [`rust_decimal::Decimal`], read exactly from strings and numbers;
//! dates are read from the `*_gmt` fields as [`chrono::DateTime<chrono::Utc>`].

mod common;
mod coupon;
mod customer;
mod order;
mod product;
pub(crate) mod serde_helpers;
pub(crate) use common::string_enum;
mod subscription;
mod webhook;

pub use common::{
    Address, CouponLine, FeeLine, LineItem, LineTax, MetaData, OrderRefundRef, ShippingLine,
    TaxLine, TermRef, find_meta,
};
pub use coupon::Coupon;
pub use customer::{Customer, CustomerPatch};
pub use order::{NewOrderNote, NewRefund, Order, OrderNote, OrderPatch, OrderStatus, Refund};
pub use product::{
    ManageStock, Product, ProductPatch, ProductStatus, ProductType, ProductVariation, StockStatus,
    VariationAttribute,
};
pub use subscription::{BillingPeriod, Subscription, SubscriptionPatch, SubscriptionStatus};
pub use webhook::{Webhook, WebhookSpec, WebhookStatus};
