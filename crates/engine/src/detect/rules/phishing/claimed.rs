//! The name a mail claims against where it comes from, for organisations no brand table
//! lists: "PancakeSwap" in the sender name and the subject of mail from an unrelated
//! domain, signed by another and linking elsewhere again. Brand lists only ever know a
//! few dozen names; the claim and the domains that would back it are in every mail.

use super::{Facts, Signal, SignalId};
use crate::detect::tables::{DESK_WORDS, NAME_FILLER_WORDS};
use crate::mail::url::registered_name;

/// Shorter words are initials and particles ("TF", "de"), found inside any domain.
const MIN_WORD_LEN: usize = 3;

/// The lower-cased ASCII words of `text` (letters and digits), in order.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_ascii_lowercase)
}

/// The words of a sender name that could name an organisation: long enough, not only
/// digits, and not a word saying what the mail is ("Rewards", "Support"). What follows
/// " via " is the mailing list that resent the mail, not a claim of the sender's.
fn claimed_words(sender_name: &str) -> Vec<String> {
    let lower = sender_name.to_ascii_lowercase();
    let own = lower.split(" via ").next().unwrap_or_default();
    words(own)
        .filter(|w| w.len() >= MIN_WORD_LEN && !w.bytes().all(|b| b.is_ascii_digit()))
        .filter(|w| !DESK_WORDS.contains(&w.as_str()) && !NAME_FILLER_WORDS.contains(&w.as_str()))
        .collect()
}

/// Whether `word` is borne out by a domain the mail comes from or leads to: contained in
/// one (dots and hyphens aside: "Trust Wallet" in `trust-wallet.example`), or a domain's
/// registered name contained in the sender name ("zozo" in "ZOZOTOWN").
fn backed(claimed: &[String], joined_name: &str, domains: &[&str]) -> bool {
    domains.iter().any(|domain| {
        let flat: String = domain.chars().filter(|c| *c != '.' && *c != '-').collect();
        let name = registered_name(domain);
        claimed.iter().any(|w| flat.contains(w.as_str()))
            || (name.len() >= MIN_WORD_LEN && joined_name.contains(name))
    })
}

/// Whether the sender's name is borne out by the sending domain itself ("Capital One
/// Shopping" from `capitaloneshopping.com`): the sender says who it is, so a brand its
/// subject names is what the mail is about, not a name it borrows.
pub(super) fn sender_named_by_own_domain(facts: &Facts<'_>) -> bool {
    let name = facts.email.normalized_sender_name.as_str();
    let claimed = claimed_words(name);
    let joined_name: String = words(name).collect();
    !claimed.is_empty() && backed(&claimed, &joined_name, &[facts.sender_domain.as_str()])
}

/// A word of the sender's name that the subject repeats (the mail insists on who it is)
/// while neither the sending domain, a domain whose signature the receiving server
/// verified, nor any link host carries a word of that name. Brands the table knows are
/// judged by `impersonates_brand`; mail without links asks nothing of this kind.
pub fn claimed_name_elsewhere(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    if !facts.brands_in_sender.is_empty() || facts.link_hosts.is_empty() || facts.sender_domain.is_empty() {
        return;
    }
    let name = facts.email.normalized_sender_name.as_str();
    let claimed = claimed_words(name);
    let subject: Vec<String> = words(&facts.email.normalized_subject).collect();
    let Some(repeated) = claimed.iter().find(|w| subject.contains(w)) else { return };
    let joined_name: String = words(name).collect();
    let domains: Vec<&str> = std::iter::once(facts.sender_domain.as_str())
        .chain(facts.authentication.dkim_domains.iter().map(String::as_str))
        .chain(facts.link_hosts.iter().map(String::as_str))
        .collect();
    if backed(&claimed, &joined_name, &domains) {
        return;
    }
    let evidence = format!(
        "sender name and subject say \"{repeated}\" but mail is from {} and links go to {}",
        facts.sender_domain,
        facts.link_hosts.first().map_or("", |h| h.as_str())
    );
    out.push(Signal::new(SignalId::ClaimedNameElsewhere, evidence));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::test_support::{email, fired};

    fn run(headers: &str, body: &str) -> Vec<SignalId> {
        fired(claimed_name_elsewhere, &email(headers, body))
    }

    #[test]
    fn a_name_the_subject_repeats_on_mail_from_and_to_unrelated_domains_fires() {
        let headers =
            "From: Glimmerswap <notify@mailer.relay.example>\r\nSubject: Join the Glimmerswap airdrop";
        assert_eq!(
            run(headers, "Claim now: https://claim.other.example/x"),
            [SignalId::ClaimedNameElsewhere]
        );
    }

    #[test]
    fn claimed_words_are_long_lettered_words_before_via() {
        assert_eq!(claimed_words("Glimmerswap HQ 2024 via lists.example"), ["glimmerswap"]);
    }

    #[test]
    fn a_domain_that_bears_the_name_backs_the_claim() {
        // The sending domain, a verified signer, a link host, or the name holding the domain's name.
        let subject = "Subject: Your Glimmerswap statement";
        let link = "https://claim.other.example/x";
        assert!(run(&format!("From: Glimmerswap <n@glimmer-swap.example>\r\n{subject}"), link).is_empty());
        let signed = "Authentication-Results: mx.example; dkim=pass header.d=glimmerswap.example";
        assert!(run(&format!("From: Glimmerswap <n@esp.example>\r\n{signed}\r\n{subject}"), link).is_empty());
        let to_own = "https://www.glimmerswap.example/statement";
        assert!(run(&format!("From: Glimmerswap <n@esp.example>\r\n{subject}"), to_own).is_empty());
        let short = "From: Glimmerswap <n@glimmer.example>\r\nSubject: Glimmerswap news";
        assert!(run(short, link).is_empty());
    }

    #[test]
    fn names_the_subject_does_not_repeat_or_without_links_stay_silent() {
        let link = "https://claim.other.example/x";
        assert!(run("From: Glimmerswap <n@relay.example>\r\nSubject: Your statement", link).is_empty());
        assert!(
            run("From: Glimmerswap <n@relay.example>\r\nSubject: Glimmerswap airdrop", "Reply to claim")
                .is_empty()
        );
    }

    #[test]
    fn desk_words_list_names_and_brands_the_table_knows_are_not_this_rules_claim() {
        let link = "https://claim.other.example/x";
        // Words that say what a mail is name nobody.
        assert!(run("From: Rewards Team <n@relay.example>\r\nSubject: Rewards for you", link).is_empty());
        // The list resending a member's post is named after " via ".
        let list = "From: Ann Lee via Frobnicate-dev <frobnicate-dev@lists.example>\r\nSubject: [Frobnicate-dev] patch";
        assert!(run(list, link).is_empty());
        // PayPal is in the brand table: impersonates_brand judges it.
        assert!(run("From: PayPal <n@relay.example>\r\nSubject: PayPal notice", link).is_empty());
    }
}
