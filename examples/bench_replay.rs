//! The replay benchmark of per-account learning (README, "Learning from you"):
//!
//! ```sh
//! cargo run --release --example bench_replay -- ../shared/corpus [--seed 15] [--seeds 10] [--feedback 20]
//! ```
//!
//! A user's mail is mail the global model never saw. The labelled mails under the folder
//! (nearest folder named ham, extortion, phishing or other) are split by source (the file
//! name's part before `__`, else its folder) with a seeded coin: one side trains the
//! "global" model (as `scamguard train` does, at the shipped model's thresholds), the
//! other is the user's mailbox, shuffled with the seed and split again into a tuning half
//! and an evaluation half. On each half, mail arrives in order; the user releases the
//! first false positives and reports the first missed extortion or phishing, `--feedback`
//! mistakes in all, and the account's layer learns from each at once. On the rest of
//! the half it measures:
//!
//! - repeated false positives: ham the global model moves that shares a sender's domain
//!   or a campaign (subject or opening skeleton) with a released mail, and the share the
//!   layer keeps out of Junk (target ≥ 80%);
//! - near-copies: three rewrites of every reported scam (another greeting and name,
//!   sender and Message-ID), and the share the layer moves (target ≥ 90%);
//! - new false positives: ham moved with the layer that the global model left (target 0).
//!
//! The tuning half also prints how alike near-copies and unrelated mail are to the
//! reported scams, which is where [`NEAR`] was chosen; only the evaluation half's figures
//! are quoted.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use scamguard::detect::personal::digest::Sketch;
use scamguard::detect::personal::{Feedback, NEAR, Personal};
use scamguard::detect::{Detector, Label, classify};
use scamguard::learn::{self, Class, Options, SignalSpace, folds};
use scamguard::mail::sender::{authenticated_sender, vouched_mailbox};
use scamguard::mail::{self, Email, Mailbox};

/// A labelled mail of the corpus.
struct Mail {
    class: Class,
    source: String,
    email: Email,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let option = |name: &str, default: u64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (seed, seeds, feedback) =
        (option("--seed", 15), option("--seeds", 10), option("--feedback", 20) as usize);
    let Some(corpus) = args.first().filter(|a| !a.starts_with("--")).map(PathBuf::from) else {
        eprintln!("usage: bench_replay CORPUS_DIR [--seed N] [--seeds N] [--feedback N]");
        std::process::exit(2);
    };
    let mails = read_corpus(&corpus);
    let mut totals = [Figures::default(), Figures::default()];
    for seed in seed..seed + seeds {
        let (known, user): (Vec<&Mail>, Vec<&Mail>) =
            mails.iter().partition(|m| splitmix(seed ^ fnv(m.source.as_bytes())).is_multiple_of(2));
        let model = Arc::new(train(&known));
        let detector = Detector { thresholds: Detector::default().thresholds, ..Detector::with_model(model) };
        let mut order: Vec<&Mail> = user;
        shuffle(&mut order, seed);
        let (tuning, evaluation): (Vec<&Mail>, Vec<&Mail>) =
            order.into_iter().enumerate().partition(|(i, _)| i.is_multiple_of(2)).into_iter_pairs();
        println!(
            "seed {seed}: the global model learns from {} mails, the user gets {}",
            known.len(),
            tuning.len() + evaluation.len()
        );
        for (total, half, name) in [(0, &tuning, "tuning"), (1, &evaluation, "evaluation")] {
            let figures = replay(half, &detector, feedback, name == "tuning");
            if let Some(sum) = totals.get_mut(total) {
                sum.add(&figures);
            }
        }
    }
    for (figures, name) in totals.iter().zip(["tuning", "evaluation"]) {
        println!("\n== {name} halves, {seeds} seeds ==");
        figures.print();
    }
}

/// Turns `(index, mail)` pairs back into mails on both sides of a partition.
trait Pairs<'a> {
    fn into_iter_pairs(self) -> (Vec<&'a Mail>, Vec<&'a Mail>);
}

impl<'a> Pairs<'a> for (Vec<(usize, &'a Mail)>, Vec<(usize, &'a Mail)>) {
    fn into_iter_pairs(self) -> (Vec<&'a Mail>, Vec<&'a Mail>) {
        (self.0.into_iter().map(|p| p.1).collect(), self.1.into_iter().map(|p| p.1).collect())
    }
}

/// Every labelled `.eml` under `root`, in path order.
fn read_corpus(root: &Path) -> Vec<Mail> {
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "eml") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(root).ok()?;
            let class = relative.ancestors().skip(1).find_map(|a| Class::named(a.file_name()?.to_str()?))?;
            let stem = path.file_stem()?.to_string_lossy().into_owned();
            let source = match stem.split_once("__") {
                Some((source, _)) => source.to_string(),
                None => relative.parent()?.to_string_lossy().into_owned(),
            };
            let email = mail::parse(&std::fs::read(&path).ok()?).ok()?;
            Some(Mail { class, source, email })
        })
        .collect()
}

/// The global model of the benchmark: trained on `known` as `scamguard train` trains.
fn train(known: &[&Mail]) -> scamguard::detect::model::Model {
    let options = Options::default();
    let mut space = SignalSpace::default();
    let mut examples: Vec<learn::Example> =
        known.iter().map(|m| space.example(&m.email, m.class, options.bits)).collect();
    let sources: Vec<String> = known.iter().map(|m| m.source.clone()).collect();
    learn::weigh_sources(&mut examples, &sources);
    let all: Vec<&learn::Example> = examples.iter().collect();
    learn::fit(&all, &space, &options)
}

fn is_scam(class: Class) -> bool {
    matches!(class, Class::Extortion | Class::Phishing)
}

fn sender_site(email: &Email) -> String {
    let domain = email.from.as_ref().and_then(Mailbox::domain).unwrap_or_default();
    scamguard::mail::url::registrable_domain(&domain).to_string()
}

/// Counts toward a share.
#[derive(Default)]
struct Share {
    of: usize,
    hit: usize,
}

impl Share {
    fn count(&mut self, hit: bool) {
        self.of += 1;
        self.hit += usize::from(hit);
    }

    fn show(&self) -> String {
        if self.of == 0 {
            return "none in this half".into();
        }
        format!("{} of {} ({:.1}%)", self.hit, self.of, 100.0 * self.hit as f64 / self.of as f64)
    }
}

/// What one replay (or several, added up) measured.
#[derive(Default)]
struct Figures {
    given: usize,
    releases: usize,
    /// Ham on the rest whose From the server authenticated (domain-level), and of those
    /// whose mailbox it vouched for: all a known correspondent's credit may now rest on.
    authenticated: usize,
    vouched: usize,
    repeated: Share,
    /// The repeated false positives whose sender's site had a mail released (the rest
    /// share only a campaign skeleton with another site's released mail).
    repeated_site: Share,
    other_fp: Share,
    new_fp: usize,
    ham_rest: usize,
    copies_global: Share,
    copies_layer: Share,
    recall_global: Share,
    recall_layer: Share,
}

impl Figures {
    fn add(&mut self, other: &Figures) {
        self.given += other.given;
        self.releases += other.releases;
        self.authenticated += other.authenticated;
        self.vouched += other.vouched;
        self.new_fp += other.new_fp;
        self.ham_rest += other.ham_rest;
        for (sum, one) in [
            (&mut self.repeated, &other.repeated),
            (&mut self.repeated_site, &other.repeated_site),
            (&mut self.other_fp, &other.other_fp),
            (&mut self.copies_global, &other.copies_global),
            (&mut self.copies_layer, &other.copies_layer),
            (&mut self.recall_global, &other.recall_global),
            (&mut self.recall_layer, &other.recall_layer),
        ] {
            sum.of += one.of;
            sum.hit += one.hit;
        }
    }

    fn print(&self) {
        println!(
            "feedback: {} ({} releases, {} reports)",
            self.given,
            self.releases,
            self.given - self.releases
        );
        println!(
            "repeated false positives (same sender or campaign) kept out of Junk: {}",
            self.repeated.show()
        );
        println!(
            "  of them from a site with a released mail: {}; sharing only a campaign skeleton with another \
             site's: {}",
            self.repeated_site.show(),
            Share {
                of: self.repeated.of - self.repeated_site.of,
                hit: self.repeated.hit - self.repeated_site.hit
            }
            .show()
        );
        println!("other false positives kept out of Junk: {}", self.other_fp.show());
        println!(
            "near-copies of reported scams moved: {} (global model alone: {})",
            self.copies_layer.show(),
            self.copies_global.show()
        );
        println!("new false positives on the rest: {} of {} ham", self.new_fp, self.ham_rest);
        println!(
            "ham on the rest with an authenticated From: {}, its mailbox vouched for (what a known \
             correspondent's credit needs): {}",
            self.authenticated, self.vouched
        );
        println!(
            "extortion and phishing moved on the rest: {} (global model alone: {})",
            self.recall_layer.show(),
            self.recall_global.show()
        );
    }
}

/// Replays one half of the user's mail; its figures.
fn replay(stream: &[&Mail], global: &Detector, feedback: usize, tuning: bool) -> Figures {
    let mut personal = Personal::default();
    let mut released_sites: HashSet<String> = HashSet::new();
    let mut released_campaigns: HashSet<String> = HashSet::new();
    let mut reported: Vec<&Email> = Vec::new();
    let mut released: Vec<&Email> = Vec::new();
    let (mut authenticated, mut vouched) = (0, 0);
    let (mut given, mut releases) = (0, 0);
    let (mut repeated, mut other_fp, mut new_fp, mut ham_rest) = (Share::default(), Share::default(), 0, 0);
    let mut repeated_site = Share::default();
    let (mut recall_global, mut recall_layer) = (Share::default(), Share::default());
    for mail in stream {
        let layered = Detector { personal: Some(Arc::new(personal.clone())), ..global.clone() };
        let before = classify(&mail.email, global).label == Label::Threat;
        let after = classify(&mail.email, &layered).label == Label::Threat;
        let mistake = match mail.class {
            Class::Ham if after => Some(Feedback::Released),
            class if is_scam(class) && !after => Some(Feedback::Reported),
            _ => None,
        };
        if given < feedback {
            if let Some(kind) = mistake {
                personal.learn(kind, &mail.email, global);
                given += 1;
                if kind == Feedback::Released {
                    releases += 1;
                    released.push(&mail.email);
                    released_sites.insert(sender_site(&mail.email));
                    released_campaigns.extend(campaigns(&mail.email));
                } else {
                    reported.push(&mail.email);
                }
            }
            continue;
        }
        if mail.class == Class::Ham {
            ham_rest += 1;
            authenticated += usize::from(authenticated_sender(&mail.email, &[]).is_some());
            vouched += usize::from(vouched_mailbox(&mail.email, &[]).is_some());
            let same_site = released_sites.contains(&sender_site(&mail.email));
            let repeat = same_site || campaigns(&mail.email).iter().any(|c| released_campaigns.contains(c));
            if before {
                if same_site {
                    repeated_site.count(!after)
                }
                if repeat {
                    repeated.count(!after)
                } else {
                    other_fp.count(!after)
                }
                if repeat && after {
                    explain_kept_out(mail, &layered, &released, if tuning { "tuning" } else { "evaluation" });
                }
            } else if after {
                new_fp += 1;
            }
            if tuning && std::env::var_os("REPLAY_VERBOSE").is_some() && (before || after) {
                let v = classify(&mail.email, &layered);
                let share = v
                    .signals
                    .iter()
                    .find(|s| s.rule() == "learned_from_feedback")
                    .map(|s| s.evidence.clone());
                eprintln!(
                    "ham before={before} after={after} repeat={repeat} global={} score={} {:?} {:?} {share:?}",
                    classify(&mail.email, global).score,
                    v.score,
                    sender_site(&mail.email),
                    mail.email.subject.chars().take(50).collect::<String>()
                );
            }
        } else if is_scam(mail.class) {
            recall_global.count(before);
            recall_layer.count(after);
        }
    }
    let layered = Detector { personal: Some(Arc::new(personal.clone())), ..global.clone() };
    let (mut copies_global, mut copies_layer) = (Share::default(), Share::default());
    let mut alike_copies: Vec<f32> = Vec::new();
    for (n, scam) in reported.iter().enumerate() {
        for variant in 0..3 {
            let copy = rewrite(scam, n * 3 + variant);
            copies_global.count(classify(&copy, global).label == Label::Threat);
            copies_layer.count(classify(&copy, &layered).label == Label::Threat);
            if let (Some(a), Some(b)) = (Sketch::of(scam), Sketch::of(&copy)) {
                alike_copies.push(a.similarity(&b));
            }
        }
    }
    if tuning {
        similarity_table(&alike_copies, stream, &reported);
    }
    Figures {
        given,
        releases,
        authenticated,
        vouched,
        repeated,
        repeated_site,
        other_fp,
        new_fp,
        ham_rest,
        copies_global,
        copies_layer,
        recall_global,
        recall_layer,
    }
}

/// Prints a repeated false positive the layer did not keep out of Junk, and what might
/// have helped: its sender's domain, whether the server authenticated its From, the
/// global and layered scores, the layer's line, and how alike it is to the nearest
/// released mail (and whether that one was from the same site).
fn explain_kept_out(mail: &Mail, layered: &Detector, released: &[&Email], half: &str) {
    let verdict = classify(&mail.email, layered);
    let share = verdict
        .signals
        .iter()
        .find(|s| s.rule() == "learned_from_feedback")
        .map_or_else(|| "no share".to_string(), |s| s.evidence.clone());
    let site = sender_site(&mail.email);
    let nearest = Sketch::of(&mail.email).and_then(|mine| {
        released
            .iter()
            .filter_map(|r| Some((Sketch::of(r)?.similarity(&mine), sender_site(r) == site)))
            .max_by(|a, b| a.0.total_cmp(&b.0))
    });
    let same_site: Vec<bool> = released
        .iter()
        .filter(|r| sender_site(r) == site)
        .map(|r| authenticated_sender(r, &[]).is_some())
        .collect();
    println!(
        "  {half}: repeated false positive still moved: sender {site:?}, authenticated {}, score {:.3}, {share}, \
         nearest released mail {:?} (alike, same site), released from its site (authenticated each): {same_site:?}",
        authenticated_sender(&mail.email, &[]).is_some(),
        verdict.score,
        nearest
    );
    // Why it counts as a repeat when no mail of its site was released: the campaign
    // skeleton (subject or opening) it shares, and with which released mail's site.
    if same_site.is_empty() {
        let mine = folds::skeletons(&mail.email);
        for released in released {
            let theirs = campaigns(released);
            for (kind, a) in ["subject", "opening"].iter().zip(&mine) {
                if theirs.contains(a) {
                    println!(
                        "    shares its {kind} skeleton ({} letters) with a released mail from {:?}",
                        a.chars().count(),
                        sender_site(released)
                    );
                }
            }
        }
    }
}

/// The subject and opening skeletons of a mail that are long enough to name a campaign.
fn campaigns(email: &Email) -> Vec<String> {
    folds::skeletons(email).into_iter().filter(|s| s.chars().count() >= 8).collect()
}

/// How alike near-copies are to their scam, and how alike the rest of the ham is to the
/// most alike reported scam: where [`NEAR`] should sit.
fn similarity_table(copies: &[f32], stream: &[&Mail], reported: &[&Email]) {
    let sketches: Vec<Sketch> = reported.iter().filter_map(|e| Sketch::of(e)).collect();
    let mut ham: Vec<f32> = stream
        .iter()
        .filter(|m| m.class == Class::Ham)
        .filter_map(|m| Sketch::of(&m.email))
        .map(|s| sketches.iter().map(|r| r.similarity(&s)).fold(0.0, f32::max))
        .collect();
    ham.sort_by(f32::total_cmp);
    let mut copies = copies.to_vec();
    copies.sort_by(f32::total_cmp);
    let at = |v: &[f32], q: f64| v.get(((v.len() as f64 - 1.0) * q) as usize).copied().unwrap_or(f32::NAN);
    println!(
        "similarity to a reported scam: near-copies min {:.2}, 10th percentile {:.2}, median {:.2}; \
         ham max {:.2}, 99th percentile {:.2} (NEAR = {NEAR})",
        at(&copies, 0.0),
        at(&copies, 0.1),
        at(&copies, 0.5),
        at(&ham, 1.0),
        at(&ham, 0.99)
    );
}

const NAMES: [&str; 6] = ["Mary Jones", "Paul Becker", "Yuki Tanaka", "Sam Lee", "Ana Silva", "Tom Ward"];

/// A near-copy of `scam`: another Message-ID, sender, greeting and name in the subject.
fn rewrite(scam: &Email, n: usize) -> Email {
    let name = NAMES[n % NAMES.len()];
    let mut copy = scam.clone();
    copy.message_id = Some(format!("copy{n}@replay.invalid"));
    copy.from =
        Some(Mailbox { name: Some(name.to_string()), address: format!("mailer{n}@sender{n}.example") });
    copy.normalized_sender_name = name.to_string();
    copy.subject = format!("{name}: {}", scam.subject);
    copy.normalized_subject = format!("{name}: {}", scam.normalized_subject);
    let greeting = format!("Dear {name},\n");
    for text in [&mut copy.text, &mut copy.normalized_text] {
        let first = text.lines().next().unwrap_or_default();
        let greets = ["dear", "hello", "hi ", "hey"].iter().any(|g| first.to_lowercase().starts_with(g));
        let rest = if greets && first.len() < 80 {
            text.get(first.len()..).unwrap_or_default()
        } else {
            text.as_str()
        };
        *text = format!("{greeting}{rest}");
    }
    copy
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// A seeded Fisher-Yates shuffle: the same seed, the same order on every machine.
fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut state = seed;
    for i in (1..items.len()).rev() {
        state = splitmix(state);
        items.swap(i, (state % (i as u64 + 1)) as usize);
    }
}
