//! Scoring: the signals the rules produced in; their order, the verdict's category, score
//! and label out.
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
    signals.sort_by(|a, b| b.weight.total_cmp(&a.weight));
}

/// The threat category the signals point to most and the verdict's score. No threat
/// category above zero leaves [`Category::Other`] with the shared signals alone; a
/// negative sum (signals that speak against a threat) scores zero, not less.
pub fn score(signals: &[Signal]) -> (Category, f32) {
    let sum = |category: Category| -> f32 {
        signals.iter().filter(|s| s.category == category).map(|s| s.weight).sum()
    };
    let shared = sum(Category::Other);
    let (category, category_score) = THREATS
        .into_iter()
        .map(|c| (c, sum(c)))
        .fold((Category::Other, 0.0_f32), |best, next| if next.1 > best.1 { next } else { best });
    let score = ((category_score + shared).max(0.0) * 100.0).round() / 100.0;
    (category, score)
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

    fn signal(rule: &'static str, weight: f32, category: Category) -> Signal {
        Signal { rule, weight, category, evidence: String::new() }
    }

    #[test]
    fn signals_are_ordered_strongest_first_and_ties_keep_their_order() {
        let mut signals = vec![
            signal("a", 0.5, Category::Extortion),
            signal("b", 4.5, Category::Extortion),
            signal("c", -2.5, Category::Extortion),
            signal("d", 0.5, Category::Other),
            signal("e", 3.0, Category::Phishing),
        ];
        strongest_first(&mut signals);
        let order: Vec<&str> = signals.iter().map(|s| s.rule).collect();
        assert_eq!(order, ["b", "e", "a", "d", "c"]);
    }

    #[test]
    fn the_strongest_category_and_the_shared_signals_make_the_score() {
        let signals = [
            signal("e", 2.0, Category::Extortion),
            signal("p", 3.0, Category::Phishing),
            signal("p2", 0.5, Category::Phishing),
            signal("m", 1.0, Category::Malware),
            signal("o", 1.5, Category::Other),
        ];
        assert_eq!(score(&signals), (Category::Phishing, 5.0));
        assert_eq!(score(&[signal("o", 1.5, Category::Other)]), (Category::Other, 1.5));
        assert_eq!(score(&[]), (Category::Other, 0.0));
        // A tie goes to the category listed first.
        let tie = [signal("p", 2.0, Category::Phishing), signal("e", 2.0, Category::Extortion)];
        assert_eq!(score(&tie), (Category::Extortion, 2.0));
    }

    #[test]
    fn the_score_never_goes_below_zero() {
        let against = [signal("warns", -5.0, Category::Other), signal("p", 1.0, Category::Phishing)];
        assert_eq!(score(&against), (Category::Phishing, 0.0));
        // A category that sums below zero is no threat at all.
        let advisory = [signal("warns", -5.0, Category::Extortion), signal("o", 0.5, Category::Other)];
        assert_eq!(score(&advisory), (Category::Other, 0.5));
    }

    #[test]
    fn the_score_is_rounded_to_hundredths() {
        let signals = [signal("a", 0.1, Category::Phishing), signal("b", 0.2, Category::Phishing)];
        assert_eq!(score(&signals).1, 0.3);
        let third = [signal("a", 1.0 / 3.0, Category::Phishing)];
        assert_eq!(score(&third).1, 0.33);
        let up = [signal("a", 2.0 / 3.0, Category::Phishing)];
        assert_eq!(score(&up).1, 0.67);
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
