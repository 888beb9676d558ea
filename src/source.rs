//! Reads messages from disk for `scamguard scan`: single `.eml` files, folders searched
//! recursively for `.eml`, and mbox files. An unreadable file is reported as that file's
//! error; it never stops the others.

use std::fs;
use std::path::{Path, PathBuf};

/// Why one input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("no such file or folder: {0}")]
    NotFound(PathBuf),
    #[error("cannot read {path}: {source}")]
    Unreadable { path: PathBuf, source: std::io::Error },
}

/// One message to classify: where it came from and its raw bytes (or why they could not
/// be read).
pub struct Input {
    /// The file path, with `#N` (1-based) appended for the Nth message of an mbox.
    pub label: String,
    pub bytes: Result<Vec<u8>, SourceError>,
}

/// Calls `visit` with every message found under `path`, in a stable order (folders
/// sorted by name).
pub fn for_each_message(path: &Path, visit: &mut dyn FnMut(Input)) {
    if path.is_dir() {
        for file in eml_files(path) {
            visit(read_file(&file));
        }
        return;
    }
    if !path.exists() {
        visit(Input {
            label: path.display().to_string(),
            bytes: Err(SourceError::NotFound(path.to_path_buf())),
        });
        return;
    }
    let input = read_file(path);
    match &input.bytes {
        Ok(bytes) if is_mbox(path, bytes) => {
            for (index, message) in split_mbox(bytes).into_iter().enumerate() {
                visit(Input { label: format!("{}#{}", input.label, index + 1), bytes: Ok(message) });
            }
        }
        _ => visit(input),
    }
}

fn read_file(path: &Path) -> Input {
    Input {
        label: path.display().to_string(),
        bytes: fs::read(path).map_err(|source| SourceError::Unreadable { path: path.to_path_buf(), source }),
    }
}

/// Every `.eml` file below `dir`, sorted by path. Unreadable folders are skipped.
pub fn eml_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("eml")) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// An mbox file starts with a `From ` separator line; an `.eml` file never does.
fn is_mbox(path: &Path, bytes: &[u8]) -> bool {
    let is_eml = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("eml"));
    !is_eml && bytes.starts_with(b"From ")
}

/// Splits mbox content at `From ` separator lines and undoes `>From ` quoting.
pub fn split_mbox(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut messages = Vec::new();
    let mut current: Option<Vec<u8>> = None;
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b"From ") {
            if let Some(done) = current.take() {
                messages.push(done);
            }
            current = Some(Vec::new());
            continue;
        }
        let Some(message) = current.as_mut() else {
            continue;
        };
        let unquoted = match line.iter().position(|&b| b != b'>') {
            Some(n) if n > 0 && line.get(n..).is_some_and(|rest| rest.starts_with(b"From ")) => {
                line.get(1..).unwrap_or(line)
            }
            _ => line,
        };
        message.extend_from_slice(unquoted);
    }
    messages.extend(current);
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mbox_is_split_at_separators_and_unquoted() {
        let mbox = b"From a@b Mon Jan 1 00:00:00 2024\nSubject: one\n\n>From here\n\nFrom c@d Tue Jan 2 00:00:00 2024\nSubject: two\n\nbody\n";
        let messages = split_mbox(mbox);
        assert_eq!(messages.len(), 2);
        assert_eq!(
            messages.first().map(|m| String::from_utf8_lossy(m).into_owned()),
            Some("Subject: one\n\nFrom here\n\n".into())
        );
    }

    #[test]
    fn folders_are_searched_recursively_for_eml_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let nested = dir.path().join("a/b");
        fs::create_dir_all(&nested).expect("mkdir");
        fs::write(nested.join("x.eml"), b"Subject: x\n\nx").expect("write");
        fs::write(dir.path().join("y.EML"), b"Subject: y\n\ny").expect("write");
        fs::write(dir.path().join("notes.txt"), b"no").expect("write");
        let mut labels = Vec::new();
        for_each_message(dir.path(), &mut |input| labels.push(input.label));
        assert_eq!(labels.len(), 2);
        assert!(labels.iter().all(|l| l.to_lowercase().ends_with(".eml")));
    }

    #[test]
    fn a_missing_path_is_reported_not_fatal() {
        let mut inputs = Vec::new();
        for_each_message(Path::new("/nonexistent/scamguard"), &mut |input| inputs.push(input));
        assert!(matches!(inputs.first().map(|i| &i.bytes), Some(Err(SourceError::NotFound(_)))));
    }
}
