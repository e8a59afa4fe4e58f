//! OAuth 1.0a with an integration's four credentials, as Magento checks it: RFC 5849 base string
//! over the request URL (scheme, `Host`, path) and the query + `oauth_*` parameters, key
//! `consumer_secret&access_token_secret`, HMAC-SHA256 (HMAC-SHA1 still accepted).

use std::collections::BTreeMap;

use axum::http::{HeaderMap, Method, Uri};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use subtle::ConstantTimeEq;

use crate::php::{rawurlencode, urldecode};

/// An integration's credentials.
#[derive(Debug, Clone)]
pub struct Integration {
    /// Consumer key.
    pub consumer_key: String,
    /// Consumer secret.
    pub consumer_secret: String,
    /// Access token.
    pub access_token: String,
    /// Access token secret.
    pub access_token_secret: String,
}

/// Used nonces: (nonce, timestamp) per consumer.
pub type UsedNonces = BTreeMap<(String, String), ()>;

/// The `oauth_*` pairs of an `Authorization: OAuth …` header (values percent-decoded).
pub fn header_params(header: &str) -> Vec<(String, String)> {
    let Some(rest) = header.strip_prefix("OAuth ") else {
        return Vec::new();
    };
    rest.split(',')
        .filter_map(|part| {
            let (k, v) = part.trim().split_once('=')?;
            let k = k.trim();
            (k.starts_with("oauth_")).then(|| {
                (
                    k.to_owned(),
                    crate::php::rawurldecode(v.trim().trim_matches('"')),
                )
            })
        })
        .collect()
}

/// RFC 5849 signature base string.
pub fn base_string(method: &str, url: &str, params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "oauth_signature" && k != "realm")
        .map(|(k, v)| (rawurlencode(k), rawurlencode(v)))
        .collect();
    encoded.sort();
    let joined = encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        method.to_uppercase(),
        rawurlencode(url),
        rawurlencode(&joined)
    )
}

/// Verifies a request; the error is Magento's message.
pub fn verify(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    integration: &Integration,
    used: &mut UsedNonces,
    now: i64,
) -> Result<(), &'static str> {
    let header = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let oauth = header_params(header);
    let get = |name: &str| {
        oauth
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    for required in [
        "oauth_consumer_key",
        "oauth_signature_method",
        "oauth_signature",
        "oauth_nonce",
        "oauth_timestamp",
        "oauth_token",
    ] {
        if get(required).is_none_or(|v| v.is_empty()) {
            return Err("OAuth parameter is missing or empty.");
        }
    }
    if get("oauth_consumer_key").as_deref() != Some(integration.consumer_key.as_str()) {
        return Err("A consumer having the specified key does not exist");
    }
    if get("oauth_token").as_deref() != Some(integration.access_token.as_str()) {
        return Err("Specified token does not exist");
    }
    let method_name = get("oauth_signature_method").unwrap_or_default();
    if method_name != "HMAC-SHA256" && method_name != "HMAC-SHA1" {
        return Err("Signature method is not supported");
    }
    let timestamp: i64 = get("oauth_timestamp")
        .unwrap_or_default()
        .parse()
        .unwrap_or(0);
    if (now - timestamp).abs() > 600 {
        return Err("Timestamp is out of bounds");
    }
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_lowercase();
    let url = format!("http://{host}{}", uri.path());
    let mut params: Vec<(String, String)> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (urldecode(k), urldecode(v))
        })
        .collect();
    params.extend(oauth.iter().cloned());
    let base = base_string(method.as_str(), &url, &params);
    let key = format!(
        "{}&{}",
        rawurlencode(&integration.consumer_secret),
        rawurlencode(&integration.access_token_secret)
    );
    let expected = if method_name == "HMAC-SHA1" {
        let mut mac =
            Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).expect("hmac takes any key");
        mac.update(base.as_bytes());
        STANDARD.encode(mac.finalize().into_bytes())
    } else {
        let mut mac =
            Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).expect("hmac takes any key");
        mac.update(base.as_bytes());
        STANDARD.encode(mac.finalize().into_bytes())
    };
    if !bool::from(
        expected
            .as_bytes()
            .ct_eq(get("oauth_signature").unwrap_or_default().as_bytes()),
    ) {
        return Err("The signature is invalid. Verify and try again.");
    }
    let nonce_key = (
        get("oauth_nonce").unwrap_or_default(),
        timestamp.to_string(),
    );
    if used.insert(nonce_key, ()).is_some() {
        return Err("The nonce is already being used by the consumer with ID %1");
    }
    Ok(())
}
