//! Review page benchmark: fills a database with N detections (default 100,000: varied
//! accounts, verdicts, categories, actions, subjects and senders, spread over a year, each
//! with a dozen signals as a real extortion mail has),
//! serves the page on 127.0.0.1, and times whole HTTP answers of the history page
//! (first page, a filter, a search that matches nothing, a deep page) and of one detection.
//!
//! `cargo run --release --example bench_review -- 100000`

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::FutureExt;
use futures::future::BoxFuture;
use scamguard::report::render::Lang;
use scamguard::report::weekly::{Period, WeeklyReport};
use scamguard::store::{Action, CATEGORIES, NewDetection, Signal, Signals, Store, StoreError, Verdict};
use scamguard::web::{self, Auth, Backend, MessageReply, RestoreReply, Token, WebState};

/// Answers nothing: the benchmark only reads.
struct NoBackend;

impl Backend for NoBackend {
    fn restore(&self, _id: i64) -> BoxFuture<'_, RestoreReply> {
        async { RestoreReply::Failed("benchmark".into()) }.boxed()
    }
    fn message(&self, _id: i64) -> BoxFuture<'_, MessageReply> {
        async { MessageReply::Failed("benchmark".into()) }.boxed()
    }
    fn weekly(&self, account: String, period: Period) -> BoxFuture<'_, Result<WeeklyReport, StoreError>> {
        async move { Ok(scamguard::report::weekly::build(&account, period, &[], 0, 0)) }.boxed()
    }
    fn accounts(&self) -> BoxFuture<'_, Result<Vec<String>, StoreError>> {
        async { Ok(vec!["alice".into(), "bob".into()]) }.boxed()
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let count: usize = std::env::args().nth(1).map(|n| n.parse()).transpose()?.unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let database = dir.path().join("bench.db");
    let store = Store::open(&database).await?;
    let started = Instant::now();
    fill(&store, count).await?;
    println!("filled {count} detections in {:.1} s", started.elapsed().as_secs_f64());

    let token = Token::load_or_create(&database)?;
    let state = WebState {
        store: Arc::new(store),
        backend: Arc::new(NoBackend),
        auth: Arc::new(Auth::new(token.clone())),
        default_lang: Lang::En,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(web::serve(listener, state, std::future::pending()));
    let token = token.reveal().to_string();
    tokio::task::spawn_blocking(move || measure(address, &token)).await??;
    Ok(())
}

async fn fill(store: &Store, count: usize) -> anyhow::Result<()> {
    let now = scamguard::clock::now_unix();
    // As wide as a real extortion mail's: a dozen signals with their quotes.
    let signals = Signals(
        (0..12)
            .map(|i| Signal {
                evidence: format!("payment demand with {i} extortion claims, in the perpetrator's voice"),
                rule: "extortion_narrative".into(),
                weight: 4.68,
            })
            .collect(),
    );
    let mut batch = Vec::with_capacity(1000);
    for i in 0..count {
        let n = i as u32;
        batch.push(NewDetection {
            account: if i % 3 == 0 { "bob" } else { "alice" }.into(),
            folder: "INBOX".into(),
            uid: n + 1,
            message_key: format!("<{i}@bench.example>"),
            digest: format!("{i:064x}"),
            subject: format!("Notice {i}: your account number {} needs attention", i * 7919 % 100_000),
            from: format!("sender{}@domain{}.example", i % 997, i % 89),
            score: 0.5 + (i % 50) as f32 / 100.0,
            verdict: Verdict::ALL[i % 2],
            category: CATEGORIES[i % 4],
            action: [Action::Moved, Action::Nothing, Action::Restored, Action::Moved][i % 4],
            destination: "Junk".into(),
            signals: signals.clone(),
            ..NewDetection::default()
        });
        if batch.len() == 1000 || i + 1 == count {
            // A year of history, oldest first.
            let at = now - 365 * 86_400 + (i as i64) * (365 * 86_400 / count.max(1) as i64);
            store.record_batch("bench", &batch, batch.len() as u32, "2026-01-01", at).await?;
            batch.clear();
        }
    }
    Ok(())
}

fn measure(address: SocketAddr, token: &str) -> anyhow::Result<()> {
    let cookie = session(address, token)?;
    println!("{:<58} {:>9} {:>9} {:>9}", "request (20 rounds, whole HTTP answer)", "median", "max", "bytes");
    for path in [
        "/",
        "/?verdict=suspicious&category=phishing&account=bob",
        "/?action=restored&since=30d",
        "/?q=no-such-text-anywhere",
        "/?q=domain7.example",
        "/?page=1500",
        "/detection/50000",
    ] {
        let mut times = Vec::new();
        let mut bytes = 0;
        for _ in 0..20 {
            let started = Instant::now();
            let (status, body) = get(address, path, &cookie)?;
            times.push(started.elapsed());
            anyhow::ensure!(status == 200, "{path}: HTTP {status}");
            bytes = body.len();
        }
        times.sort();
        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
        let median = times.get(times.len() / 2).copied().unwrap_or_default();
        let max = times.last().copied().unwrap_or_default();
        println!("{path:<58} {:>9} {:>9} {bytes:>9}", ms(median), ms(max));
    }
    Ok(())
}

fn session(address: SocketAddr, token: &str) -> anyhow::Result<String> {
    let response = request(address, &format!("/?token={token}"), "")?;
    let cookie = response
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: ")))
        .and_then(|c| c.split(';').next())
        .context("no session cookie")?;
    Ok(cookie.to_string())
}

fn get(address: SocketAddr, path: &str, cookie: &str) -> anyhow::Result<(u16, String)> {
    let response = request(address, path, cookie)?;
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
}

fn request(address: SocketAddr, path: &str, cookie: &str) -> anyhow::Result<String> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response)
}
