//! The fourth adversarial review of per-account learning: a scammer who knows which
//! unauthenticated newsletter a user released, and so which sender and relay its credit
//! is keyed to ([`relayed_sender`](super::relayed_sender)), shapes what the receiving
//! server records of their own connection (their HELO, their address), or sends through
//! a relay many share, to collect that credit for a harmful mail; or warms up a sender
//! the account then knows, to shield its copy of a reported scam. Fixed holes are
//! ordinary tests; the ones left open are `#[ignore]`d with the hole and its fix named
//! (`cargo test -p scamguard-engine attacks_relay -- --ignored` shows them failing).

use super::attacks::received;
use super::relayed::{ISSUE_ONE, released_issue, through, unsigned};
use super::tests::{SCAM, WEEKLY, flat, parse, with};
use super::*;
use crate::detect::{Label, classify};
use crate::mail;

/// The released newsletter's sender, as the blackmail letter forges it.
const NEWSLETTER: &str = "Garden News <letter@news.example>";

/// A phish under the newsletter's From, with `trace` on top: no decisive signal moves it,
/// so the model (flat, a threat) and the learned credit decide.
fn phish(trace: &str) -> Email {
    let body = format!("{WEEKLY}\nConfirm your seat here: https://garden-seats.example/login");
    unsigned(trace, NEWSLETTER, "", &body)
}

/// Asserts an account that released the newsletter (through `mail.news.example`) moves
/// the phish sent with each trace, which names no relay; through that relay it would stay.
fn each_moved(traces: &[String]) {
    let learned = with(&flat(3.0, 12), &released_issue(""));
    let genuine = phish(&through("mail.news.example"));
    assert_ne!(classify(&genuine, &learned).label, Label::Threat, "the credit is what the attack wants");
    for trace in traces {
        let letter = phish(trace);
        assert_eq!(letter.relay, None, "{trace}");
        assert_eq!(classify(&letter, &learned).label, Label::Threat, "{trace}");
    }
}

/// The receiving server's line as Postfix writes it for a client with no reverse name
/// who said `helo`, over a line the sender forged naming the newsletter's relay.
fn postfix_unknown(helo: &str, client: &str) -> String {
    format!(
        "Received: from {helo} (unknown [{client}]) by mx.home.example (Postfix) with ESMTP id 3\r\n\
         Received: from x (mail.news.example [203.0.113.9]) by out.news.example\r\n"
    )
}

/// Postfix writes the client's HELO as said (one word, parentheses and brackets
/// included): a HELO holding a comment with the relay's name must not be read as the
/// reverse name the server recorded (mail-parser reads the last name in a comment of the
/// from clause, and `unknown` is none).
#[test]
fn a_helo_holding_a_comment_names_no_relay() {
    each_moved(&[
        postfix_unknown("x(mail.news.example)", "198.51.100.5"),
        postfix_unknown("(mail.news.example)", "198.51.100.5"),
        postfix_unknown("x(mail.news.example[198.51.100.5])", "198.51.100.5"),
        postfix_unknown("x(mail.news.example[203.0.113.9])", "198.51.100.5"),
        postfix_unknown("[203.0.113.9]", "198.51.100.5"),
        postfix_unknown("mail.news.example", "198.51.100.5"),
        // A HELO that is one of the parser's keywords: `;` moves it on to the date, so it
        // read no client address and passed over the receiving server's line.
        postfix_unknown(";", "198.51.100.5"),
        postfix_unknown("by", "198.51.100.5"),
        postfix_unknown("with", "198.51.100.5"),
        postfix_unknown("for", "198.51.100.5"),
        postfix_unknown("id", "198.51.100.5"),
        // Where a server keeps a HELO's spaces, the client writes a record of its own.
        postfix_unknown("x (mail.news.example [198.51.100.5])", "198.51.100.5"),
        postfix_unknown("x (mail.news.example [203.0.113.9]) by mx.home.example", "198.51.100.5"),
    ]);
}

/// A receiving server's line whose client address the parser cannot read (Sendmail's
/// `[IPv6:…]`, an IPv4-mapped form) is the edge all the same: the forged line below it
/// must not be read as the relay.
#[test]
fn a_client_address_in_an_odd_form_stops_the_search_at_the_receiving_line() {
    each_moved(&[
        postfix_unknown("helo.example", "IPv6:2001:db8::5"),
        postfix_unknown("helo.example", "2001:db8::5"),
        postfix_unknown("helo.example", "::ffff:198.51.100.5"),
        postfix_unknown("helo.example", "IPv6:::ffff:198.51.100.5"),
        postfix_unknown("helo.example", "198.051.100.005"),
        postfix_unknown("helo.example", "198.51.100.5:25"),
    ]);
}

/// Only the top-level header block holds the trace: Received lines in the body, in a
/// part's headers or in an attached message were written by the sender.
#[test]
fn received_lines_below_the_header_block_are_never_read() {
    let forged = "Received: from x (mail.news.example [203.0.113.9]) by mx.home.example";
    let edge = "Received: from helo.example (unknown [198.51.100.5]) by mx.home.example\r\n";
    for raw in [
        format!("{edge}From: {NEWSLETTER}\r\nSubject: News\r\n\r\n{forged}\r\n\r\n{SCAM}"),
        format!(
            "{edge}From: {NEWSLETTER}\r\nSubject: News\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
             --b\r\n{forged}\r\nContent-Type: text/plain\r\n\r\n{SCAM}\r\n\
             --b\r\nContent-Type: message/rfc822\r\n\r\n{forged}\r\nFrom: {NEWSLETTER}\r\n\r\nhi\r\n--b--\r\n"
        ),
        format!("From: {NEWSLETTER}\r\nSubject: News\r\n\r\n{forged}\r\n{SCAM}"),
    ] {
        assert_eq!(mail::parse(raw.as_bytes()).expect("parses").relay, None, "{raw}");
    }
}

/// A list adds its own List-Post; a poster who writes `List-Post: NO` among their own
/// headers must not pass the post off as the list owner's announcement, which a release
/// credits through the list's relay.
#[test]
fn a_posters_own_list_post_no_does_not_hide_the_lists() {
    for headers in [
        "List-Post: <mailto:garden@lists.news.example>\r\nList-Post: NO\r\n",
        "List-Post: NO\r\nList-Post: <mailto:garden@lists.news.example>\r\n",
    ] {
        let post = unsigned(&through("mail.news.example"), NEWSLETTER, headers, WEEKLY);
        assert!(post.posted_to_list, "{headers}");
    }
}

/// The relay's registrable domain is shared by everyone renting there when the provider
/// names its customers' servers by something other than the address's last two bytes
/// (OVH's VPS names, Contabo's; Linode's are public suffixes, each its own site), names IPv6 addresses, or is a
/// mailbox provider relaying for every tenant (Google Workspace's SMTP relay, Exchange
/// Online's connectors send any From): the released small sender's credit goes to every
/// customer writing its From.
#[test]
fn a_relay_shared_by_a_providers_customers_credits_no_forged_from() {
    let stayed = [
        ("vps-1234abcd.vps.ovh.net", "vps-9876fedc.vps.ovh.net", "198.51.100.5"),
        ("vmi123456.contaboserver.net", "vmi654321.contaboserver.net", "198.51.100.5"),
        ("mail-wr1-f41.google.com", "mail-ej1-f67.google.com", "198.51.100.5"),
        (
            "mail-db8eur05on2101.outbound.protection.outlook.com",
            "mail-am6eur05on2040.outbound.protection.outlook.com",
            "198.51.100.5",
        ),
    ]
    .into_iter()
    .filter(|&(theirs, ours, address)| {
        let mut personal = Personal::default();
        let first = unsigned(&through(theirs), NEWSLETTER, "", ISSUE_ONE);
        personal.learn(Feedback::Released, &first, &flat(3.0, 12));
        let learned = with(&flat(3.0, 12), &personal);
        let trace =
            format!("Received: from x ({ours} [{address}]) by mx.home.example (Postfix) with ESMTP id 4\r\n");
        classify(&phish(&trace), &learned).label != Label::Threat
    })
    .map(|(theirs, ours, _)| format!("{theirs} then {ours}"))
    .collect::<Vec<_>>();
    assert!(stayed.is_empty(), "stayed in INBOX: {stayed:?}");
}

/// A sender known by a harmless warm-up that sat in INBOX is shielded from a stranger's
/// report only for mail claiming nothing the warm-up did not; a copy of a reported phish
/// whose words claim nothing a family reads (its harm is its link) sends the reader to a
/// site the warm-up never linked to.
#[test]
fn a_warm_up_senders_copy_of_a_reported_phish_linking_elsewhere_is_moved() {
    let detector = flat(-3.0, 12);
    let signed = "dkim=pass header.d=deals.example";
    let phish = |link: &str| format!("Dear Mary,\n{WEEKLY}\nThe minutes are here: {link}");
    let mut personal = Personal::default();
    let reported = parse("x@stranger.example", "Minutes", &phish("https://minutes-portal.example/in"));
    personal.learn(Feedback::Reported, &reported, &detector);
    let warm_up = received(
        signed,
        "Deals <hi@deals.example>",
        "Hello",
        "Hi, welcome to our deals club. \
        We send a short note each month with what is new in the shop and nothing else.",
    );
    personal.learn_from_folder(Feedback::Released, &warm_up, &detector);
    let copy =
        received(signed, "Deals <hi@deals.example>", "Minutes", &phish("https://minutes-login.example/in"));
    let facts = observe(&copy, &detector.authserv_ids).facts;
    assert_eq!(Harms::of(&facts), Harms::default(), "the words claim nothing: only the link harms");
    assert_eq!(classify(&copy, &with(&detector, &personal)).label, Label::Threat);
}
