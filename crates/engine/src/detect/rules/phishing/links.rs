//! Phishing rules about links: text that shows one domain while the link goes to another,
//! and hosts that hide where a link leads (an IP address, punycode, a shortener, hosting
//! anyone can publish on, an unusual port), also when written out without a link.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::{DOMAIN_LIKE, Facts, Signal, SignalId};
use crate::detect::brands::{self, Brand};
use crate::detect::phrases::Family;
use crate::detect::tables::{CLICK_TRACKERS, DISPOSABLE_HOSTING, DISPOSABLE_PAGES, SHORTENERS};
use crate::mail::url::{host_of, is_ip_literal, redirect_target, registrable_domain, same_site};

/// Links whose text shows a domain other than the one they go to, with the brand the
/// shown domain belongs to (if any).
fn mismatched_links<'a>(
    facts: &'a Facts<'_>,
) -> impl Iterator<Item = (String, String, Option<&'static Brand>)> + 'a {
    facts.email.links.iter().filter_map(|link| {
        let shown = link.text.trim();
        if shown == link.href || !DOMAIN_LIKE.is_match(shown) {
            return None;
        }
        let shown_host = host_of(&with_scheme(shown))?;
        let real_host = host_of(&link.href)?;
        if same_site(&shown_host, &real_host) {
            return None;
        }
        let owner = brands::owner_of(&shown_host).filter(|brand| !brand.owns(&real_host));
        Some((shown_host, real_host, owner))
    })
}

/// Whether a mismatched link is the sender's own, counted on its way by a mail service's
/// click tracker: it shows the sender's own site, the receiving server verified that
/// site's signature, the site is no free mailbox or other domain many senders share (where
/// the signature vouches for none of them), and the link goes to a tracker. An invoice's
/// "example-clinic.com" through its mail service is the common case. What stays open: a
/// sender whose own mail service account was taken over, or a platform that relays what
/// its users write under its own signature, can show its site over a tracker link that
/// leads elsewhere. The tracker hides where, so this only lifts the weak mismatch hint;
/// a brand's domain shown in such a link still counts (`link_shows_brand_domain`).
fn senders_tracked_link(facts: &Facts<'_>, shown_host: &str, real_host: &str) -> bool {
    let sender = facts.sender_domain.as_str();
    !sender.is_empty()
        && !brands::is_shared_domain(sender)
        && facts.is_senders_site(shown_host)
        && CLICK_TRACKERS.contains(&registrable_domain(real_host))
        && facts.signed_by_senders_site()
}

/// A link shows a brand's domain ("www.paypal.com") but goes somewhere the brand does not
/// own: the oldest phishing trick there is.
pub fn link_shows_brand_domain(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    if let Some((shown, real, Some(brand))) = mismatched_links(facts).find(|(_, _, owner)| owner.is_some()) {
        let evidence = format!("shows {shown} ({}), goes to {real}", brand.name);
        out.push(Signal::new(SignalId::LinkShowsBrandDomain, evidence));
    }
}

/// A link shows one domain and goes to another. Newsletters do this through click
/// trackers too, so on its own it weighs little and does not count as deception; the
/// sender's own site shown over its tracker does not count at all ([`senders_tracked_link`]).
pub fn link_text_mismatch(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let mut mismatches = mismatched_links(facts);
    if let Some((shown, real, _)) =
        mismatches.find(|(shown, real, _)| !senders_tracked_link(facts, shown, real))
    {
        out.push(Signal::new(SignalId::LinkTextMismatch, format!("shows {shown}, goes to {real}")));
    }
}

fn with_scheme(text: &str) -> String {
    if text.contains("://") { text.to_string() } else { format!("http://{text}") }
}

/// Links whose host hides the destination: a bare IP address, punycode, a shortener, or
/// hosting where anyone can put up a page.
pub fn risky_link_hosts(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let find = |test: &dyn Fn(&str) -> bool| facts.link_hosts.iter().find(|h| test(h)).cloned();
    if let Some(host) = find(&|h| is_ip_literal(h)) {
        out.push(Signal::new(SignalId::LinkToIpAddress, host));
    }
    if let Some(host) = find(&|h| h.split('.').any(|label| label.starts_with("xn--"))) {
        out.push(Signal::new(SignalId::LinkToPunycodeDomain, host));
    }
    // Read once, and only if a rule below finds no real link of its kind.
    let written = std::cell::OnceCell::new();
    let written_out = || written.get_or_init(|| written_out_hosts(facts));
    let shortened = || find(&|h| SHORTENERS.contains(&registrable_domain(h)));
    if let Some(host) = shortened().or_else(|| written_out().shortener.clone()) {
        out.push(Signal::new(SignalId::LinkViaShortener, host));
    }
    let is_page = |href: &str| {
        let without_scheme = href.split_once("://").map_or(href, |(_, rest)| rest);
        DISPOSABLE_PAGES.iter().any(|page| without_scheme.starts_with(page))
    };
    let disposable_page = || {
        facts.email.links.iter().find_map(|link| {
            let href = link.href.as_str();
            if is_page(href) {
                return Some(href.to_string());
            }
            redirect_target(href).filter(|target| is_page(target))
        })
    };
    static HOSTING: LazyLock<AhoCorasick> =
        LazyLock::new(|| AhoCorasick::new(DISPOSABLE_HOSTING).expect("hosting names compile"));
    let disposable = find(&|h| HOSTING.is_match(h)).or_else(disposable_page);
    if let Some(host) = disposable.or_else(|| written_out().hosting.clone()) {
        out.push(Signal::new(SignalId::LinkToDisposableHosting, host));
    }
    let odd_port = facts.email.links.iter().find_map(|l| {
        let port = explicit_port(&l.href)?;
        (!matches!(port, 80 | 443)).then(|| format!("{}:{port}", host_of(&l.href).unwrap_or_default()))
    });
    if let Some(host) = odd_port {
        out.push(Signal::new(SignalId::LinkToUnusualPort, host));
    }
}

/// What a written-out address is on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Written {
    Hosting,
    Shortener,
}

/// The first written-out address of each kind (see `written_out_hosts`).
#[derive(Default)]
struct WrittenOut {
    hosting: Option<String>,
    shortener: Option<String>,
}

/// Addresses on page hosting (`x.netlify.app`) and shortened links (`bit.ly/3xyz`) written
/// in the text without `https://` and without a link: mail apps make them clickable, and
/// spam writes them so to pass link checks ("Contact me >> x.netlify.app"). Looked for
/// only in mail that asks for something, where a link would matter; one pass finds the
/// first of each kind.
fn written_out_hosts(facts: &Facts<'_>) -> WrittenOut {
    static WRITTEN: LazyLock<(AhoCorasick, Vec<Written>)> = LazyLock::new(|| {
        // A hosting suffix follows a label's dot; a shortener is followed by its path.
        let hosting = DISPOSABLE_HOSTING.iter().filter(|d| d.contains('.') && !d.ends_with('.'));
        let hosting = hosting.map(|d| (format!(".{d}"), Written::Hosting));
        let shorteners = SHORTENERS.iter().map(|s| (format!("{s}/"), Written::Shortener));
        let (needles, kinds): (Vec<String>, Vec<Written>) = hosting.chain(shorteners).unzip();
        (AhoCorasick::new(needles).expect("host suffixes compile"), kinds)
    });
    let mut found = WrittenOut::default();
    let asks = [Family::CredentialAction, Family::SensitiveData, Family::Lure, Family::AccountThreat];
    if facts.families.count(&asks) == 0 {
        return found;
    }
    let (finder, kinds) = &*WRITTEN;
    let text = facts.email.normalized_text.as_str();
    for hit in finder.find_iter(text) {
        let Some(&kind) = kinds.get(hit.pattern().as_usize()) else { continue };
        let slot = match kind {
            Written::Hosting => &mut found.hosting,
            Written::Shortener => &mut found.shortener,
        };
        if slot.is_none() {
            *slot = written_address(text, hit.start(), hit.end(), kind);
        }
        if found.hosting.is_some() && found.shortener.is_some() {
            break;
        }
    }
    found
}

/// The address around a platform suffix or shortener found at `start..end` of `text`,
/// if it is one written out on its own.
fn written_address(text: &str, start: usize, end: usize, kind: Written) -> Option<String> {
    // A label is at most 63 bytes, so no scan reads further than that from a match,
    // whatever the text (hundreds of kilobytes of letters and dots included).
    const LABEL_MAX: usize = 63;
    let is_label_byte = |b: &u8| b.is_ascii_alphanumeric() || *b == b'-';
    let bytes = text.as_bytes();
    let (before, after) = (bytes.get(..start)?, bytes.get(end..)?);
    let label = before.iter().rev().take(LABEL_MAX + 1).take_while(|b| is_label_byte(b)).count();
    let first = start - label;
    // Not part of a longer host name ("ec2-13-52.us-west-1.compute…" is a machine, not a
    // site), of a URL's path or query, or of an address: those were read as links.
    let previous = first.checked_sub(1).and_then(|p| bytes.get(p));
    if previous.is_some_and(|b| matches!(b, b'.' | b'/' | b'@' | b'=' | b'?' | b'&' | b'%' | b'#')) {
        return None;
    }
    let last = match kind {
        // One label, the site's name, before the platform's suffix, which ends the host.
        Written::Hosting => {
            let continues = after.first().is_some_and(is_label_byte)
                || (after.first() == Some(&b'.') && after.get(1).is_some_and(u8::is_ascii_alphanumeric));
            ((1..=LABEL_MAX).contains(&label) && !continues).then_some(end)
        }
        // The shortener is the whole host and has a path after it.
        Written::Shortener => {
            let path = after.iter().take(LABEL_MAX).take_while(|b| b.is_ascii_alphanumeric()).count();
            (label == 0 && path > 0).then_some(end + path)
        }
    }?;
    Some(format!("{} (written out, not linked)", text.get(first..last)?))
}

/// The port written in a URL's authority, if any ("https://mail.example:2096/").
fn explicit_port(url: &str) -> Option<u16> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    if host_port.starts_with('[') {
        return host_port.rsplit_once("]:")?.1.parse().ok();
    }
    host_port.rsplit_once(':')?.1.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::test_support::{email, fired, html_email};

    fn html_link(href: &str, text: &str) -> crate::mail::Email {
        html_email(&format!("<a href=\"{href}\">{text}</a>"))
    }

    /// A link showing the sender's own signed site through a mail service's click tracker
    /// is no mismatch; unsigned, from a shared domain, showing another site or going
    /// anywhere but a tracker, it still is, and a brand's domain shown over it still counts.
    #[test]
    fn a_senders_signed_site_shown_through_a_click_tracker_is_no_mismatch() {
        let mail = |from: &str, signed_by: &str, href: &str, shown: &str| {
            let raw = format!(
                "Authentication-Results: mx.example; dkim=pass header.d={signed_by}\r\n\
                 From: Billing <billing@{from}>\r\nContent-Type: text/html\r\n\r\n\
                 <a href=\"{href}\">{shown}</a>"
            );
            crate::mail::parse(raw.as_bytes()).expect("parses")
        };
        let (clinic, tracked) = ("clinic.example", "https://u123.ct.sendgrid.net/ls/click?upn=abc");
        let own = "www.clinic.example";
        assert!(fired(link_text_mismatch, &mail(clinic, clinic, tracked, own)).is_empty());
        let mismatch = [SignalId::LinkTextMismatch];
        let fires = |email: crate::mail::Email, why: &str| {
            assert_eq!(fired(link_text_mismatch, &email), mismatch, "{why}");
        };
        fires(mail(clinic, "other.example", tracked, own), "not signed by the sender");
        fires(mail(clinic, clinic, "https://grants-clinic.example.net/claim", own), "no tracker");
        fires(mail(clinic, clinic, tracked, "www.other.example"), "not the sender's site");
        fires(mail("outlook.com", "outlook.com", tracked, "outlook.com"), "a free mailbox's signature");
        let brand = mail(clinic, clinic, tracked, "www.paypal.com");
        assert_eq!(fired(link_shows_brand_domain, &brand), [SignalId::LinkShowsBrandDomain]);
    }

    /// A link the reader's mail gateway rewrote (Safe Links, URL Defense) is judged by
    /// where it leads: showing the site it goes to is no mismatch, and a lure's host is
    /// seen through the wrapping.
    #[test]
    fn links_a_gateway_rewrote_are_judged_by_their_destination() {
        let wrap = |target: &str| {
            let encoded = target.replace(':', "%3A").replace('/', "%2F");
            format!(
                "https://nam12.safelinks.protection.outlook.com/?url={encoded}&amp;data=05%7C01&amp;reserved=0"
            )
        };
        let honest = html_link(&wrap("https://www.news.example/today"), "www.news.example");
        assert!(fired(link_text_mismatch, &honest).is_empty());
        let lure = html_link(&wrap("https://paypal.evil.example/login"), "www.paypal.com");
        assert_eq!(fired(link_shows_brand_domain, &lure), [SignalId::LinkShowsBrandDomain]);
        let hosts = crate::detect::Facts::gather(&lure).link_hosts;
        assert!(hosts.iter().any(|h| h == "paypal.evil.example"), "{hosts:?}");
        assert!(!hosts.iter().any(|h| h.contains("safelinks")), "{hosts:?}");
        let written = html_email(&format!("Read it at {}", wrap("https://www.news.example/today")));
        assert_eq!(crate::detect::Facts::gather(&written).link_hosts, ["www.news.example"]);
    }

    #[test]
    fn link_text_mismatch_compares_registered_domains() {
        assert_eq!(
            fired(link_text_mismatch, &html_link("https://evil.example/", "www.news.example")),
            [SignalId::LinkTextMismatch]
        );
        assert!(
            fired(link_text_mismatch, &html_link("https://www.news.example/x", "news.example")).is_empty()
        );
        assert!(fired(link_text_mismatch, &html_link("https://evil.example/", "Click here")).is_empty());
        // One word is no domain, even one a browser would take for a host name.
        assert!(fired(link_text_mismatch, &html_link("https://evil.example/", "Login")).is_empty());
    }

    #[test]
    fn link_shows_brand_domain_needs_a_known_brand_domain_in_the_text() {
        let fake = html_link("https://evil.example/", "www.paypal.com");
        assert_eq!(fired(link_shows_brand_domain, &fake), [SignalId::LinkShowsBrandDomain]);
        assert!(
            fired(link_shows_brand_domain, &html_link("https://evil.example/", "www.news.example"))
                .is_empty()
        );
        assert!(
            fired(link_shows_brand_domain, &html_link("https://www.paypal.com/x", "paypal.com")).is_empty()
        );
    }

    #[test]
    fn risky_link_hosts_name_each_trick() {
        let mail =
            email("From: a@b.example", "http://192.0.2.7/login http://xn--pypal-4ve.com/ https://bit.ly/x");
        assert_eq!(
            fired(risky_link_hosts, &mail),
            [SignalId::LinkToIpAddress, SignalId::LinkToPunycodeDomain, SignalId::LinkViaShortener]
        );
        assert!(fired(risky_link_hosts, &email("From: a@b.example", "https://www.example.com/")).is_empty());
    }

    #[test]
    fn pages_anyone_can_publish_count_as_disposable_hosting_even_behind_a_redirector() {
        let run = |body: &str| fired(risky_link_hosts, &email("From: a@b.example", body));
        assert_eq!(run("https://claim-now.netlify.app/"), [SignalId::LinkToDisposableHosting]);
        assert_eq!(
            run("https://docs.google.com/drawings/d/1abc/preview"),
            [SignalId::LinkToDisposableHosting]
        );
        let wrapped = "https://www.google.com/url?q=https://docs.google.com/drawings/d/1abc/preview&sa=D";
        assert_eq!(run(wrapped), [SignalId::LinkToDisposableHosting]);
        assert!(run("https://docs.google.com/document/d/1abc/edit").is_empty());
    }

    #[test]
    fn risky_link_hosts_notice_unusual_ports() {
        let mail = email("From: a@b.example", "Sign in at https://mail.example.com:2096/login");
        assert_eq!(fired(risky_link_hosts, &mail), [SignalId::LinkToUnusualPort]);
        assert!(
            fired(risky_link_hosts, &email("From: a@b.example", "https://mail.example.com:443/")).is_empty()
        );
    }

    #[test]
    fn hosting_and_short_links_written_out_count_in_mail_that_asks() {
        let run = |body: &str| fired(risky_link_hosts, &email("From: a@b.example", body));
        assert_eq!(run("Claim your prize >> prize-desk.netlify.app"), [SignalId::LinkToDisposableHosting]);
        assert_eq!(run("Verify your account: bit.ly/3xYz9"), [SignalId::LinkViaShortener]);
        assert!(run("Our blog moved to team-notes.netlify.app, see you there").is_empty(), "no ask");
        assert!(run("Log in from ec2-1-2-3-4.us-west-1.compute.amazonaws.com").is_empty(), "a machine");
        assert!(run("Log in, docs at https://x.example/mirror/site.netlify.app").is_empty(), "a path");
        assert!(run("Log in; mail admin@site.netlify.app").is_empty(), "an address");
        assert!(run("Log in; bit.ly is a shortener").is_empty(), "no path, no link");
        assert!(run("Log in at prize-desk.netlify.app.evil.example").is_empty(), "another host");
        // A sentence's full stop after the address is no further label.
        assert_eq!(
            run("Verify your account at prize-desk.netlify.app."),
            [SignalId::LinkToDisposableHosting]
        );
        // Both kinds in one mail are both found.
        assert_eq!(
            run("Verify your account at prize-desk.netlify.app or bit.ly/3xYz9"),
            [SignalId::LinkViaShortener, SignalId::LinkToDisposableHosting]
        );
        // A shortener's name inside another host, or without a path, is no short link.
        assert!(run("Verify your account at mybit.ly/3xYz9").is_empty(), "another host");
        assert!(run("Verify your account: bit.ly/ today").is_empty(), "no path");
        // The evidence quotes the whole address, the short link's path included.
        let text = "Go to bit.ly/3xYz9 now";
        let written = written_address(text, 6, 13, Written::Shortener);
        assert_eq!(written.as_deref(), Some("bit.ly/3xYz9 (written out, not linked)"));
        // A label is at most 63 bytes: 63 is a site's name, 64 is no host at all.
        let name = |n: usize| format!("Verify your account at {}.netlify.app", "a".repeat(n));
        assert_eq!(run(&name(63)), [SignalId::LinkToDisposableHosting]);
        assert!(run(&name(64)).is_empty(), "64 bytes");
        let long = format!("Log in {}{}", "a.".repeat(200_000), ".web.app".repeat(20_000));
        assert!(run(&long).is_empty(), "no site name, and read in linear time");
    }

    #[test]
    fn link_hosts_are_judged_as_a_browser_reads_them() {
        let run = |body: &str| fired(risky_link_hosts, &email("From: a@b.example", body));
        // 192.0.2.123 written as one decimal number, in hex, and with a final dot.
        for written in ["http://3221226107/login", "http://0xC000027B/login", "http://192.0.2.123./login"] {
            assert_eq!(run(written), [SignalId::LinkToIpAddress], "{written}");
        }
        // pаypal.com with a Cyrillic а is opened as xn--pypal-4ve.com.
        assert_eq!(run("https://p\u{0430}ypal.com/signin"), [SignalId::LinkToPunycodeDomain]);
        // Two tenants of one hosting platform are two sites.
        let tenant = html_link("https://attacker.github.io/login", "victim.github.io");
        assert_eq!(fired(link_text_mismatch, &tenant), [SignalId::LinkTextMismatch]);
    }

    #[test]
    fn a_hidden_target_in_an_attached_file_reaches_the_host_rules_as_its_links_do() {
        // A mail of plain words and one attached file: the file's target is the only link.
        let with_file = |name: &str, kind: &str, file: &str| {
            let raw = format!(
                "From: a@b.example\r\nSubject: Your document\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
                 --b\r\nContent-Type: text/plain\r\n\r\nPlease see the attached file.\r\n\
                 --b\r\nContent-Type: {kind}\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\r\n\
                 {file}\r\n--b--\r\n"
            );
            crate::mail::parse(raw.as_bytes()).expect("parses")
        };
        let disposable = [SignalId::LinkToDisposableHosting];
        let files = [
            (
                "plain.pdf",
                "application/pdf",
                "%PDF-1.4\r\n<< /S /URI /URI (https://claim-now.netlify.app/) >>",
            ),
            (
                "escaped.pdf",
                "application/pdf",
                "%PDF-1.4\r\n<< /S /URI /U#52I (https://claim-now.netlify.app/) >>",
            ),
            (
                "indirect.pdf",
                "application/pdf",
                "%PDF-1.4\r\n<< /S /URI /URI 9 0 R >>\r\n9 0 obj (https://claim-now.netlify.app/) endobj",
            ),
            (
                "form.pdf",
                "application/pdf",
                "%PDF-1.4\r\n<< /S /SubmitForm /F (https://claim-now.netlify.app/) >>",
            ),
            (
                "open.pdf",
                "application/pdf",
                "%PDF-1.4\r\n<< /S /Launch /F (https://claim-now.netlify.app/) >>",
            ),
            ("anchor.html", "text/html", "<a href='https://claim-now.netlify.app/'>Open</a>"),
            (
                "refresh.html",
                "text/html",
                "<meta http-equiv=refresh content='0;url=https://claim-now.netlify.app/'>",
            ),
            (
                "script.html",
                "text/html",
                "<script>location.replace('https://claim-now.netlify.app/')</script>",
            ),
        ];
        for (name, kind, file) in files {
            assert_eq!(fired(risky_link_hosts, &with_file(name, kind, file)), disposable, "{name}");
        }
        // Unlike a body's link, a file's is no mismatch of shown text: it shows none.
        let page = with_file(
            "script.html",
            "text/html",
            "<script>location.href='https://claim-now.netlify.app/'</script>",
        );
        assert!(fired(link_text_mismatch, &page).is_empty());
    }
}
