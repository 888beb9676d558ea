//! `scamguard status` on a large history: fills a database with N detections (default
//! 1,000,000, over a year, 5 accounts of 2 folders each; 1% today), then times the status
//! query and the whole `scamguard status` command (start, read, print).
//!
//! `cargo run --release --example bench_status -- 1000000` (builds the binary first:
//! `cargo build --release`).

use std::process::Command;
use std::time::Instant;

use scamguard::store::{Action, Holder, NewDetection, Store, WatchMode};

fn main() -> anyhow::Result<()> {
    let count: usize = std::env::args().nth(1).map_or(Ok(1_000_000), |n| n.parse())?;
    let dir = tempfile::tempdir()?;
    let database = dir.path().join("scamguard.db");
    let now = scamguard::clock::now_unix();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let filled = Instant::now();
    runtime.block_on(async {
        let store = Store::open(&database).await?;
        let accounts: Vec<String> = (0..5).map(|a| format!("account{a}")).collect();
        for chunk_start in (0..count).step_by(10_000) {
            let rows: Vec<NewDetection> = (chunk_start..(chunk_start + 10_000).min(count))
                .map(|i| NewDetection {
                    account: accounts[i % 5].clone(),
                    folder: if i % 2 == 0 { "INBOX".into() } else { "Work".into() },
                    uid: u32::try_from(i).unwrap_or(u32::MAX),
                    message_key: format!("<{i}@bench.example>"),
                    subject: "Your account will be suspended".into(),
                    action: if i % 3 == 0 { Action::Nothing } else { Action::Moved },
                    ..NewDetection::default()
                })
                .collect();
            // One detection in a hundred is today's; the rest spread over the last year.
            let age =
                if chunk_start < count / 100 { 0 } else { 86_400 * 365 * chunk_start as i64 / count as i64 };
            store.record_batch(&rows[0].account, &rows, 0, "2026-01-01", now - age).await?;
        }
        for account in &accounts {
            for folder in ["INBOX", "Work"] {
                let holder = Holder { account, folder, worker: "bench:1" };
                store.status_connecting(holder, now).await?;
                store.status_connected(holder, WatchMode::Idle, now).await?;
                store.status_pass(holder, now).await?;
            }
        }
        anyhow::Ok(())
    })?;
    println!("filled {count} detections in {:.1} s", filled.elapsed().as_secs_f64());

    let query = runtime.block_on(async {
        let store = Store::open_unlocked(&database).await?;
        let mut times = Vec::new();
        for _ in 0..20 {
            let started = Instant::now();
            let states = store.folder_states(now - now.rem_euclid(86_400)).await?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            anyhow::ensure!(states.len() == 10, "{} folders", states.len());
        }
        times.sort_by(f64::total_cmp);
        anyhow::Ok(times[times.len() / 2])
    })?;
    println!("status query, median of 20:      {query:.1} ms");

    let config = dir.path().join("scamguard.toml");
    let accounts: String = (0..5)
        .map(|a| format!("[[accounts]]\nname = \"account{a}\"\nhost = \"127.0.0.1\"\ntls = \"implicit\"\nusername = \"u{a}\"\npassword_env = \"X\"\nfolders = [\"INBOX\", \"Work\"]\n"))
        .collect();
    std::fs::write(&config, format!("[database]\npath = \"scamguard.db\"\n{accounts}"))?;
    let binary = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/scamguard");
    let mut times = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        let output = Command::new(&binary).arg("status").arg("--config").arg(&config).output()?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    times.sort_by(f64::total_cmp);
    println!("`scamguard status`, median of 10: {:.1} ms", times[times.len() / 2]);
    Ok(())
}
