//! [`Pause`]: "hold back every start until then", shared by the limiters, and the by-key
//! registry they are shared through.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::time::Instant;

/// A moment before which nothing may start; a later pause extends it, an earlier one does not
/// shorten it.
#[derive(Debug, Default)]
pub(crate) struct Pause(Mutex<Option<Instant>>);

impl Pause {
    /// Hold back every start for at least `wait` from now.
    pub(crate) fn pause_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut paused = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if paused.is_none_or(|current| current < until) {
            *paused = Some(until);
        }
    }

    /// When the pause ends, if it has not yet.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        let paused = self.0.lock().unwrap_or_else(|e| e.into_inner());
        paused.filter(|until| *until > Instant::now())
    }
}

/// The limiter registered under `key`, made by `make` when no live one is: every caller with
/// one key shares one limiter while any of them holds it; the first caller's settings win.
pub(crate) fn shared<T>(
    registry: &Mutex<HashMap<String, Weak<T>>>,
    key: String,
    make: impl FnOnce() -> T,
) -> Arc<T> {
    let mut map = registry.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(existing) = map.get(&key).and_then(Weak::upgrade) {
        return existing;
    }
    map.retain(|_, weak| weak.strong_count() > 0);
    let limit = Arc::new(make());
    map.insert(key, Arc::downgrade(&limit));
    limit
}
