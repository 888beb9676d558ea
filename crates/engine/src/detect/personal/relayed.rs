//! Tests of the credit a release gives a sender the receiving server did not
//! authenticate, keyed to the relay that handed its mail over
//! ([`relayed_sender`](super::relayed_sender)).

use super::tests::{WEEKLY, feedback_share, flat, with};
use super::*;
use crate::detect::{Label, classify};
use crate::mail;

/// The receiving server's record of a relay named `relay`, below its own local hop.
pub(super) fn through(relay: &str) -> String {
    format!(
        "Received: from localhost (localhost [127.0.0.1]) by mx.home.example (Postfix) with ESMTP id 1\r\n\
         Received: from out.helo.example ({relay} [203.0.113.7]) by mx.home.example (Postfix) with ESMTP id 2\r\n"
    )
}

/// A mail with no Authentication-Results from `from`, with the `trace` lines above it.
pub(super) fn unsigned(trace: &str, from: &str, extra: &str, body: &str) -> Email {
    let raw = format!("{trace}From: {from}\r\n{extra}To: me@home.example\r\nSubject: News\r\n\r\n{body}");
    mail::parse(raw.as_bytes()).expect("parses")
}

pub(super) const ISSUE_ONE: &str = "This week in the garden: plant the tulip bulbs before the frost, cover the roses, \
    and bring the lemon tree indoors. Our readers sent photos of their autumn borders.";

/// What an account learned from releasing one issue of a newsletter its server could not
/// authenticate, delivered by `mail.news.example`.
pub(super) fn released_issue(extra: &str) -> Personal {
    let mut personal = Personal::default();
    let first =
        unsigned(&through("mail.news.example"), "Garden News <letter@news.example>", extra, ISSUE_ONE);
    personal.learn(Feedback::Released, &first, &flat(3.0, 12));
    personal
}

#[test]
fn a_release_credits_an_unauthenticated_sender_only_through_the_same_relay() {
    let learned = with(&flat(3.0, 12), &released_issue(""));
    let share = |trace: &str| {
        let next = unsigned(trace, "Garden News <letter@news.example>", "", WEEKLY);
        let verdict = classify(&next, &learned);
        (verdict.label, feedback_share(&verdict).expect("listed"))
    };
    // The next issue, other words, through another host of the same relay's site.
    let (label, same) = share(&through("out7.news.example."));
    assert_ne!(label, Label::Threat);
    // One token, relay and sender together, holds the credit: up to one weight's bound.
    assert!(same <= -MAX_WEIGHT + 0.5, "{same}");
    // The From typed by someone sending through their own servers, or through a relay
    // whose name the receiving server did not record, or with a forged line below it.
    for trace in [
        through("mail.elsewhere.example"),
        through("unknown"),
        "Received: from x (203.0.113.7) by mx.home.example\r\n\
         Received: from x (mail.news.example [198.51.100.1]) by forged.example\r\n"
            .to_string(),
        String::new(),
    ] {
        let (label, forged) = share(&trace);
        assert_eq!(label, Label::Threat, "{trace}");
        assert!(forged > -1.0, "{forged} through {trace}");
    }
}

#[test]
fn a_post_to_a_mailing_list_credits_nobody_through_the_lists_relay() {
    let list = "List-Id: <garden.lists.news.example>\r\nList-Post: <mailto:garden@lists.news.example>\r\n";
    let share = |extra: &str| {
        let learned = with(&flat(3.0, 12), &released_issue(extra));
        let next =
            unsigned(&through("mail.news.example"), "Garden News <letter@news.example>", extra, WEEKLY);
        let verdict = classify(&next, &learned);
        (verdict.label, feedback_share(&verdict).expect("listed"))
    };
    let (label, posted) = share(list);
    assert_eq!(label, Label::Threat);
    // What the words alone taught, the sender not at all.
    let (_, newsletter) = share("");
    assert!(posted > newsletter / 2.0, "{posted} against {newsletter}");
    // A newsletter's list, which its readers cannot post to, is its sender's.
    let (label, announced) = share("List-Id: <garden.news.example>\r\nList-Post: NO\r\n");
    assert_ne!(label, Label::Threat);
    assert_eq!(announced, newsletter);
}

#[test]
fn an_authenticated_sender_is_credited_as_before_whatever_its_relay() {
    let signed = "Authentication-Results: mx.home.example; dkim=pass header.d=news.example\r\n";
    let mut personal = Personal::default();
    let first =
        unsigned(&format!("{signed}{}", through("mail.news.example")), "letter@news.example", "", ISSUE_ONE);
    personal.learn(Feedback::Released, &first, &flat(3.0, 12));
    let learned = with(&flat(3.0, 12), &personal);
    let next =
        unsigned(&format!("{signed}{}", through("other.cloud.example")), "letter@news.example", "", WEEKLY);
    assert_ne!(classify(&next, &learned).label, Label::Threat);
}
