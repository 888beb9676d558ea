//! Who a message was written to: the addresses of its To, Cc and Bcc headers, read from a
//! header block (what `BODY.PEEK[HEADER.FIELDS (TO CC BCC)]` returns for a message in the
//! user's Sent folder). Known correspondents are built from these.
//!
//! The block is treated as hostile like any other mail: it is read only up to
//! [`MAX_BLOCK_BYTES`], a message yields at most [`MAX_PER_MESSAGE`] addresses (a mailing
//! to a whole list is not a list of people the user corresponds with one by one, and one
//! message must not fill the table), and only what looks like an address is kept
//! (`local@domain`, no spaces, control characters or undecodable bytes, at most 254 bytes,
//! RFC 5321's limit).

use mail_parser::{Address, HeaderName, HeaderValue, MessageParser};

/// How much of a header block is read. Real To/Cc/Bcc lines of even a large mailing fit
/// in a few kilobytes; the rest of a bigger block is cut off unread.
pub const MAX_BLOCK_BYTES: usize = 64 * 1024;

/// How many addresses one message yields at most (the first ones, in header order).
pub const MAX_PER_MESSAGE: usize = 100;

/// The longest address kept (RFC 5321 §4.5.3.1.3: a path is at most 256 octets with its
/// angle brackets).
const MAX_ADDRESS_BYTES: usize = 254;

/// The distinct lower-cased addresses of the To, Cc and Bcc headers in `block`, in order
/// of appearance, at most [`MAX_PER_MESSAGE`]. Anything unreadable yields nothing.
pub fn recipients(block: &[u8]) -> Vec<String> {
    let block = block.get(..MAX_BLOCK_BYTES).unwrap_or(block);
    // mail-parser reads a header block alone as a message without a body.
    let Some(message) = MessageParser::default().parse_headers(block) else { return Vec::new() };
    let mut found: Vec<String> = Vec::new();
    for header in message.headers() {
        if !matches!(header.name, HeaderName::To | HeaderName::Cc | HeaderName::Bcc) {
            continue;
        }
        let HeaderValue::Address(address) = &header.value else { continue };
        for address in addresses(address) {
            if found.len() >= MAX_PER_MESSAGE {
                return found;
            }
            if !found.contains(&address) {
                found.push(address);
            }
        }
    }
    found
}

/// The plausible addresses of one header value, lower-cased.
fn addresses<'a>(value: &'a Address<'_>) -> impl Iterator<Item = String> + 'a {
    value.iter().filter_map(|mailbox| plausible(mailbox.address()?))
}

/// `text` as an address when it looks like one: `local@domain`, both parts present, no
/// whitespace or control characters, no bytes that were not text (decoded as U+FFFD),
/// within [`MAX_ADDRESS_BYTES`].
fn plausible(text: &str) -> Option<String> {
    let text = text.trim();
    let (local, domain) = text.rsplit_once('@')?;
    let fine = !local.is_empty()
        && !domain.is_empty()
        && text.len() <= MAX_ADDRESS_BYTES
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '\u{FFFD}'));
    fine.then(|| text.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_cc_and_bcc_give_their_addresses_lower_cased_once_each() {
        let block = b"To: Bob <Bob@Friends.Example>, carol@work.example\r\n\
            Cc: \"Dan, the builder\" <dan@build.example>, bob@friends.example\r\n\
            Bcc: Team: erin@team.example, frank@team.example;\r\n\r\n";
        assert_eq!(
            recipients(block),
            [
                "bob@friends.example",
                "carol@work.example",
                "dan@build.example",
                "erin@team.example",
                "frank@team.example"
            ]
        );
        let encoded = b"To: =?UTF-8?B?44Gf44KN44GG?= <taro@example.jp>\r\n\r\n";
        assert_eq!(recipients(encoded), ["taro@example.jp"]);
    }

    #[test]
    fn other_headers_and_what_is_no_address_give_nothing() {
        let block = b"From: me@home.example\r\nReply-To: x@elsewhere.example\r\n\
            To: undisclosed-recipients:;\r\nCc: no address here, @nolocal.example, nodomain@\r\n\r\n";
        assert!(recipients(block).is_empty(), "{:?}", recipients(block));
        assert!(recipients(b"").is_empty());
        assert!(recipients(b"\r\n\r\n").is_empty());
        let long = format!("To: {}@x.example\r\n\r\n", "a".repeat(300));
        assert!(recipients(long.as_bytes()).is_empty(), "longer than any real address");
    }

    #[test]
    fn one_message_yields_a_bounded_number_and_hostile_bytes_do_not_break_it() {
        let many: Vec<String> = (0..5000).map(|i| format!("p{i}@list.example")).collect();
        let block = format!("To: {}\r\nCc: late@list.example\r\n\r\n", many.join(", "));
        let found = recipients(block.as_bytes());
        assert_eq!(found.len(), MAX_PER_MESSAGE);
        assert_eq!(found.first().map(String::as_str), Some("p0@list.example"), "the first ones, in order");
        // A header block longer than what is read, control characters, invalid UTF-8.
        let mut hostile = b"To: a\x1b[2J@x.example, \xff\xfe@x.example, ok@x.example\r\nCc: ".to_vec();
        hostile.extend(std::iter::repeat_n(b'x', MAX_BLOCK_BYTES * 2));
        assert_eq!(recipients(&hostile), ["ok@x.example"]);
        for cut in 0..40 {
            let _ = recipients(hostile.get(..cut).unwrap_or_default());
        }
    }
}
