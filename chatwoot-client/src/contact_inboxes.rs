//! Contact inboxes: a contact's presence in an inbox, which conversations are created through.

use serde_json::Value;

use crate::client::{ApplicationClient, Call};
use crate::error::Error;
use crate::models::ContactInbox;
use crate::pagination::payload_or_bare;

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
        let call = Call::post(
            "contact_inboxes.create",
            self.client
                .path(&format!("contacts/{contact_id}/contact_inboxes")),
        )
        .json(&body)?;
        let value: Value = self.client.transport.json(call).await?;
        payload_or_bare("contact_inboxes.create", value)
    }

    /// The inboxes contact `contact_id` can be messaged through, with the source id to use in
    /// each.
    pub async fn contactable(&self, contact_id: u64) -> Result<Vec<ContactInbox>, Error> {
        let call = Call::get(
            "contact_inboxes.contactable",
            self.client
                .path(&format!("contacts/{contact_id}/contactable_inboxes")),
        );
        let value: Value = self.client.transport.json(call).await?;
        payload_or_bare("contact_inboxes.contactable", value)
    }
}
