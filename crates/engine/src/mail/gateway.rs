//! Links a mail gateway rewrote, read back to where they lead.
//!
//! Organisations put a scanner in front of their mailboxes (Microsoft Defender's Safe
//! Links, Proofpoint's URL Defense, Barracuda, Trend Micro) that rewrites every link of
//! every mail, phishing and ham alike, to pass through the scanner first:
//! `https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fshop.example%2F&data=…`.
//! The scanner belongs to the reader's organisation, not to the sender, and the link
//! still ends where the sender pointed it. Read as written, every such link "shows one
//! domain and goes to another", and no link host would ever be the sender's. So a link
//! is read as its destination when a gateway listed in `GATEWAYS` wrapped it and the
//! destination can be read from the link itself. Gateways whose links carry only a token
//! (Mimecast's `/s/…`) cannot be read back and are left as written.

use base64::Engine as _;

/// How a gateway writes the destination into its link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wrapping {
    /// A query parameter holds the destination, percent-encoded.
    Query(&'static str),
    /// Proofpoint's second version: the `u` parameter with `-XX` for each escaped byte
    /// and `_` for `/` (`https-3A__shop.example_path`).
    ProofpointV2,
    /// Proofpoint's third version: the destination between `/v3/__` and `__;`, each `*`
    /// standing for a character given, base64url-encoded, between `;` and `!!`.
    ProofpointV3,
}

/// A gateway: the host its links go through (a leading dot: any host under that name),
/// the path they start with, and how the destination is written.
struct Gateway {
    host: &'static str,
    path: &'static str,
    wrapping: Wrapping,
}

/// The gateways whose links name their destination.
const GATEWAYS: &[Gateway] = &[
    Gateway { host: ".safelinks.protection.outlook.com", path: "/", wrapping: Wrapping::Query("url") },
    Gateway { host: ".safelinks.protection.office365.us", path: "/", wrapping: Wrapping::Query("url") },
    Gateway { host: "urldefense.proofpoint.com", path: "/v1/url", wrapping: Wrapping::Query("u") },
    Gateway { host: "urldefense.proofpoint.com", path: "/v2/url", wrapping: Wrapping::ProofpointV2 },
    Gateway { host: "urldefense.com", path: "/v3/__", wrapping: Wrapping::ProofpointV3 },
    Gateway { host: "linkprotect.cudasvc.com", path: "/url", wrapping: Wrapping::Query("a") },
    Gateway { host: ".trendmicro.com", path: "/wis/clicktime/v1/query", wrapping: Wrapping::Query("url") },
];

/// A gateway's link inside another's is read back this many times at most.
const MAX_LAYERS: usize = 3;

/// Where `href` leads when a gateway listed in `GATEWAYS` rewrote it (through any layers of
/// them), as an absolute http(s) address; `None` for any other link and for a gateway's
/// link whose destination cannot be read.
pub fn destination(href: &str) -> Option<String> {
    let mut found = None;
    for _ in 0..MAX_LAYERS {
        let Some(next) = one_layer(found.as_deref().unwrap_or(href)) else { break };
        found = Some(next);
    }
    found
}

fn one_layer(href: &str) -> Option<String> {
    // The host as written, for a cheap test first: nearly every link is no gateway's.
    let written = href.trim().split_once("://")?.1;
    let written = written.split(['/', '?', '#']).next().unwrap_or_default();
    if !GATEWAYS.iter().any(|g| ends_with_ignoring_case(written, g.host.trim_start_matches('.'))) {
        return None;
    }
    let parsed = url::Url::parse(href.trim()).ok()?;
    let host = parsed.host_str()?.trim_end_matches('.');
    let gateway = GATEWAYS.iter().find(|g| {
        let on_host = match g.host.strip_prefix('.') {
            Some(parent) => host == parent || host.strip_suffix(g.host).is_some_and(|sub| !sub.is_empty()),
            None => host == g.host,
        };
        on_host && parsed.path().starts_with(g.path)
    })?;
    let destination = match gateway.wrapping {
        Wrapping::Query(name) => the_one_value(&parsed, name),
        Wrapping::ProofpointV2 => the_one_value(&parsed, "u").and_then(|v| proofpoint_v2(&v)),
        // Read from the address as the browser will request it (dot segments resolved,
        // tabs and the fragment gone), never from the text as written.
        Wrapping::ProofpointV3 => {
            proofpoint_v3(&parsed[url::Position::BeforePath..url::Position::AfterQuery])
        }
    }?;
    let destination = destination.trim();
    let scheme = destination.split_once("://").map(|(scheme, _)| scheme.to_ascii_lowercase());
    matches!(scheme.as_deref(), Some("http" | "https")).then(|| destination.to_string())
}

/// The value of the query parameter `name` (its name read as a text body may write it,
/// `&amp;url=`, in any case), when the link names it once: a link that names it twice
/// leaves it to the gateway which one it follows, so neither is believed.
fn the_one_value(parsed: &url::Url, name: &str) -> Option<String> {
    let mut values = parsed
        .query_pairs()
        .filter(|(key, _)| key.strip_prefix("amp;").unwrap_or(key).eq_ignore_ascii_case(name));
    let value = values.next()?.1.into_owned();
    values.next().is_none().then_some(value)
}

/// Whether the host as written (a port or a final dot after it allowed) ends with `name`.
fn ends_with_ignoring_case(written: &str, name: &str) -> bool {
    let host = written.rsplit_once(':').filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()));
    let host = host.map_or(written, |(host, _)| host).trim_end_matches('.').as_bytes();
    let tail = host.len().checked_sub(name.len()).and_then(|start| host.get(start..));
    tail.is_some_and(|tail| tail.eq_ignore_ascii_case(name.as_bytes()))
}

/// `https-3A__shop.example_a-3Fb-3D1` → `https://shop.example/a?b=1`.
fn proofpoint_v2(encoded: &str) -> Option<String> {
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        let escaped = bytes
            .get(at + 1..at + 3)
            .filter(|hex| byte == b'-' && hex.iter().all(u8::is_ascii_hexdigit))
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (byte, escaped) {
            (b'-', Some(decoded)) => {
                out.push(decoded);
                at += 3;
            }
            (b'_', _) => {
                out.push(b'/');
                at += 1;
            }
            _ => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The characters a run marker `**X` stands for: 2 for `A`, 3 for `B`, … (the base64url
/// alphabet's order).
const RUN_LENGTHS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The path and query of `https://urldefense.com/v3/__https://shop.example/a*2Fb__;JQ!!token$`
/// → `https://shop.example/a%2Fb`. Percent escapes are decoded first, as Proofpoint's own
/// decoder does: `evil.example%2F@bank.example` is a path on evil.example.
fn proofpoint_v3(path_and_query: &str) -> Option<String> {
    let decoded = crate::mail::url::percent_decode(path_and_query);
    let rest = decoded.strip_prefix("/v3/__")?;
    let (template, after) = rest.split_once("__;")?;
    let encoded = after.split_once("!!").map_or(after, |(encoded, _)| encoded);
    if !template.contains('*') {
        return Some(template.to_string());
    }
    let decoded =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(encoded.trim_end_matches('=')).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let mut replacements = decoded.chars();
    let mut out = String::with_capacity(template.len());
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '*' {
            out.push(c);
            continue;
        }
        let count = if chars.next_if_eq(&'*').is_some() {
            let marker = chars.next()?;
            RUN_LENGTHS.iter().position(|&m| char::from(m) == marker)? + 2
        } else {
            1
        };
        for _ in 0..count {
            out.push(replacements.next()?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_links_and_query_gateways_give_their_destination() {
        let cases = [
            (
                "https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fshop.example%2Fa%3Fb%3D1&data=05%7C01&reserved=0",
                "https://shop.example/a?b=1",
            ),
            (
                "https://urldefense.proofpoint.com/v1/url?u=http://www.example.org/&k=oIvR",
                "http://www.example.org/",
            ),
            (
                "https://linkprotect.cudasvc.com/url?a=http%3a%2f%2fwww.example.com%2fx&c=E,1,abc",
                "http://www.example.com/x",
            ),
            (
                "https://imsva91-ctp.trendmicro.com:443/wis/clicktime/v1/query?url=https%3a%2f%2fbank.example&umid=1",
                "https://bank.example",
            ),
        ];
        for (wrapped, expected) in cases {
            assert_eq!(destination(wrapped).as_deref(), Some(expected), "{wrapped}");
        }
    }

    #[test]
    fn proofpoint_encodings_are_read_back() {
        let cases = [
            (
                "https://urldefense.proofpoint.com/v2/url?u=https-3A__docs.example.com_forms_d-3Fx-3D1&d=DwMFaQ&c=abc",
                "https://docs.example.com/forms/d?x=1",
            ),
            (
                "https://urldefense.com/v3/__https://lists.example.org/r/abc__;!!ACWV5N9M2RV99hQ!INUzIF25$",
                "https://lists.example.org/r/abc",
            ),
            // `JQ` is "%" in base64url: the one character the `*` stands for.
            (
                "https://urldefense.com/v3/__https://lists.example.org/Ykq*2Fyz@example.org/__;JQ!!ACWV5N$",
                "https://lists.example.org/Ykq%2Fyz@example.org/",
            ),
            // `**A` is a run of two characters: "%2" is `JTI`.
            ("https://urldefense.com/v3/__https://a.example/x**AFy__;JTI!!tok$", "https://a.example/x%2Fy"),
        ];
        for (wrapped, expected) in cases {
            assert_eq!(destination(wrapped).as_deref(), Some(expected), "{wrapped}");
        }
    }

    #[test]
    fn a_gateway_inside_a_gateway_is_read_through() {
        let inner = "https://urldefense.proofpoint.com/v2/url?u=https-3A__bank.example_login&d=x";
        let outer = format!(
            "https://eur01.safelinks.protection.outlook.com/?url={}&data=1",
            inner
                .replace(':', "%3A")
                .replace('/', "%2F")
                .replace('?', "%3F")
                .replace('=', "%3D")
                .replace('&', "%26")
        );
        assert_eq!(destination(&outer).as_deref(), Some("https://bank.example/login"));
    }

    /// The destination is read from the address the browser requests, not from the text
    /// around it: dot segments, a tab and a fragment cannot show one site and lead to
    /// another; escapes are decoded before the host is read; a parameter named twice is
    /// believed in neither place.
    #[test]
    fn a_wrapped_link_cannot_show_one_destination_and_lead_to_another() {
        let cases = [
            (
                "https://urldefense.com/v3/__https://www.bank.example/__;!!x$/../../../../__https://evil.example/__;!!T$",
                Some("https://evil.example/"),
            ),
            (
                "https://urldefense.com/v3/_\t_https://evil.example/__;!!T$#/v3/__https://www.bank.example/__;!!x$",
                Some("https://evil.example/"),
            ),
            (
                "https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.bank.example&url=https%3A%2F%2Fevil.example",
                None,
            ),
            // A final dot on the host, `&amp;` as a text body writes it, the name in capitals.
            (
                "https://nam12.safelinks.protection.outlook.com./?data=1&amp;URL=https%3A%2F%2Fshop.example%2F",
                Some("https://shop.example/"),
            ),
            // `-2B` is "+"; a sign is no hex digit.
            (
                "https://urldefense.proofpoint.com/v2/url?u=https-3A__a.example_-2BA-3Fx&d=1",
                Some("https://a.example/+A?x"),
            ),
        ];
        for (wrapped, expected) in cases {
            assert_eq!(destination(wrapped).as_deref(), expected, "{wrapped}");
        }
        let escaped = "https://urldefense.com/v3/__https://evil.example%2F@www.bank.example/__;!!T$";
        let read = destination(escaped).expect("read");
        assert_eq!(crate::mail::url::host_of(&read).as_deref(), Some("evil.example"), "{read}");
    }

    #[test]
    fn look_alike_hosts_other_schemes_and_unreadable_links_are_left_alone() {
        for href in [
            // Not the gateway's host: a name that merely starts or ends like it.
            "https://safelinks.protection.outlook.com.evil.example/?url=https%3A%2F%2Fbank.example",
            "https://evilurldefense.com/v3/__https://bank.example__;!!x$",
            // A destination that is no web address.
            "https://nam12.safelinks.protection.outlook.com/?url=javascript%3Aalert(1)",
            // No destination at all, a broken v3 template, an ordinary link.
            "https://nam12.safelinks.protection.outlook.com/?data=05",
            "https://urldefense.com/v3/__https://a.example/*__;!!x$",
            "https://shop.example/?url=https%3A%2F%2Fbank.example",
            "https://protect-eu.mimecast.com/s/abcdEFGH?domain=bank.example",
        ] {
            assert_eq!(destination(href), None, "{href}");
        }
    }
}
