//! Passwords and tokens: where they come from, and a wrapper that never prints them.
//!
//! A secret is read when a connection is made (so a rotated password or a fresh OAuth
//! token is picked up on reconnect) and lives in a [`Secret`], whose `Debug` and
//! `Display` print a placeholder, so no log line, error or panic can carry it.

use std::fmt;
use std::path::{Path, PathBuf};

/// A password or token. Printing it shows `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    /// The secret itself, for the one place that sends it to the server.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where an account's password or token is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// Written in the configuration file (warned about when others can read the file).
    Inline(Secret),
    /// An environment variable's name.
    Env(String),
    /// A file whose first line is the secret.
    File(PathBuf),
    /// A shell command whose first output line is the secret (password managers, OAuth
    /// token helpers).
    Command(String),
}

/// Why a secret could not be read. Never contains the secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("environment variable {0} is not set")]
    MissingEnv(String),
    #[error("cannot read password file {path}: {source}")]
    File { path: PathBuf, source: std::io::Error },
    #[error("password command could not run: {0}")]
    CommandFailed(std::io::Error),
    #[error("password command exited with {0}")]
    CommandExit(std::process::ExitStatus),
    #[error("the password source gave an empty secret")]
    Empty,
}

impl PasswordSource {
    /// Reads the secret now.
    pub async fn read(&self) -> Result<Secret, SecretError> {
        let value = match self {
            PasswordSource::Inline(secret) => return Ok(secret.clone()),
            PasswordSource::Env(name) => {
                std::env::var(name).map_err(|_| SecretError::MissingEnv(name.clone()))?
            }
            PasswordSource::File(path) => tokio::fs::read_to_string(path)
                .await
                .map_err(|source| SecretError::File { path: path.clone(), source })?,
            PasswordSource::Command(command) => {
                let output = tokio::process::Command::new("sh")
                    .arg("-c")
                    .arg(command)
                    .stdin(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .output()
                    .await
                    .map_err(SecretError::CommandFailed)?;
                if !output.status.success() {
                    return Err(SecretError::CommandExit(output.status));
                }
                String::from_utf8_lossy(&output.stdout).into_owned()
            }
        };
        let first_line = value.lines().next().unwrap_or_default().trim_end_matches('\r').to_string();
        if first_line.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(Secret(first_line))
    }
}

/// True when users other than the owner may read `path` (Unix permissions).
pub fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o044 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints() {
        let secret = Secret::new("hunter2".into());
        assert_eq!(format!("{secret}"), "***");
        assert!(!format!("{secret:?}").contains("hunter2"));
        let source = PasswordSource::Inline(secret);
        assert!(!format!("{source:?}").contains("hunter2"));
    }

    #[tokio::test]
    async fn secrets_are_read_from_env_file_and_command() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("pw");
        std::fs::write(&file, "from-file\nsecond line\n").expect("write");
        assert_eq!(PasswordSource::File(file).read().await.expect("file").expose(), "from-file");
        let command = PasswordSource::Command("printf 'from-command\\n'".into());
        assert_eq!(command.read().await.expect("command").expose(), "from-command");
        let missing = PasswordSource::Env("SCAMGUARD_TEST_UNSET_VARIABLE".into());
        assert!(matches!(missing.read().await, Err(SecretError::MissingEnv(_))));
        assert!(matches!(
            PasswordSource::Command("exit 3".into()).read().await,
            Err(SecretError::CommandExit(_))
        ));
    }
}
