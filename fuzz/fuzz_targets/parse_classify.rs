//! Fuzz target: any bytes through parsing and classification must never panic, whether
//! the topmost Authentication-Results header is believed or configured servers' are, and
//! with an account's learning as well as without.
#![no_main]

use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use scamguard_engine::detect::personal::{Feedback, Personal};
use scamguard_engine::detect::{Detector, classify};
use scamguard_engine::mail::auth::AuthservId;

/// A detector believing an exact id, every host below a domain and Microsoft's unnamed
/// header, so the configured path is fuzzed as well as the default one.
static TRUSTING: LazyLock<Detector> = LazyLock::new(|| Detector {
    authserv_ids: ["mx.google.com", "*.example.com", "(none)"]
        .iter()
        .map(|id| id.parse::<AuthservId>().expect("valid ids"))
        .collect(),
    ..Detector::default()
});

/// A detector with an account's learning: a released newsletter that came through a
/// relay no server authenticated, and a reported scam, so the layer's tokens, the relay
/// credit and the near-copy digests are fuzzed too.
static LEARNED: LazyLock<Detector> = LazyLock::new(|| {
    let base = Detector::default();
    let mut personal = Personal::default();
    let released =
        b"Received: from out.news.example (mail.news.example [203.0.113.7]) by mx.home.example\r\n\
        From: Letters <letters@news.example>\r\nSubject: This week in the garden\r\n\r\n\
        Seedlings, frost and the first tomatoes: what to plant this week, and how to water it.\r\n";
    let reported = b"From: Support <help@stranger.example>\r\nSubject: Your mailbox is full\r\n\r\n\
        Your mailbox will be closed today. Log in at https://mailbox-help.example/login to keep it.\r\n";
    for (feedback, raw) in [(Feedback::Released, &released[..]), (Feedback::Reported, &reported[..])] {
        let email = scamguard_engine::mail::parse(raw).expect("a fixed mail parses");
        personal.learn(feedback, &email, &base);
    }
    Detector { personal: Some(Arc::new(personal)), ..base }
});

fuzz_target!(|data: &[u8]| {
    if let Ok(email) = scamguard_engine::mail::parse(data) {
        for detector in [&Detector::default(), &*TRUSTING, &*LEARNED] {
            let verdict = classify(&email, detector);
            assert!(verdict.score.is_finite());
        }
    }
});
