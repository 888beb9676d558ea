//! A stranger's bare demand for a stated crypto payment: "send 0.05 BTC to bc1q…", "pay
//! $900 in Bitcoin to this wallet", 「5万円分のビットコインを下記アドレスに送金してください」.
//!
//! The short form of extortion tells no story (no hacked camera, no recording), so
//! [`super::extortion::extortion_narrative`] cannot see it. What is left is a payment
//! address whose checksum holds, an amount, and a verb that asks for it, in mail from
//! someone who is no correspondent. Each alone is ordinary: an exchange's receipt names
//! the user's own address and an amount, a donation page asks for coins, a developer
//! quotes an address on a list, a newsletter retells a scam. Together, from a stranger,
//! they are a demand.

use std::sync::LazyLock;

use regex::Regex;

use super::{Facts, Signal, SignalId};
use crate::detect::money::Amount;
use crate::detect::phrases::Family;
use crate::detect::tables::{EXCHANGE_DOMAINS, NEGATIONS};
use crate::mail::AuthResult;

/// More verified addresses than this reads like a list (indicators, donation options).
const MAX_DEMAND_WALLETS: usize = 2;

/// How many distinct warning phrases make a mail a warning about scams.
const MIN_WARNING_PHRASES: usize = 2;

/// How many bytes around an amount a verb asking for it may stand.
const VERB_REACH: usize = 64;

/// How many bytes after an amount a Japanese request may end ("…を下記アドレスに送金して
/// ください" puts the verb after the sum and the address).
const REQUEST_REACH: usize = 180;

/// At most this many amounts are looked at (the first ones): a demand states its sum
/// early, and a bound keeps a list of prices cheap.
const MAX_AMOUNTS: usize = 8;

/// At most this many places of one amount are looked at ("I want 750 EUR. Pay 750 EUR
/// …" states it twice, and asks on the second).
const MAX_PLACES: usize = 4;

/// A verb that asks for money, as a whole word: "send", "pay", "transfer", … (and the
/// Portuguese and German imperatives the corpus showed). The word ends are ASCII word
/// boundaries: a Unicode one stops the regex's fast automaton at the first non-ASCII byte,
/// and every window of Japanese text was then searched again by backtracking (a quarter of
/// this rule's cost in the benchmark's mix of languages). The verbs are ASCII but for
/// "überweisen", which needs no boundary before its ü.
static ASKING_VERB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:(?-u:\b)(?:send|pay|transfer|wire|remit|envie|pague|transfira|zahlen sie)|überweisen sie)(?-u:\b)",
    )
    .expect("asking verb pattern compiles")
});

/// A Japanese request to pay: a payment verb, then within a few characters a request
/// ending (してください, しろ, お願いします); or a bare imperative (払え, 送れ).
static JAPANESE_REQUEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(送金|支払|振込|振り込|送付|入金|送って|払って|払い込)[^。\n]{0,6}?(ください|下さい|しろ|せよ|しなさい|願い)|払え|送れ|振り込め",
    )
    .expect("Japanese request pattern compiles")
});

/// The demand: at most [`MAX_DEMAND_WALLETS`] checksum-valid addresses, a stated amount
/// with a verb asking for it beside it, in mail from a stranger (not in a thread, not
/// through a mailing list, not an exchange's own authenticated mail), with no plea and
/// not told as a warning about scams. Weighted so that with the verified wallet it reaches a
/// threat on its own: the checksum proves a real payment target, the verb and the sum
/// make it a demand, and nothing makes the sender someone the reader knows.
pub fn crypto_payment_demand(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let verified = facts.wallets.iter().filter(|w| w.checksum_valid).count();
    if verified == 0 || verified > MAX_DEMAND_WALLETS || !from_a_stranger(facts) {
        return;
    }
    // A warning retelling a scam uses several warning phrases; a scam's own "do not pay
    // anyone else" or "this is no spam" is one, and does not make it a warning.
    if facts.families.get(Family::Awareness).is_some_and(|warning| warning.distinct >= MIN_WARNING_PHRASES) {
        return;
    }
    let texts = [
        (facts.email.normalized_subject.as_str(), facts.subject_numbers.amounts()),
        (facts.email.normalized_text.as_str(), facts.text_numbers.amounts()),
    ];
    let Some((amount, verb)) = texts.iter().find_map(|(text, amounts)| demanded(text, amounts)) else {
        return;
    };
    // A donation page or a tip jar asks; the phrase scan has read its words already.
    if facts.families.has(Family::Plea) {
        return;
    }
    let wallet =
        facts.wallets.iter().find(|w| w.checksum_valid).map(|w| w.address.as_str()).unwrap_or_default();
    out.push(Signal::new(SignalId::CryptoPaymentDemand, format!("\"{verb}\" {} to {wallet}", amount.text)));
}

/// Whether the mail comes from someone the reader does not correspond with: not an
/// answer in a thread, not a mailing list's, not an exchange's own authenticated mail.
fn from_a_stranger(facts: &Facts<'_>) -> bool {
    let email = facts.email;
    if email.in_thread || email.via_list {
        return false;
    }
    // The exchanges are listed as sites; a mail without a sender domain has the empty one.
    let exchange = EXCHANGE_DOMAINS.contains(&facts.sender_site());
    let auth = &facts.authentication;
    // A DMARC pass counts for the sender read here, not for another address a broken From
    // also lists; a pass that names no domain is believed.
    let dmarc = auth.dmarc == Some(AuthResult::Pass)
        && auth.dmarc_domain.as_deref().is_none_or(|domain| facts.is_senders_site(domain));
    let aligned = dmarc || facts.signed_by_senders_site();
    !(exchange && aligned)
}

/// The first amount in `text` that a verb beside it asks for, with the verb.
fn demanded<'a>(text: &'a str, amounts: &'a [Amount]) -> Option<(&'a Amount, &'a str)> {
    let mut places = amounts.iter().take(MAX_AMOUNTS).flat_map(|amount| {
        text.match_indices(amount.text.as_str()).take(MAX_PLACES).map(move |(at, _)| (amount, at))
    });
    places.find_map(|(amount, at)| {
        let end = at + amount.text.len();
        let before = window(text, at.saturating_sub(VERB_REACH), at);
        let after = window(text, end, end + VERB_REACH);
        let in_sentence = |between: Option<&str>| between.is_some_and(one_sentence);
        let verb = ASKING_VERB
            .find_iter(before)
            .last()
            .filter(|verb| in_sentence(before.get(verb.end()..)))
            .filter(|verb| !negated(before.get(..verb.start()).unwrap_or_default()))
            .or_else(|| ASKING_VERB.find(after).filter(|verb| in_sentence(after.get(..verb.start()))))
            .or_else(|| {
                let request = window(text, end, end + REQUEST_REACH);
                JAPANESE_REQUEST.find(request).filter(|verb| in_sentence(request.get(..verb.start())))
            })?;
        Some((amount, verb.as_str()))
    })
}

/// Whether `between` (the text between a verb and its amount) stays within one sentence:
/// a verb in the sentence before asks for something else. Single line breaks stay, as in
/// "Amount: 0.05 BTC / Wallet: … / Transfer it today".
fn one_sentence(between: &str) -> bool {
    !([". ", "! ", "? ", ".\n", "\n\n", "。"].iter().any(|end| between.contains(end)))
}

/// Whether the text just before a verb negates it ("do not", "don't", "never").
fn negated(before_verb: &str) -> bool {
    let last_word = before_verb.trim_end().rsplit(char::is_whitespace).next().unwrap_or_default();
    let last_word = last_word.to_lowercase().replace('’', "'");
    NEGATIONS.iter().any(|n| last_word.ends_with(n))
}

/// `text` between byte offsets `start` and `end`, each moved inwards to a char boundary.
fn window(text: &str, mut start: usize, end: usize) -> &str {
    let mut end = end.min(text.len());
    while start < end && !text.is_char_boundary(start) {
        start += 1;
    }
    while end > start && !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(start..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::test_support::{email, fired};
    use crate::detect::{Detector, Label, classify};

    const STRANGER: &str = "From: Mark <mark.h1977@mail.example>\r\nTo: you@example.com\r\nSubject: hello";
    const WALLET: &str = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4";
    const LEGACY: &str = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa";

    fn demands(headers: &str, body: &str) -> bool {
        fired(crypto_payment_demand, &email(headers, body)) == [SignalId::CryptoPaymentDemand]
    }

    #[test]
    fn a_strangers_bare_demand_is_a_threat_on_its_own() {
        for body in [
            format!("Send 0.05 BTC to {WALLET} today."),
            format!("You have to pay $900 in Bitcoin to this wallet:\n{LEGACY}\nNo replies."),
            format!("Amount: 1,200 USD\nWallet: {WALLET}\nTransfer it within 24 hours."),
            // The wallet finder undoes a split address; the demand reads the same.
            "Pay 0.1 BTC to bc1qw508d6q ejxtdg4y5r3 zarvary0c5xw7kv8f3t4 now.".to_string(),
            format!("5万円分のビットコインを下記のアドレスに送金してください。\n{WALLET}"),
            format!("金額：0.02 BTC\nアドレス：{LEGACY}\n上記アドレスへお支払いください。"),
            format!("I want 750 EUR. Pay 750 EUR in BTC to\n{WALLET}\nor else."),
        ] {
            let mail = email(STRANGER, &body);
            assert_eq!(fired(crypto_payment_demand, &mail), [SignalId::CryptoPaymentDemand], "{body}");
            assert_eq!(classify(&mail, &Detector::default()).label, Label::Threat, "{body}");
        }
        // A scammer's own "do not pay anyone else" is no warning.
        assert!(demands(STRANGER, &format!("Send 0.05 BTC to {WALLET}. Do not pay anyone else.")));
        let subject = "From: x@mail.example\r\nSubject: Pay 0.05 BTC now";
        assert!(demands(subject, &format!("Wallet: {WALLET}")));
        // Two addresses (a scammer's spare) are still a demand; three are a list.
        assert!(demands(STRANGER, &format!("Send 0.05 BTC to {WALLET} or {LEGACY}.")));
        // The verb after the amount, in English and in Japanese.
        assert!(demands(STRANGER, &format!("0.05 BTC is what you send to {WALLET}.")));
        assert!(demands(STRANGER, &format!("0.02 BTCを{WALLET}に送金してください。")));
    }

    /// A newsletter that retells a scam names it once and introduces the quote ("Here is
    /// the email:", 「以下がそのメールです」): reported speech is the second warning phrase.
    #[test]
    fn a_scam_retold_as_reported_speech_is_no_demand() {
        let quote =
            format!("> I recorded you. Transfer 1450 USD in Bitcoin to {WALLET}\n> You have 48 hours.");
        let named_once = format!("Readers sent us a scam this week.\n\n{quote}\n\nNobody recorded anything.");
        assert!(demands(STRANGER, &named_once), "one warning phrase alone is no warning");
        let introduced =
            format!("Readers sent us a scam this week. Here is the email:\n\n{quote}\n\nDelete it.");
        assert!(!demands(STRANGER, &introduced));
        let japanese = format!(
            "読者から詐欺の相談がありました。以下がそのメールです。\n――――\n15万円相当のビットコインを{WALLET}に送金してください。\n――――"
        );
        assert!(!demands(STRANGER, &japanese));
    }

    #[test]
    fn a_correspondent_is_no_stranger() {
        let body = format!("Send 0.05 BTC to {WALLET} please.");
        assert!(demands(STRANGER, &body));
        // An answer in a thread, or a mailing list.
        assert!(!demands(&format!("{STRANGER}\r\nIn-Reply-To: <a@mail.example>"), &body));
        assert!(!demands(&format!("{STRANGER}\r\nReferences: <a@mail.example>"), &body));
        assert!(!demands(&format!("{STRANGER}\r\nList-Id: <dev.lists.example.org>"), &body));
        // An exchange's own mail, authenticated: the user's own address and amount.
        let exchange = "From: Coinbase <no-reply@info.coinbase.com>\r\nTo: you@example.com";
        let signed =
            format!("Authentication-Results: mx.example; dkim=pass header.d=coinbase.com\r\n{exchange}");
        assert!(!demands(&signed, &body));
        let dmarc =
            format!("Authentication-Results: mx.example; dmarc=pass header.from=coinbase.com\r\n{exchange}");
        assert!(!demands(&dmarc, &body));
        // The exchange's name on unauthenticated mail proves nothing, and a stranger
        // signing its own domain is still a stranger.
        assert!(demands(exchange, &body));
        let own =
            format!("Authentication-Results: mx.example; dkim=pass header.d=mail.example\r\n{STRANGER}");
        assert!(demands(&own, &body));
        let other_signer =
            format!("Authentication-Results: mx.example; dkim=pass header.d=mailer.example\r\n{exchange}");
        assert!(demands(&other_signer, &body));
        // A From that lists the exchange beside the sender's own address: the DMARC pass is
        // for the other address, not the exchange's.
        let listed =
            "From: \"Coinbase\", <no-reply@info.coinbase.com>, <me@mail.example>\r\nTo: you@example.com";
        let beside =
            format!("Authentication-Results: mx.example; dmarc=pass header.from=mail.example\r\n{listed}");
        assert!(demands(&beside, &body));
    }

    #[test]
    fn receipts_pleas_quotes_and_warnings_are_no_demand() {
        for body in [
            // An exchange notice: what happened, not what to do.
            format!("Your withdrawal of 0.05 BTC to {WALLET} is complete."),
            format!("以下の入金が反映されました。\n数量：0.63 BTC\n入金アドレス：{WALLET}"),
            format!("ご入金いただき、ありがとうございます。0.5 BTC\n{WALLET}"),
            // A donation page.
            format!(
                "If you like the project, please send 0.001 BTC or any amount to {WALLET}. Donations keep us going."
            ),
            // A warning retelling a scam.
            format!("A scam going round says: send 0.05 BTC to {WALLET}. Do not pay."),
            format!(
                "詐欺メールに注意：「0.05 BTCを{WALLET}に送金してください」という脅迫メールが届いています。"
            ),
            // Told not to pay.
            format!("Do not send 0.05 BTC to {WALLET}, whatever they say."),
            // An address and a sum with no verb asking for them, or the verb far away.
            format!("Price: 0.05 BTC. Address: {WALLET}"),
            format!(
                "Send me the report when you can.{}The cost was 0.05 BTC, paid from {WALLET}.",
                " ".repeat(80)
            ),
            // A Japanese request too far after the sum to ask for it.
            format!("金額は0.02 BTCです、{}、送金してください。{WALLET}", "あ".repeat(70)),
            // A list of addresses.
            format!("Send 0.05 BTC to one of {WALLET}, {LEGACY}, 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"),
        ] {
            assert!(!demands(STRANGER, &body), "{body}");
        }
        // A demand without a checksum-valid address is left to the other rules.
        assert!(!demands(STRANGER, "Send 0.05 BTC to bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"));
    }

    /// A verb is a whole word by ASCII word ends: not inside "repayment" or "sender", but
    /// a word of its own beside punctuation or Japanese text.
    #[test]
    fn asking_verbs_are_whole_words() {
        let found =
            |text: &str| ASKING_VERB.find_iter(text).map(|m| m.as_str().to_lowercase()).collect::<Vec<_>>();
        assert_eq!(found("Send it. PAY now, wire:"), ["send", "pay", "wire"]);
        assert!(found("repayment by the sender, prepaid, wireless, transferred").is_empty());
        assert_eq!(found("下記にsendしてください"), ["send"]);
        assert_eq!(found("Bitte Überweisen Sie 500 Euro"), ["überweisen sie"]);
        assert!(found("Zahlen Siebzig").is_empty(), "no word end after 'sie'");
    }

    /// The stranger test compares the sender's site with the table as it is written, so
    /// every exchange must be written as a site ("coinbase.com", not "www.coinbase.com").
    #[test]
    fn every_exchange_is_listed_as_its_registrable_domain() {
        for domain in EXCHANGE_DOMAINS {
            // An empty entry would count every mail without a sender domain as an exchange's.
            assert!(!domain.is_empty());
            assert_eq!(crate::mail::url::registrable_domain(domain), *domain);
        }
    }

    #[test]
    fn windows_stay_on_char_boundaries() {
        let text = "あいうえお";
        assert_eq!(window(text, 1, 7), "い");
        assert_eq!(window(text, 0, 100), text);
        assert_eq!(window(text, 14, 3), "");
    }
}
