//! The relay that handed a mail to the receiving server, as that server recorded it.
//!
//! A mail's Received headers are written top down by each server it passed, the
//! receiving side's first: everything below the receiving server's own line was written
//! by the sender (or by whoever forged it). The receiving server's line names the client
//! that connected, by the address it saw and by that address's reverse DNS name, which
//! it looked up itself: `from helo.name (relay.example.net [192.0.2.7]) by mx...`.
//! Postfix writes a name only when it leads back to the address (else `unknown`);
//! Sendmail marks one that does not with "may be forged", which counts as no name. Such a
//! name is as hard to forge as the address: it tells through whose servers the mail came,
//! where no Authentication-Results vouch for the From (old mail, small senders with no
//! DKIM). Per-account learning keys an unauthenticated sender's credit to it, as
//! SpamAssassin's `whitelist_from_rcvd` does, so a forged From sent through anyone
//! else's servers collects none of it.
//!
//! Read from the top, lines whose client is a private, loopback or link-local address (or
//! names none) are the receiving side's own hops and are passed over. The first line
//! naming a public address is the receiving server's record of the relay: its reverse
//! name, when it wrote one, is the answer; when it wrote none (an unknown or unrecorded
//! reverse name, Exchange Online's internal hops), or one that tells the provider rather
//! than the sender (a generic name holding the address, a provider in
//! `SHARED_RELAYS`), there is no answer, and the lines below it, which a sender may
//! have written, are never read. The name and address are
//! read from the server's own record, `(NAME [ADDRESS])`, past the client's HELO (its own
//! word, which may hold a comment naming any relay); a line with two such records, or one
//! whose client address does not read, gives no answer either.

use std::net::IpAddr;
use std::sync::LazyLock;

use mail_parser::{HeaderName, Message};
use regex::Regex;

use super::url;

/// The sites of providers whose outbound hosts any customer can send from with any From:
/// rented servers (their reverse names are the provider's, not the customer's) and the
/// big mail services' shared outbound pools. A relay there tells nothing of the sender.
const SHARED_RELAYS: &[&str] = &[
    "amazonaws.com",
    "azure.com",
    "cloudapp.net",
    "contaboserver.net",
    "digitaloceanspaces.com",
    "google.com",
    "googleusercontent.com",
    "hetzner.com",
    "linode.com",
    "outlook.com",
    "ovh.net",
    "secureserver.net",
    "unifiedlayer.com",
    "vultrusercontent.com",
    "websitewelcome.com",
    "your-server.de",
];

/// At most this many Received lines are read from the top: the receiving side's own hops
/// are a handful, and a mail with hundreds of them must not cost more.
const MAX_HOPS: usize = 16;

/// The registrable domain of the relay that handed `message` to the receiving server, as
/// that server recorded it (see the module header); `None` when it recorded no name.
pub fn delivering_relay(message: &Message<'_>) -> Option<String> {
    let received = message
        .headers()
        .iter()
        .filter(|header| header.name == HeaderName::Received)
        .filter_map(|header| header.value.as_received().map(|hop| (hop, super::raw_value(message, header))))
        .take(MAX_HOPS);
    for (hop, text) in received {
        let (name, ip) = match client_records(&text).as_slice() {
            [] => match hop.from_ip {
                // A hop of the receiving side's own, or one naming no client at all.
                Some(ip) if !is_public(ip) => continue,
                None if !text.contains('[') => continue,
                // A public client with no name, or an address the parser could not read
                // (a HELO of `;` moves mail-parser on to the date): this may be the
                // receiving server's line, so the lines below are never read.
                _ => return None,
            },
            [(name, ip)] => (*name, *ip),
            // The server writes one record of its client; the client's HELO wrote another.
            _ => return None,
        };
        let ip = ip?;
        if !is_public(ip) {
            continue;
        }
        // Sendmail writes a reverse name that does not lead back to the address, one
        // whoever holds the address may have chosen, with "(may be forged)".
        if text.to_ascii_lowercase().contains("may be forged") {
            return None;
        }
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if name == "unknown" || !name.contains('.') || name.parse::<IpAddr>().is_ok() || is_generic(&name, ip)
        {
            return None;
        }
        let site = url::registrable_domain(&name);
        return (!site.is_empty() && !SHARED_RELAYS.contains(&site)).then(|| site.to_string());
    }
    None
}

/// The receiving server's records of its client in a Received line, `(NAME [ADDRESS]`
/// (Postfix and Sendmail write one, Sendmail's IPv6 address after `IPv6:`), with the
/// address when it reads as one. Read from the text itself, not from mail-parser's
/// reading: the HELO before it is the client's own word and may hold a comment naming
/// any relay (`from x(relay.example) (unknown [...])`), which mail-parser takes for the
/// reverse name. A HELO holds no whitespace, so it cannot write a record of this form;
/// where a server lets it (and it writes one), two records make the line unreadable.
fn client_records(text: &str) -> Vec<(&str, Option<IpAddr>)> {
    static RECORD: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\(([^\s()\[\]]+)\s+\[(?i:ipv6:)?([^\s\[\]()]*)\]").expect("a valid pattern")
    });
    RECORD
        .captures_iter(text)
        .filter_map(|record| {
            let (name, address) = (record.get(1)?.as_str(), record.get(2)?.as_str());
            Some((name, address.parse().ok()))
        })
        .collect()
}

/// Whether `name` is a provider's generic name for `ip`, one it gives every address it
/// rents out (`ec2-203-0-113-7.compute-1.amazonaws.com`, `7.113.0.203.static.isp.example`):
/// its numbers hold the address's last two bytes side by side, either way round. Such a
/// name tells the provider, not whose server the mail came from: anyone renting there
/// would pass as the sender.
fn is_generic(name: &str, ip: IpAddr) -> bool {
    let side_by_side = |numbers: Vec<u16>, first: u16, second: u16| {
        numbers.windows(2).any(|pair| pair == [first, second] || pair == [second, first])
    };
    match ip {
        IpAddr::V4(v4) => {
            let [.., third, fourth] = v4.octets();
            let numbers =
                name.split(|c: char| !c.is_ascii_digit()).filter_map(|run| run.parse().ok()).collect();
            side_by_side(numbers, third.into(), fourth.into())
        }
        // An IPv6 address's first two groups (its provider's prefix) written out in hex.
        IpAddr::V6(v6) => {
            let [first, second, ..] = v6.segments();
            let numbers = name
                .split(|c: char| !c.is_ascii_hexdigit())
                .filter_map(|run| u16::from_str_radix(run, 16).ok())
                .collect();
            side_by_side(numbers, first, second)
        }
    }
}

/// Whether `ip` is an address on the public internet: not loopback, private, link-local,
/// shared (carrier NAT), broadcast or unspecified.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => {
            let [first, ..] = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
                && v6.to_ipv4_mapped().is_none_or(|v4| is_public(IpAddr::V4(v4)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relay_of(received: &[&str]) -> Option<String> {
        let mut raw: String = received.iter().map(|line| format!("Received: {line}\r\n")).collect();
        raw.push_str("From: news@sender.example\r\nSubject: hi\r\n\r\nbody\r\n");
        let message = mail_parser::MessageParser::default().parse(raw.as_bytes()).expect("parses");
        delivering_relay(&message)
    }

    #[test]
    fn the_receiving_servers_record_of_the_relay_names_it_past_its_own_hops() {
        let hops = [
            "from localhost (localhost [127.0.0.1]) by mx.receiver.example (Postfix) with ESMTP id 1",
            "from mailbox.receiver.example by localhost with IMAP (fetchmail-6.4)",
            "from inner.receiver.example (inner.receiver.example [10.1.2.3]) by mx.receiver.example",
            "from out.sender.example (Mail-7.Relay.Sender.co.uk. [203.0.113.7]) by mx.receiver.example \
             (Postfix) with ESMTPS id 2",
            "from forged.example (forged.example [198.51.100.9]) by out.sender.example",
        ];
        assert_eq!(
            relay_of(&hops),
            Some("sender.co.uk".into()),
            "lower-cased, its trailing dot and host dropped"
        );
        assert_eq!(relay_of(&hops[3..]), Some("sender.co.uk".into()));
        let v6 = "from out.sender.example (relay.sender.example [2001:db8::7]) by mx.receiver.example";
        assert_eq!(relay_of(&[v6]), Some("sender.example".into()));
    }

    /// Past the first line naming a public client, every line may be the sender's own
    /// writing: when that line records no reverse name, there is no answer at all.
    #[test]
    fn a_relay_recorded_without_a_name_gives_none_and_the_lines_below_are_not_read() {
        let forged = "from x (relay.victim-bank.example [198.51.100.9]) by mx.receiver.example";
        for edge in [
            "from helo.example (unknown [203.0.113.7]) by mx.receiver.example",
            "from helo.example (203.0.113.7) by mx.receiver.protection.example",
            "from helo.example ([203.0.113.7]) by mx.receiver.example",
            "from helo.example (198.51.100.20 [203.0.113.7]) by mx.receiver.example",
            "from helo.example (relay.victim-bank.example [203.0.113.7] (may be forged)) by mx.receiver.example",
        ] {
            assert_eq!(relay_of(&[edge, forged]), None, "{edge}");
        }
        assert_eq!(relay_of(&[]), None, "no Received line");
        assert_eq!(relay_of(&["from a by b with LMTP"]), None, "no client address");
        let private_only = "from inner (inner.example [192.168.1.5]) by mx.receiver.example";
        assert_eq!(relay_of(&[private_only]), None, "a private client is a hop of the receiving side");
    }

    #[test]
    fn a_providers_generic_name_for_the_address_names_no_relay() {
        for generic in [
            "ec2-203-0-113-7.compute-1.amazonaws.com",
            "7.113.0.203.static.isp.example",
            "host203-0-113-7.dsl.isp.example",
            "113-7.pool.isp.example",
        ] {
            let hop = format!("from x ({generic} [203.0.113.7]) by mx.receiver.example");
            assert_eq!(relay_of(&[&hop]), None, "{generic}");
        }
        let v6 = "from x (2001-db8--5.ip6.isp.example [2001:db8::5]) by mx.receiver.example";
        assert_eq!(relay_of(&[v6]), None, "the provider's prefix written out");
        // The sites of providers renting servers to anyone, or sending for anyone.
        for shared in ["vps-1234abcd.vps.ovh.net", "mail-wr1-f41.google.com", "vmi123456.contaboserver.net"] {
            let hop = format!("from x ({shared} [203.0.113.7]) by mx.receiver.example");
            assert_eq!(relay_of(&[&hop]), None, "{shared}");
        }
        // A server's own name may hold a number: not the address's two last bytes.
        for (own, site) in [("mail7.news.example", "news.example"), ("out-113.news.example", "news.example")]
        {
            let hop = format!("from x ({own} [203.0.113.7]) by mx.receiver.example");
            assert_eq!(relay_of(&[&hop]).as_deref(), Some(site), "{own}");
        }
    }

    #[test]
    fn only_addresses_on_the_public_internet_are_relays() {
        for private in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(private.parse().expect("an address")), "{private}");
        }
        for public in ["203.0.113.7", "100.128.0.1", "8.8.8.8", "2001:db8::1", "::ffff:8.8.8.8"] {
            assert!(is_public(public.parse().expect("an address")), "{public}");
        }
    }

    #[test]
    fn at_most_a_bounded_number_of_lines_are_read() {
        let inner = "from inner (inner.example [10.0.0.1]) by mx.receiver.example";
        let edge = "from out (relay.sender.example [203.0.113.7]) by mx.receiver.example";
        let mut hops = vec![inner; MAX_HOPS - 1];
        hops.push(edge);
        assert_eq!(relay_of(&hops), Some("sender.example".into()));
        hops.insert(0, inner);
        assert_eq!(relay_of(&hops), None, "the edge line past the bound is not read");
    }
}
