//! IMAP's modified UTF-7 for mailbox names (RFC 3501 §5.1.3): how "迷惑メール" travels as
//! "&j,dg0TDhMPww6w-". Names from LIST are decoded for matching and display; names from
//! the configuration are encoded before they go into a command.

use base64::Engine;
use base64::alphabet::IMAP_MUTF7;
use base64::engine::{GeneralPurpose, GeneralPurposeConfig};

/// RFC 3501's base64 variant: ',' for '/', no padding.
const MUTF7: GeneralPurpose =
    GeneralPurpose::new(&IMAP_MUTF7, GeneralPurposeConfig::new().with_encode_padding(false));

/// Encodes a Unicode mailbox name.
pub fn encode(name: &str) -> String {
    let mut out = String::new();
    let mut pending: Vec<u16> = Vec::new();
    let flush = |pending: &mut Vec<u16>, out: &mut String| {
        if pending.is_empty() {
            return;
        }
        out.push('&');
        let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
        out.push_str(&MUTF7.encode(bytes));
        out.push('-');
        pending.clear();
    };
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut pending, &mut out);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buffer = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buffer));
        }
    }
    flush(&mut pending, &mut out);
    out
}

/// Decodes a modified UTF-7 mailbox name; anything malformed is kept as written.
pub fn decode(name: &str) -> String {
    let mut out = String::new();
    let mut rest = name;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or_default());
        let after = rest.get(amp + 1..).unwrap_or_default();
        let Some(end) = after.find('-') else {
            out.push_str(rest.get(amp..).unwrap_or_default());
            return out;
        };
        let encoded = after.get(..end).unwrap_or_default();
        if encoded.is_empty() {
            out.push('&');
        } else {
            match decode_run(encoded) {
                Some(text) => out.push_str(&text),
                None => out.push_str(rest.get(amp..amp + end + 2).unwrap_or_default()),
            }
        }
        rest = after.get(end + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

fn decode_run(encoded: &str) -> Option<String> {
    let lenient = GeneralPurpose::new(
        &IMAP_MUTF7,
        GeneralPurposeConfig::new().with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let bytes = lenient.decode(encoded).ok()?;
    let units: Vec<u16> =
        bytes.chunks_exact(2).filter_map(|c| c.try_into().ok().map(u16::from_be_bytes)).collect();
    String::from_utf16(&units).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_and_ampersand_round_trip() {
        assert_eq!(encode("迷惑メール"), "&j,dg0TDhMPww6w-");
        assert_eq!(decode("&j,dg0TDhMPww6w-"), "迷惑メール");
        assert_eq!(encode("[Gmail]/迷惑メール"), "[Gmail]/&j,dg0TDhMPww6w-");
        assert_eq!(encode("R&D"), "R&-D");
        assert_eq!(decode("R&-D"), "R&D");
        assert_eq!(decode("INBOX"), "INBOX");
    }

    #[test]
    fn malformed_names_are_kept() {
        assert_eq!(decode("a&b"), "a&b");
        assert_eq!(decode("a&!!-b"), "a&!!-b");
    }
}
