//! Hostile and broken input: every case gets a verdict or a clear error, never a panic,
//! and stays within bounds: in time (each case within a deadline) and in what a verdict
//! keeps (its signals, evidence and wallets, whatever the size of the mail).

use std::time::{Duration, Instant};

use scamguard::detect::{Detector, Verdict, classify};
use scamguard::mail;

/// How long parsing and classifying a hostile case may take: ten seconds, and two more
/// per MiB of mail. Generous: in a debug build on a loaded two-core machine the 50 MB case
/// took 4.5-5.5 s and the 1 MiB header 1.3-3.5 s (over 20 and 3 times less than allowed);
/// what this catches is work that grows with the square of the input, which takes
/// minutes on these sizes.
fn deadline(bytes: usize) -> Duration {
    Duration::from_secs(10) + Duration::from_secs_f64(2.0 * bytes as f64 / (1024.0 * 1024.0))
}

/// The most a verdict may keep, as JSON: the cases here keep at most about 1 KiB, a real
/// scam's verdict a few. Evidence is quoted and wallets are kept once each, however big
/// the mail: a million copies of one address must not become thousands of entries.
const MAX_VERDICT_BYTES: usize = 16 * 1024;

/// Parses and classifies `raw` within its [`deadline`] and checks the verdict's bounds; the
/// verdict, if the mail could be read.
fn survives(raw: &[u8]) -> Option<Verdict> {
    let started = Instant::now();
    let verdict = mail::parse(raw).ok().map(|email| classify(&email, &Detector::default()));
    let took = started.elapsed();
    assert!(took < deadline(raw.len()), "{} bytes took {took:?}", raw.len());
    if let Some(verdict) = &verdict {
        assert!(verdict.score.is_finite());
        let kept = serde_json::to_vec(verdict).expect("a verdict serialises").len();
        assert!(kept <= MAX_VERDICT_BYTES, "the verdict keeps {kept} bytes");
    }
    verdict
}

#[test]
fn truncated_and_garbage_input() {
    let fixture =
        std::fs::read(super::fixtures().join("ja_extortion_html_fullwidth_zero_width.eml")).expect("fixture");
    for cut in (0..fixture.len()).step_by(97) {
        survives(fixture.get(..cut).unwrap_or_default());
    }
    survives(b"\0\0\0\xff\xfe");
    survives(b"Subject: \xff\xfe\x00 broken\r\nFrom: \"\x00\" <@@@>\r\n\r\nbody \x00 with NUL");
    survives(b"Content-Type: text/plain; charset=x-unknown-charset\r\n\r\n\x82\xa0\x82\xa2");
    survives(b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!");
    survives(b"Content-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=4=\r\n=");
}

#[test]
fn deep_nesting_and_many_parts() {
    let mut deep = String::new();
    for level in 0..1000 {
        deep.push_str(&format!("Content-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n--b{level}\r\n"));
    }
    deep.push_str("Content-Type: text/plain\r\n\r\npay bitcoin\r\n");
    survives(deep.as_bytes());

    let mut many = String::from("Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n");
    for i in 0..10_000 {
        many.push_str(&format!("--x\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n"));
    }
    many.push_str("--x--\r\n");
    survives(many.as_bytes());
}

#[test]
fn fifty_megabyte_message_is_bounded() {
    let mut raw = b"From: a@b.example\r\nSubject: big\r\nContent-Type: text/plain\r\n\r\n".to_vec();
    raw.extend(
        std::iter::repeat_n(
            b"I hacked your device 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 ".as_slice(),
            1_000_000,
        )
        .flatten(),
    );
    assert!(raw.len() > 50_000_000);
    let email = mail::parse(&raw).expect("parses");
    assert!(email.text.len() <= mail::MAX_TEXT_BYTES + 1, "text kept is bounded: {}", email.text.len());
    let verdict = survives(&raw).expect("a verdict");
    assert!(verdict.evidence.wallets.iter().any(|w| w.checksum_valid));
}

#[test]
fn one_megabyte_header_line() {
    let mut raw = b"Subject: ".to_vec();
    raw.extend(std::iter::repeat_n(b'a', 1 << 20));
    raw.extend_from_slice(b"\r\nFrom: x@y.example\r\n\r\nbody");
    survives(&raw);
}

/// A model that finds every token unwanted: whatever the mail holds, its tokens make the
/// `learned_words` evidence, so what hostile tokens can do there is seen.
fn every_token_counts() -> Detector {
    use scamguard::detect::Thresholds;
    use scamguard::detect::model::Model;
    let model = Model::new(4, [0.0; 3], Vec::new(), vec![[1.0; 3]; 16], Thresholds::uniform(0.5, 0.9));
    Detector::with_model(std::sync::Arc::new(model))
}

#[test]
fn hostile_tokens_reach_the_evidence_escaped_and_bounded_in_size_and_time() {
    let long_host = format!("{}.example", "h".repeat(100_000));
    let one_word = "w".repeat(10 << 20);
    let distinct: String = (0..1_000_000).map(|i| format!("x{i}q ")).collect();
    let hostile = [
        format!(
            "From: x <x@ev\u{1b}[31mil\u{202e}gnp.example>\r\nSubject: \u{1b}]0;title\u{7}\r\n\r\n\
             see http://{long_host}/ now \u{1b}[2J \u{202e}txt.exe"
        ),
        format!("From: x@y.example\r\nSubject: {one_word}\r\n\r\n{one_word}"),
        format!("From: x@y.example\r\nSubject: {}\r\n\r\n{distinct}", &distinct[..200_000]),
    ];
    for raw in &hostile {
        let started = Instant::now();
        let email = mail::parse(raw.as_bytes()).expect("parses");
        let verdict = classify(&email, &every_token_counts());
        assert!(started.elapsed() < deadline(raw.len()), "took {:?}", started.elapsed());
        let words = verdict.signals.iter().find(|s| s.rule() == "learned_words").expect("listed");
        assert!(!words.evidence.is_empty(), "a threat names its words");
        assert!(words.evidence.len() <= 1024, "{} bytes of evidence", words.evidence.len());
        assert!(
            !words.evidence.chars().any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "{:?}",
            words.evidence
        );
        let text = scamguard::explain::explain(&email, &verdict);
        assert!(text.len() <= 16 * 1024, "explain prints {} bytes", text.len());
        let json = scamguard::explain::json_line("x.eml", &email, &verdict).to_string();
        assert!(json.len() <= 16 * 1024, "scan --json prints {} bytes", json.len());
        assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'));
    }
}

/// A phishing mail written for this test: a brand in the sender name, a look-alike link,
/// a locked account and a deadline.
const PHISHING: &str = "From: PayPal Service <service@pp-notice-center.example>\r\nTo: victim@home.example\r\n\
    Subject: Your account has been limited\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
    Dear customer,\n\nWe noticed unusual sign-in activity and your PayPal account has been limited. To restore \
    access you must verify your identity within 24 hours or your account will be permanently suspended.\n\n\
    Verify now: http://paypal.com.account-verify-secure.top/signin\n\nPayPal Security Team\n";

/// The words an attacker who can run the model would pad a mail with: of many made-up
/// words, those whose token weighs most against `class`.
fn most_ham_like_words(class: usize, count: usize) -> Vec<String> {
    use scamguard::detect::model::{Model, features};
    let model = Model::embedded();
    let mut words: Vec<(f32, String)> = (0..60_000u32)
        .map(|i| {
            let word = format!("{}{}", ["zo", "ka", "mi", "tu", "re"][i as usize % 5], i * 7919 % 100_003);
            let bucket = features::bucket(features::TokenKind::Word, &word, model.bits);
            let weight =
                model.tokens.get(bucket as usize).and_then(|row| row.get(class)).copied().unwrap_or(0.0);
            (weight, word)
        })
        .collect();
    words.sort_by(|a, b| a.0.total_cmp(&b.0));
    words.into_iter().take(count).map(|(_, word)| word).collect()
}

// Known weakness, kept as a test to run with `--ignored`: words chosen by probing the
// shipped model for the buckets that weigh most toward ham, padded after a short lure,
// still clear it. They can take off at most MAX_TOKEN_DISCOUNT, but they also dilute
// what the lure's own words add (each token counts 1/sqrt(n) of n). Scaling the tokens
// for and against a class apart, or reading only the first 200 tokens, were tried: both
// cost recall elsewhere and neither stopped this.
#[test]
#[ignore = "known weakness: probed word salad dilutes the lure's words (see the comment)"]
fn word_salad_picked_against_the_model_does_not_clear_a_phishing_mail() {
    let plain = mail::parse(PHISHING.as_bytes()).expect("parses");
    assert_eq!(classify(&plain, &Detector::default()).label, scamguard::detect::Label::Threat);
    for count in [300, 1000, 3000] {
        let salad = most_ham_like_words(1, count).join(" ");
        let verdict = survives(format!("{PHISHING}\n\n{salad}\n").as_bytes()).expect("a verdict");
        assert_eq!(verdict.label, scamguard::detect::Label::Threat, "{count} words: {}", verdict.score);
        let words = verdict.signals.iter().find(|s| s.rule() == "learned_words").expect("listed");
        assert!(
            words.contribution.is_some_and(|c| c >= -scamguard::detect::model::MAX_TOKEN_DISCOUNT),
            "{:?}",
            words.contribution
        );
    }
}
