//! Configuration file → validated settings. Unknown keys and bad values are errors that
//! name the key and the line (the TOML parser reports both).

use std::path::Path;

use serde::Deserialize;

use crate::detect::Thresholds;

/// Why a configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Unreadable { path: String, source: std::io::Error },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

/// Settings for the detection engine.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub detection: Thresholds,
}

impl Config {
    /// Reads and validates a TOML configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Unreadable { path: path.display().to_string(), source })?;
        Config::parse(&text)
            .map_err(|message| ConfigError::Invalid { path: path.display().to_string(), message })
    }

    /// Parses TOML text; the error text names the key and line.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        let t = config.detection;
        if !(t.suspicious.is_finite()
            && t.threat.is_finite()
            && 0.0 < t.suspicious
            && t.suspicious <= t.threat)
        {
            return Err(format!(
                "detection: need 0 < suspicious <= threat, got suspicious = {}, threat = {}",
                t.suspicious, t.threat
            ));
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_read_and_default_when_absent() {
        let config = Config::parse("[detection]\nsuspicious = 4.0\nthreat = 8.0\n").expect("valid");
        assert_eq!(config.detection, Thresholds { suspicious: 4.0, threat: 8.0 });
        assert_eq!(Config::parse("").expect("empty is valid").detection, Thresholds::default());
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_key_and_line() {
        let error = Config::parse("[detection]\nsuspicious = 4.0\nthreat = 8.0\nthreshold = 1\n")
            .expect_err("unknown key");
        assert!(error.contains("threshold") && error.contains("line 4"), "{error}");
        let error = Config::parse("[detection]\nsuspicious = 9.0\nthreat = 8.0\n").expect_err("inverted");
        assert!(error.contains("suspicious <= threat"), "{error}");
    }
}
