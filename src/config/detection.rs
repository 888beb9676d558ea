//! The `[detection]` section: which model to read and the thresholds that override its
//! own, checked together, since a threshold is only wrong against the other one; and an
//! account's `[accounts.detection]`, whose thresholds override the global ones the same
//! way.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::model_file;
use crate::detect::model::Model;
use crate::detect::{Detector, Thresholds};

/// The `[detection]` section: which model to use and the thresholds that override its own.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Detection {
    /// A model file written by `scamguard train`; the built-in model when absent.
    pub model: Option<PathBuf>,
    /// Probability of any unwanted mail from which a message is marked suspicious.
    pub suspicious: Option<f32>,
    /// Probability of unwanted mail, most likely phishing, from which a message is moved
    /// to Junk.
    pub threat: Option<f32>,
    /// The same for mail most likely extortion (training sets it lower than `threat`:
    /// few ham read like extortion).
    pub extortion: Option<f32>,
    /// Also move other spam (marketing, pharma, casino) that reaches the threat threshold.
    #[serde(default)]
    pub move_other: bool,
}

impl Detection {
    /// The detector these settings describe: the model file read (or `model_file`, which
    /// wins: `scan --model`), the thresholds checked against it.
    pub fn detector(&self, model_file: Option<&Path>) -> Result<Detector, String> {
        let model = match model_file.or(self.model.as_deref()) {
            None => Model::embedded(),
            Some(path) => std::sync::Arc::new(model_file::read(path)?),
        };
        let mut detector = Detector::with_model(model);
        let overrides =
            Overrides { suspicious: self.suspicious, threat: self.threat, extortion: self.extortion };
        detector.thresholds = overrides.over(detector.thresholds)?;
        detector.move_other = self.move_other;
        Ok(detector)
    }
}

/// An account's `[accounts.detection]`: thresholds (and `move_other`) that override the
/// global `[detection]` ones for that account alone. The model is the same for every
/// account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountDetection {
    pub suspicious: Option<f32>,
    pub threat: Option<f32>,
    pub extortion: Option<f32>,
    pub move_other: Option<bool>,
}

impl AccountDetection {
    /// Whether the account overrides anything.
    pub fn is_empty(&self) -> bool {
        *self == AccountDetection::default()
    }

    /// The global detector `base` with this account's values over it, checked as the
    /// global ones are (a `threat` set alone below the global `suspicious` takes it along).
    pub fn over(&self, base: &Detector) -> Result<Detector, String> {
        let overrides =
            Overrides { suspicious: self.suspicious, threat: self.threat, extortion: self.extortion };
        Ok(Detector {
            thresholds: overrides.over(base.thresholds)?,
            move_other: self.move_other.unwrap_or(base.move_other),
            ..base.clone()
        })
    }
}

/// Thresholds as typed, each over the one beneath it (the model's, or the global one).
struct Overrides {
    suspicious: Option<f32>,
    threat: Option<f32>,
    extortion: Option<f32>,
}

impl Overrides {
    /// `own` with these values over it, checked.
    fn over(&self, own: Thresholds) -> Result<Thresholds, String> {
        let thresholds = Thresholds {
            // A threat threshold set below the suspicious one beneath takes it along:
            // what is moved is at least marked.
            suspicious: self.suspicious.unwrap_or(match self.threat {
                Some(threat) if threat < own.suspicious => threat,
                _ => own.suspicious,
            }),
            threat: self.threat.unwrap_or(own.threat),
            extortion: self.extortion.unwrap_or(own.extortion),
        };
        let Thresholds { suspicious, threat, extortion } = thresholds;
        if !(0.0 < suspicious && suspicious <= threat && threat <= 1.0 && 0.0 < extortion && extortion <= 1.0)
        {
            let old_scale =
                [self.suspicious, self.threat, self.extortion].into_iter().flatten().any(|t| t > 1.0);
            let hint = if old_scale {
                "; they were scores before (5 and 6 by default), they are probabilities now: remove them \
                 to use the model's own, or give values such as 0.9"
            } else if self.threat.is_none() && self.suspicious.is_some() {
                "; the threat threshold is the one beneath (the model's, or [detection]'s): set threat too"
            } else {
                ""
            };
            return Err(format!(
                "detection: thresholds are probabilities: need 0 < suspicious <= threat <= 1 and 0 < extortion <= 1, \
                 got suspicious = {suspicious}, threat = {threat}, extortion = {extortion}{hint}"
            ));
        }
        Ok(thresholds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn thresholds_are_read_and_default_when_absent() {
        let config = Config::parse("[detection]\nsuspicious = 0.4\nthreat = 0.8\n").expect("valid");
        let detector = config.detection.detector(None).expect("valid");
        let extortion = Model::embedded().thresholds.extortion;
        assert_eq!(detector.thresholds, Thresholds { suspicious: 0.4, threat: 0.8, extortion });
        assert!(!detector.move_other);
        let defaults = Config::parse("").expect("empty is valid").detection.detector(None).expect("valid");
        assert_eq!(defaults.thresholds, Model::embedded().thresholds);
        // Thresholds were scores (5 and 6); now they are probabilities, and the old values
        // are refused with a reason rather than silently never reached.
        let error = Config::parse("[detection]\nsuspicious = 5.0\nthreat = 6.0\n").expect_err("old scale");
        assert!(error.contains("probabilities"), "{error}");
    }

    #[test]
    fn odd_thresholds_are_refused_with_a_reason_and_a_lower_threat_takes_suspicious_along() {
        let detector =
            |lines: &str| Config::parse(&format!("[detection]\n{lines}\n"))?.detection.detector(None);
        for bad in [
            "suspicious = 0.0",
            "threat = 0.0",
            "suspicious = -0.5",
            "suspicious = nan",
            "threat = nan",
            "threat = inf",
            "threat = 1.5",
            "suspicious = 0.9\nthreat = 0.5",
        ] {
            let error = detector(bad).expect_err(bad);
            assert!(error.contains("0 < suspicious <= threat <= 1"), "{bad}: {error}");
        }
        assert!(detector("suspicious = 5\nthreat = 6").expect_err("old scale").contains("they were scores"));
        assert!(detector("suspicious = 0.999").expect_err("above").contains("set threat too"));
        // A threat threshold alone, below the model's suspicious one, takes it along.
        let own = Model::embedded().thresholds;
        let low = detector("threat = 0.3").expect("valid");
        let extortion = own.extortion;
        assert_eq!(
            low.thresholds,
            Thresholds { suspicious: own.suspicious.min(0.3), threat: 0.3, extortion }
        );
        assert!(detector("extortion = 1.5").expect_err("above one").contains("0 < extortion <= 1"));
        assert_eq!(detector("extortion = 0.6").expect("valid").thresholds.extortion, 0.6);
        assert_eq!(detector("threat = 1").expect("valid").thresholds.threat, 1.0);
        assert!(detector("move_other = true").expect("valid").move_other);
        assert!(detector("move_other = 1").is_err());
    }

    fn accounts(global: &str, first: &str) -> Result<Config, String> {
        let account = |name: &str, user: &str, extra: &str| {
            format!(
                "[[accounts]]\nname = \"{name}\"\nhost = \"127.0.0.1\"\ntls = \"implicit\"\nusername = \"{user}\"\n\
                 password_env = \"P\"\n{extra}"
            )
        };
        Config::parse(&format!("{global}{}{}", account("a", "u1", first), account("b", "u2", "")))
    }

    #[test]
    fn an_account_overrides_the_global_thresholds_for_itself_only() {
        let config = accounts(
            "[detection]\nsuspicious = 0.5\nthreat = 0.8\n",
            "[accounts.detection]\nthreat = 0.95\nextortion = 0.9\nmove_other = true\n",
        )
        .expect("valid");
        let global = config.detection.detector(None).expect("valid");
        let [a, b] = [0, 1].map(|i| config.accounts.get(i).expect("two accounts").detection.over(&global));
        let (a, b) = (a.expect("valid"), b.expect("valid"));
        assert_eq!(a.thresholds, Thresholds { suspicious: 0.5, threat: 0.95, extortion: 0.9 });
        assert!(a.move_other && !b.move_other);
        assert_eq!(b.thresholds, global.thresholds, "the other account keeps the global ones");
        assert!(config.accounts.get(1).is_some_and(|b| b.detection.is_empty()));
        // A threat threshold alone, below the global suspicious one, takes it along.
        let low =
            accounts("[detection]\nsuspicious = 0.5\nthreat = 0.8\n", "[accounts.detection]\nthreat = 0.3\n")
                .expect("valid");
        let global = low.detection.detector(None).expect("valid");
        let first = low.accounts.first().expect("account").detection.over(&global).expect("valid");
        assert_eq!((first.thresholds.suspicious, first.thresholds.threat), (0.3, 0.3));
    }

    #[test]
    fn an_account_threshold_that_does_not_hold_is_refused_naming_the_account() {
        for (lines, why) in [
            ("suspicious = 0.9", "0 < suspicious <= threat <= 1"),
            ("threat = 1.5", "0 < suspicious <= threat <= 1"),
            ("extortion = 0", "0 < extortion <= 1"),
            ("threat = 6", "they were scores"),
        ] {
            let error = accounts("[detection]\nthreat = 0.8\n", &format!("[accounts.detection]\n{lines}\n"))
                .expect_err(lines);
            assert!(error.contains(why) && error.contains("accounts[0]"), "{lines}: {error}");
        }
        // The model is the same for every account; serde names the key and the line.
        for (lines, why) in
            [("model = \"other.model\"", "unknown field `model`"), ("move_other = 1", "invalid type")]
        {
            let error = accounts("", &format!("[accounts.detection]\n{lines}\n")).expect_err(lines);
            assert!(error.contains(why) && error.contains("line 8"), "{lines}: {error}");
        }
    }
}
