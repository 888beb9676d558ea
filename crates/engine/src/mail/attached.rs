//! What an attached file shows once opened, for the two kinds lures come in: an HTML page
//! (a login form run from the disk, or a redirect) and a PDF (a one-page "invoice" whose
//! only job is its button). Both give their links and form targets, marked as in a file
//! ([`Shown::InFile`]): host rules and the model read them, while rules about what the
//! mail itself shows (its pictures, which sites its links name) do not. Their text is not
//! read: a legitimate page attached for a password (an encrypted-mail wrapper) reads like
//! a lure, and the file's name and type already count. Other files are known by name and
//! type only.

use mail_parser::PartType;

use super::html::{self, Link, Shown};
use super::{Attachment, Email, MAX_TEXT_BYTES, pdf};

/// Endings of files a browser opens as a page. SVG is a page too: it carries links and
/// scripts, and lures use it for both.
const PAGE_ENDINGS: [&str; 5] = [".html", ".htm", ".shtml", ".xhtml", ".svg"];
const PAGE_TYPES: [&str; 2] = ["text/html", "image/svg+xml"];

/// Reads `attachment` (its decoded `body`) into `email`'s links and targets, within the
/// mail's `pdf_budget`.
pub fn read(attachment: &Attachment, body: &PartType<'_>, email: &mut Email, pdf_budget: &mut pdf::Budget) {
    let name = attachment.name.to_ascii_lowercase();
    let name = name.trim();
    let kind = attachment.content_type.as_str();
    let bytes: &[u8] = match body {
        PartType::Text(text) | PartType::Html(text) => text.as_bytes(),
        PartType::Binary(bytes) | PartType::InlineBinary(bytes) => bytes,
        _ => return,
    };
    if PAGE_TYPES.contains(&kind) || PAGE_ENDINGS.iter().any(|ending| name.ends_with(ending)) {
        let page = String::from_utf8_lossy(bytes.get(..MAX_TEXT_BYTES).unwrap_or(bytes));
        let content = html::parse_html(&page);
        email.links.extend(content.links.into_iter().map(|link| Link { shown: Shown::InFile, ..link }));
        let room = html::MAX_TARGETS.saturating_sub(email.html_targets.len());
        email.html_targets.extend(content.targets.into_iter().take(room));
    } else if kind == "application/pdf" || name.ends_with(".pdf") {
        let links = pdf::links(bytes, pdf_budget).into_iter();
        email.links.extend(links.map(|href| Link { href, text: String::new(), shown: Shown::InFile }));
    }
}
