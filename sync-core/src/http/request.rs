//! [`ApiRequest`]: one operation of a vendor's API, as data.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use serde::Serialize;

/// What a request carries after its headers.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestBody {
    /// Nothing.
    Empty,
    /// JSON, already encoded (sent with `Content-Type: application/json`).
    Json(Bytes),
    /// `application/x-www-form-urlencoded` pairs (OAuth 1.0a signs these).
    Form(Vec<(String, String)>),
}

impl fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Bodies carry customer data and sometimes credentials (a login): sizes only.
        match self {
            RequestBody::Empty => f.write_str("Empty"),
            RequestBody::Json(b) => write!(f, "Json({} bytes)", b.len()),
            RequestBody::Form(p) => write!(f, "Form({} pairs)", p.len()),
        }
    }
}

/// One API operation as a value: method, path under the client's base URL, query, body,
/// whether it is safe to repeat, and the type its answer decodes into (`T`).
///
/// A client crate builds one per operation and sends it with
/// [`ApiClient::send`](super::ApiClient::send); the vendor's authorization, classifier and
/// redaction are added there, once, for every operation.
///
/// ```
/// use sync_core::http::ApiRequest;
///
/// #[derive(serde::Deserialize)]
/// struct Order { id: u64 }
///
/// let list = ApiRequest::<Vec<Order>>::get("orders.list", "orders")
///     .query("per_page", 100)
///     .query("orderby", "id");
/// assert!(list.is_idempotent());
/// assert_eq!(list.path(), "orders");
///
/// // A POST is not repeated after a lost answer unless it says so (an upsert by natural key).
/// let sync = ApiRequest::<serde_json::Value>::post("contact.sync", "contact/sync")
///     .json(&serde_json::json!({"contact": {"email": "a@example.com"}}))
///     .unwrap()
///     .idempotent(true);
/// assert!(sync.is_idempotent());
/// ```
pub struct ApiRequest<T> {
    operation: Cow<'static, str>,
    method: Method,
    path: String,
    query: Vec<(Cow<'static, str>, String)>,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: RequestBody,
    idempotent: bool,
    output: PhantomData<fn() -> T>,
}

impl<T> Clone for ApiRequest<T> {
    fn clone(&self) -> Self {
        ApiRequest {
            operation: self.operation.clone(),
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            headers: self.headers.clone(),
            body: self.body.clone(),
            idempotent: self.idempotent,
            output: PhantomData,
        }
    }
}

impl<T> fmt::Debug for ApiRequest<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Query values may be credentials or personal data: names only.
        let query: Vec<&str> = self.query.iter().map(|(k, _)| k.as_ref()).collect();
        f.debug_struct("ApiRequest")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query_names", &query)
            .field("body", &self.body)
            .field("idempotent", &self.idempotent)
            .finish()
    }
}

impl<T> ApiRequest<T> {
    /// A request with `method` to `path` (relative to the client's base URL). Idempotency
    /// follows the method (GET, HEAD, PUT, DELETE, OPTIONS are); change it with
    /// [`idempotent`](Self::idempotent).
    pub fn new(
        operation: impl Into<Cow<'static, str>>,
        method: Method,
        path: impl Into<String>,
    ) -> Self {
        ApiRequest {
            operation: operation.into(),
            idempotent: method.is_idempotent(),
            method,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: RequestBody::Empty,
            output: PhantomData,
        }
    }

    /// A GET.
    pub fn get(operation: impl Into<Cow<'static, str>>, path: impl Into<String>) -> Self {
        Self::new(operation, Method::GET, path)
    }

    /// A POST (not idempotent unless marked).
    pub fn post(operation: impl Into<Cow<'static, str>>, path: impl Into<String>) -> Self {
        Self::new(operation, Method::POST, path)
    }

    /// A PUT.
    pub fn put(operation: impl Into<Cow<'static, str>>, path: impl Into<String>) -> Self {
        Self::new(operation, Method::PUT, path)
    }

    /// A DELETE.
    pub fn delete(operation: impl Into<Cow<'static, str>>, path: impl Into<String>) -> Self {
        Self::new(operation, Method::DELETE, path)
    }

    /// Add a query parameter (kept in order; a name may repeat).
    pub fn query(mut self, name: impl Into<Cow<'static, str>>, value: impl ToString) -> Self {
        self.query.push((name.into(), value.to_string()));
        self
    }

    /// Add every pair as a query parameter.
    pub fn query_pairs<N, V>(mut self, pairs: impl IntoIterator<Item = (N, V)>) -> Self
    where
        N: Into<Cow<'static, str>>,
        V: ToString,
    {
        self.query
            .extend(pairs.into_iter().map(|(n, v)| (n.into(), v.to_string())));
        self
    }

    /// Add a header (for vendor headers an operation needs; credentials belong to the vendor's
    /// [`authorize`](super::Vendor::authorize)).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Send `body` as JSON.
    ///
    /// # Errors
    /// When `body` cannot be encoded (a map with non-string keys, a failing `Serialize`).
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Result<Self, serde_json::Error> {
        self.body = RequestBody::Json(serde_json::to_vec(body)?.into());
        Ok(self)
    }

    /// Send JSON the caller encoded already (a large batch built as text), unchecked: it must be
    /// valid JSON.
    pub fn json_bytes(mut self, body: impl Into<Bytes>) -> Self {
        self.body = RequestBody::Json(body.into());
        self
    }

    /// Send these pairs as a form body.
    pub fn form(mut self, pairs: Vec<(String, String)>) -> Self {
        self.body = RequestBody::Form(pairs);
        self
    }

    /// Say whether sending this twice has the same effect as once (an upsert by natural key,
    /// a POST carrying an idempotency key). Only idempotent requests are resent after a timeout
    /// or a 500/502/504; see [`RequestMeta`](super::RequestMeta).
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = yes;
        self
    }

    /// The same request, decoding its answer into `U` instead.
    pub fn output<U>(self) -> ApiRequest<U> {
        ApiRequest {
            operation: self.operation,
            method: self.method,
            path: self.path,
            query: self.query,
            headers: self.headers,
            body: self.body,
            idempotent: self.idempotent,
            output: PhantomData,
        }
    }

    /// The operation name (`orders.list`), used in spans and errors.
    pub fn operation(&self) -> &str {
        &self.operation
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path under the base URL.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query pairs, in order.
    pub fn query_list(&self) -> &[(Cow<'static, str>, String)] {
        &self.query
    }

    /// Replace the value of every query parameter named `name` (adding it when absent): how a
    /// paginator moves to the next page.
    pub fn set_query(mut self, name: &'static str, value: impl ToString) -> Self {
        self.query.retain(|(n, _)| n != name);
        self.query.push((Cow::Borrowed(name), value.to_string()));
        self
    }

    /// The extra headers.
    pub fn headers(&self) -> &[(HeaderName, HeaderValue)] {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &RequestBody {
        &self.body
    }

    /// Whether it is safe to repeat.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
    }
}
