//! sync-core [`Source`]s: orders, subscriptions and products, read incrementally by
//! `date_modified_gmt`.
//!
//! WooCommerce can filter by modification time (`modified_after`, compared in UTC with
//! `dates_are_gmt=true`) but cannot page by it in a way that survives concurrent writes, so these
//! sources declare themselves [`SourceOrder::Unsorted`]: the engine re-reads a lookback window
//! every run and commits the watermark only when a run completes, capped at run start minus the
//! clock skew.
//!
//! ```
//! # use wiremock::matchers::{method, path};
//! # use wiremock::{Mock, MockServer, ResponseTemplate};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = MockServer::start().await;
//! # Mock::given(method("GET")).and(path("/wp-json/wc/v3/orders"))
//! #     .respond_with(ResponseTemplate::new(200)
//! #         .insert_header("X-WP-Total", "1").insert_header("X-WP-TotalPages", "1")
//! #         .set_body_json(serde_json::json!([
//! #             {"id": 727, "status": "processing", "date_modified_gmt": "2017-03-22T19:28:08"}
//! #         ])))
//! #     .mount(&server).await;
//! # let client = woo_client::Client::builder(server.uri())
//! #     .credentials(woo_client::Credentials::new("ck_example", "cs_example")).build()?;
//! use sync_core::Source;
//! use woo_client::sync::OrderSource;
//!
//! // The engine drives this; by hand: start after a watermark, then read batches.
//! let mut source = OrderSource::new(client);
//! source.start(None).await?;
//! let batch = source.next_batch().await?.expect("one page");
//! assert_eq!(batch[0].key, "order:727");
//! assert_eq!(batch[0].cursor.to_rfc3339(), "2017-03-22T19:28:08+00:00");
//! assert!(source.next_batch().await?.is_none());
//! # Ok(()) }
//! ```
//!
//! # Requires WooCommerce 5.4 or later
//!
//! `modified_after` and `dates_are_gmt` arrived in WooCommerce 5.4. Older stores ignore
//! `dates_are_gmt` and compare `modified_after` with the site's *local* time: on a site west of
//! UTC the window starts hours late and records modified in that gap are **never read**. (A store
//! that ignores `modified_after` altogether is harmless: records older than the window are dropped
//! here.) Check the store's version (WooCommerce → Status) before relying on these sources.
//!
//! # What paging can and cannot guarantee
//!
//! Pages are offset pages (`page=N`) sorted by id ascending. Records that *enter* the filter
//! during a run land at their id's position and can only push later records down: they repeat,
//! and the repeats are dropped here by `(id, date_modified_gmt)`. Records that *leave* the filter
//! on a page already read (trashed, deleted, moved to a status outside the filter) pull every
//! later record up one slot, and the record that crosses the page boundary would never be read,
//! while the run completes and commits a watermark its lookback may never reach again.
//!
//! So each source remembers the first page's `X-WP-Total` and `X-WP-TotalPages`, and when a later
//! page reports fewer records or fewer pages it fails the run with a retryable error instead of
//! reading on (see [`ModifiedSource`]). Records that leave the filter while new ones arrive in
//! the same run can hide each other in the totals; the lookback and the next run's re-read are
//! then the only cover, so keep runs short (a tight filter, `per_page` 100) on stores with heavy
//! trashing.
//!
//! Customers have no source: `/customers` ignores `modified_after`. Use `customer.*` webhooks,
//! or [`Customers::scan_modified_since`](crate::customers::Customers::scan_modified_since).

use std::collections::HashSet;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_core::Stream;
use futures_util::StreamExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sync_core::{Source, SourceOrder, SourceRecord, StageError};

use crate::client::Client;
use crate::error::Error;
use crate::models::{Order, Product, Subscription};
use crate::pagination::{DateFiltered, ListRequest, Page};

/// Default re-read window before the watermark: covers WooCommerce's exclusive `modified_after`,
/// one-second timestamps and slow writers.
pub const DEFAULT_LOOKBACK: Duration = Duration::from_secs(15 * 60);

/// Default allowance for the store's clock running ahead of ours.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// A resource that can be read incrementally by modification time.
pub trait Incremental: DateFiltered + DeserializeOwned + Serialize + Send + Sync + 'static {
    /// A name for keys and logs (`order`).
    const NAME: &'static str;
    /// The list request for this resource.
    fn list(client: &Client) -> ListRequest<Self>;
    /// The record id.
    fn id(&self) -> u64;
    /// `date_modified_gmt`.
    fn modified_gmt(&self) -> Option<DateTime<Utc>>;
    /// `date_created_gmt`.
    fn created_gmt(&self) -> Option<DateTime<Utc>>;
}

impl Incremental for Order {
    const NAME: &'static str = "order";
    fn list(client: &Client) -> ListRequest<Self> {
        client.orders().list()
    }
    fn id(&self) -> u64 {
        self.id
    }
    fn modified_gmt(&self) -> Option<DateTime<Utc>> {
        self.date_modified_gmt
    }
    fn created_gmt(&self) -> Option<DateTime<Utc>> {
        self.date_created_gmt
    }
}

impl Incremental for Subscription {
    const NAME: &'static str = "subscription";
    fn list(client: &Client) -> ListRequest<Self> {
        client.subscriptions().list()
    }
    fn id(&self) -> u64 {
        self.id
    }
    fn modified_gmt(&self) -> Option<DateTime<Utc>> {
        self.date_modified_gmt
    }
    fn created_gmt(&self) -> Option<DateTime<Utc>> {
        self.date_created_gmt
    }
}

impl Incremental for Product {
    const NAME: &'static str = "product";
    fn list(client: &Client) -> ListRequest<Self> {
        client.products().list()
    }
    fn id(&self) -> u64 {
        self.id
    }
    fn modified_gmt(&self) -> Option<DateTime<Utc>> {
        self.date_modified_gmt
    }
    fn created_gmt(&self) -> Option<DateTime<Utc>> {
        self.date_created_gmt
    }
}

type Customize<R> = Arc<dyn Fn(ListRequest<R>) -> ListRequest<R> + Send + Sync>;
type PageStream<R> = Pin<Box<dyn Stream<Item = Result<Page<R>, Error>> + Send>>;

/// Reads `R` modified after the watermark, one API page per batch.
///
/// Record keys are `<name>:<id>` (`order:727`); cursors are `date_modified_gmt` (falling back
/// to `date_created_gmt`, then the Unix epoch for a record with neither).
///
/// If a later page reports a smaller `X-WP-Total` or `X-WP-TotalPages` than the first page,
/// [`Source::next_batch`] returns a retryable [`StageError`] rather than risk a skipped record
/// (see the [module docs](self)). Needs WooCommerce 5.4 or later.
///
/// ```
/// use std::time::Duration;
/// use woo_client::models::OrderStatus;
/// use woo_client::sync::OrderSource;
/// # fn demo(client: woo_client::Client) {
/// let source = OrderSource::new(client)
///     .lookback(Duration::from_secs(30 * 60))
///     .filter(|list| list.status([OrderStatus::Processing, OrderStatus::Completed]));
/// # let _ = source; }
/// ```
pub struct ModifiedSource<R: Incremental> {
    client: Client,
    customize: Option<Customize<R>>,
    per_page: u32,
    lookback: Duration,
    clock_skew: Duration,
    since: Option<DateTime<Utc>>,
    pages: Option<PageStream<R>>,
    seen: HashSet<(u64, Option<i64>)>,
    repeats: u64,
    first_totals: Option<Totals>,
}

/// `X-WP-Total` / `X-WP-TotalPages` of the first page of a run.
#[derive(Debug, Clone, Copy)]
struct Totals {
    total: Option<u64>,
    total_pages: Option<u32>,
}

/// Orders as a sync-core source.
pub type OrderSource = ModifiedSource<Order>;
/// WooCommerce Subscriptions as a sync-core source.
pub type SubscriptionSource = ModifiedSource<Subscription>;
/// Products as a sync-core source.
pub type ProductSource = ModifiedSource<Product>;

impl<R: Incremental> fmt::Debug for ModifiedSource<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModifiedSource")
            .field("resource", &R::NAME)
            .field("site", &self.client.site_url().as_str())
            .field("per_page", &self.per_page)
            .field("lookback", &self.lookback)
            .field("clock_skew", &self.clock_skew)
            .field("since", &self.since)
            .finish_non_exhaustive()
    }
}

impl<R: Incremental> ModifiedSource<R> {
    /// A source reading through `client`, 100 records per batch.
    pub fn new(client: Client) -> Self {
        ModifiedSource {
            client,
            customize: None,
            per_page: crate::pagination::MAX_PER_PAGE,
            lookback: DEFAULT_LOOKBACK,
            clock_skew: DEFAULT_CLOCK_SKEW,
            since: None,
            pages: None,
            seen: HashSet::new(),
            repeats: 0,
            first_totals: None,
        }
    }

    /// Records per batch (1–100).
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = per_page.clamp(1, crate::pagination::MAX_PER_PAGE);
        self
    }

    /// How far before the watermark each run starts reading (default [`DEFAULT_LOOKBACK`]).
    pub fn lookback(mut self, lookback: Duration) -> Self {
        self.lookback = lookback;
        self
    }

    /// How far the store's clock may run ahead (default [`DEFAULT_CLOCK_SKEW`]).
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// Narrow the list (statuses, a customer…). Applied to every run's request.
    pub fn filter(
        mut self,
        customize: impl Fn(ListRequest<R>) -> ListRequest<R> + Send + Sync + 'static,
    ) -> Self {
        self.customize = Some(Arc::new(customize));
        self
    }

    /// Records dropped this run because a page shift served them twice.
    pub fn repeats_dropped(&self) -> u64 {
        self.repeats
    }

    /// Fail the run when the result set shrank since the first page.
    ///
    /// Why fail instead of stepping back: a smaller total says records left the filter, not
    /// where. Stepping back by the shrink is not enough, since records added meanwhile hide part
    /// of it (the total is net), and stepping back to page 1 can chase a busy store forever. A
    /// failed unsorted run commits nothing, so the next run re-reads the same window from page 1
    /// and nothing that was in the filter at the start is lost. The error is retryable.
    fn check_not_shrunk(&mut self, page: &Page<R>) -> Result<(), StageError> {
        let Some(first) = self.first_totals else {
            self.first_totals = Some(Totals {
                total: page.total,
                total_pages: page.total_pages,
            });
            return Ok(());
        };
        let fewer_records = matches!((first.total, page.total), (Some(a), Some(b)) if b < a);
        let fewer_pages =
            matches!((first.total_pages, page.total_pages), (Some(a), Some(b)) if b < a);
        if !(fewer_records || fewer_pages) {
            return Ok(());
        }
        let show = |n: Option<u64>| n.map_or_else(|| "?".to_string(), |n| n.to_string());
        tracing::warn!(
            resource = R::NAME,
            page = page.page,
            first_total = ?first.total,
            total = ?page.total,
            "{} list shrank during the run; failing it so the next run re-reads from page 1",
            R::NAME
        );
        Err(StageError::transient(format!(
            "{} list shrank while paging (page 1 reported {} records in {} pages, page {} \
             reports {} in {}): records left the filter mid-run and a later record may have moved \
             onto a page already read; the run stops without committing so the next run \
             re-reads the window",
            R::NAME,
            show(first.total),
            show(first.total_pages.map(u64::from)),
            page.page,
            show(page.total),
            show(page.total_pages.map(u64::from)),
        )))
    }

    fn record(&mut self, item: R) -> Option<SourceRecord<R, DateTime<Utc>>> {
        let modified = item.modified_gmt();
        // An ignored `modified_after` (older WooCommerce) must not turn into a full re-sync.
        if let (Some(since), Some(t)) = (self.since, modified)
            && t < since
        {
            return None;
        }
        if !self
            .seen
            .insert((item.id(), modified.map(|t| t.timestamp())))
        {
            self.repeats += 1;
            return None;
        }
        let cursor = modified
            .or_else(|| item.created_gmt())
            .unwrap_or(DateTime::UNIX_EPOCH);
        Some(SourceRecord {
            key: format!("{}:{}", R::NAME, item.id()),
            cursor,
            data: item,
        })
    }
}

#[async_trait]
impl<R: Incremental> Source for ModifiedSource<R> {
    type Record = R;
    type Cursor = DateTime<Utc>;

    fn order(&self) -> SourceOrder {
        SourceOrder::Unsorted {
            lookback: self.lookback,
            clock_skew: self.clock_skew,
        }
    }

    async fn start(&mut self, after: Option<DateTime<Utc>>) -> Result<(), StageError> {
        let mut list = R::list(&self.client).per_page(self.per_page);
        if let Some(customize) = &self.customize {
            list = customize(list);
        }
        if let Some(after) = after {
            list = list.modified_after(after);
        }
        self.since = after;
        self.seen.clear();
        self.repeats = 0;
        self.first_totals = None;
        self.pages = Some(Box::pin(list.pages()));
        Ok(())
    }

    async fn next_batch(
        &mut self,
    ) -> Result<Option<Vec<SourceRecord<R, DateTime<Utc>>>>, StageError> {
        loop {
            let Some(pages) = self.pages.as_mut() else {
                return Err(StageError::config("next_batch called before start"));
            };
            let page = match pages.next().await {
                None => return Ok(None),
                Some(Err(e)) => return Err(StageError::from_classified(e)),
                Some(Ok(page)) => page,
            };
            self.check_not_shrunk(&page)?;
            let batch: Vec<_> = page
                .items
                .into_iter()
                .filter_map(|item| self.record(item))
                .collect();
            if !batch.is_empty() {
                return Ok(Some(batch));
            }
        }
    }
}
