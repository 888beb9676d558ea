//! Fuzz target: any bytes through parsing and classification must never panic, whether
//! the topmost Authentication-Results header is believed or configured servers' are.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
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

fuzz_target!(|data: &[u8]| {
    if let Ok(email) = scamguard_engine::mail::parse(data) {
        for detector in [&Detector::default(), &*TRUSTING] {
            let verdict = classify(&email, detector);
            assert!(verdict.score.is_finite());
        }
    }
});
