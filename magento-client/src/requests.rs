//! Requests to routes this crate does not wrap (JSON in and out; for anything else build an
//! [`ApiRequest`] and send it with [`Client::api`]), with the client's authentication (OAuth 1.0a
//! signed over the path and query exactly as Magento verifies it, the integration Bearer token,
//! or the admin token), retries, rate limit and redaction.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sync_core::http::ApiRequest;
use sync_core::http::reqwest::Method;
use sync_core::oauth1::percent_encode;

use crate::client::Client;
use crate::error::Error;
use crate::oauth1::checked_method;

/// One path segment, percent-encoded for a REST path (`"AB/12 x"` → `"AB%2F12%20x"`): use it
/// for SKUs and other keys inside [`Client::get_json`] / [`Client::send_json`] paths.
///
/// ```
/// assert_eq!(magento_client::path_segment("MH01/XS-Black"), "MH01%2FXS-Black");
/// ```
pub fn path_segment(value: &str) -> String {
    percent_encode(value)
}

impl Client {
    /// `GET /rest[/<store code>]/V1/<path>?<query>` and decode the JSON answer.
    ///
    /// `path` is relative to `V1/` (`"customers/5"`, `"taxRates/search"`; a leading `/` or
    /// `V1/` is accepted). Put parameters in `query`, not in `path`: a `?` in `path` is refused,
    /// because the query must be signed as parameters.
    ///
    /// ```no_run
    /// # async fn run(client: magento_client::Client) -> Result<(), magento_client::Error> {
    /// let rates: serde_json::Value = client
    ///     .get_json("taxRates/search", &[("searchCriteria[pageSize]", "20")])
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, Error> {
        self.send_json::<T, ()>("GET", path, query, None).await
    }

    /// Send `method` (GET, POST, PUT or DELETE: what Magento's REST API routes; anything else
    /// is refused before signing) to `/rest[/<store code>]/V1/<path>?<query>` with an optional
    /// JSON body, and decode the JSON answer. POST is not retried after a timeout (it may have
    /// been applied); the other methods are.
    pub async fn send_json<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&B>,
    ) -> Result<T, Error> {
        let method = checked_method(method)?;
        let path = relative_path(path)?;
        let mut request = ApiRequest::<T>::new("custom", method.clone(), path.to_string())
            .query_pairs(query.iter().map(|(name, value)| (name.to_string(), *value)))
            // POST may have been applied before a lost answer; the other methods repeat safely.
            .idempotent(method != Method::POST);
        if let Some(body) = body {
            let encoded = |e: serde_json::Error| {
                Error::config("body", format!("the request body cannot be encoded: {e}"))
            };
            let value = serde_json::to_value(body).map_err(encoded)?;
            request = request.json(&value).map_err(encoded)?;
        }
        self.api().send(request).await
    }
}

/// The path after `V1/`, refusing what would not be signed as given.
fn relative_path(path: &str) -> Result<&str, Error> {
    let trimmed = path.trim().trim_start_matches('/');
    let trimmed = trimmed.strip_prefix("V1/").unwrap_or(trimmed);
    if trimmed.contains(['?', '#']) {
        return Err(Error::config(
            "path",
            "put query parameters in the `query` argument, not in the path: Magento signs and \
             reads them as parameters",
        ));
    }
    if trimmed.is_empty() || trimmed.split('/').any(|s| s == ".." || s == ".") {
        return Err(Error::config(
            "path",
            "the path must name a route under V1/ (e.g. \"customers/5\"), without . or .. \
             segments",
        ));
    }
    Ok(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_v1_and_carry_no_query() {
        assert_eq!(relative_path("/V1/customers/5").unwrap(), "customers/5");
        assert_eq!(
            relative_path("customers/search").unwrap(),
            "customers/search"
        );
        assert!(relative_path("customers?x=1").is_err());
        assert!(relative_path("../admin").is_err());
        assert!(relative_path("").is_err());
    }
}
