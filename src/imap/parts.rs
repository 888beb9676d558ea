//! Reading a message too big to read whole: its text parts first, from its structure.
//!
//! Only the first `max_message_bytes` of a message are read. A scam that puts a large
//! image (or any filler part) before its text would push the text past that limit and
//! read as clean. For such a message the server's BODYSTRUCTURE names the parts; the text
//! parts are read (within the same limit in all), and every part's MIME header (so an
//! attachment's name still counts), and put back together as one multipart message with
//! the original header. Pure: the session fetches, this decides and assembles.

use async_imap::imap_proto::BodyStructure;

/// The most parts of one message looked at (a message of thousands of tiny parts is
/// read in part, as any other oversized one was).
const MAX_PARTS: usize = 100;

/// One leaf part of a message: its section number ("2", "1.3") and whether it is text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    pub section: String,
    pub is_text: bool,
    pub octets: u32,
}

/// The leaf parts of a multipart message, in order; `None` when the message is not
/// multipart (its text starts right after the header, so reading in part already has it).
pub fn leaves(structure: &BodyStructure<'_>) -> Option<Vec<Leaf>> {
    let BodyStructure::Multipart { bodies, .. } = structure else { return None };
    let mut found = Vec::new();
    for (index, body) in (1u32..).zip(bodies) {
        walk(body, &mut vec![index], &mut found);
    }
    found.truncate(MAX_PARTS);
    Some(found)
}

fn walk(structure: &BodyStructure<'_>, path: &mut Vec<u32>, found: &mut Vec<Leaf>) {
    let section = || path.iter().map(u32::to_string).collect::<Vec<_>>().join(".");
    match structure {
        BodyStructure::Multipart { bodies, .. } => {
            for (index, body) in (1u32..).zip(bodies) {
                path.push(index);
                walk(body, path, found);
                path.pop();
            }
        }
        BodyStructure::Text { common, other, .. } => found.push(Leaf {
            section: section(),
            is_text: common.ty.ty.eq_ignore_ascii_case("text"),
            octets: other.octets,
        }),
        BodyStructure::Basic { other, .. } | BodyStructure::Message { other, .. } => {
            found.push(Leaf { section: section(), is_text: false, octets: other.octets })
        }
    }
}

/// The sections to ask for: every leaf's MIME header, and the bodies of text leaves while
/// `budget` bytes last (the last one read in part).
pub fn sections_to_read(leaves: &[Leaf], budget: u32) -> Vec<String> {
    let mut left = budget;
    let mut sections = Vec::new();
    for leaf in leaves {
        sections.push(format!("BODY.PEEK[{}.MIME]", leaf.section));
        if leaf.is_text && left > 0 {
            sections.push(format!("BODY.PEEK[{}]<0.{left}>", leaf.section));
            left = left.saturating_sub(leaf.octets);
        }
    }
    sections
}

/// One multipart message from the original header and the parts read: each a MIME
/// header and its body (empty when not read). The original Content-Type and
/// Content-Transfer-Encoding give way to the new multipart's.
pub fn assemble(header: &[u8], parts: &[(Vec<u8>, Vec<u8>)], boundary: &str) -> Vec<u8> {
    let mut message =
        Vec::with_capacity(header.len() + parts.iter().map(|(h, b)| h.len() + b.len() + 64).sum::<usize>());
    let mut skipping = false;
    for line in header.split_inclusive(|&b| b == b'\n') {
        let folded = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if !folded {
            let name = line.split(|&b| b == b':').next().unwrap_or_default();
            skipping = name.eq_ignore_ascii_case(b"content-type")
                || name.eq_ignore_ascii_case(b"content-transfer-encoding")
                || name.eq_ignore_ascii_case(b"mime-version");
        }
        if !skipping && line.iter().any(|b| !b.is_ascii_whitespace()) {
            message.extend_from_slice(line);
        }
    }
    message.extend_from_slice(
        format!("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n")
            .as_bytes(),
    );
    for (mime, body) in parts {
        message.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        message.extend_from_slice(mime);
        if !mime.ends_with(b"\r\n\r\n") && !mime.ends_with(b"\n\n") {
            message.extend_from_slice(b"\r\n");
        }
        message.extend_from_slice(body);
        message.extend_from_slice(b"\r\n");
    }
    message.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(section: &str, is_text: bool, octets: u32) -> Leaf {
        Leaf { section: section.into(), is_text, octets }
    }

    #[test]
    fn text_bodies_are_read_within_the_budget_and_every_header_is() {
        let parts = [
            leaf("1", false, 1_700_000),
            leaf("2.1", true, 300),
            leaf("2.2", true, 900),
            leaf("3", true, 50),
        ];
        assert_eq!(
            sections_to_read(&parts, 1000),
            [
                "BODY.PEEK[1.MIME]",
                "BODY.PEEK[2.1.MIME]",
                "BODY.PEEK[2.1]<0.1000>",
                "BODY.PEEK[2.2.MIME]",
                "BODY.PEEK[2.2]<0.700>",
                "BODY.PEEK[3.MIME]",
            ]
        );
    }

    #[test]
    fn the_parts_read_make_one_message_that_parses() {
        let header = b"From: a@b.example\r\nSubject: hi\r\nContent-Type: multipart/mixed;\r\n boundary=\"old\"\r\nMIME-Version: 1.0\r\n\r\n";
        let parts = [
            (
                b"Content-Type: image/jpeg; name=\"big.jpg\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                    .to_vec(),
                Vec::new(),
            ),
            (b"Content-Type: text/plain; charset=utf-8\r\n\r\n".to_vec(), b"pay 1 BTC".to_vec()),
        ];
        let raw = assemble(header, &parts, "sg-1");
        let text = String::from_utf8_lossy(&raw);
        assert!(!text.contains("boundary=\"old\""), "{text}");
        let email = scamguard_engine::mail::parse(&raw).expect("parses");
        assert_eq!(email.subject, "hi");
        assert!(email.text.contains("pay 1 BTC"), "{}", email.text);
    }
}
