//! WooCommerce's OAuth 1.0a base-string rules (`WC_REST_Authentication` and the legacy
//! `wc-api` checks), on top of sync-core's shared encoding, HMAC and stamps.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use secrecy::{ExposeSecret, SecretString};
use sync_core::oauth1::{OAuthStamp, SignatureMethod, percent_encode, sign};

use super::Credentials;
use crate::php_query::{PhpQuery, PhpValue, QueryError};

/// Which server code checks the signature: WooCommerce's REST API (the default), or one of the
/// legacy `wc-api` versions (removed from WooCommerce core in 9.0, still served by the
/// "WooCommerce Legacy REST API" plugin). Their base strings and keys differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SigningRules {
    /// `/wp-json/wc/…`, checked by `WC_REST_Authentication`: key `secret&`, nested keys
    /// inside brackets left unencoded before the final encoding pass.
    #[default]
    Rest,
    /// Legacy `/wc-api/v1` and `/wc-api/v2`: parameters normalised by
    /// `rawurlencode(rawurldecode(x))` with `%` doubled, sorted after encoding, only `filter[…]`
    /// may be an array, and the HMAC key is the **bare** consumer secret (no `&`).
    LegacyV1V2,
    /// Legacy `/wc-api/v3`: sorted before encoding, one level of arrays
    /// (`key%255Binner%255D`), key `secret&`.
    LegacyV3,
}

/// The OAuth 1.0a signature base string exactly as WooCommerce rebuilds it on the server
/// (`WC_REST_Authentication::check_oauth_signature`), from the decoded query pairs the request
/// sends:
///
/// 1. PHP parses the pairs into `$_GET` ([`PhpQuery`]): `meta[k]=v` becomes a nested array;
///    names PHP would rewrite are refused;
/// 2. top-level names are sorted by raw bytes (PHP `uksort(…, 'strcmp')`), before any encoding —
///    so `z` sorts before `é`, unlike RFC 5849;
/// 3. `normalize_parameters` encodes the top-level names and every value once
///    ([`percent_encode`], PHP `rawurlencode`); keys *inside* brackets are left as they are;
/// 4. `join_with_equals_sign` builds `name%5Bkey%5D=value` and encodes each whole pair again,
///    so `=` becomes `%3D`, `%5B` becomes `%255B`, and a space inside brackets is encoded only
///    once (`%20`) while a space in a value ends up as `%2520`;
/// 5. pairs are joined with `%26`, and the result is `METHOD&enc(base_uri)&pairs`.
///
/// `base_uri` is the site's home URL plus the request path, without the query. `pairs` include
/// the `oauth_*` parameters but not `oauth_signature`.
///
/// ```
/// use woo_client::auth::signature_base_string;
/// let base = signature_base_string(
///     "GET",
///     "http://example.com/wp-json/wc/v3/orders",
///     &[("status[0]", "on-hold"), ("page", "2")],
/// ).unwrap();
/// assert_eq!(
///     base,
///     "GET&http%3A%2F%2Fexample.com%2Fwp-json%2Fwc%2Fv3%2Forders&page%3D2%26status%255B0%255D%3Don-hold"
/// );
/// ```
pub fn signature_base_string<N: AsRef<str>, V: AsRef<str>>(
    method: &str,
    base_uri: &str,
    pairs: &[(N, V)],
) -> Result<String, QueryError> {
    signature_base_string_for(SigningRules::Rest, method, base_uri, pairs)
}

/// [`signature_base_string`] under the given server's rules.
pub fn signature_base_string_for<N: AsRef<str>, V: AsRef<str>>(
    rules: SigningRules,
    method: &str,
    base_uri: &str,
    pairs: &[(N, V)],
) -> Result<String, QueryError> {
    let query = PhpQuery::parse(pairs)?;
    let joined = match rules {
        SigningRules::Rest => rest_pairs(&query),
        SigningRules::LegacyV1V2 => legacy_v1_v2_pairs(&query)?,
        SigningRules::LegacyV3 => legacy_v3_pairs(&query)?,
    };
    Ok(format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        percent_encode(base_uri),
        joined.join("%26")
    ))
}

fn sorted_by_raw_name(query: &PhpQuery) -> Vec<&(String, PhpValue)> {
    let mut sorted: Vec<&(String, PhpValue)> = query.entries().iter().collect();
    // strcmp compares bytes, as `[u8]::cmp` does.
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    sorted
}

fn rest_pairs(query: &PhpQuery) -> Vec<String> {
    fn join(key: String, value: &PhpValue, out: &mut Vec<String>) {
        match value {
            PhpValue::Scalar(v) => {
                out.push(percent_encode(&format!("{key}={}", percent_encode(v))));
            }
            PhpValue::Array(items) => {
                for (inner, v) in items {
                    // The nested key is appended raw: only the final pass encodes it.
                    join(format!("{key}%5B{inner}%5D"), v, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    for (name, value) in sorted_by_raw_name(query) {
        join(percent_encode(name), value, &mut out);
    }
    out
}

/// PHP's `rawurlencode` on bytes. The legacy check decodes before encoding, and a decoded
/// `%FF` is the byte 0xFF, not text: sync-core's [`percent_encode`] takes `&str`, so this one
/// path keeps a byte-level copy of the same set.
const RAWURLENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The legacy API's `str_replace('%', '%25', rawurlencode(rawurldecode($x)))`.
fn legacy_encode(value: &str) -> String {
    let decoded: Vec<u8> = percent_encoding::percent_decode_str(value).collect();
    percent_encoding::percent_encode(&decoded, RAWURLENCODE)
        .to_string()
        .replace('%', "%25")
}

fn legacy_v1_v2_pairs(query: &PhpQuery) -> Result<Vec<String>, QueryError> {
    let mut flat: Vec<(String, String)> = Vec::new();
    for (name, value) in query.entries() {
        match (name.as_str(), value) {
            (_, PhpValue::Scalar(v)) => flat.push((legacy_encode(name), legacy_encode(v))),
            // The only array the v1/v2 check flattens (`filter[k]`, one level).
            ("filter", PhpValue::Array(items)) => {
                for (inner, v) in items {
                    let PhpValue::Scalar(v) = v else {
                        return Err(legacy_array_error(
                            name,
                            "v1/v2 accept one level of `filter[…]`",
                        ));
                    };
                    flat.push((legacy_encode(&format!("filter[{inner}]")), legacy_encode(v)));
                }
            }
            _ => {
                return Err(legacy_array_error(
                    name,
                    "the legacy v1/v2 API cannot sign an array other than `filter[…]`",
                ));
            }
        }
    }
    // v1/v2 sort after encoding.
    flat.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    Ok(flat
        .into_iter()
        .map(|(k, v)| format!("{k}%3D{v}"))
        .collect())
}

fn legacy_v3_pairs(query: &PhpQuery) -> Result<Vec<String>, QueryError> {
    let mut out = Vec::new();
    for (name, value) in sorted_by_raw_name(query) {
        let key = legacy_encode(name);
        match value {
            PhpValue::Scalar(v) => out.push(format!("{key}%3D{}", legacy_encode(v))),
            PhpValue::Array(items) => {
                for (inner, v) in items {
                    let PhpValue::Scalar(v) = v else {
                        return Err(legacy_array_error(
                            name,
                            "the legacy v3 API signs one level of arrays",
                        ));
                    };
                    // The inner key is not encoded at all by the v3 check.
                    out.push(format!("{key}%255B{inner}%255D%3D{}", legacy_encode(v)));
                }
            }
        }
    }
    Ok(out)
}

fn legacy_array_error(name: &str, reason: &str) -> QueryError {
    QueryError {
        name: name.to_string(),
        reason: reason.to_string(),
    }
}

/// `base64(HMAC(base_string, consumer_secret + "&"))`: the `oauth_signature` value under the
/// REST API's rules.
pub fn sign_base_string(
    base_string: &str,
    consumer_secret: &SecretString,
    method: SignatureMethod,
) -> String {
    sign_base_string_for(SigningRules::Rest, base_string, consumer_secret, method)
}

/// [`sign_base_string`] under the given server's rules: the legacy v1/v2 API keys the HMAC with
/// the bare consumer secret, every other version with `secret&`.
pub fn sign_base_string_for(
    rules: SigningRules,
    base_string: &str,
    consumer_secret: &SecretString,
    method: SignatureMethod,
) -> String {
    let mut key = consumer_secret.expose_secret().to_string();
    if rules != SigningRules::LegacyV1V2 {
        key.push('&');
    }
    sign(method, key.as_bytes(), base_string)
}

/// The `oauth_*` parameters that sign a request whose PHP parameters (query, plus a form
/// body's fields) are `params`: consumer key, nonce, method, timestamp, and the signature last.
pub(crate) fn oauth_params(
    rules: SigningRules,
    method: &str,
    base_uri: &str,
    params: &[(String, String)],
    credentials: &Credentials,
    signature_method: SignatureMethod,
    stamp: &OAuthStamp,
) -> Result<Vec<(String, String)>, QueryError> {
    let mut oauth = vec![
        (
            "oauth_consumer_key".to_string(),
            credentials.consumer_key.expose_secret().to_string(),
        ),
        ("oauth_nonce".into(), stamp.nonce.clone()),
        (
            "oauth_signature_method".into(),
            signature_method.as_str().into(),
        ),
        ("oauth_timestamp".into(), stamp.timestamp.to_string()),
    ];
    let mut all = params.to_vec();
    all.extend(oauth.iter().cloned());
    let base = signature_base_string_for(rules, method, base_uri, &all)?;
    let signature =
        sign_base_string_for(rules, &base, &credentials.consumer_secret, signature_method);
    oauth.push(("oauth_signature".into(), signature));
    Ok(oauth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha1_matches_rfc_2202() {
        // RFC 2202 test case 2 (digest effcdf6a…7c79), to pin the SHA-1 wiring.
        assert_eq!(
            sign(
                SignatureMethod::HmacSha1,
                b"Jefe",
                "what do ya want for nothing?"
            ),
            "7/zfauXrL6LSdBbV8YTfnCWafHk="
        );
    }

    #[test]
    fn legacy_encoding_works_on_decoded_bytes() {
        // rawurldecode("%FF") is the byte 0xFF; rawurlencode gives `%FF` back, then `%` doubles.
        assert_eq!(legacy_encode("%FF"), "%25FF");
        assert_eq!(legacy_encode("a b%20c"), "a%2520b%2520c");
    }

    #[test]
    fn encoding_is_php_rawurlencode() {
        assert_eq!(percent_encode("AZaz09-_.~"), "AZaz09-_.~");
        assert_eq!(percent_encode(" !*'()"), "%20%21%2A%27%28%29");
        assert_eq!(percent_encode("100%"), "100%25");
        assert_eq!(percent_encode("€"), "%E2%82%AC");
    }
}
