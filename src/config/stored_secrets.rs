//! `[database] stored_secrets`: where an account stored in the database may say its secret
//! is. A row of the accounts table is written by whoever can write the database, and the
//! worker reads the secret the row names and sends it to the host the row names: a row
//! naming the worker's own `PGPASSWORD`, its service-account token or any command would
//! make write access to the table secret theft and command execution on every worker.
//! So each worker's own configuration file lists what rows may name, and a row naming
//! anything else is refused (by `accounts add` before it is written, and by every worker
//! that reads it). Nothing is allowed unless listed.
//!
//! - `env:PREFIX`: environment variables whose name starts with PREFIX (`env:IMAP_`);
//! - `file:/DIR`: files under that absolute directory (a path with `..` never matches);
//! - `command:TEXT`: exactly this command (it runs under `sh -c`, so nothing looser).

use std::path::{Component, Path, PathBuf};

use super::PasswordSource;

/// One entry of `stored_secrets`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRule {
    /// Environment variables whose name starts with this.
    EnvPrefix(String),
    /// Files under this absolute directory.
    Under(PathBuf),
    /// This exact command.
    Command(String),
}

impl SecretRule {
    /// Reads one entry (`env:IMAP_`, `file:/etc/scamguard/accounts`, `command:…`).
    pub fn parse(text: &str) -> Result<SecretRule, String> {
        let refused = |why: &str| Err(format!("[database] stored_secrets entry {text:?}: {why}"));
        match text.split_once(':') {
            Some(("env", "")) => refused(
                "name a prefix (env:IMAP_): an empty one would allow every variable, the worker's own included",
            ),
            Some(("env", prefix)) => Ok(SecretRule::EnvPrefix(prefix.to_string())),
            Some(("file", dir)) => {
                let dir = PathBuf::from(dir);
                if !dir.is_absolute() || has_parent_steps(&dir) || dir.parent().is_none() {
                    return refused("name an absolute directory other than / and without ..");
                }
                Ok(SecretRule::Under(dir))
            }
            Some(("command", command)) if command.trim().is_empty() => refused("name the command"),
            Some(("command", command)) => Ok(SecretRule::Command(command.to_string())),
            _ => refused("write env:PREFIX, file:/DIRECTORY or command:COMMAND"),
        }
    }

    /// Whether this entry allows a stored account to read its secret from `source`.
    pub fn allows(&self, source: &PasswordSource) -> bool {
        match (self, source) {
            (SecretRule::EnvPrefix(prefix), PasswordSource::Env(name)) => name.starts_with(prefix.as_str()),
            (SecretRule::Under(dir), PasswordSource::File(file)) => {
                file.is_absolute() && !has_parent_steps(file) && file.starts_with(dir) && file != dir
            }
            (SecretRule::Command(allowed), PasswordSource::Command { command, .. }) => allowed == command,
            _ => false,
        }
    }
}

/// Whether `source` is allowed by one of `rules`; `None` when it is, else the refusal.
pub fn refusal(rules: &[SecretRule], source: &PasswordSource) -> Option<String> {
    if rules.iter().any(|rule| rule.allows(source)) {
        return None;
    }
    let (key, value, entry) = match source {
        PasswordSource::Env(name) => ("password_env", name.clone(), format!("env:{name}")),
        PasswordSource::File(file) => {
            let dir = file.parent().unwrap_or(Path::new("/")).display().to_string();
            ("password_file", file.display().to_string(), format!("file:{dir}"))
        }
        PasswordSource::Command { command, .. } => {
            ("password_command", command.clone(), format!("command:{command}"))
        }
        PasswordSource::Inline(_) | PasswordSource::StoredToken => {
            return Some("a stored account names where its password is read from, nothing else".into());
        }
    };
    Some(format!(
        "its {key} {value:?} is not allowed for stored accounts by this configuration: a database row may \
         name only what [database] stored_secrets lists (add {entry:?} there if this worker should read it)"
    ))
}

fn has_parent_steps(path: &Path) -> bool {
    path.components().any(|c| c == Component::ParentDir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn rules(entries: &[&str]) -> Vec<SecretRule> {
        entries.iter().map(|e| SecretRule::parse(e).expect("valid entry")).collect()
    }

    fn command(text: &str) -> PasswordSource {
        PasswordSource::Command { command: text.into(), timeout: Duration::from_secs(5) }
    }

    #[test]
    fn only_what_the_configuration_lists_may_be_named_by_a_stored_account() {
        let rules = rules(&["env:IMAP_", "file:/etc/scamguard/accounts", "command:pass show imap"]);
        let allowed = [
            PasswordSource::Env("IMAP_ALICE".into()),
            PasswordSource::File("/etc/scamguard/accounts/alice".into()),
            command("pass show imap"),
        ];
        for source in &allowed {
            assert_eq!(refusal(&rules, source), None, "{source:?}");
        }
        let refused = [
            PasswordSource::Env("PGPASSWORD".into()),
            PasswordSource::Env("IMAP".into()),
            PasswordSource::File("/etc/scamguard/accounts/../config.toml".into()),
            PasswordSource::File("/etc/scamguard/accounts-other/x".into()),
            PasswordSource::File("/etc/scamguard/accounts".into()),
            PasswordSource::File("/var/run/secrets/kubernetes.io/serviceaccount/token".into()),
            command("pass show imap; cat /etc/shadow"),
            command("sh -c 'cat /etc/scamguard/config.toml'"),
        ];
        for source in &refused {
            let why = refusal(&rules, source).unwrap_or_else(|| panic!("{source:?} allowed"));
            assert!(why.contains("stored_secrets"), "{why}");
        }
        assert!(refusal(&[], &PasswordSource::Env("IMAP_ALICE".into())).is_some(), "nothing unless listed");
    }

    #[test]
    fn entries_that_would_allow_everything_or_cannot_be_read_are_refused() {
        for entry in
            ["env:", "file:relative/dir", "file:/", "file:/etc/../root", "command: ", "IMAP_", "url:x"]
        {
            let error = SecretRule::parse(entry).expect_err(entry);
            assert!(error.contains("stored_secrets"), "{error}");
        }
    }
}
