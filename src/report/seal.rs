//! The seal that tells a weekly report scamguard delivered from a mail that looks like
//! one (pure).
//!
//! A report lists wallets, amounts, shown passwords and look-alike domains: read by the
//! rules, it is a threat. When the answer to its APPEND is lost, the store never learns
//! its Message-ID, so the next pass would classify it, move it to Junk and count it in
//! the next report. So every report carries an [`HEADER`] with an HMAC-SHA256, under a
//! secret kept in the database, over its Message-ID and body; the scanner leaves a
//! message alone only when that HMAC verifies ([`is_genuine`]). A forged or altered copy
//! fails and is classified like any other mail.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header that carries the seal: `X-Scamguard-Report: v1 <hex HMAC>`.
pub const HEADER: &str = "X-Scamguard-Report";

/// A bound on how much of a message is read to check a seal: a report is a few KB.
const MAX_SEALED_BYTES: usize = 1024 * 1024;

/// The per-database secret reports are sealed with. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct ReportKey(Vec<u8>);

impl std::fmt::Debug for ReportKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReportKey(***)")
    }
}

impl ReportKey {
    /// A key from the stored secret (the store makes 32 random bytes).
    pub fn new(secret: Vec<u8>) -> ReportKey {
        ReportKey(secret)
    }

    fn mac(&self, message_id: &str, body: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(b"scamguard-report-v1\n");
        mac.update(message_id.trim().as_bytes());
        mac.update(b"\n");
        // Line endings as stored: a server may keep CRLF or turn it into LF.
        for chunk in canonical_body(body).split(|&b| b == b'\r') {
            mac.update(chunk);
        }
        mac
    }
}

/// The value of [`HEADER`] for a report with this Message-ID (as written, with its
/// angle brackets) and body (everything after the blank line ending the header).
pub fn seal(key: &ReportKey, message_id: &str, body: &[u8]) -> String {
    let tag = key.mac(message_id, body).finalize().into_bytes();
    format!("v1 {}", tag.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// True only for a message whose [`HEADER`] holds a valid seal under `key` of its own
/// Message-ID and body (compared in constant time).
pub fn is_genuine(key: &ReportKey, raw: &[u8]) -> bool {
    if raw.len() > MAX_SEALED_BYTES {
        return false;
    }
    let (headers, body) = split(raw);
    let (Some(value), Some(message_id)) = (header(headers, HEADER), header(headers, "Message-ID")) else {
        return false;
    };
    let Some(tag) = value.trim().strip_prefix("v1 ").and_then(|hex| from_hex(hex.trim())) else {
        return false;
    };
    key.mac(&message_id, body).verify_slice(&tag).is_ok()
}

/// The body without the whitespace and line breaks at its end.
fn canonical_body(body: &[u8]) -> &[u8] {
    let end = body.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |i| i + 1);
    body.get(..end).unwrap_or_default()
}

/// The header block and the body of a raw message.
fn split(raw: &[u8]) -> (&[u8], &[u8]) {
    let crlf = raw.windows(4).position(|w| w == b"\r\n\r\n").map(|i| (i, i + 4));
    let lf = raw.windows(2).position(|w| w == b"\n\n").map(|i| (i, i + 2));
    let (end, body) = match (crlf, lf) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b).unwrap_or((raw.len(), raw.len())),
    };
    (raw.get(..end).unwrap_or_default(), raw.get(body..).unwrap_or_default())
}

/// The first header named `name` (case-insensitive), unfolded, if any.
fn header(headers: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(headers);
    let mut lines = text.split('\n').map(|l| l.trim_end_matches('\r')).peekable();
    while let Some(line) = lines.next() {
        let Some((field, value)) = line.split_once(':') else { continue };
        if !field.eq_ignore_ascii_case(name) {
            continue;
        }
        let mut value = value.to_string();
        while let Some(more) = lines.next_if(|l| l.starts_with([' ', '\t'])) {
            value.push_str(more);
        }
        return Some(value);
    }
    None
}

fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> ReportKey {
        ReportKey::new(vec![byte; 32])
    }

    fn sealed(key: &ReportKey, body: &str) -> String {
        let id = "<scamguard-report-2026-W47-ab@scamguard.invalid>";
        format!(
            "{HEADER}: {}\r\nMessage-ID: {id}\r\nSubject: r\r\n\r\n{body}",
            seal(key, id, body.as_bytes())
        )
    }

    #[test]
    fn a_sealed_report_verifies_and_any_change_breaks_it() {
        let raw = sealed(&key(1), "wallet bc1q...\r\n");
        assert!(is_genuine(&key(1), raw.as_bytes()));
        assert!(is_genuine(&key(1), raw.replace("\r\n", "\n").as_bytes()), "LF line endings are fine");
        assert!(!is_genuine(&key(2), raw.as_bytes()), "another database's key");
        assert!(!is_genuine(&key(1), raw.replace("wallet", "wa11et").as_bytes()), "body changed");
        assert!(!is_genuine(&key(1), raw.replace("-ab@", "-ac@").as_bytes()), "Message-ID changed");
        let mut tampered = raw.clone().into_bytes();
        let first_hex = raw.find("v1 ").expect("sealed") + 3;
        tampered[first_hex] = if tampered[first_hex] == b'0' { b'1' } else { b'0' };
        assert!(!is_genuine(&key(1), &tampered), "HMAC changed");
        assert!(!is_genuine(&key(1), raw.replace(HEADER, "X-Other").as_bytes()), "no seal");
        assert!(!is_genuine(&key(1), b"v1 zz\r\n\r\n"));
    }

    #[test]
    fn keys_never_print() {
        assert_eq!(format!("{:?}", key(7)), "ReportKey(***)");
    }
}
