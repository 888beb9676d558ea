//! The claim families scam mail is written from, in English, Japanese and German, found in
//! one pass over the text.
//!
//! A family is a kind of claim ("I got into your device", "I recorded you", "pay within 48
//! hours"), listed as the phrases scammers actually use for it. No single family makes a
//! verdict: the rules in [`super::rules`] weigh which families occur together. Matching is
//! a single Aho-Corasick automaton over every phrase, case-insensitive for ASCII, so adding
//! phrases costs nothing per rule.

use std::sync::LazyLock;

use aho_corasick::automaton::Automaton;
use aho_corasick::automaton::StateID;
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind, PatternID};

use crate::detect::SignalId;
use crate::detect::tables::phrases::{NOT_A_WARNING_AFTER, PHRASES};

/// A kind of claim a scam makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    DeviceCompromise,
    Recording,
    AdultContent,
    DistributionThreat,
    PaymentDemand,
    Cryptocurrency,
    Secrecy,
    OpenedTracker,
    PasswordClaim,
    GiftCard,
    CredentialAction,
    AccountThreat,
    SensitiveData,
    Urgency,
    /// Bait: a prize, a reward, points or an airdrop waiting to be claimed, or sex on offer.
    Lure,
    /// A parcel that could not be delivered, is held, or owes a fee: the carrier lure.
    DeliveryProblem,
    /// A fortune for the taking: an inheritance, a donation, an abandoned fund, a lottery
    /// win (the advance-fee fraud's offer).
    Windfall,
    /// An accusation of a crime ("you are involved in illegal transactions").
    Accusation,
    /// The sender speaking as the perpetrator: "I hacked", "my software", 私は.
    PerpetratorVoice,
    /// Text that warns about scams rather than making one (advisories, newsletters).
    Awareness,
    /// An appeal for support rather than a demand: a donation page, a tip jar. Not a
    /// claim: it tells the payment-demand rule that a wallet and a sum ask, not demand.
    Plea,
    /// A letter's closing ("Regards,", "Obrigado,"), after which a signature comes. Not a
    /// claim: it tells the signature rule where to look.
    SignOff,
    /// A line mail clients put above a forwarded or quoted message ("Forwarded message",
    /// "Original Message"). Not a claim: it tells rules the mail carries another one.
    Forwarding,
}

impl Family {
    pub const ALL: [Family; 23] = [
        Family::DeviceCompromise,
        Family::Recording,
        Family::AdultContent,
        Family::DistributionThreat,
        Family::PaymentDemand,
        Family::Cryptocurrency,
        Family::Secrecy,
        Family::OpenedTracker,
        Family::PasswordClaim,
        Family::GiftCard,
        Family::CredentialAction,
        Family::AccountThreat,
        Family::SensitiveData,
        Family::Urgency,
        Family::Lure,
        Family::DeliveryProblem,
        Family::Windfall,
        Family::Accusation,
        Family::PerpetratorVoice,
        Family::Awareness,
        Family::Plea,
        Family::SignOff,
        Family::Forwarding,
    ];

    /// The signal a family is reported under when a rule reports it as a claim of its
    /// own; `None` for families that only feed other rules (the perpetrator's voice, a
    /// windfall, a plea, a sign-off, a forwarding line).
    pub fn signal(self) -> Option<SignalId> {
        use SignalId as S;
        Some(match self {
            Family::DeviceCompromise => S::ClaimsDeviceCompromise,
            Family::Recording => S::ClaimsRecording,
            Family::AdultContent => S::MentionsAdultContent,
            Family::DistributionThreat => S::ThreatensDistribution,
            Family::PaymentDemand => S::DemandsPayment,
            Family::Cryptocurrency => S::NamesCryptocurrency,
            Family::Secrecy => S::DemandsSecrecy,
            Family::OpenedTracker => S::ClaimsOpenTracking,
            Family::PasswordClaim => S::ClaimsPasswordKnowledge,
            Family::GiftCard => S::DemandsGiftCard,
            Family::CredentialAction => S::AsksForLogin,
            Family::AccountThreat => S::ThreatensAccount,
            Family::SensitiveData => S::AsksForSensitiveData,
            Family::Urgency => S::UrgesHaste,
            Family::Lure => S::OffersAReward,
            Family::DeliveryProblem => S::ClaimsDeliveryProblem,
            Family::Accusation => S::AccusesOfCrime,
            Family::Awareness => S::WarnsAboutScams,
            Family::PerpetratorVoice
            | Family::Windfall
            | Family::Plea
            | Family::SignOff
            | Family::Forwarding => {
                return None;
            }
        })
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The phrases of one family, as listed in [`PHRASES`] (`*` endings included).
pub fn phrases_of(family: Family) -> &'static [&'static str] {
    PHRASES.iter().find(|(f, _)| *f == family).map_or(&[], |(_, phrases)| phrases)
}

struct Pattern {
    family: Family,
    needs_right_boundary: bool,
    needs_left_boundary: bool,
}

struct Phrasebook {
    automaton: DFA,
    patterns: Vec<Pattern>,
}

static PHRASEBOOK: LazyLock<Phrasebook> = LazyLock::new(|| {
    let mut needles = Vec::new();
    let mut patterns = Vec::new();
    for (family, phrases) in PHRASES {
        for phrase in *phrases {
            let prefix_only = phrase.ends_with('*');
            let needle = phrase.trim_end_matches('*');
            let ends_in_word = needle.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric());
            let starts_in_word = needle.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
            patterns.push(Pattern {
                family: *family,
                needs_right_boundary: ends_in_word && !prefix_only,
                needs_left_boundary: starts_in_word,
            });
            needles.push(needle.to_string());
        }
    }
    // No prefilter: with hundreds of phrases in two scripts none skips much, and the walk
    // below reads every byte anyway.
    let automaton = DFA::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .prefilter(false)
        .build(&needles)
        .expect("phrases compile");
    assert!(patterns.len() <= SEEN_WORDS * 64, "Findings has a bit for every phrase");
    Phrasebook { automaton, patterns }
});

/// What one family matched: the first phrase as written, and how many distinct phrases
/// of the family occurred.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyHit<'a> {
    pub first: &'a str,
    pub distinct: usize,
}

/// Room for a bit per phrase in [`Findings`]: the phrasebook holds fewer phrases (checked
/// when it is built).
const SEEN_WORDS: usize = 16;

/// The families found in a text. Borrows the matched phrases from the text and marks the
/// phrases seen in a bit set, so finding them allocates nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings<'a> {
    hits: [Option<FamilyHit<'a>>; Family::ALL.len()],
    seen: [u64; SEEN_WORDS],
}

impl<'a> Findings<'a> {
    pub fn get(&self, family: Family) -> Option<&FamilyHit<'a>> {
        self.hits.get(family.index()).and_then(Option::as_ref)
    }

    pub fn has(&self, family: Family) -> bool {
        self.get(family).is_some()
    }

    /// How many of `families` were found.
    pub fn count(&self, families: &[Family]) -> usize {
        families.iter().filter(|f| self.has(**f)).count()
    }

    fn record(&mut self, family: Family, pattern: usize, matched: &'a str) {
        let (Some(slot), Some(word)) = (self.hits.get_mut(family.index()), self.seen.get_mut(pattern / 64))
        else {
            return;
        };
        let hit = slot.get_or_insert(FamilyHit { first: matched, distinct: 0 });
        let bit = 1u64 << (pattern % 64);
        if *word & bit == 0 {
            *word |= bit;
            hit.distinct += 1;
        }
    }
}

/// Scans every text in `texts` once and reports which families occur.
pub fn find_families<'a>(texts: impl IntoIterator<Item = &'a str>) -> Findings<'a> {
    let book = &*PHRASEBOOK;
    let mut findings = Findings::default();
    let mut occurrences = Vec::new();
    for text in texts {
        let bytes = text.as_bytes();
        occurrences.clear();
        find_occurrences(&book.automaton, bytes, &mut occurrences);
        for &(id, end) in &occurrences {
            let Some(pattern) = book.patterns.get(id.as_usize()) else {
                continue;
            };
            let start = end.saturating_sub(book.automaton.pattern_len(id));
            if pattern.stands_alone(bytes, start, end)
                && !(pattern.family == Family::Awareness && undone(bytes, start))
            {
                let matched = text.get(start..end).unwrap_or_default();
                findings.record(pattern.family, id.as_usize(), matched);
            }
        }
    }
    findings
}

/// Texts shorter than this are walked in one piece: splitting them saves nothing.
const MIN_SPLIT_LEN: usize = 512;

/// How many pieces of a text are walked side by side (the walk below spells out four).
const LANES: usize = 4;

/// Every phrase in `bytes` as (phrase, offset just past it), in text order, appended to
/// `out`.
///
/// Each step of an automaton waits for the previous step's table lookup, so a single walk
/// runs at the speed of memory, not of the processor. The text is cut into [`LANES`]
/// pieces walked side by side, which keeps that many lookups in flight at once. Every
/// piece but the first starts a phrase length early, so a phrase across a cut is still
/// read whole, and reports only what ends inside its own piece, so nothing is reported
/// twice.
fn find_occurrences(dfa: &DFA, bytes: &[u8], out: &mut Vec<(PatternID, usize)>) {
    let Ok(start) = dfa.start_state(Anchored::No) else {
        return;
    };
    let piece = bytes.len() / LANES;
    let lead_in = dfa.max_pattern_len().saturating_sub(1);
    if bytes.len() < MIN_SPLIT_LEN || piece <= lead_in {
        walk(dfa, start, bytes, 0, 0, out);
        return;
    }
    // Lane j reads from `from[j]`, reports phrases ending after `owns_after[j]`, and stops
    // at the next lane's `owns_after` (the last at the end of the text).
    let owns_after: [usize; LANES] = std::array::from_fn(|lane| lane * piece);
    let from: [usize; LANES] = owns_after.map(|cut| cut.saturating_sub(lead_in));
    let stop: [usize; LANES] =
        std::array::from_fn(|lane| owns_after.get(lane + 1).copied().unwrap_or(bytes.len()));
    let abreast = |lane: usize| from.get(lane).and_then(|&f| bytes.get(f..f + piece)).unwrap_or_default();
    let mut states = [start; LANES];
    let mut found: [Vec<(PatternID, usize)>; LANES] = Default::default();
    // Side by side for as long as the shortest lane (the first, which has no lead-in).
    let steps = abreast(0).iter().zip(abreast(1)).zip(abreast(2)).zip(abreast(3));
    for (step, (((&a, &b), &c), &d)) in steps.enumerate() {
        for (lane, (state, byte)) in states.iter_mut().zip([a, b, c, d]).enumerate() {
            *state = dfa.next_state(Anchored::No, *state, byte);
            if dfa.is_special(*state) {
                let (Some(&from), Some(&owns_after), Some(found)) =
                    (from.get(lane), owns_after.get(lane), found.get_mut(lane))
                else {
                    continue;
                };
                push_matches(dfa, *state, from + step + 1, owns_after, found);
            }
        }
    }
    let lanes = states.into_iter().zip(from).zip(owns_after).zip(stop).zip(found);
    for ((((state, from), owns_after), stop), mut found) in lanes {
        let rest = bytes.get(from + piece..stop).unwrap_or_default();
        walk(dfa, state, rest, from + piece, owns_after, &mut found);
        out.append(&mut found);
    }
}

/// Walks `bytes` (found at `offset` in the text) from `state`, adding the phrases that end
/// past `reported_after`.
fn walk(
    dfa: &DFA,
    mut state: StateID,
    bytes: &[u8],
    offset: usize,
    reported_after: usize,
    out: &mut Vec<(PatternID, usize)>,
) {
    for (at, &byte) in bytes.iter().enumerate() {
        state = dfa.next_state(Anchored::No, state, byte);
        if dfa.is_special(state) {
            push_matches(dfa, state, offset + at + 1, reported_after, out);
        }
    }
}

/// Adds every phrase that ends at `end` in match state `state`, if `end` is past
/// `reported_after`.
fn push_matches(
    dfa: &DFA,
    state: StateID,
    end: usize,
    reported_after: usize,
    out: &mut Vec<(PatternID, usize)>,
) {
    if end <= reported_after || !dfa.is_match(state) {
        return;
    }
    out.extend((0..dfa.match_len(state)).map(|index| (dfa.match_pattern(state, index), end)));
}

/// Whether the phrase at `start` follows one of [`NOT_A_WARNING_AFTER`] ("if you do not
/// pay", "not a scam").
fn undone(bytes: &[u8], start: usize) -> bool {
    let before = bytes.get(..start).unwrap_or_default();
    NOT_A_WARNING_AFTER.iter().any(|lead| {
        before.len() >= lead.len()
            && before
                .get(before.len() - lead.len()..)
                .is_some_and(|tail| tail.eq_ignore_ascii_case(lead.as_bytes()))
    })
}

impl Pattern {
    /// Whether the match at `start..end` is a phrase of its own rather than part of a
    /// longer word, address or URL, as far as this pattern needs boundaries.
    fn stands_alone(&self, bytes: &[u8], start: usize, end: usize) -> bool {
        let before = start.checked_sub(1).and_then(|i| bytes.get(i)).copied();
        let before_ok = !self.needs_left_boundary || before.is_none_or(|b| !continues_word_before(b));
        let after_ok = !self.needs_right_boundary
            || bytes.get(end).is_none_or(|&b| !continues_word_after(b, bytes.get(end + 1).copied()));
        before_ok && after_ok
    }
}

/// Whether byte `b` before a match makes it part of a longer token: a word, an address
/// (`phishing@pot`), or a URL path or domain (`/login`, `.phishing`).
fn continues_word_before(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'@' | b'_' | b'/' | b'.' | b'=' | b'?' | b'&' | b'-')
}

/// Whether byte `b` (followed by `next`) after a match makes it part of a longer token.
fn continues_word_after(b: u8, next: Option<u8>) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(b, b'@' | b'_')
        || (matches!(b, b'.' | b'-' | b'/') && next.is_some_and(|n| n.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phrase_running_on_into_a_domain_is_none_but_one_ending_a_sentence_is() {
        // A dot is a word's end only when no letter or digit follows it.
        assert!(!find_families(["visit full access.example.com today"]).has(Family::DeviceCompromise));
        assert!(find_families(["I have full access. Pay today"]).has(Family::DeviceCompromise));
        assert!(find_families(["I have full access."]).has(Family::DeviceCompromise));
    }

    #[test]
    fn a_scammers_if_you_do_not_pay_or_not_a_scam_is_no_warning() {
        for threat in [
            "If you do not pay, the video goes out.",
            "if you don't pay in time",
            "In case you DO NOT PAY",
            "P.S. This is not a scam.",
            "I am not a scammer, this is no hoax.",
        ] {
            assert!(!find_families([threat]).has(Family::Awareness), "{threat}");
        }
        for advice in
            ["Please do not pay them.", "Do not pay. If you paid, call the bank.", "It is not real: a scam."]
        {
            assert!(find_families([advice]).has(Family::Awareness), "{advice}");
        }
    }

    #[test]
    fn addresses_and_urls_are_not_words() {
        let f = find_families(["Mail phishing@pot or see https://example.com/login?next=verify"]);
        assert!(!f.has(Family::Awareness));
        assert!(!f.has(Family::CredentialAction));
    }

    #[test]
    fn english_claims_are_found_by_family() {
        let f = find_families(["I hacked your device and recorded you through your webcam."]);
        assert!(f.has(Family::DeviceCompromise));
        assert!(f.has(Family::Recording));
        assert!(!f.has(Family::AdultContent));
    }

    #[test]
    fn account_security_and_billing_alarms_threaten_the_account() {
        for alarm in [
            "Someone tried to log in to your account",
            "A user logged in from a new device",
            "Your account is experiencing a payment issue.",
            "Houve um problema com o pagamento",
            "期限までに納付がない場合、財産の差押えを行います",
        ] {
            assert!(find_families([alarm]).has(Family::AccountThreat), "{alarm}");
        }
        assert!(find_families(["Para continuar, revise suas preferências"]).has(Family::CredentialAction));
        assert!(
            !find_families(["We devised a new plan for the payment schedule"]).has(Family::AccountThreat)
        );
    }

    #[test]
    fn parcel_problems_are_found_but_mail_bounces_are_not() {
        for lure in [
            "We were unable to deliver your parcel, reschedule delivery here",
            "ご不在のため持ち帰りました。再配達はこちら",
            "Não foi possível entregar sua encomenda",
        ] {
            assert!(find_families([lure]).has(Family::DeliveryProblem), "{lure}");
        }
        let bounce =
            "This is the mail system. Your message could not be delivered to one or more recipients.";
        assert!(!find_families([bounce]).has(Family::DeliveryProblem));
        assert!(!find_families(["担当者は本日不在です"]).has(Family::DeliveryProblem));
    }

    #[test]
    fn japanese_claims_are_found_without_word_boundaries() {
        let f = find_families([
            "あなたのデバイスをハッキングし、カメラで録画しました。ビットコインで送金してください",
        ]);
        for family in
            [Family::DeviceCompromise, Family::Recording, Family::Cryptocurrency, Family::PaymentDemand]
        {
            assert!(f.has(family), "{family:?}");
        }
    }

    #[test]
    fn whole_words_only_unless_marked_as_prefix() {
        let f = find_families(["Use PayPal to repay the mortgage"]);
        assert!(!f.has(Family::PaymentDemand), "pay inside paypal/repay must not count");
        assert!(find_families(["masturbating"]).has(Family::AdultContent));
    }

    #[test]
    fn forwarding_lines_are_found_in_the_forms_clients_write_them() {
        for line in [
            "---------- Forwarded message ---------",
            "-----Original Message-----",
            "Begin forwarded message:",
            "Início da mensagem encaminhada:",
            "-------- 転送メッセージ --------",
        ] {
            assert!(find_families([line]).has(Family::Forwarding), "{line}");
        }
        assert!(!find_families(["This message is original."]).has(Family::Forwarding));
    }

    /// A donation page's words are a plea in any case and any inflection of the stem, but
    /// not inside another word.
    #[test]
    fn pleas_for_support_are_found_as_words() {
        for plea in [
            "Donations keep us going",
            "DONATE here",
            "please support our work",
            "投げ銭はこちら",
            "Tips welcome",
        ] {
            assert!(find_families([plea]).has(Family::Plea), "{plea}");
        }
        for other in ["the tipster said", "uncontributed", "mutips", "support usage"] {
            assert!(!find_families([other]).has(Family::Plea), "{other}");
        }
    }

    #[test]
    fn distinct_phrases_are_counted_once_each() {
        let f = find_families(["camera camera webcam"]);
        assert_eq!(f.get(Family::Recording).map(|h| h.distinct), Some(2));
    }

    #[test]
    fn walking_in_lanes_finds_what_one_walk_finds_once_each() {
        let dfa = &PHRASEBOOK.automaton;
        let start = dfa.start_state(Anchored::No).expect("unanchored start");
        // Phrases placed on every cut between lanes, and across them, at several lengths.
        for len in [MIN_SPLIT_LEN - 1, MIN_SPLIT_LEN, 1000, 1001, 4099] {
            let mut text = "x".repeat(len).into_bytes();
            let piece = len / LANES;
            for cut in (0..=LANES).map(|lane| lane * piece) {
                for (offset, phrase) in [(0, "webcam"), (3, "ビットコイン"), (8, "camera")] {
                    let at = (cut + offset).saturating_sub(5).min(len.saturating_sub(phrase.len()));
                    text.splice(at..at + phrase.len(), phrase.bytes());
                }
            }
            let mut one_walk = Vec::new();
            walk(dfa, start, &text, 0, 0, &mut one_walk);
            let mut in_lanes = Vec::new();
            find_occurrences(dfa, &text, &mut in_lanes);
            assert!(!one_walk.is_empty());
            assert_eq!(in_lanes, one_walk, "length {len}");
        }
    }
}
