//! Where an HTML page sends its reader without a click: a `<meta http-equiv="refresh"
//! content="0;url=…">` and the simple script redirects (`location.href = '…'`,
//! `window.location = '…'`, `location.replace('…')`, `location.assign('…')`). An attached
//! "invoice.html" that is only a redirect to a phishing page shows no anchor at all, yet a
//! browser opening it goes straight there. Read for attached pages only: a mail app
//! showing a body runs neither.
//!
//! A scan of the page's bytes, not a script engine: an address built at run time
//! (`atob(…)`, string concatenation) is not read. Bounded: at most [`MAX_REDIRECTS`]
//! addresses, [`MAX_LOOKED_AT`] candidate places, each read for at most
//! [`MAX_URL_BYTES`].

use memchr::{memchr, memmem};

use super::{decode_attribute_entities_into, is_absolute, parse_attributes};

/// Addresses taken from one page: a redirect page has one, a few more are decoys.
pub const MAX_REDIRECTS: usize = 8;

/// Places (`<meta` tags, `location` words) looked at per page: each costs a bounded read,
/// and a page of nothing but them must not cost more than a few big mails.
const MAX_LOOKED_AT: usize = 1000;

/// The longest address read, and the most a meta tag may take before its `>`.
const MAX_URL_BYTES: usize = 2048;
const MAX_TAG_BYTES: usize = 4 * MAX_URL_BYTES;

/// The absolute addresses `page` redirects to, each once: its refreshes, then its
/// scripts' redirects, each in order of appearance.
pub fn redirects(page: &str) -> Vec<String> {
    let mut found = Vec::new();
    let bytes = page.as_bytes();
    let mut add = |url: String| {
        if found.len() < MAX_REDIRECTS && is_absolute(&url) && !found.contains(&url) {
            found.push(url);
        }
    };
    for at in meta_tags(bytes).take(MAX_LOOKED_AT) {
        if let Some(url) = refresh_at(page, at) {
            add(url);
        }
    }
    for at in memmem::find_iter(bytes, b"location").take(MAX_LOOKED_AT) {
        if let Some(url) = script_redirect_at(bytes, at) {
            add(url);
        }
    }
    found
}

/// Offsets of each `<meta` (any case) in `bytes`.
fn meta_tags(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'<', bytes).filter(|&at| {
        bytes.get(at + 1..at + 5).is_some_and(|name| name.eq_ignore_ascii_case(b"meta"))
            && bytes.get(at + 5).is_none_or(|b| b.is_ascii_whitespace() || *b == b'/' || *b == b'>')
    })
}

/// The address of the `<meta http-equiv=refresh>` tag at `at`, if it is one.
fn refresh_at(page: &str, at: usize) -> Option<String> {
    let bytes = page.as_bytes();
    let window = bytes.get(at..)?;
    let window = window.get(..MAX_TAG_BYTES).unwrap_or(window);
    // '<' and '>' are ASCII: the slice between them is whole characters.
    let end = memchr(b'>', window)?;
    let attributes = parse_attributes(page.get(at + "<meta".len()..at + end)?);
    let value = |key: &str| attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    if !value("http-equiv")?.trim().eq_ignore_ascii_case("refresh") {
        return None;
    }
    refresh_url(value("content")?)
}

/// The address of a refresh's content (`5; URL='https://…'`), read as WHATWG HTML's
/// "shared declarative refresh steps" read it: a time, then `;` or `,`, then an optional
/// `url=`, then the address, quoted or not.
fn refresh_url(content: &str) -> Option<String> {
    let rest = content.trim_start().trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    let rest = rest.trim_start();
    let rest = rest.strip_prefix([';', ',']).unwrap_or(rest).trim_start();
    let rest = match rest.get(..3) {
        Some(key) if key.eq_ignore_ascii_case("url") => {
            let after = rest.get(3..).unwrap_or_default().trim_start();
            after.strip_prefix('=').map_or(rest, str::trim_start)
        }
        _ => rest,
    };
    let url = match rest.chars().next() {
        Some(quote @ ('"' | '\'')) => {
            let inner = rest.get(1..).unwrap_or_default();
            inner.find(quote).and_then(|end| inner.get(..end)).unwrap_or(inner)
        }
        _ => rest,
    };
    let url = url.trim();
    (!url.is_empty() && url.len() <= MAX_URL_BYTES).then(|| url.to_string())
}

/// The address a script sends the page to from the `location` word at `at`:
/// `location = '…'`, `location.href = '…'` (with any object before it: `window.`,
/// `document.`, `top.`), `location.replace('…')` or `location.assign('…')`.
fn script_redirect_at(bytes: &[u8], at: usize) -> Option<String> {
    // Part of a longer name ("mylocation", "location2") is another variable.
    let identifier = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'$';
    if at.checked_sub(1).and_then(|before| bytes.get(before)).is_some_and(identifier) {
        return None;
    }
    let rest = bytes.get(at + "location".len()..)?;
    if rest.first().is_some_and(identifier) {
        return None;
    }
    let rest = rest.trim_ascii_start();
    let string = if let Some(call) = rest.strip_prefix(b".replace").or_else(|| rest.strip_prefix(b".assign"))
    {
        call.trim_ascii_start().strip_prefix(b"(")?
    } else {
        let rest = rest.strip_prefix(b".href").map_or(rest, <[u8]>::trim_ascii_start);
        let value = rest.strip_prefix(b"=")?;
        // `==` and `===` compare, they do not send.
        if value.first() == Some(&b'=') {
            return None;
        }
        value
    };
    let url = string_literal(string.trim_ascii_start())?;
    // A script in an attribute (`onload="location.href='&#104;ttps:…'"`) is read as the
    // browser reads the attribute, references decoded; in a script block a reference in
    // an address is rare, and decoding it there moves no host.
    let mut decoded = String::new();
    decode_attribute_entities_into(&mut decoded, &url);
    Some(decoded.trim().to_string())
}

/// The text of the JavaScript string literal opening `bytes` (`'…'`, `"…"` or a template
/// without substitutions), backslash escapes of single characters undone (`\/` is `/`);
/// nothing if it does not end within [`MAX_URL_BYTES`] or spans lines.
fn string_literal(bytes: &[u8]) -> Option<String> {
    let (&quote, rest) = bytes.split_first()?;
    if !matches!(quote, b'\'' | b'"' | b'`') {
        return None;
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < MAX_URL_BYTES {
        let &byte = rest.get(i)?;
        i += 1;
        match byte {
            _ if byte == quote => return String::from_utf8(out).ok(),
            b'\n' | b'\r' => return None,
            // A template's `${…}` is built at run time.
            b'$' if quote == b'`' && rest.get(i) == Some(&b'{') => return None,
            b'\\' => {
                out.push(*rest.get(i)?);
                i += 1;
            }
            other => out.push(other),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_meta_refresh_gives_its_address_however_it_is_written() {
        for page in [
            "<meta http-equiv=\"refresh\" content=\"0;url=https://a.example/x\">",
            "<META HTTP-EQUIV='Refresh' CONTENT='5; URL=\"https://a.example/x\"'>",
            "<meta content=\"0 , url = 'https://a.example/x' \" http-equiv=refresh />",
            "<meta http-equiv=refresh content=\"0;https://a.example/x\">",
            "<meta http-equiv=\"refresh\" content=\"0;url=https://a.example/x&amp;\"><meta charset=utf-8>",
        ] {
            let found = redirects(page);
            assert_eq!(found.len(), 1, "{page}");
            assert!(found[0].starts_with("https://a.example/x"), "{page}: {found:?}");
        }
        for page in [
            "<meta http-equiv=\"refresh\" content=\"30\">",
            "<meta http-equiv=\"refresh\" content=\"0;url=next.html\">",
            "<meta name=\"refresh\" content=\"0;url=https://a.example/\">",
            "<meta http-equiv=\"refresh\" content=\"0;url=https://a.example/\"",
            "<metadata http-equiv=\"refresh\" content=\"0;url=https://a.example/\">",
        ] {
            assert!(redirects(page).is_empty(), "{page}");
        }
    }

    #[test]
    fn simple_script_redirects_give_their_address() {
        for script in [
            "location.href='https://b.example/p'",
            "window.location = \"https://b.example/p\";",
            "document.location.href = `https://b.example/p`",
            "top.location.replace( 'https://b.example/p' )",
            "location.assign(\"https:\\/\\/b.example\\/p\")",
            "window.location=\"https://b.example/p\"",
        ] {
            let page = format!("<html><script>{script}</script></html>");
            assert_eq!(redirects(&page), ["https://b.example/p"], "{script}");
        }
        let handler = "<body onload=\"location.href='https://c.example/?a=1&amp;b=2'\">";
        assert_eq!(redirects(handler), ["https://c.example/?a=1&b=2"]);
        for script in [
            "if (location.href == 'https://b.example/') {}",
            "mylocation = 'https://b.example/'",
            "location.href = base + '/p'",
            "location.href = 'next.html'",
            "location.href = `https://${host}/p`",
            "var location2 = 'https://b.example/'",
            "location.href = 'https://b.example/",
        ] {
            assert!(redirects(&format!("<script>{script}</script>")).is_empty(), "{script}");
        }
    }

    #[test]
    fn hostile_pages_stay_bounded() {
        let many = "<meta http-equiv=refresh content='0;url=https://x.example/'>".repeat(100);
        assert_eq!(redirects(&many).len(), 1, "each address once");
        let decoys: String = (0..100).map(|i| format!("location.href='https://d{i}.example/';")).collect();
        assert_eq!(redirects(&decoys).len(), MAX_REDIRECTS);
        let open = format!("location.href='{}", "a".repeat(100_000));
        assert!(redirects(&open.repeat(5)).is_empty());
        let unclosed = "<meta http-equiv=refresh content='0;url=https://x.example/'".repeat(10_000);
        assert!(redirects(&unclosed).is_empty());
        for broken in ["location", "location.", "location.replace", "<meta", "<meta ", "location = '\\"] {
            assert!(redirects(broken).is_empty(), "{broken}");
        }
    }
}
