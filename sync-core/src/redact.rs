//! One redaction path for everything we print: error text, logs and dead-letter reasons.
//!
//! A [`Redactor`] knows two things: the *names* under which a vendor carries credentials (query
//! keys, header names, form fields, JSON keys — registered by each client crate, sync-core keeps
//! no vendor's names) and the *values* of the secrets a client actually holds (its token, its
//! consumer secret, an admin token issued at run time). [`Redactor::text`] masks both, so a
//! server that echoes the request back in an error body cannot put a credential into an error,
//! a log line or a dead letter.
//!
//! ```
//! use sync_core::redact::Redactor;
//!
//! let redactor = Redactor::new()
//!     .secret_name("x-api-key")
//!     .secret_value("ck_live_0123456789");
//! let echoed = r#"401: {"headers":{"X-Api-Key":"other-key"},"url":"/orders?consumer_key=ck_live_0123456789"}"#;
//! let shown = redactor.text(echoed);
//! assert!(!shown.contains("other-key") && !shown.contains("ck_live_0123456789"), "{shown}");
//! ```

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use serde_json::{Map, Value};

/// What stands in place of a secret.
pub const REDACTED: &str = "[REDACTED]";

/// Names that carry a credential in some API or other, matched case-insensitively as a whole
/// name (query key, header, form field or JSON key). Vendor-specific names are registered by
/// the client crates with [`Redactor::secret_name`].
pub const GENERIC_SECRET_NAMES: &[&str] = &[
    "access_token",
    "api_key",
    "apikey",
    "api-key",
    "api_token",
    "api-token",
    "api_access_token",
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "client_secret",
    // OAuth 1.0a (RFC 5849) and the `consumer_*` query-string form several shops accept.
    "consumer_key",
    "consumer_secret",
    "oauth_consumer_key",
    "oauth_token",
    "key",
    "oauth_signature",
    "password",
    "secret",
    "signature",
    "token",
    "x-api-key",
    "x-auth-token",
];

/// Values shorter than this are not masked by value (they would mask ordinary words); their
/// names still are.
const MIN_VALUE_LEN: usize = 6;

/// Bodies up to this size are parsed as JSON whole for an [`Redactor::excerpt`]; larger ones
/// are cut first and redacted as text.
const FULL_EXCERPT_BYTES: usize = 64 * 1024;

/// Bytes kept past an excerpt's end before redacting, so `Bearer `, a name or a value that
/// starts inside the excerpt is seen whole.
const EXCERPT_MARGIN: usize = 256;

static ENABLED: AtomicBool = AtomicBool::new(true);

/// Switch every redactor in the process off (`false`) or on again. For canary tests only: they
/// prove that they would see a leak by switching redaction off once and expecting one.
#[doc(hidden)]
pub fn set_enabled_for_canary_tests(enabled: bool) {
    ENABLED.store(enabled, Ordering::SeqCst);
}

fn enabled() -> bool {
    ENABLED.load(Ordering::SeqCst)
}

#[derive(Default)]
struct Secrets {
    /// Lower-cased names.
    names: Vec<String>,
    /// Secret values as held, plus their percent-encoded and JSON-escaped forms.
    values: Vec<String>,
}

/// Masks credentials in text, JSON and URLs. Cheap to clone; clones share the registered
/// secrets, so a value added later (an admin token issued at run time) is masked by every clone.
///
/// `Debug` shows how many names and values it holds, never the values.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Secrets>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secrets = self.read();
        f.debug_struct("Redactor")
            .field("names", &secrets.names)
            .field("values", &format_args!("{} masked", secrets.values.len()))
            .finish()
    }
}

impl Redactor {
    /// A redactor that knows only the [generic names](GENERIC_SECRET_NAMES).
    pub fn new() -> Self {
        Self::default()
    }

    /// Also treat `name` (query key, header, form field or JSON key; any case) as a credential.
    pub fn secret_name(self, name: impl Into<String>) -> Self {
        self.add_name(&name.into());
        self
    }

    /// [`secret_name`](Self::secret_name) for several names.
    pub fn secret_names<I, S>(self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        for name in names {
            self.add_name(&name.into());
        }
        self
    }

    /// Mask this secret value wherever it appears (as is, percent-encoded or JSON-escaped).
    pub fn secret_value(self, value: &str) -> Self {
        self.add_value(value);
        self
    }

    /// Register a secret name on a shared redactor (every clone sees it).
    pub fn add_name(&self, name: &str) {
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() {
            return;
        }
        let mut secrets = self.write();
        if !secrets.names.contains(&name) {
            secrets.names.push(name);
        }
    }

    /// Register a secret value on a shared redactor (every clone masks it from now on). Values
    /// shorter than six characters are masked only under their names.
    pub fn add_value(&self, value: &str) {
        if value.chars().count() < MIN_VALUE_LEN {
            return;
        }
        let forms = [
            value.to_string(),
            percent_encode(value),
            lowercase_escapes(&percent_encode(value)),
            form_encode(value),
            serde_json::to_string(value)
                .map(|s| s.trim_matches('"').to_string())
                .unwrap_or_default(),
            value.replace('/', "\\/"),
        ];
        let mut secrets = self.write();
        for form in forms {
            if form.len() >= MIN_VALUE_LEN && !secrets.values.contains(&form) {
                secrets.values.push(form);
            }
        }
        // Longest first, so a value that contains another is masked whole.
        secrets.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    /// Whether `name` carries a credential: a generic or registered name, or a JSON key that
    /// looks like one (`imap_password`, `hmac_token`, …).
    pub fn is_secret_name(&self, name: &str) -> bool {
        let lower = name.trim().to_ascii_lowercase();
        GENERIC_SECRET_NAMES.contains(&lower.as_str())
            || self.read().names.contains(&lower)
            || looks_like_secret_key(&lower)
    }

    /// `text` with every registered secret value masked and the values after secret names
    /// (`name=value`, `name: value`, `"name":"value"`) and after `Bearer`/`Basic`/`Token`
    /// authorization schemes replaced by [`REDACTED`].
    pub fn text(&self, text: &str) -> String {
        if !enabled() {
            return text.to_string();
        }
        // Names first: `OAuth oauth_consumer_key="…"` and `Token token="…"` carry their
        // credentials as named parameters, which the scheme rule would step over.
        let mut out = self.mask_values(text);
        out = self.mask_named(&out);
        out = mask_auth_schemes(&out);
        out
    }

    /// Replace, at any depth, the values of secret names with [`REDACTED`], and mask secret
    /// values inside every string.
    pub fn json(&self, value: &mut Value) {
        if !enabled() {
            return;
        }
        match value {
            Value::Object(map) => self.json_map(map),
            Value::Array(items) => items.iter_mut().for_each(|v| self.json(v)),
            Value::String(s) => *s = self.text(s),
            _ => {}
        }
    }

    fn json_map(&self, map: &mut Map<String, Value>) {
        for (key, value) in map.iter_mut() {
            if self.is_secret_name(key) {
                if !value.is_null() {
                    *value = Value::String(REDACTED.into());
                }
            } else {
                self.json(value);
            }
        }
    }

    /// At most `max` characters of a response body (then `…`), redacted: JSON through
    /// [`json`](Self::json), anything else through [`text`](Self::text).
    ///
    /// A body over 64 KiB is cut before it is redacted, so printing an error never scans
    /// megabytes: the cut keeps `max` characters plus the longest registered value and a margin,
    /// so a secret that starts inside the excerpt is still whole when it is masked.
    pub fn excerpt(&self, body: &[u8], max: usize) -> String {
        if body.len() <= FULL_EXCERPT_BYTES
            && let Ok(mut value) = serde_json::from_slice::<Value>(body)
        {
            self.json(&mut value);
            return truncate(value.to_string(), max);
        }
        let longest_value = self.read().values.first().map_or(0, String::len);
        let keep = max
            .saturating_mul(4)
            .saturating_add(longest_value)
            .saturating_add(EXCERPT_MARGIN);
        let head = &body[..body.len().min(keep)];
        truncate(self.text(&String::from_utf8_lossy(head)), max)
    }

    /// A stored text that may be a JSON document (a dead letter's response, a reason holding a
    /// body): JSON through [`json`](Self::json), anything else through [`text`](Self::text),
    /// nothing truncated.
    pub fn document(&self, text: &str) -> String {
        if !enabled() {
            return text.to_string();
        }
        match serde_json::from_str::<Value>(text) {
            Ok(mut value) if value.is_object() || value.is_array() => {
                self.json(&mut value);
                value.to_string()
            }
            _ => self.text(text),
        }
    }

    /// A URL (or anything that looks like one) for printing: user-info removed, the values of
    /// secret query keys replaced, secret values masked.
    pub fn url(&self, url: &str) -> String {
        if !enabled() {
            return url.to_string();
        }
        let without_userinfo = strip_userinfo(url);
        self.text(&without_userinfo)
    }

    fn mask_values(&self, text: &str) -> String {
        let secrets = self.read();
        let mut out = text.to_string();
        for value in &secrets.values {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), REDACTED);
            }
        }
        out
    }

    fn mask_named(&self, text: &str) -> String {
        let lower = text.to_ascii_lowercase();
        let bytes = text.as_bytes();
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            // A candidate name starts at a word boundary.
            let at_boundary = i == 0 || !is_name_byte(bytes[i - 1]);
            if at_boundary && is_name_byte(bytes[i]) {
                let end = i + bytes[i..].iter().take_while(|b| is_name_byte(**b)).count();
                let name = &lower[i..end];
                if self.is_secret_name(name)
                    && let Some((value_start, value_end)) = value_after(bytes, end)
                    && (!LOOSE_NAMES.contains(&name) || is_pair(bytes, i, end))
                {
                    // `Authorization: Bearer x`: the credential is the word after the scheme.
                    // `Cookie: a=1; session=x`: every cookie, to the end of the line.
                    let value_end = if COOKIE_NAMES.contains(&name) {
                        line_end(bytes, value_end)
                    } else {
                        scheme_credential_end(&lower, bytes, value_start, value_end)
                            .unwrap_or(value_end)
                    };
                    out.push_str(&text[copied..value_start]);
                    out.push_str(REDACTED);
                    copied = value_end;
                    i = value_end;
                    continue;
                }
                i = end;
                continue;
            }
            i += 1;
        }
        out.push_str(&text[copied..]);
        out
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Secrets> {
        self.secrets.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Secrets> {
        self.secrets.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// Generic names that are also ordinary words ("Duplicate key: email", "access token: Session
/// has expired"): in running text they count only as `name=value`, a quoted name, or a header
/// line (the name starts the line).
const LOOSE_NAMES: [&str; 3] = ["key", "token", "signature"];

/// Whether the name at `start..end` is used as a name: quoted (`"key":`), followed by `=`, or
/// starting a line (`Token: …` as a header).
fn is_pair(bytes: &[u8], start: usize, end: usize) -> bool {
    let quoted = start > 0 && matches!(bytes[start - 1], b'"' | b'\'');
    let assigned = bytes[end..]
        .iter()
        .find(|b| !matches!(b, b' ' | b'"' | b'\'' | b'\\' | b']'))
        == Some(&b'=');
    let line_start = bytes[..start]
        .iter()
        .rev()
        .find(|b| !matches!(b, b' ' | b'\t'))
        .is_none_or(|b| matches!(b, b'\n' | b'\r' | b'?' | b'&' | b'{' | b','));
    quoted || assigned || line_start
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Where the value after a name starts and ends, for `name=v`, `name: v`, `"name":"v"`,
/// `name":"v"`, `'name' => 'v'`. `None` when no separator follows the name.
fn value_after(bytes: &[u8], name_end: usize) -> Option<(usize, usize)> {
    let mut i = name_end;
    // Closing quote of a quoted name, then spaces.
    while i < bytes.len() && matches!(bytes[i], b'"' | b'\'' | b'\\' | b']') {
        i += 1;
    }
    while i < bytes.len() && bytes[i] == b' ' {
        i += 1;
    }
    let sep = *bytes.get(i)?;
    match sep {
        b'=' => {
            i += 1;
            if bytes.get(i) == Some(&b'>') {
                i += 1;
            }
        }
        b':' => i += 1,
        _ => return None,
    }
    while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
        i += 1;
    }
    // A quoted value runs to its closing quote (escaped quotes included).
    if let Some(&quote) = bytes.get(i).filter(|b| matches!(**b, b'"' | b'\'')) {
        let start = i + 1;
        let mut j = start;
        while j < bytes.len() && bytes[j] != quote {
            j += if bytes[j] == b'\\' { 2 } else { 1 };
        }
        let end = j.min(bytes.len());
        return (end > start).then_some((start, end));
    }
    if let Some(b'\\') = bytes.get(i) {
        // `\"value\"` inside a JSON string.
        if bytes.get(i + 1) == Some(&b'"') {
            let start = i + 2;
            let mut j = start;
            while j < bytes.len() && !(bytes[j] == b'\\' && bytes.get(j + 1) == Some(&b'"')) {
                j += 1;
            }
            return (j > start).then_some((start, j));
        }
    }
    let start = i;
    let mut j = start;
    while j < bytes.len()
        && !matches!(
            bytes[j],
            b'&' | b',' | b';' | b'"' | b'\'' | b'}' | b' ' | b'\n' | b'\r' | b'\t' | b'<' | b'#'
        )
        // `token=abc: rest of the message`: the colon ends the sentence, not the token.
        && !(bytes[j] == b':' && matches!(bytes.get(j + 1), None | Some(b' ')))
    {
        j += 1;
    }
    // `Authorization: Bearer abc` keeps the scheme visible only through mask_auth_schemes.
    (j > start).then_some((start, j))
}

/// Authorization schemes whose next word is the credential. (`OAuth` and `Digest` carry
/// `name="value"` parameters, masked by their names.)
const AUTH_SCHEMES: [&str; 4] = ["bearer", "basic", "token", "negotiate"];

/// Headers that carry several `name=value` credentials separated by `;`.
const COOKIE_NAMES: [&str; 2] = ["cookie", "set-cookie"];

/// From `from`, the end of the line (or of the quoted string it sits in).
fn line_end(bytes: &[u8], from: usize) -> usize {
    from + bytes[from..]
        .iter()
        .take_while(|b| !matches!(b, b'\n' | b'\r' | b'"' | b'\\'))
        .count()
}

/// When the unquoted value `start..end` is an authorization scheme followed by a space, where
/// the credential after it ends.
fn scheme_credential_end(lower: &str, bytes: &[u8], start: usize, end: usize) -> Option<usize> {
    if !AUTH_SCHEMES.contains(&&lower[start..end]) || bytes.get(end) != Some(&b' ') {
        return None;
    }
    let from = end + 1;
    let len = bytes[from..]
        .iter()
        .take_while(|b| {
            !matches!(
                b,
                b' ' | b'"' | b'\'' | b',' | b'\n' | b'\r' | b'\\' | b'}' | b'<'
            )
        })
        .count();
    // `Token token="…"`: a parameter follows the scheme; its name rule masks the value.
    let parameter = bytes[from..from + len].contains(&b'=')
        && matches!(bytes.get(from + len), Some(b'"' | b'\''));
    (len > 0 && !parameter).then_some(from + len)
}

/// `Bearer x`, `Basic x`, `Token x`, `OAuth x` → the scheme followed by [`REDACTED`].
fn mask_auth_schemes(text: &str) -> String {
    const SCHEMES: [&str; 4] = ["bearer ", "basic ", "token ", "oauth "];
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        let at_boundary = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        // Compared as bytes: `i` may sit inside a multi-byte character.
        if at_boundary
            && let Some(scheme) = SCHEMES
                .iter()
                .find(|s| lower.as_bytes()[i..].starts_with(s.as_bytes()))
        {
            let start = i + scheme.len();
            let end = start
                + bytes[start..]
                    .iter()
                    .take_while(|b| {
                        !matches!(
                            b,
                            b' ' | b'"' | b'\'' | b',' | b'\n' | b'\r' | b'\\' | b'}' | b'<'
                        )
                    })
                    .count();
            // Only a token-shaped word is a credential: "basic plan", "token provided" and
            // "basic authentication" are prose; `oauth_consumer_key=` is a parameter name whose
            // quoted value the name rule has masked already.
            if looks_like_credential(&text[start..end]) {
                out.push_str(&text[copied..start]);
                out.push_str(REDACTED);
                copied = end;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    out
}

/// A word that can be a credential after an authorization scheme: long enough, not prose (a
/// digit, mixed case or a symbol, or very long), and not a `name=` parameter.
fn looks_like_credential(word: &str) -> bool {
    if word.len() < 8 || word == REDACTED || word.contains(REDACTED) {
        return false;
    }
    let trimmed = word.trim_end_matches('=');
    if trimmed.contains('=') || (trimmed.len() < word.len() && word.len() - trimmed.len() > 2) {
        return false;
    }
    let has_digit = word.bytes().any(|b| b.is_ascii_digit());
    let mixed_case = word.bytes().any(|b| b.is_ascii_uppercase())
        && word.bytes().any(|b| b.is_ascii_lowercase());
    let symbol = word
        .bytes()
        .any(|b| matches!(b, b'.' | b'_' | b'-' | b'+' | b'/' | b'=' | b'~' | b'%'));
    has_digit || mixed_case || symbol || word.len() >= 20
}

fn strip_userinfo(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let authority_start = scheme_end + 3;
    let authority_end = url[authority_start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| authority_start + i);
    match url[authority_start..authority_end].rfind('@') {
        Some(at) => format!(
            "{}{}",
            &url[..authority_start],
            &url[authority_start + at + 1..]
        ),
        None => url.to_string(),
    }
}

/// JSON keys that look like credentials whatever the vendor (`hmac_token`, `imap_password`,
/// `otp_secret`). Errs on the side of hiding.
fn looks_like_secret_key(lower: &str) -> bool {
    const PARTS: [&str; 8] = [
        "token",
        "secret",
        "password",
        "passwd",
        "credential",
        "private_key",
        "api_key",
        "apikey",
    ];
    PARTS.iter().any(|part| lower.contains(part))
        || lower.ends_with("_key") && (lower.contains("access") || lower.contains("signing"))
        || lower.starts_with("otp")
}

fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `%2F` → `%2f`, leaving the value's own letters as they are.
fn lowercase_escapes(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut rest = encoded;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let escape = rest.get(at..at + 3).unwrap_or(&rest[at..]);
        out.push_str(&escape.to_ascii_lowercase());
        rest = &rest[at + escape.len()..];
    }
    out.push_str(rest);
    out
}

/// `application/x-www-form-urlencoded`: a space is `+`.
fn form_encode(value: &str) -> String {
    value
        .split(' ')
        .map(percent_encode)
        .collect::<Vec<_>>()
        .join("+")
}

fn truncate(text: String, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_names_in_every_shape() {
        let r = Redactor::new().secret_name("oauth_consumer_key");
        for (input, leaked) in [
            ("GET /x?access_token=EAAB123456&page=2", "EAAB123456"),
            ("Authorization: Bearer abcdefgh12345", "abcdefgh12345"),
            (
                r#"{"headers":{"Authorization":"Basic dXNlcjpwYXNz"}}"#,
                "dXNlcjpwYXNz",
            ),
            (
                r#"{"message":"bad ?oauth_consumer_key=ck_9f8e7d6c"}"#,
                "ck_9f8e7d6c",
            ),
            ("x-api-key: 1234567890abcdef", "1234567890abcdef"),
            ("Cookie: session=abcdef123456", "abcdef123456"),
            (
                "cookie: theme=dark; wp_session=abcdef123456\nx: y",
                "abcdef123456",
            ),
            ("Authorization: Bearer short", "short"),
            ("authorization: Token t0k", "t0k"),
            ("GET /x?oauth_signature=c2lnbmF0dXJl", "c2lnbmF0dXJl"),
            (
                "422 from /x?api_token=tok12345678: email is invalid",
                "tok12345678",
            ),
            (
                r#"{"msg":"{\"api_token\":\"tok_secretvalue\"}"}"#,
                "tok_secretvalue",
            ),
        ] {
            let shown = r.text(input);
            assert!(!shown.contains(leaked), "{input} -> {shown}");
            assert!(shown.contains(REDACTED), "{input} -> {shown}");
        }
    }

    #[test]
    fn masks_values_in_their_encoded_forms() {
        let r = Redactor::new().secret_value("cs_a/b+c=d");
        let shown = r
            .text("sig over cs_a%2Fb%2Bc%3Dd and cs_a%2fb%2bc%3dd and cs_a\\/b+c=d and cs_a/b+c=d");
        assert!(!shown.contains("cs_a"), "{shown}");
    }

    #[test]
    fn multi_byte_text_is_scanned_without_panicking() {
        let r = Redactor::new();
        let shown = r.text("Échec — «Bearer abcdefgh12345» für café token=é-secret-ü");
        assert!(
            !shown.contains("abcdefgh12345") && !shown.contains("secret-ü"),
            "{shown}"
        );
        assert!(shown.starts_with("Échec — «Bearer "), "{shown}");
    }

    #[test]
    fn large_bodies_are_cut_before_redaction_without_exposing_a_secret() {
        let value = "shpat_0123456789abcdef0123456789";
        let r = Redactor::new().secret_value(value);
        // The secret starts just before the excerpt ends; the body goes on for 2 MB.
        let mut body = "x".repeat(195);
        body.push_str(&format!(" {value} Authorization: Bearer abcdefghijklmnop "));
        body.push_str(&"y".repeat(2 << 20));
        let shown = r.excerpt(body.as_bytes(), 200);
        assert!(!shown.contains("shpat_0123"), "{shown}");
        assert_eq!(shown.chars().count(), 201, "{shown}");

        let json = serde_json::json!({"pad": "z".repeat(100_000), "password": "hunter2-secret"});
        let mut big = serde_json::to_string(&json).unwrap();
        big = big.replace(r#""pad""#, r#""password":"hunter2-secret","pad""#);
        let shown = r.excerpt(big.as_bytes(), 50);
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    proptest::proptest! {
        /// Any text (any Unicode, names and schemes mixed in) is scanned without panicking, and
        /// a registered value never survives.
        #[test]
        fn any_text_is_redacted_without_panicking(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    "\\PC{0,12}",
                    proptest::strategy::Just("Bearer ".to_string()),
                    proptest::strategy::Just("access_token=".to_string()),
                    proptest::strategy::Just("\"password\": \"".to_string()),
                    proptest::strategy::Just("Cookie: ".to_string()),
                    proptest::strategy::Just("\\\"".to_string()),
                    proptest::strategy::Just("…é—".to_string()),
                ],
                0..12,
            ),
            secret in "[A-Za-z0-9_-]{6,24}",
        ) {
            let r = Redactor::new().secret_name("sig").secret_value(&secret);
            let mut text = parts.concat();
            text.push_str(&secret);
            text.push_str(&parts.concat());
            let shown = r.text(&text);
            proptest::prop_assert!(!shown.contains(&secret), "{} -> {}", text, shown);
            let _ = r.url(&text);
            let _ = r.document(&text);
            let excerpt = r.excerpt(text.as_bytes(), 7);
            proptest::prop_assert!(!excerpt.contains(&secret));
        }
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        let r = Redactor::new();
        for text in [
            "order 12 has no billing email; basic plan; page=2",
            "Duplicate key: email already exists",
            "Error validating access token: Session has expired",
            "Invalid token provided",
            "basic authentication failed",
            "The signature: does not match",
        ] {
            assert_eq!(r.text(text), text);
        }
    }

    #[test]
    fn parameterised_schemes_are_masked_by_their_names() {
        let r = Redactor::new();
        for (input, leaked) in [
            (
                r#"Authorization: OAuth oauth_consumer_key="ck_live_123456",oauth_signature="c2ln""#,
                "ck_live_123456",
            ),
            (
                r#"Authorization: Token token="tok_x_abcdef""#,
                "tok_x_abcdef",
            ),
            (
                r#"WWW: OAuth oauth_token="tokvalue99", realm="x""#,
                "tokvalue99",
            ),
            ("key=abc12345&page=2", "abc12345"),
            ("\nToken: abcdefgh1234", "abcdefgh1234"),
            (r#"{"signature":"c2lnbmF0dXJlCg"}"#, "c2lnbmF0dXJlCg"),
        ] {
            let shown = r.text(input);
            assert!(!shown.contains(leaked), "{input} -> {shown}");
        }
    }

    #[test]
    fn mixed_case_values_are_masked_with_lowercase_escapes_and_form_spaces() {
        let r = Redactor::new().secret_value("Ab/Cd Ef+Gh");
        for shown in [r.text("x=Ab%2fCd%20Ef%2bGh"), r.text("x=Ab%2FCd+Ef%2BGh")] {
            assert!(!shown.contains("Ab"), "{shown}");
        }
    }

    #[test]
    fn strips_userinfo_from_urls() {
        let r = Redactor::new();
        assert_eq!(
            r.url("https://user:pa55word@shop.test/wp-json?consumer_secret=cs_1234567"),
            "https://shop.test/wp-json?consumer_secret=[REDACTED]"
        );
    }

    #[test]
    fn debug_never_shows_values() {
        let r = Redactor::new().secret_value("hunter2-secret");
        assert!(!format!("{r:?}").contains("hunter2"));
    }
}
