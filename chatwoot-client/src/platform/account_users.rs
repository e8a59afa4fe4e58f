//! Platform account users: who belongs to an account, in which role.

use sync_core::http::ApiRequest;

use crate::client::{JsonBody, PlatformClient};
use crate::error::Error;
use crate::models::{AccountUser, AccountUserRole};

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
        let request = ApiRequest::get(
            "platform.account_users.list",
            format!("accounts/{account_id}/account_users"),
        );
        self.client.sender.send_unwrapped(request).await
    }

    /// Add user `user_id` to account `account_id` with `role` (or change their role).
    pub async fn create(
        &self,
        account_id: u64,
        user_id: u64,
        role: AccountUserRole,
    ) -> Result<AccountUser, Error> {
        let request = ApiRequest::post(
            "platform.account_users.create",
            format!("accounts/{account_id}/account_users"),
        )
        .json_body(&serde_json::json!({ "user_id": user_id, "role": role.as_str() }))?;
        self.client.sender.send_unwrapped(request).await
    }

    /// Remove user `user_id` from account `account_id`.
    pub async fn delete(&self, account_id: u64, user_id: u64) -> Result<(), Error> {
        let request = ApiRequest::<serde::de::IgnoredAny>::delete(
            "platform.account_users.delete",
            format!("accounts/{account_id}/account_users"),
        )
        .json_body(&serde_json::json!({ "user_id": user_id }))?;
        self.client.sender.send(request).await.map(drop)
    }
}
