//! Contact inboxes: a contact's presence in an inbox, which conversations are created through.

use serde_json::Value;

use sync_core::http::ApiRequest;

use crate::client::{ApplicationClient, JsonBody};
use crate::error::Error;
use crate::models::ContactInbox;

impl ApplicationClient {
    /// Contact inboxes of this account.
    pub fn contact_inboxes(&self) -> ContactInboxes<'_> {
        ContactInboxes { client: self }
    }
}

/// Contact inboxes. Get it from [`ApplicationClient::contact_inboxes`].
#[derive(Debug, Clone, Copy)]
pub struct ContactInboxes<'a> {
    client: &'a ApplicationClient,
}

impl ContactInboxes<'_> {
    /// Add contact `contact_id` to inbox `inbox_id`. `source_id` is the contact's address in
    /// that channel (an email for email inboxes, a phone number for SMS); leave it out for API
    /// and website inboxes and Chatwoot generates one. The returned `source_id` is what
    /// [`NewConversation`](crate::conversations::NewConversation) needs.
    pub async fn create(
        &self,
        contact_id: u64,
        inbox_id: u64,
        source_id: Option<&str>,
    ) -> Result<ContactInbox, Error> {
        let mut body = serde_json::json!({ "inbox_id": inbox_id });
        if let Some(source_id) = source_id {
            body["source_id"] = Value::from(source_id);
        }
        let request = ApiRequest::post(
            "contact_inboxes.create",
            format!("contacts/{contact_id}/contact_inboxes"),
        )
        .json_body(&body)?;
        self.client.sender.send_unwrapped(request).await
    }

    /// The inboxes contact `contact_id` can be messaged through, with the source id to use in
    /// each.
    pub async fn contactable(&self, contact_id: u64) -> Result<Vec<ContactInbox>, Error> {
        let request = ApiRequest::get(
            "contact_inboxes.contactable",
            format!("contacts/{contact_id}/contactable_inboxes"),
        );
        self.client.sender.send_unwrapped(request).await
    }
}
