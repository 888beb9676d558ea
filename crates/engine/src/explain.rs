//! Renders verdicts for people and programs: one JSON object per message, one summary
//! line per message, the full account behind `scamguard explain`, and the table of every
//! signal behind `scamguard signals`.

use std::fmt::Write;

use serde_json::{Value, json};

use crate::detect::signals::SIGNALS;
use crate::detect::{Category, Label, Signal, SignalId, Verdict};
use crate::mail::Email;
use crate::mail::printable::{MAX_FIELD_BYTES, cap, escape as p};

/// The JSON object `scan --json` prints for a classified message. Header fields are capped
/// as the history stores them ([`MAX_FIELD_BYTES`]): a megabyte subject makes no megabyte line.
pub fn json_line(path: &str, email: &Email, verdict: &Verdict) -> Value {
    let capped = |field: &str| cap(field, MAX_FIELD_BYTES);
    json!({
        "path": path,
        "message_id": email.message_id.as_deref().map(capped),
        "subject": capped(&email.subject),
        "from": email.from.as_ref().map(|f| capped(&f.address)),
        "verdict": verdict.label,
        "category": verdict.category,
        "score": verdict.score,
        "probabilities": verdict.probabilities,
        "signals": verdict.signals,
        "evidence": verdict.evidence,
    })
}

/// The JSON object `scan --json` prints for a message that could not be read.
pub fn json_error(path: &str, error: &str) -> Value {
    json!({ "path": path, "verdict": null, "error": error })
}

/// How many signals that raised the score, and how many that lowered it, a summary line
/// names.
const SUMMARY_RAISED: usize = 4;
const SUMMARY_LOWERED: usize = 2;

/// One readable line: verdict, score, category, path (escaped: a file name is anyone's)
/// and the strongest signals each way, with the weight `explain` shows: what raised the
/// score (`+`), then what lowered it (`-`), so an advisory that retells a scam shows the
/// warning that cleared it: `[crypto_wallet_verified +3.0, …, warns_about_scams -10.0]`.
pub fn summary_line(path: &str, verdict: &Verdict) -> String {
    let weighed: Vec<(f32, &str)> = verdict.signals.iter().map(|s| (shown_weight(s), s.rule())).collect();
    let mut raised: Vec<&(f32, &str)> = weighed.iter().filter(|(w, _)| *w > 0.0).collect();
    raised.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut lowered: Vec<&(f32, &str)> = weighed.iter().filter(|(w, _)| *w < 0.0).collect();
    lowered.sort_by(|a, b| a.0.total_cmp(&b.0));
    let named: Vec<String> = raised
        .into_iter()
        .take(SUMMARY_RAISED)
        .chain(lowered.into_iter().take(SUMMARY_LOWERED))
        .map(|(weight, rule)| format!("{rule} {weight:+.1}"))
        .collect();
    format!(
        "{:<10} {:>5.1}  {:<9}  {}  [{}]",
        verdict.label.as_str(),
        verdict.score,
        verdict.category.as_str(),
        p(path),
        named.join(", ")
    )
}

/// The weight `explain` and the summary line show for a signal: its table weight at the
/// strength it fired (the account's learning has none: what it added).
fn shown_weight(signal: &Signal) -> f32 {
    if signal.id == SignalId::LearnedFromFeedback { signal.counted() } else { signal.weight() }
}

/// A full account of a verdict: what the message is, the verdict, and every signal with
/// its evidence, strongest first, then what was extracted and what to do. Text from the
/// mail is escaped ([`p`]).
pub fn explain(email: &Email, verdict: &Verdict) -> String {
    let mut out = String::new();
    let from = email.from.as_ref().map_or(String::from("(none)"), |f| match &f.name {
        Some(name) => format!("{name} <{}>", f.address),
        None => f.address.clone(),
    });
    let _ = writeln!(out, "From:     {}", p(&cap(&from, MAX_FIELD_BYTES)));
    let _ = writeln!(out, "Subject:  {}", p(&cap(&email.subject, MAX_FIELD_BYTES)));
    let _ = writeln!(
        out,
        "Verdict:  {} ({}), score {:.1}\n",
        verdict.label.as_str(),
        verdict.category.as_str(),
        verdict.score
    );
    if verdict.signals.is_empty() {
        let _ = writeln!(out, "No signal fired.");
    } else {
        // What a signal added is the model's reading of it, which can be far from its
        // table weight (a rule that fires on much ham is trusted less): both are shown.
        let _ = writeln!(out, "Signals, strongest first (what each added, its table weight):");
        for signal in &verdict.signals {
            let _ = writeln!(
                out,
                "  {:+6.2}  {:>7}  {:<30} {}",
                signal.counted(),
                format!("({:+.1})", shown_weight(signal)),
                signal.rule(),
                p(&signal.evidence)
            );
        }
    }
    let evidence = &verdict.evidence;
    if !evidence.wallets.is_empty() {
        let _ = writeln!(out, "\nPayment addresses:");
        for wallet in &evidence.wallets {
            let proof = if wallet.checksum_valid { "checksum valid" } else { "shape only" };
            let split = if wallet.split { ", written split to evade filters" } else { "" };
            let _ = writeln!(out, "  {:?} {} ({proof}{split})", wallet.coin, p(&wallet.address));
        }
    }
    if !evidence.amounts.is_empty() {
        let amounts: Vec<String> =
            evidence.amounts.iter().map(|a| format!("{} {}", a.value, a.currency)).collect();
        let _ = writeln!(out, "\nAmounts named: {}", amounts.join(", "));
    }
    if !evidence.deadlines.is_empty() {
        let deadlines: Vec<_> = evidence.deadlines.iter().map(|d| p(&d.text)).collect();
        let _ = writeln!(out, "Deadlines named: {}", deadlines.join(", "));
    }
    if let Some(password) = evidence.shown_password.as_deref().map(p) {
        let _ = writeln!(
            out,
            "\nThe mail shows a password ({password}). If you ever used it, change it everywhere it was \
             used and turn on two-factor login; it most likely comes from an old data breach."
        );
    }
    if verdict.label != Label::Clean {
        let _ = writeln!(out, "\n{}", advice(verdict));
    }
    out
}

/// Every signal the rules can emit, for users: grouped by category, each with its stored
/// name, weight (and the weights of its levels), kind, human name and what it means.
/// Read from [`SIGNALS`], so it lists exactly what the classifier can say.
pub fn signal_table() -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Every signal scamguard can report. A verdict's score is its strongest category's sum\n\
         plus the shared signals; threat from 6.0, suspicious from 5.0 (configurable)."
    );
    let categories = [Category::Extortion, Category::Phishing, Category::Malware, Category::Other];
    for category in categories {
        let rows: Vec<_> = SIGNALS.iter().filter(|row| row.category == category).collect();
        let heading = match category {
            Category::Other => "shared (count for any category) and fraud",
            other => other.as_str(),
        };
        let _ = writeln!(out, "\n{heading}:");
        for row in rows {
            let _ = writeln!(
                out,
                "  {:+5.1}  {:<30} {:<14} {}",
                row.weight,
                row.rule,
                row.kind.as_str(),
                row.title
            );
            let _ = writeln!(out, "{:9}{}", "", row.doc);
            for level in row.levels {
                let moved = level.category.map(|c| format!(", counts as {}", c.as_str())).unwrap_or_default();
                let _ = writeln!(out, "{:9}{:+.1} when {}{moved}", "", row.weight * level.factor, level.when);
            }
        }
    }
    out
}

fn advice(verdict: &Verdict) -> &'static str {
    // Fraud is judged as phishing (see `signals::FRAUD`), but it asks for money, not a
    // password, and the advice says so.
    if crate::detect::score::judged_as_fraud(&verdict.probabilities.as_array(), verdict.category) {
        return "What to do: do not reply and send no money or details. Offers of a fortune that \
                first need a fee or your details are fraud.";
    }
    match verdict.category {
        crate::detect::Category::Extortion => {
            "What to do: do not pay and do not reply. This is a bulk scam; the sender has no video. \
             Delete it, or keep it for a police report."
        }
        crate::detect::Category::Phishing => {
            "What to do: do not click its links or enter any password. Open the service's site or app \
             yourself if you want to check your account."
        }
        crate::detect::Category::Malware => "What to do: do not open its attachments or links.",
        crate::detect::Category::Other => {
            "What to do: do not reply, buy from it or open its attachments or links; it is unsolicited \
             advertising at best."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signal_table_lists_every_row_and_the_weight_of_every_level() {
        let table = signal_table();
        for row in SIGNALS {
            let line = table.lines().find(|l| l.split_whitespace().nth(1) == Some(row.rule));
            let line = line.unwrap_or_else(|| panic!("{} is not listed:\n{table}", row.rule));
            assert!(line.contains(row.title) && line.contains(row.kind.as_str()), "{line}");
            assert!(line.trim_start().starts_with(&format!("{:+.1}", row.weight)), "{line}");
            assert!(table.contains(row.doc), "{}", row.rule);
        }
        // Levels show the weight they give: a wallet in a list of three weighs 1.0, an
        // attached page counts as phishing.
        assert!(table.contains("+1.0 when more than two addresses"), "{table}");
        assert!(table.contains("+3.0 when a web page: a phishing form, counts as phishing"), "{table}");
    }

    /// A mail of the golden set, by file name.
    fn golden(name: &str) -> Email {
        let path = format!("{}/../../tests/data/eml/{name}", env!("CARGO_MANIFEST_DIR"));
        crate::mail::parse(&std::fs::read(path).expect("fixture")).expect("parses")
    }

    /// The golden set's advisory that retells a scam (clean: it warns about it).
    fn advisory() -> Email {
        golden("ham_en_advisory_quotes_scam.eml")
    }

    /// Fraud is judged as phishing but advised as fraud: no money, no details (not "no
    /// password"); an advert is advised as one.
    #[test]
    fn fraud_is_advised_as_fraud_and_an_advert_as_advertising() {
        let detector = crate::detect::Detector::default();
        for (name, says) in [
            ("en_fraud_advance_fee.eml", "send no money or details"),
            ("en_spam_pharmacy_advert.eml", "unsolicited advertising"),
        ] {
            let email = golden(name);
            let text = explain(&email, &crate::detect::classify(&email, &detector));
            assert!(text.contains(says), "{name}: {text}");
        }
    }

    /// An advisory that retells a scam is clean because it warns about it: its line
    /// names that warning with the weight that lowered the score, after what raised it.
    #[test]
    fn the_summary_names_what_lowered_the_score_too() {
        let email = advisory();
        let verdict = crate::detect::classify(&email, &crate::detect::Detector::default());
        let line = summary_line("advisory.eml", &verdict);
        let named = line.split_once('[').and_then(|(_, rest)| rest.strip_suffix(']')).expect("a list");
        let weights: Vec<f32> = named
            .split(", ")
            .map(|item| item.rsplit_once(' ').and_then(|(_, w)| w.parse().ok()).expect("signed weight"))
            .collect();
        assert!(named.starts_with("crypto_wallet_verified +3.0, "), "the strongest raise first: {line}");
        assert!(named.ends_with("warns_about_scams -10.0"), "what lowered it, last: {line}");
        let first_lowering = weights.iter().position(|w| *w < 0.0).expect("a lowering signal");
        assert!(weights[..first_lowering].iter().all(|w| *w > 0.0), "raises, then lowerings: {line}");
        assert!(weights.len() <= SUMMARY_RAISED + SUMMARY_LOWERED);
        assert!(!named.contains("learned_words"), "a signal that weighs nothing is not named: {line}");
    }

    /// `explain` shows what each signal added (the model's reading) beside its table
    /// weight, and names the tokens behind a clean verdict, which the mail flow skips.
    #[test]
    fn explain_shows_what_each_signal_added_and_the_tokens_behind_a_clean_verdict() {
        let email = advisory();
        let detector = crate::detect::Detector::default();
        let learned = |verdict: &Verdict| {
            verdict.signals.iter().find(|s| s.id == SignalId::LearnedWords).cloned().expect("always listed")
        };
        let flow = crate::detect::classify(&email, &detector);
        assert_eq!(flow.label, crate::detect::Label::Clean);
        assert!(learned(&flow).evidence.is_empty(), "the mail flow names no tokens on clean mail");
        let asked = crate::detect::classify_explained(&email, &detector);
        assert_eq!((asked.label, asked.score), (flow.label, flow.score), "the same verdict");
        let words = learned(&asked);
        assert!(words.evidence.contains('"'), "tokens named: {:?}", words.evidence);
        let text = explain(&email, &asked);
        let line = |rule: &str| {
            text.lines().find(|l| l.split_whitespace().nth(2) == Some(rule)).unwrap_or_default().to_string()
        };
        let words_line = line("learned_words");
        assert!(words_line.trim_start().starts_with(&format!("{:+.2}", words.counted())), "{text}");
        assert!(words_line.contains("(+0.0)"), "{text}");
        for signal in asked.signals.iter().filter(|s| s.id != SignalId::LearnedWords) {
            let shown = line(signal.rule());
            assert!(shown.trim_start().starts_with(&format!("{:+.2}", signal.counted())), "{text}");
            assert!(shown.contains(&format!("({:+.1})", shown_weight(signal))), "{text}");
        }
    }

    #[test]
    fn explain_and_summary_escape_what_the_mail_and_file_name_hold() {
        let raw =
            b"From: \"Bank\x1b[2J\" <a@b.example>\r\nSubject: =?UTF-8?Q?hi=0D=0Aforged=1B[31m?=\r\n\r\nbody";
        let email = crate::mail::parse(raw).expect("parses");
        assert!(email.subject.contains('\x1b'), "the subject decodes to an ESC: {:?}", email.subject);
        let verdict = crate::detect::classify(&email, &crate::detect::Detector::default());
        let text = explain(&email, &verdict);
        let line = summary_line("mail\r\n\u{202e}lmth.exe", &verdict);
        for output in [&text, &line] {
            assert!(!output.contains(['\r', '\x1b', '\u{202e}']), "{output:?}");
        }
        assert!(text.contains("hi\\r\\nforged\\x1b[31m"), "{text}");
    }
}
