//! Platform API resources: accounts, users, account users and agent bots.
//!
//! These routes need a [`PlatformToken`](crate::PlatformToken) and a
//! [`PlatformClient`](crate::PlatformClient). A Platform App may only manage the accounts and
//! users it created or was granted.

pub mod account_users;
pub mod accounts;
pub mod agent_bots;
pub mod users;

pub use account_users::AccountUsers;
pub use accounts::{AccountInput, Accounts};
pub use agent_bots::{AgentBotInput, AgentBots};
pub use users::{UserInput, Users};
