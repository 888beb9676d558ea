//! What an attached file shows once opened, for the two kinds lures come in: an HTML page
//! (a login form run from the disk, or a redirect by a meta refresh or a script) and a PDF
//! (a one-page "invoice" whose only job is its button). Both give their links (a page's
//! redirects among them) and form targets, marked as in a file
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
        let redirects = html::redirects(&page);
        email.links.extend(content.links.into_iter().map(|link| Link { shown: Shown::InFile, ..link }));
        // Where the page sends the browser that opens it is where a link would: the
        // page's link target, unless an anchor already names it.
        for href in redirects {
            if !email.links.iter().any(|link| link.href == href) {
                email.links.push(Link { href, text: String::new(), shown: Shown::InFile });
            }
        }
        let room = html::MAX_TARGETS.saturating_sub(email.html_targets.len());
        email.html_targets.extend(content.targets.into_iter().take(room));
    } else if kind == "application/pdf" || name.ends_with(".pdf") {
        let links = pdf::links(bytes, pdf_budget).into_iter();
        email.links.extend(links.map(|href| Link { href, text: String::new(), shown: Shown::InFile }));
    }
}

#[cfg(test)]
mod tests {
    use crate::mail::{Email, Shown, parse};

    /// A mail with a short body and one attached file, base64-encoded.
    fn with_file(name: &str, kind: &str, file: &[u8]) -> Email {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(file);
        let raw = format!(
            "From: a@b.example\r\nSubject: invoice\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
             --b\r\nContent-Type: text/plain\r\n\r\nPlease see the attached file.\r\n\
             --b\r\nContent-Type: {kind}\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--b--\r\n"
        );
        parse(raw.as_bytes()).expect("parses")
    }

    #[test]
    fn an_attached_page_and_a_pdf_give_their_links_as_links_in_a_file() {
        let page = b"<html><body><h1>Sign in to view your invoice</h1><form action=\"https://collect.example.top/p\">\
            <input type=password name=pw></form><a href=\"https://lure.example.top/\">Open</a>\
            <svg><a xlink:href=\"https://svg.example.top/\"><text>Play</text></a></svg></body></html>";
        let in_file = |email: &Email, href: &str| {
            email.links.iter().any(|l| l.href == href && l.shown == Shown::InFile)
        };
        for (name, kind) in
            [("invoice.htm", "application/octet-stream"), ("scan", "text/html"), ("fax.svg", "image/svg+xml")]
        {
            let email = with_file(name, kind, page);
            assert!(in_file(&email, "https://lure.example.top/"), "{name}: {:?}", email.links);
            assert!(in_file(&email, "https://svg.example.top/"), "{name}: SVG's xlink:href is a link");
            assert!(email.html_targets.iter().any(|t| t.contains("collect.example.top")), "{name}");
            assert!(!email.normalized_text.contains("Sign in"), "{name}: a page's text is not read");
            assert!(
                !email.html_marks.has_password_field,
                "{name}: nor its fields: wrappers of encrypted mail have them"
            );
            assert_eq!(email.html_marks.pictures, 0, "{name}: nor its pictures");
            assert_eq!(email.attachments.len(), 1, "{name}: still listed as a file");
        }
        let pdf = b"%PDF-1.4\n4 0 obj << /A << /S /URI /URI (https://pay.example.top/x) >> >> endobj\n%%EOF";
        for (name, kind) in [("invoice.pdf", "application/octet-stream"), ("scan", "application/pdf")] {
            let email = with_file(name, kind, pdf);
            assert!(in_file(&email, "https://pay.example.top/x"), "{name}: {:?}", email.links);
        }
        let other = with_file("notes.txt", "application/octet-stream", pdf);
        assert!(other.links.is_empty(), "other files are known by name only");
    }

    #[test]
    fn an_attached_page_that_redirects_gives_where_it_goes_as_its_link() {
        let in_file = |email: &Email, href: &str| {
            email.links.iter().any(|l| l.href == href && l.shown == Shown::InFile)
        };
        let refresh =
            b"<html><head><meta http-equiv=\"refresh\" content=\"0;url=https://lure.example.top/r\">\
            </head><body>Loading your document...</body></html>";
        let email = with_file("document.html", "text/html", refresh);
        assert!(in_file(&email, "https://lure.example.top/r"), "{:?}", email.links);
        assert_eq!(email.links.len(), 1);
        let scripted = b"<html><body><script>window.location = 'https://lure.example.top/s';</script>\
            <a href=\"https://lure.example.top/s\">Click here if nothing happens</a></body></html>";
        let email = with_file("fax.htm", "application/octet-stream", scripted);
        assert!(in_file(&email, "https://lure.example.top/s"), "{:?}", email.links);
        assert_eq!(email.links.len(), 1, "the anchor and the redirect are one link");
        let replaced = b"<script>location.replace(\"https://lure.example.top/x\")</script>";
        assert!(in_file(&with_file("scan.svg", "image/svg+xml", replaced), "https://lure.example.top/x"));
        // Only an attached page redirects: a mail app runs neither in the mail's own body.
        let body = "From: a@b.example\r\nContent-Type: text/html\r\n\r\n\
            <meta http-equiv=refresh content='0;url=https://lure.example.top/b'>\
            <script>location.href='https://lure.example.top/c'</script>";
        assert!(crate::mail::parse(body.as_bytes()).expect("parses").links.is_empty());
    }
}
