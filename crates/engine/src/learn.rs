//! Training: labelled mails in, a [`Model`] out, with the cross-validated figures that
//! say how well it will do on mail it has not seen.
//!
//! Multinomial logistic regression (ham against extortion, phishing and other spam),
//! fitted by stochastic gradient descent with AdaGrad steps and an L2 penalty, keeping the
//! mean of the parameters over the epochs (`Average`). Each rule
//! signal's factor is pulled toward its prior (1 for its own category) rather than toward
//! zero, so a signal the data says little about keeps its hand-set weight; token weights
//! are pulled toward zero. Everything is deterministic: examples in the order given, a
//! fixed-seed shuffle per epoch, one thread, so the same input writes the same bytes.

pub mod folds;

use std::collections::HashMap;

use crate::detect::model::{Model, PRIOR_BIAS, Row, features, softmax, token_sums};
use crate::detect::score::judge;
use crate::detect::signals::{FRAUD, SignalId, weighs_as_fraud};
use crate::detect::{Category, Label, Thresholds, observe};
use crate::mail::Email;

/// The label of a training mail, read from the name of its nearest labelled folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    Ham,
    Extortion,
    Phishing,
    Other,
}

impl Class {
    pub const ALL: [Class; 4] = [Class::Ham, Class::Extortion, Class::Phishing, Class::Other];

    /// The class a folder (or relabel entry) names: `ham`, `extortion`, `phishing`, `other`.
    pub fn named(name: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|c| c.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Class::Ham => "ham",
            Class::Extortion => "extortion",
            Class::Phishing => "phishing",
            Class::Other => "other",
        }
    }

    /// Position in a probability array (ham first).
    fn position(self) -> usize {
        self as usize
    }
}

/// One training mail as the model sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub class: Class,
    /// A copy made for training only (see [`without_authentication`]): learned from, never
    /// counted in the figures or the thresholds.
    pub copy: bool,
    /// How much the example counts in training (1 by default; see [`weigh_sources`]).
    pub weight: f32,
    /// Signal index in the [`SignalSpace`] and the summed default weight it fired with.
    pub signals: Vec<(usize, f32)>,
    pub buckets: Vec<u32>,
}

/// What reading one training mail gives, before its signals are numbered: the part of
/// training that can run on many threads.
#[derive(Debug, Clone)]
pub struct Observed {
    pub class: Class,
    pub copy: bool,
    signals: Vec<(&'static str, Category, f32)>,
    buckets: Vec<u32>,
    /// For the folds: see [`folds::skeletons`].
    pub skeletons: [String; 2],
}

/// Runs the rules and the tokenizer over a training mail of `class`.
pub fn read(email: &Email, class: Class, copy: bool, bits: u32) -> Observed {
    let observation = observe(email, &[]);
    let buckets = features::Tokens::read(&observation.facts, bits).buckets;
    let signals = observation.signals.iter().map(|s| (s.rule(), s.category(), s.weight())).collect();
    Observed { class, copy, signals, buckets, skeletons: folds::skeletons(email) }
}

/// The signals seen while reading the training mails, each with its category.
#[derive(Debug, Clone, Default)]
pub struct SignalSpace {
    names: Vec<(String, Category)>,
    index: HashMap<&'static str, usize>,
}

impl SignalSpace {
    /// Numbers the signals of `observed`, summing the weights of one signal given twice.
    pub fn add(&mut self, observed: &Observed) -> Example {
        let mut signals: Vec<(usize, f32)> = Vec::new();
        for &(name, category, weight) in &observed.signals {
            let next = self.names.len();
            let index = *self.index.entry(name).or_insert(next);
            if index == next {
                self.names.push((name.to_string(), category));
            }
            match signals.iter_mut().find(|(i, _)| *i == index) {
                Some((_, sum)) => *sum += weight,
                None => signals.push((index, weight)),
            }
        }
        Example {
            class: observed.class,
            copy: observed.copy,
            weight: 1.0,
            signals,
            buckets: observed.buckets.clone(),
        }
    }

    /// Reads `email` into an example of `class` in one step.
    pub fn example(&mut self, email: &Email, class: Class, bits: u32) -> Example {
        self.add(&read(email, class, false, bits))
    }
}

/// How to fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    pub bits: u32,
    pub epochs: usize,
    /// AdaGrad's base step.
    pub rate: f32,
    /// L2 pull of token weights toward zero, per update. Lighter pulls (2e-5, 3e-5) lift
    /// cross-validated phishing by about three points but mark development ham: the words
    /// of the training ham's few shop invoices and promotions do not carry over (README,
    /// "Detection quality").
    pub token_penalty: f32,
    /// L2 pull of signal factors toward their priors, per update.
    pub signal_penalty: f32,
    /// How many times more a ham counts in the loss than its class's size alone makes it
    /// (see `class_weights`). The thresholds sit where the false-positive budget is
    /// spent, at the top of the ham tail; weighing ham up makes the fit push that tail
    /// down, at the price of scams that score far above any threshold anyway. 4 moved the
    /// cross-validated phishing at the budget from 81% to 87% with no development ham
    /// flagged; 8 and more flagged development ham (README, "The learned model").
    pub ham_weight: f32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            bits: 18,
            epochs: 60,
            rate: 0.3,
            token_penalty: 1e-4,
            signal_penalty: 1e-3,
            ham_weight: 4.0,
        }
    }
}

/// A parameter block with its AdaGrad memory.
struct Learned {
    values: Vec<Row>,
    squares: Vec<Row>,
}

impl Learned {
    fn new(values: Vec<Row>) -> Self {
        let squares = vec![[1e-6; 3]; values.len()];
        Learned { values, squares }
    }

    /// One AdaGrad step on row `at`: `gradient` per class plus `penalty` toward `prior`.
    fn step(&mut self, at: usize, gradient: Row, penalty: f32, prior: Row, rate: f32) {
        let (Some(values), Some(squares)) = (self.values.get_mut(at), self.squares.get_mut(at)) else {
            return;
        };
        for ((value, square), (g, p)) in
            values.iter_mut().zip(squares.iter_mut()).zip(gradient.into_iter().zip(prior))
        {
            let g = g + penalty * (*value - p);
            *square += g * g;
            *value -= rate * g / square.sqrt();
        }
    }
}

/// The running sum of the parameters after each epoch, for their mean (Polyak-Ruppert
/// averaging). The last epoch's values wander with the order of its last few hundred
/// examples; their mean over the epochs does not, and ranks unseen mail better where
/// the thresholds sit: cross-validated phishing at the budget 86.8% → 90.0%, at every
/// looser budget the same or better (README, "The learned model").
#[derive(Default)]
struct Average {
    sums: Option<[Vec<Row>; 3]>,
    count: f32,
}

impl Average {
    /// Adds one epoch's signal factors, token weights and bias.
    fn add(&mut self, blocks: [&[Row]; 3]) {
        let sums = self.sums.get_or_insert_with(|| blocks.map(|b| vec![[0.0; 3]; b.len()]));
        for (sum, block) in sums.iter_mut().zip(blocks) {
            for (total, row) in sum.iter_mut().zip(block) {
                total.iter_mut().zip(row).for_each(|(t, v)| *t += v);
            }
        }
        self.count += 1.0;
    }

    /// The mean of what was added; `None` when nothing was.
    fn mean(self) -> Option<[Vec<Row>; 3]> {
        let count = self.count;
        self.sums.map(|sums| sums.map(|rows| rows.into_iter().map(|row| row.map(|v| v / count)).collect()))
    }
}

/// Fits a model on `examples` (thresholds left for [`choose_thresholds`]): the mean of
/// the parameters over the epochs (see `Average`).
pub fn fit(examples: &[&Example], space: &SignalSpace, options: &Options) -> Model {
    let priors: Vec<Row> = space.names.iter().map(|(_, category)| Model::prior_factors(*category)).collect();
    let mut signals = Learned::new(priors.clone());
    let mut tokens = Learned::new(vec![[0.0; 3]; 1 << options.bits]);
    let mut bias = Learned::new(vec![[PRIOR_BIAS; 3]]);
    let weights = class_weights(examples, options.ham_weight);
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut random = Shuffle(0x5eed_1234_abcd_ef01);
    let mut average = Average::default();
    for _ in 0..options.epochs {
        random.shuffle(&mut order);
        for example in order.iter().filter_map(|&i| examples.get(i)) {
            let model_bias = bias.values.first().copied().unwrap_or([PRIOR_BIAS; 3]);
            let mut logits = model_bias;
            for &(index, weight) in &example.signals {
                let factors = signals.values.get(index).copied().unwrap_or_default();
                logits.iter_mut().zip(factors).for_each(|(l, f)| *l += f * weight);
            }
            // Added up as in scoring; where the tokens are held at the limit, they get no
            // gradient for that class.
            let count = example.buckets.len();
            let rows = example.buckets.iter().filter_map(|&b| tokens.values.get(b as usize));
            let (sums, held) = token_sums(rows, count);
            logits.iter_mut().zip(sums).for_each(|(l, sum)| *l += sum);
            let scale = crate::detect::model::token_scale(count);
            let probabilities = softmax(logits);
            let weight = weights.get(example.class.position()).copied().unwrap_or(1.0) * example.weight;
            let mut error = [0.0_f32; 3];
            for (class, slot) in error.iter_mut().enumerate() {
                let truth = if example.class.position() == class + 1 { 1.0 } else { 0.0 };
                *slot = (probabilities.get(class + 1).copied().unwrap_or(0.0) - truth) * weight;
            }
            bias.step(0, error, 0.0, [0.0; 3], options.rate);
            for &(index, value) in &example.signals {
                let prior = priors.get(index).copied().unwrap_or_default();
                signals.step(index, error.map(|e| e * value), options.signal_penalty, prior, options.rate);
            }
            let mut token_error = error;
            token_error.iter_mut().zip(held).filter(|(_, held)| *held).for_each(|(e, _)| *e = 0.0);
            for &bucket in &example.buckets {
                tokens.step(
                    bucket as usize,
                    token_error.map(|e| e * scale),
                    options.token_penalty,
                    [0.0; 3],
                    options.rate,
                );
            }
        }
        average.add([&signals.values, &tokens.values, &bias.values]);
    }
    let [signals, tokens, bias] = average.mean().unwrap_or([signals.values, tokens.values, bias.values]);
    let names = space.names.iter().map(|(name, _)| name.clone());
    Model::new(
        options.bits,
        bias.first().copied().unwrap_or([PRIOR_BIAS; 3]),
        names.zip(signals).collect(),
        tokens,
        Thresholds::uniform(0.5, 0.5),
    )
}

/// Each class weighs by the square root of how rare it is (capped), so a few hundred
/// extortion mails are not drowned by thousands of ham without being copied over; ham then
/// by `ham_weight` on top (see [`Options::ham_weight`]).
fn class_weights(examples: &[&Example], ham_weight: f32) -> [f32; 4] {
    let mut counts = [0usize; 4];
    for example in examples {
        if let Some(count) = counts.get_mut(example.class.position()) {
            *count += 1;
        }
    }
    let largest = counts.iter().copied().max().unwrap_or(1).max(1) as f32;
    let mut weights =
        counts.map(|count| if count == 0 { 1.0 } else { (largest / count as f32).sqrt().min(4.0) });
    if let Some(ham) = weights.get_mut(Class::Ham.position()) {
        *ham *= ham_weight;
    }
    weights
}

/// What a model makes of an example: what the verdict is judged from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// Ham, extortion, phishing, other.
    pub probabilities: [f32; 4],
    /// When a fraud signal fired, the probability that the mail is unwanted without it
    /// (see `score::judge`).
    pub fraud: Option<f32>,
}

impl Prediction {
    /// A prediction of `probabilities` for a mail where no fraud signal fired.
    pub fn of(probabilities: [f32; 4]) -> Prediction {
        Prediction { probabilities, fraud: None }
    }
}

/// The model's prediction for an example.
pub fn predict(model: &Model, example: &Example, space: &SignalSpace) -> Prediction {
    let name = |index: usize| space.names.get(index).map(|(name, _)| name.as_str());
    let factors = |index: usize| name(index).and_then(|name| model.factors_named(name)).unwrap_or_default();
    let signals = example.signals.iter().map(|&(index, weight)| (factors(index), weight));
    let reading = model.read_weighed(signals, &example.buckets);
    let id = |index: usize| name(index).and_then(SignalId::from_name);
    let fraud = weighs_as_fraud(example.signals.iter().filter_map(|&(index, _)| id(index))).then(|| {
        let fraud_signals =
            example.signals.iter().filter(|(index, _)| id(*index).is_some_and(|i| FRAUD.contains(&i)));
        1.0 - reading.without(fraud_signals.map(|&(index, weight)| (factors(index), weight))).ham()
    });
    Prediction { probabilities: reading.probabilities, fraud }
}

/// What `thresholds` make of a prediction, as classification judges it (without the
/// decisive signals, which cross-validation does not see).
pub fn label_of(prediction: &Prediction, thresholds: &Thresholds) -> Label {
    judge(&prediction.probabilities, thresholds, false, prediction.fraud).0
}

/// Out-of-fold probabilities: each example scored by a model fitted without its fold.
pub fn cross_validate(
    examples: &[Example],
    fold_of: &[usize],
    folds: usize,
    space: &SignalSpace,
    options: &Options,
) -> Vec<Prediction> {
    let mut out = vec![Prediction::of([1.0, 0.0, 0.0, 0.0]); examples.len()];
    for fold in 0..folds {
        let training: Vec<&Example> =
            examples.iter().zip(fold_of).filter(|(_, f)| **f != fold).map(|(e, _)| e).collect();
        let model = fit(&training, space, options);
        for ((example, f), slot) in examples.iter().zip(fold_of).zip(out.iter_mut()) {
            if *f == fold {
                *slot = predict(&model, example, space);
            }
        }
    }
    out
}

/// The lowest thresholds whose false positives on the ham stay within `budget` (a
/// fraction: 0.001 is 0.1%), a suspicious ham counting half: first the extortion
/// threshold within a quarter of the budget, then the threat threshold for the rest (the
/// suspicious one equal to it), then the suspicious one as low as what is left allows.
/// None goes below even odds.
pub fn choose_thresholds(examples: &[Example], predictions: &[Prediction], budget: f32) -> Thresholds {
    // Each ham counts with its training weight (see `weigh_sources`): the budget is spent
    // on the mail a user gets, not on whichever source the corpus holds most of.
    let ham: Vec<(Prediction, f64)> = examples
        .iter()
        .zip(predictions)
        .filter(|(e, _)| e.class == Class::Ham && !e.copy)
        .map(|(e, p)| (*p, f64::from(e.weight)))
        .collect();
    let allowed = f64::from(budget) * ham.iter().map(|(_, w)| w).sum::<f64>();
    let cost = |thresholds: Thresholds| {
        let mut cost = 0.0;
        for (p, weight) in &ham {
            cost += weight
                * match label_of(p, &thresholds) {
                    Label::Threat => 1.0,
                    Label::Suspicious => 0.5,
                    Label::Clean => 0.0,
                };
        }
        cost
    };
    // Candidate values: every ham score just passed, from the top down.
    let mut candidates: Vec<f32> = ham
        .iter()
        .map(|(p, _)| 1.0 - p.probabilities.first().copied().unwrap_or(1.0))
        .filter(|u| *u >= 0.5)
        .collect();
    candidates.sort_by(|a, b| b.total_cmp(a));
    // Each candidate is tried just above a ham score, from the top down, and last the floor
    // of 0.5: when every ham that scored 0.5 or more fits the budget (or none did), the
    // threshold goes down to the floor rather than staying at the start, where nothing
    // would ever be flagged.
    let lowest_within_budget = |make: &dyn Fn(f32) -> Thresholds, start: f32, budget: f64| {
        let mut best = start;
        let values = candidates.iter().map(|c| ((c * 1000.0).floor() + 1.0) / 1000.0).chain([0.5]);
        for value in values.map(|v| v.min(start)) {
            if cost(make(value)) > budget {
                break;
            }
            best = value;
        }
        best
    };
    let lowest_within =
        |make: &dyn Fn(f32) -> Thresholds, start: f32| lowest_within_budget(make, start, allowed);
    // Extortion first, with a quarter of the budget: few ham read like extortion, so its
    // threshold can sit lower than the one for everything else.
    let quarter = allowed / 4.0;
    let extortion_only =
        |e: f32| Thresholds { suspicious: f32::INFINITY, threat: f32::INFINITY, extortion: e };
    let extortion = lowest_within_budget(&extortion_only, 1.0, quarter).max(0.5);
    let threat = lowest_within(&|t| Thresholds { suspicious: t, threat: t, extortion }, 1.0).max(0.5);
    let suspicious =
        lowest_within(&|s| Thresholds { suspicious: s, threat, extortion }, threat).clamp(0.5, threat);
    Thresholds { suspicious, threat, extortion }
}

/// How one class fared: how many were marked threat, suspicious, or left clean.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Figures {
    pub total: usize,
    pub threat: usize,
    pub suspicious: usize,
}

impl Figures {
    /// For scams: the share marked threat; for ham, the false-positive rate with
    /// suspicious counting half.
    pub fn rate(&self, class: Class) -> f64 {
        let total = self.total.max(1) as f64;
        match class {
            Class::Ham => (self.threat as f64 + self.suspicious as f64 / 2.0) / total,
            Class::Other => (self.threat + self.suspicious) as f64 / total,
            _ => self.threat as f64 / total,
        }
    }
}

/// Per class, what the thresholds make of the probabilities.
pub fn figures(examples: &[Example], predictions: &[Prediction], thresholds: &Thresholds) -> [Figures; 4] {
    let mut out = [Figures::default(); 4];
    for (example, p) in examples.iter().zip(predictions).filter(|(e, _)| !e.copy) {
        if let Some(figures) = out.get_mut(example.class.position()) {
            figures.total += 1;
            match label_of(p, thresholds) {
                Label::Threat => figures.threat += 1,
                Label::Suspicious => figures.suspicious += 1,
                Label::Clean => {}
            }
        }
    }
    out
}

/// Weighs each example by how rare its source is within its class: the square root of
/// the class's typical (median) source size over its own source's size, held between
/// 1/4 and 4. A corpus gathered from a few large sources (thousands of 2002 list posts)
/// and many small ones (a few dozen modern shop mails) would otherwise teach mostly what
/// the large ones look like. `sources` holds each example's source name.
pub fn weigh_sources(examples: &mut [Example], sources: &[String]) {
    let mut sizes: HashMap<(Class, &str), usize> = HashMap::new();
    for (example, source) in examples.iter().zip(sources) {
        *sizes.entry((example.class, source.as_str())).or_default() += 1;
    }
    let mut typical: HashMap<Class, f32> = HashMap::new();
    for class in Class::ALL {
        let mut counts: Vec<usize> =
            sizes.iter().filter(|((c, _), _)| *c == class).map(|(_, n)| *n).collect();
        counts.sort_unstable();
        if let Some(median) = counts.get(counts.len() / 2) {
            typical.insert(class, *median as f32);
        }
    }
    for (example, source) in examples.iter_mut().zip(sources) {
        let size = sizes.get(&(example.class, source.as_str())).copied().unwrap_or(1).max(1) as f32;
        let median = typical.get(&example.class).copied().unwrap_or(size);
        example.weight = (median / size).sqrt().clamp(0.25, 4.0);
    }
}

/// A fixed-seed xorshift shuffle: reproducible everywhere, no dependency.
struct Shuffle(u64);

impl Shuffle {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn shuffle(&mut self, items: &mut [usize]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// Header fields that carry a receiving server's authentication verdict.
const AUTHENTICATION_FIELDS: [&str; 5] =
    ["authentication-results", "received-spf", "dkim-signature", "arc-", "x-ms-exchange-authentication"];

/// `raw` without its authentication header fields (continuation lines included): a
/// second copy of generated mail, whose generator makes ham always pass and scams always
/// fail, so that the model learns the mail and not the generator.
pub fn without_authentication(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut skipping = false;
    let mut in_header = true;
    for line in raw.split_inclusive(|&b| b == b'\n') {
        if in_header {
            if line == b"\r\n" || line == b"\n" {
                in_header = false;
            } else if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
                if skipping {
                    continue;
                }
            } else {
                let name = String::from_utf8_lossy(line.get(..line.len().min(40)).unwrap_or_default())
                    .to_ascii_lowercase();
                skipping = AUTHENTICATION_FIELDS.iter().any(|f| name.starts_with(f));
                if skipping {
                    continue;
                }
            }
        }
        out.extend_from_slice(line);
    }
    out
}

#[cfg(test)]
mod tests;
