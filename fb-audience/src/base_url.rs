//! How a Graph API base URL is shown: `scheme://host:port/path`, redacted, never raw.
//!
//! A base URL carrying user-info (`https://user:password@proxy/`) or a query
//! (`?access_token=…`) is refused by sync-core's `parse_base_url`; errors and `Debug` name it
//! only through [`shown`], so the refused credential is never printed.

use sync_core::Redactor;
use url::Url;

/// `scheme://host:port/path` of `url`, redacted: what an error or `Debug` may show.
pub(crate) fn shown(url: &Url, redactor: &Redactor) -> String {
    let host = url.host_str().unwrap_or("");
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    redactor.url(&format!("{}://{host}{port}{}", url.scheme(), url.path()))
}

/// What `Debug` of a builder (or an error) shows of a base URL not checked yet.
pub(crate) fn shown_raw(raw: &str, redactor: &Redactor) -> String {
    match Url::parse(raw.trim()) {
        Ok(url) => shown(&url, redactor),
        Err(_) => "<not a valid URL>".into(),
    }
}
