use std::sync::Arc;

use super::*;
use crate::detect::model::Model;
use crate::detect::{Label, SignalId, Verdict, classify};
use crate::mail;

/// A model that reads every mail the same: unwanted at log-odds `bias + ln 3`.
pub(super) fn flat(bias: f32, bits: u32) -> Detector {
    let model =
        Model::new(bits, [bias; 3], Vec::new(), vec![[0.0; 3]; 1 << bits], Thresholds::uniform(0.5, 0.9));
    Detector::with_model(Arc::new(model))
}

pub(super) fn parse(from: &str, subject: &str, body: &str) -> Email {
    let raw = format!(
        "From: {from}\r\nTo: me@home.example\r\nSubject: {subject}\r\nMessage-ID: <{}@x.example>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}",
        subject.len() + body.len()
    );
    mail::parse(raw.as_bytes()).expect("parses")
}

pub(super) fn with(detector: &Detector, personal: &Personal) -> Detector {
    Detector { personal: Some(Arc::new(personal.clone())), ..detector.clone() }
}

/// The blackmail letter, and what an account learned when its user reported it.
fn reported_letter(detector: &Detector) -> (Email, Personal) {
    let missed = parse("x@stranger.example", "About your secret", SCAM);
    let mut personal = Personal::default();
    personal.learn(Feedback::Reported, &missed, detector);
    (missed, personal)
}

pub(super) fn feedback_share(verdict: &Verdict) -> Option<f32> {
    verdict.signals.iter().find(|s| s.id == SignalId::LearnedFromFeedback).and_then(|s| s.contribution)
}

pub(super) const SCAM: &str = "I know about the secret you are keeping from your family. I have the recordings \
    from your camera and the list of all your contacts. If you want this to stay between us, you will \
    follow my instructions carefully and you will not tell anybody about this letter. Transfer the amount \
    below to the wallet at the end of this mail and I will delete everything from my servers for good.";

pub(super) const NEWS: &str = "Our autumn sale starts today with warm coats, boots and scarves for the whole \
    family at half the price. Visit https://shop.example/autumn to see the whole range before it is gone.";

pub(super) const NEWS_TOO: &str = "The winter catalogue is here: gloves, blankets and lamps for long evenings, \
    delivered free this week. See https://shop.example/winter for everything in it.";

#[test]
fn a_report_teaches_the_layer_to_mark_that_mail_but_never_to_move_it_alone() {
    // The global model finds the letter a little suspicious, not a threat.
    let detector = flat(-1.5, 12);
    let missed = parse("x@stranger.example", "About your secret", SCAM);
    let before = classify(&missed, &detector);
    assert_eq!(before.label, Label::Suspicious, "{before:?}");
    let mut personal = Personal::default();
    personal.learn(Feedback::Reported, &missed, &detector);
    assert!(!personal.layer.is_empty());
    // The weights alone, without the near-copy digest: closer to a threat, never one.
    let weights_only = Personal::new(personal.layer.clone(), []);
    let verdict = classify(&missed, &with(&detector, &weights_only));
    assert_eq!(verdict.label, Label::Suspicious, "{verdict:?}");
    assert!(feedback_share(&verdict).is_some_and(|s| s > 1.0), "{verdict:?}");
    assert!(verdict.score > before.score && verdict.probabilities.ham > 0.1, "{verdict:?}");
    // An unrelated mail moves a little at most, and stays clean.
    let lunch =
        parse("friend@home.example", "Lunch", "Shall we have lunch on Friday at the new place by the river?");
    let verdict = classify(&lunch, &with(&detector, &weights_only));
    assert_eq!(verdict.label, Label::Clean);
    assert!(feedback_share(&verdict).is_some_and(|s| s.abs() < 1.0), "{verdict:?}");
}

#[test]
fn a_positive_share_never_counts_for_mail_the_model_holds_clearly_clean() {
    let (missed, personal) = reported_letter(&flat(-3.0, 12));
    let weights_only = Personal::new(personal.layer.clone(), []);
    // The same words, read by a model that finds them far below the gate.
    let sure = flat(-9.0, 12);
    let verdict = classify(&missed, &with(&sure, &weights_only));
    assert_eq!(feedback_share(&verdict), Some(0.0));
    assert_eq!(verdict.label, Label::Clean);
}

#[test]
fn a_release_keeps_the_same_senders_next_mail_out_of_junk() {
    let detector = flat(2.0, 12);
    let first = parse("Shop News <news@shop.example>", "Autumn sale", NEWS);
    let next = parse("Shop News <news@shop.example>", "Winter catalogue", NEWS_TOO);
    assert_eq!(classify(&next, &detector).label, Label::Threat);
    let mut personal = Personal::default();
    personal.learn(Feedback::Released, &first, &detector);
    let verdict = classify(&next, &with(&detector, &personal));
    assert_ne!(verdict.label, Label::Threat, "{verdict:?}");
    let same = feedback_share(&verdict).expect("listed");
    // Another sender with the same kind of words gains far less.
    let elsewhere = NEWS_TOO.replace("shop.example", "elsewhere.example");
    let other = parse("Deals <deals@elsewhere.example>", "Winter catalogue", &elsewhere);
    let share = feedback_share(&classify(&other, &with(&detector, &personal))).expect("listed");
    assert!(same < -1.5 && share > same / 2.0, "{same} {share}");
}

#[test]
fn the_layer_is_bounded_in_size_and_weight() {
    let detector = flat(-1.0, 18);
    let mut personal = Personal::default();
    for i in 0..200 {
        let words: Vec<String> = (0..250).map(|j| format!("w{i}x{j}q")).collect();
        let kind = if i % 2 == 0 { Feedback::Reported } else { Feedback::Released };
        personal.learn(kind, &parse("a@b.example", "s", &words.join(" ")), &detector);
    }
    assert_eq!(personal.layer.len(), MAX_WEIGHTS);
    assert!(personal.layer.weights.values().all(|w| w.abs() <= MAX_WEIGHT && *w != 0.0));
    assert!(personal.layer.to_bytes().len() <= 10 + MAX_WEIGHTS * 8);
    // Near-copies are bounded too, the oldest dropped.
    let copies = (0..MAX_COPIES + 5).map(|i| NearCopy {
        feedback: Feedback::Reported,
        sketch: Sketch::from_hashes((0..20).map(|h| h + i as u64).collect()).expect("valid"),
        sender: 0,
        authenticated: false,
        sites: Vec::new(),
        hosts: Vec::new(),
        harms: None,
    });
    let kept = Personal::new(Layer::default(), copies);
    assert_eq!(kept.copies().count(), MAX_COPIES);
    assert_eq!(kept.copies().next().map(|c| c.sketch.hashes()[0]), Some(5));
}

#[test]
fn learning_is_deterministic_and_its_bytes_read_back() {
    let detector = flat(0.0, 12);
    let learn = || {
        let mut personal = Personal::default();
        let copy = personal.learn(Feedback::Reported, &parse("x@s.example", "secret", SCAM), &detector);
        personal.learn(Feedback::Released, &parse("news@shop.example", "sale", NEWS), &detector);
        (personal, copy.expect("long enough for a digest"))
    };
    let (one, copy) = learn();
    let (two, _) = learn();
    assert_eq!(one.layer.to_bytes(), two.layer.to_bytes());
    assert_eq!(Layer::from_bytes(&one.layer.to_bytes()), Ok(one.layer.clone()));
    assert_eq!(NearCopy::from_bytes(&copy.to_bytes()), Ok(copy.clone()));
    assert_eq!(Layer::from_bytes(&Layer::default().to_bytes()).map(|l| l.len()), Err(PersonalError::Bits(0)));
}

/// A near-copy digest as version 1 wrote it (no authentication byte): a reported mail,
/// the sender's hash, one link site, and a sketch of twelve hashes.
fn version_one_digest() -> Vec<u8> {
    let mut bytes = b"SGNC".to_vec();
    bytes.extend_from_slice(&[1, 1]);
    bytes.extend_from_slice(&0x1234_u64.to_le_bytes());
    bytes.push(1);
    bytes.extend_from_slice(&0x99_u64.to_le_bytes());
    bytes.push(12);
    for hash in 100..112_u64 {
        bytes.extend_from_slice(&hash.to_le_bytes());
    }
    bytes
}

#[test]
fn a_version_one_digest_is_read_as_not_authenticated_and_written_back_as_the_current_version() {
    let copy = NearCopy::from_bytes(&version_one_digest()).expect("version 1 is still read");
    let sketch = Sketch::from_hashes((100..112).collect()).expect("valid");
    let expected = NearCopy {
        feedback: Feedback::Reported,
        sketch,
        sender: 0x1234,
        authenticated: false,
        sites: vec![0x99],
        hosts: Vec::new(),
        harms: None,
    };
    assert_eq!(copy, expected);
    let written = copy.to_bytes();
    assert_eq!(
        (written[4], written[6], written[7], written.len()),
        (4, 0, 0, version_one_digest().len() + 3)
    );
    assert_eq!(NearCopy::from_bytes(&written), Ok(expected.clone()));
    let authenticated = NearCopy { authenticated: true, ..expected };
    assert_eq!(NearCopy::from_bytes(&authenticated.to_bytes()), Ok(authenticated));
    // Cut anywhere, a version-1 digest is an error, never a panic.
    let old = version_one_digest();
    assert!((0..old.len()).all(|cut| NearCopy::from_bytes(&old[..cut]).is_err()));
}

#[test]
fn a_reported_mails_authentication_is_kept_in_its_digest() {
    let detector = flat(-3.0, 12);
    let mut personal = Personal::default();
    let forged = personal.learn(Feedback::Reported, &parse("x@stranger.example", "secret", SCAM), &detector);
    let signed = "x@stranger.example\r\nAuthentication-Results: mx.home.example; spf=pass smtp.mailfrom=stranger.example";
    let real = personal.learn(Feedback::Reported, &parse(signed, "secret", SCAM), &detector);
    assert_eq!(forged.map(|c| c.authenticated), Some(false));
    assert_eq!(real.map(|c| c.authenticated), Some(true));
    // A report authenticated as its sender's domain still moves that domain's copies.
    let digests = Personal::new(Layer::default(), personal.copies().skip(1).cloned());
    let copy = parse(signed, "About it", &format!("Dear Mary Jones,\n{SCAM}"));
    assert_eq!(classify(&copy, &with(&detector, &digests)).label, Label::Threat);
}

#[test]
fn hostile_bytes_are_refused_with_a_typed_error_never_a_panic() {
    let detector = flat(0.0, 12);
    let mut personal = Personal::default();
    let copy =
        personal.learn(Feedback::Reported, &parse("x@s.example", "secret", SCAM), &detector).expect("digest");
    let (layer, copy) = (personal.layer.to_bytes(), copy.to_bytes());
    let mut bad = layer.clone();
    bad[0] = b'X';
    assert_eq!(Layer::from_bytes(&bad), Err(PersonalError::Magic));
    let mut bad = layer.clone();
    bad[4] = 9;
    assert_eq!(Layer::from_bytes(&bad), Err(PersonalError::Version(9)));
    let mut bad = layer.clone();
    bad[6..10].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(Layer::from_bytes(&bad), Err(PersonalError::TooMany(u32::MAX.into())));
    let mut bad = layer.clone();
    bad[14..18].copy_from_slice(&f32::NAN.to_le_bytes());
    assert_eq!(Layer::from_bytes(&bad), Err(PersonalError::Weight));
    let mut bad = layer.clone();
    bad[10..14].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(Layer::from_bytes(&bad), Err(PersonalError::Buckets));
    assert_eq!(Layer::from_bytes(&[layer.as_slice(), &[0]].concat()), Err(PersonalError::Length));
    let mut bad = copy.clone();
    bad[5] = 7;
    assert_eq!(NearCopy::from_bytes(&bad), Err(PersonalError::Feedback(7)));
    let mut bad = copy.clone();
    bad[6] = 2;
    assert_eq!(NearCopy::from_bytes(&bad), Err(PersonalError::Authenticated(2)));
    let mut bad = copy.clone();
    bad[7] = 0x40;
    assert_eq!(NearCopy::from_bytes(&bad), Err(PersonalError::Harms(0x40)), "harms not marked known");
    // Version 3 wrote four harms: a later kind in its byte is no digest it wrote; its own
    // are read, the later kinds absent.
    bad[7] = 0x90;
    assert!(NearCopy::from_bytes(&bad).is_ok_and(|c| c.harms.is_some_and(|h| h.has(harms::Harm::Threat))));
    // Version 3 had no hosts' count (after the sites' count of this link-less mail).
    assert_eq!((bad[16], bad[17]), (0, 0));
    bad[4] = 3;
    bad.remove(17);
    assert_eq!(NearCopy::from_bytes(&bad), Err(PersonalError::Harms(0x90)), "not a harm version 3 wrote");
    bad[7] = 0x84;
    let v3 = NearCopy::from_bytes(&bad).expect("version 3 is still read").harms.expect("known");
    assert!(v3.has(harms::Harm::Credential) && !v3.has(harms::Harm::Threat));
    let mut bad = copy.clone();
    bad[4] = 5;
    assert_eq!(NearCopy::from_bytes(&bad), Err(PersonalError::Version(5)));
    // Every cut and every flipped byte is an error or a valid value, never a panic.
    for bytes in [&layer, &copy] {
        for cut in 0..bytes.len() {
            assert!(
                Layer::from_bytes(&bytes[..cut]).is_err() && NearCopy::from_bytes(&bytes[..cut]).is_err()
            );
        }
        for at in 0..bytes.len().min(400) {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0xA5;
            let _ = (Layer::from_bytes(&flipped), NearCopy::from_bytes(&flipped));
        }
    }
}

#[test]
fn a_near_copy_of_a_reported_scam_is_a_threat_and_the_same_senders_other_mail_is_not() {
    let detector = Detector::default();
    let reported = parse("x@stranger.example", "Hello John", &format!("Hello John,\n{SCAM}"));
    let copy = parse("y@other.example", "Hi Mary", &format!("Dear Mary Jones,\n{SCAM}"));
    let unrelated = parse("x@stranger.example", "Meeting", NEWS_TOO);
    assert_ne!(
        classify(&copy, &detector).label,
        Label::Threat,
        "the global model must miss it for this test"
    );
    let mut personal = Personal::default();
    personal.learn(Feedback::Reported, &reported, &detector);
    let learned = with(&detector, &personal);
    let verdict = classify(&copy, &learned);
    assert_eq!(verdict.label, Label::Threat, "{verdict:?}");
    let signal = verdict.signals.iter().find(|s| s.id == SignalId::LearnedFromFeedback).expect("listed");
    assert!(signal.evidence.contains("near-copy of a mail you reported"), "{}", signal.evidence);
    assert_ne!(classify(&unrelated, &learned).label, Label::Threat);
}

#[test]
fn a_near_copy_of_a_released_mail_stays_only_from_its_sender_and_sites() {
    let detector = flat(3.0, 12);
    let released = parse("Shop <news@shop.example>", "Autumn sale, John", &format!("Hello John,\n{NEWS}"));
    // Vouched for by the receiving server (a release vouches for nothing less).
    let again = parse(
        "Shop <news@shop.example>\r\nAuthentication-Results: mx.home.example; dkim=pass header.d=shop.example",
        "Autumn sale, Mary",
        &format!("Hello Mary,\n{NEWS}"),
    );
    let mut personal = Personal::default();
    personal.learn(Feedback::Released, &released, &detector);
    // No weights: the digest alone.
    let digests = Personal::new(Layer::default(), personal.copies().cloned());
    let verdict = classify(&again, &with(&detector, &digests));
    assert_eq!(verdict.label, Label::Clean, "{verdict:?}");
    // The same text from another domain asking for more (a password), or linking
    // elsewhere, is not vouched for.
    let spoof = parse("Shop <news@sh0p.example>", "Autumn sale", &format!("{NEWS} Verify your password."));
    let phish =
        parse("Shop <news@shop.example>", "Autumn sale", &NEWS.replace("shop.example", "evil.example"));
    for mail in [spoof, phish] {
        assert_eq!(classify(&mail, &with(&detector, &digests)).label, Label::Threat);
    }
}

#[test]
fn the_explanation_names_what_the_feedback_added() {
    let detector = flat(-3.0, 12);
    let (missed, personal) = reported_letter(&detector);
    let verdict = classify(&missed, &with(&detector, &personal));
    let share = feedback_share(&verdict).expect("listed");
    let text = crate::explain::explain(&missed, &verdict);
    let line = text.lines().find(|l| l.contains("learned_from_feedback")).expect("explained");
    assert!(line.trim_start().starts_with(&format!("{share:+.1}")), "{line}");
    assert!(line.contains(&format!("learned from your feedback: {share:+.2}")), "{line}");
    let json = crate::explain::json_line("m.eml", &missed, &verdict);
    let listed =
        json["signals"].as_array().and_then(|s| s.iter().find(|s| s["rule"] == "learned_from_feedback"));
    assert_eq!(listed.and_then(|s| s["weight"].as_f64()), Some(f64::from(share)), "{json}");
    // Without a layer, the verdict has no such line.
    assert_eq!(feedback_share(&classify(&missed, &detector)), None);
}

#[test]
fn who_sends_counts_only_when_the_receiving_server_authenticated_it() {
    let detector = flat(2.0, 12);
    let signed = "Authentication-Results: mx.home.example; dkim=pass header.d=shop.example\r\nFrom: Shop <news@shop.example>";
    let mail = |head: &str, body: &str| {
        let raw = format!("{head}\r\nTo: me@home.example\r\nSubject: News\r\n\r\n{body}");
        mail::parse(raw.as_bytes()).expect("parses")
    };
    let autumn = "Our autumn sale starts today with warm coats and boots for the whole family.";
    let winter = "The winter catalogue is here with gloves, blankets and lamps for long evenings.";
    let mut personal = Personal::default();
    personal.learn(Feedback::Released, &mail(signed, autumn), &detector);
    let learned = with(&detector, &personal);
    let share = |head: &str| feedback_share(&classify(&mail(head, winter), &learned)).expect("listed");
    let (authenticated, forged) = (share(signed), share("From: Shop <news@shop.example>"));
    assert!(authenticated < -3.0, "{authenticated}");
    assert!(forged > authenticated / 3.0, "{forged} against {authenticated}");
}

#[test]
fn a_forged_from_copying_a_released_mail_gains_nothing_from_the_release() {
    let detector = flat(3.0, 12);
    let signed = |from: &str| {
        format!("Authentication-Results: mx.home.example; dkim=pass header.d=shop.example\r\nFrom: {from}")
    };
    let mail = |head: &str, subject: &str, body: &str| {
        let raw = format!("{head}\r\nTo: me@home.example\r\nSubject: {subject}\r\n\r\n{body}");
        mail::parse(raw.as_bytes()).expect("parses")
    };
    let released =
        mail(&signed("Shop <news@shop.example>"), "Autumn sale, John", &format!("Hello John,\n{NEWS}"));
    let mut personal = Personal::default();
    personal.learn(Feedback::Released, &released, &detector);
    let digests = with(&detector, &Personal::new(Layer::default(), personal.copies().cloned()));
    // The same sender's next mail, signed, stays.
    let again =
        mail(&signed("Shop <news@shop.example>"), "Autumn sale, Mary", &format!("Hello Mary,\n{NEWS}"));
    assert_eq!(classify(&again, &digests).label, Label::Clean);
    // Anyone can type that From line: a copy asking for a reply links nowhere new, yet
    // no server vouched for its sender, so the release says nothing about it.
    let forged = mail(
        "From: Shop <news@shop.example>",
        "Autumn sale, Mary",
        &format!("Hello Mary,\n{NEWS}\nReply with your card number and its code to claim the coat."),
    );
    let verdict = classify(&forged, &digests);
    assert_eq!(verdict.label, Label::Threat, "{verdict:?}");
}

/// A colleague's weekly note, the kind a template repeats from week to week.
pub(super) const WEEKLY: &str = "Here is the plan for the week: the garden committee meets on Tuesday evening in \
    the library, the bakery order goes out on Thursday morning, and the bicycle repair workshop \
    moves to the hall behind the school. Bring your own tools and a friend if you can.";

#[test]
fn a_correspondents_mail_is_not_moved_for_a_strangers_copy_that_landed_in_junk() {
    let known = crate::detect::correspondents::KnownCorrespondents::new(["ann@club.example".to_string()]);
    let detector = Detector { known_correspondents: known, ..flat(-3.0, 12) };
    // A stranger copies the note into a mail the provider's filter drops into Junk: that
    // counts as reported (a drag and the filter look alike).
    let copied = parse("x@stranger.example", "Weekly plan", &format!("Hi all,\n{WEEKLY}"));
    let mut personal = Personal::default();
    personal.learn(Feedback::Reported, &copied, &detector);
    let learned = with(&detector, &personal);
    let note = |from: &str| {
        let raw = format!(
            "Authentication-Results: mx.home.example; spf=pass smtp.mailfrom={from}\r\nFrom: {from}\r\n\
             To: me@home.example\r\nSubject: Weekly plan\r\n\r\nHello everyone,\n{WEEKLY}"
        );
        mail::parse(raw.as_bytes()).expect("parses")
    };
    // Ann, whom the user writes to, her mailbox vouched for: the copy says nothing about her.
    let verdict = classify(&note("ann@club.example"), &learned);
    assert_ne!(verdict.label, Label::Threat, "{verdict:?}");
    // A stranger's near-copy is still moved, authenticated or not.
    assert_eq!(classify(&note("y@other.example"), &learned).label, Label::Threat);
}

/// A bank's notice, its template repeated in every one it sends.
pub(super) const NOTICE: &str = "Your monthly statement is ready. You can read it in online banking under \
    Documents, where it stays for ten years. We will never ask you for your password or your \
    card code by mail or by phone. If you did not expect this message, call the number on the \
    back of your card. Kind regards, your customer service team.";

#[test]
fn the_real_senders_authenticated_mail_is_not_moved_for_a_reported_forgery_of_it() {
    let detector = flat(-3.0, 12);
    let raw = |head: &str, link: &str| {
        let text = format!(
            "{head}\r\nTo: me@home.example\r\nSubject: Your statement\r\n\r\nDear customer,\n{NOTICE}\n{link}"
        );
        mail::parse(text.as_bytes()).expect("parses")
    };
    // The phish: the bank's template under a forged From, linking to the thief's site.
    let phish = raw("From: Bank <notice@bank.example>", "https://bank-login.example/statement");
    let mut personal = Personal::default();
    personal.learn(Feedback::Reported, &phish, &detector);
    let learned = with(&detector, &personal);
    // The next phish like it is moved…
    assert_eq!(classify(&phish, &learned).label, Label::Threat);
    // …but not the bank's own notice, signed by the bank and linking to the bank.
    let real = raw(
        "Authentication-Results: mx.home.example; dkim=pass header.d=bank.example\r\nFrom: Bank <notice@bank.example>",
        "https://bank.example/documents",
    );
    let verdict = classify(&real, &learned);
    assert_ne!(verdict.label, Label::Threat, "{verdict:?}");
}

/// At a free mailbox provider (one of the engine's table), who sends is the address alone.
#[test]
fn releasing_one_freemail_users_mail_does_not_clear_another_users_mail_there() {
    // A model that finds every mail unwanted: the friend's mail was moved by mistake.
    let detector = flat(3.0, 12);
    // The provider signs for the very address (`header.i`), as the large ones do: at a
    // free mailbox provider a domain-level pass vouches for nobody in particular.
    let signed = |from: &str, subject: &str, body: &str| {
        let address = from.rsplit('<').next().unwrap_or(from).trim_end_matches('>');
        let raw = format!(
            "Authentication-Results: mx.home.example; dkim=pass header.d=gmail.com header.i={address}\r\n\
             From: {from}\r\nTo: me@home.example\r\nSubject: {subject}\r\n\r\n{body}"
        );
        mail::parse(raw.as_bytes()).expect("parses")
    };
    let friend = signed("Ann <ann@gmail.com>", "Saturday", &format!("Hi,\n{WEEKLY}"));
    let mut personal = Personal::default();
    personal.learn(Feedback::Released, &friend, &detector);
    let learned = with(&detector, &personal);
    let share = |mail: &Email| feedback_share(&classify(mail, &learned)).expect("listed");
    let again = share(&signed("Ann <ann@gmail.com>", "Sunday", NEWS_TOO));
    let stranger = share(&signed("Anon <crook@gmail.com>", "About your secret", SCAM));
    assert!(stranger > again / 3.0, "{stranger} against {again}");
    // The friend's own next mail is still helped by who sends; a display name copied
    // from her, with no address of hers, is not.
    assert!(again < -3.0, "{again}");
    let named = share(&signed("Ann <crook@gmail.com>", "About your secret", SCAM));
    assert!(named > again / 3.0, "{named} against {again}");
    // Her digest vouches for her near-copies, not for another user's copy of her text
    // that links elsewhere.
    let digests = with(&detector, &Personal::new(Layer::default(), personal.copies().cloned()));
    let copy = |from: &str, text: &str| classify(&signed(from, "Sunday", text), &digests).label;
    let (hers, theirs) =
        (format!("Hello,\n{WEEKLY}"), format!("Hello,\n{WEEKLY} Photos: https://crook.example/album"));
    assert_eq!(
        (copy("Ann <ann@gmail.com>", &hers), copy("Ann <crook@gmail.com>", &theirs)),
        (Label::Clean, Label::Threat)
    );
}

#[test]
fn a_release_credits_the_senders_own_site_not_a_mailing_service_signing_for_many() {
    let detector = flat(3.0, 12);
    let signed = |from: &str, signers: &[&str], subject: &str, body: &str| {
        let results: String = signers.iter().map(|d| format!("; dkim=pass header.d={d}")).collect();
        let raw = format!(
            "Authentication-Results: mx.home.example{results}\r\n\
             From: {from}\r\nTo: me@home.example\r\nSubject: {subject}\r\n\r\n{body}"
        );
        mail::parse(raw.as_bytes()).expect("parses")
    };
    let news = signed("Shop <news@shop.example>", &["shop.example", "mailer.example"], "Autumn", NEWS);
    let mut personal = Personal::default();
    personal.learn(Feedback::Released, &news, &detector);
    let learned = with(&detector, &personal);
    let share = |mail: &Email| feedback_share(&classify(mail, &learned)).expect("listed");
    let again =
        share(&signed("Shop <news@shop.example>", &["shop.example", "mailer.example"], "Winter", WEEKLY));
    // Another sender on the same mailing service, its own domain authenticated.
    let other = share(&signed("Deals <x@deals.example>", &["deals.example", "mailer.example"], "Hi", SCAM));
    assert!(again < -3.0 && other > again / 8.0, "{other} against {again}");
}

/// The address token is the layer's alone: the global model's tokens never hold it, so
/// its buckets and outputs are what they were.
#[test]
fn the_global_model_never_reads_the_sender_address_token() {
    let raw = "Authentication-Results: mx.home.example; dkim=pass header.d=gmail.com\r\n\
               From: Ann <ann@gmail.com>\r\nSubject: Saturday\r\n\r\nSee you at the market on Saturday.";
    let email = mail::parse(raw.as_bytes()).expect("parses");
    let mut kinds = Vec::new();
    crate::detect::model::features::each_token(&Facts::gather(&email), |kind, _, _| kinds.push(kind));
    assert!(
        kinds.contains(&TokenKind::SenderSite) && !kinds.contains(&TokenKind::SenderAddress),
        "{kinds:?}"
    );
}

/// At a free mailbox provider the forged-report rule is about the forged address: a scam
/// reported under a forged gmail.com From still moves its copies sent from real accounts
/// there, and only the forged address's own authenticated mail is left alone.
#[test]
fn a_forged_freemail_report_still_moves_copies_from_other_accounts_there() {
    let detector = flat(-3.0, 12);
    let from = |address: &str, signed: bool| {
        let auth = if signed {
            format!(
                "\r\nAuthentication-Results: mx.home.example; dkim=pass header.d=gmail.com header.i={address}"
            )
        } else {
            String::new()
        };
        parse(&format!("{address}{auth}"), "About your secret", &format!("Dear Mary Jones,\n{SCAM}"))
    };
    let mut personal = Personal::default();
    personal.learn(Feedback::Reported, &from("ann@gmail.com", false), &detector);
    let digests = with(&detector, &Personal::new(Layer::default(), personal.copies().cloned()));
    assert_eq!(classify(&from("crook@gmail.com", true), &digests).label, Label::Threat);
    assert_ne!(classify(&from("ann@gmail.com", true), &digests).label, Label::Threat);
}

/// A shop's mail, signed by the shop, from `from`, with `body`.
fn signed_by_shop(from: &str, domain: &str, body: &str) -> Email {
    let raw = format!(
        "Authentication-Results: mx.home.example; dkim=pass header.d={domain}\r\nFrom: {from}\r\n\
         To: me@home.example\r\nSubject: News\r\n\r\n{body}"
    );
    mail::parse(raw.as_bytes()).expect("parses")
}

/// What an account learned from releasing the shop's signed newsletter, read by a flat
/// model of `bias`.
fn released_shop_news(bias: f32) -> Personal {
    let mut personal = Personal::default();
    let first = signed_by_shop("Shop News <news@shop.example>", "shop.example", NEWS);
    personal.learn(Feedback::Released, &first, &flat(bias, 12));
    personal
}

#[test]
fn a_release_credits_its_authenticated_sender_however_high_the_next_mail_scores() {
    // Released when the model put it just above the threat threshold…
    let personal = released_shop_news(1.0);
    // …the sender's next mail, which the model scores far higher, stays out of Junk too.
    let higher = with(&flat(4.0, 12), &personal);
    let next = signed_by_shop("Shop News <news@shop.example>", "shop.example", WEEKLY);
    let verdict = classify(&next, &higher);
    assert_ne!(verdict.label, Label::Threat, "{verdict:?}");
    assert!(feedback_share(&verdict).is_some_and(|s| s <= -RELEASE_CREDIT + 0.5), "{verdict:?}");
    // Its From line typed by anyone else gains nothing from the credit.
    let forged = parse("Shop News <news@shop.example>", "News", WEEKLY);
    assert_eq!(classify(&forged, &higher).label, Label::Threat);
}

#[test]
fn a_released_senders_display_name_credits_no_other_sender() {
    let learned = with(&flat(3.0, 12), &released_shop_news(3.0));
    // Another sender, authenticated as its own domain, typing the same name.
    let other = signed_by_shop("Shop News <deals@other.example>", "other.example", WEEKLY);
    let share = feedback_share(&classify(&other, &learned)).expect("listed");
    assert!(share > -0.5, "{share}");
}
