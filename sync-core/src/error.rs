//! [`StageError`]: a classified error from a source, a sink or a store, as the engine sees it.

use std::error::Error as StdError;
use std::fmt;

use crate::verdict::{Classify, PermanentKind, Verdict};

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// An error from a [`Source`](crate::Source), [`Sink`](crate::Sink) or store, carrying the
/// [`Verdict`] the engine acts on. Build it from any client error with [`StageError::from_classified`].
#[derive(Debug)]
pub struct StageError {
    verdict: Verdict,
    source: BoxError,
}

impl StageError {
    /// Wrap an error that classifies itself.
    pub fn from_classified<E>(error: E) -> Self
    where
        E: Classify + StdError + Send + Sync + 'static,
    {
        StageError {
            verdict: error.verdict(),
            source: Box::new(error),
        }
    }

    /// Wrap any error with an explicit verdict.
    pub fn new(verdict: Verdict, error: impl Into<BoxError>) -> Self {
        StageError {
            verdict,
            source: error.into(),
        }
    }

    /// A transient error with a message.
    pub fn transient(message: impl Into<String>) -> Self {
        Self::new(Verdict::Retry { after: None }, message.into())
    }

    /// A configuration error with a message (bad credentials, wrong URL): the run stops.
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(Verdict::Permanent(PermanentKind::Config), message.into())
    }

    /// The inner error.
    pub fn inner(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.source
    }
}

impl fmt::Display for StageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.source, f)
    }
}

impl StdError for StageError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.source()
    }
}

impl Classify for StageError {
    fn verdict(&self) -> Verdict {
        self.verdict
    }
}

/// The reason stored for a handler or sink call that panicked: `panicked: <message>`.
pub(crate) fn panic_reason(payload: &(dyn std::any::Any + Send)) -> String {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a non-string panic payload");
    format!("panicked: {message}")
}
