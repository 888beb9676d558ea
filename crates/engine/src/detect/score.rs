//! Scoring: the model's reading in; the verdict's label and category, the order of its
//! signals and the words behind it out.
//!
//! A mail is a threat when it is unwanted with at least the threat threshold's
//! probability and most likely extortion or phishing (or other spam with a fair share of
//! phishing, see [`PHISHING_SHARE`]); suspicious from the suspicious threshold, or when it
//! is most likely other spam (a threat only when the user asks for other spam to be
//! moved). Signals are listed strongest first: history, `show` and the
//! explanations promise it.

use super::model::{CLASSES, Model, Reading, features};
use super::{Category, Facts, Label, Signal, Thresholds};
use crate::mail::printable;

/// The most of one token the evidence quotes: words are at most 24 characters, but a link
/// host or a sender's domain is as long as the mail makes it, and evidence is kept.
const MAX_TOKEN_SHOWN: usize = 64;

/// Orders `signals` strongest first. The sort is stable: signals of equal weight stay in
/// the order the rules ran, so the same mail always lists them the same way.
pub fn strongest_first(signals: &mut [Signal]) {
    signals.sort_by(|a, b| b.counted().total_cmp(&a.counted()));
}

/// The label and category the model's probabilities (ham, extortion, phishing, other)
/// earn. Whether a mail is unwanted at all is the model's surest call (ham against
/// everything else); which kind it is, less so. So the thresholds apply to the
/// probability that it is unwanted, and the likeliest kind decides what is done:
/// extortion and phishing are threats, other spam is only marked suspicious unless the
/// user asked for it to be moved.
///
/// `fraud` is, when a fraud signal fired (see `signals::FRAUD`), the probability that the
/// mail is unwanted without those signals. What reads as other spam is then fraud, judged
/// as phishing, if that probability alone reaches the threat threshold: a fraud rule may
/// say which kind of scam a mail is, never by itself that it is one worth moving.
pub fn judge(
    probabilities: &[f32; 4],
    thresholds: &Thresholds,
    move_other: bool,
    fraud: Option<f32>,
) -> (Label, Category) {
    let [ham, ..] = *probabilities;
    let unwanted = 1.0 - ham;
    let fraud = fraud.is_some_and(|without| without >= thresholds.threat);
    let category = likeliest(probabilities, fraud);
    let threat = if category == Category::Extortion { thresholds.extortion } else { thresholds.threat };
    if unwanted >= threat && (category != Category::Other || move_other) {
        (Label::Threat, category)
    } else if unwanted >= thresholds.suspicious {
        (Label::Suspicious, category)
    } else {
        (Label::Clean, Category::Other)
    }
}

/// The least share of a mail's unwanted probability phishing must have for the mail to be
/// judged as phishing though the model reads other spam as likelier. Spam and phishing
/// overlap (prize lures, fake shops, crypto pitches that end at a login form), and the cost
/// is lopsided: phishing missed takes a password or a card, other spam moved without being
/// asked for is still spam. One chance in five was chosen on that ground, not fitted: in
/// cross-validation on the training corpus every share from a tenth to two fifths moves no
/// ham that was not already flagged, and each tenth less moves a few dozen more mails of
/// either kind of spam (README, "How it decides").
pub const PHISHING_SHARE: f32 = 0.2;

/// The likeliest unwanted kind of `probabilities` (ham, extortion, phishing, other):
/// other spam only when strictly likelier than both threats, and then phishing when it is
/// `fraud` or phishing has at least [`PHISHING_SHARE`] of the unwanted probability;
/// extortion over phishing at a tie.
pub fn likeliest(probabilities: &[f32; 4], fraud: bool) -> Category {
    let [_, extortion, phishing, other] = *probabilities;
    if other > extortion.max(phishing) {
        let phishing_share = phishing >= PHISHING_SHARE * (extortion + phishing + other);
        if fraud || phishing_share { Category::Phishing } else { Category::Other }
    } else if extortion >= phishing {
        Category::Extortion
    } else {
        Category::Phishing
    }
}

/// Whether a verdict of `category` from `probabilities` is fraud judged as phishing: the
/// model read it as other spam (see [`judge`]).
pub fn judged_as_fraud(probabilities: &[f32; 4], category: Category) -> bool {
    category == Category::Phishing && likeliest(probabilities, false) == Category::Other
}

/// The model class whose weights explain a verdict: its category's, or for a clean mail
/// the class the model leaned to most.
pub fn class_of(label: Label, category: Category, reading: &Reading) -> usize {
    match (label, category) {
        (Label::Clean, _) => (0..CLASSES.len())
            .max_by(|&a, &b| {
                let logit = |i: usize| reading.logits.get(i).copied().unwrap_or(f32::MIN);
                logit(a).total_cmp(&logit(b)).then(b.cmp(&a))
            })
            .unwrap_or(0),
        (_, Category::Extortion) => 0,
        (_, Category::Phishing | Category::Malware) => 1,
        (_, Category::Other) => 2,
    }
}

/// Rounded to hundredths, so that a verdict prints and compares the same everywhere.
pub fn round(value: f32) -> f32 {
    (value * 100.0).round() / 100.0
}

/// The `count` tokens of the mail that pushed hardest toward `class`, as
/// `word "bitcoin" +0.42`. Only the tokens that make the list are written out, each
/// escaped and cut to `MAX_TOKEN_SHOWN` bytes (a sender's domain may hold control
/// characters), so the evidence is printable and bounded before anything displays it.
pub fn top_tokens(
    facts: &Facts<'_>,
    tokens: &features::Tokens,
    model: &Model,
    class: usize,
    count: usize,
) -> String {
    let total = tokens.buckets.len();
    let mut top: Vec<(f32, usize)> = Vec::with_capacity(count + 1);
    for (i, &bucket) in tokens.buckets.iter().enumerate() {
        let weight = model.token_contribution(bucket, total, class);
        let weakest = if top.len() < count { 0.0 } else { top.last().map_or(0.0, |t| t.0) };
        if weight > weakest {
            let at = top.iter().position(|t| t.0 < weight).unwrap_or(top.len());
            top.insert(at, (weight, i));
            top.truncate(count);
        }
    }
    top.iter()
        .filter_map(|&(weight, i)| {
            let (kind, token) = tokens.token(i, facts)?;
            let shown = printable::cap(&printable::escape(&token), MAX_TOKEN_SHOWN);
            Some(format!("{} \"{shown}\" {weight:+.2}", kind.label()))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::model::features::{TokenKind, Tokens, bucket};
    use crate::mail;

    const THRESHOLDS: Thresholds = Thresholds { suspicious: 0.5, threat: 0.9, extortion: 0.7 };

    #[test]
    fn scores_are_rounded_to_hundredths() {
        assert_eq!(round(0.123), 0.12);
        assert_eq!(round(0.126), 0.13);
        assert_eq!(round(-1.256), -1.26);
        assert_eq!(round(3.0), 3.0);
    }

    /// Other spam must be strictly likelier than both threats to be called other: a tie
    /// with phishing is phishing (the kind that is acted on).
    #[test]
    fn the_likeliest_kind_decides_and_a_tie_with_other_spam_is_a_threat() {
        assert_eq!(
            judge(&[0.0, 0.1, 0.45, 0.45], &THRESHOLDS, false, None),
            (Label::Threat, Category::Phishing)
        );
        assert_eq!(
            judge(&[0.0, 0.1, 0.15, 0.75], &THRESHOLDS, false, None),
            (Label::Suspicious, Category::Other)
        );
        assert_eq!(judge(&[0.0, 0.1, 0.15, 0.75], &THRESHOLDS, true, None), (Label::Threat, Category::Other));
        assert_eq!(
            judge(&[0.2, 0.4, 0.4, 0.0], &THRESHOLDS, false, None),
            (Label::Threat, Category::Extortion)
        );
        // Extortion has its own, lower threshold; phishing at the same odds is suspicious.
        assert_eq!(
            judge(&[0.25, 0.75, 0.0, 0.0], &THRESHOLDS, false, None),
            (Label::Threat, Category::Extortion)
        );
        assert_eq!(
            judge(&[0.25, 0.0, 0.75, 0.0], &THRESHOLDS, false, None),
            (Label::Suspicious, Category::Phishing)
        );
        assert_eq!(judge(&[0.6, 0.0, 0.4, 0.0], &THRESHOLDS, false, None), (Label::Clean, Category::Other));
    }

    /// Fraud the model reads as other spam is judged as phishing, at phishing's thresholds.
    #[test]
    fn fraud_read_as_other_spam_is_judged_as_phishing() {
        let fraud = Some(0.95);
        assert_eq!(
            judge(&[0.0, 0.1, 0.15, 0.75], &THRESHOLDS, false, fraud),
            (Label::Threat, Category::Phishing)
        );
        assert_eq!(
            judge(&[0.3, 0.0, 0.1, 0.6], &THRESHOLDS, false, fraud),
            (Label::Suspicious, Category::Phishing)
        );
        assert_eq!(judge(&[0.6, 0.0, 0.1, 0.3], &THRESHOLDS, false, fraud), (Label::Clean, Category::Other));
        assert_eq!(
            judge(&[0.0, 0.6, 0.1, 0.3], &THRESHOLDS, false, fraud),
            (Label::Threat, Category::Extortion)
        );
        // The fraud signal was what made it unwanted: other spam, as without the rule.
        assert_eq!(
            judge(&[0.0, 0.1, 0.15, 0.75], &THRESHOLDS, false, Some(0.7)),
            (Label::Suspicious, Category::Other)
        );
    }

    /// Other spam that is still at least a fifth phishing is judged as phishing, at
    /// phishing's thresholds, and explained by phishing's weights (it is no fraud).
    #[test]
    fn other_spam_with_a_fair_share_of_phishing_is_judged_as_phishing() {
        let cases = [
            ([0.0, 0.0, 0.25, 0.75], (Label::Threat, Category::Phishing), "a quarter phishing"),
            ([0.3, 0.0, 0.2, 0.5], (Label::Suspicious, Category::Phishing), "below the threat threshold"),
            // The share is of the unwanted probability, not of all of it.
            ([0.4, 0.0, 0.15, 0.45], (Label::Suspicious, Category::Phishing), "a quarter of the unwanted"),
            ([0.0, 0.05, 0.15, 0.8], (Label::Suspicious, Category::Other), "less than a fifth"),
            // Extortion's share moves nothing: its threshold is lower, set for what reads
            // as extortion, not for spam.
            ([0.2, 0.3, 0.0, 0.5], (Label::Suspicious, Category::Other), "extortion's share"),
        ];
        for (probabilities, expected, case) in cases {
            assert_eq!(judge(&probabilities, &THRESHOLDS, false, None), expected, "{case}");
        }
        assert!(!judged_as_fraud(&[0.0, 0.0, 0.25, 0.75], Category::Phishing), "explained as phishing");
    }

    #[test]
    fn each_verdict_is_explained_by_its_own_class() {
        let reading = Reading { probabilities: [0.2; 4], logits: [0.5, -1.0, 2.0], tokens: [0.0; 3] };
        assert_eq!(class_of(Label::Threat, Category::Extortion, &reading), 0);
        assert_eq!(class_of(Label::Threat, Category::Phishing, &reading), 1);
        assert_eq!(class_of(Label::Threat, Category::Malware, &reading), 1);
        assert_eq!(class_of(Label::Suspicious, Category::Other, &reading), 2);
        assert_eq!(class_of(Label::Clean, Category::Other, &reading), 2, "the class it leaned to most");
    }

    /// The evidence names the tokens that pushed hardest, strongest first, at most
    /// `count`, and none that pushed the other way.
    #[test]
    fn top_tokens_are_the_strongest_positive_ones_in_order() {
        let raw = "From: a@b.example\r\n\r\nalpha bravo charlie delta echo foxtrot";
        let email = mail::parse(raw.as_bytes()).expect("parses");
        let facts = Facts::gather(&email);
        let bits = 10;
        let tokens = Tokens::read(&facts, bits);
        let mut rows = vec![[0.0; 3]; 1 << bits];
        for (word, weight) in [
            ("alpha", 1.0),
            ("bravo", 3.0),
            ("charlie", -5.0),
            ("delta", 2.0),
            ("echo", 0.5),
            ("foxtrot", 2.0),
        ] {
            rows[bucket(TokenKind::Word, word, bits) as usize][1] = weight;
        }
        let model = Model::new(bits, [0.0; 3], Vec::new(), rows, THRESHOLDS);
        let names = |shown: &str| -> Vec<String> {
            shown.split(", ").filter_map(|t| t.split('"').nth(1)).map(str::to_string).collect()
        };
        // Equal weights keep the order the words came in.
        assert_eq!(names(&top_tokens(&facts, &tokens, &model, 1, 3)), ["bravo", "delta", "foxtrot"]);
        let all = top_tokens(&facts, &tokens, &model, 1, 10);
        assert_eq!(
            names(&all),
            ["bravo", "delta", "foxtrot", "alpha", "echo"],
            "no token that pushed nothing or against: {all}"
        );
        assert!(top_tokens(&facts, &tokens, &model, 0, 3).is_empty(), "nothing pushed toward extortion");
    }
}
