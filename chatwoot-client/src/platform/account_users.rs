//! Platform account users: who belongs to an account, in which role.

use serde_json::Value;

use crate::client::{Call, PlatformClient};
use crate::error::Error;
use crate::models::{AccountUser, AccountUserRole};
use crate::pagination::payload_or_bare;

impl PlatformClient {
    /// Account memberships.
    pub fn account_users(&self) -> AccountUsers<'_> {
        AccountUsers { client: self }
    }
}

/// Account users. Get it from [`PlatformClient::account_users`].
#[derive(Debug, Clone, Copy)]
pub struct AccountUsers<'a> {
    client: &'a PlatformClient,
}

impl AccountUsers<'_> {
    /// The members of account `account_id`.
    pub async fn list(&self, account_id: u64) -> Result<Vec<AccountUser>, Error> {
        let call = Call::get(
            "platform.account_users.list",
            self.client
                .path(&format!("accounts/{account_id}/account_users")),
        );
        let value: Value = self.client.transport.json(call).await?;
        payload_or_bare("platform.account_users.list", value)
    }

    /// Add user `user_id` to account `account_id` with `role` (or change their role).
    pub async fn create(
        &self,
        account_id: u64,
        user_id: u64,
        role: AccountUserRole,
    ) -> Result<AccountUser, Error> {
        let call = Call::post(
            "platform.account_users.create",
            self.client
                .path(&format!("accounts/{account_id}/account_users")),
        )
        .json(&serde_json::json!({ "user_id": user_id, "role": role.as_str() }))?;
        let value: Value = self.client.transport.json(call).await?;
        payload_or_bare("platform.account_users.create", value)
    }

    /// Remove user `user_id` from account `account_id`.
    pub async fn delete(&self, account_id: u64, user_id: u64) -> Result<(), Error> {
        let call = Call::delete(
            "platform.account_users.delete",
            self.client
                .path(&format!("accounts/{account_id}/account_users")),
        )
        .json(&serde_json::json!({ "user_id": user_id }))?;
        self.client.transport.empty(call).await
    }
}
