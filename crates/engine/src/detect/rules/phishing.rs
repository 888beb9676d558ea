//! Rules for phishing and malware mail: a borrowed brand, links that go somewhere else
//! than they say, requests for logins and card numbers, and dangerous attachments.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use regex::Regex;

use super::{Category, Facts, Signal, signal};
use crate::detect::brands::{self, Brand};
use crate::detect::phrases::Family;
use crate::mail::AuthResult;
use crate::mail::url::{
    host_of, is_ip_literal, redirect_target, registered_name, registrable_domain, same_site,
};

/// The claims phishing is written from.
const PHISHING_FAMILIES: [Family; 6] = [
    Family::CredentialAction,
    Family::AccountThreat,
    Family::SensitiveData,
    Family::Urgency,
    Family::Lure,
    Family::DeliveryProblem,
];

/// Link shorteners hide where a link goes; legitimate senders link to their own domain.
const SHORTENERS: [&str; 36] = [
    "bit.ly",
    "bitly.com",
    "bit.do",
    "tinyurl.com",
    "tiny.cc",
    "tiny.one",
    "t.co",
    "goo.gl",
    "ow.ly",
    "is.gd",
    "v.gd",
    "x.gd",
    "buff.ly",
    "rebrand.ly",
    "cutt.ly",
    "shorturl.at",
    "shorturl.asia",
    "short.gy",
    "rb.gy",
    "t.ly",
    "bl.ink",
    "s.id",
    "surl.li",
    "shorte.st",
    "adf.ly",
    "gg.gg",
    "u.to",
    "clck.ru",
    "vk.cc",
    "han.gl",
    "me2.do",
    "t2m.io",
    "urlz.fr",
    "vlink.cz",
    "1url.cz",
    "qrco.de",
];

/// Hosting where anyone can publish a page in minutes, a favourite for phishing forms.
const DISPOSABLE_HOSTING: [&str; 28] = [
    "ipfs",
    "web.app",
    "firebaseapp.com",
    "firebasestorage.googleapis.com",
    "glitch.me",
    "000webhostapp.com",
    "weebly.com",
    "r2.dev",
    "pages.dev",
    "workers.dev",
    "ngrok",
    "compute.amazonaws.com",
    "blogspot.",
    "netlify.app",
    "vercel.app",
    "surge.sh",
    "webflow.io",
    "wixsite.com",
    "square.site",
    "godaddysites.com",
    "framer.website",
    "carrd.co",
    "notion.site",
    "herokuapp.com",
    "azurewebsites.net",
    "repl.co",
    "glide.page",
    "translate.goog",
];

/// Pages anyone can publish on a big site's own domain, which no domain check catches: a
/// Google Drawing with a link in it is the crypto scammer's landing page.
const DISPOSABLE_PAGES: [&str; 3] =
    ["docs.google.com/drawings/", "docs.google.com/presentation/d/e/", "sites.google.com/view/"];

/// Notification senders of document-sharing, calendar and team services: the name and text in
/// their mails are whatever the person sharing typed, which makes them a way to deliver
/// a lure from a trusted address.
const SHARING_NOTIFIERS: [&str; 8] = [
    "drive-shares-noreply@google.com",
    "drive-shares-dm-noreply@google.com",
    "calendar-notification@google.com",
    "comments-noreply@docs.google.com",
    "no-reply@sharepointonline.com",
    "noreply@dropbox.com",
    "noreply@email.teams.microsoft.com",
    "noreply@emeaemail.teams.microsoft.com",
];

/// Bounce domains of the same services' notifications where the From line is the sharer's
/// own address: a Google Forms invitation comes "from" the form's owner, but its envelope
/// is Google's, so the text is still whatever the owner typed.
const SHARING_BOUNCE_DOMAINS: [&str; 3] =
    ["doclist.bounces.google.com", "trix.bounces.google.com", "calendar-server.bounces.google.com"];

/// Attachment endings that run code when opened.
const EXECUTABLE_ENDINGS: [&str; 16] = [
    ".exe", ".scr", ".js", ".jse", ".vbs", ".vbe", ".bat", ".cmd", ".com", ".pif", ".jar", ".lnk", ".hta",
    ".wsf", ".msi", ".ps1",
];
/// Attachment endings that open a page or a disk image: phishing forms and malware droppers.
const PAGE_OR_IMAGE_ENDINGS: [&str; 6] = [".html", ".htm", ".shtml", ".svg", ".iso", ".img"];
/// Document endings a double extension hides behind ("invoice.pdf.exe").
const DECOY_ENDINGS: [&str; 8] = [".pdf", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".png", ".txt"];

static DOMAIN_LIKE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:https?://)?(?:[a-z0-9-]+\.)+[a-z]{2,}(?:[/:?#]\S*)?$")
        .expect("domain pattern compiles")
});

/// Brands the mail claims to come from (display name first, then subject) that its
/// sending domain does not belong to. A forward's subject is the forwarded mail's: a
/// brand named there is not borrowed when the forwarded mail came from the brand.
fn borrowed_brands<'a>(facts: &'a Facts<'_>) -> impl Iterator<Item = (&'static Brand, bool)> + 'a {
    let domain = facts.sender_domain.as_str();
    let in_sender = facts.brands_in_sender.iter().map(|b| (*b, true));
    let in_subject = facts.brands_in_subject.iter().map(|b| (*b, false));
    in_sender.chain(in_subject).filter(move |&(brand, in_sender)| {
        !brand.owns(domain) && (in_sender || !forwarded_from(facts, brand))
    })
}

/// Whether the mail forwards one that came from `brand`'s own domain.
fn forwarded_from(facts: &Facts<'_>, brand: &Brand) -> bool {
    facts.forwarded_sender().and_then(|sender| sender.domain()).is_some_and(|d| brand.owns(&d))
}

/// A brand named in the sender's display name (or, weaker, the subject) that the sending
/// domain does not belong to: "三井住友カード <smbc-update@ecolebi.com>".
pub fn impersonates_brand(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    if let Some((brand, in_sender)) = borrowed_brands(facts).next() {
        let (weight, place) = if in_sender { (3.0, "sender name") } else { (2.0, "subject") };
        let evidence = format!("{place} names {} but mail is from {}", brand.name, facts.sender_domain);
        out.push(signal("impersonates_brand", weight, Category::Phishing, evidence));
    }
}

/// The mail names a brand in its sender or subject and has links, yet none of them goes
/// to that brand. Catches phishing that forges the brand's own From address.
pub fn links_avoid_named_brand(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let named: Vec<&Brand> = facts.brands_in_sender.iter().chain(&facts.brands_in_subject).copied().collect();
    let hosts = &facts.link_hosts;
    if named.is_empty() || hosts.is_empty() {
        return;
    }
    let any_to_brand = hosts.iter().any(|h| named.iter().any(|b| b.owns(h)));
    if !any_to_brand {
        let brand = named.first().map_or("", |b| b.name);
        let evidence = format!("names {brand}; links go to {}", hosts.first().map_or("", |h| h.as_str()));
        out.push(signal("links_avoid_named_brand", 1.5, Category::Phishing, evidence));
    }
}

/// A letter that asks for a login, data or attention to the account and is signed in a
/// brand's name ("Regards, PayPal Customer Support") from a domain the brand does not
/// own. Brands sign from their own domains; a forward of the brand's own mail (its header
/// block names the brand's domain) carries the brand's signature honestly.
pub fn signed_as_brand(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let asks = [Family::CredentialAction, Family::AccountThreat, Family::SensitiveData];
    if facts.families.count(&asks) == 0 || !facts.families.has(Family::SignOff) {
        return;
    }
    let domain = facts.sender_domain.as_str();
    let Some((brand, written)) = brands::signed_by(&facts.email.normalized_text) else { return };
    if !brand.owns(domain) && !forwarded_from(facts, brand) {
        let evidence = format!("signed \"{written}\" but mail is from {domain}");
        out.push(signal("signed_as_brand", 2.0, Category::Phishing, evidence));
    }
}

/// Top-level domains a display name can pass off as a website: every two-letter country
/// code, and the generic ones common in sender names. Without the list "J.Smith" would be
/// a domain.
const NAME_TLDS: [&str; 22] = [
    "com", "net", "org", "info", "biz", "io", "app", "dev", "network", "exchange", "finance", "xyz",
    "online", "site", "shop", "store", "tech", "cloud", "top", "club", "live", "email",
];

/// The sender's display name is nothing but a domain ("Celsius.Network", "Amazon.co.jp")
/// and the mail comes from another one. A name written as a website claims to be that
/// website; senders that are one send from it (or from a domain of the same brand).
pub fn sender_name_is_other_domain(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let name = facts.email.normalized_sender_name.trim();
    if !name.contains('.') {
        return;
    }
    let name = name.to_ascii_lowercase();
    let tld = name.rsplit('.').next().unwrap_or_default();
    let plausible = tld.len() == 2 || NAME_TLDS.contains(&tld);
    if !plausible || !DOMAIN_LIKE.is_match(&name) || name.contains("://") || name.contains('/') {
        return;
    }
    let sender = facts.sender_domain.as_str();
    if sender.is_empty() || same_site(&name, sender) {
        return;
    }
    if brands::owner_of(&name).is_some_and(|brand| brand.owns(sender)) {
        return;
    }
    // The same name under another top-level domain ("eBay.de" from ebay.com) is the same
    // company's national site; a known brand's name is judged by impersonates_brand.
    if registered_name(&name) == registered_name(sender) {
        return;
    }
    let evidence = format!("sender name \"{name}\" but mail is from {sender}");
    out.push(signal("sender_name_is_other_domain", 1.5, Category::Phishing, evidence));
}

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

/// A link shows a brand's domain ("www.paypal.com") but goes somewhere the brand does not
/// own: the oldest phishing trick there is.
pub fn link_shows_brand_domain(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    if let Some((shown, real, Some(brand))) = mismatched_links(facts).find(|(_, _, owner)| owner.is_some()) {
        let evidence = format!("shows {shown} ({}), goes to {real}", brand.name);
        out.push(signal("link_shows_brand_domain", 3.0, Category::Phishing, evidence));
    }
}

/// A link shows one domain and goes to another. Newsletters do this through click
/// trackers too, so on its own it weighs little and does not count as deception.
pub fn link_text_mismatch(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    if let Some((shown, real, _)) = mismatched_links(facts).next() {
        out.push(signal(
            "link_text_mismatch",
            1.0,
            Category::Phishing,
            format!("shows {shown}, goes to {real}"),
        ));
    }
}

/// The subject or sender name quotes the recipient's own address or mail domain, and the
/// mail is about the mailbox's password or account: "you@example.com password expiry",
/// the phishing that poses as the recipient's own mail provider.
pub fn impersonates_mail_provider(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let about_account =
        facts.families.has(Family::SensitiveData) || facts.families.has(Family::CredentialAction);
    if !about_account {
        return;
    }
    let subject = facts.email.normalized_subject.to_lowercase();
    let sender = facts.email.from.as_ref().and_then(|f| f.name.as_deref()).unwrap_or_default().to_lowercase();
    let sender_domain = facts.sender_domain.as_str();
    let quoted = facts.email.to.iter().find_map(|to| {
        let address = to.address.to_lowercase();
        let domain = to.domain()?;
        if same_site(&domain, sender_domain) {
            return None; // the organisation writing to its own people
        }
        // A local part long enough not to be a common word ("industrypack-devel").
        let local = address.split('@').next().filter(|l| l.len() >= 8);
        let in_subject = [Some(address.as_str()), Some(domain.as_str()), local]
            .into_iter()
            .flatten()
            .find(|n| subject.contains(n));
        let in_sender = [address.as_str(), domain.as_str()].into_iter().find(|n| sender.contains(n));
        in_subject.or(in_sender).map(str::to_string)
    });
    if let Some(quoted) = quoted {
        out.push(signal("impersonates_mail_provider", 2.5, Category::Phishing, format!("names {quoted}")));
    }
}

fn with_scheme(text: &str) -> String {
    if text.contains("://") { text.to_string() } else { format!("http://{text}") }
}

/// A link or sender host that imitates a brand's domain, by carrying it as a prefix
/// ("www.ucscard.co.jp.humaoo.com") or the brand's name inside another domain.
pub fn lookalike_domain(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let sender = facts.sender_domain.as_str();
    let hosts = facts.link_hosts.iter().map(String::as_str).chain(std::iter::once(sender));
    for host in hosts.filter(|h| !h.is_empty()) {
        if let Some(brand) = brands::imitated_by_host(host) {
            let evidence = format!("{host} imitates {}", brand.name);
            out.push(signal("lookalike_domain", 3.0, Category::Phishing, evidence));
            return;
        }
    }
}

/// Links whose host hides the destination: a bare IP address, punycode, a shortener, or
/// hosting where anyone can put up a page.
pub fn risky_link_hosts(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let find = |test: &dyn Fn(&str) -> bool| facts.link_hosts.iter().find(|h| test(h)).cloned();
    if let Some(host) = find(&|h| is_ip_literal(h)) {
        out.push(signal("link_to_ip_address", 2.0, Category::Phishing, host));
    }
    if let Some(host) = find(&|h| h.split('.').any(|label| label.starts_with("xn--"))) {
        out.push(signal("link_to_punycode_domain", 1.0, Category::Phishing, host));
    }
    // Read once, and only if a rule below finds no real link of its kind.
    let written = std::cell::OnceCell::new();
    let written_out = || written.get_or_init(|| written_out_hosts(facts));
    let shortened = || find(&|h| SHORTENERS.contains(&registrable_domain(h)));
    if let Some(host) = shortened().or_else(|| written_out().shortener.clone()) {
        out.push(signal("link_via_shortener", 1.0, Category::Phishing, host));
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
        out.push(signal("link_to_disposable_hosting", 1.5, Category::Phishing, host));
    }
    let odd_port = facts.email.links.iter().find_map(|l| {
        let port = explicit_port(&l.href)?;
        (!matches!(port, 80 | 443)).then(|| format!("{}:{port}", host_of(&l.href).unwrap_or_default()))
    });
    if let Some(host) = odd_port {
        out.push(signal("link_to_unusual_port", 1.5, Category::Phishing, host));
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

/// A password field inside the mail itself: a login page delivered to the reader, so the
/// credentials never touch the real site.
pub fn login_form_in_mail(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    if facts.email.html_marks.has_password_field {
        out.push(signal("login_form_in_mail", 3.0, Category::Phishing, "password field in the body"));
    }
}

/// Help-desk platforms that give every customer a subdomain to send from
/// (`acme.zendesk.com`): real customers send under their own name.
const HELPDESK_PLATFORMS: &[&str] = &[".zendesk.com", ".freshdesk.com"];

/// Sent from a platform's throwaway tenant: the default domain of a Microsoft 365 tenant
/// (`name.onmicrosoft.com`), which organisations replace with their own, or a help-desk
/// subdomain whose name has nothing to do with the sender's name ("Trust Wallet Support"
/// on `efomzyit.zendesk.com`). Anyone can open either in minutes. Also mail from another
/// domain that such a tenant signed ("wearedesign.com.mx" signed by
/// `4riverscareeracademy.onmicrosoft.com`): an organisation's tenant is named after it,
/// so a stranger's tenant signing is someone else's account sending.
pub fn sender_on_throwaway_tenant(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let domain = facts.sender_domain.as_str();
    if domain.ends_with(".onmicrosoft.com") {
        out.push(signal("sender_on_throwaway_tenant", 1.5, Category::Phishing, domain));
        return;
    }
    let sender_label = registered_name(domain);
    let stranger_signed = facts.email.authentication.dkim_domains.iter().find(|signer| {
        signer
            .strip_suffix(".onmicrosoft.com")
            .is_some_and(|tenant| !name_matches_tenant(sender_label, tenant))
    });
    if !domain.is_empty()
        && let Some(signer) = stranger_signed
    {
        let evidence = format!("mail from {domain} signed by the tenant {signer}");
        out.push(signal("sender_on_throwaway_tenant", 1.5, Category::Phishing, evidence));
        return;
    }
    let Some(tenant) = HELPDESK_PLATFORMS.iter().find_map(|p| domain.strip_suffix(p)) else { return };
    let tenant = tenant.rsplit('.').next().unwrap_or(tenant);
    let name = &facts.email.normalized_sender_name;
    if !name_matches_tenant(name, tenant) {
        let evidence = format!("\"{name}\" sends from the help-desk tenant {domain}");
        out.push(signal("sender_on_throwaway_tenant", 1.5, Category::Phishing, evidence));
    }
}

/// Words a sender name can be made of when it names a desk and not whose desk it is.
const DESK_WORDS: [&str; 36] = [
    "security",
    "account",
    "accounts",
    "admin",
    "administrator",
    "administration",
    "it",
    "helpdesk",
    "help",
    "desk",
    "support",
    "team",
    "service",
    "services",
    "mail",
    "email",
    "e-mail",
    "webmail",
    "mailbox",
    "verification",
    "billing",
    "notification",
    "notifications",
    "alert",
    "alerts",
    "department",
    "center",
    "centre",
    "technical",
    "customer",
    "care",
    "the",
    "your",
    "user",
    "users",
    "staff",
];
/// Desks that guard logins and mailboxes, the ones phishing speaks for. "Customer
/// Service" or "Billing" alone is how small shops sign; "Mail Delivery System" is how
/// bounces do.
const GATEKEEPER_WORDS: [&str; 10] = [
    "security",
    "admin",
    "administrator",
    "administration",
    "it",
    "helpdesk",
    "webmail",
    "mailbox",
    "verification",
    "account",
];

/// A sender name that is a desk and no organisation: "Security Team", "IT Helpdesk",
/// "Webmail Administrator". Real teams sign with their company's name ("Ledger Security
/// Team"); a faceless desk lets the reader fill in whose it is, usually their own
/// employer's or mail provider's.
pub fn faceless_sender(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let name = facts.email.normalized_sender_name.to_lowercase();
    let mut words = name.split(|c: char| !(c.is_alphanumeric() || c == '-')).filter(|w| !w.is_empty());
    let gatekeeper = |w: &str| {
        GATEKEEPER_WORDS.contains(&w.strip_suffix('s').unwrap_or(w)) || GATEKEEPER_WORDS.contains(&w)
    };
    let faceless = words.clone().next().is_some()
        && words.clone().all(|w| DESK_WORDS.contains(&w))
        && words.any(gatekeeper);
    if !faceless {
        return;
    }
    // The recipient's own IT desk writing inside the organisation needs no company name.
    let sender = facts.sender_domain.as_str();
    let internal =
        facts.email.to.iter().filter_map(|to| to.domain()).any(|domain| same_site(&domain, sender));
    if internal && facts.email.authentication.dmarc != Some(AuthResult::Fail) {
        return;
    }
    let evidence = format!("\"{}\" names no organisation", facts.email.normalized_sender_name);
    out.push(signal("faceless_sender", 1.0, Category::Phishing, evidence));
}

/// Top-level domains where names cost cents and abuse reports go unanswered, so that
/// throwaway senders cluster there (the most-abused lists of Spamhaus and Interisle).
/// Long-established ones that legitimate businesses use widely are not listed.
const ABUSED_TLDS: [&str; 28] = [
    "top", "xyz", "cfd", "sbs", "hair", "mom", "rest", "cyou", "bond", "icu", "buzz", "monster", "gq", "tk",
    "ml", "cf", "ga", "lol", "quest", "skin", "makeup", "beauty", "autos", "boats", "pics", "click", "zip",
    "mov",
];

/// The sender, or the address replies go to, is on one of [`ABUSED_TLDS`]. Weak alone:
/// some honest sites live there too, but nearly no organisation that sends account mail.
pub fn sender_on_abused_tld(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let email = facts.email;
    let mut addresses = email.from.iter().chain(&email.reply_to).map(|m| m.address.as_str());
    let on_abused = addresses.find(|address| {
        let tld = address.rsplit('.').next().unwrap_or_default().trim_end_matches('>');
        address.contains('@') && ABUSED_TLDS.iter().any(|abused| abused.eq_ignore_ascii_case(tld))
    });
    if let Some(address) = on_abused {
        let domain = crate::mail::url::domain_of_address(address).unwrap_or_default();
        out.push(signal("sender_on_abused_tld", 1.0, Category::Phishing, domain));
    }
}

/// Whether any word of a display name is the tenant's name or starts like it
/// ("Acme Support" and `acme` or `acmecorp`).
fn name_matches_tenant(name: &str, tenant: &str) -> bool {
    let tenant: String = tenant.chars().filter(char::is_ascii_alphanumeric).collect();
    name.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() >= 3).any(|word| {
        let word = word.to_lowercase();
        let common = word.chars().zip(tenant.chars()).take_while(|(a, b)| a == b).count();
        tenant.contains(&word) || common >= 4.min(word.len())
    })
}

/// A document-sharing, calendar or team notification (from the service's own address)
/// whose text is about money, cryptocurrency, a prize or a date: the lure is in what the
/// sharer typed into a document title, an event or a team name. A forwarded notification
/// carries the same lure.
pub fn shared_document_lure(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let Some(hit) = [Family::Cryptocurrency, Family::Lure].into_iter().find_map(|f| facts.families.get(f))
    else {
        return;
    };
    if let Some(service) = sharing_service(facts) {
        let evidence = format!("a notification from {service} is about \"{}\"", hit.first);
        out.push(signal("shared_document_lure", 3.0, Category::Phishing, evidence));
    }
}

/// The document-sharing service that delivered the mail (or the forwarded mail), by its
/// notification address or the bounce domain its envelope was checked against.
fn sharing_service(facts: &Facts<'_>) -> Option<String> {
    let email = facts.email;
    let notifier = |address: &str| SHARING_NOTIFIERS.iter().any(|n| address.eq_ignore_ascii_case(n));
    let from = email.from.as_ref().map(|f| f.address.as_str()).unwrap_or_default();
    if notifier(from) {
        return Some(from.to_string());
    }
    let envelopes = &email.authentication.envelopes;
    if let Some(domain) =
        SHARING_BOUNCE_DOMAINS.into_iter().find(|d| envelopes.iter().any(|e| e.domain == *d))
    {
        return Some(domain.to_string());
    }
    facts.forwarded_sender().map(|sender| &sender.address).filter(|address| notifier(address)).cloned()
}

/// A calendar invitation that reads like a bill: a payment and an amount in the text of
/// an event. Invitations arrive from the calendar service's own servers, so scammers
/// type fake renewal notices ("your subscription was renewed, $425.88, call +1 …") into
/// an event and invite their targets; a real bill is not a meeting.
pub fn invoice_in_invitation(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let invitation = facts.email.attachments.iter().any(|a| {
        let kind = a.content_type.to_ascii_lowercase();
        kind.starts_with("text/calendar")
            || kind.starts_with("application/ics")
            || a.name.to_lowercase().ends_with(".ics")
    });
    if !invitation || !facts.families.has(Family::PaymentDemand) {
        return;
    }
    if let Some(amount) = facts.text_numbers.amounts().first() {
        let evidence = format!("an invitation charging {}", amount.text);
        out.push(signal("invoice_in_invitation", 4.0, Category::Phishing, evidence));
    }
}

/// The phishing claim families: a request to log in or verify, a threat to the account,
/// a request for sensitive data, haste, a reward waiting to be claimed. Each is everyday
/// language for real services, so each weighs little; see [`phishing_pattern`].
pub fn credential_claims(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    for family in PHISHING_FAMILIES {
        if let Some(hit) = facts.families.get(family) {
            out.push(signal(family.rule_name(), 0.5, Category::Phishing, hit.first));
        }
    }
}

/// The kinds of deception, counted apart: two signals about the same borrowed brand are
/// one trick, a borrowed brand and a forged sender are two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trick {
    /// Borrowing a brand or the recipient's mail provider.
    Brand,
    /// Forging or hiding the sender.
    Sender,
    /// Links that hide where they go.
    Links,
    /// Content built to evade filters or to collect credentials in place.
    Content,
}

/// The kind of deception a signal shows, if it shows one.
fn trick_of(signal: &Signal) -> Option<Trick> {
    match signal.rule {
        "impersonates_brand"
        | "impersonates_mail_provider"
        | "links_avoid_named_brand"
        | "link_shows_brand_domain"
        | "sender_name_is_other_domain"
        | "signed_as_brand"
        | "lookalike_domain" => Some(Trick::Brand),
        // A forged sender (DMARC or SPF failure) deceives; a broken DKIM signature alone may not.
        "authentication_failed" if signal.weight >= 1.0 => Some(Trick::Sender),
        "self_sent_spoof"
        | "sender_on_throwaway_tenant"
        | "sender_on_abused_tld"
        | "faceless_sender"
        | "forged_brand_address" => Some(Trick::Sender),
        "link_to_ip_address"
        | "link_to_punycode_domain"
        | "link_via_shortener"
        | "link_to_disposable_hosting"
        | "link_to_unusual_port" => Some(Trick::Links),
        "login_form_in_mail"
        | "shared_document_lure"
        | "invoice_in_invitation"
        | "hidden_characters"
        | "hidden_text_in_words"
        | "hidden_filler"
        | "text_pushed_out_of_view"
        | "link_behind_punctuation"
        | "disguised_letters"
        | "spaced_out_letters"
        | "confusable_spelling" => Some(Trick::Content),
        _ => None,
    }
}

/// The distinct kinds of deception among `signals`, with the rules that showed them.
fn tricks(signals: &[Signal]) -> (Vec<Trick>, Vec<&'static str>) {
    let mut kinds = Vec::new();
    let mut rules = Vec::new();
    for signal in signals {
        if let Some(kind) = trick_of(signal) {
            rules.push(signal.rule);
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
    }
    (kinds, rules)
}

/// The phishing pattern: deception about sender or links, together with a request to
/// log in, hand over data or claim a reward, and a reason to act (a threatened account,
/// card data). Real services ask people to log in; they do not do it from someone
/// else's domain. Reads the signals the other rules produced.
pub fn phishing_pattern(facts: &Facts<'_>, signals: &[Signal]) -> Option<Signal> {
    let asks = facts.families.count(&[Family::CredentialAction, Family::SensitiveData, Family::Lure]) > 0;
    // Haste alone is everyday newsletter language ("today"); it only adds to other claims.
    let claims =
        PHISHING_FAMILIES.into_iter().filter(|&f| f != Family::Urgency && facts.families.has(f)).count();
    let (kinds, rules) = tricks(signals);
    // Two independent tricks leave no innocent reading, so one claim is enough then; a
    // single trick needs the claims to agree.
    let convincing = asks && (kinds.len() >= 2 || (kinds.len() == 1 && claims >= 2));
    convincing.then(|| {
        let weight = if claims >= 3 { 4.0 } else { 3.5 };
        signal(
            "phishing_pattern",
            weight,
            Category::Phishing,
            format!("login request with {}", rules.join(" + ")),
        )
    })
}

/// Independent deceptions stacked in one mail (a forged sender and hidden characters, a
/// borrowed brand and an IP-address link): each has innocent explanations, together
/// they have none.
pub fn stacked_tricks(_facts: &Facts<'_>, signals: &[Signal]) -> Option<Signal> {
    let (kinds, rules) = tricks(signals);
    (kinds.len() >= 2).then(|| signal("stacked_tricks", 1.5, Category::Phishing, rules.join(" + ")))
}

/// An attachment that runs code or opens a page when clicked, or hides its type behind a
/// double extension ("invoice.pdf.exe"). Executables are malware; HTML pages are
/// phishing forms.
pub fn dangerous_attachment(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    for attachment in &facts.email.attachments {
        let name = attachment.name.to_lowercase();
        let name = name.trim();
        let double = DECOY_ENDINGS.iter().any(|d| name.contains(&format!("{d}.")));
        if EXECUTABLE_ENDINGS.iter().any(|e| name.ends_with(e)) {
            let weight = if double { 8.0 } else { 7.0 };
            out.push(signal("dangerous_attachment", weight, Category::Malware, attachment.name.clone()));
            return;
        }
        if PAGE_OR_IMAGE_ENDINGS.iter().any(|e| name.ends_with(e)) {
            let category = if name.ends_with(".iso") || name.ends_with(".img") {
                Category::Malware
            } else {
                Category::Phishing
            };
            out.push(signal("dangerous_attachment", 3.0, category, attachment.name.clone()));
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::test_support::{email, fired, html_email};

    #[test]
    fn impersonates_brand_compares_name_with_sending_domain() {
        let fake = email("From: 三井住友カード <smbc-update@ecolebi.example>\r\nTo: a@b.example", "x");
        assert_eq!(fired(impersonates_brand, &fake), ["impersonates_brand"]);
        let real = email("From: 三井住友カード <info@smbc-card.com>\r\nTo: a@b.example", "x");
        assert!(fired(impersonates_brand, &real).is_empty());
        let forward = |sender: &str| {
            let body =
                format!("see below\n\nFrom: PayPal <{sender}>\nSubject: Your PayPal receipt\n\nThanks");
            fired(
                impersonates_brand,
                &email("From: me@home.example\r\nSubject: Fw: Your PayPal receipt", &body),
            )
        };
        assert!(forward("service@paypal.com").is_empty(), "the brand's own mail, forwarded");
        assert_eq!(forward("service@paypal-receipts.example"), ["impersonates_brand"]);
    }

    #[test]
    fn links_avoid_named_brand_catches_forged_sender_domains() {
        let forged = email(
            "From: 楽天市場 <info@rakuten.co.jp>\r\nTo: a@b.example",
            "楽天ログイン https://rakuten.example.cn/login",
        );
        assert_eq!(fired(links_avoid_named_brand, &forged), ["links_avoid_named_brand"]);
        let real =
            email("From: 楽天市場 <info@rakuten.co.jp>\r\nTo: a@b.example", "https://www.rakuten.co.jp/");
        assert!(fired(links_avoid_named_brand, &real).is_empty());
    }

    fn html_link(href: &str, text: &str) -> crate::mail::Email {
        html_email(&format!("<a href=\"{href}\">{text}</a>"))
    }

    #[test]
    fn link_text_mismatch_compares_registered_domains() {
        assert_eq!(
            fired(link_text_mismatch, &html_link("https://evil.example/", "www.news.example")),
            ["link_text_mismatch"]
        );
        assert!(
            fired(link_text_mismatch, &html_link("https://www.news.example/x", "news.example")).is_empty()
        );
        assert!(fired(link_text_mismatch, &html_link("https://evil.example/", "Click here")).is_empty());
    }

    #[test]
    fn link_shows_brand_domain_needs_a_known_brand_domain_in_the_text() {
        let fake = html_link("https://evil.example/", "www.paypal.com");
        assert_eq!(fired(link_shows_brand_domain, &fake), ["link_shows_brand_domain"]);
        assert!(
            fired(link_shows_brand_domain, &html_link("https://evil.example/", "www.news.example"))
                .is_empty()
        );
        assert!(
            fired(link_shows_brand_domain, &html_link("https://www.paypal.com/x", "paypal.com")).is_empty()
        );
    }

    #[test]
    fn impersonates_mail_provider_needs_the_recipient_in_subject_and_an_account_topic() {
        let fake = email(
            "From: Mail Admin <x@evil.example>\r\nTo: me@corp.example\r\nSubject: me@corp.example password expiry",
            "Verify your password",
        );
        assert_eq!(fired(impersonates_mail_provider, &fake), ["impersonates_mail_provider"]);
        let chat = email(
            "From: x@evil.example\r\nTo: me@corp.example\r\nSubject: corp.example picnic",
            "Bring food",
        );
        assert!(fired(impersonates_mail_provider, &chat).is_empty());
    }

    #[test]
    fn lookalike_domain_flags_brand_prefixes() {
        let mail = email("From: a@b.example", "https://www.ucscard.co.jp.humaoo.com/");
        assert_eq!(fired(lookalike_domain, &mail), ["lookalike_domain"]);
        assert!(
            fired(lookalike_domain, &email("From: a@b.example", "https://www.ucscard.co.jp/")).is_empty()
        );
    }

    #[test]
    fn risky_link_hosts_name_each_trick() {
        let mail =
            email("From: a@b.example", "http://192.0.2.7/login http://xn--pypal-4ve.com/ https://bit.ly/x");
        assert_eq!(
            fired(risky_link_hosts, &mail),
            ["link_to_ip_address", "link_to_punycode_domain", "link_via_shortener"]
        );
        assert!(fired(risky_link_hosts, &email("From: a@b.example", "https://www.example.com/")).is_empty());
    }

    #[test]
    fn pages_anyone_can_publish_count_as_disposable_hosting_even_behind_a_redirector() {
        let run = |body: &str| fired(risky_link_hosts, &email("From: a@b.example", body));
        assert_eq!(run("https://claim-now.netlify.app/"), ["link_to_disposable_hosting"]);
        assert_eq!(run("https://docs.google.com/drawings/d/1abc/preview"), ["link_to_disposable_hosting"]);
        let wrapped = "https://www.google.com/url?q=https://docs.google.com/drawings/d/1abc/preview&sa=D";
        assert_eq!(run(wrapped), ["link_to_disposable_hosting"]);
        assert!(run("https://docs.google.com/document/d/1abc/edit").is_empty());
    }

    #[test]
    fn credential_claims_report_each_family() {
        let mail = email(
            "From: a@b.example",
            "Your account is suspended. Log in to verify your password immediately.",
        );
        assert_eq!(
            fired(credential_claims, &mail),
            ["asks_for_login", "threatens_account", "asks_for_sensitive_data", "urges_haste"]
        );
        assert!(fired(credential_claims, &email("From: a@b.example", "Dinner on Friday?")).is_empty());
    }

    /// The rules a full classification fired, combinations included.
    fn combined(email: &crate::mail::Email) -> Vec<&'static str> {
        crate::detect::classify(email, &crate::detect::Thresholds::default())
            .signals
            .iter()
            .map(|s| s.rule)
            .collect()
    }

    #[test]
    fn stacked_tricks_counts_kinds_of_deception_not_signals() {
        let two_kinds = email(
            "From: PayPal <x@evil.example>\r\nTo: a@b.example\r\nAuthentication-Results: mx; dmarc=fail",
            "Hello",
        );
        assert!(combined(&two_kinds).contains(&"stacked_tricks"));
        let one_kind = email("From: PayPal <x@evil.example>\r\nTo: a@b.example", "see https://evil.example/");
        assert!(!combined(&one_kind).contains(&"stacked_tricks"));
    }

    #[test]
    fn phishing_pattern_needs_deception_and_a_login_request() {
        let body = "Your card is suspended. Log in here: https://smbc.example.cn/login";
        let fake = email("From: 三井住友カード <x@example.cn>\r\nTo: a@b.example", body);
        assert!(combined(&fake).contains(&"phishing_pattern"));
        let real = email(
            "From: 三井住友カード <x@smbc-card.com>\r\nTo: a@b.example",
            "Your card is suspended. Log in: https://www.smbc-card.com/",
        );
        assert!(!combined(&real).contains(&"phishing_pattern"));
    }

    #[test]
    fn risky_link_hosts_notice_unusual_ports() {
        let mail = email("From: a@b.example", "Sign in at https://mail.example.com:2096/login");
        assert_eq!(fired(risky_link_hosts, &mail), ["link_to_unusual_port"]);
        assert!(
            fired(risky_link_hosts, &email("From: a@b.example", "https://mail.example.com:443/")).is_empty()
        );
    }

    #[test]
    fn hosting_and_short_links_written_out_count_in_mail_that_asks() {
        let run = |body: &str| fired(risky_link_hosts, &email("From: a@b.example", body));
        assert_eq!(run("Claim your prize >> prize-desk.netlify.app"), ["link_to_disposable_hosting"]);
        assert_eq!(run("Verify your account: bit.ly/3xYz9"), ["link_via_shortener"]);
        assert!(run("Our blog moved to team-notes.netlify.app, see you there").is_empty(), "no ask");
        assert!(run("Log in from ec2-1-2-3-4.us-west-1.compute.amazonaws.com").is_empty(), "a machine");
        assert!(run("Log in, docs at https://x.example/mirror/site.netlify.app").is_empty(), "a path");
        assert!(run("Log in; mail admin@site.netlify.app").is_empty(), "an address");
        assert!(run("Log in; bit.ly is a shortener").is_empty(), "no path, no link");
        assert!(run("Log in at prize-desk.netlify.app.evil.example").is_empty(), "another host");
        let long = format!("Log in {}{}", "a.".repeat(200_000), ".web.app".repeat(20_000));
        assert!(run(&long).is_empty(), "no site name, and read in linear time");
    }

    #[test]
    fn login_form_in_mail_needs_a_form_or_password_field() {
        assert_eq!(
            fired(
                login_form_in_mail,
                &html_email("<form action='https://x.example/'><input type=password></form>")
            ),
            ["login_form_in_mail"]
        );
        assert!(fired(login_form_in_mail, &html_email("<p>No form here</p>")).is_empty());
    }

    #[test]
    fn sender_on_throwaway_tenant_reads_the_from_domain() {
        let tenant = email("From: Support <help@x7kq2.onmicrosoft.com>", "hello");
        assert_eq!(fired(sender_on_throwaway_tenant, &tenant), ["sender_on_throwaway_tenant"]);
        assert!(fired(sender_on_throwaway_tenant, &email("From: help@microsoft.com", "hello")).is_empty());
        let stranger = email("From: Trust Wallet Support <support@efomzyit.zendesk.com>", "hello");
        assert_eq!(fired(sender_on_throwaway_tenant, &stranger), ["sender_on_throwaway_tenant"]);
        let customer = email("From: Acme Support <support@acmecorp.zendesk.com>", "hello");
        assert!(fired(sender_on_throwaway_tenant, &customer).is_empty());
        let signed = |from: &str, tenant: &str| {
            let headers = format!("Authentication-Results: mx; dkim=pass header.d={tenant}\r\nFrom: {from}");
            fired(sender_on_throwaway_tenant, &email(&headers, "hello"))
        };
        assert_eq!(
            signed("news@wearedesign.example.mx", "4riverscareeracademy.onmicrosoft.com"),
            ["sender_on_throwaway_tenant"]
        );
        assert!(signed("ops@equinix.example", "equinixinc.onmicrosoft.com").is_empty(), "its own tenant");
    }

    #[test]
    fn a_brand_signature_from_another_domain_fires_unless_forwarded_from_the_brand() {
        let letter = "Your account is limited. Verify your details below.\n\nThanks,\nThe PayPal Team";
        let run = |headers: &str| fired(signed_as_brand, &email(headers, letter));
        assert_eq!(run("From: service@pay-notice.example\r\nSubject: Notice"), ["signed_as_brand"]);
        assert!(run("From: service@paypal.com\r\nSubject: Notice").is_empty());
        let forward = |sender: &str| {
            let body =
                format!("FYI\n---------- Forwarded message ---------\nFrom: PayPal <{sender}>\n\n{letter}");
            fired(signed_as_brand, &email("From: friend@example.org\r\nSubject: Fwd: Notice", &body))
        };
        assert!(forward("service@paypal.com").is_empty());
        assert_eq!(forward("service@pay-notice.example"), ["signed_as_brand"]);
        assert_eq!(
            run("From: friend@example.org\r\nSubject: Fwd: Notice"),
            ["signed_as_brand"],
            "no header block"
        );
        let news = email("From: news@shop.example", "New arrivals this week.\n\nThanks,\nThe PayPal Team");
        assert!(fired(signed_as_brand, &news).is_empty(), "no request, no deception");
    }

    #[test]
    fn a_sender_name_that_is_only_a_gatekeeping_desk_fires() {
        let run = |from: &str| fired(faceless_sender, &email(&format!("From: {from}"), "Hello"));
        for name in ["Security Team", "IT Helpdesk", "Webmail Administrator", "Account Services"] {
            assert_eq!(run(&format!("\"{name}\" <x@desk.example>")), ["faceless_sender"], "{name}");
        }
        for name in
            ["Ledger Security Team", "Customer Service", "Mail Delivery System", "Support", "Anna Berg"]
        {
            assert!(run(&format!("\"{name}\" <x@desk.example>")).is_empty(), "{name}");
        }
        assert!(run("x@desk.example").is_empty());
        let internal =
            email("From: \"IT Service Desk\" <desk@corp.example>\r\nTo: taro@corp.example", "Hello");
        assert!(fired(faceless_sender, &internal).is_empty(), "the organisation's own desk");
    }

    #[test]
    fn senders_and_reply_addresses_on_abused_top_level_domains_fire() {
        let run = |headers: &str| fired(sender_on_abused_tld, &email(headers, "Hello"));
        assert_eq!(run("From: kenneth@mail.example.cfd"), ["sender_on_abused_tld"]);
        assert_eq!(run("From: a@shop.example\r\nReply-To: admin@x.example.hair"), ["sender_on_abused_tld"]);
        assert!(run("From: a@shop.example.com\r\nReply-To: b@shop.example.org").is_empty());
        assert!(run("From: a@topics.example.net").is_empty());
    }

    #[test]
    fn a_sender_name_written_as_another_domain_fires() {
        let run = |from: &str| fired(sender_name_is_other_domain, &email(&format!("From: {from}"), "Hello"));
        assert_eq!(run("\"Celsius.Network\" <claims@es.mailer.example>"), ["sender_name_is_other_domain"]);
        assert_eq!(run("\"Amazon.co.jp\" <support@service.example.cn>"), ["sender_name_is_other_domain"]);
        // The site itself, a domain of the same brand, a name with words around the
        // domain, and a person's initial are not.
        assert!(run("\"Booking.com\" <noreply@mail.booking.com>").is_empty());
        assert!(run("\"Amazon.co.jp\" <store-news@amazon.com>").is_empty());
        assert!(run("\"CNET News.com Daily Dispatch\" <online@newsletter.online.example>").is_empty());
        assert!(run("\"J.Smith\" <john@example.org>").is_empty());
        assert!(run("\"Shopname.de\" <orders@shopname.com>").is_empty(), "a national site of the same name");
    }

    #[test]
    fn shared_document_lure_needs_a_notifier_and_a_money_topic() {
        let lure = email(
            "From: drive-shares-noreply@google.com",
            "Your Bitcoin withdrawal is ready, open the document",
        );
        assert_eq!(fired(shared_document_lure, &lure), ["shared_document_lure"]);
        let work = email("From: drive-shares-noreply@google.com", "Ann shared the meeting notes with you");
        assert!(fired(shared_document_lure, &work).is_empty());
        let other = email("From: friend@example.com", "Your Bitcoin withdrawal is ready");
        assert!(fired(shared_document_lure, &other).is_empty());
        let form = email(
            "Authentication-Results: mx.example; spf=pass smtp.mailfrom=trix.bounces.google.com\r\n\
             From: owner@forms-owner.example",
            "I've invited you to fill out a form: confirm your details to claim your reward",
        );
        assert_eq!(fired(shared_document_lure, &form), ["shared_document_lure"]);
        let forwarded = email(
            "From: me@home.example\r\nSubject: Fw: You have been added as a guest",
            "____\nDe: Microsoft Teams <noreply@email.teams.microsoft.com>\nAssunto: guest\n\n\
             Ann added you to the team \"Live sex chat, write me\"",
        );
        assert_eq!(fired(shared_document_lure, &forwarded), ["shared_document_lure"]);
        let typed =
            email("From: me@home.example\r\nSubject: Fw: chat", "From: a@b.example\nLive sex chat, write me");
        assert!(fired(shared_document_lure, &typed).is_empty(), "forwarded from someone, not a service");
    }

    #[test]
    fn invoice_in_invitation_needs_an_invitation_a_payment_and_an_amount() {
        let invite = |text: &str, calendar: bool| {
            let (kind, name) =
                if calendar { ("application/ics", "invite.ics") } else { ("application/pdf", "notes.pdf") };
            let raw = format!(
                "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n{text}\r\n--b\r\nContent-Type: {kind}\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\r\nBEGIN:VCALENDAR\r\n--b--\r\n"
            );
            crate::mail::parse(raw.as_bytes()).expect("parses")
        };
        let renewal =
            "Payment confirmation: your plan renewed, total amount $425.88. Call +1 (555) 010-0199.";
        assert_eq!(fired(invoice_in_invitation, &invite(renewal, true)), ["invoice_in_invitation"]);
        assert!(fired(invoice_in_invitation, &invite(renewal, false)).is_empty(), "not an invitation");
        let meeting = "Quarterly review of the payment flow with the billing team.";
        assert!(fired(invoice_in_invitation, &invite(meeting, true)).is_empty(), "no amount");
        assert!(
            fired(invoice_in_invitation, &invite("Team lunch, about $25 each", true)).is_empty(),
            "no payment"
        );
    }

    #[test]
    fn dangerous_attachment_reads_the_file_name() {
        let attached = |name: &str| {
            let raw = format!(
                "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee file\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\r\nAAAA\r\n--b--\r\n"
            );
            crate::mail::parse(raw.as_bytes()).expect("parses")
        };
        assert_eq!(fired(dangerous_attachment, &attached("invoice.pdf.exe")), ["dangerous_attachment"]);
        assert_eq!(fired(dangerous_attachment, &attached("login.html")), ["dangerous_attachment"]);
        assert!(fired(dangerous_attachment, &attached("report.pdf")).is_empty());
    }
}
