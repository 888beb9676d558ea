//! How `classify` turns the model's reading into a verdict, tested with models whose
//! leaning is set by hand: the score is the probability the mail is unwanted; a decisive
//! signal makes a threat only where the model did not already; a phishing verdict carried
//! by a dangerous attachment is named malware.

use std::sync::Arc;

use super::model::Model;
use super::{Category, Detector, Label, Thresholds, classify};
use crate::mail;

/// A detector whose model leans to class `leaning` (0 ham, 1 extortion, 2 phishing) with
/// odds of e^20, whatever the mail says.
fn leaning(leaning: usize) -> Detector {
    let mut bias = [-20.0; 3];
    if let Some(class) = leaning.checked_sub(1).and_then(|c| bias.get_mut(c)) {
        *class = 20.0;
    }
    let model = Model::new(4, bias, Vec::new(), vec![[0.0; 3]; 16], Thresholds::uniform(0.5, 0.9));
    Detector::with_model(Arc::new(model))
}

fn mail(text: &str) -> mail::Email {
    let raw = format!("From: a@b.example\r\nSubject: hello\r\nContent-Type: text/plain\r\n\r\n{text}\r\n");
    mail::parse(raw.as_bytes()).expect("parses")
}

fn with_attachment(name: &str) -> mail::Email {
    let raw = format!(
        "From: a@b.example\r\nSubject: invoice\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
         Content-Type: text/plain\r\n\r\nSee attached.\r\n--b\r\nContent-Type: application/octet-stream\r\n\
         Content-Disposition: attachment; filename=\"{name}\"\r\n\r\nMZ\r\n--b--\r\n"
    );
    mail::parse(raw.as_bytes()).expect("parses")
}

const DEMAND: &str = "Send 0.05 BTC to bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4 today.";

#[test]
fn the_score_is_the_probability_the_mail_is_unwanted() {
    for detector in [leaning(0), leaning(2)] {
        let verdict = classify(&mail("Lunch at noon?"), &detector);
        let unwanted = 1.0 - verdict.probabilities.ham;
        assert!((verdict.score - unwanted).abs() <= 0.01, "{} vs {unwanted}", verdict.score);
        assert!((0.0..=1.0).contains(&verdict.score));
    }
}

#[test]
fn a_decisive_signal_makes_a_threat_only_where_the_model_did_not() {
    let ham_model = classify(&mail(DEMAND), &leaning(0));
    assert_eq!(
        (ham_model.label, ham_model.category),
        (Label::Threat, Category::Extortion),
        "the demand decides"
    );
    let phishing_model = classify(&mail(DEMAND), &leaning(2));
    assert_eq!(
        (phishing_model.label, phishing_model.category),
        (Label::Threat, Category::Phishing),
        "already a threat: the model's kind stands"
    );
}

#[test]
fn a_phishing_verdict_carried_by_a_dangerous_attachment_is_malware() {
    let exe = classify(&with_attachment("invoice.pdf.exe"), &leaning(2));
    assert_eq!((exe.label, exe.category), (Label::Threat, Category::Malware));
    let pdf = classify(&with_attachment("invoice.pdf"), &leaning(2));
    assert_eq!((pdf.label, pdf.category), (Label::Threat, Category::Phishing), "a harmless attachment");
    let extortion = classify(&with_attachment("invoice.pdf.exe"), &leaning(1));
    assert_eq!(extortion.category, Category::Extortion, "only phishing is renamed");
}
