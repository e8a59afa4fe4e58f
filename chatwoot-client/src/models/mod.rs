//! Serde types for Chatwoot's resources, one file per resource.
//!
//! Every model keeps the fields it does not name in `extra`, so a value read and written back
//! loses nothing. Ids, booleans and times are read leniently: Chatwoot sends some of them as
//! integers in one payload and strings in another.

pub(crate) mod lenient;

mod account;
mod agent_bot;
mod common;
mod contact;
mod conversation;
mod custom_attribute;
mod inbox;
mod label;
mod message;
mod user;

pub use account::{Account, AccountUser, AccountUserRole};
pub use agent_bot::AgentBot;
pub use common::Party;
pub use contact::{Contact, ContactInbox, ContactWithInbox};
pub use conversation::{Conversation, ConversationMeta, ConversationStatus};
pub use custom_attribute::{AttributeDisplayType, AttributeModel, CustomAttributeDefinition};
pub use inbox::Inbox;
pub use label::Label;
pub use message::{Message, MessageType};
/// One page of a list, as sync-core's paginator reads it (`items`, `total`, `end`).
pub use sync_core::http::Page;
pub use user::{User, UserAccount};
