//! URLs made safe to print: credentials in the user-info or in named query keys are replaced.

use url::Url;

/// What stands in place of a secret.
pub const REDACTED: &str = "[REDACTED]";

/// Query keys redacted in every URL we print, whatever the vendor: they are credentials in
/// some API or other.
pub const ALWAYS_SECRET_QUERY_KEYS: &[&str] = &[
    "access_token",
    "api_key",
    "apikey",
    "api_access_token",
    "appsecret_proof",
    "client_secret",
    "consumer_key",
    "consumer_secret",
    "key",
    "oauth_signature",
    "password",
    "secret",
    "signature",
    "token",
];

/// `url` as a string with user-info removed and the values of secret query keys replaced by
/// `[REDACTED]`. Keys match case-insensitively against [`ALWAYS_SECRET_QUERY_KEYS`] and `extra`.
///
/// ```
/// use sync_core::http::redact_url;
/// let url = url::Url::parse("https://u:p@shop.test/wp-json/wc/v3/orders?consumer_key=ck_1&page=2").unwrap();
/// assert_eq!(
///     redact_url(&url, &[]),
///     "https://shop.test/wp-json/wc/v3/orders?consumer_key=[REDACTED]&page=2"
/// );
/// ```
pub fn redact_url(url: &Url, extra: &[String]) -> String {
    let mut clean = url.clone();
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean.set_query(None);
    clean.set_fragment(None);
    let mut out = clean.to_string();
    if let Some(query) = url.query() {
        out.push('?');
        let mut first = true;
        for pair in query.split('&') {
            if !first {
                out.push('&');
            }
            first = false;
            let (raw_key, _) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode_lossy(raw_key);
            let secret = ALWAYS_SECRET_QUERY_KEYS
                .iter()
                .any(|k| k.eq_ignore_ascii_case(&key))
                || extra.iter().any(|k| k.eq_ignore_ascii_case(&key));
            if secret {
                out.push_str(raw_key);
                out.push('=');
                out.push_str(REDACTED);
            } else {
                out.push_str(pair);
            }
        }
    }
    out
}

fn percent_decode_lossy(s: &str) -> String {
    url::form_urlencoded::parse(format!("{s}=").as_bytes())
        .next()
        .map(|(k, _)| k.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_keys_and_userinfo() {
        let url = Url::parse(
            "https://ck_abc:cs_def@shop.test/x?Consumer_Secret=cs_def&oauth_signature=zz&q=a%20b#frag",
        )
        .unwrap();
        let s = redact_url(&url, &["q".to_string()]);
        assert!(
            !s.contains("cs_def") && !s.contains("ck_abc") && !s.contains("zz"),
            "{s}"
        );
        assert_eq!(
            s,
            "https://shop.test/x?Consumer_Secret=[REDACTED]&oauth_signature=[REDACTED]&q=[REDACTED]"
        );
    }
}
