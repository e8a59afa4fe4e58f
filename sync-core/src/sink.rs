//! [`Sink`]: where records go, with an answer per record.

use std::fmt::Display;
use std::time::Duration;

use async_trait::async_trait;

use crate::error::StageError;
use crate::redact::Redactor;
use crate::verdict::{Classify, PermanentKind, Verdict};

/// A record handed to a sink.
#[derive(Debug, Clone, Copy)]
pub struct SinkRecord<'a, R> {
    /// The record's natural key (use it to make writes idempotent).
    pub key: &'a str,
    /// The record.
    pub data: &'a R,
}

/// A sink's answer for one record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ack {
    /// Durably written.
    Delivered,
    /// Not written this time; try again (no sooner than `after`, when given).
    RetryLater {
        /// Why, for logs and, if retries run out, the dead letter.
        reason: String,
        /// The server's wait, if it gave one.
        after: Option<Duration>,
    },
    /// This record will never be accepted as it is: it goes to dead letters with the reason.
    Rejected {
        /// Why (which field, what the server said).
        reason: String,
        /// The server's response, if any, kept with the dead letter.
        response: Option<String>,
    },
}

impl Ack {
    /// A retry-later answer.
    pub fn retry(reason: impl Into<String>) -> Ack {
        Ack::RetryLater {
            reason: reason.into(),
            after: None,
        }
    }

    /// A rejection.
    pub fn rejected(reason: impl Into<String>) -> Ack {
        Ack::Rejected {
            reason: reason.into(),
            response: None,
        }
    }

    /// The answer for a record whose write failed with `error`, its reason being the error's
    /// `Display` through `redactor`: [`RetryLater`](Ack::RetryLater) (with the server's wait)
    /// for a transient or rate-limited error, [`Rejected`](Ack::Rejected) for a permanent one.
    /// An error that claims success is retried, never counted as delivered.
    ///
    /// A configuration error (bad credentials, wrong URL) is rejected too; a sink that should
    /// stop the run instead uses [`Ack::from_error_or_stop`].
    ///
    /// ```
    /// use sync_core::{Ack, Classify, PermanentKind, Redactor, Verdict};
    ///
    /// #[derive(Debug)]
    /// struct Refused(String);
    /// impl std::fmt::Display for Refused {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    ///         write!(f, "422 from /contacts?api_token={}: email is invalid", self.0)
    ///     }
    /// }
    /// impl Classify for Refused {
    ///     fn verdict(&self) -> Verdict { Verdict::Permanent(PermanentKind::Data) }
    /// }
    ///
    /// let ack = Ack::from_error(&Refused("tok_0123456789".into()), &Redactor::new())
    ///     .with_context("contact c-7");
    /// assert_eq!(
    ///     ack,
    ///     Ack::rejected("contact c-7: 422 from /contacts?api_token=[REDACTED]: email is invalid")
    /// );
    /// ```
    pub fn from_error<E>(error: &E, redactor: &Redactor) -> Ack
    where
        E: Classify + Display + ?Sized,
    {
        let reason = redactor.text(&error.to_string());
        match error.verdict() {
            Verdict::Permanent(_) => Ack::Rejected {
                reason,
                response: None,
            },
            verdict => Ack::RetryLater {
                reason,
                after: verdict.after(),
            },
        }
    }

    /// [`Ack::from_error`], except that a configuration error
    /// ([`PermanentKind::Config`]) becomes a [`StageError`] for the sink to return, so the run
    /// stops without dead-lettering records that are fine. The `StageError` carries the
    /// redacted text only.
    pub fn from_error_or_stop<E>(error: &E, redactor: &Redactor) -> Result<Ack, StageError>
    where
        E: Classify + Display + ?Sized,
    {
        match error.verdict() {
            verdict @ Verdict::Permanent(PermanentKind::Config) => {
                Err(StageError::new(verdict, redactor.text(&error.to_string())))
            }
            _ => Ok(Ack::from_error(error, redactor)),
        }
    }

    /// Prefix the reason with `context` (`"<context>: <reason>"`), e.g. the record's key.
    /// [`Delivered`](Ack::Delivered) is returned as it is.
    pub fn with_context(self, context: impl Display) -> Ack {
        match self {
            Ack::Delivered => Ack::Delivered,
            Ack::RetryLater { reason, after } => Ack::RetryLater {
                reason: format!("{context}: {reason}"),
                after,
            },
            Ack::Rejected { reason, response } => Ack::Rejected {
                reason: format!("{context}: {reason}"),
                response,
            },
        }
    }
}

/// Writes batches and answers per record.
///
/// Sinks must be idempotent (upserts, natural keys, idempotency keys): the engine delivers at
/// least once, so a record may arrive again after a crash or a retry.
///
/// Return `Err` only when the whole batch failed for one reason. A configuration error
/// ([`PermanentKind::Config`]) stops the run without dead-lettering
/// anything, because the records are fine and the setup is not.
#[async_trait]
pub trait Sink<R: Send + Sync>: Send + Sync {
    /// Write `batch`; answer with exactly one [`Ack`] per record, in order.
    async fn write(&self, batch: &[SinkRecord<'_, R>]) -> Result<Vec<Ack>, StageError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Failed(Verdict, &'static str);

    impl Display for Failed {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.1)
        }
    }

    impl Classify for Failed {
        fn verdict(&self) -> Verdict {
            self.0
        }
    }

    #[test]
    fn errors_become_redacted_acks_by_verdict() {
        let redactor = Redactor::new().secret_value("shpat_canary_0123");
        let wait = Some(Duration::from_secs(7));
        let text = "429 for shpat_canary_0123, Authorization: Bearer abcdefgh12345";
        let shown = "429 for [REDACTED], Authorization: [REDACTED]";

        let ack = Ack::from_error(
            &Failed(Verdict::RateLimited { after: wait }, text),
            &redactor,
        );
        assert_eq!(
            ack,
            Ack::RetryLater {
                reason: shown.into(),
                after: wait
            }
        );
        let ack = Ack::from_error(&Failed(Verdict::Success, text), &redactor);
        assert!(matches!(ack, Ack::RetryLater { after: None, .. }));
        let data = Failed(Verdict::Permanent(PermanentKind::Data), text);
        assert_eq!(
            Ack::from_error_or_stop(&data, &redactor)
                .unwrap()
                .with_context("contact c-7"),
            Ack::rejected(format!("contact c-7: {shown}"))
        );

        let config = Failed(Verdict::Permanent(PermanentKind::Config), text);
        let stop = Ack::from_error_or_stop(&config, &redactor).unwrap_err();
        assert_eq!(stop.verdict(), Verdict::Permanent(PermanentKind::Config));
        assert_eq!(stop.to_string(), shown);
        assert!(matches!(
            Ack::from_error(&config, &redactor),
            Ack::Rejected { .. }
        ));
    }
}
