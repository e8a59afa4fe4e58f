//! List memberships: subscribe and unsubscribe a contact (`POST /contactLists`).

use serde::{Deserialize, Serialize};
use sync_core::http::ApiRequest;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::models::{ContactList, ListStatus};

/// The `sourceid` ActiveCampaign documents for re-subscribing a contact who unsubscribed
/// themselves; without it such a contact stays unsubscribed.
pub const RESUBSCRIBE_SOURCE_ID: i64 = 4;

#[derive(Serialize)]
struct Body {
    #[serde(rename = "contactList")]
    contact_list: Inner,
}

#[derive(Serialize)]
struct Inner {
    list: i64,
    contact: i64,
    status: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    sourceid: Option<i64>,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "contactList")]
    contact_list: ContactList,
}

/// List requests. Get it from [`Client::lists`].
#[derive(Debug, Clone, Copy)]
pub struct Lists<'c> {
    client: &'c Client,
}

impl<'c> Lists<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        Lists { client }
    }

    /// Subscribe a contact to a list. Setting a status is idempotent.
    ///
    /// ```
    /// # use wiremock::{Mock, MockServer, ResponseTemplate, matchers::{method, path}};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ac_client::Error> {
    /// # let server = MockServer::start().await;
    /// # Mock::given(method("POST")).and(path("/api/3/contactLists"))
    /// #     .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
    /// #         "contactList": {"contact": "113", "list": "2", "status": "1", "id": "9"}})))
    /// #     .mount(&server).await;
    /// # let client = ac_client::Client::builder(server.uri())
    /// #     .credentials(ac_client::ApiToken::new("my-key")).build()?;
    /// use ac_client::ListStatus;
    ///
    /// let membership = client.lists().subscribe(113, 2).await?;
    /// assert_eq!(membership.status, ListStatus::Active);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::is_not_found`](crate::Error::is_not_found) when the contact or list does not
    /// exist; transport and API errors.
    pub async fn subscribe(&self, contact_id: i64, list_id: i64) -> Result<ContactList> {
        self.set_status(contact_id, list_id, ListStatus::Active, None)
            .await
    }

    /// Subscribe a contact again after they unsubscribed themselves (sends
    /// [`RESUBSCRIBE_SOURCE_ID`]). Only do this with the contact's consent.
    ///
    /// # Errors
    /// As for [`subscribe`](Self::subscribe).
    pub async fn resubscribe(&self, contact_id: i64, list_id: i64) -> Result<ContactList> {
        self.set_status(
            contact_id,
            list_id,
            ListStatus::Active,
            Some(RESUBSCRIBE_SOURCE_ID),
        )
        .await
    }

    /// Unsubscribe a contact from a list.
    ///
    /// # Errors
    /// As for [`subscribe`](Self::subscribe).
    pub async fn unsubscribe(&self, contact_id: i64, list_id: i64) -> Result<ContactList> {
        self.set_status(contact_id, list_id, ListStatus::Unsubscribed, None)
            .await
    }

    /// Set a contact's status on a list, with an optional `sourceid`.
    ///
    /// # Errors
    /// As for [`subscribe`](Self::subscribe).
    pub async fn set_status(
        &self,
        contact_id: i64,
        list_id: i64,
        status: ListStatus,
        source_id: Option<i64>,
    ) -> Result<ContactList> {
        let body = Body {
            contact_list: Inner {
                list: list_id,
                contact: contact_id,
                status: status.code(),
                sourceid: source_id,
            },
        };
        // Setting a status is idempotent: repeating it after a lost answer is harmless.
        let request = ApiRequest::<Answer>::post("lists.set_status", "contactLists")
            .json(&body)
            .map_err(Error::encoding)?
            .idempotent(true);
        Ok(self.client.send(request).await?.contact_list)
    }
}
