//! URLs and domains: finding links in plain text and reducing hosts to the domain that
//! was registered, so rules can compare "who it says it is" with "where it goes".

use std::sync::LazyLock;

use regex::Regex;

static URL_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b(?:https?://|www\.)[^\s<>"'`）」】『』（「【、。]+"#).expect("URL pattern compiles")
});

/// Second-level labels under which a registry hands out names (example.co.jp), so the
/// registered domain is three labels long. Not the full Public Suffix List: enough for
/// the countries whose mail we see, and erring towards "different domain" is safe here
/// because a mismatch alone never makes a threat.
const SECOND_LEVEL: [&str; 14] =
    ["co", "ne", "or", "ac", "go", "ad", "ed", "gr", "lg", "com", "net", "org", "gov", "edu"];

/// Every http(s) or www. URL written out in `text`, in order of appearance.
pub fn find_urls(text: &str) -> impl Iterator<Item = &str> {
    URL_IN_TEXT
        .find_iter(text)
        .map(|m| m.as_str().trim_end_matches(['.', ',', ')', ']', '>', ';', ':', '!', '?']))
}

/// The lower-cased host of a URL or bare domain (`https://User@Host.example:8080/x` →
/// "host.example"), or `None` when there is none.
pub fn host_of(url: &str) -> Option<String> {
    let rest = url.trim();
    let rest = match rest.find("://") {
        Some(at) => rest.get(at + 3..)?,
        None => rest.strip_prefix("//").unwrap_or(rest),
    };
    let authority = rest.split(['/', '?', '#', '\\']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = if host_port.starts_with('[') {
        host_port.split(']').next()?.trim_start_matches('[')
    } else {
        host_port.split(':').next()?
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty() && host.contains(['.', ':'])).then_some(host)
}

/// Open redirectors of big sites, with the query parameter that carries the destination:
/// scammers wrap their links in them so the link seems to go to Google or Facebook.
const REDIRECTORS: [(&str, &str, &str); 6] = [
    ("www.google.com", "/url", "q"),
    ("google.com", "/url", "q"),
    ("www.google.com", "/url", "url"),
    ("www.youtube.com", "/redirect", "q"),
    ("l.facebook.com", "/l.php", "u"),
    ("lm.facebook.com", "/l.php", "u"),
];

/// Where a link through a known open redirector (`https://www.google.com/url?q=…`) really
/// goes, percent-decoded; `None` for any other link.
pub fn redirect_target(url: &str) -> Option<String> {
    let after_scheme = url.split_once("://")?.1;
    let (host, path_and_query) = after_scheme.split_at(after_scheme.find('/')?);
    let (path, query) = path_and_query.split_once('?')?;
    let param = REDIRECTORS
        .iter()
        .find(|(h, p, _)| host.eq_ignore_ascii_case(h) && *p == path)
        .map(|(_, _, q)| *q)?;
    query.split('&').find_map(|pair| {
        let value = pair.strip_prefix("amp;").unwrap_or(pair).strip_prefix(param)?.strip_prefix('=')?;
        let target = percent_decode(value);
        host_of(&target).is_some().then_some(target)
    })
}

/// Decodes `%XX` escapes; anything malformed is kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes.get(i + 1..i + 3).filter(|h| h.iter().all(u8::is_ascii_hexdigit));
        let decoded =
            hex.and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, decoded) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The registered domain of `host`: "mail.example.co.jp" → "example.co.jp",
/// "a.b.example.com" → "example.com". IP literals come back whole.
pub fn registrable_domain(host: &str) -> &str {
    if is_ip_literal(host) {
        return host;
    }
    let mut labels = host.rsplit('.');
    let (tld, second) = (labels.next().unwrap_or_default(), labels.next());
    let keep = if tld.len() == 2 && second.is_some_and(|s| SECOND_LEVEL.contains(&s)) { 3 } else { 2 };
    // The dot before the kept labels, counted from the right; none means nothing to cut.
    match host.bytes().enumerate().rev().filter(|&(_, b)| b == b'.').nth(keep - 1) {
        Some((dot, _)) => host.get(dot + 1..).unwrap_or(host),
        None => host,
    }
}

/// Whether two hosts belong to the same registered domain ("mail.example.com" and
/// "www.example.com").
pub fn same_site(a: &str, b: &str) -> bool {
    registrable_domain(a) == registrable_domain(b)
}

/// The name that was registered, without its suffix: "mail.ebay.co.uk" → "ebay". The
/// same name under another suffix is usually the same organisation's national site.
pub fn registered_name(host: &str) -> &str {
    registrable_domain(host).split('.').next().unwrap_or_default()
}

/// True for hosts written as an IPv4 or IPv6 address instead of a name.
pub fn is_ip_literal(host: &str) -> bool {
    host.parse::<std::net::IpAddr>().is_ok()
}

/// The domain part of an e-mail address, lower-cased.
pub fn domain_of_address(address: &str) -> Option<String> {
    let (_, domain) = address.rsplit_once('@')?;
    let domain = domain.trim().trim_end_matches('>').to_ascii_lowercase();
    (!domain.is_empty()).then_some(domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_and_registered_names_ignore_subdomains() {
        assert!(same_site("mail.example.co.jp", "www.example.co.jp"));
        assert!(!same_site("example.com", "example.co.jp"));
        assert_eq!(registered_name("mail.ebay.co.uk"), "ebay");
        assert_eq!(registered_name("shop.example.com"), "example");
    }

    #[test]
    fn links_through_open_redirectors_are_followed() {
        assert_eq!(
            redirect_target(
                "https://www.google.com/url?q=https://docs.google.com/drawings/d/x/preview%23a&amp;sa=D"
            )
            .as_deref(),
            Some("https://docs.google.com/drawings/d/x/preview#a")
        );
        assert_eq!(
            redirect_target("https://l.facebook.com/l.php?u=https%3A%2F%2Fevil.example%2F&h=x").as_deref(),
            Some("https://evil.example/")
        );
        assert_eq!(redirect_target("https://www.google.com/search?q=https://evil.example/"), None);
        assert_eq!(redirect_target("https://news.example/url?q=https://evil.example/"), None);
        assert_eq!(redirect_target("https://www.google.com/url?q=%zz"), None);
        assert_eq!(
            redirect_target("https://www.google.com/url?q=https://a.example/%+1%41").as_deref(),
            Some("https://a.example/%+1A")
        );
    }

    #[test]
    fn urls_are_found_in_text_without_trailing_punctuation() {
        let text = "ログインはこちら：https://www.ucscard.co.jp.humaoo.com/。 or www.example.com.";
        let urls: Vec<_> = find_urls(text).collect();
        assert_eq!(urls, ["https://www.ucscard.co.jp.humaoo.com/", "www.example.com"]);
    }

    #[test]
    fn hosts_are_extracted_from_all_url_shapes() {
        assert_eq!(host_of("https://User@Host.Example:8080/x").as_deref(), Some("host.example"));
        assert_eq!(host_of("www.example.com/path").as_deref(), Some("www.example.com"));
        assert_eq!(host_of("http://[::1]:80/").as_deref(), Some("::1"));
        assert_eq!(host_of("mailto:someone"), None);
    }

    #[test]
    fn registrable_domain_knows_second_level_registries() {
        assert_eq!(registrable_domain("mail.example.co.jp"), "example.co.jp");
        assert_eq!(registrable_domain("www.ucscard.co.jp.humaoo.com"), "humaoo.com");
        assert_eq!(registrable_domain("a.b.example.com"), "example.com");
        assert_eq!(registrable_domain("example.com"), "example.com");
        assert_eq!(registrable_domain("192.0.2.1"), "192.0.2.1");
    }
}
