//! WooCommerce's REST authentication as `class-wc-rest-authentication.php` performs it.
//!
//! Over HTTPS (`is_ssl()`): query `consumer_key`/`consumer_secret`, then Basic; if that yields no
//! user, OAuth 1.0a one-legged. Over plain HTTP only OAuth. The OAuth base string is built from
//! PHP's parsed parameters (`parse_str`), sorted by raw key with `strcmp`, each key and value
//! `rawurlencode`d, nested keys joined un-encoded, then each `k=v` encoded again and joined with
//! `%26`; the base URI is the configured home URL; the key is `consumer_secret&`.

use std::collections::{BTreeMap, HashMap};

use axum::http::{HeaderMap, Method, Uri};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use subtle::ConstantTimeEq;

use crate::php::{PhpValue, parse_str, rawurlencode, urldecode};

/// What a WooCommerce API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// GET/HEAD only.
    Read,
    /// POST/PUT/PATCH/DELETE only.
    Write,
    /// Everything.
    ReadWrite,
}

/// A WooCommerce REST API key (`ck_…` / `cs_…`).
#[derive(Debug, Clone)]
pub struct ApiKey {
    /// `ck_…`
    pub consumer_key: String,
    /// `cs_…`
    pub consumer_secret: String,
    /// Read, write or both.
    pub permission: Permission,
}

/// A WordPress REST error: `{code, message, data:{status}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WpError {
    /// HTTP status.
    pub status: u16,
    /// `woocommerce_rest_authentication_error`, …
    pub code: &'static str,
    /// The message WooCommerce sends.
    pub message: String,
    /// Whether WooCommerce adds its `WWW-Authenticate: Basic` header (failed Basic auth).
    pub basic_challenge: bool,
}

fn auth_error(message: &str) -> WpError {
    WpError {
        status: 401,
        code: "woocommerce_rest_authentication_error",
        message: message.to_owned(),
        basic_challenge: false,
    }
}

/// The authenticated key, or `None` for an anonymous request.
pub type AuthOutcome = Result<Option<ApiKey>, WpError>;

/// Used OAuth nonces per consumer key, stored as WooCommerce stores them: keyed by timestamp
/// (`$used_nonces[$timestamp] = $nonce`), so a second nonce with the same timestamp replaces the
/// first one, which then could be replayed.
#[derive(Debug, Default)]
pub struct Nonces {
    used: HashMap<String, BTreeMap<i64, String>>,
}

/// The request parts authentication reads.
#[derive(Debug)]
pub struct AuthRequest<'a> {
    /// Method.
    pub method: &'a Method,
    /// URI as received (path + query).
    pub uri: &'a Uri,
    /// Headers.
    pub headers: &'a HeaderMap,
    /// Raw body (read as `$_POST` only when form-encoded).
    pub body: &'a [u8],
}

/// The server's settings that change how it authenticates.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// WordPress's `home` option, e.g. `http://127.0.0.1:8080` (scheme, host, port as configured).
    pub home_url: String,
    /// Whether WordPress sees the request as HTTPS (`is_ssl()`); only then Basic is tried.
    pub is_ssl: bool,
}

/// Authenticates a request against `keys` the way WooCommerce does.
pub fn authenticate(
    req: &AuthRequest<'_>,
    keys: &[ApiKey],
    settings: &AuthSettings,
    nonces: &mut Nonces,
    now: i64,
) -> AuthOutcome {
    let get = parse_str(req.uri.query().unwrap_or_default());
    let post = if is_form(req.headers) {
        parse_str(&String::from_utf8_lossy(req.body))
    } else {
        Vec::new()
    };
    if settings.is_ssl
        && let Some(key) = basic(req, &get, keys)?
    {
        return Ok(Some(key));
    }
    oauth(req, get, post, keys, settings, nonces, now)
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

fn scalar<'a>(params: &'a [(String, PhpValue)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.as_str())
        .filter(|s| !s.is_empty())
}

fn basic(
    req: &AuthRequest<'_>,
    get: &[(String, PhpValue)],
    keys: &[ApiKey],
) -> Result<Option<ApiKey>, WpError> {
    let (mut ck, mut cs) = (String::new(), String::new());
    if let (Some(k), Some(s)) = (scalar(get, "consumer_key"), scalar(get, "consumer_secret")) {
        (ck, cs) = (k.to_owned(), s.to_owned());
    }
    if ck.is_empty()
        && let Some((u, p)) = basic_header(req.headers)
    {
        (ck, cs) = (u, p);
    }
    if ck.is_empty() || cs.is_empty() {
        return Ok(None);
    }
    let Some(key) = keys.iter().find(|k| k.consumer_key == ck) else {
        return Ok(None);
    };
    if !bool::from(key.consumer_secret.as_bytes().ct_eq(cs.as_bytes())) {
        let mut e = auth_error("Consumer secret is invalid.");
        e.basic_challenge = true;
        return Err(e);
    }
    Ok(Some(key.clone()))
}

fn basic_header(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (u, p) = decoded.split_once(':')?;
    Some((u.to_owned(), p.to_owned()))
}

/// `parse_header()`: the `oauth_*` pairs of an `Authorization: OAuth …` header, urldecoded.
pub fn parse_oauth_header(header: &str) -> Vec<(String, String)> {
    let Some(rest) = header.strip_prefix("OAuth ") else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = Vec::new();
    let mut s = rest;
    while let Some(start) = s.find("oauth_") {
        s = &s[start..];
        let name_len = s
            .bytes()
            .take_while(|b| b.is_ascii_lowercase() || *b == b'_' || *b == b'-')
            .count();
        let name = s[..name_len].to_owned();
        s = &s[name_len..];
        let Some(after_eq) = s.strip_prefix('=') else {
            continue;
        };
        let (value, remaining) = if let Some(q) = after_eq.strip_prefix('"') {
            let end = q.find('"').unwrap_or(q.len());
            (&q[..end], &q[(end + 1).min(q.len())..])
        } else {
            let end = after_eq.find(',').unwrap_or(after_eq.len());
            (&after_eq[..end], &after_eq[end..])
        };
        let value = urldecode(value);
        match out.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => out.push((name, value)),
        }
        s = remaining;
    }
    out
}

/// PHP `stripslashes` (what `wp_unslash` does to `$_GET`/`$_POST`).
fn stripslashes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(if n == '0' { '\0' } else { n });
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn unslash(v: PhpValue) -> PhpValue {
    match v {
        PhpValue::Str(s) => PhpValue::Str(stripslashes(&s)),
        PhpValue::Arr(items) => {
            PhpValue::Arr(items.into_iter().map(|(k, v)| (k, unslash(v))).collect())
        }
    }
}

/// `array_merge`: later string keys replace earlier ones in place.
fn merge(into: &mut Vec<(String, PhpValue)>, from: Vec<(String, PhpValue)>) {
    for (k, v) in from {
        match into.iter_mut().find(|(ek, _)| *ek == k) {
            Some(slot) => slot.1 = v,
            None => into.push((k, v)),
        }
    }
}

const REQUIRED: [&str; 5] = [
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
];

fn oauth(
    req: &AuthRequest<'_>,
    get: Vec<(String, PhpValue)>,
    post: Vec<(String, PhpValue)>,
    keys: &[ApiKey],
    settings: &AuthSettings,
    nonces: &mut Nonces,
    now: i64,
) -> AuthOutcome {
    let mut params = get;
    merge(&mut params, post);
    let mut params: Vec<(String, PhpValue)> =
        params.into_iter().map(|(k, v)| (k, unslash(v))).collect();
    if let Some(header) = req
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
    {
        let header_params = parse_oauth_header(header.trim());
        merge(
            &mut params,
            header_params
                .into_iter()
                .map(|(k, v)| (k, PhpValue::Str(v)))
                .collect(),
        );
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|n| scalar_or_array_nonempty(&params, n).is_none())
        .collect();
    if missing.len() == REQUIRED.len() {
        return Ok(None);
    }
    if !missing.is_empty() {
        let noun = if missing.len() == 1 {
            "parameter"
        } else {
            "parameters"
        };
        return Err(WpError {
            status: 401,
            code: "woocommerce_rest_authentication_missing_parameter",
            message: format!("Missing OAuth {noun} {}", missing.join(", ")),
            basic_challenge: false,
        });
    }
    let consumer_key = scalar(&params, "oauth_consumer_key")
        .unwrap_or_default()
        .to_owned();
    let Some(key) = keys.iter().find(|k| k.consumer_key == consumer_key) else {
        return Err(auth_error("Consumer key is invalid."));
    };
    check_signature(req, params.clone(), key, settings)?;
    let timestamp: i64 = scalar(&params, "oauth_timestamp")
        .unwrap_or_default()
        .trim()
        .parse()
        .unwrap_or(0);
    let nonce = scalar(&params, "oauth_nonce")
        .unwrap_or_default()
        .to_owned();
    const WINDOW: i64 = 15 * 60;
    if timestamp < now - WINDOW || timestamp > now + WINDOW {
        return Err(auth_error("Invalid timestamp."));
    }
    let used = nonces.used.entry(key.consumer_key.clone()).or_default();
    if used.values().any(|n| *n == nonce) {
        return Err(auth_error("Invalid nonce - nonce has already been used."));
    }
    used.insert(timestamp, nonce);
    used.retain(|ts, _| *ts >= now - WINDOW);
    Ok(Some(key.clone()))
}

fn scalar_or_array_nonempty<'a>(
    params: &'a [(String, PhpValue)],
    name: &str,
) -> Option<&'a PhpValue> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .filter(|v| match v {
            PhpValue::Str(s) => !s.is_empty() && s != "0",
            PhpValue::Arr(a) => !a.is_empty(),
        })
}

/// The base string WooCommerce signs for these parsed parameters (without `oauth_signature`).
pub fn base_string(method: &str, base_uri: &str, mut params: Vec<(String, PhpValue)>) -> String {
    params.retain(|(k, _)| k != "oauth_signature");
    params.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut pairs = Vec::new();
    for (k, v) in params {
        join(&mut pairs, rawurlencode(&k), &encode_values(v));
    }
    format!(
        "{}&{}&{}",
        method.to_uppercase(),
        rawurlencode(base_uri),
        pairs.join("%26")
    )
}

/// `wc_rest_urlencode_rfc3986` over values (recursively; inner keys stay raw).
fn encode_values(v: PhpValue) -> PhpValue {
    match v {
        PhpValue::Str(s) => PhpValue::Str(rawurlencode(&s)),
        PhpValue::Arr(items) => PhpValue::Arr(
            items
                .into_iter()
                .map(|(k, v)| (k, encode_values(v)))
                .collect(),
        ),
    }
}

/// `join_with_equals_sign`: nested keys as `key%5Binner%5D`, then `k=v` encoded again.
fn join(out: &mut Vec<String>, key: String, value: &PhpValue) {
    match value {
        PhpValue::Str(s) => out.push(rawurlencode(&format!("{key}={s}"))),
        PhpValue::Arr(items) => {
            for (inner, v) in items {
                join(out, format!("{key}%5B{inner}%5D"), v);
            }
        }
    }
}

/// `get_home_url(null, $path, is_ssl() ? 'https' : 'http')` for the request path.
pub fn base_uri(settings: &AuthSettings, request_path: &str) -> String {
    let home = settings.home_url.trim_end_matches('/');
    let (scheme_less, _) = match home.split_once("://") {
        Some((_, rest)) => (rest, ()),
        None => (home, ()),
    };
    let scheme = if settings.is_ssl { "https" } else { "http" };
    // The home path (relative home URL) is stripped from the request path, then re-added.
    let home_path = scheme_less
        .find('/')
        .map(|i| &scheme_less[i..])
        .unwrap_or("");
    let wp_base = format!("{home_path}/");
    let path = request_path
        .strip_prefix(wp_base.as_str())
        .unwrap_or(request_path);
    format!("{scheme}://{scheme_less}/{}", path.trim_start_matches('/'))
}

fn check_signature(
    req: &AuthRequest<'_>,
    params: Vec<(String, PhpValue)>,
    key: &ApiKey,
    settings: &AuthSettings,
) -> Result<(), WpError> {
    let provided = params
        .iter()
        .find(|(k, _)| k == "oauth_signature")
        .and_then(|(_, v)| v.as_str())
        .unwrap_or_default();
    let provided = crate::php::rawurldecode(&provided.replace(' ', "+"));
    let method = params
        .iter()
        .find(|(k, _)| k == "oauth_signature_method")
        .and_then(|(_, v)| v.as_str())
        .unwrap_or_default()
        .to_owned();
    let base = base_string(
        req.method.as_str(),
        &base_uri(settings, req.uri.path()),
        params,
    );
    if method != "HMAC-SHA1" && method != "HMAC-SHA256" {
        return Err(auth_error(
            "Invalid signature - signature method is invalid.",
        ));
    }
    let expected = sign(&method, &base, &format!("{}&", key.consumer_secret));
    if !bool::from(expected.as_bytes().ct_eq(provided.as_bytes())) {
        return Err(auth_error(
            "Invalid signature - provided signature does not match.",
        ));
    }
    Ok(())
}

/// base64 HMAC-SHA1 or HMAC-SHA256 of `base` with `key`.
pub fn sign(method: &str, base: &str, key: &str) -> String {
    if method == "HMAC-SHA1" {
        let mut mac =
            Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).expect("hmac takes any key");
        mac.update(base.as_bytes());
        STANDARD.encode(mac.finalize().into_bytes())
    } else {
        let mut mac =
            Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).expect("hmac takes any key");
        mac.update(base.as_bytes());
        STANDARD.encode(mac.finalize().into_bytes())
    }
}
