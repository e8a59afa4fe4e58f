//! The pipeline engine: [`Pipeline`] runs a [`Source`](crate::Source) into a
//! [`Sink`](crate::Sink) and moves the watermark only past records that are durably done.
//!
//! See the [crate documentation](crate) for a runnable example.

mod pipeline;
mod progress;
mod replay;
mod report;

pub use pipeline::{DEFAULT_SINK_TIMEOUT, MissingStore, OnExhausted, Pipeline, PipelineBuilder};
pub use progress::{Phase, Progress};
pub use replay::{ReplayReport, replay_dead_letters, replay_dead_letters_redacted};
pub use report::{RunError, RunErrorKind, RunReport};
