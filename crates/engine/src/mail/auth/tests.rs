use super::*;
use crate::mail::{Email, parse};

/// A message with `headers` above a From line and a short body.
fn mail(headers: &str) -> Email {
    parse(format!("{headers}From: a@shop.example\r\nSubject: s\r\n\r\nbody").as_bytes()).expect("parses")
}

fn ids(written: &[&str]) -> Vec<AuthservId> {
    written.iter().map(|id| id.parse().expect("a valid id")).collect()
}

fn trusted(email: &Email, written: &[&str]) -> Authentication {
    Authentication::trusted(&email.auth_headers, &ids(written))
}

const FORGED_BELOW: &str = "Authentication-Results: mx.receiver.example; spf=pass smtp.mailfrom=shop.example\r\n\
    Received: from sender.example by mx.receiver.example\r\n\
    Authentication-Results: mx.sender.example; dkim=pass header.d=bank.example\r\n";

#[test]
fn each_header_keeps_its_authserv_id_and_results_in_order() {
    let email = mail(
        "Authentication-Results: MX.Example.org 1; dkim=pass (2048-bit key; unprotected) \
         header.d=Signer.example header.b=\"x;y\"; spf = softfail smtp.mailfrom=<b@Bounce.example>\r\n\
         Received-SPF: Fail (host: domain of x@y.example) receiver=mx; envelope-from=\"x@env.example\"\r\n\
         Authentication-Results: spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=ms.example; \
         dkim=none (message not signed) header.d=none;dmarc=fail action=none header.from=ms.example;compauth=fail\r\n",
    );
    let result = |method, result, domain: Option<&str>| MethodResult {
        method,
        result,
        domain: domain.map(str::to_string),
        address: None,
    };
    let naming =
        |address: &str, result: MethodResult| MethodResult { address: Some(address.into()), ..result };
    assert_eq!(
        email.auth_headers,
        [
            AuthHeader {
                field: AuthField::AuthenticationResults,
                authserv_id: Some("mx.example.org".into()),
                results: vec![
                    result(Method::Dkim, AuthResult::Pass, Some("signer.example")),
                    naming(
                        "b@bounce.example",
                        result(Method::Spf, AuthResult::SoftFail, Some("bounce.example"))
                    ),
                ],
                hops_above: 0,
            },
            AuthHeader {
                field: AuthField::ReceivedSpf,
                authserv_id: None,
                results: vec![naming(
                    "x@env.example",
                    result(Method::Spf, AuthResult::Fail, Some("env.example"))
                )],
                hops_above: 0,
            },
            AuthHeader {
                field: AuthField::AuthenticationResults,
                authserv_id: None,
                results: vec![
                    result(Method::Spf, AuthResult::Pass, Some("ms.example")),
                    result(Method::Dkim, AuthResult::Other, None),
                    result(Method::Dmarc, AuthResult::Fail, Some("ms.example")),
                ],
                hops_above: 0,
            },
        ]
    );
}

#[test]
fn a_forged_lower_header_is_not_believed() {
    let email = mail(FORGED_BELOW);
    for configured in [&[][..], &["mx.receiver.example"]] {
        let auth = trusted(&email, configured);
        assert_eq!(auth.dkim, None, "{configured:?}");
        assert!(auth.dkim_domains.is_empty(), "{configured:?}");
        assert_eq!(auth.spf, Some(AuthResult::Pass));
    }
    // Read as every header, the forgery would vouch for the mail.
    assert_eq!(trusted(&email, &["mx.receiver.example", "mx.sender.example"]).dkim, Some(AuthResult::Pass));
}

#[test]
fn the_configured_server_is_believed_wherever_its_header_sits() {
    // A local filter adds its own header above the provider's.
    let email = mail(&format!(
        "Authentication-Results: filter.home.example; dkim=fail\r\nReceived: by filter.home.example\r\n{FORGED_BELOW}"
    ));
    let auth = trusted(&email, &["MX.RECEIVER.EXAMPLE"]);
    assert_eq!((auth.spf, auth.dkim), (Some(AuthResult::Pass), None));
    // Without the id, the topmost header is the receiving server's.
    assert_eq!((trusted(&email, &[]).spf, trusted(&email, &[]).dkim), (None, Some(AuthResult::Fail)));
    // An id that matches nothing believes nothing.
    assert_eq!(trusted(&email, &["mx.google.com"]), Authentication::default());
}

/// The receiving server's own name written by the sender, below the hop where the mail
/// came in: a receiver that does not strip such headers (RFC 8601 §5 says it must) would
/// otherwise vouch for a forged pass, whether the id is configured or taken from the
/// topmost header.
#[test]
fn a_forged_header_bearing_the_receivers_own_name_below_its_hop_is_not_believed() {
    // Gmail's layout: the receiver's Received line, its header, then the sender's part.
    let email = mail(
        "Received: from relay.sender.example by mx.receiver.example\r\n\
         Authentication-Results: mx.receiver.example; spf=fail smtp.mailfrom=bank.example\r\n\
         Received: from attacker.example by relay.sender.example\r\n\
         Authentication-Results: mx.receiver.example; dkim=pass header.d=bank.example; dmarc=pass\r\n",
    );
    for configured in [&[][..], &["mx.receiver.example"], &["*.receiver.example"]] {
        let auth = trusted(&email, configured);
        assert_eq!((auth.spf, auth.dkim, auth.dmarc), (Some(AuthResult::Fail), None, None), "{configured:?}");
        assert!(auth.dkim_domains.is_empty(), "{configured:?}");
    }
}

/// Real layouts keep every header their receiver wrote: several of one name above its
/// entry hop (Fastmail's filters), one below it (Gmail), and with several names
/// configured each counts at its own topmost hop (iCloud writes one per mechanism; a
/// home filter's header sits a hop above the provider's).
#[test]
fn each_name_counts_at_the_hop_of_its_topmost_header() {
    let above_entry = mail(
        "Received: by mx1.receiver.example (filter)\r\n\
         Authentication-Results: mx1.receiver.example; dkim=pass header.d=shop.example\r\n\
         Authentication-Results: mx1.receiver.example; spf=pass smtp.mailfrom=shop.example\r\n\
         Authentication-Results: mx1.receiver.example; dmarc=pass header.from=shop.example\r\n\
         Received: from out.shop.example by mx1.receiver.example\r\n",
    );
    let auth = trusted(&above_entry, &[]);
    assert_eq!(
        (auth.dkim, auth.spf, auth.dmarc),
        (Some(AuthResult::Pass), Some(AuthResult::Pass), Some(AuthResult::Pass))
    );
    let two_names = mail(
        "Authentication-Results: filter.home.example; dkim=fail\r\n\
         Received: from mx.provider.example by filter.home.example\r\n\
         Authentication-Results: dkim.provider.example; dkim=pass header.d=shop.example\r\n\
         Authentication-Results: spf.provider.example; spf=pass smtp.mailfrom=shop.example\r\n\
         Received: from out.shop.example by mx.provider.example\r\n",
    );
    let auth = trusted(&two_names, &["filter.home.example", "*.provider.example"]);
    assert_eq!((auth.dkim, auth.spf), (Some(AuthResult::Fail), Some(AuthResult::Pass)));
    assert_eq!(auth.dkim_domains, ["shop.example"], "the provider's signature check still counts");
}

#[test]
fn without_ids_every_header_of_the_topmost_server_counts() {
    // One server's filters write one header each (OpenDMARC above OpenDKIM).
    let email = mail(
        "Authentication-Results: mail.home.example; dmarc=pass header.from=shop.example\r\n\
         Authentication-Results: mail.home.example; dkim=pass header.d=shop.example\r\n\
         Authentication-Results: mx.other.example; spf=fail smtp.mailfrom=x.example\r\n",
    );
    let auth = trusted(&email, &[]);
    assert_eq!((auth.dmarc, auth.dkim, auth.spf), (Some(AuthResult::Pass), Some(AuthResult::Pass), None));
    assert_eq!(auth.dkim_domains, ["shop.example"]);
}

#[test]
fn ids_below_a_domain_and_headers_without_an_id() {
    let email = mail(
        "Authentication-Results: mx6.messagingengine.com; dkim=pass header.d=a.example\r\n\
         Authentication-Results: messagingengine.com; spf=fail smtp.mailfrom=b.example\r\n",
    );
    let below = trusted(&email, &["*.messagingengine.com"]);
    assert_eq!((below.dkim, below.spf), (Some(AuthResult::Pass), None), "the domain itself is not below it");
    assert_eq!(trusted(&email, &[".messagingengine.com"]), below);
    assert_eq!(trusted(&email, &["ngengine.com"]), Authentication::default(), "whole labels only");
    // An id whose bytes end inside a character where the domain would start (found by
    // fuzzing): no match, no panic.
    let odd = mail("Authentication-Results: x\u{e9}\u{e9}ample.com; dkim=pass header.d=a.example\r\n");
    assert_eq!(trusted(&odd, &["*.ample.com"]), Authentication::default());
    assert_eq!(trusted(&odd, &["*.xample.com"]), Authentication::default());
    // Microsoft writes no id: only the topmost such header is its.
    let microsoft = mail(
        "Authentication-Results: spf=fail (sender IP is 192.0.2.1) smtp.mailfrom=x.example; dkim=none\r\n\
         Received-SPF: Fail (protection.outlook.com: domain of x.example)\r\n\
         Authentication-Results: dkim=pass header.d=bank.example\r\n",
    );
    for configured in [&["(none)"][..], &[]] {
        let auth = trusted(&microsoft, configured);
        assert_eq!(
            (auth.spf, auth.dkim),
            (Some(AuthResult::Fail), Some(AuthResult::Other)),
            "{configured:?}"
        );
        assert!(auth.dkim_domains.is_empty());
    }
    assert_eq!(trusted(&microsoft, &["mx.google.com"]), Authentication::default());
}

#[test]
fn received_spf_counts_above_the_receiving_servers_header_only() {
    let spf = |domain: &str| format!("Received-SPF: pass (receiver: ok) envelope-from=x@{domain}\r\n");
    let domains = |auth: Authentication| auth.envelopes.into_iter().map(|e| e.domain).collect::<Vec<_>>();
    let email = mail(&format!(
        "{}Authentication-Results: mx.google.com; spf=pass smtp.mailfrom=a.example\r\n{}",
        spf("above.example"),
        spf("below.example")
    ));
    assert_eq!(domains(trusted(&email, &["mx.google.com"])), ["above.example", "a.example"]);
    assert_eq!(domains(trusted(&email, &[])), ["above.example", "a.example"]);
    assert!(domains(trusted(&email, &["mx.other.example"])).is_empty());
    // No Authentication-Results at all: the topmost Received-SPF alone.
    let only_spf = mail(&format!("{}{}", spf("top.example"), spf("lower.example")));
    assert_eq!(domains(trusted(&only_spf, &[])), ["top.example"]);
    assert!(domains(trusted(&only_spf, &["mx.google.com"])).is_empty());
}

#[test]
fn arc_and_original_results_are_never_read() {
    let email = mail(
        "ARC-Authentication-Results: i=1; mx.google.com; dkim=pass header.d=bank.example\r\n\
         Authentication-Results-Original: mx.google.com; dkim=pass header.d=bank.example\r\n",
    );
    assert!(email.auth_headers.is_empty());
    assert_eq!(trusted(&email, &["mx.google.com"]), Authentication::default());
}

#[test]
fn configured_ids_are_read_and_checked() {
    assert_eq!("mx.Google.com".parse(), Ok(AuthservId::Exact("mx.google.com".into())));
    assert_eq!("*.outlook.com".parse(), Ok(AuthservId::Below("outlook.com".into())));
    assert_eq!(".outlook.com".parse(), Ok(AuthservId::Below("outlook.com".into())));
    assert_eq!(" (none) ".parse(), Ok(AuthservId::Unnamed));
    assert_eq!("".parse::<AuthservId>(), Err(AuthservIdError::Empty));
    for bad in ["mx google.com", "mx;x", "*.", ".", "..x", "a(b)", "x=y", "*"] {
        assert!(matches!(bad.parse::<AuthservId>(), Err(AuthservIdError::Malformed(_))), "{bad}");
    }
    for id in ["mx.google.com", "*.yahoo.com", "(none)"] {
        assert_eq!(id.parse::<AuthservId>().map(|id| id.to_string()).as_deref(), Ok(id));
    }
}

#[test]
fn hostile_headers_are_read_within_bounds() {
    let many = "Authentication-Results: x; dkim=pass header.d=a.example\r\n".repeat(5_000);
    assert_eq!(mail(&many).auth_headers.len(), MAX_AUTH_HEADERS);
    let results = format!("Authentication-Results: x; {}\r\n", "spf=pass;".repeat(5_000));
    assert_eq!(mail(&results).auth_headers.first().map(|h| h.results.len()), Some(MAX_RESULTS));
    for value in
        ["((((", "\\", "=;=;==", "\"unterminated ; x", ")x(", "; ;", "=", "dkim=", "é=ü", "(dkim=pass"]
    {
        let header = parse_results(value);
        assert!(header.results.iter().all(|r| r.result != AuthResult::Pass), "{value}");
        assert_eq!(parse_received_spf(value).results.len(), 1);
    }
}

const SAMPLE: &str = "Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=example.com; dkim=fail\r\n\
From: a@example.com\r\n\r\nbody";

#[test]
fn envelope_senders_come_from_spf_records_once_each() {
    let raw = b"Received-SPF: Pass (mailfrom) identity=mailfrom; client-ip=192.0.2.1; \
envelope-from=al@Spoofer.example; receiver=<UNKNOWN>\r\n\
Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=<bounce@lists.example.org>\r\n\
Received-SPF: pass envelope-from=\"x@spoofer.example\"\r\n\
From: a@b.example\r\nSubject: s\r\n\r\nbody";
    let email = parse(raw).expect("parses");
    let envelopes = |email: &Email| {
        Authentication::trusted(&email.auth_headers, &[])
            .envelopes
            .iter()
            .map(|e| (e.domain.clone(), e.spf))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        envelopes(&email),
        [
            ("spoofer.example".to_string(), AuthResult::Pass),
            ("lists.example.org".to_string(), AuthResult::Pass)
        ]
    );
    assert_eq!(
        envelopes(&parse(SAMPLE.as_bytes()).expect("parses")),
        [("example.com".to_string(), AuthResult::Pass)]
    );
    let softfail = parse(
        b"Received-SPF: Softfail (mailfrom) envelope-from=x@shop.example\r\nFrom: a@shop.example\r\n\r\nx",
    )
    .expect("parses");
    assert_eq!(envelopes(&softfail), [("shop.example".to_string(), AuthResult::SoftFail)]);
}

#[test]
fn domains_of_verified_dkim_signatures_are_kept() {
    let raw = b"Authentication-Results: mx.example; dkim=pass (signature was verified) \
header.d=Tenant.onmicrosoft.com; dkim=fail header.d=forged.example; dmarc=pass header.from=shop.example\r\n\
Authentication-Results: mx.example; dkim=pass header.d=tenant.onmicrosoft.com header.i=@x\r\n\
From: a@shop.example\r\n\r\nbody";
    let email = parse(raw).expect("parses");
    assert_eq!(Authentication::trusted(&email.auth_headers, &[]).dkim_domains, ["tenant.onmicrosoft.com"]);
}
