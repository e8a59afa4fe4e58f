//! Sync adapters: order sources for the sync-core [`Pipeline`](sync_core::Pipeline).
//!
//! | Source | Cursor | Order | Use it for |
//! | --- | --- | --- | --- |
//! | [`OrderSource`] | `entity_id` (`u64`) | [`SourceOrder::Sorted`] | new orders; resumes exactly after the last finished id |
//! | [`ChangedOrderSource`] | `updated_at` (`DateTime<Utc>`) | [`SourceOrder::Unsorted`] | orders changed since the last run (status, payment, refunds) |
//! | [`OrderCustomerSource`] | the wrapped source's | the wrapped source's | the customer of each order; orders without one dead-lettered via [`CustomerSink`] |
//!
//! Both order sources page by keyset on `entity_id` (no offsets: nothing to clamp, nothing to
//! shift) and keep one watermark per **(store, stream)**: build the pipeline's key with
//! [`OrderSource::stream_key`] / [`ChangedOrderSource::stream_key`], which name the shop, the
//! store view and the stream.
//!
//! [`OrderSource`] reads only orders older than a settle window (5 minutes by default), because
//! `entity_id`s become visible out of order when checkouts overlap; see its docs.
//!
//! The engine's rule does the rest: the watermark moves only past orders that are delivered or
//! dead-lettered, so an order the sink fails on mid-page is retried or dead-lettered on a later
//! attempt, never skipped.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use serde::{Deserialize, Serialize};
use sync_core::{
    Ack, PermanentKind, Redactor, Sink, SinkRecord, Source, SourceOrder, SourceRecord, StageError,
    StreamKey, Verdict,
};

use crate::client::Client;
use crate::customer::{OrderCustomer, SkippedOrder, customer_from_order};
use crate::error::Error;
use crate::models::Order;
use crate::orders::OrderFeed;
use crate::search::Filter;

/// The stream name of [`OrderSource`].
pub const ORDERS_STREAM: &str = "magento.orders";
/// The stream name of [`ChangedOrderSource`].
pub const CHANGED_ORDERS_STREAM: &str = "magento.orders.changed";

/// `shop.example/store:1`, or `shop.example/store:all` (the base path is kept, so two
/// installations on one host do not share a watermark).
fn tenant(client: &Client, store_id: Option<u32>) -> String {
    let base = client.base_url();
    let path = base.path().trim_end_matches('/');
    let host = match base.port() {
        Some(port) => format!("{}:{port}", client.host()),
        None => client.host().to_string(),
    };
    let store = store_id.map_or_else(|| "all".to_string(), |id| id.to_string());
    format!("{host}{path}/store:{store}")
}

fn record(order: Order) -> SourceRecord<Order, u64> {
    SourceRecord {
        key: order.entity_id.to_string(),
        cursor: order.entity_id,
        data: order,
    }
}

/// New orders, by `entity_id` ascending: a sorted source the engine commits after every batch.
///
/// # The settle window
///
/// `entity_id` is an auto-increment: a checkout takes its id when it inserts the order row, but
/// other requests see the order only when the checkout's transaction commits. When checkouts
/// overlap, ids become visible **out of order** — order 101 takes its id first, order 102
/// commits first. A run that reads 102 moves the watermark past 101, and 101 is never read.
///
/// So each run reads only orders whose `created_at` is older than *now − settle window*
/// (default [`OrderSource::DEFAULT_SETTLE`], 5 minutes). `created_at` is stamped when the row is
/// inserted, i.e. when the id is taken; once it is older than the window, the transaction that
/// took the id has committed (or rolled back), so every smaller id that will ever exist is
/// visible too. Orders inside the window are read by a later run. The window must exceed the
/// longest checkout transaction (payment and inventory plugins can hold it for tens of seconds)
/// plus the clock difference between Magento's web nodes and this process; 5 minutes covers
/// both with a wide margin, at the cost of new orders arriving at least 5 minutes late.
/// Change it with [`OrderSource::settle`].
///
/// ```
/// use magento_client::{Client, Credentials, sync::OrderSource};
/// use sync_core::{Source, SourceOrder};
///
/// let client = Client::builder("https://shop.example")
///     .credentials(Credentials::integration_bearer("token"))
///     .build()?;
/// let source = OrderSource::new(client).store(1).page_size(50);
/// assert_eq!(source.order(), SourceOrder::Sorted);
/// assert_eq!(source.stream_key("magento-to-crm").to_string(),
///            "magento-to-crm/magento.orders/shop.example/store:1");
/// # Ok::<(), magento_client::Error>(())
/// ```
pub struct OrderSource {
    client: Client,
    feed: OrderFeed,
    settle: Duration,
    pages: Option<OrderPages>,
}

/// One run's keyset pages (the kit's paginator), each a non-empty batch.
type OrderPages = BoxStream<'static, Result<Vec<Order>, Error>>;

/// The next batch of a run, or `None` when it is over.
async fn next_page(
    pages: Option<&mut OrderPages>,
    source: &str,
) -> Result<Option<Vec<Order>>, StageError> {
    let pages = pages
        .ok_or_else(|| StageError::config(format!("{source}::next_batch called before start")))?;
    pages
        .next()
        .await
        .transpose()
        .map_err(StageError::from_classified)
}

impl std::fmt::Debug for OrderSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderSource")
            .field("client", &self.client)
            .field("feed", &self.feed)
            .field("settle", &self.settle)
            .field("running", &self.pages.is_some())
            .finish()
    }
}

impl OrderSource {
    /// Default settle window: 5 minutes (see [the settle window](OrderSource#the-settle-window)).
    pub const DEFAULT_SETTLE: Duration = Duration::from_secs(5 * 60);

    /// Orders of every store.
    pub fn new(client: Client) -> Self {
        OrderSource {
            client,
            feed: OrderFeed::new(),
            settle: Self::DEFAULT_SETTLE,
            pages: None,
        }
    }

    /// How old an order's `created_at` must be before a run reads it (default 5 minutes).
    /// `Duration::ZERO` turns the window off — only safe when checkouts never overlap.
    pub fn settle(mut self, window: Duration) -> Self {
        self.settle = window;
        self
    }

    /// The settle window in use.
    pub fn settle_window(&self) -> Duration {
        self.settle
    }

    /// Only orders of this store view (`store_id`).
    pub fn store(mut self, store_id: u32) -> Self {
        self.feed = self.feed.store(store_id);
        self
    }

    /// An extra filter (e.g. `Filter::eq("customer_is_guest", 0)`).
    ///
    /// **Filter only on fields that never change after the order is placed** (`store_id`,
    /// `customer_group_id`, `customer_is_guest`, …). The watermark passes every id the run
    /// read, so an order excluded by a field that changes later — `state`, `status`, totals —
    /// is behind the watermark by the time it would match, and this source never reads it.
    /// If you must filter on such a field, also run a [`ChangedOrderSource`], which re-reads
    /// orders when they change.
    pub fn filter(mut self, filter: Filter) -> Self {
        self.feed = self.feed.filter(filter);
        self
    }

    /// Orders per batch (default: the client's page size).
    pub fn page_size(mut self, size: u32) -> Self {
        self.feed = self.feed.page_size(size);
        self
    }

    /// The watermark key for this source: `(connector, "magento.orders", "<shop>/store:<id>")`.
    pub fn stream_key(&self, connector: &str) -> StreamKey {
        StreamKey::new(
            connector,
            ORDERS_STREAM,
            tenant(&self.client, self.feed.store_id()),
        )
    }
}

#[async_trait]
impl Source for OrderSource {
    type Record = Order;
    type Cursor = u64;

    fn order(&self) -> SourceOrder {
        SourceOrder::Sorted
    }

    async fn start(&mut self, after: Option<u64>) -> Result<(), StageError> {
        let mut feed = self.feed.clone().after(after);
        if !self.settle.is_zero() {
            let settle = chrono::Duration::from_std(self.settle).map_err(|_| {
                StageError::config(format!(
                    "OrderSource settle window {:?} is too large",
                    self.settle
                ))
            })?;
            // Fixed for the whole run: orders that settle meanwhile are read next run.
            let cutoff = Utc::now().checked_sub_signed(settle).ok_or_else(|| {
                StageError::config(format!(
                    "OrderSource settle window {:?} is too large",
                    self.settle
                ))
            })?;
            feed = feed.created_before(cutoff);
        }
        self.pages = Some(self.client.orders().feed_pages(feed).boxed());
        Ok(())
    }

    async fn next_batch(&mut self) -> Result<Option<Vec<SourceRecord<Order, u64>>>, StageError> {
        let page = next_page(self.pages.as_mut(), "OrderSource").await?;
        Ok(page.map(|orders| orders.into_iter().map(record).collect()))
    }
}

/// Orders changed since the watermark, by `updated_at`: an unsorted source.
///
/// Each run reads `updated_at >= watermark − lookback` (the engine applies the lookback) by
/// keyset on `entity_id`, so orders updated during the run cannot shift pages. The engine
/// commits the largest `updated_at` seen only when the run completes, capped at run start minus
/// the clock skew; an order updated again later is read again (sinks are idempotent).
///
/// ```
/// use std::time::Duration;
/// use magento_client::{Client, Credentials, sync::ChangedOrderSource};
/// use magento_client::sync_core::{Source, SourceOrder};
///
/// let client = Client::builder("https://shop.example")
///     .credentials(Credentials::integration_bearer("token"))
///     .build()?;
/// let source = ChangedOrderSource::new(client).store(2).lookback(Duration::from_secs(600));
/// assert!(matches!(source.order(), SourceOrder::Unsorted { .. }));
/// assert_eq!(source.stream_key("magento-to-crm").to_string(),
///            "magento-to-crm/magento.orders.changed/shop.example/store:2");
/// # Ok::<(), magento_client::Error>(())
/// ```
pub struct ChangedOrderSource {
    client: Client,
    feed: OrderFeed,
    lookback: Duration,
    clock_skew: Duration,
    initial_since: Option<DateTime<Utc>>,
    pages: Option<OrderPages>,
}

impl std::fmt::Debug for ChangedOrderSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangedOrderSource")
            .field("client", &self.client)
            .field("feed", &self.feed)
            .field("lookback", &self.lookback)
            .field("clock_skew", &self.clock_skew)
            .field("initial_since", &self.initial_since)
            .field("running", &self.pages.is_some())
            .finish()
    }
}

impl ChangedOrderSource {
    /// Default lookback: 15 minutes.
    pub const DEFAULT_LOOKBACK: Duration = Duration::from_secs(15 * 60);
    /// Default allowance for the Magento server's clock running ahead of ours: 2 minutes.
    pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(2 * 60);

    /// Changed orders of every store.
    pub fn new(client: Client) -> Self {
        ChangedOrderSource {
            client,
            feed: OrderFeed::new(),
            lookback: Self::DEFAULT_LOOKBACK,
            clock_skew: Self::DEFAULT_CLOCK_SKEW,
            initial_since: None,
            pages: None,
        }
    }

    /// Only orders of this store view.
    pub fn store(mut self, store_id: u32) -> Self {
        self.feed = self.feed.store(store_id);
        self
    }

    /// An extra filter.
    pub fn filter(mut self, filter: Filter) -> Self {
        self.feed = self.feed.filter(filter);
        self
    }

    /// Orders per batch.
    pub fn page_size(mut self, size: u32) -> Self {
        self.feed = self.feed.page_size(size);
        self
    }

    /// How far before the watermark each run re-reads (default 15 min).
    pub fn lookback(mut self, lookback: Duration) -> Self {
        self.lookback = lookback;
        self
    }

    /// How far Magento's clock may run ahead of ours (default 2 min).
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// Where the first run starts when there is no watermark yet (default: every order).
    pub fn initial_since(mut self, since: DateTime<Utc>) -> Self {
        self.initial_since = Some(since);
        self
    }

    /// The watermark key: `(connector, "magento.orders.changed", "<shop>/store:<id>")`.
    pub fn stream_key(&self, connector: &str) -> StreamKey {
        StreamKey::new(
            connector,
            CHANGED_ORDERS_STREAM,
            tenant(&self.client, self.feed.store_id()),
        )
    }
}

#[async_trait]
impl Source for ChangedOrderSource {
    type Record = Order;
    type Cursor = DateTime<Utc>;

    fn order(&self) -> SourceOrder {
        SourceOrder::Unsorted {
            lookback: self.lookback,
            clock_skew: self.clock_skew,
        }
    }

    async fn start(&mut self, after: Option<DateTime<Utc>>) -> Result<(), StageError> {
        let mut feed = self.feed.clone();
        if let Some(since) = after.or(self.initial_since) {
            feed = feed.updated_since(since);
        }
        self.pages = Some(self.client.orders().feed_pages(feed).boxed());
        Ok(())
    }

    async fn next_batch(
        &mut self,
    ) -> Result<Option<Vec<SourceRecord<Order, DateTime<Utc>>>>, StageError> {
        let page = next_page(self.pages.as_mut(), "ChangedOrderSource").await?;
        Ok(page.map(|orders| {
            orders
                .into_iter()
                .map(|order| SourceRecord {
                    key: order.entity_id.to_string(),
                    cursor: order.updated_at,
                    data: order,
                })
                .collect()
        }))
    }
}

/// What [`OrderCustomerSource`] yields for one order: its customer, or the reason it has none.
///
/// An order without a customer is still a record: it travels to the sink, which must reject it
/// with the reason, so the engine dead-letters it and the watermark passes it only once it is
/// stored there. [`CustomerSink`] does that for any `Sink<OrderCustomer>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CustomerRecord {
    /// The customer who placed the order.
    Customer(Box<OrderCustomer>),
    /// The order has no customer to sync (no email); the sink answers `Rejected`.
    NoCustomer(SkippedOrder),
}

impl CustomerRecord {
    /// The dead-letter reason for an order without a customer.
    pub fn rejection_reason(skipped: &SkippedOrder) -> String {
        format!(
            "order {} (increment id {}) has no customer email: {}",
            skipped.entity_id, skipped.increment_id, skipped.reason
        )
    }
}

/// Wraps an order source and yields the customer of each order ([`customer_from_order`]) as a
/// [`CustomerRecord`].
///
/// An order without an email is yielded as [`CustomerRecord::NoCustomer`] (key
/// `order:<entity_id>`), logged at `warn`. Run it into a [`CustomerSink`] (or a sink that
/// rejects such records itself): the engine writes it to the dead-letter store with the reason
/// (`order 8 (increment id 000000008) has no customer email: …`) and only then moves the
/// watermark past it. Nothing is skipped silently. Customer records are keyed by the
/// lower-cased email, so sinks upsert contacts by it.
#[derive(Debug)]
pub struct OrderCustomerSource<S> {
    inner: S,
}

impl<S> OrderCustomerSource<S> {
    /// Map the orders of `inner`.
    pub fn new(inner: S) -> Self {
        OrderCustomerSource { inner }
    }

    /// The wrapped source.
    pub fn inner(&self) -> &S {
        &self.inner
    }
}

#[async_trait]
impl<S> Source for OrderCustomerSource<S>
where
    S: Source<Record = Order>,
{
    type Record = CustomerRecord;
    type Cursor = S::Cursor;

    fn order(&self) -> SourceOrder {
        self.inner.order()
    }

    async fn start(&mut self, after: Option<S::Cursor>) -> Result<(), StageError> {
        self.inner.start(after).await
    }

    async fn next_batch(
        &mut self,
    ) -> Result<Option<Vec<SourceRecord<CustomerRecord, S::Cursor>>>, StageError> {
        let Some(batch) = self.inner.next_batch().await? else {
            return Ok(None);
        };
        let out = batch
            .into_iter()
            .map(|record| match customer_from_order(&record.data) {
                Ok(customer) => SourceRecord {
                    key: customer.email_key(),
                    cursor: record.cursor,
                    data: CustomerRecord::Customer(Box::new(customer)),
                },
                Err(skipped) => {
                    tracing::warn!(
                        entity_id = skipped.entity_id,
                        increment_id = %skipped.increment_id,
                        reason = %skipped.reason,
                        "order has no customer: handing it to the sink to dead-letter"
                    );
                    SourceRecord {
                        key: format!("order:{}", skipped.entity_id),
                        cursor: record.cursor,
                        data: CustomerRecord::NoCustomer(skipped),
                    }
                }
            })
            .collect();
        Ok(Some(out))
    }
}

/// Adapts a `Sink<OrderCustomer>` to [`OrderCustomerSource`]: customers go to the inner sink,
/// orders without one are answered `Rejected` with [`CustomerRecord::rejection_reason`], so the
/// engine dead-letters them. Every reason (the inner sink's too) passes through the client's
/// redactor, so a vendor message echoing a credential is masked before it is stored.
#[derive(Debug, Clone)]
pub struct CustomerSink<K> {
    inner: K,
    redactor: Redactor,
}

impl<K> CustomerSink<K> {
    /// Wrap `inner`; reasons are masked with `redactor` (use `client.redactor().clone()`).
    pub fn new(inner: K, redactor: Redactor) -> Self {
        CustomerSink { inner, redactor }
    }

    /// The wrapped sink.
    pub fn inner(&self) -> &K {
        &self.inner
    }

    fn redact(&self, ack: Ack) -> Ack {
        match ack {
            Ack::RetryLater { reason, after } => Ack::RetryLater {
                reason: self.redactor.text(&reason),
                after,
            },
            Ack::Rejected { reason, response } => Ack::Rejected {
                reason: self.redactor.text(&reason),
                response: response.map(|r| self.redactor.text(&r)),
            },
            other => other,
        }
    }
}

#[async_trait]
impl<K> Sink<CustomerRecord> for CustomerSink<K>
where
    K: Sink<OrderCustomer>,
{
    async fn write(
        &self,
        batch: &[SinkRecord<'_, CustomerRecord>],
    ) -> Result<Vec<Ack>, StageError> {
        let customers: Vec<SinkRecord<'_, OrderCustomer>> = batch
            .iter()
            .filter_map(|r| match r.data {
                CustomerRecord::Customer(c) => Some(SinkRecord {
                    key: r.key,
                    data: c.as_ref(),
                }),
                CustomerRecord::NoCustomer(_) => None,
            })
            .collect();
        let mut inner_acks = if customers.is_empty() {
            Vec::new()
        } else {
            self.inner.write(&customers).await?
        };
        if inner_acks.len() != customers.len() {
            return Err(StageError::new(
                Verdict::Permanent(PermanentKind::Config),
                format!(
                    "the customer sink answered {} acks for {} records",
                    inner_acks.len(),
                    customers.len()
                ),
            ));
        }
        inner_acks.reverse();
        Ok(batch
            .iter()
            .map(|r| match r.data {
                CustomerRecord::Customer(_) => self.redact(
                    inner_acks
                        .pop()
                        .expect("one ack per customer, counted above"),
                ),
                CustomerRecord::NoCustomer(skipped) => Ack::Rejected {
                    reason: self
                        .redactor
                        .text(&CustomerRecord::rejection_reason(skipped)),
                    response: None,
                },
            })
            .collect())
    }
}
