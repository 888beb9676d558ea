//! Where a PDF attachment sends its reader: the web addresses of its link actions
//! (`/URI (…)`), in plain objects and in compressed object streams, where a modern PDF
//! keeps its annotations.
//!
//! A lure PDF is a one-page "invoice" or "security notice" whose only job is the button
//! on it, so its link is what matters; its drawn text needs fonts and layout to read and
//! is left alone. This is a bounded scan of the bytes, not a PDF reader: it never fails,
//! never panics, and costs at most [`MAX_SCANNED_BYTES`] read plus
//! [`MAX_INFLATED_BYTES`] decompressed per file. An encrypted PDF's strings are
//! ciphertext and yield nothing.

use std::io::Read;

use memchr::memmem;

/// At most this many links are taken from one PDF (a lure has one or two; a catalogue
/// with hundreds says nothing more after the first).
pub const MAX_LINKS: usize = 20;

/// Bytes of PDF looked at per mail: annotations and object streams sit anywhere, but a
/// file this big is no one-page lure.
pub const MAX_SCANNED_BYTES: usize = 8 * 1024 * 1024;

/// Bytes decompressed from object streams per mail in all, and per stream: a "zip
/// bomb" stream stops at its share and leaves the rest for the streams after it.
pub const MAX_INFLATED_BYTES: usize = 4 * 1024 * 1024;
const MAX_INFLATED_PER_STREAM: usize = 1024 * 1024;

/// `/URI` keys examined per mail: each costs a string read, and a file of nothing but
/// keys must not cost more than a few big mails.
pub const MAX_URI_KEYS: usize = 1000;

/// How far before a `stream` keyword its dictionary is looked for.
const DICTIONARY_REACH: usize = 2048;

/// The longest link read: an address longer than this is cut, not dropped.
const MAX_LINK_BYTES: usize = 2048;

/// The bytes of a string read at most (escapes and line continuations make a string
/// longer than the link it spells).
const MAX_STRING_BYTES: usize = 4 * MAX_LINK_BYTES;

/// What reading PDFs may still cost within one mail. One budget serves all of a mail's
/// PDFs, so a hundred small files cost what one big one does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    scanned: usize,
    inflated: usize,
    keys: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget { scanned: MAX_SCANNED_BYTES, inflated: MAX_INFLATED_BYTES, keys: MAX_URI_KEYS }
    }
}

/// The http(s) targets of the link actions in `pdf`, in order of appearance, the first
/// for each host, read within what is left of `budget`; empty for anything that is not a
/// PDF.
pub fn links(pdf: &[u8], budget: &mut Budget) -> Vec<String> {
    let pdf = pdf.get(..budget.scanned).unwrap_or(pdf);
    // The header may follow some junk, which readers skip (PDF 1.7 §7.5.2 allows 1 KB).
    if memmem::find(pdf.get(..1024).unwrap_or(pdf), b"%PDF-").is_none() {
        return Vec::new();
    }
    budget.scanned -= pdf.len();
    let mut found = Vec::new();
    uris_in(pdf, &mut found, &mut budget.keys);
    for data in object_streams(pdf) {
        if found.len() >= MAX_LINKS || budget.inflated == 0 || budget.keys == 0 {
            break;
        }
        let inflated = inflate(data, budget.inflated.min(MAX_INFLATED_PER_STREAM));
        budget.inflated = budget.inflated.saturating_sub(inflated.len());
        uris_in(&inflated, &mut found, &mut budget.keys);
    }
    found.truncate(MAX_LINKS);
    found
}

/// Appends the http(s) strings that follow each `/URI` key in `bytes` to `found`, while
/// `keys` lasts.
fn uris_in(bytes: &[u8], found: &mut Vec<String>, keys: &mut usize) {
    for at in memmem::find_iter(bytes, b"/URI") {
        if found.len() >= MAX_LINKS || *keys == 0 {
            return;
        }
        *keys -= 1;
        let rest = bytes.get(at + b"/URI".len()..).unwrap_or_default();
        let rest = rest.trim_ascii_start();
        let value = match rest.split_first() {
            Some((b'(', string)) => literal_string(string),
            Some((b'<', string)) if string.first() != Some(&b'<') => hex_string(string),
            _ => continue,
        };
        // One link per host: twenty decoys to one real site must not use up the room
        // before the lure's.
        if let Some(link) = web_address(&value)
            && !found.iter().any(|known| same_host(known, &link))
        {
            found.push(link);
        }
    }
}

/// Whether two web addresses name the same host (or, unreadable, are the same text).
fn same_host(a: &str, b: &str) -> bool {
    match (super::url::host_of(a), super::url::host_of(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

/// The value as a web address, when it is one: printable text starting with http(s)://.
fn web_address(value: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(value).ok()?.trim();
    let lower = text.get(..8)?.to_ascii_lowercase();
    let is_web = lower.starts_with("http://") || lower.starts_with("https://");
    (is_web && !text.chars().any(char::is_control)).then(|| text.to_string())
}

/// A literal string's bytes after its `(`, escapes undone (PDF 1.7 §7.3.4.2): `\n`,
/// `\(`, octal `\072`, a backslash before a line break joins lines, and balanced
/// parentheses nest without escapes.
fn literal_string(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&byte) = bytes.get(i)
        && out.len() < MAX_LINK_BYTES
        && i < MAX_STRING_BYTES
    {
        i += 1;
        match byte {
            b'(' => {
                depth += 1;
                out.push(byte);
            }
            b')' if depth == 0 => break,
            b')' => {
                depth -= 1;
                out.push(byte);
            }
            b'\\' => {
                let Some(&next) = bytes.get(i) else { break };
                i += 1;
                match next {
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'b' => out.push(0x08),
                    b'f' => out.push(0x0c),
                    b'0'..=b'7' => {
                        let mut code = u32::from(next - b'0');
                        for _ in 0..2 {
                            match bytes.get(i) {
                                Some(&digit @ b'0'..=b'7') => {
                                    code = code * 8 + u32::from(digit - b'0');
                                    i += 1;
                                }
                                _ => break,
                            }
                        }
                        // Three octal digits reach 511; the high bit is dropped, as readers do.
                        out.push((code & 0xff) as u8);
                    }
                    b'\r' => i += usize::from(bytes.get(i) == Some(&b'\n')),
                    b'\n' => {}
                    other => out.push(other),
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// A hex string's bytes after its `<`, up to `>` (whitespace ignored; an odd last digit
/// counts as followed by 0).
fn hex_string(bytes: &[u8]) -> Vec<u8> {
    let digits: Vec<u8> = bytes
        .iter()
        .take_while(|&&b| b != b'>')
        .take(MAX_LINK_BYTES * 2 + 64)
        .filter_map(|&b| (b as char).to_digit(16).map(|d| d as u8))
        .collect();
    digits
        .chunks(2)
        .map(|pair| pair.iter().chain([&0]).take(2).fold(0, |byte, digit| (byte << 4) | digit))
        .collect()
}

/// The raw data of each object stream (`/Type /ObjStm`) in `pdf`, in one pass: each
/// stream's end is looked for once, and a stream without an end runs to the file's. Page
/// contents, fonts and images are streams too, but never hold a link action: they are
/// not inflated.
fn object_streams(pdf: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut from = 0;
    std::iter::from_fn(move || {
        loop {
            let at = from + memmem::find(pdf.get(from..)?, b"stream")?;
            from = at + b"stream".len();
            // "endstream" contains "stream": only a keyword after a dictionary's ">>"
            // starts one.
            let before = pdf.get(at.saturating_sub(DICTIONARY_REACH)..at)?;
            if !before.trim_ascii_end().ends_with(b">>") {
                continue;
            }
            let mut start = from;
            start += usize::from(pdf.get(start) == Some(&b'\r'));
            start += usize::from(pdf.get(start) == Some(&b'\n'));
            let data = pdf.get(start..)?;
            // A stream cut off by the end of the file runs to it, and nothing follows.
            let end = memmem::find(data, b"endstream").unwrap_or(data.len());
            from = start + end + b"endstream".len();
            // The stream's own dictionary: what follows the previous object's end.
            let dictionary = memmem::rfind(before, b"endobj").and_then(|e| before.get(e..)).unwrap_or(before);
            if memmem::find(dictionary, b"/ObjStm").is_some() {
                return data.get(..end);
            }
        }
    })
}

/// `data` inflated (zlib), at most `limit` bytes of it; what came out before an error
/// counts, so a truncated stream still gives its first objects.
fn inflate(data: &[u8], limit: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut decoder = flate2::read::ZlibDecoder::new(data).take(limit as u64);
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match decoder.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(chunk.get(..n).unwrap_or_default()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// The links of `pdf` read alone, with a mail's whole budget.
    fn read(pdf: &[u8]) -> Vec<String> {
        links(pdf, &mut Budget::default())
    }

    fn deflated(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).expect("in memory");
        encoder.finish().expect("in memory")
    }

    /// A PDF whose objects are `body`, as a writer lays them out.
    fn pdf(body: &[u8]) -> Vec<u8> {
        [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".as_slice(), body, b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"].concat()
    }

    fn object_stream(contents: &[u8]) -> Vec<u8> {
        let data = deflated(contents);
        let head = format!(
            "5 0 obj\n<< /Type /ObjStm /N 2 /First 9 /Filter /FlateDecode /Length {} >>\nstream\r\n",
            data.len()
        );
        [head.as_bytes(), &data, b"\r\nendstream\nendobj\n"].concat()
    }

    #[test]
    fn a_link_action_in_a_plain_object_is_read_with_its_escapes_undone() {
        let plain = pdf(b"4 0 obj\n<< /Type /Annot /Subtype /Link /A << /S /URI /URI (https\\072//pay\\(1\\).example/a\\\n/b) >> >>\nendobj");
        assert_eq!(read(&plain), ["https://pay(1).example/a/b"]);
        let hex = pdf(b"4 0 obj << /A << /S /URI /URI <68747470733A2F2F782E6578616D706C652F> >> >> endobj");
        assert_eq!(read(&hex), ["https://x.example/"]);
        let nested = pdf(b"<< /URI (https://x.example/(a)) >>");
        assert_eq!(read(&nested), ["https://x.example/(a)"]);
    }

    #[test]
    fn a_link_action_in_a_compressed_object_stream_is_read() {
        let annotation = b"1 0 2 40 << /Type /Annot /A << /S /URI /URI (https://login.example.top/x) >> >> << /Type /Page >>";
        let compressed = pdf(&object_stream(annotation));
        assert!(memmem::find(&compressed, b"login.example").is_none(), "the link is compressed");
        assert_eq!(read(&compressed), ["https://login.example.top/x"]);
    }

    #[test]
    fn only_web_addresses_count_and_each_host_once() {
        let body = b"<< /URI (tel:0800123) >> << /URI (mailto:a@b.example) >> << /URI (https://a.example/) >> << /URI (https://a.example/2) >> << /URI /Name >>";
        assert_eq!(read(&pdf(body)), ["https://a.example/"]);
        let control = pdf(b"<< /URI (https://a.example/\\001) >>");
        assert!(read(&control).is_empty(), "ciphertext or control bytes are no address");
    }

    #[test]
    fn streams_other_than_object_streams_are_not_inflated() {
        let data = deflated(format!("<< /URI (https://hidden.example/) >>{}", " ".repeat(1000)).as_bytes());
        assert!(memmem::find(&data, b"hidden").is_none(), "the link is compressed");
        let head = format!("6 0 obj\n<< /Filter /FlateDecode /Length {} >>\nstream\n", data.len());
        let content = pdf(&[head.as_bytes(), &data, b"\nendstream\nendobj"].concat());
        assert!(read(&content).is_empty());
    }

    #[test]
    fn one_budget_serves_all_the_pdfs_of_a_mail_and_a_bomb_takes_only_its_share() {
        let keys: Vec<u8> = b"/URI /x ".repeat(MAX_URI_KEYS);
        let lure = pdf(b"<< /URI (https://lure.example/) >>");
        let mut budget = Budget::default();
        assert!(links(&pdf(&keys), &mut budget).is_empty());
        assert!(links(&lure, &mut budget).is_empty(), "the mail's keys are spent");
        assert_eq!(read(&lure), ["https://lure.example/"], "a mail of its own has its own budget");
        let bomb = object_stream(&vec![b' '; MAX_INFLATED_BYTES]);
        let after = object_stream(b"<< /URI (https://after-the-bomb.example/) >>");
        assert_eq!(read(&pdf(&[bomb, after].concat())), ["https://after-the-bomb.example/"]);
    }

    #[test]
    fn an_object_streams_dictionary_is_read_however_long_and_whatever_it_names() {
        let data = deflated(format!("<< /URI (https://in-stream.example/) >>{}", " ".repeat(500)).as_bytes());
        let head = format!(
            "endobj\n7 0 obj\n<< /Creator (pdfobj) /Type /ObjStm /Producer ({}) /Length {} >>\nstream\n",
            "x".repeat(1500),
            data.len()
        );
        let long = pdf(&[head.as_bytes(), &data, b"\nendstream\nendobj"].concat());
        assert_eq!(read(&long), ["https://in-stream.example/"]);
    }

    #[test]
    fn anything_else_yields_nothing_and_hostile_input_is_bounded() {
        assert!(read(b"<< /URI (https://a.example/) >>").is_empty(), "no %PDF- header");
        assert!(read(b"").is_empty());
        // A stream that inflates to far more than the budget stops at the budget.
        let bomb = object_stream(&vec![b' '; MAX_INFLATED_BYTES * 2]);
        let mut many = pdf(&bomb);
        many.extend(pdf(b"/URI (https://after.example/)"));
        assert_eq!(read(&many), ["https://after.example/"]);
        let cut = b"%PDF-1.4\n<< /URI (https://a.example/".to_vec();
        assert_eq!(read(&cut), ["https://a.example/"], "an unterminated string ends at the file's end");
        let endless = pdf(&[b"/URI (https://a.example/".as_slice(), &vec![b'a'; 10_000]].concat());
        assert_eq!(read(&endless)[0].len(), MAX_LINK_BYTES);
        let padding: String = (0..2000).map(|i| format!("{} 0 obj ", i * 7919 % 10007)).collect();
        let truncated = object_stream(format!("<< /URI (https://first.example/) >> {padding}").as_bytes());
        assert_eq!(read(&pdf(&truncated[..truncated.len() - 30])), ["https://first.example/"]);
        let decoys: Vec<u8> =
            (0..100).flat_map(|i| format!("<< /URI (https://real.example/{i}) >>").into_bytes()).collect();
        let lure = [decoys, b"<< /URI (https://lure.example/) >>".to_vec()].concat();
        assert_eq!(read(&pdf(&lure)), ["https://real.example/0", "https://lure.example/"]);
        let many_links: Vec<u8> =
            (0..100).flat_map(|i| format!("<< /URI (https://l{i}.example/) >>").into_bytes()).collect();
        assert_eq!(read(&pdf(&many_links)).len(), MAX_LINKS);
    }
}
