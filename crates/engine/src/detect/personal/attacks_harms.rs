//! The third adversarial review of per-account learning: a scammer who knows which
//! newsletter a user released copies it and makes it harmful in ways the harm checks
//! ([`harms`](super::harms)) might not see, counting on the release to keep the copy in
//! INBOX whoever sends it. Fixed holes are ordinary tests; the ones left open are
//! `#[ignore]`d with the hole and its fix named (`cargo test -p scamguard-engine
//! attacks_harms -- --ignored` shows them failing).

use super::attacks::{received, released_newsletter};
use super::tests::{NEWS, NEWS_TOO, SCAM, WEEKLY, flat, parse, with};
use super::*;
use crate::detect::{Label, classify};
use crate::mail;

/// The released newsletter's text with another greeting, and `extra` after it.
fn copy_text(extra: &str) -> String {
    format!("Hello Mary,\n{NEWS}\n{NEWS_TOO}\n{extra}")
}

/// Who sends the copies: a stranger's domain no server vouches for.
const STRANGER: &str = "Shop <news@shop-mail.example>";

/// The released newsletter's text with `extra`, from [`STRANGER`].
fn stranger_copy(extra: &str) -> Email {
    parse(STRANGER, "Autumn", &copy_text(extra))
}

/// The same, as an HTML mail from a stranger's domain no server vouches for.
fn html_copy(extra: &str) -> Email {
    let raw = format!(
        "From: Shop <news@shop-mail.example>\r\nTo: me@home.example\r\nSubject: Autumn\r\n\
         Content-Type: text/html; charset=utf-8\r\n\r\n<p>Hello Mary,</p><p>{NEWS}</p><p>{NEWS_TOO}</p>{extra}"
    );
    mail::parse(raw.as_bytes()).expect("parses")
}

/// Asserts each mail is a near-copy of the released newsletter at the bar a harmless copy
/// is credited from (so only the harm checks can stop the credit), and is moved.
fn each_moved(detector: &Detector, personal: &Personal, released: &Email, mails: Vec<(&str, Email)>) {
    let learned = with(detector, personal);
    let released = Sketch::of(released).expect("long");
    for (what, mail) in mails {
        let alike = Sketch::of(&mail).map_or(0.0, |s| s.similarity(&released));
        assert!(alike >= HARMLESS_NEAR, "{what}: only {alike} alike, no test of the harm checks");
        let verdict = classify(&mail, &learned);
        assert_eq!(verdict.label, Label::Threat, "a copy with {what} stayed: {verdict:?}");
    }
}

/// Asserts each mail is moved by an account that released the newsletter, and gives that
/// account's detector.
fn newsletter_copies_moved(mails: Vec<(&str, Email)>) -> Detector {
    let detector = flat(3.0, 12);
    let personal = released_newsletter(&detector);
    each_moved(&detector, &personal, &newsletter(), mails);
    with(&detector, &personal)
}

/// The released newsletter (see `attacks::released_newsletter`) as the user saw it.
fn newsletter() -> Email {
    let text = format!("Hello John,\n{NEWS}\n{NEWS_TOO}\nShort link: https://bit.ly/autumn");
    parse("Shop <news@shop.example>", "Autumn", &text)
}

/// A near-copy may add as many words as the released mail had (half alike): enough for a
/// whole blackmail letter or a prize lure that asks for no payment, wallet or password
/// in words the harm checks knew, only for a reply. What the copy claims (a recording, a
/// threat, a prize, a deadline) the released mail did not is harm too.
#[test]
fn a_copy_of_a_released_newsletter_carrying_a_threat_or_a_lure_without_a_wallet_is_moved() {
    let learned = newsletter_copies_moved(vec![
        (
            "blackmail asking for a reply",
            stranger_copy(
                "I recorded you through your camera while you watched adult sites. Reply within two \
                 days or the video goes to all your contacts and family.",
            ),
        ),
        (
            "a prize asking for a reply",
            stranger_copy(
                "Congratulations, you have won a reward voucher in our prize draw. Reply with your \
                 full name and home address to claim your prize.",
            ),
        ),
    ]);
    // The plain copy still stays: the release vouches for that text.
    let plain = classify(&stranger_copy(""), &learned);
    assert_eq!(plain.label, Label::Clean, "{plain:?}");
}

/// A link with no host to compare (a `data:` page holding the phishing form itself, a
/// `javascript:` one, a `tel:` number to call) goes somewhere the released mail's sites
/// say nothing about: it hides where it goes.
#[test]
fn a_copy_whose_link_leaves_the_web_is_moved() {
    let learned = newsletter_copies_moved(vec![
        ("a data: page", html_copy("<a href=\"data:text/html;base64,PGZvcm0+\">Open your voucher</a>")),
        ("a javascript: link", html_copy("<a href=\" JavaScript:go()\">Open your voucher</a>")),
        ("a number to call", html_copy("<a href=\"tel:+18885550100\">Call us about your order</a>")),
    ]);
    let plain = classify(&html_copy("<a href=\"#top\">Back to the top</a>"), &learned);
    assert_eq!(plain.label, Label::Clean, "an anchor within the mail is no link out: {plain:?}");
}

/// Mail apps make a domain written out without `www.` or a scheme clickable, and a reply
/// goes to an address written out: the rules read neither as a link, the harm checks must.
#[test]
fn a_copy_writing_out_a_domain_of_its_own_is_moved() {
    newsletter_copies_moved(vec![
        ("a bare domain", stranger_copy("Order at evil-shop.com/autumn")),
        ("an address", stranger_copy("Questions? Write to orders@evil-shop.com")),
    ]);
    // A domain the released mail wrote out itself is one it vouches for.
    let detector = flat(3.0, 12);
    let written = |greeting: &str| format!("{greeting}\n{NEWS}\n{NEWS_TOO}\nOrder at shop-news.com/autumn");
    let mut own = Personal::default();
    own.learn(Feedback::Released, &parse("news@shop.example", "Autumn", &written("Hello John,")), &detector);
    let copy = parse(STRANGER, "Autumn", &written("Hello Mary,"));
    let verdict = classify(&copy, &with(&detector, &Personal::new(Layer::default(), own.copies().cloned())));
    assert_eq!(verdict.label, Label::Clean, "{verdict:?}");
}

/// A mail asking for an answer sends it to its Reply-To: a copy replying to another
/// domain than its From's, one the released mail did not reply to, writes to a stranger
/// and is moved. A Reply-To at the copy's own domain, or the released mail's own, is not.
#[test]
fn a_copy_replying_to_another_domain_is_moved() {
    let replying = |to: &str| parse(&format!("{STRANGER}\r\nReply-To: {to}"), "Autumn", &copy_text(""));
    let learned =
        newsletter_copies_moved(vec![("a Reply-To elsewhere", replying("orders@elsewhere.example"))]);
    let own = classify(&replying("orders@shop-mail.example"), &learned);
    assert_eq!(own.label, Label::Clean, "a reply to the copy's own domain goes where it would: {own:?}");
    // The released mail's own Reply-To is among the places it sent its reader.
    let detector = flat(3.0, 12);
    let text = format!("Hello John,\n{NEWS}\n{NEWS_TOO}");
    let released = parse("Shop <news@shop.example>\r\nReply-To: care@shop-help.example", "Autumn", &text);
    let mut personal = Personal::default();
    personal.learn(Feedback::Released, &released, &detector);
    let learned = with(&detector, &Personal::new(Layer::default(), personal.copies().cloned()));
    let verdict = classify(&replying("care@shop-help.example"), &learned);
    assert_eq!(verdict.label, Label::Clean, "the released mail's Reply-To: {verdict:?}");
    let verdict = classify(&replying("orders@elsewhere.example"), &learned);
    assert_eq!(verdict.label, Label::Threat, "{verdict:?}");
}

/// A form's action, an image map's area and a remote image (a QR code to scan) send the
/// reader to a host as a link does: a copy doing so elsewhere than the released mail is
/// moved.
#[test]
fn a_copy_sending_the_reader_elsewhere_without_a_link_is_moved() {
    let form = "<form action=\"https://evil.example/claim\"><input name=card><button>Claim</button></form>";
    let map = "<img src=\"map.png\" usemap=\"#m\"><map name=m><area href=\"https://evil.example/x\"></map>";
    newsletter_copies_moved(vec![
        ("a form", html_copy(form)),
        ("an image map", html_copy(map)),
        ("a QR code", html_copy("<img src=\"https://evil.example/qr.png\" alt=\"\">")),
    ]);
}

/// The released mail's links, on a mailing service's click tracker (each customer has a
/// host of its own on the service's site) and on a site where anyone publishes by path.
fn released_with_platform_links(detector: &Detector) -> (Email, Personal) {
    let text = format!(
        "Hello John,\n{NEWS}\n{NEWS_TOO}\nhttps://shop.us5.list-manage.com/track/click?u=1 \
         https://docs.google.com/document/d/abc"
    );
    let released = parse("Shop <news@shop.example>", "Autumn", &text);
    let mut personal = Personal::default();
    personal.learn(Feedback::Released, &released, detector);
    (released, Personal::new(Layer::default(), personal.copies().cloned()))
}

/// Every customer of a mailing service's click tracker (which redirects anywhere) has a
/// subdomain of the same site: a release linking to the shop's tracker vouches for no copy
/// linking another customer's. The same tracker host still passes.
#[test]
fn a_copy_linking_another_customer_of_a_released_mailing_service_is_moved() {
    let detector = flat(3.0, 12);
    let (released, personal) = released_with_platform_links(&detector);
    let link = |host: &str| copy_text(&format!("https://{host}/track/click?u=2"));
    let tracker =
        vec![("another customer's tracker", parse(STRANGER, "Autumn", &link("evil.us5.list-manage.com")))];
    each_moved(&detector, &personal, &released, tracker);
    let same =
        classify(&parse(STRANGER, "Autumn", &link("shop.us5.list-manage.com")), &with(&detector, &personal));
    assert_eq!(same.label, Label::Clean, "{same:?}");
}

/// A site where anyone publishes by path serves the scammer's page on the very host the
/// newsletter linked to.
#[test]
fn a_copy_linking_a_page_of_anyone_on_a_released_host_is_moved() {
    let detector = flat(3.0, 12);
    let (released, personal) = released_with_platform_links(&detector);
    let form = copy_text("https://docs.google.com/forms/d/e/xyz/viewform");
    let mails = vec![("a form on the same host", parse("Shop <news@shop-mail.example>", "Autumn", &form))];
    each_moved(&detector, &personal, &released, mails);
}

/// Words holding a digit are left out of digests (a scam's copies differ in amounts), so a
/// copy that changes only the number to call is the released mail to the digest: the
/// numbers it writes out must be the released mail's. The same number, written with other
/// spaces, and a date are no other number.
#[test]
fn a_copy_changing_only_the_number_to_call_is_moved() {
    let detector = flat(3.0, 12);
    let text = |number: &str| format!("{NEWS}\n{NEWS_TOO}\nQuestions about an order? Call us on {number}.");
    let released = parse("Shop <news@shop.example>", "Autumn", &text("0800 111 2222"));
    let mut personal = Personal::default();
    personal.learn(Feedback::Released, &released, &detector);
    let personal = Personal::new(Layer::default(), personal.copies().cloned());
    let copy = parse(STRANGER, "Autumn", &text("+1 (888) 555-0100"));
    each_moved(&detector, &personal, &released, vec![("another number", copy)]);
    let same = parse(STRANGER, "Autumn", &format!("{} Sale ends 2026-12-01.", text("0800 1112 222")));
    // Nor are a tracking link's digits, or an address at the From's own domain (where a
    // reply goes anyway).
    let tracked = format!("{} https://shop.example/autumn?id=0800-1112-2222-33", text("0800 1112 222"));
    let replied = format!("{} Write to orders@shop-mail.example", text("0800 1112 222"));
    for same in [same, parse(STRANGER, "Autumn", &tracked), parse(STRANGER, "Autumn", &replied)] {
        let verdict = classify(&same, &with(&detector, &personal));
        assert_eq!(verdict.label, Label::Clean, "{verdict:?}");
    }
}

/// A report from another sender moves no mail authenticated as a sender the account
/// knows, and a sender is known once one of its authenticated mails sat in INBOX when
/// the user ran `learn --account`. A scammer's harmless warm-up there must not make its
/// signed copy of a reported blackmail letter skip the report: a sender is known only for
/// mail claiming nothing its known mail did not.
#[test]
fn a_scammers_warm_up_in_inbox_does_not_shield_its_copies_of_a_reported_scam() {
    let detector = flat(-3.0, 12);
    let signed = "dkim=pass header.d=deals.example";
    let warm_up = received(signed, "Deals <hi@deals.example>", "Hello", &format!("Hi,\n{WEEKLY}"));
    let mut personal = Personal::default();
    personal.learn(Feedback::Reported, &parse("x@stranger.example", "About your secret", SCAM), &detector);
    let copy = received(signed, "Deals <hi@deals.example>", "Secret", &format!("Dear Mary,\n{SCAM}"));
    assert_eq!(classify(&copy, &with(&detector, &personal)).label, Label::Threat, "without the warm-up");
    personal.learn_from_folder(Feedback::Released, &warm_up, &detector);
    assert_eq!(classify(&copy, &with(&detector, &personal)).label, Label::Threat, "after the warm-up");
}

/// A part a mail app offers to open or shows is a file whether or not it is named: an
/// archive without a filename ("noname"), an inline image (a QR code) with only a
/// Content-ID.
#[test]
fn a_copy_carrying_an_unnamed_file_is_moved() {
    let with_part = |head: &str| {
        let raw = format!(
            "From: Shop <news@shop-mail.example>\r\nTo: me@home.example\r\nSubject: Autumn\r\n\
             MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
             Content-Type: text/plain\r\n\r\n{}\r\n--b\r\n{head}\r\n\
             Content-Transfer-Encoding: base64\r\n\r\nUEsDBA==\r\n--b--\r\n",
            copy_text("")
        );
        mail::parse(raw.as_bytes()).expect("parses")
    };
    newsletter_copies_moved(vec![
        ("an unnamed archive", with_part("Content-Type: application/zip")),
        ("an inline image", with_part("Content-Type: image/png\r\nContent-ID: <qr@x>")),
    ]);
}
