//! # chatwoot-client
//!
//! A typed client for [Chatwoot](https://www.chatwoot.com)'s Platform and Application APIs,
//! verification and typed parsing of its signed webhooks, and **customer context** (order
//! count, total spent, average order value, last order, purchase frequency, tier) derived from
//! shop orders and kept on each contact as custom attributes — so support agents see who they
//! are talking to.
//!
//! Part of commerce-sync; it builds on [`sync_core`]: every request goes through sync-core's
//! retrying [`HttpExecutor`](sync_core::http::HttpExecutor) (timeouts, backoff with jitter,
//! a shared rate limit, secret-free errors), errors implement
//! [`Classify`](sync_core::Classify), and [`ContactSink`] is a sync-core
//! [`Sink`](sync_core::Sink).
//!
//! ## Two clients, two tokens
//!
//! Chatwoot has two APIs behind the same `api_access_token` header, and a token of one kind is
//! refused by the other. The types keep them apart (see [`auth`]):
//!
//! | client | token | routes | resources |
//! |---|---|---|---|
//! | [`ApplicationClient`] | [`ApplicationToken`] (a user's or agent bot's) | `/api/v1/accounts/{id}/…` | [contacts], [contact inboxes](contact_inboxes), [conversations], [messages], [inboxes], [custom attribute definitions](custom_attributes) |
//! | [`PlatformClient`] | [`PlatformToken`] (a Platform App's) | `/platform/api/v1/…` | [accounts, users, account users, agent bots](platform) |
//!
//! Passing a platform token to the Application client does not compile; pasting one into an
//! [`ApplicationToken`] gets an [`Error::Unauthorized`] that says which token the route needs.
//!
//! ## Example: upsert a contact
//!
//! The upsert finds the contact by identifier, then email, before creating it, so a retry
//! never makes a duplicate. (Here against a local stand-in for Chatwoot.)
//!
//! ```
//! use chatwoot_client::contacts::{ContactInput, UpsertOutcome};
//! use chatwoot_client::{ApplicationClient, ApplicationToken};
//! use serde_json::json;
//! use wiremock::matchers::{method, path};
//! use wiremock::{Mock, MockServer, ResponseTemplate};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let chatwoot = MockServer::start().await;
//! Mock::given(method("POST")).and(path("/api/v1/accounts/1/contacts/filter"))
//!     .respond_with(ResponseTemplate::new(200).set_body_json(json!({"meta": {"count": 0}, "payload": []})))
//!     .mount(&chatwoot).await;
//! Mock::given(method("POST")).and(path("/api/v1/accounts/1/contacts"))
//!     .respond_with(ResponseTemplate::new(200).set_body_json(json!({"payload": {
//!         "contact": {"id": 7, "email": "ada@example.com", "identifier": "woo:1001",
//!                     "custom_attributes": {"shop_customer_tier": "vip"}},
//!         "contact_inbox": null}})))
//!     .mount(&chatwoot).await;
//!
//! // Use your installation's URL, e.g. https://app.chatwoot.com, and a user's access token.
//! let client = ApplicationClient::builder(chatwoot.uri(), 1, ApplicationToken::new("user-token"))
//!     .build()?;
//! let input = ContactInput::new()
//!     .identifier("woo:1001")
//!     .email("ada@example.com")
//!     .custom_attribute("shop_customer_tier", "vip");
//! let done = client.contacts().upsert(&input).await?;
//! assert_eq!(done.outcome, UpsertOutcome::Created);
//! assert_eq!(done.contact.id, 7);
//! # Ok(()) }
//! ```
//!
//! ## Lists: a page, or a stream
//!
//! Every list has a one-page call returning [`Page`] and a `*_stream` returning a
//! [`Stream`](futures_core::Stream) of items that walks the pages (contacts, searches and
//! filters by page number and count; conversations until an empty page; messages back through
//! history by id).
//!
//! ```no_run
//! # async fn run(client: chatwoot_client::ApplicationClient) -> Result<(), chatwoot_client::Error> {
//! use futures_util::TryStreamExt;
//! use chatwoot_client::conversations::ConversationQuery;
//!
//! let mut open = std::pin::pin!(client.conversations().stream(ConversationQuery::new()));
//! while let Some(conversation) = open.try_next().await? {
//!     println!("#{} {:?}", conversation.id, conversation.status);
//! }
//! # Ok(()) }
//! ```
//!
//! ## Webhooks
//!
//! [`webhook::WebhookVerifier`] checks `X-Chatwoot-Signature: sha256=<64 lowercase hex>`
//! (exactly as Chatwoot writes it) over `"{X-Chatwoot-Timestamp}.{raw body}"` in constant
//! time and refuses timestamps outside a window (five minutes by default).
//! [`WebhookVerifier::accept`](webhook::WebhookVerifier::accept) does that without parsing and
//! keys the delivery by what was received (`X-Chatwoot-Delivery` plus the body's SHA-256), so
//! a signed body that does not parse is stored in the inbox and dead-lettered by the worker
//! with the reason, never refused and lost. Signing came
//! with Chatwoot PRs #13573 (account webhooks) and #13892 (API inboxes, agent bots); a
//! maintainer dates them to v4.11.2 and v4.13.0 (chatwoot/chatwoot#13862), which this crate
//! has not confirmed (see [`webhook::WebhookVerifier`]). Servers that do not sign need an
//! explicit opt-in, and then [`webhook::Delivery::authenticity`] must be checked.
//! [`WebhookEvent`] types every event Chatwoot sends,
//! reads fields that arrive as integers in one payload and strings in another, and keeps
//! unknown events instead of rejecting them.
//!
//! ## Customer context
//!
//! [`CustomerContext::derive`] turns vendor-neutral [`OrderSummary`]s into the attributes
//! agents asked for, with money as [`Decimal`](rust_decimal::Decimal) rounded at the
//! currency's minor unit and shown with its currency (`€1,300.00`). [`ContactSink`] keeps
//! contacts and those attributes in step with a shop's customers through sync-core's
//! pipeline, idempotently: a replay finds the same contacts and writes nothing that is
//! already there.
//!
//! ## Errors
//!
//! [`Error`] parses all of Chatwoot's error bodies ([`ErrorBody`]): `{"error": …}`,
//! `{"message": …, "attributes": [...]}` for validation failures, and the rate limiter's
//! plain-text `Retry later`. Its [`Classify`](sync_core::Classify) verdict tells the engine to
//! retry (5xx, timeouts), wait (429), or stop (a refused token). Chatwoot's rate limiter
//! (rack-attack) sends its 429 **without** `Retry-After`, so the wait comes from the retry
//! policy's exponential backoff with jitter; a `Retry-After` from a proxy in front is honoured.
//! No error, `Debug` output, log line or sink reason contains a token: everything printed goes
//! through the client's [`Redactor`](sync_core::Redactor), which knows Chatwoot's secret names
//! ([`secrets::SECRET_NAMES`]) and the token values the client holds, even when a server echoes
//! the request back.
//!
//! ## Rate limits
//!
//! Self-hosted Chatwoot allows 3000 requests a minute per IP and 100 contact searches a minute
//! per account. Clients of one installation share a limit of
//! [`DEFAULT_REQUESTS_PER_SECOND`] by default; the upsert looks contacts up with the filter
//! endpoint, which the search throttle does not cover.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
mod client;
pub mod contact_inboxes;
pub mod contacts;
pub mod context;
pub mod conversations;
pub mod custom_attributes;
pub mod error;
pub mod inboxes;
pub mod labels;
pub mod messages;
pub mod models;
mod pagination;
pub mod platform;
pub mod secrets;
pub mod sync;
pub mod webhook;

pub use auth::{ApiKind, ApplicationToken, PlatformToken};
pub use client::{
    ApplicationClient, ApplicationClientBuilder, DEFAULT_REQUESTS_PER_SECOND, PlatformClient,
    PlatformClientBuilder,
};
pub use context::{ContextRules, CustomerContext, CustomerTier, Money, OrderStatus, OrderSummary};
pub use error::{Error, ErrorBody};
pub use models::Page;
pub use sync::{ContactSink, CustomerSnapshot};
pub use webhook::{WebhookEvent, WebhookVerifier};
