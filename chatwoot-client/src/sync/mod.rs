//! [`ContactSink`]: a sync-core [`Sink`] that keeps Chatwoot contacts, and their customer
//! context attributes, in step with a shop's customers and orders.
//!
//! It takes three record types:
//!
//! | record | what the contact gets |
//! |---|---|
//! | [`CustomerSnapshot`] | a customer with their whole order history: the context derived from it |
//! | [`sync_core::summary::OrderSummary`] | one order, merged into the contact's [`OrderLedger`] (or the history fetched, with [`ContactSink::fetch_history`]) |
//! | [`sync_core::summary::CustomerSummary`] | the shop's own totals for a customer, as the ledger's baseline |
//!
//! See [`ledger`] for how orders are merged: the same order twice counts once, orders may
//! arrive in any order, and a late older version of an order is ignored.

pub mod ledger;
mod orders;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::sync::Arc;

pub use ledger::{Baseline, LEDGER_KEY, LedgerEntry, OrderLedger, Recorded};
pub use orders::{HistoryError, OrderHistory};

use async_trait::async_trait;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sync_core::{Ack, Redactor, Sink, SinkRecord, StageError};

use crate::client::ApplicationClient;
use crate::contacts::{ContactInput, Upserted};
use crate::context::{ContextRules, CustomerContext, OrderSummary};
use crate::error::Error;
use crate::models::CustomAttributeDefinition;

/// A customer as a shop source yields it, with their orders: the sink's record type.
///
/// At least one of `identifier` and `email` must be set; the contact is found by them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CustomerSnapshot {
    /// Your system's id (`woo:42`): the contact's `identifier`, matched exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// Email, matched case-insensitively.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Phone number (E.164).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The customer's orders, any status.
    #[serde(default)]
    pub orders: Vec<OrderSummary>,
    /// More custom attributes to set on the contact.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub custom_attributes: Map<String, Value>,
}

/// Keeps contacts in step with [`CustomerSnapshot`]s: each record is upserted (found by
/// identifier, then email; created only when absent) with its
/// [`CustomerContext`] as custom attributes.
///
/// Idempotent, as sync-core requires: writing a record twice finds the same contact and, when
/// nothing changed, sends no update at all.
///
/// Records run a few at a time, except that snapshots of one contact (the same identifier or
/// the same email, case-insensitively) run one after another in batch order, so the later
/// snapshot is the one that stays and a new contact is created once. When an earlier snapshot
/// of a contact must be retried, the later ones in the batch wait for it (they are answered
/// "retry later" too) instead of being overwritten by the retry.
///
/// Answers per record:
/// - delivered: created, updated or already up to date;
/// - retry later: throttled (429; Chatwoot sends no `Retry-After`, so the engine's retry
///   policy picks the wait), 5xx, timeouts, or a contact that
///   vanished between lookup and update (404);
/// - rejected: Chatwoot refused the data (422 with the fields, or no email/identifier);
/// - a refused token (401) fails the whole batch, which stops the run: the records are fine,
///   the setup is not.
///
/// ```no_run
/// # async fn run() -> Result<(), chatwoot_client::Error> {
/// use chatwoot_client::{ApplicationClient, ApplicationToken};
/// use chatwoot_client::context::ContextRules;
/// use chatwoot_client::sync::ContactSink;
///
/// let client = ApplicationClient::builder("https://chat.example.com")
///     .account_id(1)
///     .credentials(ApplicationToken::new("…"))
///     .build()?;
/// let sink = ContactSink::new(client).rules(ContextRules::default().currency("EUR"));
/// sink.ensure_attribute_definitions().await?; // once, so agents see labelled fields
/// // Pipeline::builder(stream, shop_customers_source, sink)…
/// # Ok(()) }
/// ```
pub struct ContactSink {
    client: ApplicationClient,
    rules: ContextRules,
    prefix: String,
    concurrency: usize,
    history: Option<Arc<dyn OrderHistory>>,
}

impl fmt::Debug for ContactSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContactSink")
            .field("client", &self.client)
            .field("rules", &self.rules)
            .field("prefix", &self.prefix)
            .field("concurrency", &self.concurrency)
            .field("fetches_history", &self.history.is_some())
            .finish()
    }
}

/// The default custom attribute prefix.
pub const DEFAULT_ATTRIBUTE_PREFIX: &str = "shop_";

impl ContactSink {
    /// A sink writing through `client`, with default rules, prefix `shop_` and 4 contacts in
    /// flight.
    pub fn new(client: ApplicationClient) -> Self {
        ContactSink {
            client,
            rules: ContextRules::default(),
            prefix: DEFAULT_ATTRIBUTE_PREFIX.to_string(),
            concurrency: 4,
            history: None,
        }
    }

    /// For [`OrderSummary`](sync_core::summary::OrderSummary) records: instead of merging each
    /// order into the contact's ledger, read the customer's whole order history from the shop
    /// through `history` and derive the context from it (exact even for a contact whose
    /// ledger was lost or edited; one history read per order).
    pub fn fetch_history(mut self, history: impl OrderHistory + 'static) -> Self {
        self.history = Some(Arc::new(history));
        self
    }

    /// How context is derived.
    pub fn rules(mut self, rules: ContextRules) -> Self {
        self.rules = rules;
        self
    }

    /// The custom attribute key prefix (default `shop_`).
    pub fn attribute_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Contacts written at once within a batch (default 4, at least 1). Snapshots of the same
    /// contact never run at once, whatever this is. The client's rate limit still applies.
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Create the context attribute definitions that do not exist yet (administrator token).
    pub async fn ensure_attribute_definitions(
        &self,
    ) -> Result<Vec<CustomAttributeDefinition>, Error> {
        self.client
            .custom_attributes()
            .ensure(&CustomerContext::attribute_definitions(&self.prefix))
            .await
    }

    /// The contact input a snapshot becomes.
    ///
    /// The snapshot holds the whole history, so it also clears the contact's
    /// [`OrderLedger`] (`{prefix}order_ledger: null`): orders merged later start from these
    /// totals as their baseline.
    pub fn contact_input(&self, customer: &CustomerSnapshot) -> ContactInput {
        let context = CustomerContext::derive(&customer.orders, &self.rules);
        let mut attributes = customer.custom_attributes.clone();
        attributes.extend(context.to_attributes(&self.prefix));
        attributes.insert(format!("{}{LEDGER_KEY}", self.prefix), Value::Null);
        ContactInput {
            name: customer.name.clone(),
            email: customer.email.clone(),
            phone_number: customer.phone_number.clone(),
            identifier: customer.identifier.clone(),
            custom_attributes: attributes,
            ..ContactInput::default()
        }
    }

    /// Upsert one customer.
    pub async fn sync_customer(&self, customer: &CustomerSnapshot) -> Result<Upserted, Error> {
        let input = self.contact_input(customer);
        self.client.contacts().upsert(&input).await
    }
}

/// Turn one record's failure into its answer (sync-core's [`Ack::from_error_or_stop`]), or
/// into a batch failure for setup problems (a refused token, missing labels). The reason
/// (stored in dead letters) goes through the client's redactor.
pub(crate) fn ack_for(key: &str, error: &Error, redactor: &Redactor) -> Result<Ack, StageError> {
    if error.is_not_found() {
        // The contact was deleted between lookup and update; the next attempt looks it up again.
        return Ok(Ack::retry(
            redactor.text(&format!("contact `{key}`: {error}")),
        ));
    }
    let ack = Ack::from_error_or_stop(error, redactor)?.with_context(format!("contact `{key}`"));
    Ok(match ack {
        // Keep what Chatwoot said, for the dead letter.
        Ack::Rejected { reason, .. } => Ack::Rejected {
            reason,
            response: error.body().map(|b| redactor.text(&b.message())),
        },
        other => other,
    })
}

/// The keys a contact is found by (see [`Contacts::upsert`](crate::contacts::Contacts::upsert)):
/// two records sharing any of them may land on the same contact.
fn contact_keys(input: &ContactInput) -> Vec<String> {
    let mut keys = Vec::with_capacity(2);
    if let Some(identifier) = input.lookup_identifier() {
        keys.push(format!("identifier:{identifier}"));
    }
    if let Some(email) = input.lookup_email() {
        keys.push(format!("email:{email}"));
    }
    keys
}

/// Split a batch into rounds run one after another. Records linked by shared keys, directly or
/// through other records (`a@x` + `woo:1`, then `woo:1` alone, then `a@x` alone: all one
/// contact), form a group; the n-th record of a group goes in round n. So each contact's
/// records run in input order, and unrelated records share a round and run concurrently.
fn plan_rounds(keys: &[Vec<String>]) -> Vec<Vec<usize>> {
    // Union-find over record indices, joined through the first record seen with each key.
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut parent: Vec<usize> = (0..keys.len()).collect();
    let mut first_with: HashMap<&str, usize> = HashMap::new();
    for (i, record_keys) in keys.iter().enumerate() {
        for k in record_keys {
            let other = *first_with.entry(k.as_str()).or_insert(i);
            let (a, b) = (root(&mut parent, i), root(&mut parent, other));
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut seen_in_group: HashMap<usize, usize> = HashMap::new();
    let mut rounds: Vec<Vec<usize>> = Vec::new();
    for i in 0..keys.len() {
        let group = root(&mut parent, i);
        let round = seen_in_group.entry(group).or_insert(0);
        if rounds.len() <= *round {
            rounds.push(Vec::new());
        }
        rounds[*round].push(i);
        *round += 1;
    }
    rounds
}

impl ContactSink {
    /// Write a batch a few records at a time, records of one contact (sharing any of `keys`)
    /// one after another in batch order. When a record of a contact must be retried, the
    /// later ones of that contact wait too ("retry later"), so the retry cannot overwrite
    /// them. `what` names the record kind in that reason.
    pub(crate) async fn write_in_rounds<F, Fut>(
        &self,
        record_keys: &[&str],
        keys: &[Vec<String>],
        what: &str,
        write: F,
    ) -> Result<Vec<Ack>, StageError>
    where
        F: Fn(usize) -> Fut,
        Fut: Future<Output = Result<Ack, StageError>>,
    {
        let mut acks: Vec<Option<Ack>> = vec![None; record_keys.len()];
        let mut waiting: HashSet<&str> = HashSet::new();
        for round in plan_rounds(keys) {
            let mut run = Vec::with_capacity(round.len());
            for i in round {
                if keys[i].iter().any(|k| waiting.contains(k.as_str())) {
                    waiting.extend(keys[i].iter().map(String::as_str));
                    acks[i] = Some(Ack::retry(format!(
                        "contact `{}`: an earlier {what} of this contact in the batch is \
                         waiting for a retry; this one is written after it",
                        record_keys[i]
                    )));
                } else {
                    run.push(i);
                }
            }
            // Futures built up front (not in a stream closure) keep the borrow checker's
            // lifetimes concrete; `buffered` runs a few at a time and keeps the order.
            let pending: Vec<_> = run.iter().map(|&i| write(i)).collect();
            let results: Vec<Result<Ack, StageError>> = futures_util::stream::iter(pending)
                .buffered(self.concurrency)
                .collect()
                .await;
            for (i, result) in run.into_iter().zip(results) {
                let ack = result?;
                if matches!(ack, Ack::RetryLater { .. }) {
                    waiting.extend(keys[i].iter().map(String::as_str));
                }
                acks[i] = Some(ack);
            }
        }
        Ok(acks
            .into_iter()
            .map(|ack| ack.unwrap_or_else(|| Ack::retry("internal: record was not written")))
            .collect())
    }
}

#[async_trait]
impl Sink<CustomerSnapshot> for ContactSink {
    async fn write(
        &self,
        batch: &[SinkRecord<'_, CustomerSnapshot>],
    ) -> Result<Vec<Ack>, StageError> {
        let inputs: Vec<ContactInput> = batch
            .iter()
            .map(|record| self.contact_input(record.data))
            .collect();
        let keys: Vec<Vec<String>> = inputs.iter().map(contact_keys).collect();
        let record_keys: Vec<&str> = batch.iter().map(|r| r.key).collect();
        let contacts = self.client.contacts();
        let redactor = self.client.redactor();
        self.write_in_rounds(&record_keys, &keys, "snapshot", |i| {
            let upsert = contacts.upsert(&inputs[i]);
            let key = record_keys[i];
            async move {
                match upsert.await {
                    Ok(upserted) => {
                        tracing::debug!(key, contact = upserted.contact.id, outcome = ?upserted.outcome, "contact in step");
                        Ok(Ack::Delivered)
                    }
                    Err(error) => ack_for(key, &error, redactor),
                }
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(records: &[&[&str]]) -> Vec<Vec<String>> {
        records
            .iter()
            .map(|ks| ks.iter().map(|k| k.to_string()).collect())
            .collect()
    }

    #[test]
    fn unrelated_records_share_the_first_round() {
        let plan = plan_rounds(&keys(&[&["email:a"], &["email:b"], &[], &["identifier:c"]]));
        assert_eq!(plan, vec![vec![0, 1, 2, 3]]);
    }

    #[test]
    fn records_of_one_contact_run_in_input_order() {
        // 0 and 2 share an email; 3 shares 2's identifier, so 0, 2, 3 and 4 may all be one
        // contact; 1 and 5 are another.
        let plan = plan_rounds(&keys(&[
            &["email:ada"],
            &["email:grace"],
            &["identifier:woo:1", "email:ada"],
            &["identifier:woo:1"],
            &["email:ada"],
            &["email:grace"],
        ]));
        assert_eq!(plan, vec![vec![0, 1], vec![2, 5], vec![3], vec![4]]);
    }
}
