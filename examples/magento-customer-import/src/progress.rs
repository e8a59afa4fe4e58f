//! Progress on stderr: one spinner per website, drawn only when stderr is a terminal and
//! `--quiet` is not given (a pipe, a cron log or a test sees nothing of it).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use sync_core::engine::Progress;
use tokio::sync::watch;

/// The bars of one process.
#[derive(Debug, Clone)]
pub struct Bars {
    multi: MultiProgress,
}

impl Bars {
    /// Bars on stderr, or hidden when `quiet` or stderr is not a terminal.
    pub fn new(quiet: bool) -> Self {
        let target = if quiet || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        Bars {
            multi: MultiProgress::with_draw_target(target),
        }
    }

    /// Follow a pipeline's progress for `website` until the returned handle is dropped or
    /// [`Follow::finish`]ed.
    pub fn follow(&self, website: &str, mut progress: watch::Receiver<Progress>) -> Follow {
        let bar = self.multi.add(ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix:<12} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(website.to_string());
        bar.enable_steady_tick(Duration::from_millis(100));
        let shown = bar.clone();
        let task = tokio::spawn(async move {
            while progress.changed().await.is_ok() {
                let p = progress.borrow_and_update().clone();
                shown.set_message(format!(
                    "{} orders read, {} done, {} dead-lettered, {} retries, {:.0} orders/s, watermark {}",
                    p.seen,
                    p.delivered,
                    p.dead_lettered,
                    p.retries,
                    p.rate_per_second(),
                    p.watermark.as_deref().unwrap_or("none")
                ));
            }
        });
        Follow { bar, task }
    }
}

/// A website's bar while its run lasts.
#[derive(Debug)]
pub struct Follow {
    bar: ProgressBar,
    task: tokio::task::JoinHandle<()>,
}

impl Follow {
    /// Stop drawing; the summary follows.
    pub fn finish(self) {
        self.task.abort();
        self.bar.finish_and_clear();
    }
}
