//! [`ContactSink`] for sync-core's vendor-neutral summaries: orders merged one at a time into
//! the contact's [`OrderLedger`] (or the customer's history read from the shop), and a shop's
//! own customer totals.

use async_trait::async_trait;
use sync_core::summary::{CustomerSummary, OrderSummary};
use sync_core::{Ack, Sink, SinkRecord, StageError};

use super::ledger::OrderLedger;
use super::{ContactSink, ack_for};
use crate::contacts::ContactInput;
use crate::models::Contact;

/// Why an order history could not be read.
pub type HistoryError = Box<dyn std::error::Error + Send + Sync>;

/// A shop's order history per customer, for [`ContactSink::fetch_history`]: implement it with
/// your shop client (woo-client, magento-client, your database).
///
/// ```
/// use chatwoot_client::sync::{HistoryError, OrderHistory};
/// use sync_core::summary::OrderSummary;
///
/// #[derive(Debug)]
/// struct ShopDatabase(Vec<OrderSummary>);
///
/// #[async_trait::async_trait]
/// impl OrderHistory for ShopDatabase {
///     async fn orders_for(&self, email: &str) -> Result<Vec<OrderSummary>, HistoryError> {
///         Ok(self.0.iter().filter(|o| o.email.as_deref() == Some(email)).cloned().collect())
///     }
/// }
/// ```
#[async_trait]
pub trait OrderHistory: Send + Sync {
    /// Every order, any status, of the customer with this email (lowercased). A failure is
    /// answered "retry later" for the order being written.
    async fn orders_for(&self, email: &str) -> Result<Vec<OrderSummary>, HistoryError>;
}

/// The email a contact is found by, normalized as Chatwoot stores it.
fn email_of(email: Option<&str>) -> Option<String> {
    email
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
}

/// "First Last", when the shop has either.
fn full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let name = [first, last]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (!name.is_empty()).then_some(name)
}

impl ContactSink {
    /// Write `input` to the contact found (or create it): nothing is sent when the contact
    /// already has every value.
    async fn write_contact(
        &self,
        key: &str,
        existing: Option<Contact>,
        mut input: ContactInput,
    ) -> Result<Ack, StageError> {
        let contacts = self.client.contacts();
        let result = match existing {
            Some(contact) => {
                // A name the contact already has (an agent may have set it) stays.
                if contact
                    .name
                    .as_deref()
                    .is_some_and(|n| !n.trim().is_empty())
                {
                    input.name = None;
                }
                if input.is_satisfied_by(&contact) {
                    return Ok(Ack::Delivered);
                }
                contacts.update(contact.id, &input).await.map(drop)
            }
            // Created, or, when it appeared meanwhile, found again and updated.
            None => contacts.upsert(&input).await.map(drop),
        };
        match result {
            Ok(()) => Ok(Ack::Delivered),
            Err(error) => ack_for(key, &error, self.client.redactor()),
        }
    }

    /// The contact with this email, or the record's answer when the lookup failed.
    async fn find(
        &self,
        key: &str,
        email: &str,
    ) -> Result<Result<Option<Contact>, Ack>, StageError> {
        match self.client.contacts().find_by_email(email).await {
            Ok(found) => Ok(Ok(found)),
            Err(error) => ack_for(key, &error, self.client.redactor()).map(Err),
        }
    }

    /// Merge one order (see [`ledger`](super::ledger) for the rule), or rebuild from the
    /// shop's history when [`fetch_history`](ContactSink::fetch_history) is set.
    async fn write_order(&self, key: &str, order: &OrderSummary) -> Result<Ack, StageError> {
        let Some(email) = email_of(order.email.as_deref()) else {
            return Ok(Ack::rejected(format!(
                "order `{key}`: it has no email, and Chatwoot contacts are found by email"
            )));
        };
        let existing = match self.find(key, &email).await? {
            Ok(found) => found,
            Err(ack) => return Ok(ack),
        };
        let ledger = match &self.history {
            Some(history) => match history.orders_for(&email).await {
                // The order itself too: the shop's list may lag behind its webhook.
                Ok(orders) => OrderLedger::from_history(orders.iter().chain([order])),
                Err(error) => {
                    let reason =
                        format!("order `{key}`: the order history could not be read: {error}");
                    return Ok(Ack::retry(self.client.redactor().text(&reason)));
                }
            },
            None => {
                let mut ledger = existing
                    .as_ref()
                    .map(|c| OrderLedger::from_contact(&c.custom_attributes, &self.prefix))
                    .unwrap_or_default();
                let recorded = ledger.record(order);
                tracing::debug!(key, ?recorded, "order merged into the contact's ledger");
                ledger
            }
        };
        let input = ContactInput {
            email: Some(email),
            name: full_name(order.first_name.as_deref(), order.last_name.as_deref()),
            custom_attributes: ledger.to_attributes(&self.rules, &self.prefix),
            ..ContactInput::default()
        };
        self.write_contact(key, existing, input).await
    }

    /// A shop's own totals for a customer: they become the ledger's baseline, keeping only
    /// orders merged since the customer's last counted order.
    async fn write_customer(
        &self,
        key: &str,
        customer: &CustomerSummary,
    ) -> Result<Ack, StageError> {
        let Some(email) = email_of(Some(&customer.email)) else {
            return Ok(Ack::rejected(format!(
                "customer `{key}`: it has no email, and Chatwoot contacts are found by email"
            )));
        };
        let existing = match self.find(key, &email).await? {
            Ok(found) => found,
            Err(ack) => return Ok(ack),
        };
        let mut ledger = existing
            .as_ref()
            .and_then(|c| OrderLedger::from_attributes(&c.custom_attributes, &self.prefix))
            .unwrap_or_default();
        ledger.rebase(customer);
        let input = ContactInput {
            email: Some(email),
            name: full_name(
                customer.first_name.as_deref(),
                customer.last_name.as_deref(),
            ),
            custom_attributes: ledger.to_attributes(&self.rules, &self.prefix),
            ..ContactInput::default()
        };
        self.write_contact(key, existing, input).await
    }
}

/// Orders one at a time: each is merged into its contact's ledger (found by the order's
/// email), so the contact shows the count, total, first and last order over every order
/// merged so far, without the history. A redelivered order changes nothing; orders of one
/// contact in a batch are merged one after another.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use chatwoot_client::{ApplicationClient, ApplicationToken, ContactSink};
/// use chrono::{TimeZone, Utc};
/// use serde_json::json;
/// use sync_core::money::Money;
/// use sync_core::summary::OrderSummary;
/// use sync_core::{Ack, Sink, SinkRecord};
/// use wiremock::matchers::{body_partial_json, method, path};
/// use wiremock::{Mock, MockServer, ResponseTemplate};
///
/// let chatwoot = MockServer::start().await;
/// // No contact with this email yet…
/// Mock::given(method("POST")).and(path("/api/v1/accounts/1/contacts/filter"))
///     .respond_with(ResponseTemplate::new(200).set_body_json(json!({"meta": {"count": 0}, "payload": []})))
///     .mount(&chatwoot).await;
/// // …so it is created with the order counted.
/// Mock::given(method("POST")).and(path("/api/v1/accounts/1/contacts"))
///     .and(body_partial_json(json!({"email": "jan@example.com", "name": "Jan de Vries",
///         "custom_attributes": {"shop_order_count": 1, "shop_total_spent_display": "€29.35"}})))
///     .respond_with(ResponseTemplate::new(200).set_body_json(json!({"payload": {
///         "contact": {"id": 7, "email": "jan@example.com"}, "contact_inbox": null}})))
///     .expect(1)
///     .mount(&chatwoot).await;
///
/// let client = ApplicationClient::builder(chatwoot.uri())
///     .account_id(1)
///     .credentials(ApplicationToken::new("user-token"))
///     .build()?;
/// let order = OrderSummary {
///     source: "woocommerce:shop.example.com".into(),
///     id: "727".into(),
///     number: Some("727".into()),
///     status: "processing".into(),
///     email: Some("Jan@example.com".into()),
///     first_name: Some("Jan".into()),
///     last_name: Some("de Vries".into()),
///     total: Money::new("29.35".parse()?, "EUR"),
///     created_at: Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap(),
///     paid_at: None,
///     modified_at: None,
///     line_items: vec!["Koffiebonen 1 kg".into()],
///     payment_method_id: Some("mollie_wc_gateway_ideal".into()),
/// };
/// let sink = ContactSink::new(client);
/// let acks = sink.write(&[SinkRecord { key: "order-727", data: &order }]).await?;
/// assert_eq!(acks, [Ack::Delivered]);
/// # Ok(()) }
/// ```
#[async_trait]
impl Sink<OrderSummary> for ContactSink {
    async fn write(&self, batch: &[SinkRecord<'_, OrderSummary>]) -> Result<Vec<Ack>, StageError> {
        let record_keys: Vec<&str> = batch.iter().map(|r| r.key).collect();
        let keys: Vec<Vec<String>> = batch
            .iter()
            .map(|r| {
                email_of(r.data.email.as_deref())
                    .map(|e| format!("email:{e}"))
                    .into_iter()
                    .collect()
            })
            .collect();
        self.write_in_rounds(&record_keys, &keys, "order", |i| {
            self.write_order(record_keys[i], batch[i].data)
        })
        .await
    }
}

/// Customers with the shop's own totals (order count, total spent, first and last order),
/// found by email: the totals become the contact's ledger baseline.
#[async_trait]
impl Sink<CustomerSummary> for ContactSink {
    async fn write(
        &self,
        batch: &[SinkRecord<'_, CustomerSummary>],
    ) -> Result<Vec<Ack>, StageError> {
        let record_keys: Vec<&str> = batch.iter().map(|r| r.key).collect();
        let keys: Vec<Vec<String>> = batch
            .iter()
            .map(|r| {
                email_of(Some(&r.data.email))
                    .map(|e| format!("email:{e}"))
                    .into_iter()
                    .collect()
            })
            .collect();
        self.write_in_rounds(&record_keys, &keys, "customer record", |i| {
            self.write_customer(record_keys[i], batch[i].data)
        })
        .await
    }
}
