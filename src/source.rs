//! Reads messages from disk for `scamguard scan`: single `.eml` files, folders searched
//! recursively for `.eml`, and mbox files. An unreadable file is reported as that file's
//! error; it never stops the others.
//!
//! Folders are walked with `walkdir`, following symbolic links (a folder of links to
//! mail keeps working) but never around a loop, and each file is read once however many
//! paths lead to it. What the walk cannot read (a folder it may not open, a link to
//! nothing, a link back to a folder above it) is reported as an input of its own, after
//! the mail that could be read, as ripgrep reports what it could not search. An mbox is read one message at a time (mail-parser's streaming
//! reader), so a mailbox of gigabytes is never held in memory at once.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use mail_parser::mailbox::mbox::MessageIterator;
use walkdir::WalkDir;

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
        let walk = walk(path);
        for file in walk.files {
            visit(read_file(&file));
        }
        for (path, source) in walk.errors {
            visit(Input {
                label: path.display().to_string(),
                bytes: Err(SourceError::Unreadable { path, source }),
            });
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
    let label = path.display().to_string();
    let unreadable = |source| SourceError::Unreadable { path: path.to_path_buf(), source };
    let mut reader = match File::open(path) {
        Ok(file) => BufReader::new(file),
        Err(source) => return visit(Input { label, bytes: Err(unreadable(source)) }),
    };
    let is_eml = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("eml"));
    // An mbox file starts with a `From ` separator line; an `.eml` file never does.
    match reader.fill_buf() {
        Ok(start) if !is_eml && start.starts_with(b"From ") => for_each_in_mbox(reader, &label, path, visit),
        Ok(_) => visit(Input { label, bytes: read_rest(reader).map_err(unreadable) }),
        Err(source) => visit(Input { label, bytes: Err(unreadable(source)) }),
    }
}

/// Hands on the messages of an mbox as the streaming reader finds them (it splits at
/// `From ` lines and undoes `>From ` quoting). A read error ends the file, reported on
/// the message it cut short.
fn for_each_in_mbox(reader: BufReader<File>, label: &str, path: &Path, visit: &mut dyn FnMut(Input)) {
    for (index, message) in MessageIterator::new(reader).enumerate() {
        let failed = message.is_err();
        visit(Input {
            label: format!("{label}#{}", index + 1),
            bytes: message
                .map(mail_parser::mailbox::mbox::Message::unwrap_contents)
                .map_err(|source| SourceError::Unreadable { path: path.to_path_buf(), source }),
        });
        if failed {
            return;
        }
    }
}

fn read_rest(mut reader: BufReader<File>) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut reader, &mut bytes)?;
    Ok(bytes)
}

fn read_file(path: &Path) -> Input {
    Input {
        label: path.display().to_string(),
        bytes: fs::read(path).map_err(|source| SourceError::Unreadable { path: path.to_path_buf(), source }),
    }
}

/// Every `.eml` file below `dir`, sorted by path, each file once: a file reached by
/// more than one path (a link to it, a linked folder) is listed under the first path in
/// that order. Symbolic links are followed, loops are not; unreadable folders are
/// skipped (see [`for_each_message`] for a walk that reports them).
pub fn eml_files(dir: &Path) -> Vec<PathBuf> {
    walk(dir).files
}

/// What a walk of a folder found: its `.eml` files (as [`eml_files`] lists them) and,
/// sorted by path, what it could not read.
struct Walk {
    files: Vec<PathBuf>,
    errors: Vec<(PathBuf, std::io::Error)>,
}

fn walk(dir: &Path) -> Walk {
    let mut errors = Vec::new();
    let mut found: Vec<(PathBuf, (u64, u64))> = WalkDir::new(dir)
        .follow_links(true)
        .into_iter()
        // An error is an unreadable folder, a link to nothing, or a link back to a folder
        // above it (walkdir's message says which).
        .filter_map(|entry| {
            entry
                .map_err(|error| {
                    let path = error.path().unwrap_or(dir).to_path_buf();
                    // A file that would not be read anyway (`notes.txt`) is no loss.
                    if path.extension().is_none_or(|e| e.eq_ignore_ascii_case("eml")) {
                        // The system's own error where there is one (its message does not
                        // repeat the path); walkdir's words for a loop.
                        let loop_found = error.to_string();
                        errors.push((
                            path,
                            error.into_io_error().unwrap_or_else(|| std::io::Error::other(loop_found)),
                        ));
                    }
                })
                .ok()
        })
        .filter(|entry| entry.file_type().is_file())
        .filter(|entry| entry.path().extension().is_some_and(|e| e.eq_ignore_ascii_case("eml")))
        .filter_map(|entry| {
            let identity = entry.metadata().ok().map(|m| (m.dev(), m.ino()))?;
            Some((entry.into_path(), identity))
        })
        .collect();
    found.sort();
    let mut seen = HashSet::new();
    found.retain(|(_, identity)| seen.insert(*identity));
    errors.sort_by(|a, b| a.0.cmp(&b.0));
    Walk { files: found.into_iter().map(|(path, _)| path).collect(), errors }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message `for_each_message` finds under `path`: (label, text).
    fn messages(path: &Path) -> Vec<(String, String)> {
        let mut found = Vec::new();
        for_each_message(path, &mut |input| {
            let text = input.bytes.map(|b| String::from_utf8_lossy(&b).into_owned());
            found.push((input.label, text.unwrap_or_else(|e| format!("error: {e}"))));
        });
        found
    }

    #[test]
    fn mbox_is_split_at_separators_and_unquoted() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("box");
        fs::write(&path, b"From a@b Mon Jan 1 00:00:00 2024\nSubject: one\n\n>From here\n>>From there\n\nFrom c@d Tue Jan 2 00:00:00 2024\nSubject: two\n\nbody\n").expect("write");
        let label = path.display().to_string();
        assert_eq!(
            messages(&path),
            [
                (format!("{label}#1"), "Subject: one\n\nFrom here\n>From there\n\n".to_string()),
                (format!("{label}#2"), "Subject: two\n\nbody\n".to_string()),
            ]
        );
    }

    /// An mbox is read message by message: the first is handed on while the rest of the
    /// file has not been written yet (a named pipe), where reading the whole file first
    /// would wait for its end.
    #[test]
    fn an_mbox_is_read_as_a_stream() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pipe = dir.path().join("box");
        let made = std::process::Command::new("mkfifo").arg(&pipe).status().expect("mkfifo runs");
        assert!(made.success());
        let (seen_first, first_was_seen) = std::sync::mpsc::channel::<()>();
        let writer = std::thread::spawn({
            let pipe = pipe.clone();
            move || {
                use std::io::Write;
                let mut out = fs::OpenOptions::new().write(true).open(&pipe).expect("open the pipe");
                out.write_all(b"From a@b Mon Jan 1 00:00:00 2024\nSubject: one\n\nbody\nFrom c@d Tue Jan 2 00:00:00 2024\n")
                    .expect("write");
                out.flush().expect("flush");
                let in_time = first_was_seen.recv_timeout(std::time::Duration::from_secs(5)).is_ok();
                out.write_all(b"Subject: two\n\nbody\n").expect("write");
                in_time
            }
        });
        let mut subjects = Vec::new();
        for_each_message(&pipe, &mut |input| {
            subjects.push(input.bytes.map(|b| b.starts_with(b"Subject: one")).unwrap_or(false));
            let _ = seen_first.send(());
        });
        assert!(writer.join().expect("writer"), "the first message came before the file ended");
        assert_eq!(subjects, [true, false]);
    }

    const MAIL: &str = "Subject: x\n\nx";

    /// A temporary folder with one mail, `x.eml`, in its subfolder `at`; and that mail's path.
    fn folder_with_mail(at: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = dir.path().join(at);
        fs::create_dir_all(&folder).expect("mkdir");
        fs::write(folder.join("x.eml"), MAIL).expect("write");
        (dir, folder.join("x.eml"))
    }

    fn link(target: &Path, at: PathBuf) {
        std::os::unix::fs::symlink(target, at).expect("link");
    }

    /// A link back to a folder above (a loop) once counted one mail 41 times. The loop
    /// itself is reported, after the mail, as what could not be read.
    #[test]
    fn a_link_loop_gives_each_mail_once_and_is_reported() {
        let (dir, mail) = folder_with_mail("a/deep");
        let loop_link = dir.path().join("a/deep/loop");
        link(dir.path(), loop_link.clone());
        let found = messages(dir.path());
        assert_eq!(found.first(), Some(&(mail.display().to_string(), MAIL.to_string())));
        assert_eq!(found.len(), 2, "{found:?}");
        let (label, error) = found.get(1).expect("the loop");
        assert_eq!(label, &loop_link.display().to_string());
        assert!(error.starts_with("error: cannot read") && error.contains("loop"), "{error}");
        assert_eq!(eml_files(dir.path()), [mail], "listing alone skips it");
    }

    /// A link to a mail that is gone is reported by its path; the walk goes on.
    #[test]
    fn a_link_to_nothing_is_reported_and_the_rest_is_read() {
        let (dir, mail) = folder_with_mail("a");
        let dangling = dir.path().join("a/gone.eml");
        link(&dir.path().join("nowhere.eml"), dangling.clone());
        link(&dir.path().join("nowhere.txt"), dir.path().join("a/notes.txt"));
        let found = messages(dir.path());
        assert_eq!(found.first(), Some(&(mail.display().to_string(), MAIL.to_string())));
        let labels: Vec<&str> = found.iter().map(|(label, _)| label.as_str()).collect();
        assert_eq!(labels, [mail.display().to_string(), dangling.display().to_string()]);
    }

    /// A mail reached by a second path (a linked folder, a link to the file) is read once,
    /// under the first path in sorted order.
    #[test]
    fn a_mail_reached_by_two_paths_is_read_once() {
        let (dir, mail) = folder_with_mail("a");
        link(&dir.path().join("a"), dir.path().join("b"));
        link(&mail, dir.path().join("y.eml"));
        assert_eq!(messages(dir.path()), [(mail.display().to_string(), MAIL.to_string())]);
    }

    /// A folder reached only through a link is read.
    #[test]
    fn a_folder_reached_through_a_link_is_read() {
        let (outside, _) = folder_with_mail("mail");
        let dir = tempfile::tempdir().expect("temp dir");
        link(&outside.path().join("mail"), dir.path().join("linked"));
        let found = messages(dir.path());
        assert_eq!(found, [(dir.path().join("linked/x.eml").display().to_string(), MAIL.to_string())]);
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
