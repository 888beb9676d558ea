//! First-scan benchmark against a local Dovecot: fills a mailbox with N generated
//! messages (scams and ham, ~6 KB), runs one `initial_scan = "all"` pass, and prints
//! messages per second, CPU time, peak RSS and IMAP round trips per message of the scan.
//!
//! `cargo run --release --example bench_imap -- 10000` (needs dovecot and openssl, and
//! root, like the tests).
//!
//! The mailbox is filled by writing the messages straight into Dovecot's maildir (APPEND
//! of 100,000 messages takes far longer than the scan), and Dovecot indexes it before the
//! clock starts, so the figures are the scanner's alone. The peak RSS is reset before the
//! scan (`/proc/self/clear_refs`), so it is the scan's peak, not the filler's.

mod common;

use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use common::{cpu_seconds, rss_kib};
use scamguard::app::{self, RunOptions};
use scamguard::config::Config;
use scamguard::store::{Action, HistoryFilter, Store};
use scamguard_testkit::dovecot;

fn main() -> anyhow::Result<()> {
    let count: usize = std::env::args().nth(1).map_or(Ok(10_000), |n| n.parse())?;
    let batch_size: usize = std::env::args().nth(2).map_or(Ok(200), |n| n.parse())?;
    let server = dovecot::Dovecot::start(dovecot::Options::default());
    let config_path = common::bench_config(&server, &format!("batch_size = {batch_size}\n"))?;
    let (config, _) = Config::load(&config_path)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;

    let filled = Instant::now();
    runtime.block_on(open_inbox(&config))?;
    fill_maildir(&server.dir().join("mail").join(dovecot::USER), count)?;
    runtime.block_on(open_inbox(&config))?;
    eprintln!("filled and indexed the mailbox ({count} messages) in {:.1}s", filled.elapsed().as_secs_f64());

    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        scamguard::app::progress::show_bars();
    }
    reset_peak_rss();
    let rss_before = rss_kib("VmRSS");
    let commands_before = scamguard::imap::commands_sent();
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = std::sync::Arc::clone(&sampling);
        std::thread::spawn(move || {
            let mut samples = Vec::new();
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                samples.push(rss_kib("VmRSS"));
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            samples
        })
    };
    let report = runtime.block_on(async {
        let store = Arc::new(Store::open(&config.database).await?);
        let shutdown = app::Shutdown::never();
        anyhow::Ok(app::run(&config, store, RunOptions { once: true, ..Default::default() }, shutdown).await)
    })?;
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    let commands = scamguard::imap::commands_sent() - commands_before;
    let peak = rss_kib("VmHWM");
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let samples = sampler.join().unwrap_or_default();
    anyhow::ensure!(report.failures.is_empty(), "the pass failed: {:?}", report.failures);
    let moved = runtime.block_on(async {
        let store = Store::open_unlocked(&config.database).await?;
        let rows =
            store.history(&HistoryFilter { limit: Some(u32::MAX), ..HistoryFilter::default() }).await?;
        anyhow::Ok(rows.iter().filter(|r| r.action == Action::Moved).count())
    })?;
    anyhow::ensure!(moved > 0, "no threat was moved: the scan did not work");
    println!("messages:        {count}");
    println!("threats moved:   {moved}");
    println!("wall time:       {wall:.2} s ({:.0} messages/s)", count as f64 / wall);
    println!("scanner CPU:     {cpu:.2} s ({:.0} messages per CPU-second)", count as f64 / cpu.max(1e-9));
    println!(
        "peak RSS:        {:.1} MiB (RSS before the scan {:.1} MiB)",
        peak as f64 / 1024.0,
        rss_before as f64 / 1024.0
    );
    let quarters: Vec<String> = (1..=4)
        .filter_map(|q| samples.get((samples.len() * q / 4).saturating_sub(1)))
        .map(|kib| format!("{:.1}", *kib as f64 / 1024.0))
        .collect();
    println!("RSS by quarter:  {} MiB (is memory flat through the scan?)", quarters.join(" / "));
    println!("IMAP commands:   {commands} ({:.4} round trips per message)", commands as f64 / count as f64);
    Ok(())
}

/// Logs in and selects INBOX: the first time this makes Dovecot create the user's
/// maildir; after the filler, it makes Dovecot index the new files.
async fn open_inbox(config: &Config) -> anyhow::Result<()> {
    let account = config.accounts.first().context("no account")?;
    let mut session = scamguard::imap::connect(account).await?;
    let status = session.select("INBOX").await?;
    eprintln!("INBOX holds {} messages", status.exists);
    session.logout().await;
    Ok(())
}

/// Writes `count` generated messages into the maildir's `new/`, owned by the mail user
/// (the owner of the maildir Dovecot created), one message in memory at a time.
fn fill_maildir(maildir: &Path, count: usize) -> anyhow::Result<()> {
    let owner = std::fs::metadata(maildir).with_context(|| format!("no maildir at {}", maildir.display()))?;
    let new = maildir.join("new");
    for index in 0..count {
        let message = scamguard::bench::generate_range(index, 1).concat();
        let path = new.join(format!("1763000000.M{index}P1.bench,S={}", message.len()));
        let mut file = std::fs::File::create(&path)?;
        file.write_all(&message)?;
        std::os::unix::fs::chown(&path, Some(owner.uid()), Some(owner.gid()))?;
    }
    Ok(())
}

/// Forgets the process's peak RSS so far (Linux 4.0+), so `VmHWM` covers what follows.
fn reset_peak_rss() {
    if std::fs::write("/proc/self/clear_refs", "5").is_err() {
        eprintln!("could not reset the peak RSS; it includes the filler");
    }
}
