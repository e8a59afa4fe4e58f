//! Shared helpers for the integration tests: clients pointed at a wiremock server, fixtures.
#![allow(dead_code)]

use chatwoot_client::{
    ApplicationClient, ApplicationToken, ClientOptions, PlatformClient, PlatformToken,
};
use serde_json::Value;
use sync_core::retry::NoRetry;
use wiremock::MockServer;

pub const ACCOUNT: u64 = 1;
pub const APP_TOKEN: &str = "app-token-SECRET-9f8e7d";
pub const PLATFORM_TOKEN: &str = "platform-token-SECRET-1a2b3c";

/// An Application client for `server`, with no retries and no client-side rate limit, so
/// tests see each answer once.
pub fn app(server: &MockServer) -> ApplicationClient {
    ApplicationClient::builder(server.uri())
        .account_id(ACCOUNT)
        .credentials(ApplicationToken::new(APP_TOKEN))
        .options(ClientOptions::new().retry_policy(NoRetry).no_rate_limit())
        .build()
        .expect("client builds")
}

/// A Platform client for `server`, with no retries.
pub fn platform(server: &MockServer) -> PlatformClient {
    PlatformClient::builder(server.uri())
        .credentials(PlatformToken::new(PLATFORM_TOKEN))
        .options(ClientOptions::new().retry_policy(NoRetry).no_rate_limit())
        .build()
        .expect("client builds")
}

/// `/api/v1/accounts/1/{rest}`.
pub fn app_path(rest: &str) -> String {
    format!("/api/v1/accounts/{ACCOUNT}/{rest}")
}

pub fn fixture_text(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn fixture(name: &str) -> Value {
    serde_json::from_str(&fixture_text(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A contact JSON object as Chatwoot lists it.
pub fn contact_json(id: u64, email: &str, identifier: Option<&str>) -> Value {
    serde_json::json!({
        "additional_attributes": {},
        "availability_status": "offline",
        "email": email,
        "id": id,
        "name": format!("Contact {id}"),
        "phone_number": null,
        "blocked": false,
        "identifier": identifier,
        "thumbnail": "",
        "custom_attributes": {},
        "last_activity_at": 1714557600,
        "created_at": 1709294400
    })
}

/// Strip `//` comments (outside strings) and trailing commas from the docs' commented JSON.
pub fn strip_jsonc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    let mut escaped = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '/' if chars.peek() == Some(&'/') => {
                for skipped in chars.by_ref() {
                    if skipped == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            _ => out.push(c),
        }
    }
    // Drop commas that directly precede a closing bracket.
    let mut cleaned = String::with_capacity(out.len());
    let bytes: Vec<char> = out.chars().collect();
    for (i, &c) in bytes.iter().enumerate() {
        if c == ',' {
            let next = bytes[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                continue;
            }
        }
        cleaned.push(c);
    }
    cleaned
}
