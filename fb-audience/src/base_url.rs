//! The Graph API base URL a client is built with: checked, and never printed raw.
//!
//! A base URL carrying user-info (`https://user:password@proxy/`) or a query
//! (`?access_token=…`) would put a credential into every request URL, and from there into
//! logs and errors. Such a URL is refused, and the refusal names the URL only as
//! `scheme://host:port/path`, through the client's redactor.

use sync_core::Redactor;
use url::Url;

use crate::error::Error;

/// `raw`, parsed and checked: http(s), a host, no user-info, no query, no fragment.
pub(crate) fn parse(raw: &str, redactor: &Redactor) -> Result<Url, Error> {
    // The parser's message never quotes the input, so it is safe to show.
    let url = Url::parse(raw.trim())
        .map_err(|e| Error::Config(format!("base URL is not a valid URL: {e}")))?;
    let shown = shown(&url, redactor);
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::Config(format!(
            "base URL `{shown}` must be an http(s) URL with a host"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(format!(
            "base URL `{shown}` carries user-info (`user:password@`): credentials go in \
             Credentials, never in the URL"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "base URL `{shown}` carries a query or fragment: give the host and path only; \
             credentials go in Credentials"
        )));
    }
    Ok(url)
}

/// `scheme://host:port/path` of `url`, redacted: what an error or `Debug` may show.
pub(crate) fn shown(url: &Url, redactor: &Redactor) -> String {
    let host = url.host_str().unwrap_or("");
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    redactor.url(&format!("{}://{host}{port}{}", url.scheme(), url.path()))
}

/// What `Debug` of a builder shows of a base URL not checked yet.
pub(crate) fn shown_raw(raw: &str, redactor: &Redactor) -> String {
    match Url::parse(raw.trim()) {
        Ok(url) => shown(&url, redactor),
        Err(_) => "<not a valid URL>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_credentials_without_quoting_them() {
        let r = Redactor::new();
        for raw in [
            "https://meta-proxy:hunter2-pass@graph.example.com/",
            "https://graph.example.com/?access_token=EAAB-leaked-token",
            "https://graph.example.com/?sig=opaque-secret-value",
            "https://graph.example.com/#frag-secret-value",
        ] {
            let err = parse(raw, &r).unwrap_err().to_string();
            for secret in ["hunter2", "EAAB-leaked", "opaque-secret", "frag-secret"] {
                assert!(!err.contains(secret), "{err}");
            }
            assert!(err.contains("https://graph.example.com/"), "{err}");
        }
        let ok = parse("http://127.0.0.1:8080/proxy", &r).unwrap();
        assert_eq!(ok.as_str(), "http://127.0.0.1:8080/proxy");
        let bad = parse("not a url hunter2", &r).unwrap_err().to_string();
        assert!(!bad.contains("hunter2"), "{bad}");
    }
}
