//! The learned model: one linear score per kind of unwanted mail, over the rule signals
//! and the hashed tokens of [`features`], turned into probabilities.
//!
//! For each class `c` (extortion, phishing, other spam) the model adds a bias, each rule
//! signal's default weight times a learned factor, and a learned weight per token bucket;
//! ham scores zero, and a softmax over the four makes probabilities. An untrained model
//! (factor 1 for a signal's own category, no token weights, bias −6) reproduces the
//! hand-weighted rules: a message whose signals sum to 6 is even odds. Training (see
//! [`crate::learn`]) moves the factors from there only as far as the data asks, and learns
//! the token weights, so every contribution `explain` shows is a number in the model
//! file, not a literal in code.

pub mod features;
mod format;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use super::{Category, Signal, Thresholds};

pub use format::{MAX_FILE_BYTES, ModelError};

/// The classes the model scores against ham, in the order of its weight rows.
pub const CLASSES: [Category; 3] = [Category::Extortion, Category::Phishing, Category::Other];

/// The model shipped in the binary (trained as the README's "How it decides" says).
static EMBEDDED: &[u8] = include_bytes!("../../model/scamguard.model");

/// The bias an untrained model starts from: the old threat threshold, so that the
/// default weights read as log-odds.
pub const PRIOR_BIAS: f32 = -6.0;

/// The most the tokens may take off a class's score. Words are the one part of a mail its
/// author writes freely: a scam padded with thousands of words that ham uses ("word salad",
/// shown or hidden) would otherwise talk its strong rule evidence down to ham, since the
/// token sum grows with the square root of the number of words. 3, with the training that
/// applies the same limit, left the development ham without a false positive where 5 let
/// one through (README, "How it decides").
pub const MAX_TOKEN_DISCOUNT: f32 = 3.0;

/// Weights per class for one feature.
pub type Row = [f32; 3];

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Token buckets are `1 << bits`.
    pub bits: u32,
    pub bias: Row,
    /// Learned factors on each signal's default weight, by signal name.
    pub signals: Vec<(String, Row)>,
    index: HashMap<String, usize>,
    /// One row per token bucket.
    pub tokens: Vec<Row>,
    /// The thresholds training chose for the false-positive budget.
    pub thresholds: Thresholds,
}

/// The model's reading of one message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// Ham, extortion, phishing, other spam; they sum to 1.
    pub probabilities: [f32; 4],
    /// The linear score of each class against ham.
    pub logits: Row,
    /// The part of each score the tokens gave (held at the limit, see [`token_sums`]).
    pub tokens: Row,
}

impl Reading {
    pub fn ham(&self) -> f32 {
        self.probabilities[0]
    }

    pub fn of(&self, class: usize) -> f32 {
        self.probabilities.get(class + 1).copied().unwrap_or(0.0)
    }

    /// The log-odds of unwanted mail against ham: ln((1 - P(ham)) / P(ham)).
    pub fn unwanted_logit(&self) -> f32 {
        let top = self.logits.iter().copied().fold(f32::MIN, f32::max);
        top + self.logits.iter().map(|l| (l - top).exp()).sum::<f32>().ln()
    }

    /// This reading with `shift` added to every class's score: the log-odds of unwanted
    /// mail against ham move by exactly `shift`, and the kinds keep their proportions.
    pub fn shifted(&self, shift: f32) -> Reading {
        let logits = self.logits.map(|l| l + shift);
        Reading { probabilities: softmax(logits), logits, tokens: self.tokens }
    }

    /// The reading without `signals` (their factors and the weight each fired with, as
    /// [`Model::read_weighed`] takes them): what they added taken off each unwanted
    /// class's score again (scores are sums).
    pub fn without(&self, signals: impl Iterator<Item = (Row, f32)>) -> Reading {
        let mut logits = self.logits;
        for (factors, weight) in signals {
            logits.iter_mut().zip(factors).for_each(|(logit, factor)| *logit -= factor * weight);
        }
        Reading { probabilities: softmax(logits), logits, tokens: self.tokens }
    }
}

impl Model {
    /// A model with the given parts; the signal index is built here.
    pub fn new(
        bits: u32,
        bias: Row,
        signals: Vec<(String, Row)>,
        tokens: Vec<Row>,
        thresholds: Thresholds,
    ) -> Self {
        let index = signals.iter().enumerate().map(|(i, (name, _))| (name.clone(), i)).collect();
        Model { bits, bias, signals, index, tokens, thresholds }
    }

    /// The model built into the binary, parsed once.
    pub fn embedded() -> Arc<Model> {
        static MODEL: OnceLock<Arc<Model>> = OnceLock::new();
        MODEL
            .get_or_init(|| {
                Arc::new(Model::from_bytes(EMBEDDED).expect("the embedded model is checked by a test"))
            })
            .clone()
    }

    /// The factors a signal of `category` starts from: 1 for the classes it speaks for
    /// (shared signals speak for extortion and phishing), 0 for the rest.
    pub fn prior_factors(category: Category) -> Row {
        match category {
            Category::Extortion => [1.0, 0.0, 0.0],
            Category::Phishing | Category::Malware => [0.0, 1.0, 0.0],
            Category::Other => [1.0, 1.0, 0.0],
        }
    }

    /// The learned factors of `signal` (its prior when the model never saw it).
    pub fn factors(&self, signal: &Signal) -> Row {
        self.factors_named(signal.rule()).unwrap_or_else(|| Model::prior_factors(signal.category()))
    }

    /// The learned factors of the signal stored as `name`, when the model has them.
    pub fn factors_named(&self, name: &str) -> Option<Row> {
        self.index.get(name).and_then(|&i| self.signals.get(i)).map(|(_, row)| *row)
    }

    /// What `signal` adds to the score of `class`.
    pub fn signal_contribution(&self, signal: &Signal, class: usize) -> f32 {
        self.factors(signal).get(class).copied().unwrap_or(0.0) * signal.weight()
    }

    /// What one of `count` distinct token buckets adds to the score of `class`.
    pub fn token_contribution(&self, bucket: u32, count: usize, class: usize) -> f32 {
        let weight = self.tokens.get(bucket as usize).and_then(|row| row.get(class)).copied().unwrap_or(0.0);
        weight * token_scale(count)
    }

    /// Scores the signals (as the rules weighed them) and the token buckets.
    pub fn read(&self, signals: &[Signal], buckets: &[u32]) -> Reading {
        self.read_weighed(signals.iter().map(|s| (self.factors(s), s.weight())), buckets)
    }

    /// Scores signals given as their factors and the weight they fired with, and the
    /// token buckets: what [`Model::read`] does, for callers (training) that hold the
    /// signals by number.
    pub fn read_weighed(&self, signals: impl Iterator<Item = (Row, f32)>, buckets: &[u32]) -> Reading {
        let mut logits = self.bias;
        for (factors, weight) in signals {
            for (logit, factor) in logits.iter_mut().zip(factors) {
                *logit += factor * weight;
            }
        }
        let (tokens, _) =
            token_sums(buckets.iter().filter_map(|&b| self.tokens.get(b as usize)), buckets.len());
        for (logit, tokens) in logits.iter_mut().zip(tokens) {
            *logit += tokens;
        }
        Reading { probabilities: softmax(logits), logits, tokens }
    }
}

/// What the weight rows of a mail's `count` distinct token buckets add to each class's
/// score, each sum held at no less than [`-MAX_TOKEN_DISCOUNT`](MAX_TOKEN_DISCOUNT):
/// tokens may add without bound, but take off only so much. Also says, per class, whether
/// the sum was held there (training gives held tokens no gradient). Scoring and training
/// both add tokens up here, so they cannot disagree.
pub fn token_sums<'a>(rows: impl Iterator<Item = &'a Row>, count: usize) -> (Row, [bool; 3]) {
    let scale = token_scale(count);
    let mut sums = [0.0; 3];
    for row in rows {
        for (sum, weight) in sums.iter_mut().zip(row) {
            *sum += weight * scale;
        }
    }
    (sums.map(|s| s.max(-MAX_TOKEN_DISCOUNT)), sums.map(|s| s < -MAX_TOKEN_DISCOUNT))
}

/// Each token counts `1/sqrt(n)` of `n`: a long mail's many words do not outvote the
/// rules by their number alone.
pub fn token_scale(count: usize) -> f32 {
    if count == 0 { 0.0 } else { 1.0 / (count as f32).sqrt() }
}

/// Probabilities of ham (score 0) and the classes.
pub fn softmax(logits: Row) -> [f32; 4] {
    let top = logits.iter().copied().fold(0.0_f32, f32::max);
    let [a, b, c] = logits.map(|l| (l - top).exp());
    let ham = (-top).exp();
    let sum = ham + a + b + c;
    [ham / sum, a / sum, b / sum, c / sum]
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::detect::SignalId;

    fn untrained(bias: f32) -> Model {
        Model::new(4, [bias; 3], Vec::new(), vec![[0.0; 3]; 16], Thresholds::uniform(0.5, 0.9))
    }

    #[test]
    fn an_untrained_model_reads_the_rule_weights_as_log_odds() {
        let claim = Signal::new(SignalId::ClaimsRecording, "");
        assert_eq!(claim.category(), Category::Extortion);
        let even = untrained(-claim.weight()).read(&[claim], &[]);
        assert!((even.of(0) - even.ham()).abs() < 1e-4, "{even:?}");
        // A shared signal speaks for extortion and phishing, not for other spam.
        let shared = Signal::new(SignalId::ReplyToElsewhere, "");
        assert_eq!(shared.category(), Category::Other);
        let read = untrained(0.0).read(std::slice::from_ref(&shared), &[]);
        assert_eq!(read.logits, [shared.weight(), shared.weight(), 0.0]);
        let sum: f32 = read.probabilities.iter().sum();
        assert!((sum - 1.0).abs() < 1e-5);
    }

    #[test]
    fn learned_factors_and_token_weights_count() {
        let claim = Signal::new(SignalId::ClaimsRecording, "");
        let mut tokens = vec![[0.0; 3]; 16];
        tokens[3] = [0.0, 4.0, 0.0];
        let learned = vec![(claim.rule().to_string(), [2.0, 0.0, 0.0])];
        let model = Model::new(4, [0.0; 3], learned, tokens, Thresholds::uniform(0.5, 0.9));
        let read = model.read(std::slice::from_ref(&claim), &[3, 5, 7, 9]);
        assert_eq!(read.logits, [2.0 * claim.weight(), 2.0, 0.0]);
        assert_eq!(model.token_contribution(3, 4, 1), 2.0);
        assert_eq!(model.signal_contribution(&claim, 0), 2.0 * claim.weight());
        // A signal the model never saw keeps its prior.
        let login = Signal::new(SignalId::AsksForLogin, "");
        assert_eq!(model.signal_contribution(&login, 1), login.weight());
    }

    #[test]
    fn tokens_take_off_at_most_the_discount_however_many_there_are() {
        let tokens = vec![[-1.0, -1.0, 2.0]; 1 << 10];
        let model = Model::new(10, [0.0; 3], Vec::new(), tokens, Thresholds::uniform(0.5, 0.9));
        let few: Vec<u32> = (0..4).collect();
        assert_eq!(model.read(&[], &few).tokens, [-2.0, -2.0, 4.0]);
        let many: Vec<u32> = (0..1024).collect();
        let held = [-MAX_TOKEN_DISCOUNT, -MAX_TOKEN_DISCOUNT, 64.0];
        assert_eq!(model.read(&[], &many).tokens, held);
        assert_eq!(model.read(&[], &many).logits, held);
        // Training is told which sums were held, to give them no gradient.
        let rows = many.iter().filter_map(|&b| model.tokens.get(b as usize));
        assert_eq!(token_sums(rows, many.len()), (held, [true, true, false]));
    }

    /// Untrained, a mail no rule fired on is ham: the prior bias is the old threshold
    /// read as log-odds against, not for.
    #[test]
    fn an_untrained_model_calls_a_mail_without_signals_ham() {
        let read = untrained(PRIOR_BIAS).read(&[], &[]);
        assert!(read.ham() > 0.99, "{read:?}");
        let reading = Reading { probabilities: [0.1, 0.2, 0.3, 0.4], logits: [0.0; 3], tokens: [0.0; 3] };
        assert_eq!(
            [reading.of(0), reading.of(1), reading.of(2)],
            [0.2, 0.3, 0.4],
            "class n is probability n + 1"
        );
    }

    /// A sum exactly at the limit is not held (training still learns from it); one below,
    /// or far below, is.
    #[test]
    fn token_sums_are_held_only_below_the_discount() {
        let at = [[-MAX_TOKEN_DISCOUNT, 0.0, 1.0]];
        assert_eq!(token_sums(at.iter(), 1), ([-MAX_TOKEN_DISCOUNT, 0.0, 1.0], [false; 3]));
        let below = [[-MAX_TOKEN_DISCOUNT - 0.5, -0.5, MAX_TOKEN_DISCOUNT + 1.0]];
        assert_eq!(
            token_sums(below.iter(), 1),
            ([-MAX_TOKEN_DISCOUNT, -0.5, MAX_TOKEN_DISCOUNT + 1.0], [true, false, false])
        );
    }

    #[test]
    fn softmax_survives_extreme_scores() {
        for logits in [[1e30, 0.0, -1e30], [-1e30; 3], [88.0, 89.0, 90.0]] {
            let p = softmax(logits);
            assert!(p.iter().all(|x| x.is_finite() && (0.0..=1.0).contains(x)), "{logits:?} {p:?}");
        }
    }

    #[test]
    fn the_embedded_model_loads() {
        let model = Model::embedded();
        assert_eq!(model.tokens.len(), 1 << model.bits);
        assert!(model.thresholds.suspicious <= model.thresholds.threat);
    }
}
