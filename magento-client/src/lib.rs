#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod admin_token;
mod client;
pub mod credentials;
pub mod customer;
mod error;
pub mod models;
mod natural_sort;
pub mod oauth1;
mod orders;
pub mod paging;
mod requests;
pub mod resources;
mod search;
pub mod store_match;
mod stores;
pub mod summary;
pub mod sync;
pub mod time;
pub mod vendor;

pub use client::{Client, ClientBuilder, env};
pub use credentials::{AdminCredentials, Credentials, OAuth1Credentials};
pub use error::{BEARER_SETTING_HELP, Error, ErrorParameters, MagentoErrorBody};
pub use models::{
    Address, Creditmemo, CustomAttribute, Customer, CustomerAddress, DocumentItem, DocumentTotals,
    EntityId, Invoice, LineItem, Order, OrderItem, OrderState, Payment, Product, SalesDocument,
    Shipment, ShipmentItem, ShipmentTrack, StoreConfig, StoreGroup, StoreView, Website,
};
pub use oauth1::PathNormalization;
pub use orders::{OrderFeed, Orders};
pub use paging::{PageEnd, SearchPage};
pub use requests::path_segment;
pub use resources::Resource;
pub use search::{
    ConditionType, DEFAULT_PAGE_SIZE, Filter, FilterGroup, FilterValue, SearchCriteria,
    SortDirection, SortOrder,
};
pub use stores::Stores;
pub use vendor::{MagentoVendor, SECRET_NAMES};

/// `sync-core`, re-exported so users name the same version and need no second dependency
/// line for the types in this crate's signatures.
pub use sync_core;
/// The kit's transport options, re-exported for [`ClientBuilder::options`].
pub use sync_core::http::ClientOptions;
/// The one money type every commerce-sync crate uses (exact amount, compared at the minor unit).
pub use sync_core::money::Money;
/// The HMAC an OAuth 1.0a signature is computed with (sync-core's, shared with woo-client).
pub use sync_core::oauth1::SignatureMethod;
