//! The [`Runner`]: one service's background work — polls on intervals, inbox workers and outbox
//! sweepers — with graceful shutdown, a [`Health`] view and progress events.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use std::sync::Arc;
//! use std::time::Duration;
//! use sync_core::inbox_worker::{InboxWorker, handler_fn};
//! use sync_core::runtime::{Runner, RunnerEvent};
//! use sync_core::store::sqlite::SqliteStore;
//! use sync_core::store::{InboxStore, NewOutboxEntry, OutboxStore};
//! use sync_core::sweeper::{Sweeper, delivery_fn};
//! use sync_core::{Ack, StreamKey};
//!
//! let store = Arc::new(SqliteStore::open(":memory:").await?);
//! store.store("shop", "d-1", &serde_json::json!({}), br#"{"email":"a@example.com"}"#).await?;
//!
//! let outbox = store.clone();
//! let worker = InboxWorker::new(store.clone(), handler_fn(move |delivery| {
//!     let outbox = outbox.clone();
//!     async move {
//!         let to = StreamKey::new("shop-to-crm", "contacts", "shop");
//!         let payload = serde_json::from_slice(&delivery.body).unwrap_or_default();
//!         outbox.enqueue(NewOutboxEntry::new(to, delivery.dedupe_key.clone(), payload)).await
//!             .map_err(sync_core::StageError::from_classified)?;
//!         Ok(())
//!     }
//! })).poll_interval(Duration::from_millis(10));
//! let sweeper = Sweeper::new(store.clone(), delivery_fn(|_| async { Ack::Delivered }))
//!     .poll_interval(Duration::from_millis(10));
//!
//! let runner = Runner::new().inbox_worker("webhooks", worker).sweeper("crm", sweeper);
//! let health = runner.health();
//! let mut events = runner.subscribe();
//! let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
//! let running = tokio::spawn(runner.run_until(async { let _ = stopped.await; }));
//!
//! // Wait until the sweeper delivered the entry the worker enqueued, then shut down.
//! while let Ok(event) = events.recv().await {
//!     if let RunnerEvent::Swept { report, .. } = &event && report.delivered == 1 { break; }
//! }
//! let _ = stop.send(());
//! let totals = running.await.unwrap();
//! assert_eq!((totals.inbox.processed, totals.outbox.delivered), (1, 1));
//! let report = health.report().await;
//! assert!(report.ok);
//! assert_eq!(report.outboxes["crm"].pending, 0);
//! # Ok::<_, sync_core::StoreError>(())
//! # }).unwrap();
//! ```

mod health;

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::FutureExt;
use tokio::sync::{broadcast, watch};

pub use health::{Health, HealthReport, InboxHealth, OutboxHealth, StreamHealth};

use crate::engine::{Pipeline, RunError, RunReport};
use crate::inbox_worker::{InboxHandler, InboxWorker, WorkReport};
use crate::sink::Sink;
use crate::source::Source;
use crate::store::StreamKey;
use crate::sweeper::{OutboxDelivery, SweepReport, Sweeper};

/// A job the runner repeats on an interval: a [`Pipeline`] run (a catch-up poll, an import).
#[async_trait]
pub trait Poll: Send {
    /// The stream it reports under.
    fn stream(&self) -> &StreamKey;
    /// One run.
    async fn run_once(&mut self) -> Result<RunReport, RunError>;
}

#[async_trait]
impl<S, K> Poll for Pipeline<S, K>
where
    S: Source,
    K: Sink<S::Record>,
    Pipeline<S, K>: Send,
{
    fn stream(&self) -> &StreamKey {
        Pipeline::stream(self)
    }

    async fn run_once(&mut self) -> Result<RunReport, RunError> {
        self.run().await
    }
}

/// Progress an app can render (a log line, a progress bar, a metrics counter).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RunnerEvent {
    /// A poll's run ended.
    Polled {
        /// The stream, as `connector/stream/tenant`.
        stream: String,
        /// What it did, or why it stopped (redacted by the pipeline).
        outcome: Result<RunReport, String>,
    },
    /// An inbox worker's pass processed something.
    Worked {
        /// The worker's name.
        name: String,
        /// What the pass did.
        report: WorkReport,
    },
    /// A sweeper's pass delivered something.
    Swept {
        /// The sweeper's name.
        name: String,
        /// What the pass did.
        report: SweepReport,
    },
    /// A pass failed on its store; it is retried next round.
    StoreFailed {
        /// The worker's or sweeper's name.
        name: String,
        /// The error.
        error: String,
    },
    /// Shutdown was asked for: no new work starts, work in flight finishes.
    ShuttingDown,
}

/// What a [`Runner`] did until it stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunnerReport {
    /// Poll runs that completed.
    pub polls: u64,
    /// Poll runs that failed.
    pub failed_polls: u64,
    /// The inbox workers' totals.
    pub inbox: WorkReport,
    /// The sweepers' totals.
    pub outbox: SweepReport,
}

type BoxFuture = Pin<Box<dyn Future<Output = RunnerReport> + Send>>;
type Job = Box<dyn FnOnce(Context) -> BoxFuture + Send>;

#[derive(Clone)]
struct Context {
    shutdown: watch::Receiver<bool>,
    events: broadcast::Sender<RunnerEvent>,
    health: Health,
}

impl Context {
    fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut shutdown = self.shutdown.clone();
        async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        }
    }

    fn emit(&self, event: RunnerEvent) {
        // Nobody listening is fine.
        let _ = self.events.send(event);
    }
}

/// Runs a service's background work until shutdown; see the [module docs](self).
///
/// Every job runs on the task that awaits [`Runner::run_until`] (spawn it to run it beside an
/// HTTP server). Shutdown is graceful: polls finish the run in flight, workers and sweepers
/// finish the batch in flight and take no new one, so no lease is left to expire.
pub struct Runner {
    jobs: Vec<Job>,
    events: broadcast::Sender<RunnerEvent>,
    health: Health,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("jobs", &self.jobs.len())
            .field("health", &self.health)
            .finish()
    }
}

impl Default for Runner {
    fn default() -> Self {
        Self::new()
    }
}

impl Runner {
    /// A runner with nothing to run yet.
    pub fn new() -> Self {
        Runner {
            jobs: Vec::new(),
            events: broadcast::channel(1024).0,
            health: Health::default(),
        }
    }

    /// Run `job` (a [`Pipeline`]) now and then every `every` after each run ends.
    pub fn poll(mut self, every: Duration, job: impl Poll + 'static) -> Self {
        self.jobs
            .push(Box::new(move |cx| Box::pin(poll_loop(cx, every, job))));
        self
    }

    /// Run `worker` under `name` (its inbox is reported in [`Health`]).
    pub fn inbox_worker<H: InboxHandler + 'static>(
        mut self,
        name: impl Into<String>,
        worker: InboxWorker<H>,
    ) -> Self {
        let name = name.into();
        self.health
            .inboxes
            .push((name.clone(), worker.inbox().clone()));
        self.jobs.push(Box::new(move |cx| {
            Box::pin(async move {
                let stopped = cx.stopped();
                let inbox = worker
                    .run_reporting(stopped, |pass| match pass {
                        Ok(report) => cx.emit(RunnerEvent::Worked {
                            name: name.clone(),
                            report: *report,
                        }),
                        Err(e) => cx.emit(RunnerEvent::StoreFailed {
                            name: name.clone(),
                            error: e.to_string(),
                        }),
                    })
                    .await;
                RunnerReport {
                    inbox,
                    ..Default::default()
                }
            })
        }));
        self
    }

    /// Run `sweeper` under `name` (its outbox and dead letters are reported in [`Health`]).
    pub fn sweeper<D: OutboxDelivery + 'static>(
        mut self,
        name: impl Into<String>,
        sweeper: Sweeper<D>,
    ) -> Self {
        let name = name.into();
        self.health
            .outboxes
            .push((name.clone(), sweeper.outbox().clone()));
        self.jobs.push(Box::new(move |cx| {
            Box::pin(async move {
                let stopped = cx.stopped();
                let outbox = sweeper
                    .run_reporting(stopped, |pass| match pass {
                        Ok(report) => cx.emit(RunnerEvent::Swept {
                            name: name.clone(),
                            report: *report,
                        }),
                        Err(e) => cx.emit(RunnerEvent::StoreFailed {
                            name: name.clone(),
                            error: e.to_string(),
                        }),
                    })
                    .await;
                RunnerReport {
                    outbox,
                    ..Default::default()
                }
            })
        }));
        self
    }

    /// The health view; clone it into a `/healthz` handler before running.
    pub fn health(&self) -> Health {
        self.health.clone()
    }

    /// Progress events from now on. A receiver that falls more than 1024 events behind
    /// skips the oldest.
    pub fn subscribe(&self) -> broadcast::Receiver<RunnerEvent> {
        self.events.subscribe()
    }

    /// Run every job until `shutdown` completes, let work in flight finish, and return the
    /// totals.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send) -> RunnerReport {
        let (stop, stopped) = watch::channel(false);
        let cx = Context {
            shutdown: stopped,
            events: self.events.clone(),
            health: self.health.clone(),
        };
        let jobs = futures_util::future::join_all(self.jobs.into_iter().map(|job| job(cx.clone())));
        let signal = {
            let events = self.events.clone();
            async move {
                shutdown.await;
                let _ = events.send(RunnerEvent::ShuttingDown);
                let _ = stop.send(true);
                // Keep the sender alive until the jobs have seen it.
                std::future::pending::<()>().await;
            }
        };
        let jobs = std::pin::pin!(jobs);
        let signal = std::pin::pin!(signal);
        let reports = match futures_util::future::select(jobs, signal).await {
            futures_util::future::Either::Left((reports, _)) => reports,
            futures_util::future::Either::Right(_) => unreachable!("the signal never completes"),
        };
        let mut total = RunnerReport::default();
        for r in reports {
            total.polls += r.polls;
            total.failed_polls += r.failed_polls;
            total.inbox.add(&r.inbox);
            total.outbox.add(&r.outbox);
        }
        total
    }
}

async fn poll_loop(cx: Context, every: Duration, mut job: impl Poll) -> RunnerReport {
    let mut report = RunnerReport::default();
    let stream = job.stream().to_string();
    let mut stopped = std::pin::pin!(cx.stopped());
    loop {
        if *cx.shutdown.borrow() {
            return report;
        }
        // A panicking poll is a failed poll, not the end of every job of the runner.
        let outcome = match std::panic::AssertUnwindSafe(job.run_once())
            .catch_unwind()
            .await
        {
            Ok(result) => result.map_err(|e| e.to_string()),
            Err(panic) => Err(crate::error::panic_reason(&*panic)),
        };
        match &outcome {
            Ok(_) => report.polls += 1,
            Err(error) => {
                report.failed_polls += 1;
                tracing::warn!(%stream, %error, "poll failed; retrying next interval");
            }
        }
        cx.health
            .record_run(&stream, outcome.as_ref().err().cloned());
        cx.emit(RunnerEvent::Polled {
            stream: stream.clone(),
            outcome,
        });
        let wait = std::pin::pin!(tokio::time::sleep(every));
        if let futures_util::future::Either::Right(_) =
            futures_util::future::select(wait, stopped.as_mut()).await
        {
            return report;
        }
    }
}

/// Completes on Ctrl-C, or on SIGTERM where there is one (what a supervisor or `docker stop`
/// sends).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
