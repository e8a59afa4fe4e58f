//! [`LogCapture`]: every `tracing` event of this thread, as text.

use std::fmt;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use tracing::Dispatch;
use tracing::subscriber::{DefaultGuard, NoSubscriber};
use tracing_subscriber::fmt::format::FmtSpan;

type Buffer = Arc<Mutex<Vec<u8>>>;

fn lock(buffer: &Buffer) -> MutexGuard<'_, Vec<u8>> {
    buffer.lock().unwrap_or_else(|e| e.into_inner())
}

/// Captures every `tracing` event and span (TRACE level and up, fields included, no colours)
/// emitted on the current thread while it lives. Works in `#[tokio::test]` tests (the default
/// current-thread runtime runs every task on the test's thread); on a multi-thread runtime,
/// events from other worker threads are not captured.
///
/// Dropping it restores the previous subscriber.
pub struct LogCapture {
    buffer: Buffer,
    _guard: DefaultGuard,
}

impl fmt::Debug for LogCapture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogCapture")
            .field("bytes", &lock(&self.buffer).len())
            .finish_non_exhaustive()
    }
}

impl LogCapture {
    /// Install a TRACE-level subscriber writing into an in-memory buffer as this thread's
    /// default, until the returned guard is dropped.
    pub fn install() -> Self {
        keep_interest_per_thread();
        let buffer = Buffer::default();
        let sink = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_span_events(FmtSpan::NEW | FmtSpan::CLOSE)
            .with_writer(move || BufferWriter(sink.clone()))
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        LogCapture {
            buffer,
            _guard: guard,
        }
    }

    /// Everything captured so far.
    pub fn contents(&self) -> String {
        String::from_utf8_lossy(&lock(&self.buffer)).into_owned()
    }

    /// Forget what was captured so far.
    pub fn clear(&self) {
        lock(&self.buffer).clear();
    }
}

/// While only one dispatcher is registered, tracing caches each callsite's interest from the
/// default of whichever thread reaches it first: a parallel test thread without a capture would
/// switch a callsite off for the capturing thread too (events silently missing). A second,
/// never-dropped dispatcher makes tracing ask every live dispatcher instead.
fn keep_interest_per_thread() {
    static KEEPER: OnceLock<Dispatch> = OnceLock::new();
    KEEPER.get_or_init(|| Dispatch::new(NoSubscriber::default()));
}

struct BufferWriter(Buffer);

impl io::Write for BufferWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        lock(&self.0).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_trace_events_with_fields() {
        let logs = LogCapture::install();
        let span = tracing::debug_span!("outer", request_id = "r-1");
        span.in_scope(|| tracing::trace!(answer = 42, "deep detail"));
        let text = logs.contents();
        assert!(
            text.contains("deep detail") && text.contains("answer=42"),
            "{text}"
        );
        assert!(text.contains("request_id"), "{text}");
        logs.clear();
        assert!(logs.contents().is_empty());
    }
}
