//! Reaction-time benchmark against a local Dovecot: the service watches INBOX with IDLE,
//! and N threats are delivered one at a time (APPEND by a second client, at random
//! intervals); for each, the time from the start of the delivery until the message is
//! in Junk (its file appears in Dovecot's Junk maildir). Prints the distribution, the
//! IMAP commands per delivery, and the service's CPU use while nothing arrives.
//!
//! `cargo run --release --example bench_idle -- 200` (needs dovecot and openssl, and
//! root, like the tests).

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use common::{cpu_seconds, rss_kib};
use rand::Rng;
use scamguard::app::{self, RunOptions};
use scamguard::config::Config;
use scamguard::detect::{Detector, Label, classify};
use scamguard::store::Store;
use scamguard_testkit::dovecot;

/// How long one delivery may take before the benchmark gives up on it.
const GIVE_UP: Duration = Duration::from_secs(30);
/// How long the idle service's CPU use is measured.
const IDLE_WINDOW: Duration = Duration::from_secs(10);

fn main() -> anyhow::Result<()> {
    let deliveries: usize = std::env::args().nth(1).map_or(Ok(200), |n| n.parse())?;
    let server = dovecot::Dovecot::start(dovecot::Options::default());
    let config_path = common::bench_config(&server, "")?;
    let (config, _) = Config::load(&config_path)?;
    let junk = junk_maildir(&server.dir().join("mail").join(dovecot::USER));
    let threats = threats(deliveries + 1);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;

    runtime.block_on(async {
        let store = Arc::new(Store::open(&config.database).await?);
        let (stop, shutdown) = app::shutdown::channel();
        let service = {
            let config = config.clone();
            tokio::spawn(async move { app::run(&config, store, RunOptions::default(), shutdown).await })
        };
        let account = config.accounts.first().context("no account")?;
        let mut deliverer = scamguard::imap::connect(account).await?;

        // A first threat, not counted, shows the service is up and waiting in IDLE.
        deliver_and_wait(&mut deliverer, &junk, 0, &threats[0]).await?;
        tokio::time::sleep(Duration::from_millis(500)).await;

        let commands_before = scamguard::imap::commands_sent();
        let mut latencies = Vec::with_capacity(deliveries);
        for (index, raw) in threats.iter().enumerate().skip(1) {
            let pause = rand::rng().random_range(50..300);
            tokio::time::sleep(Duration::from_millis(pause)).await;
            latencies.push(deliver_and_wait(&mut deliverer, &junk, index, raw).await?);
        }
        // The deliverer's own APPENDs are counted too: take them off.
        let service_commands = scamguard::imap::commands_sent() - commands_before - latencies.len() as u64;

        tokio::time::sleep(Duration::from_secs(1)).await;
        let idle_cpu_before = cpu_seconds();
        tokio::time::sleep(IDLE_WINDOW).await;
        let idle_cpu = cpu_seconds() - idle_cpu_before;

        stop.stop();
        let report = service.await?;
        anyhow::ensure!(report.failures.is_empty(), "the service failed: {:?}", report.failures);
        deliverer.logout().await;

        latencies.sort();
        let at = |p: f64| {
            let index = ((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
            latencies.get(index).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        println!("deliveries:      {}", latencies.len());
        println!(
            "delivery → Junk: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            at(0.50),
            at(0.95),
            at(0.99),
            at(1.0)
        );
        println!(
            "IMAP commands:   {:.1} per delivery (service side)",
            service_commands as f64 / latencies.len().max(1) as f64
        );
        println!(
            "idle CPU:        {:.3} s in {} s ({:.2}% of one core)",
            idle_cpu,
            IDLE_WINDOW.as_secs(),
            idle_cpu / IDLE_WINDOW.as_secs_f64() * 100.0
        );
        println!(
            "RSS:             {:.1} MiB, peak {:.1} MiB (service and benchmark together)",
            rss_kib("VmRSS") as f64 / 1024.0,
            rss_kib("VmHWM") as f64 / 1024.0
        );
        anyhow::Ok(())
    })
}

/// Generated messages that scamguard calls threats, as many as asked for.
fn threats(count: usize) -> Vec<Vec<u8>> {
    let detector = Detector::default();
    (0..)
        .map(|index| scamguard::bench::generate_range(index, 1).concat())
        .filter(|raw| {
            scamguard::mail::parse(raw).is_ok_and(|email| classify(&email, &detector).label == Label::Threat)
        })
        .take(count)
        .collect()
}

/// Dovecot's maildir for the Junk folder (its subfolders start with a dot).
fn junk_maildir(maildir: &Path) -> PathBuf {
    maildir.join(".Junk")
}

/// How many messages the Junk maildir holds.
fn messages_in(junk: &Path) -> usize {
    ["new", "cur"].iter().filter_map(|sub| std::fs::read_dir(junk.join(sub)).ok()).map(Iterator::count).sum()
}

/// Appends one threat to INBOX and waits until Junk holds one message more; returns the
/// time that took, APPEND included.
async fn deliver_and_wait(
    deliverer: &mut scamguard::imap::ImapSession,
    junk: &Path,
    index: usize,
    raw: &[u8],
) -> anyhow::Result<Duration> {
    let before = messages_in(junk);
    let started = Instant::now();
    deliverer.append("INBOX", None, raw).await?;
    while messages_in(junk) <= before {
        anyhow::ensure!(started.elapsed() < GIVE_UP, "delivery {index} was not moved within {GIVE_UP:?}");
        // Polls the folder on disk, not the server: the benchmark must not wake the
        // service's IDLE itself.
        std::thread::sleep(Duration::from_micros(500));
    }
    Ok(started.elapsed())
}
