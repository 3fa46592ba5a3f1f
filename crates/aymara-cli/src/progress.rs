//! Progress bars on stderr (indicatif), fed by the SDK's progress events: bytes, files,
//! and how many transfers run at once.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

use aymara::ProgressEvent;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Draws bytes sent, files done, rate and ETA. Hidden when stderr is not a terminal.
pub struct Progress {
    bar: ProgressBar,
    /// Bytes of the current attempt sent so far, per input index.
    sent: Vec<AtomicU64>,
    total_sent: AtomicU64,
    files_total: AtomicU64,
    files_done: AtomicU64,
    /// Transfers that may run at once, as the SDK last said.
    concurrency: AtomicU64,
}

impl Progress {
    /// A bar for `inputs` files; `visible` is whether the user wants one at all.
    pub fn new(inputs: usize, visible: bool) -> Self {
        let target = if visible && std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        Self {
            bar,
            sent: (0..inputs).map(|_| AtomicU64::new(0)).collect(),
            total_sent: AtomicU64::new(0),
            files_total: AtomicU64::new(0),
            files_done: AtomicU64::new(0),
            concurrency: AtomicU64::new(0),
        }
    }

    /// Handles one SDK event.
    pub fn on_event(&self, event: &ProgressEvent<'_>) {
        match event {
            ProgressEvent::Planned { files, bytes } => {
                self.files_total.store(*files as u64, Ordering::Relaxed);
                self.bar.set_length(*bytes);
                self.update_message();
            }
            ProgressEvent::BytesSent { index, sent, .. } => self.set_sent(*index, *sent),
            ProgressEvent::Retrying { index, .. } => self.set_sent(*index, 0),
            ProgressEvent::Concurrency { transfers } => {
                self.concurrency.store(*transfers as u64, Ordering::Relaxed);
                self.update_message();
            }
            ProgressEvent::Done { .. } => {
                self.files_done.fetch_add(1, Ordering::Relaxed);
                self.update_message();
            }
            _ => {}
        }
    }

    fn set_sent(&self, index: usize, sent: u64) {
        let Some(slot) = self.sent.get(index) else {
            return;
        };
        let before = slot.swap(sent, Ordering::Relaxed);
        let total = if sent >= before {
            self.total_sent.fetch_add(sent - before, Ordering::Relaxed) + (sent - before)
        } else {
            self.total_sent.fetch_sub(before - sent, Ordering::Relaxed) - (before - sent)
        };
        self.bar.set_position(total);
    }

    fn update_message(&self) {
        let done = self.files_done.load(Ordering::Relaxed);
        let total = self.files_total.load(Ordering::Relaxed);
        let at_once = self.concurrency.load(Ordering::Relaxed);
        self.bar
            .set_message(format!("{done}/{total} files, {at_once} at once"));
    }

    /// Removes the bar before the summary is printed.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
