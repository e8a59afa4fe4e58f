//! [`EchoResponder`]: a server that echoes the request, credentials included, in its answer.

use serde_json::{Map, Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

/// How an [`EchoResponder`] echoes the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EchoShape {
    /// `{"message": "<METHOD> <url with query>\n<name: value>\n…\n<body>", "code": "echo"}`:
    /// the request inside a vendor-style error message string.
    JsonMessage,
    /// `text/plain`: `<METHOD> <url>`, then one `name: value` line per header
    /// (`Authorization: Bearer …` included), a blank line, and the body.
    PlainText,
    /// `{"error": "denied", "headers": {<name>: <value>, …}, "query": {<key>: <value>, …},
    /// "body": "<body>"}`: the request as a JSON object.
    HeaderObject,
}

/// A `wiremock` responder that answers with `status` and the request echoed back in the chosen
/// [`EchoShape`], or a redirect whose `Location` is given. Canary tests mount it to prove that
/// a client's errors, logs and dead letters never show what the server echoed.
///
/// ```
/// use sync_core::testing::{EchoResponder, EchoShape};
/// use wiremock::{Mock, matchers::any};
///
/// let echo_401 = Mock::given(any()).respond_with(EchoResponder::new(401, EchoShape::PlainText));
/// let redirect = Mock::given(any())
///     .respond_with(EchoResponder::redirect("https://shop.test/wp-json/?consumer_key=ck_canary"));
/// # let _ = (echo_401, redirect);
/// ```
#[derive(Debug, Clone)]
pub struct EchoResponder {
    status: u16,
    answer: Answer,
}

#[derive(Debug, Clone)]
enum Answer {
    Echo(EchoShape),
    Redirect(String),
}

impl EchoResponder {
    /// Answer `status` with the request echoed in `shape`.
    pub fn new(status: u16, shape: EchoShape) -> Self {
        EchoResponder {
            status,
            answer: Answer::Echo(shape),
        }
    }

    /// Answer `302 Found` with this `Location` (and the request echoed as a
    /// [`EchoShape::JsonMessage`] body).
    pub fn redirect(location: impl Into<String>) -> Self {
        EchoResponder {
            status: 302,
            answer: Answer::Redirect(location.into()),
        }
    }

    /// Answer with this status instead (e.g. 301 or 307 for a redirect).
    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }
}

impl Respond for EchoResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let answer = ResponseTemplate::new(self.status);
        match &self.answer {
            Answer::Redirect(location) => answer
                .insert_header("location", location.as_str())
                .set_body_json(json_message(request)),
            Answer::Echo(EchoShape::JsonMessage) => answer.set_body_json(json_message(request)),
            Answer::Echo(EchoShape::PlainText) => {
                answer.set_body_raw(plain_text(request), "text/plain; charset=utf-8")
            }
            Answer::Echo(EchoShape::HeaderObject) => answer.set_body_json(header_object(request)),
        }
    }
}

/// `name: value` for every header, repeated names joined with `, `.
fn header_lines(request: &Request) -> Vec<String> {
    let mut lines: Vec<(String, String)> = Vec::new();
    for (name, value) in &request.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match lines.iter_mut().find(|(n, _)| n == name.as_str()) {
            Some((_, joined)) => {
                joined.push_str(", ");
                joined.push_str(&value);
            }
            None => lines.push((name.as_str().to_string(), value)),
        }
    }
    lines
        .into_iter()
        .map(|(name, value)| format!("{name}: {value}"))
        .collect()
}

fn body_text(request: &Request) -> String {
    String::from_utf8_lossy(&request.body).into_owned()
}

fn plain_text(request: &Request) -> String {
    format!(
        "{} {}\n{}\n\n{}",
        request.method,
        request.url,
        header_lines(request).join("\n"),
        body_text(request)
    )
}

fn json_message(request: &Request) -> Value {
    json!({ "message": plain_text(request), "code": "echo" })
}

fn header_object(request: &Request) -> Value {
    let mut headers = Map::new();
    for line in header_lines(request) {
        if let Some((name, value)) = line.split_once(": ") {
            headers.insert(name.to_string(), Value::String(value.to_string()));
        }
    }
    let query: Map<String, Value> = request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect();
    json!({
        "error": "denied",
        "headers": headers,
        "query": query,
        "body": body_text(request),
    })
}
