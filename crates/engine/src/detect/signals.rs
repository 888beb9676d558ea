//! Every signal the rules can emit, as data: one row per signal in [`SIGNALS`] (its
//! stable id, stored name, human name, category, kind of trick, a line for users and its
//! default weight), and the [`Signal`] a rule emits, which carries only the id, how
//! strongly it fired and its evidence.
//!
//! The rules decide *whether* a signal fires and with what evidence; the table decides
//! what it is worth. A row's `weight` is the signal at full strength. Where a rule sees a
//! signal at different strengths (one wallet address or a list of them, a brand in the
//! sender name or only in the subject), the row lists its [`Level`]s, each a documented
//! factor on that weight; the rule names the level it saw, never a number. A level may
//! also say that the signal then belongs to another category or kind (an attached web
//! page is phishing where an attached program is malware; a broken DKIM signature alone
//! is a hint, not a forged sender).
//!
//! For a linear model over the signals, a signal is the feature keyed by its [`SignalId`],
//! its value is [`Signal::strength`] (1 at full strength), and the row's weight is the
//! prior: today's score is the sum of weight × strength ([`super::score`]).
//!
//! The stored name ([`SignalId::name`]) is what verdicts serialise and what the history
//! in existing databases holds: it never changes for an id.
//!
//! Each row's title and line in Japanese are in [`SIGNALS_JA`], a table beside this one
//! ([`SignalId::japanese`]), for the Japanese review page.

mod ja;
mod table;

#[cfg(test)]
mod clean;
#[cfg(test)]
mod fixtures;

use serde::{Deserialize, Serialize};

use super::Category;

pub use ja::{Japanese, SIGNALS_JA};
pub use table::{DECISIVE, FRAUD, SIGNALS, SignalId, levels, weighs_as_fraud};

/// The kind of trick a signal shows. The first four are the independent deceptions the
/// phishing combinations count (see `rules::phishing::combine`); the others describe what
/// the mail says or does without deceiving by themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Borrowing a brand, a domain or the recipient's own mail provider.
    Impersonation,
    /// Forging or hiding who sends.
    Sender,
    /// A link that hides where it goes.
    Link,
    /// Content built to get past filters or link checks: hidden or disguised text, a lure
    /// typed into a trusted service's notification, a login form in the mail itself.
    Evasion,
    /// A claim of the extortion story: a hacked device, a recording, who the sender is.
    Narrative,
    /// A payment target or a demand for money.
    Payment,
    /// A time limit, haste, a threat to the account.
    Pressure,
    /// What the reader is asked for or offered: a login, data, a reward, a parcel.
    Lure,
    /// A file that runs code or opens a page.
    Attachment,
    /// Circumstantial: common in honest mail, it only adds to other signals.
    Hint,
    /// Signals occurring together, the pattern a whole scam is told with.
    Pattern,
    /// Language that speaks against a scam (an advisory retelling one).
    Against,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Impersonation => "impersonation",
            Kind::Sender => "sender",
            Kind::Link => "link",
            Kind::Evasion => "evasion",
            Kind::Narrative => "narrative",
            Kind::Payment => "payment",
            Kind::Pressure => "pressure",
            Kind::Lure => "lure",
            Kind::Attachment => "attachment",
            Kind::Hint => "hint",
            Kind::Pattern => "pattern",
            Kind::Against => "against",
        }
    }
}

/// One strength a signal can fire at: a factor on its row's weight and when the rule
/// gives it, optionally with another category or kind than the row's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// The factor on the row's weight (1 at full strength).
    pub factor: f32,
    /// When the rule gives this level, for people.
    pub when: &'static str,
    /// The category at this level, where it is not the row's.
    pub category: Option<Category>,
    /// The kind at this level, where it is not the row's.
    pub kind: Option<Kind>,
}

impl Level {
    pub const fn new(factor: f32, when: &'static str) -> Self {
        Level { factor, when, category: None, kind: None }
    }

    /// This level with another category than its row's.
    pub const fn in_category(self, category: Category) -> Self {
        Level { category: Some(category), ..self }
    }

    /// This level with another kind than its row's.
    pub const fn of_kind(self, kind: Kind) -> Self {
        Level { kind: Some(kind), ..self }
    }
}

/// One row of the table: everything about a signal but whether it fires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignalDef {
    pub id: SignalId,
    /// The stored name: what verdicts serialise and the history holds. Never changes.
    pub rule: &'static str,
    /// The human name, for people.
    pub title: &'static str,
    pub category: Category,
    pub kind: Kind,
    /// The weight at full strength.
    pub weight: f32,
    /// The strengths the rule may give, strongest first; empty when it always fires at
    /// full strength.
    pub levels: &'static [Level],
    /// One line for users: what the signal means and why it weighs what it does.
    pub doc: &'static str,
}

impl SignalId {
    /// This signal's row.
    pub fn def(self) -> &'static SignalDef {
        // The table is built by one macro together with the enum, a row per variant in
        // the enum's order (a test checks it), so every id has its row.
        SIGNALS.get(self as usize).expect("the signal table has a row for every id")
    }

    /// The stored name ("extortion_narrative").
    pub fn name(self) -> &'static str {
        self.def().rule
    }

    /// The id stored under `name`, if any.
    pub fn from_name(name: &str) -> Option<SignalId> {
        SIGNALS.iter().find(|d| d.rule == name).map(|d| d.id)
    }
}

impl Serialize for SignalId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for SignalId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        SignalId::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("no signal is named {name:?}")))
    }
}

/// A signal that fired: which one, at what strength, and what the rule saw. Weight,
/// category and kind come from the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub id: SignalId,
    /// The level the rule saw, for a row that has levels.
    pub level: Option<&'static Level>,
    pub evidence: String,
    /// What the signal added to the verdict's class once the model weighed it (its
    /// weight times the learned factor); `None` before classification finishes.
    pub contribution: Option<f32>,
}

impl Signal {
    /// A signal at full strength, for a row without levels.
    pub fn new(id: SignalId, evidence: impl Into<String>) -> Self {
        debug_assert!(id.def().levels.is_empty(), "{id:?} fires at one of its levels");
        Signal { id, level: None, evidence: evidence.into(), contribution: None }
    }

    /// A signal at one of its row's levels.
    pub fn at(id: SignalId, level: &'static Level, evidence: impl Into<String>) -> Self {
        debug_assert!(id.def().levels.contains(level), "{level:?} is not a level of {id:?}");
        Signal { id, level: Some(level), evidence: evidence.into(), contribution: None }
    }

    /// The stored name of the signal.
    pub fn rule(&self) -> &'static str {
        self.id.name()
    }

    /// How strongly it fired: the level's factor, 1 at full strength.
    pub fn strength(&self) -> f32 {
        self.level.map_or(1.0, |level| level.factor)
    }

    /// What it counts for in the score: the table's weight times the strength.
    pub fn weight(&self) -> f32 {
        self.id.def().weight * self.strength()
    }

    /// What it counted for in the verdict: the model's contribution, else its weight.
    pub fn counted(&self) -> f32 {
        self.contribution.unwrap_or_else(|| self.weight())
    }

    pub fn category(&self) -> Category {
        self.level.and_then(|l| l.category).unwrap_or(self.id.def().category)
    }

    pub fn kind(&self) -> Kind {
        self.level.and_then(|l| l.kind).unwrap_or(self.id.def().kind)
    }
}

/// Serialised as verdicts always were: the stored name, the weight, the evidence.
impl Serialize for Signal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Signal", 3)?;
        out.serialize_field("rule", self.rule())?;
        out.serialize_field("weight", &self.counted())?;
        out.serialize_field("evidence", &self.evidence)?;
        out.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_has_its_own_row_in_order() {
        for (index, row) in SIGNALS.iter().enumerate() {
            assert_eq!(row.id as usize, index, "{:?}", row.id);
            assert!(std::ptr::eq(row.id.def(), row), "{:?}", row.id);
        }
    }

    #[test]
    fn stored_names_are_unique_snake_case_and_read_back() {
        for row in SIGNALS {
            let name = row.rule;
            assert!(!name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{name}");
            assert_eq!(SIGNALS.iter().filter(|other| other.rule == name).count(), 1, "{name}");
            assert_eq!(SignalId::from_name(name), Some(row.id));
            let json = serde_json::to_string(&row.id).expect("serialises");
            assert_eq!(json, format!("\"{name}\""));
            assert_eq!(serde_json::from_str::<SignalId>(&json).ok(), Some(row.id));
        }
        assert_eq!(SignalId::from_name("no_such_signal"), None);
        assert!(serde_json::from_str::<SignalId>("\"no_such_signal\"").is_err());
    }

    #[test]
    fn every_row_is_documented_for_users() {
        for row in SIGNALS {
            for text in [row.title, row.doc] {
                assert!(!text.trim().is_empty() && !text.contains('\n'), "{}: {text:?}", row.rule);
            }
            assert!(row.doc.len() <= 200, "{}: one line for users", row.rule);
            // The model's and the account's own rows weigh what they learned, not a table weight.
            let learned = matches!(row.id, SignalId::LearnedWords | SignalId::LearnedFromFeedback);
            assert!(learned || row.weight != 0.0, "{}: a signal that counts nothing", row.rule);
            for level in row.levels {
                assert!(level.factor > 0.0 && level.factor <= 1.0, "{}: {level:?}", row.rule);
                assert!(!level.when.trim().is_empty(), "{}: {level:?}", row.rule);
            }
            let strongest = row.levels.iter().map(|l| l.factor).fold(0.0_f32, f32::max);
            assert!(
                row.levels.is_empty() || strongest == 1.0,
                "{}: the row's weight is its full strength",
                row.rule
            );
        }
    }

    #[test]
    fn kinds_are_named_as_they_serialise() {
        for kind in SIGNALS.iter().map(|row| row.kind).chain([Kind::Hint]) {
            let json = serde_json::to_string(&kind).expect("serialises");
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }

    #[test]
    fn a_signal_serialises_as_verdicts_always_did() {
        let signal = Signal::at(SignalId::CryptoWalletVerified, &levels::WALLET_LIST, "1A1z…");
        let json = serde_json::to_string(&signal).expect("serialises");
        assert_eq!(json, r#"{"rule":"crypto_wallet_verified","weight":1.0,"evidence":"1A1z…"}"#);
        let plain = Signal::new(SignalId::ShowsPassword, "hunter22");
        let json = serde_json::to_string(&plain).expect("serialises");
        assert_eq!(json, r#"{"rule":"shows_password","weight":1.0,"evidence":"hunter22"}"#);
    }

    #[test]
    fn a_level_may_change_the_category_or_the_kind() {
        let page = Signal::at(SignalId::DangerousAttachment, &levels::ATTACHED_PAGE, "login.html");
        let program = Signal::at(SignalId::DangerousAttachment, &levels::EXECUTABLE, "setup.exe");
        assert_eq!((page.category(), program.category()), (Category::Phishing, Category::Malware));
        let dkim = Signal::at(SignalId::AuthenticationFailed, &levels::DKIM_FAILED, "dkim=fail");
        let dmarc = Signal::at(SignalId::AuthenticationFailed, &levels::DMARC_FAILED, "dmarc=fail");
        assert_eq!((dkim.kind(), dmarc.kind()), (Kind::Hint, Kind::Sender));
    }
}
