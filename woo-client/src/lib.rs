#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
pub mod batch;
mod builder;
mod client;
pub mod coupons;
pub mod customers;
mod deletion;
mod error;
pub mod models;
pub mod orders;
pub mod pagination;
pub mod payment;
pub mod php_query;
pub mod products;
mod query;
pub mod subscriptions;
pub mod summary;
pub mod sync;
mod vendor;
pub mod webhook_receive;
pub mod webhooks;

/// sync-core, re-exported so the types in this crate's signatures need no second dependency.
pub use sync_core;

pub use auth::{AuthMode, Credentials, SignatureMethod};
pub use builder::{ClientBuilder, DEFAULT_NAMESPACE, env};
pub use client::Client;
pub use deletion::Deletion;
pub use error::{ApiError, Error};
pub use pagination::{ListRequest, OrderBy, Page, SortOrder};
pub use payment::PaymentMethod;
pub use sync_core::http::{ClientError, ClientOptions, ConfigError, ErrorKind};
pub use vendor::{DEFAULT_RATE, SECRET_NAMES, WooClassifier, WooVendor};
