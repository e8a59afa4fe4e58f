//! [`WebhookError`]: why a delivery was refused or could not be read.

/// Why a delivery was refused or could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// No signature header, and the body is not a creation ping: refuse it (401).
    #[error(
        "no X-WC-Webhook-Signature header, and the body is not a webhook creation ping: refusing an unsigned delivery"
    )]
    MissingSignature,
    /// The signature header is not base64 of a SHA-256 digest (401).
    #[error("X-WC-Webhook-Signature is not a base64 HMAC-SHA256 value")]
    MalformedSignature,
    /// The signature does not match the body (401).
    #[error("X-WC-Webhook-Signature does not match the body: {hint}")]
    SignatureMismatch {
        /// The usual causes.
        hint: &'static str,
    },
    /// A signed delivery lacks a header it needs to be parsed (permanent: the delivery is
    /// accepted and stored, then dead-lettered by the worker with this reason).
    #[error("signed delivery has no {0} header")]
    MissingHeader(&'static str),
    /// The signed body does not parse as the payload its topic promises. The delivery is
    /// authentic: keep the raw body and investigate rather than dropping it.
    #[error("{topic} payload does not parse at `{path}`: {message}")]
    Payload {
        /// The topic.
        topic: String,
        /// The JSON path of the first mismatch.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// The unsigned `X-WC-Webhook-Topic` header names another kind of record than the signed
    /// body is. The body is authentic but the header was changed on the way (or by a plugin
    /// filter): never process it as the header says. Permanent; dead-letter it.
    #[error(
        "X-WC-Webhook-Topic is {topic}, but the signed body is {body_is}: refusing to process it as {topic}"
    )]
    TopicMismatch {
        /// The topic header.
        topic: String,
        /// What the body's shape says it is.
        body_is: String,
    },
}

impl WebhookError {
    /// `true` when processing this delivery again can never succeed (its bytes never change):
    /// record it as a dead letter with [`Display`](std::fmt::Display) as the reason.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            WebhookError::Payload { .. }
                | WebhookError::TopicMismatch { .. }
                | WebhookError::MissingHeader(_)
        )
    }

    /// The status to answer with: 401 for authentication failures, 400 otherwise.
    pub fn status_code(&self) -> u16 {
        match self {
            WebhookError::MissingSignature
            | WebhookError::MalformedSignature
            | WebhookError::SignatureMismatch { .. } => 401,
            _ => 400,
        }
    }
}
