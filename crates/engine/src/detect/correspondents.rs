//! Known correspondents: the people the user has written to (read from the account's Sent
//! folder by the service) count strongly toward ham, when the receiving server vouched for
//! the From address.
//!
//! How much: every unwanted class's score loses [`DISCOUNT`], after the model has read the
//! mail, and the verdict shows it as its own line (`known_correspondent`, "You have
//! written to this sender"). 6 is the weight of evidence an untrained model needs for even
//! odds ([`super::model::PRIOR_BIAS`]): mail that tripped a few rules (a friend's message
//! about a Bitcoin purchase, a colleague's "please log in to the new portal") goes back
//! below the thresholds, while mail whose evidence is overwhelming stays a threat. A
//! decisive signal ([`super::signals::DECISIVE`]: a bare demand for a crypto payment to a
//! valid wallet) is a threat whoever sends it, so a hijacked correspondent's account
//! cannot make extortion safe.
//!
//! Who counts: only [`crate::mail::sender::vouched_mailbox`], a From address the
//! receiving server's trusted Authentication-Results vouch for as a mailbox (an SPF pass
//! for that very envelope sender, or a DKIM signature naming it as `header.i`). A From
//! that merely says it is a correspondent, or the user's own address (the seed scam's
//! trick), gains nothing; nor does a pass for the domain alone, which another user of the
//! same domain (the user's own, a colleague's) gets writing any From there.

use std::collections::HashSet;
use std::sync::Arc;

use super::model::{Reading, softmax};
use crate::mail::Email;
use crate::mail::auth::AuthservId;
use crate::mail::sender::vouched_mailbox;

/// What a known correspondent takes off each unwanted class's score.
pub const DISCOUNT: f32 = 6.0;

/// The lower-cased addresses an account has written to: a read-only snapshot, cheap to
/// clone and share with the blocking pool. Its `Debug` shows how many there are, never
/// the addresses.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct KnownCorrespondents(Arc<HashSet<String>>);

impl KnownCorrespondents {
    /// A snapshot of `addresses`, lower-cased.
    pub fn new(addresses: impl IntoIterator<Item = String>) -> Self {
        KnownCorrespondents(Arc::new(addresses.into_iter().map(|a| a.to_lowercase()).collect()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The From address of `email` when the receiving server (the one `ids` names, as for
    /// [`crate::mail::Authentication::trusted`]) vouched for that mailbox
    /// ([`vouched_mailbox`]) and it is one of these.
    pub fn vouched_sender(&self, email: &Email, ids: &[AuthservId]) -> Option<String> {
        if self.0.is_empty() {
            return None;
        }
        vouched_mailbox(email, ids).filter(|sender| self.0.contains(sender))
    }
}

impl std::fmt::Debug for KnownCorrespondents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KnownCorrespondents({} addresses)", self.0.len())
    }
}

/// `reading` with [`DISCOUNT`] taken off every unwanted class's score, and the
/// probabilities that follow. The token part is left as the model read it.
pub fn discounted(reading: Reading) -> Reading {
    let logits = reading.logits.map(|logit| logit - DISCOUNT);
    Reading { probabilities: softmax(logits), logits, ..reading }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{Category, Detector, Label, SignalId, classify};
    use crate::mail::parse;

    /// The receiving server vouches for Bob's mailbox: his own envelope sender passed SPF.
    const AUTHENTICATED: &str =
        "Authentication-Results: mx.home.example; spf=pass smtp.mailfrom=bob@friends.example\r\n";

    #[test]
    fn the_set_counts_each_address_once_whatever_its_case() {
        let none = KnownCorrespondents::default();
        assert!(none.is_empty());
        let known =
            KnownCorrespondents::new(["Bob@Friends.example".to_string(), "bob@friends.example".into()]);
        assert_eq!((known.len(), known.is_empty()), (1, false));
        let two = KnownCorrespondents::new(["a@x.example".to_string(), "b@x.example".into()]);
        assert_eq!(two.len(), 2);
    }

    fn mail(headers: &str, from: &str, body: &str) -> Email {
        let raw = format!("{headers}From: {from}\r\nTo: me@home.example\r\nSubject: hello\r\n\r\n{body}");
        parse(raw.as_bytes()).expect("parses")
    }

    fn knowing(addresses: &[&str]) -> Detector {
        let known = KnownCorrespondents::new(addresses.iter().map(|a| a.to_string()));
        Detector { known_correspondents: known, ..Detector::default() }
    }

    /// A message that reads like phishing: a suspended account, a login page on an IP
    /// address, a deadline.
    const LOGIN: &str = "Dear user, your account has been suspended due to unusual sign-in activity. \
        Log in within 24 hours to verify your identity and avoid permanent closure: \
        http://192.168.10.20/login Enter your password and card number to confirm.";

    #[test]
    fn an_authenticated_correspondent_counts_toward_ham_and_shows_why() {
        let from = "Bob <Bob@Friends.example>";
        let stranger = classify(&mail(AUTHENTICATED, from, LOGIN), &knowing(&[]));
        assert_eq!(stranger.label, Label::Threat, "the fixture trips the rules: {stranger:?}");
        let known = classify(&mail(AUTHENTICATED, from, LOGIN), &knowing(&["bob@friends.example"]));
        assert_eq!(known.label, Label::Clean, "{known:?}");
        let line = known.signals.iter().find(|s| s.id == SignalId::KnownCorrespondent).expect("shown");
        assert_eq!(
            (line.contribution, line.evidence.as_str()),
            (Some(-DISCOUNT), "you have written to bob@friends.example")
        );
        assert!(known.score < stranger.score);
    }

    #[test]
    fn an_unauthenticated_correspondent_or_own_address_gains_nothing() {
        let detector = knowing(&["bob@friends.example", "me@home.example"]);
        let failed = "Authentication-Results: mx.home.example; dkim=fail header.d=friends.example\r\n";
        for (headers, from) in
            [("", "bob@friends.example"), (failed, "bob@friends.example"), ("", "me@home.example")]
        {
            let verdict = classify(&mail(headers, from, LOGIN), &detector);
            assert_eq!(verdict.label, Label::Threat, "{from} {headers:?}");
            assert!(!verdict.signals.iter().any(|s| s.id == SignalId::KnownCorrespondent));
        }
    }

    #[test]
    fn another_mailbox_of_the_same_domain_gets_no_credit_for_a_correspondents_address() {
        let detector = knowing(&["me@home.example"]);
        let neighbour =
            "Authentication-Results: mx.home.example; spf=pass smtp.mailfrom=eve@home.example\r\n";
        let verdict = classify(&mail(neighbour, "me@home.example", LOGIN), &detector);
        assert!(!verdict.signals.iter().any(|s| s.id == SignalId::KnownCorrespondent), "{verdict:?}");
        assert_eq!(verdict.label, Label::Threat);
        // Nor a domain's signature, nor Microsoft's domain-only SPF with another's Return-Path.
        for headers in [
            "Authentication-Results: mx.home.example; dkim=pass header.d=home.example\r\n",
            "Return-Path: <eve@home.example>\r\nAuthentication-Results: mx.home.example; spf=pass smtp.mailfrom=home.example\r\n",
        ] {
            let verdict = classify(&mail(headers, "me@home.example", LOGIN), &detector);
            assert_eq!(verdict.label, Label::Threat, "{headers}");
        }
        // The user's own mail, vouched for as their mailbox, gets it.
        let own = "Authentication-Results: mx.home.example; dkim=pass header.d=home.example header.i=me@home.example\r\n";
        let verdict = classify(&mail(own, "me@home.example", LOGIN), &detector);
        assert!(verdict.signals.iter().any(|s| s.id == SignalId::KnownCorrespondent), "{verdict:?}");
    }

    #[test]
    fn a_hijacked_correspondent_demanding_crypto_is_still_a_threat() {
        let demand = "Send 0.05 BTC to bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4 today.";
        let verdict =
            classify(&mail(AUTHENTICATED, "bob@friends.example", demand), &knowing(&["bob@friends.example"]));
        assert!(verdict.signals.iter().any(|s| s.id == SignalId::KnownCorrespondent));
        assert_eq!((verdict.label, verdict.category), (Label::Threat, Category::Extortion));
        let story = "I hacked your device and recorded you on your webcam visiting adult sites. I will send \
            the video to your friends. Do not tell the police. Pay 1200 USD in Bitcoin within 48 hours.\n\n\
            Wallet:\nbc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4\n";
        let verdict =
            classify(&mail(AUTHENTICATED, "bob@friends.example", story), &knowing(&["bob@friends.example"]));
        assert_eq!(verdict.label, Label::Threat, "overwhelming evidence outweighs the credit: {verdict:?}");
    }

    #[test]
    fn the_snapshot_never_prints_its_addresses() {
        let known = KnownCorrespondents::new(["Secret@Friends.example".to_string()]);
        assert_eq!(format!("{known:?}"), "KnownCorrespondents(1 addresses)");
        assert_eq!(known.len(), 1);
        let reading = Reading { probabilities: [0.5; 4], logits: [7.0, 0.0, -1.0], tokens: [0.0; 3] };
        assert_eq!(discounted(reading).logits, [1.0, -6.0, -7.0]);
        assert_eq!(SignalId::KnownCorrespondent.def().weight, -DISCOUNT, "the table shows what is taken off");
    }
}
