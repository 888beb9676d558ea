//! What `run --metrics ADDR` serves: process-wide counters the workers add to, rendered
//! as Prometheus text at `/metrics`, and `/healthz`, which says whether every watched
//! folder had a successful pass recently. The counting is lock-free (atomics); the
//! rendering and the health decision are pure functions of a snapshot.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::detect::{Category, Label};
use crate::store::{NewDetection, Verdict};

/// Upper bounds, in seconds, of the buckets of the arrival-to-move latency histogram
/// (arrival as the server's INTERNALDATE, to the second; polling waits up to its period).
pub const LATENCY_BUCKETS: [f64; 9] = [1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0];

/// The kinds of error counted (a label of `scamguard_errors_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The connection broke or could not be made.
    Connection,
    /// The server answered NO or BAD.
    Refused,
    /// The database failed.
    Store,
    /// Anything else (a configuration the model refuses, a worker that panicked).
    Other,
}

const ERROR_KINDS: [ErrorKind; 4] =
    [ErrorKind::Connection, ErrorKind::Refused, ErrorKind::Store, ErrorKind::Other];
const LABELS: [Label; 2] = [Label::Threat, Label::Suspicious];
const CATEGORIES: [Category; 4] =
    [Category::Extortion, Category::Phishing, Category::Malware, Category::Other];

impl ErrorKind {
    fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Connection => "connection",
            ErrorKind::Refused => "refused",
            ErrorKind::Store => "store",
            ErrorKind::Other => "other",
        }
    }
}

/// The process's counters.
#[derive(Default)]
pub struct Metrics {
    scanned: AtomicU64,
    verdicts: [[AtomicU64; 4]; 2],
    moved: AtomicU64,
    errors: [AtomicU64; 4],
    reconnects: AtomicU64,
    latency: [AtomicU64; 9],
    latency_count: AtomicU64,
    /// Sum of latencies in milliseconds.
    latency_sum_ms: AtomicU64,
    /// Per (account, folder): the last successful pass (Unix time) and the longest the
    /// folder may go without one while healthy (twice its IDLE renewal or poll period).
    passes: Mutex<HashMap<(String, String), (i64, i64)>>,
    /// Whether this process is one worker of a fleet (a shared database), which may hold
    /// no account at all: more workers than accounts, or one waiting to take over.
    in_fleet: AtomicBool,
}

/// When this process began watching (its first connection), Unix seconds: mail that
/// arrived before is counted when moved but not timed (see [`Metrics::moved`]).
pub fn watching_since() -> i64 {
    static SINCE: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *SINCE.get_or_init(crate::clock::now_unix)
}

/// The counters of this process.
pub fn metrics() -> &'static Metrics {
    static METRICS: std::sync::OnceLock<Metrics> = std::sync::OnceLock::new();
    METRICS.get_or_init(Metrics::default)
}

fn index<T: PartialEq>(all: &[T], value: &T) -> Option<usize> {
    all.iter().position(|v| v == value)
}

impl Metrics {
    pub fn scanned(&self, messages: usize) {
        self.scanned.fetch_add(messages as u64, Ordering::Relaxed);
    }

    /// A recorded batch: the messages read, and each verdict recorded.
    pub fn recorded(&self, scanned: usize, detections: &[NewDetection]) {
        self.scanned(scanned);
        for detection in detections {
            let label = match detection.verdict {
                Verdict::Threat => Label::Threat,
                Verdict::Suspicious => Label::Suspicious,
                Verdict::Unreadable => continue,
            };
            self.verdict(label, detection.category);
        }
    }

    /// A verdict recorded (clean mail is not counted here, only in `scanned`).
    pub fn verdict(&self, label: Label, category: Category) {
        if let (Some(l), Some(c)) = (index(&LABELS, &label), index(&CATEGORIES, &category))
            && let Some(counter) = self.verdicts.get(l).and_then(|row| row.get(c))
        {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// `count` threats moved to Junk, and for those whose arrival is known, how many
    /// seconds after arriving on the server each was moved (mail that arrived before
    /// scamguard watched, and moves finished after a reconnect, are counted, not timed).
    pub fn moved(&self, count: usize, latencies: &[f64]) {
        self.moved.fetch_add(count as u64, Ordering::Relaxed);
        for &seconds in latencies {
            let bucket =
                LATENCY_BUCKETS.iter().position(|&bound| seconds <= bound).unwrap_or(LATENCY_BUCKETS.len());
            for counter in self.latency.iter().skip(bucket) {
                counter.fetch_add(1, Ordering::Relaxed);
            }
            self.latency_count.fetch_add(1, Ordering::Relaxed);
            let ms = (seconds.max(0.0) * 1000.0) as u64;
            self.latency_sum_ms.fetch_add(ms, Ordering::Relaxed);
        }
    }

    pub fn error(&self, kind: ErrorKind) {
        if let Some(counter) = index(&ERROR_KINDS, &kind).and_then(|i| self.errors.get(i)) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn reconnect(&self) {
        self.reconnects.fetch_add(1, Ordering::Relaxed);
    }

    /// A folder finished a pass at `now`.
    pub fn pass(&self, account: &str, folder: &str, now: i64) {
        if let Ok(mut passes) = self.passes.lock() {
            passes.entry((account.to_string(), folder.to_string())).or_insert((i64::MIN, i64::MAX)).0 = now;
        }
    }

    /// A folder is watched (again) by a connection that waits at most `period` seconds
    /// between passes (its IDLE renewal or poll interval): healthy while passes come
    /// within twice that; unhealthy until its first.
    pub fn watching(&self, account: &str, folder: &str, period: i64) {
        watching_since();
        if let Ok(mut passes) = self.passes.lock() {
            passes.entry((account.to_string(), folder.to_string())).or_insert((i64::MIN, i64::MAX)).1 =
                period.saturating_mul(2);
        }
    }

    /// This process is one worker of a fleet: holding no account is healthy (see
    /// [`health`]), it waits to take over those of a worker that dies.
    pub fn in_fleet(&self) {
        self.in_fleet.store(true, Ordering::Relaxed);
    }

    /// `account`'s folders are no longer watched here (another worker of the fleet holds
    /// it now, or it was removed): health no longer waits for their passes. Without this,
    /// a worker that let an account go turned unhealthy once its last pass aged, and a
    /// liveness probe restarted it.
    pub fn forget(&self, account: &str) {
        if let Ok(mut passes) = self.passes.lock() {
            passes.retain(|(watched, _), _| watched != account);
        }
    }

    /// Every watched folder's last successful pass and allowed gap, sorted.
    fn passes(&self) -> Vec<((String, String), (i64, i64))> {
        let mut passes: Vec<_> =
            self.passes.lock().map(|p| p.clone().into_iter().collect()).unwrap_or_default();
        passes.sort();
        passes
    }
}

/// Whether every watched folder had a successful pass within its allowed gap; the
/// folders that did not, for the answer's body. No folder watched yet is unhealthy, except
/// for a worker of a fleet, which may rightly hold nothing.
pub fn health(metrics: &Metrics, now: i64) -> Result<(), Vec<String>> {
    let passes = metrics.passes();
    if passes.is_empty() && !metrics.in_fleet.load(Ordering::Relaxed) {
        return Err(vec!["no folder is watched yet".into()]);
    }
    let late: Vec<String> = passes
        .iter()
        .filter(|(_, (at, allowed))| now.saturating_sub(*at) > *allowed)
        .map(|((account, folder), _)| {
            // The answer is read in terminals (`curl`): names as the status command shows them.
            let p = crate::mail::printable::escape;
            format!("{}/{}: no successful pass recently", p(account), p(folder))
        })
        .collect();
    if late.is_empty() { Ok(()) } else { Err(late) }
}

/// A label value as Prometheus text takes it: backslash, quote and newline escaped.
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// The counters as Prometheus text exposition format (version 0.0.4).
pub fn render(metrics: &Metrics) -> String {
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let mut out = String::new();
    let _ = writeln!(out, "# HELP scamguard_messages_scanned_total Messages read and classified.");
    let _ = writeln!(out, "# TYPE scamguard_messages_scanned_total counter");
    let _ = writeln!(out, "scamguard_messages_scanned_total {}", load(&metrics.scanned));
    let _ = writeln!(out, "# HELP scamguard_verdicts_total Verdicts recorded, by label and category.");
    let _ = writeln!(out, "# TYPE scamguard_verdicts_total counter");
    for (l, row) in LABELS.iter().zip(&metrics.verdicts) {
        for (c, counter) in CATEGORIES.iter().zip(row) {
            let _ = writeln!(
                out,
                "scamguard_verdicts_total{{label=\"{}\",category=\"{}\"}} {}",
                l.as_str(),
                c.as_str(),
                load(counter)
            );
        }
    }
    let _ = writeln!(out, "# HELP scamguard_moves_total Threats moved to Junk.");
    let _ = writeln!(out, "# TYPE scamguard_moves_total counter");
    let _ = writeln!(out, "scamguard_moves_total {}", load(&metrics.moved));
    let _ = writeln!(out, "# HELP scamguard_errors_total Failed passes and connections, by kind.");
    let _ = writeln!(out, "# TYPE scamguard_errors_total counter");
    for (kind, counter) in ERROR_KINDS.iter().zip(&metrics.errors) {
        let _ = writeln!(out, "scamguard_errors_total{{kind=\"{}\"}} {}", kind.as_str(), load(counter));
    }
    let _ = writeln!(out, "# HELP scamguard_reconnects_total Connections made again after a failure.");
    let _ = writeln!(out, "# TYPE scamguard_reconnects_total counter");
    let _ = writeln!(out, "scamguard_reconnects_total {}", load(&metrics.reconnects));
    let _ = writeln!(
        out,
        "# HELP scamguard_move_latency_seconds From a threat's arrival on the server to its move."
    );
    let _ = writeln!(out, "# TYPE scamguard_move_latency_seconds histogram");
    for (bound, counter) in LATENCY_BUCKETS.iter().zip(&metrics.latency) {
        let _ = writeln!(out, "scamguard_move_latency_seconds_bucket{{le=\"{bound}\"}} {}", load(counter));
    }
    let count = load(&metrics.latency_count);
    let _ = writeln!(out, "scamguard_move_latency_seconds_bucket{{le=\"+Inf\"}} {count}");
    let _ =
        writeln!(out, "scamguard_move_latency_seconds_sum {}", load(&metrics.latency_sum_ms) as f64 / 1000.0);
    let _ = writeln!(out, "scamguard_move_latency_seconds_count {count}");
    let _ = writeln!(
        out,
        "# HELP scamguard_last_success_timestamp_seconds The last successful pass, per folder."
    );
    let _ = writeln!(out, "# TYPE scamguard_last_success_timestamp_seconds gauge");
    for ((account, folder), (at, _)) in metrics.passes().into_iter().filter(|(_, (at, _))| *at != i64::MIN) {
        let _ = writeln!(
            out,
            "scamguard_last_success_timestamp_seconds{{account=\"{}\",folder=\"{}\"}} {at}",
            label(&account),
            label(&folder)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_render_as_prometheus_text() {
        let m = Metrics::default();
        m.scanned(10);
        m.verdict(Label::Threat, Category::Phishing);
        m.verdict(Label::Suspicious, Category::Other);
        m.verdict(Label::Clean, Category::Other);
        m.moved(2, &[1.5, 1.5]);
        m.moved(1, &[1000.0]);
        m.moved(4, &[]);
        m.error(ErrorKind::Refused);
        m.reconnect();
        m.pass("home", "IN\"BOX\n", 1_000);
        let text = render(&m);
        for line in [
            "scamguard_messages_scanned_total 10",
            "scamguard_verdicts_total{label=\"threat\",category=\"phishing\"} 1",
            "scamguard_verdicts_total{label=\"suspicious\",category=\"other\"} 1",
            "scamguard_verdicts_total{label=\"threat\",category=\"other\"} 0",
            "scamguard_moves_total 7",
            "scamguard_errors_total{kind=\"refused\"} 1",
            "scamguard_reconnects_total 1",
            "scamguard_move_latency_seconds_bucket{le=\"1\"} 0",
            "scamguard_move_latency_seconds_bucket{le=\"2.5\"} 2",
            "scamguard_move_latency_seconds_bucket{le=\"900\"} 2",
            "scamguard_move_latency_seconds_bucket{le=\"+Inf\"} 3",
            "scamguard_move_latency_seconds_count 3",
            "scamguard_move_latency_seconds_sum 1003",
            "scamguard_last_success_timestamp_seconds{account=\"home\",folder=\"IN\\\"BOX\\n\"} 1000",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing from:\n{text}");
        }
        assert!(!text.contains("label=\"clean\""), "clean mail is only counted as scanned");
    }

    /// A recorded batch counts every message read and each threat or suspicious verdict
    /// by category; an unreadable message is counted as read, with no verdict.
    #[test]
    fn a_recorded_batch_counts_what_was_read_and_each_verdict() {
        let m = Metrics::default();
        let recorded = |verdict, category| NewDetection { verdict, category, ..Default::default() };
        m.recorded(
            5,
            &[
                recorded(Verdict::Threat, Category::Extortion),
                recorded(Verdict::Suspicious, Category::Phishing),
                recorded(Verdict::Unreadable, Category::Other),
            ],
        );
        let text = render(&m);
        for line in [
            "scamguard_messages_scanned_total 5",
            "scamguard_verdicts_total{label=\"threat\",category=\"extortion\"} 1",
            "scamguard_verdicts_total{label=\"suspicious\",category=\"phishing\"} 1",
            "scamguard_verdicts_total{label=\"threat\",category=\"other\"} 0",
            "scamguard_verdicts_total{label=\"suspicious\",category=\"other\"} 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing from:\n{text}");
        }
    }

    /// Watching began at a time read from the clock, no later than now and within this test
    /// run, and it stays put: latencies are timed only for mail that arrived since.
    #[test]
    fn watching_began_at_a_time_on_the_clock_and_stays_put() {
        let since = watching_since();
        let now = crate::clock::now_unix();
        assert!(since <= now && now - since < 86_400, "watching since {since}, now {now}");
        assert_eq!(watching_since(), since);
    }

    #[test]
    fn health_needs_a_recent_pass_in_every_folder() {
        let m = Metrics::default();
        assert!(health(&m, 100).is_err(), "nothing watched yet");
        m.watching("a", "INBOX", 30);
        assert!(health(&m, 100).is_err(), "watched, no pass yet");
        m.pass("a", "INBOX", 100);
        m.watching("b", "INBOX", 30);
        m.pass("b", "INBOX", 130);
        assert_eq!(health(&m, 160), Ok(()));
        let late = health(&m, 161).expect_err("a is late");
        assert_eq!(late, ["a/INBOX: no successful pass recently"]);
        m.watching("b", "\u{1b}[2J\nforged", 30);
        let late = health(&m, 161).expect_err("never passed");
        assert!(late.contains(&"b/\\x1b[2J\\nforged: no successful pass recently".to_string()), "{late:?}");
    }

    /// A fleet's worker that let its accounts go (to a worker that joined, or because they
    /// were removed) is healthy holding nothing, and is not held to their passes.
    #[test]
    fn a_fleet_worker_is_healthy_holding_nothing_and_forgets_what_it_let_go() {
        let m = Metrics::default();
        m.in_fleet();
        assert_eq!(health(&m, 100), Ok(()), "a worker of a fleet may hold nothing");
        m.watching("a", "INBOX", 30);
        m.watching("a", "Other", 30);
        m.watching("b", "INBOX", 30);
        m.pass("b", "INBOX", 100);
        assert_eq!(health(&m, 100).expect_err("a never passed").len(), 2);
        m.forget("a");
        assert_eq!(health(&m, 100), Ok(()));
    }
}
