//! Reading the model file `[detection] model` or `scan --model` names: whatever is at that
//! path is checked before it is read. A folder, a FIFO or a device is refused without
//! opening it (opening a FIFO waits for a writer that may never come), and a file larger
//! than any model the reader accepts is refused by its size, so a wrong path to a disk
//! image costs no memory.

use std::io::Read;
use std::path::Path;

use crate::detect::model::{MAX_FILE_BYTES, Model};

/// Reads and checks the model file at `path`; the error names the path and the cause.
pub fn read(path: &Path) -> Result<Model, String> {
    let shown = path.display();
    let metadata =
        std::fs::metadata(path).map_err(|e| format!("unable to read the model file {shown}: {e}"))?;
    if !metadata.is_file() {
        let what = if metadata.is_dir() { "a folder" } else { "not a regular file" };
        return Err(format!("the model file {shown} is {what}: give a file written by `scamguard train`"));
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(format!(
            "the model file {shown} is {} bytes, more than any model ({MAX_FILE_BYTES} bytes at most)",
            metadata.len()
        ));
    }
    let file =
        std::fs::File::open(path).map_err(|e| format!("unable to read the model file {shown}: {e}"))?;
    // The size was checked, but the file may grow between the check and the read.
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("unable to read the model file {shown}: {e}"))?;
    Model::from_bytes(&bytes).map_err(|e| format!("the model file {shown}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(path: &Path) -> String {
        read(path).expect_err("refused")
    }

    #[test]
    fn a_good_model_file_reads() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("good.model");
        std::fs::write(&path, Model::embedded().to_bytes()).expect("write");
        assert_eq!(read(&path).expect("reads"), *Model::embedded());
    }

    #[test]
    fn what_is_not_a_model_file_is_refused_by_name_without_reading_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("missing.model");
        assert!(refusal(&missing).contains("missing.model") && refusal(&missing).contains("No such file"));
        assert!(refusal(dir.path()).contains("is a folder"), "{}", refusal(dir.path()));
        // A FIFO with no writer: opening it would wait forever.
        let fifo = dir.path().join("fifo.model");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
        assert!(made.success());
        let (sender, receiver) = std::sync::mpsc::channel();
        let path = fifo.clone();
        std::thread::spawn(move || sender.send(read(&path).map(Box::new)));
        let answer =
            receiver.recv_timeout(std::time::Duration::from_secs(10)).expect("answers without waiting");
        assert!(answer.expect_err("refused").contains("not a regular file"));
        // A sparse file bigger than any model: refused by its size, not read.
        let huge = dir.path().join("huge.model");
        let file = std::fs::File::create(&huge).expect("create");
        file.set_len(2 << 30).expect("sparse 2 GiB");
        assert!(refusal(&huge).contains("more than any model"), "{}", refusal(&huge));
        let garbage = dir.path().join("garbage.model");
        std::fs::write(&garbage, b"garbage").expect("write");
        assert!(refusal(&garbage).contains("not a scamguard model file"), "{}", refusal(&garbage));
    }
}
