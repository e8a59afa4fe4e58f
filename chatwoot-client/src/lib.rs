#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
mod client;
pub mod contact_inboxes;
pub mod contacts;
pub mod context;
pub mod conversations;
pub mod custom_attributes;
mod envelope;
pub mod error;
pub mod inboxes;
pub mod labels;
pub mod messages;
pub mod models;
mod paging;
pub mod platform;
pub mod secrets;
pub mod sync;
pub mod vendor;
pub mod webhook;

/// sync-core, re-exported: the types in this crate's signatures (`ClientOptions`, `Money`,
/// `Ack`, `Sink`, summaries) without a second dependency line.
pub use sync_core;

pub use auth::{ApiKind, ApplicationToken, PlatformToken};
pub use client::{
    ApplicationClient, ApplicationClientBuilder, Client, ENV_ACCOUNT_ID, ENV_API_ACCESS_TOKEN,
    ENV_BASE_URL, ENV_PLATFORM_TOKEN, PlatformClient, PlatformClientBuilder,
};
pub use context::{ContextRules, CustomerContext, CustomerTier, OrderStatus, OrderSummary};
pub use error::{Error, ErrorBody};
pub use models::Page;
pub use sync::{ContactSink, CustomerSnapshot};
pub use sync_core::http::ClientOptions;
pub use sync_core::money::Money;
pub use vendor::{ChatwootVendor, DEFAULT_REQUESTS_PER_SECOND};
pub use webhook::{WebhookEvent, WebhookVerifier};
