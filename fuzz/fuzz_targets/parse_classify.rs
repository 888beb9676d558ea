//! Fuzz target: any bytes through parsing and classification must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scamguard_engine::detect::{Detector, classify};

fuzz_target!(|data: &[u8]| {
    if let Ok(email) = scamguard_engine::mail::parse(data) {
        let verdict = classify(&email, &Detector::default());
        assert!(verdict.score.is_finite());
    }
});
