//! Ctrl-C and SIGTERM: finish the batch in hand, commit, release the lease, exit.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

/// Set once a signal arrives.
#[derive(Debug, Default)]
pub struct Stop {
    flag: Arc<AtomicBool>,
    notify: Notify,
}

impl Stop {
    /// Listen for Ctrl-C and SIGTERM.
    pub fn install() -> Arc<Stop> {
        let stop = Arc::new(Stop::default());
        let listener = stop.clone();
        tokio::spawn(async move {
            sync_core::runtime::shutdown_signal().await;
            tracing::warn!("signal received: stopping after the current batch");
            listener.flag.store(true, Ordering::SeqCst);
            listener.notify.notify_waiters();
        });
        stop
    }

    /// Whether a signal arrived.
    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// The flag itself, for the sink.
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.flag.clone()
    }

    /// Wait for a signal.
    pub async fn wait(&self) {
        let notified = self.notify.notified();
        if self.is_set() {
            return;
        }
        notified.await;
    }
}
