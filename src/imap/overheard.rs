//! What the server says while scamguard logs in, kept to read its `[ALERT]`s from.
//!
//! async-imap's LOGIN and AUTHENTICATE read the server's answer themselves and keep only
//! whether it said OK: an `[ALERT]` there (`A1 OK [ALERT] Your password expires in 3
//! days`, or an untagged `* OK [ALERT] …` before it) was dropped, though RFC 3501 §7.1
//! says the client MUST present it, as alerts in later commands are (`command::alert`).
//! The stream under every session ([`super::bounded::Bounded`]) hands what it reads to a
//! [`Recording`], which keeps it while it records (the login, at most [`KEPT`] bytes);
//! [`Recording::alerts`] reads the alerts out of that. Only what the server sends is
//! kept: the password and token, which the client writes, never pass through it.

use std::sync::{Arc, Mutex, PoisonError};

use async_imap::imap_proto::Response;

/// How much of the login's answer is kept: a few lines are all a server sends there (a
/// CAPABILITY list, challenges, the tagged line), so a server that sends more cannot
/// make the copy grow.
const KEPT: usize = 64 * 1024;

/// What a connection read while recording, shared by its stream and its reader; `None`
/// when not recording.
#[derive(Debug, Clone, Default)]
pub struct Recording(Arc<Mutex<Option<Vec<u8>>>>);

impl Recording {
    /// Keeps what is read from now on.
    pub fn start(&self) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(Vec::new());
    }

    /// Keeps `read`, the bytes the stream just read, while recording and while there is
    /// room.
    pub fn keep(&self, read: &[u8]) {
        if let Some(kept) = self.0.lock().unwrap_or_else(PoisonError::into_inner).as_mut() {
            let room = KEPT.saturating_sub(kept.len());
            kept.extend_from_slice(read.get(..room.min(read.len())).unwrap_or_default());
        }
    }

    /// Stops recording, and gives the text of every `[ALERT]` in what was read, made
    /// safe to print (see `command::alert`). A line that does not parse (one that ends
    /// in a literal) holds none for this purpose.
    pub fn alerts(&self) -> Vec<String> {
        let kept = self.0.lock().unwrap_or_else(PoisonError::into_inner).take().unwrap_or_default();
        kept.split_inclusive(|&b| b == b'\n')
            .filter_map(|line| Response::parse(line).ok())
            .filter_map(|(_, response)| super::command::alert(&response))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imap::bounded::Bounded;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn alerts_are_read_from_what_came_while_recording_and_nothing_else() {
        let sent: &[u8] =
            b"* OK [ALERT] before\r\n* OK [ALERT] during\r\n+ \r\nA1 OK [ALERT] Expires \x1b[2J soon\r\n";
        let recording = Recording::default();
        let mut stream = Bounded::overheard(sent, 1024, &recording);
        let mut first = [0u8; 21];
        stream.read_exact(&mut first).await.expect("read");
        recording.start();
        stream.read_to_end(&mut Vec::new()).await.expect("read");
        assert_eq!(recording.alerts(), ["during", "Expires \\u{1b}[2J soon"]);
        assert!(recording.alerts().is_empty(), "taken once; not recording any more");
    }

    #[test]
    fn what_is_kept_is_bounded() {
        let recording = Recording::default();
        recording.start();
        for _ in 0..KEPT {
            recording.keep(b"* OK [ALERT] x\r\n");
        }
        assert_eq!(recording.alerts().len(), KEPT / 16, "only what fits in KEPT");
    }
}
