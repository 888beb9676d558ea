//! Pure classification: [`Email`] in, [`Verdict`] out, with every signal that fired and
//! the evidence behind it.
//!
//! The text is read once: [`Facts`] gathers what the rules need (claim families, wallet
//! addresses, amounts, deadlines, brands, links) in a few passes, then each rule in
//! [`rules::RULES`] looks at the facts and may add a [`Signal`]. What a signal is worth,
//! its category and kind are one row of [`signals::SIGNALS`]. The learned [`model`] reads
//! the signals and the mail's hashed tokens and gives the probability of each kind of
//! unwanted mail; [`score`] turns that into the label and category and orders the signals
//! strongest first (each showing what it added). The lists the rules read are data in
//! [`tables`]. Knows only [`crate::mail`].

pub mod brands;
pub mod checksum;
pub mod correspondents;
pub mod model;
pub mod money;
pub mod personal;
pub mod phrases;
pub mod rules;
pub mod score;
pub mod sieve;
pub mod signals;
pub mod tables;
pub mod wallet;

use std::cell::OnceCell;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::mail::auth::AuthservId;
use crate::mail::{Authentication, Email, Link, url};
use brands::Brand;
use correspondents::KnownCorrespondents;
use model::{Model, Reading};
use money::{Amount, Deadline};
use phrases::Findings;
pub use signals::{Kind, Signal, SignalId};
use wallet::WalletAddress;

/// The kind of threat a signal (and a verdict) points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Extortion,
    Phishing,
    Malware,
    /// Signals that support any category (forged headers), and verdicts with no threat.
    Other,
}

/// What the user should do with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Clean,
    Suspicious,
    Threat,
}

impl Label {
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Clean => "clean",
            Label::Suspicious => "suspicious",
            Label::Threat => "threat",
        }
    }
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Extortion => "extortion",
            Category::Phishing => "phishing",
            Category::Malware => "malware",
            Category::Other => "other",
        }
    }
}

/// Evidence kept beside the verdict for history and reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Evidence {
    pub wallets: Vec<WalletAddress>,
    pub amounts: Vec<Amount>,
    pub deadlines: Vec<Deadline>,
    /// A password the mail shows the recipient ("I know your password: hunter2"). The
    /// user should change it wherever it is still used.
    pub shown_password: Option<String>,
}

/// The outcome of classifying one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// The probability that the mail is unwanted (extortion, phishing or other spam).
    pub score: f32,
    pub label: Label,
    pub category: Category,
    pub probabilities: Probabilities,
    pub signals: Vec<Signal>,
    pub evidence: Evidence,
}

/// Probability limits for the labels: `threat` applies to the probability that a mail is
/// extortion or phishing, `suspicious` to the probability that it is unwanted at all. The
/// model file carries the values training chose for the false-positive budget; the
/// configuration may override them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub suspicious: f32,
    pub threat: f32,
    /// The threat threshold for mail most likely extortion. Ham rarely reads like
    /// extortion (an advisory that retells one does), so training can set it lower than
    /// the phishing one, where brands' own mail crowds the top of the ham.
    pub extortion: f32,
}

impl Thresholds {
    /// One threat threshold for every kind.
    pub fn uniform(suspicious: f32, threat: f32) -> Self {
        Thresholds { suspicious, threat, extortion: threat }
    }
}

/// Everything classification needs besides the mail: the label thresholds, and whose
/// Authentication-Results headers to believe (the receiving server's `authserv-id`, per
/// account; empty: the topmost header's, see [`Authentication::trusted`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Detector {
    pub model: Arc<Model>,
    pub thresholds: Thresholds,
    pub authserv_ids: Vec<AuthservId>,
    /// Whether other spam (marketing, pharma, casino) above the threat threshold counts as a
    /// threat and is moved; by default it is only marked suspicious.
    pub move_other: bool,
    /// The addresses the account has written to (see [`correspondents`]); empty for mail
    /// read from files.
    pub known_correspondents: KnownCorrespondents,
    /// What the account learned from its user (see [`personal`]); without it, verdicts
    /// are the global model's alone.
    pub personal: Option<Arc<personal::Personal>>,
}

impl Default for Detector {
    /// The embedded model with its own thresholds.
    fn default() -> Self {
        Detector::with_model(Model::embedded())
    }
}

impl Detector {
    /// A detector reading with `model` at the model's thresholds.
    pub fn with_model(model: Arc<Model>) -> Self {
        Detector {
            thresholds: model.thresholds,
            model,
            authserv_ids: Vec::new(),
            move_other: false,
            known_correspondents: KnownCorrespondents::default(),
            personal: None,
        }
    }
}

/// What the rules read, gathered once per message.
pub struct Facts<'a> {
    pub email: &'a Email,
    /// What the receiving server found about the sender, read only from the headers it
    /// wrote: rules read authentication here, never from the mail's headers directly.
    pub authentication: Authentication,
    pub families: Findings<'a>,
    pub wallets: Vec<WalletAddress>,
    pub deadlines: Vec<Deadline>,
    /// Brands named in the From display name.
    pub brands_in_sender: Vec<&'static Brand>,
    /// Brands named in the subject.
    pub brands_in_subject: Vec<&'static Brand>,
    /// Lower-cased hosts of every link, in order.
    pub link_hosts: Vec<String>,
    /// The lower-cased domain of the From address; empty when it has none.
    pub sender_domain: String,
    /// Where the sender's registrable domain starts in `sender_domain` (see
    /// [`Facts::sender_site`]): looked up in the public-suffix list once, for every rule
    /// and token that compares a domain with the sender's.
    sender_site_at: usize,
    /// The forwarded message's sender, read on first request (see `forwarded_sender`).
    forwarded: OnceCell<Option<crate::mail::Mailbox>>,
    /// A password the text shows the recipient (read once: a rule and the evidence use it).
    pub shown_password: Option<String>,
    /// Where the numbers of the subject and of the text start, for deadlines now and
    /// amounts later.
    pub subject_numbers: money::Numbers<'a>,
    pub text_numbers: money::Numbers<'a>,
}

impl<'a> Facts<'a> {
    /// The facts of `email`, believing the topmost Authentication-Results header's
    /// server (no `authserv-id` configured).
    pub fn gather(email: &'a Email) -> Self {
        Facts::gather_trusting(email, &[])
    }

    /// The facts of `email`, believing the Authentication-Results headers of the servers
    /// `authserv_ids` names (the topmost header's when empty).
    pub fn gather_trusting(email: &'a Email, authserv_ids: &[AuthservId]) -> Self {
        let texts = [email.normalized_subject.as_str(), email.normalized_text.as_str()];
        let (subject_numbers, text_numbers) =
            (money::Numbers::find(&email.normalized_subject), money::Numbers::find(&email.normalized_text));
        let families = phrases::find_families(texts);
        let sender_domain = email.from.as_ref().and_then(|f| f.domain()).unwrap_or_default();
        // Shape-only addresses mean something only where a currency is named; skipping the
        // search elsewhere keeps it off the hot path of ordinary mail.
        let shapes = families.has(phrases::Family::Cryptocurrency);
        // Likewise a shown password needs a password word, which the phrase scan has read.
        let names_password =
            families.has(phrases::Family::PasswordClaim) || families.has(phrases::Family::SensitiveData);
        Facts {
            email,
            authentication: Authentication::trusted(&email.auth_headers, authserv_ids),
            families,
            wallets: wallet::find_wallets(&email.normalized_text, shapes),
            deadlines: [&subject_numbers, &text_numbers]
                .into_iter()
                .flat_map(money::Numbers::deadlines)
                .collect(),
            brands_in_sender: brands::brands_named(&email.normalized_sender_name),
            brands_in_subject: brands::brands_named(&email.normalized_subject),
            link_hosts: distinct_hosts(email.links.iter()),
            sender_site_at: site_start(&sender_domain),
            sender_domain,
            forwarded: OnceCell::new(),
            shown_password: names_password.then(|| rules::shown_password(&email.normalized_text)).flatten(),
            subject_numbers,
            text_numbers,
        }
    }

    /// The registrable domain of the From address (`example.co.uk` for
    /// `mail.example.co.uk`); empty when it has none.
    pub fn sender_site(&self) -> &str {
        self.sender_domain.get(self.sender_site_at..).unwrap_or_default()
    }

    /// Whether `domain` belongs to the sender's registered domain.
    pub fn is_senders_site(&self, domain: &str) -> bool {
        url::registrable_domain(domain) == self.sender_site()
    }

    /// Whether the receiving server verified a DKIM signature of the sender's own site.
    pub fn signed_by_senders_site(&self) -> bool {
        self.authentication.dkim_domains.iter().any(|signer| self.is_senders_site(signer))
    }

    /// The writer's own lines of a plain-text mail that quotes another (`> …`), normalised;
    /// `None` when it quotes nothing. Only plain text: its text is its own lines and its
    /// quotes and nothing else, where the lines of an HTML body's text are not what its
    /// reader sees (a `>` can be hidden there). Read again only for a mail that quotes, so
    /// ordinary mail costs nothing more.
    pub fn own_lines(&self) -> Option<String> {
        let parts = crate::mail::quote::split(self.plain_text()?)?;
        Some(crate::mail::normalize::normalize(&parts.own))
    }

    /// The lines of a plain-text mail that quote nothing, normalised, however much of the
    /// mail the quote is; `None` when it quotes nothing (see [`Facts::own_lines`]).
    pub fn unquoted_lines(&self) -> Option<String> {
        let own = crate::mail::quote::unquoted(self.plain_text()?)?;
        Some(crate::mail::normalize::normalize(&own))
    }

    /// The text of a mail whose body is plain text only.
    fn plain_text(&self) -> Option<&str> {
        let marks = &self.email.html_marks;
        let html = marks.shown_letters > 0 || marks.hidden_letters > 0 || marks.pictures > 0;
        (!html).then_some(self.email.text.as_str())
    }

    /// Whether the mail forwards (or quotes) another one: a forward's subject prefix or a
    /// forwarding line in the text.
    pub fn is_forward(&self) -> bool {
        crate::mail::forward::has_forward_prefix(&self.email.normalized_subject)
            || self.families.has(phrases::Family::Forwarding)
    }

    /// The sender of the forwarded message, when the mail is a forward and its header
    /// block names one; read once, for the several rules that ask. Typed text: see
    /// [`crate::mail::forward`].
    pub fn forwarded_sender(&self) -> Option<&crate::mail::Mailbox> {
        self.forwarded
            .get_or_init(|| {
                if self.is_forward() { crate::mail::forward::original_sender(&self.email.text) } else { None }
            })
            .as_ref()
    }
}

/// Where the registrable domain of `domain` starts in it: the public-suffix lookup returns
/// a tail of the name it is given (0 for a name that is all site, or none).
fn site_start(domain: &str) -> usize {
    let site = url::registrable_domain(domain);
    if domain.ends_with(site) { domain.len() - site.len() } else { 0 }
}

/// The hosts `links` go to, each once, in order of first appearance; a link through an
/// open redirector counts for the redirector and for where it leads.
pub(crate) fn distinct_hosts<'l>(links: impl Iterator<Item = &'l Link>) -> Vec<String> {
    let mut hosts: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for href in links.map(|l| l.href.as_str()) {
        let target = url::redirect_target(href);
        for host in [url::host_of(href), target.as_deref().and_then(url::host_of)].into_iter().flatten() {
            if seen.insert(host.clone()) {
                hosts.push(host);
            }
        }
    }
    hosts
}

/// What the rules found in a mail, before the model weighs it: the facts they read and
/// the signals they gave, at their default weights. Training reads this too.
pub struct Observation<'a> {
    pub facts: Facts<'a>,
    pub signals: Vec<Signal>,
}

/// Runs every rule over `email`, believing the Authentication-Results of the servers
/// `authserv_ids` names (empty: the topmost header's server).
pub fn observe<'a>(email: &'a Email, authserv_ids: &[AuthservId]) -> Observation<'a> {
    let facts = Facts::gather_trusting(email, authserv_ids);
    let mut signals: Vec<Signal> = Vec::new();
    for rule in rules::RULES {
        rule(&facts, &mut signals);
    }
    let combined: Vec<Signal> =
        rules::COMBINATIONS.iter().filter_map(|combine| combine(&facts, &signals)).collect();
    signals.extend(combined);
    Observation { facts, signals }
}

/// The probabilities the model gave, as verdicts carry them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Probabilities {
    pub ham: f32,
    pub extortion: f32,
    pub phishing: f32,
    pub other: f32,
}

impl Probabilities {
    /// Certainly ham: what a message known to be clean (our own report) carries.
    pub const HAM: Probabilities = Probabilities { ham: 1.0, extortion: 0.0, phishing: 0.0, other: 0.0 };

    /// Ham, extortion, phishing, other: as the model and `score` read them.
    pub fn as_array(&self) -> [f32; 4] {
        [self.ham, self.extortion, self.phishing, self.other]
    }
}

impl From<&Reading> for Probabilities {
    fn from(reading: &Reading) -> Self {
        let [ham, extortion, phishing, other] = reading.probabilities.map(|p| (p * 1000.0).round() / 1000.0);
        Probabilities { ham, extortion, phishing, other }
    }
}

/// How many tokens the `learned_words` evidence names.
const WORDS_SHOWN: usize = 6;

/// Classifies `email` with `detector`'s model and thresholds.
pub fn classify(email: &Email, detector: &Detector) -> Verdict {
    classify_naming(email, detector, TokensNamed::UnlessClean)
}

/// [`classify`] for someone asking why (`explain`): the tokens that pushed hardest are
/// named on a clean verdict too, toward the kind of scam it read likeliest as, so a
/// missed scam shows what almost caught it.
pub fn classify_explained(email: &Email, detector: &Detector) -> Verdict {
    classify_naming(email, detector, TokensNamed::Always)
}

/// When the `learned_words` evidence names its tokens: ranking them costs a pass over
/// every token, which the mail flow spends only on what it records (clean mail is not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokensNamed {
    UnlessClean,
    Always,
}

fn classify_naming(email: &Email, detector: &Detector, named: TokensNamed) -> Verdict {
    let Observation { facts, mut signals } = observe(email, &detector.authserv_ids);
    let model = &detector.model;
    let tokens = model::features::Tokens::read(&facts, model.bits);
    let reading = model.read(&signals, &tokens.buckets);
    // Someone the user wrote to, vouched for by the receiving server, counts toward ham.
    let correspondent = detector.known_correspondents.vouched_sender(email, &detector.authserv_ids);
    let mut reading = if correspondent.is_some() { correspondents::discounted(reading) } else { reading };
    // The account's learning moves the odds before the verdict is judged.
    let share = detector.personal.as_deref().map(|p| p.weigh(&facts, &tokens, &reading, detector));
    if let Some(share) = &share {
        reading = reading.shifted(share.shift);
    }
    // Whether the mail is unwanted without its fraud signals (see `score::judge`).
    let fraud = signals::weighs_as_fraud(signals.iter().map(|s| s.id)).then(|| {
        let fraud_signals = signals.iter().filter(|s| signals::FRAUD.contains(&s.id));
        1.0 - reading.without(fraud_signals.map(|s| (model.factors(s), s.weight()))).ham()
    });
    let (label, category) =
        score::judge(&reading.probabilities, &detector.thresholds, detector.move_other, fraud);
    // A near-copy of a mail the user reported is moved whatever kind it reads as.
    let (label, category) = match &share {
        Some(personal::Share { near: Some((personal::Feedback::Reported, _)), .. })
            if label != Label::Threat =>
        {
            (
                Label::Threat,
                score::judge(&reading.probabilities, &Thresholds::uniform(0.0, 0.0), true, fraud).1,
            )
        }
        _ => (label, category),
    };
    // A decisive signal makes a threat of its category on its own (see `signals::DECISIVE`).
    let decisive = signals.iter().find(|s| signals::DECISIVE.contains(&s.id) && s.strength() >= 1.0);
    let (label, category) = match decisive {
        Some(signal) if label != Label::Threat => (Label::Threat, signal.category()),
        _ => (label, category),
    };
    // The model knows no malware class: a phishing verdict carried by a dangerous
    // attachment is named for what the attachment is.
    let category =
        if category == Category::Phishing && signals.iter().any(|s| s.category() == Category::Malware) {
            Category::Malware
        } else {
            category
        };
    // Fraud judged as phishing is explained by the class the model read it as.
    let explained =
        if score::judged_as_fraud(&reading.probabilities, category) { Category::Other } else { category };
    let class = score::class_of(label, explained, &reading);
    // Each signal shows what it added to the verdict's class: its default weight times
    // what the model learned of it.
    for signal in &mut signals {
        signal.contribution = Some(score::round(model.signal_contribution(signal, class)));
    }
    let words: f32 = reading.tokens.get(class).copied().unwrap_or(0.0);
    let evidence = if label == Label::Clean && named == TokensNamed::UnlessClean {
        String::new()
    } else {
        score::top_tokens(&facts, &tokens, model, class, WORDS_SHOWN)
    };
    let mut learned = Signal::new(SignalId::LearnedWords, evidence);
    learned.contribution = Some(score::round(words));
    signals.push(learned);
    if let Some(address) = correspondent {
        let shown = crate::mail::printable::cap(&crate::mail::printable::escape(&address), 254);
        let mut known = Signal::new(SignalId::KnownCorrespondent, format!("you have written to {shown}"));
        known.contribution = Some(-correspondents::DISCOUNT);
        signals.push(known);
    }
    if let Some(share) = &share {
        let mut feedback = Signal::new(SignalId::LearnedFromFeedback, share.evidence());
        feedback.contribution = Some(score::round(share.shift));
        signals.push(feedback);
    }
    score::strongest_first(&mut signals);
    // Amounts are evidence for history and reports, which keep only what is not clean.
    let amounts = if label == Label::Clean {
        Vec::new()
    } else {
        [&facts.subject_numbers, &facts.text_numbers]
            .into_iter()
            .flat_map(|n| n.amounts().iter().cloned())
            .collect()
    };
    Verdict {
        score: score::round(1.0 - reading.ham()),
        label,
        category,
        probabilities: Probabilities::from(&reading),
        signals,
        evidence: Evidence {
            shown_password: facts.shown_password,
            wallets: facts.wallets,
            amounts,
            deadlines: facts.deadlines,
        },
    }
}

#[cfg(test)]
mod verdicts;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::test_support::email;

    /// A short extortion mail with the whole story and a wallet.
    fn extortion_mail() -> Email {
        email(
            "From: someone@sender.example\r\nTo: victim@example.com",
            "I hacked your device and recorded you on your webcam visiting adult sites. I will send \
             the video to your friends. Pay 0.1 BTC to bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4 \
             within 48 hours.",
        )
    }

    /// The sender's site is its registrable domain under the public-suffix list, and a
    /// domain is the sender's when it is registered under the same.
    #[test]
    fn the_senders_site_is_its_registrable_domain() {
        let site = |from: &str| {
            let raw = format!("From: {from}\r\nSubject: x\r\n\r\nHello\r\n");
            let email = crate::mail::parse(raw.as_bytes()).expect("parses");
            let facts = Facts::gather(&email);
            (facts.sender_site().to_string(), facts.is_senders_site("www.shop.co.uk"))
        };
        assert_eq!(site("a@mail.shop.co.uk"), ("shop.co.uk".to_string(), true));
        assert_eq!(site("a@shop.co.uk"), ("shop.co.uk".to_string(), true));
        assert_eq!(site("a@victim.github.io"), ("victim.github.io".to_string(), false));
        assert_eq!(site("a@co.uk"), ("co.uk".to_string(), false));
        assert_eq!(site("nobody"), (String::new(), false));
    }

    #[test]
    fn a_verdict_lists_its_signals_strongest_first() {
        // The rules run wallet first, claims next and the narrative last: the verdict
        // reorders them, so the strongest reason comes first in history and explanations.
        let verdict = classify(&extortion_mail(), &Detector::default());
        let weights: Vec<f32> = verdict.signals.iter().map(Signal::counted).collect();
        assert!(weights.len() > 3, "{weights:?}");
        assert!(weights.windows(2).all(|w| w.first() >= w.get(1)), "{weights:?}");
        // The narrative, found last, comes before the claims found before it (which of the
        // narrative and the wallet weighs more is the model's to say).
        let at = |id: SignalId| verdict.signals.iter().position(|s| s.id == id);
        let narrative = at(SignalId::ExtortionNarrative).expect("the narrative fires");
        let claim = at(SignalId::ClaimsRecording).expect("the claim fires");
        assert!(narrative < claim && narrative <= 1, "{weights:?}");
        assert_eq!(verdict.label, Label::Threat);
        assert_eq!(verdict.category, Category::Extortion);
    }

    #[test]
    fn a_threat_names_the_words_the_model_weighed_and_its_probabilities() {
        let verdict = classify(&extortion_mail(), &Detector::default());
        let words = verdict.signals.iter().find(|s| s.id == SignalId::LearnedWords).expect("always listed");
        assert!(words.evidence.contains("word \"") && words.evidence.contains('+'), "{}", words.evidence);
        let p = verdict.probabilities;
        assert!((p.ham + p.extortion + p.phishing + p.other - 1.0).abs() < 0.01, "{p:?}");
        assert_eq!(verdict.score, score::round(1.0 - p.ham));
    }

    #[test]
    fn a_decisive_signal_makes_a_threat_whatever_the_model_says() {
        // A model that finds nothing unwanted anywhere.
        let rows = vec![[0.0; 3]; 16];
        let deaf = Model::new(4, [-40.0; 3], Vec::new(), rows, Thresholds::uniform(0.5, 0.9));
        let detector = Detector::with_model(Arc::new(deaf));
        let wallet = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4";
        let demand = email(
            "From: x@stranger.example\r\nTo: me@home.example",
            &format!("Send 0.05 BTC to {wallet} today."),
        );
        let verdict = classify(&demand, &detector);
        assert!(verdict.signals.iter().any(|s| s.id == SignalId::CryptoPaymentDemand));
        assert_eq!((verdict.label, verdict.category), (Label::Threat, Category::Extortion));
        // The same wallet without the demand is left to the model.
        let quoted =
            email("From: x@stranger.example\r\nTo: me@home.example", &format!("My address: {wallet}"));
        assert_eq!(classify(&quoted, &detector).label, Label::Clean);
    }

    #[test]
    fn fraud_the_model_reads_as_other_spam_is_a_phishing_threat() {
        // A model that reads every mail as other spam, surely.
        let rows = vec![[0.0; 3]; 16];
        let spam_only = Model::new(4, [-40.0, -40.0, 40.0], Vec::new(), rows, Thresholds::uniform(0.5, 0.9));
        let mut detector = Detector::with_model(Arc::new(spam_only));
        let offer = email(
            "From: a@bank.example\r\nReply-To: mr.richard@gmail.com",
            "I am the manager of auditing at the bank. We discovered an abandoned sum of US$5,350,000 in a \
             dormant account that belongs to a deceased foreign customer.",
        );
        let verdict = classify(&offer, &detector);
        assert!(verdict.signals.iter().any(|s| signals::FRAUD.contains(&s.id)), "{:?}", verdict.signals);
        assert_eq!((verdict.label, verdict.category), (Label::Threat, Category::Phishing));
        // Spam that only sells stays other spam, moved only when the user asks.
        let advert =
            email("From: a@shop.example", "Our spring collection is here: 20% off all garden chairs.");
        assert_eq!(
            (classify(&advert, &detector).label, classify(&advert, &detector).category),
            (Label::Suspicious, Category::Other)
        );
        detector.move_other = true;
        assert_eq!(classify(&advert, &detector).label, Label::Threat);
    }

    /// A fraud rule says which kind of scam a mail is, never alone that it is one: an offer
    /// the model finds unwanted only for its fraud signal, or one an advisory retells, stays
    /// other spam, flagged and not moved.
    #[test]
    fn a_fraud_signal_alone_or_in_an_advisory_moves_nothing() {
        // A model that reads nothing but the rules, and only as other spam (the advance-fee
        // offer weighs 6).
        let rows = vec![[0.0; 3]; 16];
        let factors = vec![("advance_fee_offer".to_string(), [0.0, 0.0, 1.0])];
        let rules_only = Model::new(4, [-40.0, -40.0, -3.0], factors, rows, Thresholds::uniform(0.5, 0.9));
        let detector = Detector::with_model(Arc::new(rules_only));
        let letter = "I am the manager of auditing at the bank. We discovered an abandoned sum of US$5,350,000 \
            in a dormant account that belongs to a deceased foreign customer.";
        let offer = email("From: a@bank.example\r\nReply-To: mr.richard@gmail.com", letter);
        let verdict = classify(&offer, &detector);
        assert!(verdict.signals.iter().any(|s| s.id == SignalId::AdvanceFeeOffer));
        assert!(verdict.score >= 0.9, "{}", verdict.score);
        assert_eq!((verdict.label, verdict.category), (Label::Suspicious, Category::Other));
        // Read as unwanted without it (here: every mail is), the same offer is a threat,
        // unless the mail warns about the scam it quotes.
        let rows = vec![[0.0; 3]; 16];
        let spam_only = Model::new(4, [-40.0, -40.0, 40.0], Vec::new(), rows, Thresholds::uniform(0.5, 0.9));
        let detector = Detector::with_model(Arc::new(spam_only));
        assert_eq!(classify(&offer, &detector).label, Label::Threat);
        let advisory = email(
            "From: news@fraudwatch.example\r\nReply-To: editor@fraudwatch-news.example",
            &format!(
                "Scam alert: readers forwarded us this letter. \"{letter}\" This is a scam; it is a hoax. Do not reply."
            ),
        );
        let warned = classify(&advisory, &detector);
        assert!(warned.signals.iter().any(|s| s.id == SignalId::WarnsAboutScams), "{:?}", warned.signals);
        assert_eq!((warned.label, warned.category), (Label::Suspicious, Category::Other));
    }

    #[test]
    fn a_scammers_condition_or_denial_does_not_talk_an_extortion_mail_down() {
        // No bare demand next to the wallet (so no decisive signal): the model decides.
        let story = "I hacked your device and recorded you through your webcam while you visited adult \
            websites. I will send the video to all your contacts. The price is 1200 USD, you have 48 hours. \
            Do not tell anyone.\n\nMy bitcoin wallet:\nbc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4\n";
        for tail in ["If you do not pay, everyone sees it.", "P.S. This is not a scam.", ""] {
            let mail = email("From: x@stranger.example\r\nTo: me@home.example", &format!("{story}{tail}"));
            let verdict = classify(&mail, &Detector::default());
            assert_eq!((verdict.label, verdict.category), (Label::Threat, Category::Extortion), "{tail}");
            assert!(!verdict.signals.iter().any(|s| s.id == SignalId::WarnsAboutScams), "{tail}");
        }
    }

    #[test]
    fn a_clean_verdict_names_no_category_and_keeps_no_amounts() {
        let note = email("From: a@b.example\r\nTo: c@d.example", "Lunch costs $12 today, see you at noon.");
        let verdict = classify(&note, &Detector::default());
        assert_eq!((verdict.label, verdict.category), (Label::Clean, Category::Other));
        assert!(verdict.evidence.amounts.is_empty());
    }

    #[test]
    fn labels_and_categories_are_named_as_they_serialise() {
        for label in [Label::Clean, Label::Suspicious, Label::Threat] {
            let json = serde_json::to_string(&label).expect("serialises");
            assert_eq!(json, format!("\"{}\"", label.as_str()));
        }
        for category in [Category::Extortion, Category::Phishing, Category::Malware, Category::Other] {
            let json = serde_json::to_string(&category).expect("serialises");
            assert_eq!(json, format!("\"{}\"", category.as_str()));
        }
    }

    #[test]
    fn only_a_forward_is_read_for_the_forwarded_sender() {
        let body = "see below\n\nFrom: PayPal <service@paypal.com>\nSubject: Your PayPal receipt\n\nThanks";
        let forward = email("From: me@home.example\r\nSubject: Fw: Your PayPal receipt", body);
        let sender = Facts::gather(&forward).forwarded_sender().map(|s| s.address.clone());
        assert_eq!(sender.as_deref(), Some("service@paypal.com"));
        // The same lines in a mail that forwards nothing are typed text, not a header block.
        let typed = email("From: me@home.example\r\nSubject: Your PayPal receipt", body);
        assert!(!Facts::gather(&typed).is_forward());
        assert!(Facts::gather(&typed).forwarded_sender().is_none());
    }
}
