//! Rules for advance-fee fraud: a stranger offers a fortune (an inheritance, a donation,
//! an abandoned account, a lottery win) and asks the reader to write to a private
//! mailbox, where the fees for releasing it will be asked for.

use super::headers::diverted_replies;
use super::{Facts, Signal, SignalId};
use crate::detect::brands;
use crate::detect::phrases::Family;
use crate::detect::tables;

/// The sum at which an offer is a fortune (in the currency's own units; yen counted apart).
const FORTUNE: f64 = 100_000.0;
const FORTUNE_IN_YEN: f64 = 10_000_000.0;

/// The advance-fee offer: at least two kinds of windfall language, a fortune named
/// ("$5,000,000", "US$5.350m", "five million dollars"), and a private way to answer
/// (replies diverted to another domain, or a free-mail address in the text or as the
/// sender). Each alone is everyday language or everyday mail; together they are the
/// script of the "Nigerian prince" letter in all its variants.
pub fn advance_fee_offer(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let Some(windfall) = facts.families.get(Family::Windfall) else { return };
    if windfall.distinct < 2 {
        return;
    }
    let text = &facts.email.normalized_text;
    let lower = text.to_ascii_lowercase();
    let fortune = lower.contains("million")
        || facts
            .text_numbers
            .amounts()
            .iter()
            .any(|a| a.value >= if a.currency == "JPY" { FORTUNE_IN_YEN } else { FORTUNE });
    if !fortune {
        return;
    }
    let Some(channel) = private_channel(facts, &lower) else { return };
    let evidence = format!("\"{}\" offered, answers go to {channel}", windfall.first);
    out.push(Signal::new(SignalId::AdvanceFeeOffer, evidence));
}

/// The sum from which a crypto balance is a windfall (yen counted apart).
const CRYPTO_WINDFALL: f64 = 1_000.0;
const CRYPTO_WINDFALL_IN_YEN: f64 = 100_000.0;

/// The crypto windfall, advance-fee fraud's modern form: a cryptocurrency balance said
/// to be waiting for the reader ("your account has earned $25,745 in Bitcoin"), a sum of
/// at least a thousand, pressure to act (the account will be blocked, a time limit), and
/// a free mailbox behind the offer. Exchanges that announce rewards send from their own
/// domains; a stranger's Gmail account has no balance to pay out, and a friend telling of
/// a withdrawal sets no deadline.
pub fn crypto_windfall(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let (Some(_), Some(lure)) =
        (facts.families.get(Family::Cryptocurrency), facts.families.get(Family::Lure))
    else {
        return;
    };
    let pressed = facts.families.has(Family::AccountThreat) || !facts.deadlines.is_empty();
    if !pressed {
        return;
    }
    let windfall = |a: &crate::detect::money::Amount| match a.currency {
        "JPY" => a.value >= CRYPTO_WINDFALL_IN_YEN,
        "BTC" => false,
        _ => a.value >= CRYPTO_WINDFALL,
    };
    let mut amounts = facts.subject_numbers.amounts().iter().chain(facts.text_numbers.amounts());
    let Some(amount) = amounts.find(|a| windfall(a)) else { return };
    let lower = facts.email.normalized_text.to_ascii_lowercase();
    let Some(mailbox) = free_mailbox(facts, &lower) else { return };
    let evidence = format!("{} waiting (\"{}\"), offered from {mailbox}", amount.text, lure.first);
    out.push(Signal::new(SignalId::CryptoWindfall, evidence));
}

/// Where the fraudster wants the answer, if it is somewhere private (`lower_text` is the
/// mail's text in lower case).
fn private_channel(facts: &Facts<'_>, lower_text: &str) -> Option<String> {
    if let Some((_, elsewhere)) = diverted_replies(facts) {
        return Some(elsewhere);
    }
    if facts.sender_domain.is_empty() {
        return Some("a sender with no address".to_string());
    }
    free_mailbox(facts, lower_text)
}

/// A free mailbox behind the mail: the sender's, the one replies go to, or one the text
/// gives (`lower_text` is the mail's text in lower case) other than the recipient's own:
/// "this mail was sent to you@gmail.com" ends much honest bulk mail.
fn free_mailbox(facts: &Facts<'_>, lower_text: &str) -> Option<String> {
    if brands::is_free_mail(&facts.sender_domain) {
        return Some(facts.sender_domain.clone());
    }
    if let Some(domain) =
        facts.email.reply_to.iter().filter_map(|r| r.domain()).find(|d| brands::is_free_mail(d))
    {
        return Some(domain);
    }
    tables::brands::FREE_MAIL_DOMAINS
        .iter()
        .find(|d| given_beside_recipients(facts, lower_text, d))
        .map(|d| d.to_string())
}

/// Whether `lower_text` holds an address at `domain` that is none of the recipients':
/// more `@domain`s than the recipients' own addresses there account for.
fn given_beside_recipients(facts: &Facts<'_>, lower_text: &str, domain: &str) -> bool {
    let at = format!("@{domain}");
    let all = whole_matches(lower_text, &at);
    if all == 0 {
        return false;
    }
    let recipients: usize = facts
        .email
        .to
        .iter()
        .take(MAX_RECIPIENTS_READ)
        .map(|to| to.address.to_ascii_lowercase())
        .filter(|address| address.ends_with(&at))
        .map(|address| whole_matches(lower_text, &address))
        .sum();
    all > recipients
}

/// How often `text` holds `address` (or `@domain`) ending where the address ends: not
/// where a longer domain goes on ("@me.com" is not in "@me.company.example", nor
/// "@gmail.com" in "@gmail.com-secure.example").
fn whole_matches(text: &str, address: &str) -> usize {
    let goes_on = |rest: &[u8]| match rest {
        [b'.' | b'-', next, ..] => next.is_ascii_alphanumeric(),
        [next, ..] => next.is_ascii_alphanumeric() || *next == b'_',
        [] => false,
    };
    text.match_indices(address)
        .filter(|(at, _)| !goes_on(text.as_bytes().get(at + address.len()..).unwrap_or_default()))
        .count()
}

/// At most this many recipients are looked for in the text: a mail to a thousand
/// addresses costs no more than one to a few.
const MAX_RECIPIENTS_READ: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::test_support::{email, fired};

    const LETTER: &str = "I am the manager of auditing at the bank. We discovered an abandoned sum of \
        US$5,350,000 in a dormant account that belongs to a deceased foreign customer.";

    #[test]
    fn an_offer_of_millions_with_a_private_mailbox_fires() {
        let diverted = email("From: a@bank.example\r\nReply-To: mr.richard@gmail.com", LETTER);
        assert_eq!(fired(advance_fee_offer, &diverted), [SignalId::AdvanceFeeOffer]);
        let in_text = email("From: a@bank.example", &format!("{LETTER} Write to me at mr.richard@yahoo.com"));
        assert_eq!(fired(advance_fee_offer, &in_text), [SignalId::AdvanceFeeOffer]);
        // Two kinds of windfall language are enough.
        let two = email(
            "From: a@bank.example\r\nReply-To: mr.richard@gmail.com",
            "We found an abandoned sum of US$5,350,000 in a dormant account.",
        );
        let kinds = crate::detect::Facts::gather(&two).families.get(Family::Windfall).map(|w| w.distinct);
        assert_eq!(kinds, Some(2));
        assert_eq!(fired(advance_fee_offer, &two), [SignalId::AdvanceFeeOffer]);
    }

    /// The recipient's own free-mail address in the text is no private mailbox: honest bulk
    /// mail names who it was sent to.
    #[test]
    fn the_recipients_own_free_mail_address_is_no_private_mailbox() {
        let footer = format!("{LETTER} This message was sent to Jane.Doe@gmail.com.");
        let to_her = email("From: a@bank.example\r\nTo: jane.doe@gmail.com", &footer);
        assert!(fired(advance_fee_offer, &to_her).is_empty());
        let another = format!("{footer} Write to me at mr.richard@gmail.com");
        let to_her = email("From: a@bank.example\r\nTo: jane.doe@gmail.com", &another);
        assert_eq!(fired(advance_fee_offer, &to_her), [SignalId::AdvanceFeeOffer]);
    }

    /// A free-mail domain in the text counts only as a whole domain: a company's own
    /// domain that starts with one ("me.com" in "me.company.example") is no free mailbox.
    #[test]
    fn a_free_mail_domain_counts_only_where_the_address_ends() {
        for company in
            ["help@me.company.example", "desk@gmail.com-support.example", "a@yahoo.com.evil.example"]
        {
            let text = format!("{LETTER} Write to me at {company}.");
            assert!(fired(advance_fee_offer, &email("From: a@bank.example", &text)).is_empty(), "{company}");
        }
        for free in ["mr.richard@me.com.", "mr.richard@gmail.com, today", "mr.richard@yahoo.com"] {
            let text = format!("{LETTER} Write to me at {free}");
            let fires = fired(advance_fee_offer, &email("From: a@bank.example", &text));
            assert_eq!(fires, [SignalId::AdvanceFeeOffer], "{free}");
        }
    }

    #[test]
    fn a_crypto_balance_offered_from_a_free_mailbox_fires() {
        let offer = "Your Bitcoin earning account holds $25,745. Withdraw your balance before it is blocked.";
        assert_eq!(fired(crypto_windfall, &email("From: milo@gmail.com", offer)), [SignalId::CryptoWindfall]);
        let in_subject = email(
            "From: milo@gmail.com\r\nSubject: You are now rich +21,495$",
            "Withdraw your Bitcoin within 24 hours.",
        );
        assert_eq!(fired(crypto_windfall, &in_subject), [SignalId::CryptoWindfall]);
        // A friend telling of a withdrawal puts no pressure on the reader.
        let story = "I finally managed to withdraw $5,000 from my Bitcoin account, the rewards were good.";
        assert!(fired(crypto_windfall, &email("From: pal@gmail.com", story)).is_empty());
        // The exchange's own announcement, a small sum, or no crypto: not this fraud.
        assert!(fired(crypto_windfall, &email("From: news@exchange.example", offer)).is_empty());
        let small = "Withdraw your balance of $25 in Bitcoin rewards.";
        assert!(fired(crypto_windfall, &email("From: milo@gmail.com", small)).is_empty());
        // Yen are counted apart: a hundred thousand is a windfall, fifty thousand is not.
        let yen = |sum: &str| {
            let body = format!(
                "Your Bitcoin earning account holds {sum}. Withdraw your balance before it is blocked."
            );
            fired(crypto_windfall, &email("From: milo@gmail.com", &body))
        };
        assert_eq!(yen("¥1,500,000"), [SignalId::CryptoWindfall]);
        assert!(yen("¥50,000").is_empty());
        let no_crypto = "Your balance of $25,745 is ready to withdraw.";
        assert!(fired(crypto_windfall, &email("From: milo@gmail.com", no_crypto)).is_empty());
    }

    #[test]
    fn each_part_alone_is_not_fraud() {
        // A news item about a donation, with no private mailbox.
        let news = email(
            "From: news@paper.example",
            "The foundation made a donation of $5 million to the charity project, its beneficiary said.",
        );
        assert!(fired(advance_fee_offer, &news).is_empty());
        // A private mailbox and windfall words, but no fortune.
        let small = email(
            "From: friend@gmail.com",
            "Thanks for the donation of $20 to our charity project; the beneficiary is the school.",
        );
        assert!(fired(advance_fee_offer, &small).is_empty());
        // A fortune and a private mailbox, but one kind of windfall language only.
        let one = email("From: friend@gmail.com", "The donation drive raised $2,000,000 this year.");
        assert!(fired(advance_fee_offer, &one).is_empty());
    }
}
