//! What a detection row keeps of the verdict beside its words: the signals that fired
//! ([`Signals`]) and the evidence behind them ([`Evidence`]: wallets, amounts, deadlines,
//! a password shown), as JSON in the `signals` and `evidence` columns.
//!
//! Both are typed both ways. Written from the engine's structs, read back strictly: a
//! value that is not what this scamguard writes (garbled, a field it does not know, a
//! newer evidence version) is a [`StoreError`](super::StoreError) when the row is read,
//! never a silently empty report. Evidence carries a `version`; rows written before it
//! existed have none and are version 1, the shape they were written in.
//!
//! The structs serialise their fields in alphabetical order, the order `show --json` and
//! `history --json` have always printed them in (they used to go through an untyped JSON
//! value, whose keys are sorted).

use crate::mail::printable::cap;
use serde::{Deserialize, Serialize};

use crate::detect;

/// The evidence format written now. Raise it when the shape changes, and read the
/// older versions on.
pub const EVIDENCE_VERSION: u64 = 1;

/// The evidence kept beside a verdict, as stored (see the module's header).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Evidence {
    pub amounts: Vec<Amount>,
    pub deadlines: Vec<Deadline>,
    /// A password the mail showed the recipient.
    pub shown_password: Option<String>,
    pub wallets: Vec<Wallet>,
}

/// A payment address the mail asked to pay to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wallet {
    pub address: String,
    /// Proved by a checksum, not only by its shape.
    pub checksum_valid: bool,
    /// `bitcoin`, `litecoin`, `ethereum`, `monero`.
    pub coin: String,
    /// Written split up in the mail.
    pub split: bool,
}

/// A sum of money the mail demanded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amount {
    /// ISO 4217 code, or BTC.
    pub currency: String,
    /// As the mail wrote it.
    pub text: String,
    /// `None` when the number is too large to hold (JSON has no infinity: it was always
    /// stored as `null`).
    pub value: Option<f64>,
}

/// A time limit the mail set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    pub hours: u32,
    pub text: String,
}

/// One signal that fired, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signal {
    /// What the rule saw.
    pub evidence: String,
    pub rule: String,
    pub weight: f64,
}

/// The signals of a detection, strongest first as the verdict listed them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Signals(pub Vec<Signal>);

/// Why a stored `signals` or `evidence` value could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("evidence version {0} is not one this scamguard reads (it reads version {EVIDENCE_VERSION})")]
    UnknownVersion(u64),
    #[error("evidence version is not a number: {0}")]
    BadVersion(serde_json::Value),
    #[error("not the JSON scamguard writes: {0}")]
    Json(#[from] serde_json::Error),
}

/// The stored form: the version first, then the evidence's fields.
#[derive(Serialize)]
struct Versioned<'a> {
    version: u64,
    #[serde(flatten)]
    evidence: &'a Evidence,
}

impl Evidence {
    /// The JSON stored in the `evidence` column.
    pub fn to_json(&self) -> String {
        let versioned = Versioned { version: EVIDENCE_VERSION, evidence: self };
        serde_json::to_string(&versioned).unwrap_or_else(|_| "{}".into())
    }

    /// Reads the `evidence` column: a row without a version is version 1. `None` when
    /// the row holds no evidence at all: mail that was never classified (unreadable)
    /// has the column's default, `{}`.
    pub fn from_json(text: &str) -> Result<Option<Evidence>, EvidenceError> {
        let mut object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text)?;
        if let Some(version) = object.remove("version") {
            match version.as_u64() {
                Some(EVIDENCE_VERSION) => {}
                Some(other) => return Err(EvidenceError::UnknownVersion(other)),
                None => return Err(EvidenceError::BadVersion(version)),
            }
        }
        if object.is_empty() {
            return Ok(None);
        }
        Ok(Some(serde_json::from_value(serde_json::Value::Object(object))?))
    }
}

/// Prints what a row holds in its `evidence` column as `show --json` always has: the
/// evidence, or `{}` when none was recorded.
pub(super) fn evidence_or_empty<S: serde::Serializer>(
    evidence: &Option<Evidence>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    match evidence {
        Some(evidence) => evidence.serialize(serializer),
        None => serializer.serialize_map(Some(0))?.end(),
    }
}

/// The `evidence` column as read (see [`Evidence::from_json`]).
pub(super) struct EvidenceColumn(Option<Evidence>);

impl From<EvidenceColumn> for Option<Evidence> {
    fn from(column: EvidenceColumn) -> Self {
        column.0
    }
}

impl EvidenceColumn {
    fn from_json(text: &str) -> Result<EvidenceColumn, EvidenceError> {
        Evidence::from_json(text).map(EvidenceColumn)
    }
}

/// How many wallets, amounts or deadlines of one mail are kept: a mail listing thousands
/// (12,000 wallet-shaped strings made 1.4 MB of evidence) would otherwise fill the
/// database, `show` and the weekly report. The first ones are the ones a reader acts on.
pub const MAX_EVIDENCE_ITEMS: usize = 20;

/// How much of one piece of quoted text (an amount as written, a signal's evidence) is kept.
const MAX_EVIDENCE_TEXT: usize = 300;

fn quoted(text: &str) -> String {
    cap(text, MAX_EVIDENCE_TEXT)
}

impl From<&detect::Evidence> for Evidence {
    fn from(found: &detect::Evidence) -> Self {
        Evidence {
            amounts: found
                .amounts
                .iter()
                .take(MAX_EVIDENCE_ITEMS)
                .map(|a| Amount {
                    currency: a.currency.to_string(),
                    text: quoted(&a.text),
                    value: a.value.is_finite().then_some(a.value),
                })
                .collect(),
            deadlines: found
                .deadlines
                .iter()
                .take(MAX_EVIDENCE_ITEMS)
                .map(|d| Deadline { hours: d.hours, text: quoted(&d.text) })
                .collect(),
            shown_password: found.shown_password.as_deref().map(quoted),
            wallets: found
                .wallets
                .iter()
                .take(MAX_EVIDENCE_ITEMS)
                .map(|w| Wallet {
                    address: quoted(&w.address),
                    checksum_valid: w.checksum_valid,
                    coin: coin_name(w.coin).to_string(),
                    split: w.split,
                })
                .collect(),
        }
    }
}

fn coin_name(coin: detect::wallet::Coin) -> &'static str {
    use detect::wallet::Coin;
    match coin {
        Coin::Bitcoin => "bitcoin",
        Coin::Litecoin => "litecoin",
        Coin::Ethereum => "ethereum",
        Coin::Monero => "monero",
    }
}

impl Signals {
    /// The JSON stored in the `signals` column.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "[]".into())
    }

    pub fn from_json(text: &str) -> Result<Signals, EvidenceError> {
        Ok(serde_json::from_str(text)?)
    }
}

impl From<&[detect::Signal]> for Signals {
    fn from(signals: &[detect::Signal]) -> Self {
        Signals(
            signals
                .iter()
                .map(|s| Signal {
                    evidence: quoted(&s.evidence),
                    rule: s.rule().to_string(),
                    weight: weight(s.counted()),
                })
                .collect(),
        )
    }
}

/// A weight as the decimal the engine means: 1.2, not the 1.2000000476837158 that
/// widening the `f32` gives. Weights were always stored as the `f32`'s shortest decimal,
/// and read back as that decimal.
fn weight(w: f32) -> f64 {
    w.to_string().parse().unwrap_or(f64::from(w))
}

// Columns of JSON text decode through `from_json`, so a bad value is a decode error of
// that column (a `StoreError`), not a panic or a default.
super::vocab::text_column!(EvidenceColumn, |text: &str| Ok(EvidenceColumn::from_json(text)?));
super::vocab::text_column!(Signals, |text: &str| Ok(Signals::from_json(text)?));

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{Detector, classify};

    fn classified(name: &str) -> detect::Verdict {
        let path = format!("{}/tests/data/eml/{name}", env!("CARGO_MANIFEST_DIR"));
        let email = crate::mail::parse(&std::fs::read(path).expect("fixture")).expect("parses");
        classify(&email, &Detector::default())
    }

    #[test]
    fn evidence_and_signals_round_trip_and_read_as_the_engine_wrote_them() {
        let verdict = classified("ja_extortion_iso2022jp_password.eml");
        let evidence = Evidence::from(&verdict.evidence);
        assert!(!evidence.wallets.is_empty() && evidence.shown_password.is_some(), "{evidence:?}");
        let stored = evidence.to_json();
        assert!(stored.starts_with(r#"{"version":1,"#), "{stored}");
        assert_eq!(Evidence::from_json(&stored).expect("reads"), Some(evidence.clone()));
        // Rows written before the version: the engine's own JSON, read as version 1.
        let old = serde_json::to_string(&verdict.evidence).expect("json");
        assert_eq!(Evidence::from_json(&old).expect("an old row reads"), Some(evidence));
        let nothing = Evidence::default().to_json();
        assert_eq!(Evidence::from_json(&nothing).expect("reads"), Some(Evidence::default()), "{nothing}");
        assert_eq!(Evidence::from_json("{}").expect("an unreadable mail's row reads"), None);

        let signals = Signals::from(verdict.signals.as_slice());
        assert_eq!(Signals::from_json(&signals.to_json()).expect("reads"), signals);
        let old = serde_json::to_string(&verdict.signals).expect("json");
        let read = Signals::from_json(&old).expect("an old row reads");
        assert_eq!(read, signals);
        // Reading back gives the weights' decimals, as printing the old rows did.
        let printed: serde_json::Value = serde_json::from_str(&old).expect("json");
        assert_eq!(serde_json::to_value(&read).expect("json"), printed);
    }

    #[test]
    fn garbled_unknown_or_newer_evidence_is_an_error_not_a_default() {
        for bad in [
            "",
            "not json",
            "[]",
            r#"{"wallets":"bc1q"}"#,
            r#"{"wallet":[]}"#,
            r#"{"wallets":[{"address":"bc1q","coin":"bitcoin"}]}"#,
            r#"{"amounts":[{"currency":"USD","text":"$5","value":"5"}]}"#,
            r#"{"version":"1"}"#,
        ] {
            assert!(Evidence::from_json(bad).is_err(), "{bad:?} was read");
        }
        assert!(matches!(Evidence::from_json(r#"{"version":2}"#), Err(EvidenceError::UnknownVersion(2))));
        for bad in
            ["{}", r#"[{"rule":"r","weight":1.0}]"#, r#"[{"rule":"r","weight":1,"evidence":"","x":0}]"#]
        {
            assert!(Signals::from_json(bad).is_err(), "{bad:?} was read");
        }
    }

    /// A number too large for an `f64` (hundreds of digits in a mail) is infinite, which
    /// JSON cannot hold: it is stored as `null`, as it always was, and reads back.
    #[test]
    fn an_amount_too_large_to_hold_is_stored_as_null_and_reads_back() {
        let found = detect::Evidence {
            amounts: vec![detect::money::Amount {
                value: f64::INFINITY,
                currency: "USD",
                text: "$9999".into(),
            }],
            ..detect::Evidence::default()
        };
        let evidence = Evidence::from(&found);
        assert!(evidence.to_json().contains(r#""value":null"#), "{}", evidence.to_json());
        assert_eq!(Evidence::from_json(&evidence.to_json()).expect("reads"), Some(evidence));
        let old = serde_json::to_string(&found).expect("json");
        assert!(old.contains(r#""value":null"#), "{old}");
        assert!(Evidence::from_json(&old).expect("an old row reads").is_some());
    }

    #[test]
    fn weights_keep_their_decimals() {
        assert_eq!(weight(1.2), 1.2);
        assert_eq!(weight(0.15), 0.15);
        assert_eq!(weight(3.0), 3.0);
    }
}

#[cfg(test)]
mod caps {
    use super::*;

    #[test]
    fn evidence_of_one_mail_is_bounded() {
        let wallet = |n: usize| detect::wallet::WalletAddress {
            address: format!("0x{n:040x}"),
            coin: detect::wallet::Coin::Ethereum,
            checksum_valid: false,
            split: false,
        };
        let found = detect::Evidence {
            wallets: (0..12_000).map(wallet).collect(),
            shown_password: Some("p".repeat(100_000)),
            ..Default::default()
        };
        let kept = Evidence::from(&found);
        assert_eq!(kept.wallets.len(), MAX_EVIDENCE_ITEMS);
        assert_eq!(
            kept.wallets.first().map(|w| w.address.as_str()),
            Some("0x0000000000000000000000000000000000000000")
        );
        assert!(kept.shown_password.as_ref().is_some_and(|p| p.len() <= MAX_EVIDENCE_TEXT + 3));
        assert!(kept.to_json().len() < 10_000);
    }
}
