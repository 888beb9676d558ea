//! The refresh token on disk: one small JSON file per account, private to its owner.
//!
//! It is written to a temporary file in the same folder, created with mode 0600 (never
//! readable by others, not even for an instant), synced, then renamed over the old one:
//! a crash leaves the old token or the new one, never half of either.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::OAuthError;
use crate::config::Secret;

/// What is kept for an account.
#[derive(Debug)]
pub struct StoredToken {
    pub refresh_token: Secret,
    /// When it was saved (Unix seconds).
    pub saved_at: i64,
}

#[derive(Serialize, Deserialize)]
struct Raw {
    refresh_token: String,
    saved_at: i64,
}

/// A token file is a few hundred bytes; a bigger one is not ours.
const MAX_FILE_BYTES: u64 = 64 * 1024;

fn file_error(path: &Path) -> impl Fn(std::io::Error) -> OAuthError + '_ {
    move |source| OAuthError::File { path: path.to_path_buf(), source }
}

/// Reads the token; `None` when there is no file.
pub fn load(path: &Path) -> Result<Option<StoredToken>, OAuthError> {
    let bad = |reason: &str| OAuthError::BadFile { path: path.to_path_buf(), reason: reason.into() };
    let metadata = match std::fs::metadata(path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        other => other.map_err(file_error(path))?,
    };
    if metadata.len() > MAX_FILE_BYTES {
        return Err(bad("too big"));
    }
    // As ssh does with a private key: a token others could read is not used, so a
    // `chmod` by mistake is noticed rather than left open.
    if metadata.permissions().mode() & 0o077 != 0 {
        return Err(OAuthError::Exposed(path.to_path_buf()));
    }
    let text = std::fs::read(path).map_err(file_error(path))?;
    let raw: Raw = serde_json::from_slice(&text).map_err(|_| bad("not a scamguard token file"))?;
    if raw.refresh_token.is_empty() {
        return Err(bad("empty token"));
    }
    Ok(Some(StoredToken { refresh_token: Secret::new(raw.refresh_token), saved_at: raw.saved_at }))
}

/// Replaces the token atomically; the file is 0600 from its creation.
pub fn save(path: &Path, token: &StoredToken) -> Result<(), OAuthError> {
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&folder).map_err(file_error(&folder))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = folder.join(format!(".{name}.{}.{}.tmp", std::process::id(), rand::random::<u32>()));
    let raw = Raw { refresh_token: token.refresh_token.expose().to_string(), saved_at: token.saved_at };
    let text = serde_json::to_vec(&raw).map_err(|e| OAuthError::Invalid(e.to_string()))?;
    let written = (|| {
        let mut file =
            std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temporary)?;
        file.write_all(&text)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.map_err(file_error(path))?;
    // The rename itself survives a crash only once the folder is synced.
    if let Ok(dir) = std::fs::File::open(&folder) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Deletes the token; `false` when there was none.
pub fn remove(path: &Path) -> Result<bool, OAuthError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(file_error(path)(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_token_is_private_replaced_whole_refused_when_exposed_and_removed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sub/a.json");
        assert!(load(&path).expect("no file is fine").is_none());
        save(&path, &StoredToken { refresh_token: Secret::new("one".into()), saved_at: 5 }).expect("save");
        let mode = std::fs::metadata(&path).expect("saved").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        save(&path, &StoredToken { refresh_token: Secret::new("two".into()), saved_at: 6 }).expect("again");
        let token = load(&path).expect("read").expect("present");
        assert_eq!((token.refresh_token.expose(), token.saved_at), ("two", 6));
        let left: Vec<_> = std::fs::read_dir(path.parent().expect("folder")).expect("list").collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        let exposed = load(&path).expect_err("readable by the group");
        assert!(matches!(exposed, OAuthError::Exposed(_)), "{exposed}");
        assert!(exposed.to_string().contains("chmod 600"), "{exposed}");
        assert!(remove(&path).expect("removed"));
        assert!(!remove(&path).expect("nothing to remove"));
    }

    #[test]
    fn a_file_that_is_not_a_token_is_refused_without_quoting_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("t.json");
        std::fs::write(&path, "hunter2").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let error = load(&path).expect_err("not json");
        assert!(matches!(error, OAuthError::BadFile { .. }), "{error}");
        let error = error.to_string();
        assert!(error.contains("auth login") && !error.contains("hunter2"), "{error}");
    }
}
