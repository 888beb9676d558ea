//! Passwords and tokens: where they come from, and a wrapper that never prints them.
//!
//! A secret is read when a connection is made (so a rotated password or a fresh OAuth
//! token is picked up on reconnect) and lives in a [`Secret`], whose `Debug` and
//! `Display` print a placeholder, so no log line, error or panic can carry it.
//!
//! A `password_command` runs in a process group of its own with a time limit: a command
//! that hangs (a password manager waiting for a PIN nobody types) would otherwise hold
//! the connection, and with it `run --once`, forever. On timeout, or when the read is
//! abandoned (shutdown), the whole group is killed, so no child of it is left behind.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::AsyncReadExt;

/// How long a `password_command` may take when the configuration does not say.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// At most this much of a password command's output is read: a secret is one line.
const MAX_COMMAND_OUTPUT: u64 = 64 * 1024;

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
    /// token helpers), killed with its process group after `timeout`.
    Command { command: String, timeout: Duration },
    /// `auth = "oauth2"`: no password; the access token comes from the refresh token that
    /// `scamguard auth login` stored (see `crate::oauth`).
    StoredToken,
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
    #[error(
        "password command did not finish within {} s; it was killed with its process group \
         (raise password_command_timeout if it needs longer)",
        .0.as_secs_f32()
    )]
    CommandTimedOut(Duration),
    #[error("the password source gave an empty secret")]
    Empty,
    #[error("an OAuth 2 account has no password; its token comes from `scamguard auth login`")]
    NoPassword,
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
            PasswordSource::Command { command, timeout } => run_command(command, *timeout).await?,
            PasswordSource::StoredToken => return Err(SecretError::NoPassword),
        };
        let first_line = value.lines().next().unwrap_or_default().trim_end_matches('\r').to_string();
        if first_line.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(Secret(first_line))
    }
}

/// Runs `command` with `sh -c` in a new process group and returns its output, or kills
/// the group when it takes longer than `timeout`.
async fn run_command(command: &str, timeout: Duration) -> Result<String, SecretError> {
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(SecretError::CommandFailed)?;
    // Armed until the command has finished: dropping this future (a timeout here, or a
    // shutdown above) kills every process of the group, not only `sh`.
    let mut group = GroupGuard(child.id());
    let mut stdout = child.stdout.take();
    let finished = tokio::time::timeout(timeout, async {
        let mut output = Vec::new();
        if let Some(stdout) = stdout.as_mut() {
            stdout.take(MAX_COMMAND_OUTPUT).read_to_end(&mut output).await?;
        }
        let status = child.wait().await?;
        Ok::<_, std::io::Error>((status, output))
    })
    .await;
    let (status, output) = match finished {
        Err(_elapsed) => return Err(SecretError::CommandTimedOut(timeout)),
        Ok(result) => result.map_err(SecretError::CommandFailed)?,
    };
    group.0 = None;
    if !status.success() {
        return Err(SecretError::CommandExit(status));
    }
    Ok(String::from_utf8_lossy(&output).into_owned())
}

/// Kills the process group it names when dropped (`None`: nothing to kill).
struct GroupGuard(Option<u32>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        let Some(pid) = self.0.and_then(|id| rustix::process::Pid::from_raw(id as i32)) else { return };
        // The group may be gone already (ESRCH): nothing to do then.
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
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

    fn shell(text: &str) -> PasswordSource {
        PasswordSource::Command { command: text.into(), timeout: DEFAULT_COMMAND_TIMEOUT }
    }

    #[tokio::test]
    async fn secrets_are_read_from_env_file_and_command() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("pw");
        std::fs::write(&file, "from-file\nsecond line\n").expect("write");
        assert_eq!(PasswordSource::File(file).read().await.expect("file").expose(), "from-file");
        let command = shell("printf 'from-command\\n'");
        assert_eq!(command.read().await.expect("command").expose(), "from-command");
        let missing = PasswordSource::Env("SCAMGUARD_TEST_UNSET_VARIABLE".into());
        assert!(matches!(missing.read().await, Err(SecretError::MissingEnv(_))));
        assert!(matches!(shell("exit 3").read().await, Err(SecretError::CommandExit(_))));
    }

    /// A command that hangs, with a child that would outlive it, is stopped after the
    /// timeout with a clear error, and its whole process group is gone.
    #[tokio::test]
    async fn a_hanging_password_command_is_killed_with_its_group() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pid_file = dir.path().join("child.pid");
        let hang = PasswordSource::Command {
            command: format!("sleep 300 & echo $! > {}; wait", pid_file.display()),
            timeout: Duration::from_millis(500),
        };
        let started = std::time::Instant::now();
        let error = hang.read().await.expect_err("times out");
        assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
        assert!(matches!(error, SecretError::CommandTimedOut(_)), "{error:?}");
        assert!(error.to_string().contains("killed with its process group"), "{error}");
        let child = std::fs::read_to_string(&pid_file).expect("the child wrote its pid");
        let proc_dir = format!("/proc/{}", child.trim());
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        // The killed child is a zombie until init reaps it: gone or a zombie is fine.
        let alive = || {
            std::fs::read_to_string(format!("{proc_dir}/stat")).is_ok_and(|stat| {
                stat.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z'))
            })
        };
        while alive() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(!alive(), "the command's child {} was left running", child.trim());
    }
}
