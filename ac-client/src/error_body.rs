//! [`ApiErrorBody`]: ActiveCampaign's error bodies, whatever shape they come in.
//!
//! | shape | seen on |
//! | --- | --- |
//! | `{"errors":[{"title","detail","code","source":{"pointer"}}]}` | 422 validation (duplicate email, bad field) |
//! | `{"errors":[{"status":404,"title","detail"}]}` | 404 on a missing record |
//! | `{"message":"No Result found for Subscriber with id 1"}` | 404 on some older endpoints |
//! | `{"success":0,"message":"…","failureReasons":[…]}` | 400 from the bulk importer |
//! | `{"error":"…"}` | gateway / auth layers |
//! | `{}` or an empty body | 400 with nothing to say |
//! | plain text or HTML | 429 throttling, 503 maintenance, proxies, a wrong base URL |
//!
//! plus "success" answers that are failures (`200` with `"succeeded":0` or `"success":0`).

use std::fmt;

use serde_json::Value;
use sync_core::Redactor;

/// One entry of an `{"errors":[…]}` body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiErrorItem {
    /// Short title (`"Email address already exists in the system"`).
    pub title: String,
    /// Longer detail, often empty.
    pub detail: String,
    /// Machine code (`"duplicate"`, `"field_missing"`), when given.
    pub code: Option<String>,
    /// The HTTP status repeated in the body, when given.
    pub status: Option<u16>,
    /// JSON pointer of the offending input (`/data/attributes/email`), when given.
    pub pointer: Option<String>,
}

impl fmt::Display for ApiErrorItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.title.is_empty() {
            "(no title)"
        } else {
            &self.title
        })?;
        if !self.detail.is_empty() && self.detail != self.title {
            write!(f, ": {}", self.detail)?;
        }
        if let Some(code) = &self.code {
            write!(f, " [{code}]")?;
        }
        if let Some(pointer) = &self.pointer {
            write!(f, " at {pointer}")?;
        }
        Ok(())
    }
}

/// One contact the bulk importer refused, named by its position in the request's `contacts`
/// array (0-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedContact {
    /// The contact's index in the request's `contacts` array.
    pub index: usize,
    /// ActiveCampaign's reason (`failureReason`).
    pub reason: String,
}

/// The message ActiveCampaign's bulk importer answers with HTTP 400 when its per-minute limits
/// are exceeded (not a 429).
const BULK_RATE_LIMIT_MESSAGE: &str = "rate limit exceeded";

/// A vendor error body, whatever shape it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiErrorBody {
    /// `{"errors":[…]}`.
    Errors(Vec<ApiErrorItem>),
    /// `{"message":…}`, `{"error":…}`, or the bulk importer's
    /// `{"success":0,"message":…,"failureReasons":[…]}`.
    Message {
        /// The message.
        message: String,
        /// The bulk importer's reasons, one per problem, as text.
        failure_reasons: Vec<String>,
        /// The bulk importer's reasons that name a contact by its position in the request
        /// (`{"contact":230,"failureReason":"…"}`), in the order given.
        failed_contacts: Vec<FailedContact>,
    },
    /// `{}`, `[]` or no body at all.
    Empty,
    /// A body that is not JSON (plain text, HTML): its first 512 characters.
    Text(String),
}

/// `{"contact":230,"failureReason":"…"}` (the index may come as a number or a numeric string).
fn failed_contact(v: &Value) -> Option<FailedContact> {
    let index = match v.get("contact")? {
        Value::Number(n) => usize::try_from(n.as_u64()?).ok()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    let reason = v
        .get("failureReason")
        .or_else(|| v.get("reason"))
        .map(text_of)
        .unwrap_or_default();
    Some(FailedContact { index, reason })
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

impl ApiErrorBody {
    /// Read an error body of any known shape. (Errors of a [`Client`](crate::Client) hold
    /// bodies read with [`parse_redacted`](Self::parse_redacted).)
    pub fn parse(body: &[u8]) -> ApiErrorBody {
        Self::parse_redacted(body, &Redactor::new())
    }

    /// Read an error body of any known shape with every credential masked: the values of
    /// secret names at any depth and the secrets `redactor` holds, wherever a server echoed
    /// them (a JSON `message`, a plain-text body, an object of request headers).
    pub fn parse_redacted(body: &[u8], redactor: &Redactor) -> ApiErrorBody {
        if body.iter().all(|b| b.is_ascii_whitespace()) {
            return ApiErrorBody::Empty;
        }
        let mut value: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(_) => {
                // Masked whole before cutting, so no secret is cut in two and left readable.
                let text = redactor.text(&String::from_utf8_lossy(body));
                let excerpt: String = text.trim().chars().take(512).collect();
                return ApiErrorBody::Text(excerpt);
            }
        };
        redactor.json(&mut value);
        Self::from_value(&value)
    }

    fn from_value(value: &Value) -> ApiErrorBody {
        let Value::Object(map) = value else {
            return match value {
                Value::Array(a) if a.is_empty() => ApiErrorBody::Empty,
                Value::String(s) => ApiErrorBody::Message {
                    message: s.clone(),
                    failure_reasons: Vec::new(),
                    failed_contacts: Vec::new(),
                },
                other => ApiErrorBody::Text(other.to_string()),
            };
        };
        if let Some(Value::Array(errors)) = map.get("errors") {
            let items = errors
                .iter()
                .map(|e| match e {
                    Value::Object(o) => ApiErrorItem {
                        title: o.get("title").map(text_of).unwrap_or_default(),
                        detail: o.get("detail").map(text_of).unwrap_or_default(),
                        code: o.get("code").map(text_of).filter(|s| !s.is_empty()),
                        status: o.get("status").and_then(|s| match s {
                            Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
                            Value::String(s) => s.trim().parse().ok(),
                            _ => None,
                        }),
                        pointer: o
                            .get("source")
                            .and_then(|s| s.get("pointer"))
                            .map(text_of)
                            .filter(|s| !s.is_empty()),
                    },
                    other => ApiErrorItem {
                        title: text_of(other),
                        ..Default::default()
                    },
                })
                .collect();
            return ApiErrorBody::Errors(items);
        }
        let message = ["message", "error", "result_message"]
            .iter()
            .find_map(|k| map.get(*k))
            .map(text_of);
        let failed_contacts: Vec<FailedContact> = match map.get("failureReasons") {
            Some(Value::Array(a)) => a.iter().filter_map(failed_contact).collect(),
            _ => Vec::new(),
        };
        let failure_reasons: Vec<String> = match map.get("failureReasons") {
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| match failed_contact(v) {
                    Some(c) => format!("contact #{}: {}", c.index, c.reason),
                    None => text_of(v),
                })
                .collect(),
            Some(Value::Object(o)) => o
                .iter()
                .map(|(k, v)| format!("{k}: {}", text_of(v)))
                .collect(),
            Some(Value::Null) | None => Vec::new(),
            Some(other) => vec![text_of(other)],
        };
        match message {
            Some(message) => ApiErrorBody::Message {
                message,
                failure_reasons,
                failed_contacts,
            },
            None if !failure_reasons.is_empty() => ApiErrorBody::Message {
                message: String::new(),
                failure_reasons,
                failed_contacts,
            },
            None if map.is_empty() => ApiErrorBody::Empty,
            None => ApiErrorBody::Text(value.to_string().chars().take(512).collect()),
        }
    }

    /// A failure hidden in a 2xx body: `"succeeded":0` or `"success":0`.
    pub(crate) fn from_success_body(body: &[u8], redactor: &Redactor) -> Option<ApiErrorBody> {
        let mut value: Value = serde_json::from_slice(body).ok()?;
        let flag = value.get("succeeded").or_else(|| value.get("success"))?;
        let failed = match flag {
            Value::Number(n) => n.as_i64() == Some(0),
            Value::Bool(b) => !b,
            Value::String(s) => s.trim() == "0",
            _ => false,
        };
        if !failed {
            return None;
        }
        redactor.json(&mut value);
        Some(match Self::from_value(&value) {
            ApiErrorBody::Empty => ApiErrorBody::Message {
                message: "the API reported failure without a message".into(),
                failure_reasons: Vec::new(),
                failed_contacts: Vec::new(),
            },
            other => other,
        })
    }

    /// Whether the body is one ActiveCampaign's application wrote (JSON with errors or a
    /// message), as opposed to a gateway's page or nothing.
    pub fn is_vendor_json(&self) -> bool {
        matches!(self, ApiErrorBody::Errors(_) | ApiErrorBody::Message { .. })
    }

    /// Whether this is the bulk importer's throttling answer
    /// (`{"success":0,"message":"Rate limit exceeded."}`, sent with HTTP 400).
    pub fn is_rate_limit_exceeded(&self) -> bool {
        matches!(self, ApiErrorBody::Message { message, .. }
            if message.trim().to_ascii_lowercase().starts_with(BULK_RATE_LIMIT_MESSAGE))
    }

    /// The contacts the bulk importer named as failing, by their index in the request.
    pub fn failed_contacts(&self) -> &[FailedContact] {
        match self {
            ApiErrorBody::Message {
                failed_contacts, ..
            } => failed_contacts,
            _ => &[],
        }
    }

    /// The `{"errors":[…]}` items, if that was the shape.
    pub fn items(&self) -> &[ApiErrorItem] {
        match self {
            ApiErrorBody::Errors(items) => items,
            _ => &[],
        }
    }

    /// Whether any item carries `code` (for example `"duplicate"`).
    pub fn has_code(&self, code: &str) -> bool {
        self.items().iter().any(|i| {
            i.code
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(code))
        })
    }
}

impl fmt::Display for ApiErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiErrorBody::Errors(items) if items.is_empty() => f.write_str("(empty errors list)"),
            ApiErrorBody::Errors(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{item}")?;
                }
                Ok(())
            }
            ApiErrorBody::Message {
                message,
                failure_reasons,
                ..
            } => {
                f.write_str(if message.is_empty() {
                    "(no message)"
                } else {
                    message
                })?;
                if !failure_reasons.is_empty() {
                    write!(f, " ({})", failure_reasons.join("; "))?;
                }
                Ok(())
            }
            ApiErrorBody::Empty => f.write_str("(empty body)"),
            ApiErrorBody::Text(t) => write!(f, "non-JSON body: {t}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_parses() {
        let b = ApiErrorBody::parse(
            br#"{"errors":[{"title":"Email address already exists in the system","detail":"","code":"duplicate","source":{"pointer":"/data/attributes/email"}}]}"#,
        );
        assert!(b.has_code("duplicate"));
        assert_eq!(
            b.to_string(),
            "Email address already exists in the system [duplicate] at /data/attributes/email"
        );
        let b = ApiErrorBody::parse(
            br#"{"errors":[{"status":404,"title":"Not Found","detail":"Contact not found"}]}"#,
        );
        assert_eq!(b.items()[0].status, Some(404));
        assert_eq!(b.to_string(), "Not Found: Contact not found");
        let b = ApiErrorBody::parse(br#"{"message":"No Result found for Subscriber with id 1"}"#);
        assert!(b.is_vendor_json());
        assert_eq!(b.to_string(), "No Result found for Subscriber with id 1");
        assert_eq!(ApiErrorBody::parse(b"{}"), ApiErrorBody::Empty);
        assert_eq!(ApiErrorBody::parse(b""), ApiErrorBody::Empty);
        let b = ApiErrorBody::parse(
            br#"{"success":0,"message":"Invalid contact data","failureReasons":["contact 3: email is invalid"]}"#,
        );
        assert_eq!(
            b.to_string(),
            "Invalid contact data (contact 3: email is invalid)"
        );
        let b = ApiErrorBody::parse(
            br#"{"success":0,"message":"Request validation failed","failureReasons":[{"contact":230,"failureReason":"Invalid email address"}]}"#,
        );
        assert_eq!(
            b.failed_contacts(),
            [FailedContact {
                index: 230,
                reason: "Invalid email address".into()
            }]
        );
        assert!(!b.is_rate_limit_exceeded());
        assert_eq!(
            b.to_string(),
            "Request validation failed (contact #230: Invalid email address)"
        );
        let b = ApiErrorBody::parse(
            br#"{"success":0,"message":"Rate limit exceeded.","failureReasons":[]}"#,
        );
        assert!(b.is_rate_limit_exceeded() && b.failed_contacts().is_empty());
        let b = ApiErrorBody::parse(b"<html>Too Many Requests</html>");
        assert_eq!(
            b,
            ApiErrorBody::Text("<html>Too Many Requests</html>".into())
        );
        assert!(!b.is_vendor_json());
        let b = ApiErrorBody::parse(br#"{"error":"Invalid credentials"}"#);
        assert_eq!(b.to_string(), "Invalid credentials");
    }

    #[test]
    fn bodies_are_read_through_the_redactor() {
        let r = Redactor::new()
            .secret_name("api-token")
            .secret_value("4f2a9c1be07d5a3f8e6b");
        let b = ApiErrorBody::parse_redacted(
            br#"{"message":"GET /api/3/contacts/1
api-token: 4f2a9c1be07d5a3f8e6b"}"#,
            &r,
        );
        assert!(!b.to_string().contains("4f2a9c1be07d5a3f8e6b"), "{b}");
        let b = ApiErrorBody::parse_redacted(
            b"Api-Token: 4f2a9c1be07d5a3f8e6b
",
            &r,
        );
        assert!(!b.to_string().contains("4f2a9c1be07d5a3f8e6b"), "{b}");
    }

    #[test]
    fn failed_success_bodies() {
        let r = Redactor::new();
        assert!(ApiErrorBody::from_success_body(br#"{"succeeded":0}"#, &r).is_some());
        assert!(ApiErrorBody::from_success_body(br#"{"success":"0","message":"x"}"#, &r).is_some());
        assert!(ApiErrorBody::from_success_body(br#"{"success":1}"#, &r).is_none());
        assert!(ApiErrorBody::from_success_body(br#"{"contact":{}}"#, &r).is_none());
        assert!(ApiErrorBody::from_success_body(b"not json", &r).is_none());
    }
}
