//! The second adversarial review of per-account learning: a scammer who knows the code
//! tries to make the user's feedback, and the release credit, work for them. Fixed holes
//! are ordinary tests; the ones left open are `#[ignore]`d with the hole and its fix named
//! (`cargo test -p scamguard-engine attacks -- --ignored` shows them failing).

use super::tests::{NEWS, NOTICE, SCAM, WEEKLY, feedback_share, flat, parse, with};
use super::*;
use crate::detect::{Label, classify};
use crate::mail;

/// A mail with the receiving server's `results` (after `mx.home.example;`), from `from`.
fn received(results: &str, from: &str, subject: &str, body: &str) -> Email {
    let raw = format!(
        "Authentication-Results: mx.home.example; {results}\r\nFrom: {from}\r\nTo: me@home.example\r\n\
         Subject: {subject}\r\n\r\n{body}"
    );
    mail::parse(raw.as_bytes()).expect("parses")
}

/// At a free mailbox provider a domain-level pass says only "one of our users sent this":
/// a neighbour there (or anyone passing SPF on the provider's shared servers) who writes
/// the released friend's From must collect neither her release credit nor her digest.
#[test]
fn a_neighbour_at_a_freemail_provider_writing_a_released_friends_address_borrows_nothing() {
    let detector = flat(3.0, 12);
    // Ann's mail, moved by mistake and released: the provider vouched for her mailbox.
    let ann = "spf=pass smtp.mailfrom=ann@gmail.com; dkim=pass header.d=gmail.com header.i=@gmail.com";
    let mut personal = Personal::default();
    personal.learn(Feedback::Released, &received(ann, "Ann <ann@gmail.com>", "Saturday", WEEKLY), &detector);
    let learned = with(&detector, &personal);
    // Her next mail keeps the credit.
    let again = classify(&received(ann, "Ann <ann@gmail.com>", "Sunday", NEWS), &learned);
    assert!(feedback_share(&again).is_some_and(|s| s < -3.0), "{again:?}");
    // The neighbour: its own envelope, the provider's signature, Ann's From.
    let neighbour =
        "spf=pass smtp.mailfrom=crook@gmail.com; dkim=pass header.d=gmail.com header.i=@gmail.com";
    let scam = classify(&received(neighbour, "Ann <ann@gmail.com>", "About your secret", SCAM), &learned);
    assert_eq!(scam.label, Label::Threat, "{scam:?}");
    assert!(feedback_share(&scam).is_some_and(|s| s > -1.0), "{scam:?}");
    // Nor does a copy of her released text, asking for a reply, stay by her digest.
    let digests = with(&detector, &Personal::new(Layer::default(), personal.copies().cloned()));
    let copy = received(neighbour, "Ann <ann@gmail.com>", "Saturday", &format!("Hi,\n{WEEKLY}"));
    assert_eq!(classify(&copy, &digests).label, Label::Threat);
}

/// `learn --account` reads INBOX as ham. A stranger's harmless first mail sits there
/// (a scammer's warm-up): it must not earn its domain the credit a release gives, or
/// the same domain's scams later stay.
#[test]
fn learning_from_a_folder_credits_no_sender_the_user_said_nothing_about() {
    // The warm-up mail, signed by its own domain, which the global model finds clean.
    let quiet = flat(-3.0, 12);
    let warm_up = received("dkim=pass header.d=deals.example", "Deals <hi@deals.example>", "Hello", NEWS);
    assert_eq!(classify(&warm_up, &quiet).label, Label::Clean);
    let mut personal = Personal::default();
    personal.learn_from_folder(Feedback::Released, &warm_up, &quiet);
    // The same domain's scam, which the global model moves, is still moved.
    let scam = received("dkim=pass header.d=deals.example", "Deals <hi@deals.example>", "Secret", SCAM);
    let verdict = classify(&scam, &with(&flat(3.0, 12), &personal));
    assert_eq!(verdict.label, Label::Threat, "{verdict:?}");
    assert!(feedback_share(&verdict).is_some_and(|s| s > -1.0), "{verdict:?}");
    // The user's own release still credits it: they said they want that sender's mail.
    personal.learn(Feedback::Released, &warm_up, &quiet);
    let verdict = classify(&scam, &with(&flat(3.0, 12), &personal));
    assert!(feedback_share(&verdict).is_some_and(|s| s < -3.0), "{verdict:?}");
}

/// Some services sign mail that strangers write with their own domain: a payment
/// service's invoices and money requests (the "call this number" note is the scammer's),
/// a sharing service's invitations. Releasing one of the service's notices must credit
/// none of them.
#[test]
fn a_released_service_notice_credits_no_scam_sent_through_that_service() {
    let detector = flat(3.0, 12);
    for (signer, from) in [
        ("paypal.com", "Service <service@paypal.com>"),
        ("google.com", "Ann (via Google Drive) <drive-shares-dm-noreply@google.com>"),
    ] {
        let results = format!("dkim=pass header.d={signer}");
        let notice = received(&results, from, "Your receipt", NEWS);
        let mut personal = Personal::default();
        personal.learn(Feedback::Released, &notice, &detector);
        // A stranger's invoice or share, sent through the service: its note is the scam.
        let request = received(&results, from, "Invoice", SCAM);
        let verdict = classify(&request, &with(&detector, &personal));
        assert_eq!(verdict.label, Label::Threat, "{signer}: {verdict:?}");
        assert!(feedback_share(&verdict).is_some_and(|s| s > -1.0), "{signer}: {verdict:?}");
    }
}

/// Every Microsoft 365 tenant sends from a name below onmicrosoft.com, which the public
/// suffix list does not separate: a release of one tenant's mail must not credit another.
#[test]
fn a_released_tenants_mail_credits_no_other_tenant_of_the_same_service() {
    let detector = flat(3.0, 12);
    let tenant = |name: &str| {
        let address = format!("news@{name}.onmicrosoft.com");
        let results = format!("spf=pass smtp.mailfrom={address}; dkim=pass header.d={name}.onmicrosoft.com");
        (results, format!("News <{address}>"))
    };
    let (results, from) = tenant("bakery");
    let mut personal = Personal::default();
    personal.learn(Feedback::Released, &received(&results, &from, "Bread", NEWS), &detector);
    let learned = with(&detector, &personal);
    let again = classify(&received(&results, &from, "More bread", WEEKLY), &learned);
    assert!(feedback_share(&again).is_some_and(|s| s < -3.0), "the tenant itself: {again:?}");
    let (results, from) = tenant("trial-scam");
    let scam = classify(&received(&results, &from, "Secret", SCAM), &learned);
    assert_eq!(scam.label, Label::Threat, "{scam:?}");
    assert!(feedback_share(&scam).is_some_and(|s| s > -1.0), "{scam:?}");
}

/// Whatever the provider's filter drops into Junk counts as reported (a drag and the
/// filter look alike). A stranger who copies a sender's template (a bank's statement
/// notice) into a mail the filter catches makes the bank's own signed notices move:
/// only senders the user writes to are protected.
#[test]
#[ignore = "hole: a stranger's copy of a template, filtered into Junk, is a report whose \
            digest moves the template's real, authenticated sender; fix: learn only from \
            mail the user moved into Junk (seen before in a watched folder), or never let a \
            report from another domain move an authenticated sender without its own history"]
fn a_strangers_copy_of_a_banks_notice_landing_in_junk_does_not_move_the_banks_own() {
    let detector = flat(-3.0, 12);
    let copied = parse("x@stranger.example", "Your statement", &format!("Dear customer,\n{NOTICE}"));
    let mut personal = Personal::default();
    personal.learn(Feedback::Reported, &copied, &detector);
    let real =
        received("dkim=pass header.d=bank.example", "Bank <notice@bank.example>", "Your statement", NOTICE);
    let verdict = classify(&real, &with(&detector, &personal));
    assert_ne!(verdict.label, Label::Threat, "{verdict:?}");
}

/// A thousand distinct mails the provider's filter drops into Junk (reports a scammer
/// provokes at will) must not push the user's released digests out of the bounded list.
#[test]
fn a_flood_of_filtered_reports_does_not_evict_what_the_user_released() {
    let detector = flat(-3.0, 12);
    let mut personal = Personal::default();
    let news = received("dkim=pass header.d=shop.example", "Shop <news@shop.example>", "Autumn", NEWS);
    personal.learn(Feedback::Released, &news, &detector);
    // Words with digits are dropped from digests: spell each number in letters.
    let word =
        |n: usize| -> String { (0..4).map(|k| char::from(b'a' + (n / 26usize.pow(k) % 26) as u8)).collect() };
    assert!(personal.copies().any(|c| c.feedback == Feedback::Released), "a digest to keep");
    for i in 0..MAX_COPIES {
        let text: Vec<String> = (0..16).map(|j| word(i * 16 + j)).collect();
        personal.learn(Feedback::Reported, &parse("x@stranger.example", "s", &text.join(" ")), &detector);
    }
    assert!(personal.copies().any(|c| c.feedback == Feedback::Released), "the release's digest was evicted");
    assert_eq!(personal.copies().count(), MAX_COPIES);
    // Reports push out older reports instead.
    assert_eq!(personal.copies().filter(|c| c.feedback == Feedback::Reported).count(), MAX_COPIES - 1);
}

/// A report taken back (the user dragged the mail into Junk by slip and out again) is a
/// release of the same mail, and takes the report's digest away: it would go on moving
/// the mail's near-copies (the next note of the same template), winning a tie against the
/// release's.
#[test]
fn a_report_taken_back_no_longer_moves_the_mails_near_copies() {
    let detector = flat(-3.0, 12);
    let note = parse("ann@club.example", "Weekly plan", &format!("Hi all,\n{WEEKLY}"));
    let mut personal = Personal::default();
    personal.learn(Feedback::Reported, &note, &detector);
    let next = parse("ann@club.example", "Weekly plan", &format!("Hello everyone,\n{WEEKLY}"));
    assert_eq!(classify(&next, &with(&detector, &personal)).label, Label::Threat, "reported");
    personal.learn(Feedback::Released, &note, &detector);
    let verdict = classify(&next, &with(&detector, &personal));
    assert_ne!(verdict.label, Label::Threat, "{verdict:?}");
    assert!(personal.copies().all(|c| c.feedback == Feedback::Released), "the report's digest is gone");
    // Another sender's copy of the same text keeps a report: a release vouches for its sender.
    let mut both = Personal::default();
    both.learn(Feedback::Reported, &parse("x@stranger.example", "Weekly plan", WEEKLY), &detector);
    both.learn(Feedback::Released, &note, &detector);
    assert_eq!(both.copies().count(), 2);
}

/// Whatever the provider's filter drops into Junk is a report, so a scammer provokes
/// thousands: short mails whose words each reach the largest weight, in buckets below
/// the ones a release credited (the hash is no secret). Those must not push the release's
/// credit out of the bounded layer.
#[test]
fn a_flood_of_provoked_reports_does_not_push_out_what_a_release_taught() {
    let credited = 60_000;
    let mut weights: BTreeMap<u32, f32> = (0..MAX_WEIGHTS as u32).map(|b| (b, MAX_WEIGHT)).collect();
    weights.insert(credited, -MAX_WEIGHT);
    let mut layer = Layer { bits: 18, weights };
    layer.prune();
    assert_eq!(layer.len(), MAX_WEIGHTS);
    assert_eq!(layer.weights.get(&credited), Some(&-MAX_WEIGHT), "the release's credit was pushed out");
    // Neither kind takes the other's half: a layer of releases alone keeps the strongest.
    let mut weights: BTreeMap<u32, f32> =
        (0..MAX_WEIGHTS as u32 + 10).map(|b| (b, -1.0 - b as f32 / 1e5)).collect();
    weights.insert(70_000, 0.5);
    let mut layer = Layer { bits: 18, weights };
    layer.prune();
    assert_eq!(layer.len(), MAX_WEIGHTS);
    assert!(layer.weights.contains_key(&70_000) && !layer.weights.contains_key(&0), "{}", layer.len());
}
