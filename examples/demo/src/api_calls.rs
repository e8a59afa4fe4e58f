//! API calls per vendor, as the sandbox counted them (its `/_sandbox/requests` log), so the
//! summary shows what each stream cost without instrumenting the clients.

use serde::Deserialize;

/// One request of a fake's log (the fields counted here).
#[derive(Debug, Deserialize)]
struct Logged {
    seq: u64,
    path: String,
}

/// A fake's request log position, to count only this run's requests.
#[derive(Debug, Clone)]
pub struct CallLog {
    base_url: String,
    start: Option<u64>,
}

async fn fetch(base_url: &str) -> Option<Vec<Logged>> {
    let url = format!("{}/_sandbox/requests", base_url.trim_end_matches('/'));
    let response = reqwest::get(url).await.ok()?.error_for_status().ok()?;
    response.json().await.ok()
}

impl CallLog {
    /// Remembers where the log of the fake at `base_url` stands now. A vendor that is not a
    /// sandbox fake has no log: its calls are reported as unknown.
    pub async fn mark(base_url: &str) -> Self {
        let start = fetch(base_url)
            .await
            .map(|log| log.last().map_or(0, |r| r.seq + 1));
        Self {
            base_url: base_url.to_owned(),
            start,
        }
    }

    /// Requests since [`CallLog::mark`] whose path passes `keep`; `None` when unknown.
    pub async fn since(&self, keep: impl Fn(&str) -> bool) -> Option<u64> {
        let start = self.start?;
        let log = fetch(&self.base_url).await?;
        Some(
            log.iter()
                .filter(|r| r.seq >= start && keep(&r.path))
                .count() as u64,
        )
    }
}
