//! Progress bars on stderr (indicatif), fed by the SDK's progress events: bytes, files,
//! and how many transfers run at once.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

use aymara::ProgressEvent;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Draws bytes sent, files done, files skipped (the journal has them), retries, rate and
/// ETA. Hidden when stderr is not a terminal.
pub struct Progress {
    bar: ProgressBar,
    /// Bytes of the current attempt sent so far, per input index.
    sent: Vec<AtomicU64>,
    total_sent: AtomicU64,
    files_total: AtomicU64,
    files_done: AtomicU64,
    files_skipped: AtomicU64,
    retries: AtomicU64,
    hedges: AtomicU64,
    /// Transfers that may run at once, as the SDK last said.
    concurrency: AtomicU64,
}

impl Progress {
    /// A bar for `inputs` files; `visible` is whether the user wants one at all.
    pub fn new(inputs: usize, visible: bool) -> Self {
        let drawn = visible && std::io::stderr().is_terminal();
        let target = match drawn {
            true => ProgressDrawTarget::stderr(),
            false => ProgressDrawTarget::hidden(),
        };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        if drawn {
            crate::logging::around(Some(&bar));
        }
        Self {
            bar,
            sent: (0..inputs).map(|_| AtomicU64::new(0)).collect(),
            total_sent: AtomicU64::new(0),
            files_total: AtomicU64::new(0),
            files_done: AtomicU64::new(0),
            files_skipped: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            hedges: AtomicU64::new(0),
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
            ProgressEvent::Retrying { index, .. } => {
                self.retries.fetch_add(1, Ordering::Relaxed);
                self.set_sent(*index, 0);
                self.update_message();
            }
            ProgressEvent::Hedged { .. } => {
                self.hedges.fetch_add(1, Ordering::Relaxed);
                self.update_message();
            }
            ProgressEvent::Concurrency { transfers } => {
                self.concurrency.store(*transfers as u64, Ordering::Relaxed);
                self.update_message();
            }
            ProgressEvent::Done { .. } => {
                self.files_done.fetch_add(1, Ordering::Relaxed);
                self.update_message();
            }
            ProgressEvent::Skipped { .. } => {
                self.files_skipped.fetch_add(1, Ordering::Relaxed);
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
        self.bar.set_message(self.message());
    }

    /// `12/40 files, 32 at once, 60 skipped, 2 retries, 1 hedged`: files sent of those to send, how
    /// many transfers may run at once, then what else happened, if anything did.
    fn message(&self) -> String {
        let get = |n: &AtomicU64| n.load(Ordering::Relaxed);
        let mut message = format!("{}/{} files", get(&self.files_done), get(&self.files_total));
        match get(&self.concurrency) {
            0 => {}
            n => message.push_str(&format!(", {n} at once")),
        }
        match get(&self.files_skipped) {
            0 => {}
            n => message.push_str(&format!(", {n} skipped")),
        }
        match get(&self.retries) {
            0 => {}
            1 => message.push_str(", 1 retry"),
            n => message.push_str(&format!(", {n} retries")),
        }
        match get(&self.hedges) {
            0 => {}
            n => message.push_str(&format!(", {n} hedged")),
        }
        message
    }

    /// Removes the bar before the summary is printed.
    pub fn finish(&self) {
        crate::logging::around(None);
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_files_retries_and_the_level_are_shown_apart_from_files_sent() {
        let progress = Progress::new(4, false);
        progress.on_event(&ProgressEvent::Planned {
            files: 3,
            bytes: 30,
        });
        assert_eq!(progress.message(), "0/3 files");
        progress.on_event(&ProgressEvent::Concurrency { transfers: 16 });
        assert_eq!(progress.message(), "0/3 files, 16 at once");
        let entry = aymara::JournalEntry::new()
            .with_local_file_path("a.csv")
            .with_size_bytes(1)
            .with_file_uuid("u1");
        let skipped = aymara::SkippedFile::new(entry);
        progress.on_event(&ProgressEvent::Skipped {
            index: 0,
            file: &skipped,
        });
        let error = aymara::Error::Config("no".into());
        progress.on_event(&ProgressEvent::Retrying {
            index: 1,
            attempt: 2,
            error: &error,
        });
        let file = aymara::UploadedFile::new()
            .with_local_file_path("b.csv")
            .with_file_uuid("u2")
            .with_size_bytes(10)
            .with_content_type("text/csv");
        progress.on_event(&ProgressEvent::Done {
            index: 1,
            file: &file,
        });
        assert_eq!(
            progress.message(),
            "1/3 files, 16 at once, 1 skipped, 1 retry"
        );
    }
}
