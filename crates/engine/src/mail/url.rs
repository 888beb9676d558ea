//! URLs and domains: finding links in plain text, reading their hosts the way a browser
//! does, and reducing hosts to the domain that was registered, so rules can compare "who it
//! says it is" with "where it goes".
//!
//! Hosts are read by the WHATWG URL parser (the `url` crate): `http://3232235521/` and
//! `http://0xC0A80001/` are 192.168.0.1, `%77ww.example` is www.example, and a Unicode
//! name comes back in its punycode (`xn--`) form. Registrable domains come from the Public
//! Suffix List (the `psl` crate, compiled in), private section included, so two tenants of
//! github.io or blogspot.com are two sites.

use std::sync::LazyLock;

use regex::Regex;

/// An address written out: "http(s)://" or "www." where no ASCII letter or digit runs into
/// it. The boundary is ASCII on purpose: Japanese letters are word characters to a Unicode
/// `\b`, so "こちらhttps://…", written without a space, had no boundary and was no URL;
/// and a Unicode `\b` stops the regex's fast automaton at the first non-ASCII byte.
static URL_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(?-u:\b)(?:https?://|www\.)[^\s<>"'`）」】『』（「【、。]+"#)
        .expect("URL pattern compiles")
});

/// Every http(s) or www. URL written out in `text`, in order of appearance.
pub fn find_urls(text: &str) -> impl Iterator<Item = &str> {
    URL_IN_TEXT
        .find_iter(text)
        .map(|m| m.as_str().trim_end_matches(['.', ',', ')', ']', '>', ';', ':', '!', '?']))
}

/// The host of a URL or bare domain as a browser reads it: lower-case, an IPv4 address in
/// dotted form whatever way it was written, a Unicode name in punycode, without a trailing
/// dot (`https://User@Host.example:8080/x` → "host.example", `http://0xC0A80001/` →
/// "192.168.0.1"). Text without `scheme://` is read as a web address (`www.example.com/x`,
/// `example.com`). A `mailto:` link goes to its first recipient's domain, read as
/// [`domain_of_address`] reads it: the mail a scam asks for is sent there. A URL of
/// another scheme without hosts (`tel:`, `javascript:`), a host that is not a dotted name
/// or an address, and one no browser would accept give `None`.
pub fn host_of(url: &str) -> Option<String> {
    let text = url.trim();
    if let Some(recipients) = text.get(..7).filter(|s| s.eq_ignore_ascii_case("mailto:")).and(text.get(7..)) {
        let first = recipients.split(['?', ',']).next().unwrap_or_default();
        return domain_of_address(&percent_decode(first)).filter(|domain| domain.contains('.'));
    }
    let rest = match text.split_once("://") {
        Some((before, rest)) if is_scheme(scheme_ending(before)) => rest,
        // "://" inside the path or query of a scheme-less address is not its scheme.
        _ if has_scheme_without_host(text) => return None,
        _ => text.strip_prefix("//").unwrap_or(text),
    };
    // Only the authority matters, and parsing it alone keeps a long query cheap. Any
    // scheme is read as http: a host is the same host behind `hxxp://` or `webcal://`.
    let authority = rest.split(['/', '\\', '?', '#']).next().unwrap_or_default();
    let parsed = url::Url::parse(&format!("http://{authority}/")).ok()?;
    match parsed.host()? {
        url::Host::Domain(name) => {
            let name = name.trim_end_matches('.');
            name.contains('.').then(|| name.to_string())
        }
        url::Host::Ipv4(address) => Some(address.to_string()),
        url::Host::Ipv6(address) => Some(address.to_string()),
    }
}

/// Whether `text` is a URL scheme (`https`, `hxxp`, `android-app`).
fn is_scheme(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// The scheme that ends `before` (the text before "://"), skipping left-overs of broken
/// quoting or encoding in front of it (`3D"https` in a twice-encoded href) but never a
/// path or query: in `www.example.com/r?u=https` the "://" belongs to a parameter.
fn scheme_ending(before: &str) -> &str {
    let start = before.rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')));
    match start {
        Some(at) if !before.contains(['/', '?', '#', '&', '=']) => {
            let scheme = before.get(at + 1..).unwrap_or_default();
            scheme.trim_start_matches(|c: char| !c.is_ascii_alphabetic())
        }
        _ => before,
    }
}

/// Whether `text` opens with a scheme that names no host (`mailto:a@b.example`, `tel:`,
/// `javascript:`). A dotted name before a colon is a host and port (`example.com:8080`).
fn has_scheme_without_host(text: &str) -> bool {
    text.split_once(':').is_some_and(|(scheme, _)| is_scheme(scheme) && !scheme.contains('.'))
}

/// What kind of host a link goes to, as far as a reader can tell from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    /// An ordinary name in ASCII letters.
    Name,
    /// An IPv4 or IPv6 address: no name to recognise or to look up.
    Address,
    /// A name with a label in another script (punycode, `xn--`): a reader sees Unicode
    /// letters that may imitate Latin ones.
    International,
}

/// The [`HostKind`] of a host as [`host_of`] gives it.
pub fn host_kind(host: &str) -> HostKind {
    if is_ip_literal(host) {
        HostKind::Address
    } else if host.split('.').any(|label| label.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--"))) {
        HostKind::International
    } else {
        HostKind::Name
    }
}

/// The ASCII name an international host looks like to a reader, its letters that imitate
/// Latin ones (Cyrillic а, Greek ο, small capitals) read as those: "xn--pypal-4ve.com"
/// (pаypal.com with a Cyrillic а) → "paypal.com". `None` for a host that is not
/// international or that shows letters no Latin one imitates (münchen.de, 日本.jp).
pub fn lookalike_skeleton(host: &str) -> Option<String> {
    if host_kind(host) != HostKind::International {
        return None;
    }
    let (unicode, _) = idna::domain_to_unicode(host);
    let skeleton: String = unicode.chars().map(super::normalize::fold_lookalike).collect();
    let skeleton = skeleton.to_ascii_lowercase();
    (skeleton.is_ascii() && skeleton != host).then_some(skeleton)
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
pub(crate) fn percent_decode(text: &str) -> String {
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

/// The registered domain of `host` by the Public Suffix List: "mail.example.co.jp" →
/// "example.co.jp", "a.b.example.com" → "example.com", "victim.github.io" →
/// "victim.github.io" (github.io hands out names like a registry). A host that is itself
/// a public suffix, a single label and an IP literal come back whole.
pub fn registrable_domain(host: &str) -> &str {
    if is_ip_literal(host) {
        return host;
    }
    psl::domain_str(host).unwrap_or(host)
}

/// Whether the public suffix `host` ends in is a registry's (ICANN's section of the list:
/// `com.au`, `co.jp`), not one a company hands out (`com.de`, `github.io`, the list's private
/// section), where anyone may register a brand's name.
pub fn ends_in_registry_suffix(host: &str) -> bool {
    psl::suffix(host.as_bytes()).and_then(|suffix| suffix.typ()) == Some(psl::Type::Icann)
}

/// Whether `host` is a public suffix (`co.uk`, `github.io`): a name under which anyone
/// registers their own, so no one owner's.
pub fn is_public_suffix(host: &str) -> bool {
    !is_ip_literal(host) && psl::domain_str(host).is_none()
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

/// The domain part of an e-mail address in the form [`host_of`] gives hosts (lower-case,
/// a Unicode name in punycode), so a sender's domain and a link's host compare alike.
pub fn domain_of_address(address: &str) -> Option<String> {
    let (_, domain) = address.rsplit_once('@')?;
    let domain = domain.trim().trim_end_matches('>').trim_end_matches('.');
    if domain.is_empty() {
        return None;
    }
    // An address's domain is a name, so the URL host parser reads it (IDNA included); one
    // it refuses is kept as written, lower-cased, for the rules to compare as text.
    let host = url::Host::parse(domain).ok().and_then(|host| match host {
        url::Host::Domain(name) => Some(name),
        url::Host::Ipv4(_) | url::Host::Ipv6(_) => None,
    });
    Some(host.unwrap_or_else(|| domain.to_ascii_lowercase()))
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
        // Written straight after Japanese, with no space or colon between.
        let glued: Vec<_> = find_urls("ログインはこちらhttps://evil-login.example/verify から").collect();
        assert_eq!(glued, ["https://evil-login.example/verify"]);
        // Not inside a word: "swww." and "xhttps://" start no address.
        assert!(find_urls("answww.example.com xhttps://a.example").next().is_none());
    }

    #[test]
    fn hosts_are_extracted_from_all_url_shapes() {
        assert_eq!(host_of("https://User@Host.Example:8080/x").as_deref(), Some("host.example"));
        assert_eq!(host_of("www.example.com/path").as_deref(), Some("www.example.com"));
        assert_eq!(host_of("http://[::1]:80/").as_deref(), Some("::1"));
        assert_eq!(host_of("mailto:someone"), None);
        assert_eq!(host_of("MAILTO:Info%40Shop.Example?subject=x").as_deref(), Some("shop.example"));
        assert_eq!(host_of("mailto:a@one.example,b@two.example").as_deref(), Some("one.example"));
    }

    #[test]
    fn registrable_domain_knows_second_level_registries() {
        assert_eq!(registrable_domain("mail.example.co.jp"), "example.co.jp");
        assert_eq!(registrable_domain("www.ucscard.co.jp.humaoo.com"), "humaoo.com");
        assert_eq!(registrable_domain("a.b.example.com"), "example.com");
        assert_eq!(registrable_domain("example.com"), "example.com");
        assert_eq!(registrable_domain("192.0.2.1"), "192.0.2.1");
        assert_eq!(registrable_domain("2001:db8::1"), "2001:db8::1");
    }

    #[test]
    fn registrable_domains_follow_the_public_suffix_list_beyond_a_few_second_levels() {
        // ICANN second levels a short list misses, and prefecture and city domains.
        assert_eq!(registrable_domain("www.example.com.au"), "example.com.au");
        assert_eq!(registrable_domain("shop.example.co.nz"), "example.co.nz");
        assert_eq!(registrable_domain("www.pref.example.tokyo.jp"), "example.tokyo.jp");
        assert_eq!(registrable_domain("news.example.com.br"), "example.com.br");
        // Wildcard rules: every name under kawasaki.jp is a suffix.
        assert_eq!(registrable_domain("www.city.example.kawasaki.jp"), "city.example.kawasaki.jp");
        // A label that is a registry elsewhere is none under .de: lg.de is a name.
        assert_eq!(registrable_domain("mail.lg.de"), "lg.de");
        // A public suffix alone has no registrable part: it comes back whole.
        assert_eq!(registrable_domain("github.io"), "github.io");
        assert_eq!(registrable_domain("localhost"), "localhost");
        assert_eq!(registrable_domain(""), "");
    }

    #[test]
    fn tenants_of_shared_hosting_are_different_sites() {
        // The PSL's private section: each tenant holds a name of its own.
        assert!(!same_site("victim.github.io", "attacker.github.io"));
        assert!(!same_site("shop.blogspot.com", "phish.blogspot.com"));
        assert!(!same_site("a.herokuapp.com", "b.herokuapp.com"));
        assert!(!same_site("login-example.web.app", "example.web.app"));
        assert!(!same_site("x.pages.dev", "y.pages.dev"));
        assert!(same_site("www.victim.github.io", "victim.github.io"));
        assert_eq!(registered_name("docs.victim.github.io"), "victim");
    }

    #[test]
    fn hosts_are_read_as_a_browser_reads_them() {
        // IPv4 written as one number, in hex, in octal parts or with a final dot.
        for url in [
            "http://3232235521/login",
            "http://0xC0A80001/",
            "http://0300.0250.0.1/",
            "http://192.168.0.1./",
            "http://192.168.1/",
        ] {
            let host = host_of(url);
            assert_eq!(host.as_deref(), Some("192.168.0.1"), "{url}");
            assert_eq!(host.as_deref().map(host_kind), Some(HostKind::Address), "{url}");
        }
        // Percent-encoded letters, upper case and full-width dots are the same name.
        assert_eq!(host_of("http://%77%77%77.PayPal.com/").as_deref(), Some("www.paypal.com"));
        assert_eq!(host_of("https://www\u{3002}example\u{3002}com/").as_deref(), Some("www.example.com"));
        // A backslash ends the host, as it does in a browser.
        assert_eq!(host_of("https://evil.example\\@bank.example/").as_deref(), Some("evil.example"));
        // "://" in a scheme-less address's query is not its scheme.
        assert_eq!(host_of("www.example.com/r?u=https://evil.example/").as_deref(), Some("www.example.com"));
        assert_eq!(host_of("example.com:8080/x").as_deref(), Some("example.com"));
        assert_eq!(host_of("hxxps://evil.example/").as_deref(), Some("evil.example"));
        // Left-overs of a twice-encoded attribute before the scheme.
        assert_eq!(host_of("3D\"https://Track.example/c?x=1").as_deref(), Some("track.example"));
        for no_host in
            ["tel:+81-3-0000-0000", "javascript:void(0)", "http://exa mple.com/", "http://localhost/", ""]
        {
            assert_eq!(host_of(no_host), None, "{no_host}");
        }
    }

    #[test]
    fn unicode_hosts_come_out_in_punycode_with_their_latin_look() {
        // "pаypal.com" with a Cyrillic а: a browser opens xn--pypal-4ve.com.
        let host = host_of("https://p\u{0430}ypal.com/signin").expect("a host");
        assert_eq!(host, "xn--pypal-4ve.com");
        assert_eq!(host_kind(&host), HostKind::International);
        assert_eq!(lookalike_skeleton(&host).as_deref(), Some("paypal.com"));
        // A real non-Latin name is international but imitates nothing.
        let munich = host_of("http://www.m\u{00FC}nchen.de/").expect("a host");
        assert_eq!(munich, "www.xn--mnchen-3ya.de");
        assert_eq!(lookalike_skeleton(&munich), None);
        assert_eq!(lookalike_skeleton("www.example.com"), None);
        assert_eq!(host_kind("www.example.com"), HostKind::Name);
        // The sender's domain is read the same way, so the two compare.
        assert_eq!(domain_of_address("a@P\u{0430}ypal.com").as_deref(), Some("xn--pypal-4ve.com"));
        assert_eq!(domain_of_address("Someone <A@Example.COM.>").as_deref(), Some("example.com"));
        assert_eq!(domain_of_address("nobody"), None);
    }
}
