//! Where a PDF attachment sends its reader: the web addresses of its link actions
//! (`/URI (…)`, or an object `/URI 12 0 R` names), where its forms send their fields
//! (`/SubmitForm`) and what it launches (`/Launch`), in plain objects and in compressed
//! object streams, where a modern PDF keeps its annotations. Keys are read as a viewer
//! reads them, `#xx` escapes undone (`/U#52I` is `/URI`).
//!
//! A lure PDF is a one-page "invoice" or "security notice" whose only job is the button
//! on it, so its link is what matters; its drawn text needs fonts and layout to read and
//! is left alone. This is a bounded scan of the bytes, not a PDF reader: it never fails,
//! never panics, and costs at most [`MAX_SCANNED_BYTES`] read plus
//! [`MAX_INFLATED_BYTES`] decompressed per file. An encrypted PDF's strings are
//! ciphertext and yield nothing.

mod objects;
mod syntax;

use std::collections::HashMap;
use std::io::Read;

use memchr::memmem;
use syntax::{Value, web_address};

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

/// Link keys (`/URI`, `/SubmitForm`, `/Launch`) examined per mail: each costs a string read, and a file of nothing but
/// keys must not cost more than a few big mails.
pub const MAX_URI_KEYS: usize = 1000;

/// How far before a `stream` keyword its dictionary is looked for.
const DICTIONARY_REACH: usize = 2048;

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
    let mut found = Found::default();
    targets_in(pdf, &mut found, &mut budget.keys);
    // Inflated streams are kept (within the budget) for the objects references name.
    let mut inflated_streams = Vec::new();
    for (dictionary, data) in object_streams(pdf) {
        if found.is_full() || budget.inflated == 0 || budget.keys == 0 {
            break;
        }
        let inflated = inflate(data, budget.inflated.min(MAX_INFLATED_PER_STREAM));
        budget.inflated = budget.inflated.saturating_sub(inflated.len());
        targets_in(&inflated, &mut found, &mut budget.keys);
        inflated_streams.push((objects::first_offset(dictionary), inflated));
    }
    let wanted: Vec<u32> = found.targets.iter().filter_map(Target::object).collect();
    let mut strings = HashMap::new();
    if !wanted.is_empty() {
        objects::in_file(pdf, &wanted, &mut strings);
        for (first, data) in &inflated_streams {
            if let Some(first) = first {
                objects::in_stream(data, *first, &wanted, &mut strings);
            }
        }
    }
    let mut links: Vec<String> = Vec::new();
    for target in found.targets {
        let link = match target {
            Target::Address(link) => Some(link),
            Target::Object(number) => strings.get(&number).and_then(|string| web_address(string)),
        };
        // One link per host: twenty decoys to one real site must not use up the room
        // before the lure's.
        if let Some(link) = link
            && !links.iter().any(|known| same_host(known, &link))
        {
            links.push(link);
        }
    }
    links.truncate(MAX_LINKS);
    links
}

/// Where a link key sends the reader: an address written in place, or the number of the
/// object that holds it.
enum Target {
    Address(String),
    Object(u32),
}

impl Target {
    fn object(&self) -> Option<u32> {
        match self {
            Target::Object(number) => Some(*number),
            Target::Address(_) => None,
        }
    }
}

/// The targets found so far in a PDF, addresses already one per host.
#[derive(Default)]
struct Found {
    targets: Vec<Target>,
    addresses: usize,
    references: usize,
}

impl Found {
    /// Whether no more addresses are wanted.
    fn is_full(&self) -> bool {
        self.addresses >= MAX_LINKS
    }

    fn add(&mut self, value: Value) {
        match value {
            Value::String(string) => {
                if let Some(link) = web_address(&string)
                    && !self.is_full()
                    && !self
                        .targets
                        .iter()
                        .any(|t| matches!(t, Target::Address(known) if same_host(known, &link)))
                {
                    self.addresses += 1;
                    self.targets.push(Target::Address(link));
                }
            }
            // Each costs a look-up in the file: a PDF naming thousands of objects gets
            // no more looked up than links it may give.
            Value::Reference(number) if self.references < MAX_LINKS => {
                self.references += 1;
                self.targets.push(Target::Object(number));
            }
            Value::Reference(_) | Value::Other => {}
        }
    }
}

/// Appends to `found` the targets of the link actions in `bytes`, while `keys` lasts: the
/// value of each `/URI` key, and the file (`/F`) of each `/SubmitForm` (where a form's
/// fields are sent) and `/Launch` action (a launch of an address opens it in the
/// browser). Keys are read with their escapes undone (`/U#52I` is `/URI`).
fn targets_in(bytes: &[u8], found: &mut Found, keys: &mut usize) {
    for (name, start, end) in syntax::names(bytes) {
        if found.is_full() || *keys == 0 {
            return;
        }
        if name.is(b"URI") {
            *keys -= 1;
            found.add(syntax::value_at(bytes.get(end..).unwrap_or_default()));
        } else if name.is(b"SubmitForm") || name.is(b"Launch") {
            *keys -= 1;
            let Some(action) = syntax::enclosing_dictionary(bytes, start) else { continue };
            files_in(action, found);
        }
    }
}

/// Adds the files an action dictionary names to `found`: its `/F`, and the `/F` or `/UF`
/// of a file specification inside it (`/F << /FS /URL /F (https://…) >>`, or the
/// platform's `/Win << /F … >>`); only web addresses count.
fn files_in(action: &[u8], found: &mut Found) {
    for (name, _, end) in syntax::names(action) {
        if name.is(b"F") || name.is(b"UF") {
            found.add(syntax::value_at(action.get(end..).unwrap_or_default()));
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

/// The dictionary and raw data of each object stream (`/Type /ObjStm`) in `pdf`, in one pass: each
/// stream's end is looked for once, and a stream without an end runs to the file's. Page
/// contents, fonts and images are streams too, but never hold a link action: they are
/// not inflated.
fn object_streams(pdf: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
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
            // Named with escapes or not (`/Obj#53tm`), as the keys inside are.
            if syntax::names(dictionary).any(|(name, _, _)| name.is(b"ObjStm")) {
                return Some((dictionary, data.get(..end)?));
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
mod tests;
