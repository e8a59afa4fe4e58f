//! [`Client`]: one store behind sync-core's [`ApiClient`], the resources, and the escape
//! hatches for routes this crate does not model.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sync_core::Redactor;
use sync_core::http::reqwest::{Method, Url};
use sync_core::http::{ApiClient, ApiRequest, HttpResponse};

use crate::auth::{AuthMode, signature_base_string_for};
use crate::coupons::Coupons;
use crate::customers::Customers;
use crate::error::Error;
use crate::orders::Orders;
use crate::php_query::PhpQuery;
use crate::products::Products;
use crate::subscriptions::Subscriptions;
use crate::vendor::WooVendor;
use crate::webhooks::Webhooks;

/// A WooCommerce REST client for one store. Cheap to clone; clones share the connection pool and
/// rate limit.
///
/// Build it with [`Client::builder`] or [`Client::from_env`]; reach resources through
/// [`Client::orders`], [`Client::products`], [`Client::customers`], [`Client::coupons`],
/// [`Client::subscriptions`] and [`Client::webhooks`]. Every request is an
/// [`ApiRequest`] sent by sync-core's [`ApiClient`]: per-attempt timeout and authorization,
/// retries on 408/425/429/5xx (transport errors only for idempotent requests), `Retry-After`,
/// rate limiting and redacted logs.
///
/// ```
/// use woo_client::{Client, Credentials};
/// use wiremock::matchers::{method, path};
/// use wiremock::{Mock, MockServer, ResponseTemplate};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let server = MockServer::start().await;
/// Mock::given(method("GET"))
///     .and(path("/wp-json/wc/v3/orders/727"))
///     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
///         "id": 727, "status": "processing", "total": "29.35"
///     })))
///     .mount(&server)
///     .await;
///
/// // Plain HTTP is accepted here because the mock is on loopback.
/// let client = Client::builder(server.uri())
///     .credentials(Credentials::new("ck_example", "cs_example"))
///     .build()?;
/// let order = client.orders().get(727).await?;
/// assert_eq!(order.total.to_string(), "29.35");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) api: ApiClient<WooVendor>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("api", &self.api).finish()
    }
}

impl Client {
    /// The store's home URL (always ending in `/`).
    pub fn site_url(&self) -> &Url {
        &self.api.vendor().site
    }

    /// The REST base (`…/wp-json/wc/v3/`).
    pub fn api_base(&self) -> &Url {
        &self.api.vendor().api_base
    }

    /// The redactor every error, log line and dead-letter reason of this client goes through:
    /// it knows WooCommerce's [`SECRET_NAMES`](crate::SECRET_NAMES) and this client's consumer
    /// key and secret. Pass it to sync-core's `PipelineBuilder::redactor` so dead letters are
    /// masked the same way.
    pub fn redactor(&self) -> &Redactor {
        self.api.redactor()
    }

    /// The auth mode in use.
    pub fn auth_mode(&self) -> AuthMode {
        self.api.vendor().auth
    }

    /// sync-core's sender with WooCommerce's rules, to send an [`ApiRequest`] of your own
    /// (paths are relative to [`api_base`](Self::api_base)).
    pub fn api(&self) -> &ApiClient<WooVendor> {
        &self.api
    }

    /// Orders, their notes and refunds.
    pub fn orders(&self) -> Orders {
        Orders::new(self.clone())
    }

    /// Products and variations.
    pub fn products(&self) -> Products {
        Products::new(self.clone())
    }

    /// Coupons.
    pub fn coupons(&self) -> Coupons {
        Coupons::new(self.clone())
    }

    /// Customers.
    pub fn customers(&self) -> Customers {
        Customers::new(self.clone())
    }

    /// WooCommerce Subscriptions (needs the plugin, version 3.1 or later, for `wc/v3`).
    pub fn subscriptions(&self) -> Subscriptions {
        Subscriptions::new(self.clone())
    }

    /// Webhook configurations (to receive deliveries, see [`crate::webhook_receive`]).
    pub fn webhooks(&self) -> Webhooks {
        Webhooks::new(self.clone())
    }

    /// `GET` any route under the namespace and decode the JSON, for endpoints this crate does not
    /// model (`reports/sales`, `shipping/zones`, …). A query in `path` (`orders?status=processing`)
    /// is sent and signed like `query`; names PHP would rewrite (`a.b`, a repeated name, `x[` …)
    /// are refused with [`Error::InvalidInput`] (see [`crate::php_query`]).
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, Error> {
        let request = raw_request("raw.get", Method::GET, path, query)?;
        self.send(request).await
    }

    /// Send `body` as JSON with `method` to any route under the namespace, with `query`
    /// parameters, and decode the answer. Query rules as in [`Client::get_json`]. POST is treated
    /// as not idempotent (never re-sent after a timeout).
    pub async fn send_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: &B,
    ) -> Result<T, Error> {
        let request = with_json(raw_request("raw.send", method, path, query)?, body)?;
        self.send(request).await
    }

    /// Send `request` and decode its answer, after refusing what PHP would read differently.
    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        request: ApiRequest<T>,
    ) -> Result<T, Error> {
        self.check(&request)?;
        self.api.send(request).await
    }

    /// Send `request` and return the response (headers included).
    pub(crate) async fn send_raw<T>(&self, request: &ApiRequest<T>) -> Result<HttpResponse, Error> {
        self.check(request)?;
        self.api.send_raw(request).await
    }

    /// Refuse, before anything is sent, a query PHP would rewrite or the OAuth 1.0a check could
    /// not sign. (The vendor's `authorize` refuses them too; this gives the caller the
    /// argument-level [`Error::InvalidInput`] instead of a build error.)
    pub(crate) fn check<T>(&self, request: &ApiRequest<T>) -> Result<(), Error> {
        let pairs: Vec<(&str, &str)> = request
            .query_list()
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_str()))
            .collect();
        let invalid = |e: crate::php_query::QueryError| Error::InvalidInput {
            field: "query",
            message: e.to_string(),
        };
        PhpQuery::parse(&pairs).map_err(invalid)?;
        let vendor = self.api.vendor();
        if matches!(vendor.auth, AuthMode::OAuth1(_)) {
            // The legacy APIs sign fewer shapes than PHP parses.
            signature_base_string_for(vendor.signing_rules, "GET", "", &pairs).map_err(invalid)?;
        }
        Ok(())
    }
}

/// `request` with `body` as its JSON body.
pub(crate) fn with_json<T, B: Serialize + ?Sized>(
    request: ApiRequest<T>,
    body: &B,
) -> Result<ApiRequest<T>, Error> {
    request.json(&body).map_err(|e| Error::InvalidInput {
        field: "body",
        message: e.to_string(),
    })
}

/// An escape-hatch request: a query in `path` becomes parameters, before `query`'s (in the
/// order given: the PHP check refuses repeats later).
fn raw_request<T>(
    operation: &'static str,
    method: Method,
    path: &str,
    query: &[(&str, &str)],
) -> Result<ApiRequest<T>, Error> {
    if path.contains('#') {
        return Err(Error::InvalidInput {
            field: "path",
            message: "a request path cannot carry a `#` fragment".into(),
        });
    }
    let (path, in_path) = match path.split_once('?') {
        None => (path, Vec::new()),
        Some((path, query)) => (
            path,
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        ),
    };
    let query = query.iter().map(|(k, v)| (k.to_string(), *v));
    Ok(ApiRequest::new(operation, method, path)
        .query_pairs(in_path)
        .query_pairs(query))
}
