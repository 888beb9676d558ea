//! First-scan benchmark against a local Dovecot: fills a mailbox with N generated
//! messages (scams and ham, ~6 KB), runs one `initial_scan = "all"` pass, and prints
//! messages per second, CPU time and peak RSS of this process (the scanner; Dovecot runs
//! apart).
//!
//! `cargo run --release --example bench_imap -- 10000` (needs dovecot and openssl, and
//! root, like the tests).

#[path = "../tests/support/dovecot.rs"]
#[allow(dead_code)]
mod dovecot;

use std::sync::Arc;
use std::time::Instant;

use scamguard::app::{self, RunOptions};
use scamguard::config::Config;
use scamguard::store::{HistoryFilter, Store};

fn main() -> anyhow::Result<()> {
    let count: usize = std::env::args().nth(1).map_or(Ok(5_000), |n| n.parse())?;
    let server = dovecot::Dovecot::start(dovecot::Options::default());
    let config_path = server.write_config("batch_size = 200\n");
    let (config, _) = Config::load(&config_path)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;

    let filled = Instant::now();
    runtime.block_on(fill(&config, count))?;
    eprintln!("filled the mailbox with {count} messages in {:.1}s", filled.elapsed().as_secs_f64());

    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let report = runtime.block_on(async {
        let store = Arc::new(Store::open(&config.database).await?);
        let (_stop, shutdown) = tokio::sync::watch::channel(false);
        anyhow::Ok(app::run(&config, store, RunOptions { once: true, dry_run: false }, shutdown).await)
    })?;
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    anyhow::ensure!(report.failures.is_empty(), "the pass failed: {:?}", report.failures);
    let moved = runtime.block_on(async {
        let store = Store::open_unlocked(&config.database).await?;
        let rows =
            store.history(&HistoryFilter { limit: Some(u32::MAX), ..HistoryFilter::default() }).await?;
        anyhow::Ok(rows.iter().filter(|r| r.action == "moved").count())
    })?;
    println!("messages:        {count}");
    println!("threats moved:   {moved}");
    println!("wall time:       {wall:.2} s ({:.0} messages/s)", count as f64 / wall);
    println!("scanner CPU:     {cpu:.2} s ({:.0} messages per CPU-second)", count as f64 / cpu.max(1e-9));
    println!(
        "peak RSS:        {:.1} MiB (whole process, including the mailbox filler)",
        peak_rss_kib() as f64 / 1024.0
    );
    Ok(())
}

/// Appends `count` generated messages to INBOX, a thousand at a time.
async fn fill(config: &Config, count: usize) -> anyhow::Result<()> {
    let account = config.accounts.first().ok_or_else(|| anyhow::anyhow!("no account"))?;
    let mut session = scamguard::imap::connect(account).await?;
    let mut done = 0;
    while done < count {
        let chunk = scamguard::bench::generate_range(done, (count - done).min(1000));
        for raw in &chunk {
            session.append("INBOX", None, raw).await?;
        }
        done += chunk.len();
    }
    session.logout().await;
    Ok(())
}

fn cpu_seconds() -> f64 {
    // utime and stime, fields 14 and 15 of /proc/self/stat, in clock ticks (100 Hz).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or_default();
    // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12.
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}
