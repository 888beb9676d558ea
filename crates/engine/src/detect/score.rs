//! Scoring: the signals the rules produced in; their order, the verdict's category, score
//! and label out. Each signal counts its table weight times its strength
//! ([`Signal::weight`]) for its category ([`Signal::category`]).
//!
//! The score is the strongest threat category's sum plus the signals that support every
//! category (a forged sender counts for extortion and phishing alike), never below zero,
//! rounded to hundredths so that a verdict prints and compares the same everywhere.
//! Signals are listed strongest first: history, `show` and the explanations promise it.

use super::{Category, Label, Signal, Thresholds};

/// The categories a verdict can name, in the order that wins a tie.
const THREATS: [Category; 3] = [Category::Extortion, Category::Phishing, Category::Malware];

/// Orders `signals` strongest first. The sort is stable: signals of equal weight stay in
/// the order the rules ran, so the same mail always lists them the same way.
pub fn strongest_first(signals: &mut [Signal]) {
    signals.sort_by(|a, b| b.weight().total_cmp(&a.weight()));
}

/// The threat category the signals point to most and the verdict's score. No threat
/// category above zero leaves [`Category::Other`] with the shared signals alone; a
/// negative sum (signals that speak against a threat) scores zero, not less.
pub fn score(signals: &[Signal]) -> (Category, f32) {
    let sum = |category: Category| -> f32 {
        signals.iter().filter(|s| s.category() == category).map(Signal::weight).sum()
    };
    let shared = sum(Category::Other);
    let (category, category_score) = THREATS
        .into_iter()
        .map(|c| (c, sum(c)))
        .fold((Category::Other, 0.0_f32), |best, next| if next.1 > best.1 { next } else { best });
    (category, hundredths((category_score + shared).max(0.0)))
}

/// `x` rounded to hundredths, so that a score prints and compares the same everywhere.
fn hundredths(x: f32) -> f32 {
    (x * 100.0).round() / 100.0
}

/// The label a score earns: each threshold is the lowest score of its label.
pub fn label(score: f32, thresholds: &Thresholds) -> Label {
    if score >= thresholds.threat {
        Label::Threat
    } else if score >= thresholds.suspicious {
        Label::Suspicious
    } else {
        Label::Clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::SignalId;
    use crate::detect::signals::{Level, levels};

    /// A real signal: its id and level.
    type Spec = (SignalId, Option<&'static Level>);

    // By category and weight: extortion 0.5, 4.5 and -2.5; phishing 3.0 and 0.5; malware
    // 7.0; shared 0.5 and 1.5.
    const CLAIM: Spec = (SignalId::ClaimsRecording, None);
    const NARRATIVE: Spec = (SignalId::ExtortionNarrative, Some(&levels::NARRATIVE_FULL));
    const WARNING: Spec = (SignalId::WarnsAboutScams, Some(&levels::WARNS_ONE));
    const BRAND: Spec = (SignalId::LookalikeDomain, None);
    const LOGIN: Spec = (SignalId::AsksForLogin, None);
    const SHARED: Spec = (SignalId::ReplyToElsewhere, None);
    const DMARC: Spec = (SignalId::AuthenticationFailed, Some(&levels::DMARC_FAILED));
    const PROGRAM: Spec = (SignalId::DangerousAttachment, Some(&levels::EXECUTABLE));

    fn fired((id, level): Spec) -> Signal {
        match level {
            Some(level) => Signal::at(id, level, ""),
            None => Signal::new(id, ""),
        }
    }

    #[test]
    fn signals_are_ordered_strongest_first_and_ties_keep_their_order() {
        let mut signals = vec![fired(CLAIM), fired(NARRATIVE), fired(WARNING), fired(SHARED), fired(BRAND)];
        strongest_first(&mut signals);
        let order: Vec<SignalId> = signals.iter().map(|s| s.id).collect();
        use SignalId::*;
        assert_eq!(
            order,
            [ExtortionNarrative, LookalikeDomain, ClaimsRecording, ReplyToElsewhere, WarnsAboutScams]
        );
    }

    #[test]
    fn the_strongest_category_and_the_shared_signals_make_the_score() {
        let signals = [fired(CLAIM), fired(CLAIM), fired(BRAND), fired(LOGIN), fired(SHARED), fired(DMARC)];
        assert_eq!(score(&signals), (Category::Phishing, 5.5));
        assert_eq!(score(&[fired(SHARED)]), (Category::Other, 0.5));
        assert_eq!(score(&[]), (Category::Other, 0.0));
        assert_eq!(score(&[fired(PROGRAM), fired(BRAND)]), (Category::Malware, 7.0));
        // A tie goes to the category listed first.
        let tie = [fired(LOGIN), fired(CLAIM)];
        assert_eq!(score(&tie), (Category::Extortion, 0.5));
    }

    #[test]
    fn the_score_never_goes_below_zero() {
        let against = [fired(WARNING), fired(LOGIN)];
        assert_eq!(score(&against), (Category::Phishing, 0.5));
        let strong =
            [Signal::at(SignalId::WarnsAboutScams, &levels::WARNS_FOUR, ""), fired(SHARED), fired(LOGIN)];
        assert_eq!(score(&strong), (Category::Phishing, 1.0));
        // A category that sums below zero is no threat at all; shared signals below zero
        // take the score down to zero, not less.
        let advisory = [fired(WARNING), fired(CLAIM), fired(SHARED)];
        assert_eq!(score(&advisory), (Category::Other, 0.5));
    }

    #[test]
    fn the_score_is_rounded_to_hundredths() {
        assert_eq!(hundredths(0.1 + 0.2), 0.3);
        assert_eq!(hundredths(1.0 / 3.0), 0.33);
        assert_eq!(hundredths(2.0 / 3.0), 0.67);
        // Levels are fractions of their row's weight, and land on the weights they name:
        // two thirds of 1.5 (a failed SPF check) is 1.0, a third is 0.5.
        let spf = [Signal::at(SignalId::AuthenticationFailed, &levels::SPF_FAILED, "")];
        assert_eq!(score(&spf).1, 1.0);
        let dkim = [Signal::at(SignalId::AuthenticationFailed, &levels::DKIM_FAILED, "")];
        assert_eq!(score(&dkim).1, 0.5);
        let many: Vec<Signal> =
            (0..3).map(|_| Signal::at(SignalId::CryptoWalletVerified, &levels::WALLET_LIST, "")).collect();
        assert_eq!(score(&many), (Category::Extortion, 3.0));
    }

    #[test]
    fn each_threshold_is_the_lowest_score_of_its_label() {
        let t = Thresholds::default();
        assert_eq!(label(0.0, &t), Label::Clean);
        assert_eq!(label(4.99, &t), Label::Clean);
        assert_eq!(label(5.0, &t), Label::Suspicious);
        assert_eq!(label(5.99, &t), Label::Suspicious);
        assert_eq!(label(6.0, &t), Label::Threat);
        assert_eq!(label(40.0, &t), Label::Threat);
    }
}
