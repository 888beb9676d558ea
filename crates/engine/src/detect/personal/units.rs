//! Direct tests of the bookkeeping behind per-account learning: which near-copy wins
//! ([`Personal::nearest`]), who a digest says sent it, how a step is shared among the
//! groups, how far learning goes, what eviction keeps and where the targets lie. Each
//! pins a decision the behaviour tests reach only through a whole verdict (`cargo
//! mutants` found them unpinned).

use super::tests::{NEWS, SCAM, flat, parse};
use super::*;
use crate::detect::{Facts, Observation};

/// A mail of plain words, long enough for a sketch, no link, no harm.
const PLAIN: &str = "Thank you for coming to the garden party last weekend with your family. We \
    enjoyed the long talks under the old apple tree and hope to see you all again when the \
    roses bloom next summer.";

/// `copy` with its sketch's `changed` largest hashes swapped for ones no mail has: less
/// alike the more are changed.
fn altered(copy: &NearCopy, feedback: Feedback, changed: usize) -> NearCopy {
    let mut hashes = copy.sketch.hashes().to_vec();
    let kept = hashes.len() - changed;
    hashes.truncate(kept);
    hashes.extend((0..changed as u64).map(|i| u64::MAX - changed as u64 + i));
    let sketch = Sketch::from_hashes(hashes).expect("ascending");
    NearCopy { feedback, sketch, authenticated: true, ..copy.clone() }
}

/// Which near-copy of `copies` the plain mail is taken for, from its own authenticated
/// sender: every copy applies, so only the ranking decides.
fn nearest_of(copies: Vec<(Feedback, usize)>) -> Option<(Feedback, f32)> {
    let email = parse("friend@home.example", "Garden party", PLAIN);
    let facts = Facts::gather(&email);
    let mine = near_copy(Feedback::Released, &facts, true).expect("long enough");
    let copies = copies.into_iter().map(|(feedback, changed)| altered(&mine, feedback, changed));
    Personal::new(Layer::default(), copies).nearest(&facts, true, false)
}

#[test]
fn the_most_alike_near_copy_wins_and_a_report_wins_a_tie() {
    let alike = |changed: usize| nearest_of(vec![(Feedback::Released, changed)]).expect("applies").1;
    let (closer, farther) = (alike(1), alike(4));
    assert!(closer > farther && farther >= NEAR, "{closer} {farther}");
    // The more alike wins, whichever came first and whatever its kind.
    for copies in [
        vec![(Feedback::Released, 4), (Feedback::Released, 1)],
        vec![(Feedback::Released, 1), (Feedback::Released, 4)],
        vec![(Feedback::Released, 1), (Feedback::Reported, 4)],
        vec![(Feedback::Reported, 4), (Feedback::Released, 1)],
    ] {
        assert_eq!(nearest_of(copies.clone()), Some((Feedback::Released, closer)), "{copies:?}");
    }
    // A tie goes to the report, whichever came first.
    for copies in [
        vec![(Feedback::Reported, 1), (Feedback::Released, 1)],
        vec![(Feedback::Released, 1), (Feedback::Reported, 1)],
    ] {
        assert_eq!(nearest_of(copies.clone()), Some((Feedback::Reported, closer)), "{copies:?}");
    }
}

#[test]
fn a_digest_names_a_sites_sender_by_its_domain_and_a_freemail_sender_by_its_address() {
    let sender = |from: &str| {
        let email = parse(from, "Garden party", PLAIN);
        near_copy(Feedback::Released, &Facts::gather(&email), false).expect("long enough").sender
    };
    assert_eq!(sender("a@shop.example"), sender("b@news.shop.example"));
    assert_eq!(sender("a@shop.example"), digest::hash(b"shop.example"));
    assert_ne!(sender("a@gmail.com"), sender("b@gmail.com"));
    assert_eq!(sender("A@Gmail.com"), digest::hash(b"a@gmail.com"));
}

#[test]
fn a_step_is_shared_among_the_groups_as_the_feedback_says() {
    let features = [(1, 1.0, Group::Sender), (2, 1.0, Group::Links), (3, 1.0, Group::Text)];
    let weights = |feedback: Feedback| {
        let mut layer = Layer::default();
        layer.step(&features, 1.0, feedback);
        [1, 2, 3].map(|b| layer.weights.get(&b).copied().unwrap_or(0.0))
    };
    let near = |got: [f32; 3], want: [f32; 3]| got.iter().zip(want).all(|(g, w)| (g - w).abs() < 1e-6);
    assert!(near(weights(Feedback::Released), [0.8, 0.1, 0.1]), "{:?}", weights(Feedback::Released));
    assert!(near(weights(Feedback::Reported), [0.0, 0.3, 0.7]), "{:?}", weights(Feedback::Reported));
}

#[test]
fn a_groups_score_is_its_own_weights_times_their_values() {
    let layer = Layer { bits: 12, weights: BTreeMap::from([(1, 2.0), (2, -3.0), (3, 0.5)]) };
    let features =
        [(1, 0.5, Group::Sender), (2, 0.25, Group::Sender), (3, 2.0, Group::Text), (4, 1.0, Group::Sender)];
    assert_eq!(layer.group_score(&features, Group::Sender), 2.0 * 0.5 - 3.0 * 0.25);
    assert_eq!(layer.group_score(&features, Group::Text), 1.0);
    assert_eq!(layer.group_score(&features, Group::Links), 0.0);
    assert!(Layer::default().is_empty());
    assert!(!layer.is_empty());
}

/// A digest of `feedback`, told apart by its sender.
fn digest_of(feedback: Feedback, n: usize) -> NearCopy {
    let sketch = Sketch::from_hashes((0..20).collect()).expect("sized");
    NearCopy {
        feedback,
        sketch,
        sender: n as u64,
        authenticated: false,
        sites: vec![],
        hosts: vec![],
        harms: None,
    }
}

fn kinds(personal: &Personal) -> (usize, usize) {
    let reports = personal.copies().filter(|c| c.feedback == Feedback::Reported).count();
    (reports, personal.copies().count() - reports)
}

#[test]
fn eviction_drops_the_kind_holding_more_than_half() {
    // Half of the bound in reports is not more than half: a release goes.
    let half = (0..MAX_COPIES / 2).map(|n| digest_of(Feedback::Reported, n));
    let rest = (0..=MAX_COPIES / 2).map(|n| digest_of(Feedback::Released, n));
    let personal = Personal::new(Layer::default(), half.chain(rest));
    assert_eq!(kinds(&personal), (MAX_COPIES / 2, MAX_COPIES / 2));
    // One report among releases stays.
    let one = std::iter::once(digest_of(Feedback::Reported, 0));
    let personal =
        Personal::new(Layer::default(), one.chain((0..MAX_COPIES).map(|n| digest_of(Feedback::Released, n))));
    assert_eq!(kinds(&personal), (1, MAX_COPIES - 1));
    // Under the bound nothing goes.
    let few = Personal::new(Layer::default(), (0..3).map(|n| digest_of(Feedback::Released, n)));
    assert_eq!(kinds(&few), (0, 3));
}

/// What `detector` reads in `email`: its facts and signals, and its tokens.
fn read<'a>(email: &'a Email, detector: &Detector) -> (Observation<'a>, Tokens) {
    let observation = observe(email, &detector.authserv_ids);
    let tokens = Tokens::read(&observation.facts, detector.model.bits);
    (observation, tokens)
}

/// The mail's log-odds under `personal`'s layer, as learning reads it.
fn learned_logit(personal: &Personal, email: &Email, detector: &Detector) -> f32 {
    let (observation, tokens) = read(email, detector);
    let global = detector.model.read(&observation.signals, &tokens.buckets).unwanted_logit();
    let features = features(&observation.facts, &tokens, detector);
    global + personal.layer.score(&features).clamp(-MAX_SHIFT, MAX_SHIFT)
}

/// The features of `email` as learning reads them.
fn features_of(email: &Email, detector: &Detector) -> Vec<(u32, f32, Group)> {
    let (observation, tokens) = read(email, detector);
    features(&observation.facts, &tokens, detector)
}

#[test]
fn a_release_credits_its_authenticated_sender_as_far_as_the_bounds_allow_whatever_came_before() {
    // The model reads the mail just above the release's target, and the layer (a stored
    // one, or buckets shared with other tokens) still leans toward Junk on the sender: the
    // step leaves the sender's share positive, and the credit takes it as far as the
    // weights' bound allows (two sender buckets: 4 * sqrt 2 < RELEASE_CREDIT).
    let detector = flat(-MARGIN - 3f32.ln() + 0.2, 12);
    let email =
        super::attacks::received("dkim=pass header.d=shop.example", "news@shop.example", "Autumn", NEWS);
    let features = features_of(&email, &detector);
    let sender: Vec<u32> = features.iter().filter(|f| f.2 == Group::Sender).map(|f| f.0).collect();
    assert_eq!(sender.len(), 2, "{features:?}");
    let layer = Layer { bits: 12, weights: sender.iter().map(|&b| (b, 2.0)).collect() };
    let mut personal = Personal::new(layer, []);
    personal.learn(Feedback::Released, &email, &detector);
    for b in &sender {
        assert_eq!(personal.layer.weights.get(b), Some(&-MAX_WEIGHT), "{:?}", personal.layer);
    }
}

#[test]
fn the_targets_lie_a_margin_beyond_their_thresholds() {
    let thresholds = Thresholds::uniform(0.5, 0.9);
    assert!((target(Feedback::Released, &thresholds) - (0.0 - MARGIN)).abs() < 1e-6);
    let threat = (0.9f32 / 0.1).ln();
    assert!((target(Feedback::Reported, &thresholds) - (threat + MARGIN)).abs() < 1e-5);
}

#[test]
fn a_digest_with_bytes_after_its_end_is_refused() {
    let email = parse("friend@home.example", "Garden party", PLAIN);
    let copy = near_copy(Feedback::Released, &Facts::gather(&email), false).expect("long enough");
    let mut bytes = copy.to_bytes();
    assert_eq!(NearCopy::from_bytes(&bytes).as_ref(), Ok(&copy));
    bytes.push(0);
    assert_eq!(NearCopy::from_bytes(&bytes), Err(PersonalError::Length));
}

/// What `personal` adds to `email`, read by `detector`, with the global model's log-odds.
fn share_of(personal: &Personal, email: &Email, detector: &Detector) -> (Share, f32) {
    let (observation, tokens) = read(email, detector);
    let reading = detector.model.read(&observation.signals, &tokens.buckets);
    (personal.weigh(&observation.facts, &tokens, &reading, detector), reading.unwanted_logit())
}

#[test]
fn a_positive_share_counts_for_a_mail_right_on_the_suspicious_threshold() {
    // The model, reading the letter's tokens without its signals, puts it exactly on the
    // threshold, which labels it suspicious (`score`: at or above).
    let on = flat(-3f32.ln(), 12);
    let email = parse("x@stranger.example", "About your secret", SCAM);
    let mut personal = Personal::default();
    personal.learn(Feedback::Reported, &email, &on);
    let weights_only = Personal::new(personal.layer.clone(), []);
    let (observation, tokens) = read(&email, &on);
    let reading = on.model.read_weighed(std::iter::empty(), &tokens.buckets);
    assert_eq!(reading.unwanted_logit(), logit(on.thresholds.suspicious));
    let share = weights_only.weigh(&observation.facts, &tokens, &reading, &on);
    assert!(share.shift > 1.0, "{share:?}");
}

#[test]
fn stored_weights_and_sites_at_their_bounds_read_back_and_beyond_them_are_refused() {
    let at = Layer { bits: 12, weights: BTreeMap::from([(1, MAX_WEIGHT), (2, -MAX_WEIGHT)]) };
    assert_eq!(Layer::from_bytes(&at.to_bytes()).as_ref(), Ok(&at));
    let beyond = Layer { bits: 12, weights: BTreeMap::from([(1, MAX_WEIGHT + 0.5)]) };
    assert_eq!(Layer::from_bytes(&beyond.to_bytes()), Err(PersonalError::Weight));
    let full = Layer { bits: 16, weights: (0..MAX_WEIGHTS as u32).map(|b| (b, 1.0)).collect() };
    assert_eq!(Layer::from_bytes(&full.to_bytes()).as_ref(), Ok(&full));
    let sites: Vec<u64> = (0..MAX_SITES as u64).collect();
    let copy = NearCopy { sites: sites.clone(), hosts: sites, ..digest_of(Feedback::Released, 0) };
    assert_eq!(NearCopy::from_bytes(&copy.to_bytes()).as_ref(), Ok(&copy));
    for over in [
        NearCopy { sites: (0..=MAX_SITES as u64).collect(), ..copy.clone() },
        NearCopy { hosts: (0..=MAX_SITES as u64).collect(), ..copy.clone() },
    ] {
        assert_eq!(NearCopy::from_bytes(&over.to_bytes()), Err(PersonalError::Sketch));
    }
}

/// The released shop's newsletter, authenticated, read by a model that would move it; and
/// the reported letter, read by one that leaves it: each with what the feedback says.
fn fed_back() -> [(Feedback, Email, Detector); 2] {
    let shop =
        super::attacks::received("dkim=pass header.d=shop.example", "news@shop.example", "Autumn", NEWS);
    let letter = parse("x@stranger.example", "About your secret", SCAM);
    [(Feedback::Released, shop, flat(2.0, 12)), (Feedback::Reported, letter, flat(-1.5, 12))]
}

#[test]
fn feedback_lands_the_mail_on_its_target() {
    for (feedback, email, detector) in fed_back() {
        let mut personal = Personal::default();
        // Without the release credit, which goes beyond the target on purpose.
        personal.learn_from_folder(feedback, &email, &detector);
        let landed = learned_logit(&personal, &email, &detector);
        let target = target(feedback, &detector.thresholds);
        assert!((landed - target).abs() < 1e-3, "{feedback:?}: {landed} {target}");
    }
}

#[test]
fn a_near_copy_lands_on_its_feedbacks_target() {
    for (feedback, email, detector) in fed_back() {
        let mut personal = Personal::default();
        personal.learn(feedback, &email, &detector);
        let digests = Personal::new(Layer::default(), personal.copies().cloned());
        let (share, global) = share_of(&digests, &email, &detector);
        let want = target(feedback, &detector.thresholds) - global;
        assert_eq!(share.near.map(|(kind, _)| kind), Some(feedback), "{share:?}");
        assert!((share.shift - want).abs() < 1e-4, "{feedback:?}: {share:?} {want}");
    }
}
