//! How many rows of a removal fit in one URL.
//!
//! Meta's official SDKs send the parameters of `DELETE /{audience_id}/users` in the query
//! string: the Python SDK's `FacebookAdsApi.call` passes GET and DELETE parameters as `params=`
//! (`facebook_business/api.py`), the Node SDK's `FacebookAdsApi.call` puts a body only on POST
//! and PUT (`src/api.js`), and Meta support confirmed "for DELETE requests, the payload is a
//! part of the URL" (facebook-java-business-sdk#179). (The PHP SDK sends a multipart body; an
//! urlencoded body is documented nowhere.) So this crate sends removals in the query string too.
//!
//! Graph documents no URL limit, but removals of about 1,000–1,500 hashed e-mails per request
//! (a 70–110 KB URL) fail with "something went wrong", a broken pipe or an HTML error page
//! (facebook-java-business-sdk#179 and #345, facebook-python-business-sdk#279 and #367,
//! facebook-nodejs-business-sdk#56), while smaller ones pass. A removal batch is therefore closed
//! before its URL would pass [`MAX_REMOVAL_URL_BYTES`], half the smallest size seen failing:
//! about 440 single-key rows, or 100 rows of four hashed keys, per request, all in one session.

/// The longest URL a removal request is allowed to have, in bytes (32 KiB).
pub const MAX_REMOVAL_URL_BYTES: usize = 32 * 1024;

/// The length of `s` once form-urlencoded into a query string (as reqwest encodes `.query()`).
pub(crate) fn encoded_len(s: &str) -> usize {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .map(str::len)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_percent_escapes() {
        // `[`, `"`, `,` and `]` become three bytes each; hex digits stay as they are.
        assert_eq!(encoded_len(r#"["ab",""]"#), 7 * 3 + 2);
        assert_eq!(encoded_len("a b"), 3);
    }
}
