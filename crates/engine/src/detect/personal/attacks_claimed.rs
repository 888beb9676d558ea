//! The claimed-sender credit under attack: the user released a newsletter no server
//! authenticates, and a scammer who knows it types that From line. What they gain is a
//! mail kept out of Junk but flagged, and only when it can do no more than the released
//! newsletter could; every test here names one harm that must still move the mail (each
//! fails without the harm check, see the report of issue 15).

use super::attacks::released_newsletter;
use super::tests::{NEWS, NEWS_TOO, feedback_share, flat, parse, with};
use super::*;
use crate::detect::{Label, classify};
use crate::mail;

/// The released newsletter's From (see `attacks::released_newsletter`).
const FROM: &str = "Shop <news@shop.example>";

/// The shop's next issue: nothing like the released one (no near-copy), linking only to
/// the site the released one linked to.
const NEXT: &str = "Our spring collection has arrived: linen shirts, light jackets and sandals for sunny \
    days, and a new corner of garden chairs and lanterns. Browse it at https://shop.example/spring and \
    find the colours you like.";

/// The next issue from `from` (any header lines may follow the address), with `extra`.
fn next_issue(from: &str, extra: &str) -> Email {
    parse(from, "Spring", &format!("Hello John,\n{NEXT}\n{extra}"))
}

/// The account that released the newsletter, read by a model that moves everything.
fn account() -> Detector {
    let detector = flat(3.0, 12);
    with(&detector, &released_newsletter(&detector))
}

/// Asserts the mail is no near-copy of the released newsletter (only the claimed-sender
/// credit could keep it) and is moved.
fn moved(learned: &Detector, what: &str, mail: &Email) {
    let released =
        Sketch::of(&parse(FROM, "Autumn", &format!("Hello John,\n{NEWS}\n{NEWS_TOO}"))).expect("long");
    let alike = Sketch::of(mail).map_or(0.0, |s| s.similarity(&released));
    assert!(alike < NEAR, "{what}: {alike} alike, a near-copy");
    let verdict = classify(mail, learned);
    assert_eq!(verdict.label, Label::Threat, "the claimed sender's mail with {what} stayed: {verdict:?}");
}

#[test]
fn the_claimed_senders_harmless_next_mail_is_flagged_not_cleared_and_says_why() {
    let learned = account();
    let next = next_issue(FROM, "");
    let verdict = classify(&next, &learned);
    assert_eq!(verdict.label, Label::Suspicious, "{verdict:?}");
    let line = crate::explain::explain(&next, &verdict);
    let line = line.lines().find(|l| l.contains("learned_from_feedback")).expect("explained");
    assert!(line.contains("released mail from this sender; sender not authenticated: flagged"), "{line}");
    // The address is compared whatever its case; a mail the model finds suspicious stays so.
    let shouted = classify(&next_issue("Shop <NEWS@Shop.Example>", ""), &learned);
    assert_eq!(shouted.label, Label::Suspicious, "{shouted:?}");
    let quiet = flat(0.0, 12);
    let verdict = classify(&next, &with(&quiet, &released_newsletter(&quiet)));
    assert_eq!(verdict.label, Label::Suspicious, "flagged, never cleared: {verdict:?}");
}

#[test]
fn the_claimed_senders_mail_with_its_own_link_or_a_shortener_is_moved() {
    let learned = account();
    moved(&learned, "its own link", &next_issue(FROM, "Order at https://sh0p-deals.example/spring"));
    moved(&learned, "a shortener", &next_issue(FROM, "See https://bit.ly/spring"));
    moved(&learned, "another host of the site", &next_issue(FROM, "See https://pay.shop.example/spring"));
}

/// A mail asking for an answer sends it to its Reply-To: one at another domain than the
/// From's, which the released mail did not name, goes to a stranger.
#[test]
fn the_claimed_senders_mail_replying_to_another_domain_is_moved() {
    let learned = account();
    let diverted = format!("{FROM}\r\nReply-To: Shop <orders@elsewhere.example>");
    moved(&learned, "a Reply-To elsewhere", &next_issue(&diverted, "Write back to order."));
    // A Reply-To at the From's own domain is where a reply went anyway.
    let own = format!("{FROM}\r\nReply-To: Shop <orders@shop.example>");
    let verdict = classify(&next_issue(&own, ""), &learned);
    assert_eq!(verdict.label, Label::Suspicious, "{verdict:?}");
}

#[test]
fn the_claimed_senders_mail_with_an_attachment_is_moved() {
    let raw = format!(
        "From: {FROM}\r\nTo: me@home.example\r\nSubject: Spring\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n\
         Hello John,\n{NEXT}\r\n--b\r\nContent-Type: application/pdf\r\n\
         Content-Disposition: attachment; filename=\"catalogue.pdf\"\r\n\r\nJVBERi0=\r\n--b--\r\n"
    );
    moved(&account(), "an attachment", &mail::parse(raw.as_bytes()).expect("parses"));
}

#[test]
fn the_claimed_senders_mail_asking_for_a_wallet_payment_or_credentials_is_moved() {
    let learned = account();
    moved(&learned, "a wallet", &next_issue(FROM, "Pay in bitcoin to our wallet."));
    moved(&learned, "a credential request", &next_issue(FROM, "Verify your password here."));
}

/// Digests leave out words with digits: a number to call is only seen by the harm check.
#[test]
fn the_claimed_senders_mail_with_a_number_to_call_is_moved() {
    moved(&account(), "a phone number", &next_issue(FROM, "Questions? Call us on +1 (888) 555-0100."));
}

/// The display name is no sender: anyone types any. Another address under the released
/// sender's name, at the same domain or another, gains nothing.
#[test]
fn the_released_senders_display_name_on_another_address_gains_nothing() {
    let learned = account();
    for from in ["Shop <deals@shop.example>", "Shop <news@shop-mail.example>"] {
        moved(&learned, from, &next_issue(from, ""));
        let share = feedback_share(&classify(&next_issue(from, ""), &learned)).expect("listed");
        assert!(share > -0.5, "{from}: {share}");
    }
}

/// The credit rests on the user taking that very mail out of Junk: a mail merely found in
/// INBOX by `learn --account` (a scammer's harmless warm-up) vouches for no From line.
#[test]
fn a_mail_found_in_inbox_credits_no_claimed_sender() {
    let detector = flat(3.0, 12);
    let mut personal = Personal::default();
    let warm_up = parse(FROM, "Autumn", &format!("Hello John,\n{NEWS}\n{NEWS_TOO}"));
    personal.learn_from_folder(Feedback::Released, &warm_up, &detector);
    assert!(personal.copies().all(|c| c.claimed.is_none()));
    // The digest alone (the layer's words are another matter: `learn_from_folder`).
    let digests = Personal::new(Layer::default(), personal.copies().cloned());
    moved(&with(&detector, &digests), "a sender found only in INBOX", &next_issue(FROM, ""));
}

/// A Reply-To elsewhere is harm for the near-copy credit too: a stranger's copy of the
/// released newsletter that diverts replies is moved.
#[test]
fn a_near_copy_of_a_released_mail_replying_to_another_domain_is_moved() {
    let learned = account();
    let copy = |headers: &str| {
        parse(
            &format!("Shop <news@shop-mail.example>{headers}"),
            "Autumn",
            &format!("Hello Mary,\n{NEWS}\n{NEWS_TOO}"),
        )
    };
    let verdict = classify(&copy(""), &learned);
    assert_eq!(verdict.label, Label::Clean, "the plain copy stays: {verdict:?}");
    let verdict = classify(&copy("\r\nReply-To: orders@elsewhere.example"), &learned);
    assert_eq!(verdict.label, Label::Threat, "{verdict:?}");
}
