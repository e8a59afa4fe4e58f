//! [`TagCache`]: each account's tag name → id cache, shared in the process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use tokio::sync::OnceCell;

/// Tag name → id, filled on first use. One [`OnceCell`] per name makes concurrent callers of
/// [`Tags::ensure`](crate::tags::Tags::ensure) for the same name wait for a single
/// lookup-or-create instead of racing to create duplicates.
///
/// Tags belong to the account, not to a client, so every client of one account in the process
/// gets the same cache from [`TagCache::shared`]; otherwise two separately built clients could
/// both miss the tag and both create it.
#[derive(Debug, Default)]
pub(crate) struct TagCache {
    ids: Mutex<HashMap<String, Arc<OnceCell<i64>>>>,
}

/// Account key → that account's cache. Weak, so an account's cache goes away with its last
/// client.
fn registry() -> &'static Mutex<HashMap<String, Weak<TagCache>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Weak<TagCache>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

impl TagCache {
    /// The process-wide cache of the account `account_key` (the key the rate limit uses).
    pub(crate) fn shared(account_key: &str) -> Arc<TagCache> {
        let mut map = registry().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(existing) = map.get(account_key).and_then(Weak::upgrade) {
            return existing;
        }
        map.retain(|_, cache| cache.strong_count() > 0);
        let cache = Arc::new(TagCache::default());
        map.insert(account_key.to_string(), Arc::downgrade(&cache));
        cache
    }

    pub(crate) fn cell(&self, name: &str) -> Arc<OnceCell<i64>> {
        let key = name.trim().to_lowercase();
        let mut ids = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        ids.entry(key).or_default().clone()
    }

    pub(crate) fn forget(&self, name: &str) {
        let key = name.trim().to_lowercase();
        self.ids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
    }
}
