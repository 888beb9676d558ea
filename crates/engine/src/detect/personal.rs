//! What one account learned from its user: a small layer of token weights over the
//! global model, and near-copy digests of the mails the user released or reported.
//!
//! **The layer** adds one number to a mail's log-odds of being unwanted (the same number
//! to every unwanted class's score, so the odds against ham move by exactly that much and
//! the kinds keep their proportions). It is a sum of weights over the mail's token
//! buckets — the global model's own buckets ([`Tokens`]) — in three groups, each scaled
//! to unit length: who sends (the sender's site and its own signature; at a free mailbox
//! provider, the From address itself), where the mail points (link hosts and sites) and
//! what it says (subject, words, shape). Who sends counts only when the receiving server
//! authenticated the From address: a forged From collects nothing a release taught.
//! Where it did not, who sends is the sender together with the relay the receiving server
//! recorded handing the mail over (`relayed_sender`), so a forged From sent through
//! anyone else's servers is another sender. Where the address is who sends, the server must vouch for that very mailbox (or a
//! neighbour at the same provider would pass); a service's notice carrying a stranger's
//! words (a PayPal invoice's note) has no sender at all. It
//! learns online: each feedback takes at most [`STEPS`] passive-aggressive steps, each
//! moving the mail's own score by no more than [`MAX_STEP`] toward a margin of
//! [`MARGIN`] beyond the threshold that matters (below `suspicious` for a release, above
//! the threat threshold for a report), and stops as soon as the margin holds. A release
//! puts most of its step on who sends (80%), and credits an authenticated sender at least
//! [`RELEASE_CREDIT`]; a report puts none there (30% on links, 70% on text).
//!
//! Bounds, so feedback cannot be turned against the user: each weight within
//! ±[`MAX_WEIGHT`]; the layer's share of a mail within ±[`MAX_SHIFT`]; a positive share
//! counts only for a mail the global model already finds suspicious, and stops short of
//! the threat threshold: learned weights alone may mark a mail, never move it (in the
//! replay benchmark, letting them move mail made new false positives); at most
//! [`MAX_WEIGHTS`] weights, the weakest dropped first, those pushing toward Junk and those
//! keeping out of it ranked apart (a flood of provoked reports cannot push out what
//! releases taught). No bias: a bias would move
//! every mail of the account, the ones no feedback was about.
//!
//! **Near-copies** ([`digest`]): a mail whose sketch is at least [`NEAR`] alike to a
//! reported mail's is pushed to the threat threshold and past it (a scam sent again with
//! a new greeting, name or Message-ID), unless it is authenticated as a sender the
//! account knows (a known correspondent, or a sender whose authenticated mail was
//! released or found in INBOX) and the reported mail came from another sender (a
//! stranger's copy of a bank's notice, filtered into Junk, must not move the bank's own),
//! or it is authenticated as the domain the reported mail's unauthenticated From named
//! (a phish copying a bank's template under a forged From). One as alike to a released
//! mail is pushed below the suspicious threshold when it comes from the same sender's
//! domain (authenticated) and links to no site the released one did not (a newsletter
//! the user wants); or, from anyone, when it is at least [`HARMLESS_NEAR`] alike and can
//! do no more harm than the released mail ([`harms`]). At most [`MAX_COPIES`] are kept,
//! the oldest dropped, of the kind holding more than half (provoked reports cannot push
//! out releases).
//!
//! Everything here is deterministic: the same feedback in the same order gives the same
//! bytes ([`Layer::to_bytes`], [`NearCopy::to_bytes`]).

mod credit;
pub mod digest;
mod format;
pub mod harms;

use std::collections::{BTreeMap, VecDeque};

use super::brands;
use super::model::Reading;
use super::model::features::{TokenKind, Tokens, bucket};
use super::rules::sharing_service;
use super::tables::REQUEST_NOTIFIERS;
use super::{Detector, Facts, Thresholds, observe};
use crate::mail::Email;
use crate::mail::sender::{authenticated_sender, vouched_mailbox};
use credit::near_copy;
use digest::Sketch;
use harms::Harms;

pub use format::PersonalError;

/// The most weights a layer holds (160 KB stored).
pub const MAX_WEIGHTS: usize = 20_000;
/// The most one weight may be, either way.
pub const MAX_WEIGHT: f32 = 4.0;
/// The most the learned weights may add to or take off a mail's log-odds.
pub const MAX_SHIFT: f32 = 8.0;
/// The most one learning step moves the mail it learns from.
pub const MAX_STEP: f32 = 8.0;
/// Learning steps per feedback, at most.
pub const STEPS: usize = 3;
/// How far beyond the threshold a learned mail should land, in log-odds.
pub const MARGIN: f32 = 1.0;
/// The similarity from which a mail is a near-copy of one the user gave feedback on.
/// Chosen on the tuning half of the replay benchmark (README, "Learning from you").
pub const NEAR: f32 = 0.5;
/// The most near-copy digests an account keeps.
pub const MAX_COPIES: usize = 1000;
/// The most link sites a near-copy digest remembers.
pub const MAX_SITES: usize = 16;
/// What a release credits its sender's mail at least, in log-odds, when the receiving
/// server authenticated it: the known correspondent's discount (the user said they want
/// this sender's mail), within the bounds of each weight and of the layer's share.
pub const RELEASE_CREDIT: f32 = super::correspondents::DISCOUNT;
/// How far below the threat threshold learned weights alone may take a mail, in log-odds.
const ROOM_BELOW_THREAT: f32 = 0.05;
/// The most a near-copy may move a mail's log-odds.
const MAX_NEAR_SHIFT: f32 = 40.0;
/// The similarity from which a near-copy of a released mail is credited without the
/// receiving server's word on its sender, when it can do no more harm than the released
/// mail ([`harms`]): the near-copy bar itself. On the replay benchmark's tuning halves,
/// 0.7 credited nothing (their one such copy is 0.58 alike); the harm checks keep it safe.
pub const HARMLESS_NEAR: f32 = NEAR;

/// What the user said about a mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Feedback {
    /// Taken back out of Junk: the mail is wanted (ham).
    Released,
    /// Put into Junk by hand: the mail is unwanted.
    Reported,
}

/// The learned token weights, by bucket of the model they were learned with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layer {
    /// The model's bucket bits when learned: a model with other buckets ignores them.
    bits: u32,
    weights: BTreeMap<u32, f32>,
}

/// The digest of a mail the user gave feedback on.
#[derive(Debug, Clone, PartialEq)]
pub struct NearCopy {
    pub feedback: Feedback,
    pub sketch: Sketch,
    /// Who sent it, hashed: the registrable domain of its From address, or at a free
    /// mailbox provider (one site, millions of senders) the lower-cased address itself.
    pub sender: u64,
    /// Whether the receiving server authenticated its From as that domain (`sender`): a
    /// reported mail whose From was forged says nothing about the mail that domain sends.
    pub authenticated: bool,
    /// The hashes of the registrable domains its links go to (at most [`MAX_SITES`]).
    pub sites: Vec<u64>,
    /// The hashes of the hosts themselves (as many); none when stored by a version that
    /// did not record them, which vouches for no unauthenticated copy with a link.
    pub hosts: Vec<u64>,
    /// The harms it showed (a wallet, a payment or credential request, an attachment);
    /// `None` when stored by a version that did not record them, which vouches for no
    /// unauthenticated copy.
    pub harms: Option<Harms>,
}

/// Everything one account learned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Personal {
    pub layer: Layer,
    /// Oldest first.
    copies: VecDeque<NearCopy>,
}

/// What an account's learning adds to one mail's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    /// Added to the log-odds of unwanted mail.
    pub shift: f32,
    /// The near-copy the mail matched, with how alike they are.
    pub near: Option<(Feedback, f32)>,
}

/// The groups a mail's tokens are read in, each scaled to unit length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    /// Who sends: the sender's site, its own signature, or its address (see [`features`]).
    Sender,
    /// Where it points: link hosts, their sites and the words of their paths.
    Links,
    /// What it says: subject, words, shape.
    Text,
}

impl Group {
    const ALL: [Group; 3] = [Group::Sender, Group::Links, Group::Text];

    fn of(kind: TokenKind) -> Group {
        match kind {
            TokenKind::SenderSite
            | TokenKind::SenderName
            | TokenKind::SignedBy
            | TokenKind::SenderAddress => Group::Sender,
            TokenKind::LinkHost | TokenKind::LinkSite | TokenKind::LinkPath => Group::Links,
            TokenKind::Subject | TokenKind::Word | TokenKind::Shape => Group::Text,
        }
    }

    /// The share of a learning step this group takes for `feedback`. A release is mostly
    /// about who sends (the same sender's next newsletter should stay); a report about what
    /// the mail says and where it points, never about who it claims to be from (forged,
    /// or a freemail domain that must not become suspect).
    fn share(self, feedback: Feedback) -> f32 {
        match (feedback, self) {
            (Feedback::Released, Group::Sender) => 0.8,
            (Feedback::Released, _) => 0.1,
            (Feedback::Reported, Group::Sender) => 0.0,
            (Feedback::Reported, Group::Links) => 0.3,
            (Feedback::Reported, Group::Text) => 0.7,
        }
    }
}

/// Log-odds of a probability, kept finite.
fn logit(p: f32) -> f32 {
    let p = p.clamp(0.001, 0.999);
    (p / (1.0 - p)).ln()
}

/// Who sends the mail, as the receiving server vouched for it; `None` when it did not, or
/// when no server can say. At a free mailbox provider, or below a service that gives each
/// customer a subdomain of its own ([`brands::is_shared_domain`]), who sends is the mailbox, and a
/// pass for the domain vouches for every user there: the server must have vouched for that
/// very address ([`vouched_mailbox`]), or a neighbour writing a released friend's From
/// would collect the friend's [`RELEASE_CREDIT`]. A service's notification that carries
/// what a stranger typed (a shared document's note, an invoice's, [`REQUEST_NOTIFIERS`])
/// is nobody's: the service signs it for whoever asked. Elsewhere who sends is the domain,
/// and an aligned pass for it is enough ([`authenticated_sender`]).
fn who_sends(facts: &Facts<'_>, detector: &Detector) -> Option<String> {
    if carries_strangers_words(facts) {
        None
    } else if brands::is_shared_domain(&facts.sender_domain) {
        vouched_mailbox(facts.email, &detector.authserv_ids)
    } else {
        authenticated_sender(facts.email, &detector.authserv_ids)
    }
}

/// Who sends a mail the receiving server did not authenticate, as far as the relay that
/// handed it over tells ([`delivering_relay`](crate::mail::relay::delivering_relay)): the
/// sender (the address at a shared domain, else the site) together with the relay's
/// domain. A forged From sent through anyone else's servers is another sender. A post to
/// a mailing list is nobody's: the list relays what any member (or a spammer who got in)
/// wrote, under its own From and through its own servers; so is a service's notification
/// carrying a stranger's words.
fn relayed_sender(facts: &Facts<'_>) -> Option<String> {
    let relay = facts.email.relay.as_deref()?;
    // A mail without a From names no sender to credit.
    facts.email.from.as_ref()?;
    if facts.email.posted_to_list || carries_strangers_words(facts) {
        return None;
    }
    let sender = sender_identity(facts);
    (!sender.is_empty()).then(|| format!("{sender} via {relay}"))
}

/// Whether the mail is a service's notification carrying what a stranger typed (a shared
/// document's note, an invoice's, [`REQUEST_NOTIFIERS`]): the service sends it for
/// whoever asked, so it is nobody's.
fn carries_strangers_words(facts: &Facts<'_>) -> bool {
    let from = facts.email.from.as_ref().map(|f| f.address.as_str()).unwrap_or_default();
    sharing_service(facts).is_some() || REQUEST_NOTIFIERS.iter().any(|n| from.eq_ignore_ascii_case(n))
}

/// Who the From line names as its sender, whoever vouches for it: at a domain many share
/// ([`brands::is_shared_domain`]) the lower-cased address, elsewhere the registrable domain.
fn sender_identity(facts: &Facts<'_>) -> String {
    match &facts.email.from {
        Some(from) if brands::is_shared_domain(&facts.sender_domain) => from.address.to_lowercase(),
        _ => facts.sender_site().to_string(),
    }
}

/// The feature value of each of a mail's buckets, with its group: 1/sqrt(n) of the n
/// buckets of its group. Who sends counts only when the receiving server authenticated
/// the From address: a forged From must not collect what a release taught. And only as
/// far as it tells this sender from others: at a domain many people share (a free
/// mailbox provider, [`brands::is_free_mail`]) who sends is the address alone (the
/// provider's site and signature say nothing of which of its users wrote); elsewhere it
/// is the sender's site and the signature of that site (another signer, a mailing
/// service, signs for many senders). A display name is no sender: anyone types any, and
/// a stranger typing a released sender's name must borrow nothing.
fn features(facts: &Facts<'_>, tokens: &Tokens, detector: &Detector) -> Vec<(u32, f32, Group)> {
    let bits = detector.model.bits;
    let sender = who_sends(facts, detector);
    let shared = brands::is_shared_domain(&facts.sender_domain);
    let own_signature = bucket(TokenKind::SignedBy, facts.sender_site(), bits);
    let mut groups: Vec<(u32, Group)> = tokens
        .buckets
        .iter()
        .enumerate()
        .map(|(i, &b)| (b, tokens.kind(i)))
        .filter(|&(b, kind)| match kind {
            Some(TokenKind::SenderName) => false,
            Some(TokenKind::SignedBy) => sender.is_some() && !shared && b == own_signature,
            Some(kind) if Group::of(kind) == Group::Sender => sender.is_some() && !shared,
            _ => true,
        })
        .map(|(b, kind)| (b, kind.map_or(Group::Text, Group::of)))
        .collect();
    let identity = match sender {
        Some(address) => shared.then_some(address),
        None => relayed_sender(facts),
    };
    if let Some(identity) = identity {
        let identity = bucket(TokenKind::SenderAddress, &identity, bits);
        if !groups.iter().any(|&(b, _)| b == identity) {
            groups.push((identity, Group::Sender));
        }
    }
    let scale = |group: Group| {
        let n = groups.iter().filter(|&&(_, g)| g == group).count();
        if n == 0 { 0.0 } else { 1.0 / (n as f32).sqrt() }
    };
    let scales = Group::ALL.map(scale);
    groups.into_iter().map(|(b, g)| (b, scales.get(g as usize).copied().unwrap_or(0.0), g)).collect()
}

impl Layer {
    /// How many weights it holds.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// The layer's raw score of a mail's features.
    fn score(&self, features: &[(u32, f32, Group)]) -> f32 {
        features.iter().filter_map(|(b, x, _)| self.weights.get(b).map(|w| w * x)).sum()
    }

    /// One step moving the score of the mail by `step`, shared among the groups the
    /// mail has as [`Group::share`] says (a group's share goes to the others when the mail
    /// has none of it).
    fn step(&mut self, features: &[(u32, f32, Group)], step: f32, feedback: Feedback) {
        let present = |g: Group| features.iter().any(|f| f.2 == g);
        let total: f32 = Group::ALL.iter().filter(|&&g| present(g)).map(|g| g.share(feedback)).sum();
        if total <= 0.0 {
            return;
        }
        for group in Group::ALL {
            let share = group.share(feedback) / total;
            if share != 0.0 {
                self.nudge(features, group, step * share);
            }
        }
    }

    /// Moves the score of the mail's `group` by `step` (less where a weight reaches its
    /// bound): each of its weights by `step` times its feature value, which are of unit
    /// length within a group.
    fn nudge(&mut self, features: &[(u32, f32, Group)], group: Group, step: f32) {
        for &(b, x, _) in features.iter().filter(|f| f.2 == group) {
            let weight = self.weights.entry(b).or_insert(0.0);
            *weight = (*weight + step * x).clamp(-MAX_WEIGHT, MAX_WEIGHT);
        }
    }

    /// The part of the layer's score of a mail that `group` makes.
    fn group_score(&self, features: &[(u32, f32, Group)], group: Group) -> f32 {
        features
            .iter()
            .filter(|f| f.2 == group)
            .filter_map(|(b, x, _)| self.weights.get(b).map(|w| w * x))
            .sum()
    }

    /// Drops the weakest weights (ties: the higher bucket) down to [`MAX_WEIGHTS`], and
    /// the ones learned to nothing. Weights that push mail toward Junk (reports teach them)
    /// and weights that keep it out (releases) are ranked apart, and neither kind loses
    /// any of its strongest half of the bound to the other: whatever the server's filter
    /// drops into Junk is a report, so a scammer can provoke thousands, and they must not
    /// push out what the user's own releases taught.
    fn prune(&mut self) {
        self.weights.retain(|_, w| *w != 0.0);
        if self.weights.len() <= MAX_WEIGHTS {
            return;
        }
        let ranked = |positive: bool| {
            let mut kind: Vec<(u32, f32)> =
                self.weights.iter().filter(|(_, w)| (**w > 0.0) == positive).map(|(&b, &w)| (b, w)).collect();
            kind.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
            kind
        };
        let (mut pushing, mut keeping) = (ranked(true), ranked(false));
        let half = MAX_WEIGHTS / 2;
        keeping.truncate(MAX_WEIGHTS - pushing.len().min(half));
        pushing.truncate(MAX_WEIGHTS - keeping.len());
        self.weights = pushing.into_iter().chain(keeping).collect();
    }
}

impl Personal {
    /// An account's learning from its stored parts; near-copies oldest first (only the
    /// newest [`MAX_COPIES`] are kept).
    pub fn new(layer: Layer, copies: impl IntoIterator<Item = NearCopy>) -> Personal {
        let mut personal = Personal { layer, copies: copies.into_iter().collect() };
        personal.evict();
        personal
    }

    /// Drops the oldest near-copies down to [`MAX_COPIES`], each time of the kind that
    /// holds more than half: whatever the server's filter drops into Junk is a report, so
    /// a scammer can provoke a thousand, and they must not push out what the user released
    /// (nor the user's releases the reports).
    fn evict(&mut self) {
        while self.copies.len() > MAX_COPIES {
            let reports = self.copies.iter().filter(|c| c.feedback == Feedback::Reported).count();
            let kind = if reports > MAX_COPIES / 2 { Feedback::Reported } else { Feedback::Released };
            match self.copies.iter().position(|c| c.feedback == kind) {
                Some(oldest) => self.copies.remove(oldest),
                None => self.copies.pop_front(),
            };
        }
    }

    /// The near-copy digests, oldest first.
    pub fn copies(&self) -> impl Iterator<Item = &NearCopy> {
        self.copies.iter()
    }

    /// Learns from what the user said about `email`, read as `detector` reads it (its
    /// model's buckets and thresholds). Returns the near-copy digest it kept, when the
    /// mail has enough text for one.
    pub fn learn(&mut self, feedback: Feedback, email: &Email, detector: &Detector) -> Option<NearCopy> {
        self.learn_as(feedback, email, detector, true)
    }

    /// Learns from a mail found in a folder the user said nothing about (`learn
    /// --account` reading INBOX as ham and Junk as unwanted): as [`Personal::learn`], but a
    /// mail that merely sits in INBOX earns its sender no [`RELEASE_CREDIT`]. That credit
    /// rests on the user taking that very mail out of Junk; any stranger's harmless first
    /// mail sits in INBOX, and with the credit its domain's later scams would stay there.
    pub fn learn_from_folder(
        &mut self,
        feedback: Feedback,
        email: &Email,
        detector: &Detector,
    ) -> Option<NearCopy> {
        self.learn_as(feedback, email, detector, false)
    }

    /// [`Personal::learn`], with the release credit when `credit` says so.
    fn learn_as(
        &mut self,
        feedback: Feedback,
        email: &Email,
        detector: &Detector,
        credit: bool,
    ) -> Option<NearCopy> {
        let observation = observe(email, &detector.authserv_ids);
        let model = &detector.model;
        let tokens = Tokens::read(&observation.facts, model.bits);
        let global = model.read(&observation.signals, &tokens.buckets).unwanted_logit();
        if self.layer.bits != model.bits {
            self.layer = Layer { bits: model.bits, weights: BTreeMap::new() };
        }
        let features = features(&observation.facts, &tokens, detector);
        let target = target(feedback, &detector.thresholds);
        for _ in 0..STEPS {
            let now = global + self.layer.score(&features).clamp(-MAX_SHIFT, MAX_SHIFT);
            let need = match feedback {
                Feedback::Released => (target - now).min(0.0),
                Feedback::Reported => (target - now).max(0.0),
            };
            if need == 0.0 {
                break;
            }
            self.layer.step(&features, need.clamp(-MAX_STEP, MAX_STEP), feedback);
        }
        // A released sender the server authenticated is credited at least as a known
        // correspondent is: how far the released mail stood above the threshold says
        // nothing of how far that sender's next mail will (a passive-aggressive step alone
        // kept the next one in Junk whenever the model scored it higher).
        if credit && feedback == Feedback::Released {
            let credited = self.layer.group_score(&features, Group::Sender);
            if credited > -RELEASE_CREDIT {
                self.layer.nudge(&features, Group::Sender, -RELEASE_CREDIT - credited);
            }
        }
        self.layer.prune();
        let authenticated = who_sends(&observation.facts, detector).is_some();
        let copy = near_copy(feedback, &observation.facts, authenticated)?;
        // A release of the very mail the user reported takes the report back: its digest
        // would go on moving the mail's near-copies, and win a tie against this one.
        self.copies.retain(|old| !old.taken_back_by(&copy));
        self.copies.push_back(copy.clone());
        self.evict();
        Some(copy)
    }

    /// What this account's learning adds to a mail the global model read as `reading`.
    pub fn weigh(&self, facts: &Facts<'_>, tokens: &Tokens, reading: &Reading, detector: &Detector) -> Share {
        let global = reading.unwanted_logit();
        let mut learned = if self.layer.bits == detector.model.bits {
            self.layer.score(&features(facts, tokens, detector)).clamp(-MAX_SHIFT, MAX_SHIFT)
        } else {
            0.0
        };
        // Learned weights alone may mark a suspicious mail, never a clean one, and never
        // move one: their positive share stops short of the lowest threat threshold. Only
        // a near-copy of a reported mail moves mail the global model leaves.
        if learned > 0.0 {
            let thresholds = &detector.thresholds;
            let room = logit(thresholds.threat.min(thresholds.extortion)) - ROOM_BELOW_THREAT - global;
            let gated = global < logit(thresholds.suspicious);
            learned = if gated { 0.0 } else { learned.min(room.max(0.0)) };
        }
        // A release vouches for its sender only as the receiving server vouches for it.
        let authenticated = who_sends(facts, detector).is_some();
        // Someone the user writes to, vouched for by the server, is not moved for a mail a
        // stranger copied from them into Junk (the provider's filter reports as a drag does).
        let vouched =
            detector.known_correspondents.vouched_sender(facts.email, &detector.authserv_ids).is_some();
        let near = self.nearest(facts, authenticated, vouched);
        let shift = match near {
            Some((Feedback::Reported, _)) => {
                let target = target(Feedback::Reported, &detector.thresholds);
                learned.max(target - global).min(MAX_NEAR_SHIFT)
            }
            Some((Feedback::Released, _)) => {
                let target = target(Feedback::Released, &detector.thresholds);
                learned.min(target - global).max(-MAX_NEAR_SHIFT)
            }
            None => learned,
        };
        Share { shift, near }
    }
}

/// The log-odds a mail the user gave `feedback` on should land beyond: [`MARGIN`] below
/// the suspicious threshold for a release, above the higher threat threshold for a report.
fn target(feedback: Feedback, thresholds: &Thresholds) -> f32 {
    match feedback {
        Feedback::Released => logit(thresholds.suspicious) - MARGIN,
        Feedback::Reported => logit(thresholds.threat.max(thresholds.extortion)) + MARGIN,
    }
}

#[cfg(test)]
mod attacks;
#[cfg(test)]
mod attacks_harms;
#[cfg(test)]
mod attacks_relay;
#[cfg(test)]
mod relayed;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod units;
