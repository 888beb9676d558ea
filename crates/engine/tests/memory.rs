//! Hostile mail is bounded in memory, not only in time: parsing and classifying a case
//! may hold at most a few times the mail's own size, plus a fixed allowance for the model
//! and tables. What this catches is memory that grows faster than the input (a copy per
//! part, per link or per nesting level), which on these sizes runs into gigabytes.
//!
//! Measured as the process's peak resident memory (Linux's `VmHWM`, reset before each
//! case through `/proc/self/clear_refs`), in its own test binary with one test, so no
//! other test's memory is counted.

use scamguard_engine::detect::{Detector, classify};
use scamguard_engine::mail;

/// A field of `/proc/self/status` ("VmRSS", "VmHWM"), in bytes.
fn status_bytes(field: &str) -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux's /proc/self/status");
    let line = status.lines().find(|l| l.starts_with(&format!("{field}:"))).expect("the field");
    let kib: usize = line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("a number of kB");
    kib * 1024
}

/// Starts a measurement: the peak becomes what is resident now, which it returns.
fn start() -> usize {
    std::fs::write("/proc/self/clear_refs", "5").expect("the peak resets");
    status_bytes("VmRSS")
}

/// The most a case may hold beyond what was held before it: four times the mail, and
/// 64 MiB for the model, the tables and the automata built on first use.
fn allowance(bytes: usize) -> usize {
    4 * bytes + (64 << 20)
}

/// A mail of `body` under a few headers.
fn mail_of(headers: &str, body: &str) -> Vec<u8> {
    format!("From: stranger@sender.example\r\nSubject: a hostile case\r\n{headers}\r\n{body}").into_bytes()
}

/// The hostile shapes, each large: a body of tens of megabytes, a header line of one, a
/// thousand nested multiparts, ten thousand parts, an HTML page of a hundred thousand links.
fn cases() -> Vec<(&'static str, Vec<u8>)> {
    let wallet = "pay 0.5 BTC to 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 within 48 hours. ";
    let nested: String = (0..1_000)
        .map(|level| format!("Content-Type: multipart/mixed; boundary=\"n{level}\"\r\n\r\n--n{level}\r\n"))
        .collect();
    let parts: String =
        (0..10_000).map(|i| format!("--p\r\nContent-Type: text/html\r\n\r\n<b>{i}</b>\r\n")).collect();
    let links: String = (0..100_000)
        .map(|i| format!("<a href=\"https://h{i}.example/login?u={i}\">sign in {i}</a>"))
        .collect();
    vec![
        ("a 40 MB body", mail_of("Content-Type: text/plain\r\n", &wallet.repeat(600_000))),
        ("a 1 MiB header line", mail_of(&format!("X-Long: {}\r\n", "b".repeat(1 << 20)), "short")),
        ("1,000 nested multiparts", mail_of("", &format!("{nested}Content-Type: text/plain\r\n\r\npay\r\n"))),
        (
            "10,000 parts",
            mail_of("Content-Type: multipart/alternative; boundary=\"p\"\r\n", &format!("{parts}--p--\r\n")),
        ),
        ("100,000 links", mail_of("Content-Type: text/html\r\n", &links)),
    ]
}

#[test]
fn hostile_mail_is_parsed_and_classified_within_a_few_times_its_size() {
    let detector = Detector::default();
    // The model and the automata are built on first use: once, before measuring.
    let warm = mail::parse(b"From: a@b.example\r\nSubject: warm\r\n\r\npay bitcoin").expect("parses");
    classify(&warm, &detector);
    for (case, raw) in cases() {
        let before = start();
        let verdict = mail::parse(&raw).ok().map(|email| classify(&email, &detector));
        let peak = status_bytes("VmHWM").saturating_sub(before);
        eprintln!("{case}: {} bytes of mail, {peak} bytes at the peak", raw.len());
        assert!(verdict.is_some_and(|v| v.score.is_finite()), "{case}: no verdict");
        assert!(peak <= allowance(raw.len()), "{case}: {peak} bytes held for {} bytes of mail", raw.len());
    }
}
