//! How far a long scan got: a progress bar per folder when the binary runs in a terminal,
//! a log line about every tenth of the way otherwise (a service's log, a pipe, the
//! tests). Log lines written through [`log_writer`] hide the bars while they print, so
//! the two never garble each other.

use std::io::Write;
use std::sync::OnceLock;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use tracing::info;

/// The bars of every folder being scanned, once [`show_bars`] was called.
static BARS: OnceLock<MultiProgress> = OnceLock::new();

/// Draws progress bars from now on. The binary calls it when stderr is a terminal; a
/// library user or a service writing to a log never gets them.
pub fn show_bars() {
    BARS.get_or_init(MultiProgress::new);
}

/// A writer for the log that lifts the bars out of the way of each line.
pub fn log_writer() -> LogWriter {
    LogWriter
}

/// See [`log_writer`].
pub struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match BARS.get() {
            Some(bars) => bars.suspend(|| std::io::stderr().write(buf)),
            None => std::io::stderr().write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// The progress of one folder's scan.
pub(super) struct ScanProgress {
    account: String,
    folder: String,
    total: usize,
    bar: Option<ProgressBar>,
    report_every: usize,
    next_report: usize,
}

impl ScanProgress {
    /// Progress over `total` messages, read `batch_size` at a time.
    pub(super) fn start(account: &str, folder: &str, total: usize, batch_size: usize) -> ScanProgress {
        ScanProgress::with_bars(BARS.get(), account, folder, total, batch_size)
    }

    fn with_bars(
        bars: Option<&MultiProgress>,
        account: &str,
        folder: &str,
        total: usize,
        batch_size: usize,
    ) -> ScanProgress {
        // New mail after an IDLE wake-up is one batch or less: no bar flashing by for it.
        let long = total > batch_size;
        let bar = bars.filter(|_| long).map(|bars| {
            let bar = bars.add(ProgressBar::new(total as u64));
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix} [{bar:30}] {pos}/{len} messages ({percent}%), {eta} left",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_prefix(format!("{account}/{folder}"));
            bar
        });
        // Without a bar, a long scan logs about every tenth of the way, and never more
        // often than every ten batches.
        let report_every = (total / 10).max(batch_size.saturating_mul(10)).max(1);
        ScanProgress {
            account: account.to_string(),
            folder: folder.to_string(),
            total,
            bar,
            report_every,
            next_report: report_every,
        }
    }

    /// `done` messages of the scan have been handed on.
    pub(super) fn advance(&mut self, done: usize) {
        if let Some(bar) = &self.bar {
            bar.set_position(done as u64);
        } else if done >= self.next_report && done < self.total {
            info!(account = %self.account, folder = %self.folder, "scanned {done} of {} messages", self.total);
            self.next_report += self.report_every;
        }
    }

    /// Where the bar stands, if one is drawn for this scan.
    #[cfg(test)]
    fn position(&self) -> Option<u64> {
        self.bar.as_ref().map(ProgressBar::position)
    }
}

impl Drop for ScanProgress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use indicatif::ProgressDrawTarget;

    use super::*;

    #[test]
    fn a_long_scan_gets_a_bar_that_follows_the_messages() {
        let bars = MultiProgress::with_draw_target(ProgressDrawTarget::hidden());
        let mut progress = ScanProgress::with_bars(Some(&bars), "home", "INBOX", 10_000, 200);
        assert_eq!(progress.position(), Some(0));
        progress.advance(4_000);
        assert_eq!(progress.position(), Some(4_000));
    }

    #[test]
    fn new_mail_of_one_batch_gets_no_bar() {
        let bars = MultiProgress::with_draw_target(ProgressDrawTarget::hidden());
        let progress = ScanProgress::with_bars(Some(&bars), "home", "INBOX", 3, 200);
        assert_eq!(progress.position(), None);
        let exactly_one = ScanProgress::with_bars(Some(&bars), "home", "INBOX", 200, 200);
        assert_eq!(exactly_one.position(), None, "one whole batch is no long scan");
    }

    #[test]
    fn without_bars_a_long_scan_logs_about_every_tenth_of_the_way() {
        let mut progress = ScanProgress::with_bars(None, "home", "INBOX", 100_000, 200);
        assert_eq!(progress.position(), None);
        assert_eq!(progress.report_every, 10_000);
        let mut reports = 0;
        for done in (0..100_000).step_by(200) {
            let before = progress.next_report;
            progress.advance(done);
            reports += usize::from(progress.next_report != before);
        }
        assert_eq!(reports, 9, "at 10%, 20%, … 90%");
        let before = progress.next_report;
        progress.advance(100_000);
        assert_eq!(progress.next_report, before, "no progress line at the end: the scan is done");
    }
}
