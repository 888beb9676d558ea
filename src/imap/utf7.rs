//! IMAP's modified UTF-7 for mailbox names (RFC 3501 §5.1.3): how "迷惑メール" travels as
//! "&j,dg0TDhMPww6w-". Names from LIST are decoded for matching and display; names from
//! the configuration are encoded before they go into a command.

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

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
        for chunk in bytes.chunks(3) {
            let b = [
                chunk.first().copied().unwrap_or(0),
                chunk.get(1).copied().unwrap_or(0),
                chunk.get(2).copied().unwrap_or(0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            let chars = chunk.len() + 1;
            for i in 0..chars {
                let index = ((n >> (18 - 6 * i)) & 63) as usize;
                out.push(BASE64.get(index).copied().map_or('A', char::from));
            }
        }
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
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut bytes = Vec::new();
    for c in encoded.bytes() {
        let value = BASE64.iter().position(|&b| b == c)? as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
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
