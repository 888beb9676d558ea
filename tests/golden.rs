//! Every fixture in `tests/data/eml` against `tests/data/expected.json`: the verdict, the
//! category, and the signals that must have fired (by their stored names, read as
//! [`SignalId`]s: a name that is no signal fails); on clean mail, the only ones that may.

use std::collections::BTreeMap;

use scamguard::detect::{Detector, Label, SignalId, classify};
use scamguard::mail;
use serde::Deserialize;

#[derive(Deserialize)]
struct Expected {
    verdict: String,
    #[serde(default)]
    category: Option<String>,
    /// Signals that must fire; on clean mail, the only ones that may.
    #[serde(default)]
    rules: Vec<SignalId>,
}

#[test]
fn every_fixture_gets_its_expected_verdict_and_signals() {
    let expected_path = super::fixtures().join("../expected.json");
    let expected: BTreeMap<String, Expected> =
        serde_json::from_str(&std::fs::read_to_string(&expected_path).expect("expected.json"))
            .expect("valid JSON");
    let mut checked = 0;
    let mut failures = Vec::new();
    for file in scamguard::source::eml_files(&super::fixtures()) {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let want = expected.get(&name).unwrap_or_else(|| panic!("{name} has no entry in expected.json"));
        let raw = std::fs::read(&file).expect("fixture readable");
        let email = mail::parse(&raw).expect("fixture parses");
        let verdict = classify(&email, &Detector::default());
        // The model's summary of the words is part of every verdict, not a rule firing.
        let fired: Vec<SignalId> =
            verdict.signals.iter().map(|s| s.id).filter(|id| *id != SignalId::LearnedWords).collect();
        if verdict.label.as_str() != want.verdict {
            failures.push(format!(
                "{name}: verdict {} (score {}), expected {}; fired {fired:?}",
                verdict.label.as_str(),
                verdict.score,
                want.verdict
            ));
        }
        if let Some(category) = &want.category
            && verdict.category.as_str() != category
        {
            failures.push(format!("{name}: category {}, expected {category}", verdict.category.as_str()));
        }
        for rule in &want.rules {
            if !fired.contains(rule) {
                failures.push(format!("{name}: {rule:?} did not fire; fired {fired:?}"));
            }
        }
        // On clean mail every signal that fires is listed: anything else is a signal
        // speaking up where it should stay silent.
        if verdict.label == Label::Clean {
            let unlisted: Vec<&SignalId> = fired.iter().filter(|id| !want.rules.contains(id)).collect();
            if !unlisted.is_empty() {
                failures.push(format!("{name}: clean, yet {unlisted:?} fired unlisted"));
            }
        }
        checked += 1;
    }
    assert!(checked > 0, "no fixtures were found: an empty folder must not pass");
    assert_eq!(checked, expected.len(), "every expected entry has a fixture file");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn wallet_inside_an_html_attribute_is_found() {
    let raw = "From: x@sender.example\r\nTo: v@example.com\r\nSubject: hi\r\nContent-Type: text/html\r\n\r\n\
        <p>I hacked your device and recorded you with your camera on an adult site. Pay in bitcoin within 24 hours or your contacts see it.</p>\
        <img alt=\"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4\" src=\"cid:x\">";
    let verdict = classify(&mail::parse(raw.as_bytes()).expect("parses"), &Detector::default());
    assert!(verdict.evidence.wallets.iter().any(|w| w.checksum_valid && w.address.starts_with("bc1qw508")));
    assert_eq!(verdict.label.as_str(), "threat");
}

#[test]
fn wallet_wrapped_across_lines_is_found() {
    let raw = "From: x@sender.example\r\nTo: v@example.com\r\nSubject: hi\r\n\r\nBTC wallet:\r\n1BvBMSEYstWe\r\ntqTFn5Au4m4GFg7xJaNVN2\r\n";
    let verdict = classify(&mail::parse(raw.as_bytes()).expect("parses"), &Detector::default());
    let wallet = verdict.evidence.wallets.first().expect("wallet found");
    assert!(wallet.checksum_valid && wallet.split, "{wallet:?}");
    assert_eq!(wallet.address, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2");
}

#[test]
fn amounts_and_deadlines_are_kept_as_evidence() {
    let raw = std::fs::read(super::fixtures().join("ja_extortion_iso2022jp_password.eml")).expect("fixture");
    let verdict = classify(&mail::parse(&raw).expect("parses"), &Detector::default());
    assert!(
        verdict.evidence.amounts.iter().any(|a| a.currency == "JPY" && a.value == 50_000.0),
        "{:?}",
        verdict.evidence.amounts
    );
    assert!(verdict.evidence.deadlines.iter().any(|d| d.hours == 48));
    assert_eq!(verdict.evidence.shown_password.as_deref(), Some("tanuki2019"));
}
