//! The `[detection]` section: which model to read and the thresholds that override its
//! own, checked together, since a threshold is only wrong against the other one.

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
    /// Also move other spam (marketing, 419, pharma) that reaches the threat threshold.
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
        let own = detector.thresholds;
        detector.thresholds = Thresholds {
            // A threat threshold set below the model's suspicious one takes it along:
            // what is moved is at least marked.
            suspicious: self.suspicious.unwrap_or(match self.threat {
                Some(threat) if threat < own.suspicious => threat,
                _ => own.suspicious,
            }),
            threat: self.threat.unwrap_or(own.threat),
            extortion: self.extortion.unwrap_or(own.extortion),
        };
        detector.move_other = self.move_other;
        let Thresholds { suspicious, threat, extortion } = detector.thresholds;
        if !(0.0 < suspicious && suspicious <= threat && threat <= 1.0 && 0.0 < extortion && extortion <= 1.0)
        {
            let old_scale =
                [self.suspicious, self.threat, self.extortion].into_iter().flatten().any(|t| t > 1.0);
            let hint = if old_scale {
                "; they were scores before (5 and 6 by default), they are probabilities now: remove them \
                 to use the model's own, or give values such as 0.9"
            } else if self.threat.is_none() && self.suspicious.is_some() {
                "; the threat threshold is the model's: set threat too"
            } else {
                ""
            };
            return Err(format!(
                "detection: thresholds are probabilities: need 0 < suspicious <= threat <= 1 and 0 < extortion <= 1, \
                 got suspicious = {suspicious}, threat = {threat}, extortion = {extortion}{hint}"
            ));
        }
        Ok(detector)
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
}
