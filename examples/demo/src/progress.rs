//! Progress bars on stderr: one spinner per stream, drawn only when stderr is a terminal and
//! `--quiet` is not given (a pipe or a test sees nothing of them).

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

type Status = Box<dyn Fn() -> String + Send + Sync>;

/// The bars of one run.
#[derive(Clone)]
pub struct Bars {
    multi: MultiProgress,
    rows: Arc<std::sync::Mutex<Vec<(ProgressBar, Status)>>>,
}

impl std::fmt::Debug for Bars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bars").finish_non_exhaustive()
    }
}

impl Bars {
    /// Bars drawn on stderr, or hidden when `quiet` or stderr is not a terminal.
    pub fn new(quiet: bool) -> Self {
        let target = if quiet || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        Self {
            multi: MultiProgress::with_draw_target(target),
            rows: Arc::default(),
        }
    }

    /// A row named `name` whose text `status` gives, refreshed by [`Bars::tick`].
    pub fn row(&self, name: &str, status: impl Fn() -> String + Send + Sync + 'static) {
        let bar = self.multi.add(ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix:<34} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(name.to_owned());
        self.rows
            .lock()
            .expect("progress rows")
            .push((bar, Box::new(status)));
    }

    /// Refreshes every row's text.
    pub fn tick(&self) {
        for (bar, status) in self.rows.lock().expect("progress rows").iter() {
            bar.set_message(status());
            bar.tick();
        }
    }

    /// Refreshes every row ten times a second until [`Bars::finish`].
    pub fn start(&self) -> tokio::task::JoinHandle<()> {
        let bars = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(100));
            loop {
                every.tick().await;
                bars.tick();
            }
        })
    }

    /// Stops refreshing and clears the bars (the summary follows).
    pub fn finish(&self, ticker: tokio::task::JoinHandle<()>) {
        ticker.abort();
        for (bar, _) in self.rows.lock().expect("progress rows").iter() {
            bar.finish_and_clear();
        }
    }
}
