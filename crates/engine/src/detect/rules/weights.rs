//! The weights every rule gives, pinned: one row per rule and per weight it can give,
//! each with a mail that makes it fire. The thresholds and the corpus figures in the
//! README were measured with these weights; a change to one must be made here too, on
//! purpose, and measured again.

use super::test_support::{email, html_email};
use super::{Rule, demand, evasion, extortion, fraud, headers, phishing};
use crate::detect::{Facts, Signal};
use crate::mail::{self, Email};

/// A rule, a mail it fires on, and the names and weights it must give that mail.
type Row = (Rule, Email, Vec<(&'static str, f32)>);

/// The rule names and weights `rule` gives `email`.
fn weighed(rule: Rule, email: &Email) -> Vec<(&'static str, f32)> {
    let facts = Facts::gather(email);
    let mut signals: Vec<Signal> = Vec::new();
    rule(&facts, &mut signals);
    signals.into_iter().map(|s| (s.rule, s.weight)).collect()
}

/// The weight a whole classification gave `rule` (for the combinations).
fn classified(rule: &str, email: &Email) -> Option<f32> {
    let verdict = crate::detect::classify(email, &crate::detect::Detector::default());
    verdict.signals.iter().find(|s| s.rule == rule).map(|s| s.weight)
}

/// A mail with one attachment named `name` of type `kind`.
fn attached(text: &str, kind: &str, name: &str) -> Email {
    let raw = format!(
        "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n{text}\r\n--b\r\nContent-Type: {kind}\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\r\nBEGIN:VCALENDAR\r\n--b--\r\n"
    );
    mail::parse(raw.as_bytes()).expect("test mail parses")
}

const TO: &str = "From: someone@sender.example\r\nTo: victim@example.com\r\nSubject: hello";
const WALLET: &str = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4";
const LEGACY: &str = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa";
const TAPROOT: &str = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0";

#[test]
fn extortion_rules_weigh_as_pinned() {
    let rows: Vec<Row> = vec![
        (
            extortion::verified_wallet,
            email(TO, &format!("BTC: {WALLET}")),
            vec![("crypto_wallet_verified", 3.0)],
        ),
        (
            extortion::verified_wallet,
            email(TO, &format!("{WALLET} {LEGACY} {TAPROOT}")),
            vec![("crypto_wallet_verified", 1.0)],
        ),
        (
            extortion::unverified_wallet,
            email(TO, "BTC: bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"),
            vec![("crypto_wallet_unverified", 1.0)],
        ),
        (
            extortion::split_wallet,
            email(TO, "B T C: bc1qw508d6q ejxtdg4y5r3 zarvary0c5xw7kv8f3t4"),
            vec![("crypto_wallet_split_to_evade", 2.5)],
        ),
        (
            extortion::narrative_claims,
            email(TO, "I hacked your device. Pay with a gift card."),
            vec![("claims_device_compromise", 0.5), ("demands_payment", 0.5), ("demands_gift_card", 1.0)],
        ),
        (extortion::payment_deadline, email(TO, "You have 48 hours."), vec![("sets_deadline", 0.5)]),
        (
            extortion::extortion_narrative,
            email(
                TO,
                &format!(
                    "I hacked your device and recorded you on your webcam visiting adult sites. I will \
                     send the video to your friends. Do not tell the police. Pay 0.1 BTC to {WALLET} \
                     within 48 hours."
                ),
            ),
            vec![("extortion_narrative", 4.5)],
        ),
        (
            extortion::extortion_narrative,
            email(
                TO,
                &format!(
                    "I hacked your device. Pay 0.1 BTC to {WALLET} within 48 hours, or your webcam video goes out."
                ),
            ),
            vec![("extortion_narrative", 3.0)],
        ),
        (
            extortion::extortion_narrative,
            email(
                TO,
                &format!(
                    "The mail says your device was infected and your webcam filmed adult sites; it asks to pay 0.1 BTC to {WALLET} within 48 hours."
                ),
            ),
            vec![("extortion_narrative", 1.5)],
        ),
        (
            extortion::shows_password,
            email(TO, "I know your password. Your password is: Tr0ub4dor&3 and more."),
            vec![("shows_password", 1.0)],
        ),
        (
            extortion::police_impersonation,
            email("From: 千葉西警察署 <keisatsu@free-mail.example>\r\nTo: a@b.example", "x"),
            vec![("impersonates_police", 2.5)],
        ),
        (
            demand::crypto_payment_demand,
            email(TO, &format!("Send 0.05 BTC to {WALLET} today.")),
            vec![("crypto_payment_demand", 3.0)],
        ),
        (extortion::warns_about_scams, email(TO, "This is a scam."), vec![("warns_about_scams", -2.5)]),
        (
            extortion::warns_about_scams,
            email(TO, "This sextortion scam is a hoax: do not pay. It is phishing."),
            vec![("warns_about_scams", -10.0)],
        ),
    ];
    check(rows);
}

#[test]
fn phishing_rules_weigh_as_pinned() {
    let body = "Your account is suspended. Log in to verify your password immediately.";
    let rows: Vec<Row> = vec![
        (
            phishing::impersonates_brand,
            email("From: 三井住友カード <smbc-update@ecolebi.example>", "x"),
            vec![("impersonates_brand", 3.0)],
        ),
        (
            phishing::impersonates_brand,
            email("From: x@ecolebi.example\r\nSubject: Your PayPal receipt", "x"),
            vec![("impersonates_brand", 2.0)],
        ),
        (
            phishing::links_avoid_named_brand,
            email("From: 楽天市場 <info@rakuten.co.jp>", "https://rakuten.example.cn/login"),
            vec![("links_avoid_named_brand", 1.5)],
        ),
        (
            phishing::signed_as_brand,
            email(
                "From: service@pay-notice.example",
                "Verify your details below.\n\nThanks,\nThe PayPal Team",
            ),
            vec![("signed_as_brand", 2.0)],
        ),
        (
            phishing::sender_name_is_other_domain,
            email("From: \"Celsius.Network\" <claims@es.mailer.example>", "Hello"),
            vec![("sender_name_is_other_domain", 1.5)],
        ),
        (
            phishing::impersonates_mail_provider,
            email(
                "From: x@evil.example\r\nTo: me@corp.example\r\nSubject: me@corp.example password expiry",
                "Verify your password",
            ),
            vec![("impersonates_mail_provider", 2.5)],
        ),
        (
            phishing::link_shows_brand_domain,
            html_email("<a href=\"https://evil.example/\">www.paypal.com</a>"),
            vec![("link_shows_brand_domain", 3.0)],
        ),
        (
            phishing::link_text_mismatch,
            html_email("<a href=\"https://evil.example/\">www.news.example</a>"),
            vec![("link_text_mismatch", 1.0)],
        ),
        (
            phishing::lookalike_domain,
            email("From: a@b.example", "https://www.ucscard.co.jp.humaoo.com/"),
            vec![("lookalike_domain", 3.0)],
        ),
        (
            phishing::risky_link_hosts,
            email(
                "From: a@b.example",
                "http://192.0.2.7/login http://xn--pypal-4ve.com/ https://bit.ly/x \
                 https://claim-now.netlify.app/ https://mail.example.com:2096/login",
            ),
            vec![
                ("link_to_ip_address", 2.0),
                ("link_to_punycode_domain", 1.0),
                ("link_via_shortener", 1.0),
                ("link_to_disposable_hosting", 1.5),
                ("link_to_unusual_port", 1.5),
            ],
        ),
        (
            phishing::credential_claims,
            email("From: a@b.example", body),
            vec![
                ("asks_for_login", 0.5),
                ("threatens_account", 0.5),
                ("asks_for_sensitive_data", 0.5),
                ("urges_haste", 0.5),
            ],
        ),
        (
            phishing::login_form_in_mail,
            html_email("<form action='https://x.example/'><input type=password></form>"),
            vec![("login_form_in_mail", 3.0)],
        ),
        (
            phishing::sender_on_throwaway_tenant,
            email("From: Support <help@x7kq2.onmicrosoft.com>", "hello"),
            vec![("sender_on_throwaway_tenant", 1.5)],
        ),
        (
            phishing::sender_on_abused_tld,
            email("From: kenneth@mail.example.cfd", "Hello"),
            vec![("sender_on_abused_tld", 1.0)],
        ),
        (
            phishing::faceless_sender,
            email("From: \"Security Team\" <x@desk.example>", "Hello"),
            vec![("faceless_sender", 1.0)],
        ),
        (
            phishing::shared_document_lure,
            email("From: drive-shares-noreply@google.com", "Your Bitcoin withdrawal is ready"),
            vec![("shared_document_lure", 3.0)],
        ),
        (
            phishing::invoice_in_invitation,
            attached("Payment confirmation: total amount $425.88.", "application/ics", "invite.ics"),
            vec![("invoice_in_invitation", 4.0)],
        ),
        (
            phishing::dangerous_attachment,
            attached("see file", "application/octet-stream", "invoice.pdf.exe"),
            vec![("dangerous_attachment", 8.0)],
        ),
        (
            phishing::dangerous_attachment,
            attached("see file", "application/octet-stream", "setup.exe"),
            vec![("dangerous_attachment", 7.0)],
        ),
        (
            phishing::dangerous_attachment,
            attached("see file", "text/html", "login.html"),
            vec![("dangerous_attachment", 3.0)],
        ),
    ];
    check(rows);
}

#[test]
fn header_fraud_and_evasion_rules_weigh_as_pinned() {
    let spf = "Received-SPF: Pass (mailfrom) identity=mailfrom; envelope-from=al@fjdigi.example";
    let letter = "I am the manager of auditing at the bank. We discovered an abandoned sum of \
        US$5,350,000 in a dormant account that belongs to a deceased foreign customer.";
    // Five words, each cut by a word in a microscopic font.
    let cut: String = ["chanteuse", "noblesse", "espagnol", "Estuaire", "Fouquet"]
        .iter()
        .map(|filler| format!("Sa<span style=\"font-size: 0.000004vw\">{filler}</span>fe "))
        .collect();
    let salad = "Call park out she wife face mean. Invitation excellence imprudence. ".repeat(8);
    let rows: Vec<Row> = vec![
        (
            headers::self_sent_spoof,
            email("From: me@example.com\r\nTo: me@example.com", "hi"),
            vec![("self_sent_spoof", 2.0)],
        ),
        (
            headers::authentication_failed,
            email("From: a@example.com\r\nAuthentication-Results: mx; spf=fail; dmarc=fail", "x"),
            vec![("authentication_failed", 1.5)],
        ),
        (
            headers::authentication_failed,
            email("From: a@example.com\r\nAuthentication-Results: mx; spf=fail", "x"),
            vec![("authentication_failed", 1.0)],
        ),
        (
            headers::authentication_failed,
            email("From: a@example.com\r\nAuthentication-Results: mx; dkim=fail", "x"),
            vec![("authentication_failed", 0.5)],
        ),
        (
            headers::forged_brand_address,
            email(&format!("{spf}\r\nFrom: 三井住友カード <info@vpass.ne.jp>"), "x"),
            vec![("forged_brand_address", 3.0)],
        ),
        (
            headers::reply_to_elsewhere,
            email("From: a@bank.example\r\nReply-To: b@free.example", "x"),
            vec![("reply_to_elsewhere", 0.5)],
        ),
        (
            headers::recipient_address_in_body,
            email("From: a@x.example\r\nTo: victim@example.com", "I own victim@example.com now"),
            vec![("recipient_address_in_body", 0.5)],
        ),
        (
            fraud::advance_fee_offer,
            email("From: a@bank.example\r\nReply-To: mr.richard@gmail.com", letter),
            vec![("advance_fee_offer", 6.0)],
        ),
        (
            fraud::crypto_windfall,
            email(
                "From: milo@gmail.com",
                "Your Bitcoin earning account holds $25,745. Withdraw your balance before it is blocked.",
            ),
            vec![("crypto_windfall", 5.0)],
        ),
        (
            evasion::hidden_characters,
            email("From: a@b.example\r\nSubject: =?UTF-8?Q?P=CC=B6e=CC=B6n=CC=B6ding?=", "hello"),
            vec![("hidden_characters", 3.0)],
        ),
        (
            evasion::hidden_characters,
            email("From: a@b.example", "B\u{200B}i\u{200B}t\u{200B}c\u{200B}o\u{200B}i\u{200B}n"),
            vec![("hidden_characters", 2.0)],
        ),
        (
            evasion::hidden_text_in_words,
            html_email(&format!("<p>{cut}</p>")),
            vec![("hidden_text_in_words", 2.0)],
        ),
        (
            evasion::hidden_filler,
            html_email(&format!("<img src='https://x.example/a.png'><i style='font-size:0px'>{salad}</i>")),
            vec![("hidden_filler", 2.0)],
        ),
        (
            evasion::text_pushed_out_of_view,
            html_email("<p>Claim it</p><div style='height:470500px'></div><p>news</p>"),
            vec![("text_pushed_out_of_view", 1.5)],
        ),
        (
            evasion::link_behind_punctuation,
            html_email("Hello<a href=\"https://www.x.example/?q\">.</a> Pay now"),
            vec![("link_behind_punctuation", 1.0)],
        ),
        (
            evasion::disguised_letters,
            email("From: =?UTF-8?B?4bSY4bSA4bSP4bSN4bSH4bSb?= <a@b.example>", "hello"),
            vec![("disguised_letters", 2.0)],
        ),
        (
            evasion::disguised_letters,
            email("From: a@b.example", "Send Вitсоin to your wаllet, vеrify yоur ассоunt"),
            vec![("disguised_letters", 1.5)],
        ),
        (
            evasion::spaced_out_letters,
            email("From: a@b.example\r\nSubject: 三 井 住 友 カ ー ド", "hello"),
            vec![("spaced_out_letters", 2.0)],
        ),
        (
            evasion::spaced_out_letters,
            email("From: a@b.example", &"三 井 住 友 カ ー ドをご利用のお客様へ。".repeat(3)),
            vec![("spaced_out_letters", 1.5)],
        ),
        (
            evasion::confusable_spelling,
            email("From: a@b.example", "Your PayPaI invoice"),
            vec![("confusable_spelling", 2.0)],
        ),
    ];
    check(rows);
}

#[test]
fn combinations_weigh_as_pinned() {
    // One trick (a borrowed brand) with two claims; three claims; two tricks and one claim.
    let two = email("From: PayPal <x@evil.example>", "Your account is suspended. Log in here.");
    let three =
        email("From: PayPal <x@evil.example>", "Your account is suspended. Log in and enter your password.");
    let stacked =
        email("From: PayPal <x@evil.example>\r\nAuthentication-Results: mx; dmarc=fail", "Log in here.");
    assert_eq!(classified("phishing_pattern", &two), Some(3.5));
    assert_eq!(classified("phishing_pattern", &three), Some(4.0));
    assert_eq!(classified("stacked_tricks", &stacked), Some(1.5));
}

fn check(rows: Vec<Row>) {
    let mut wrong = Vec::new();
    for (index, (rule, email, want)) in rows.iter().enumerate() {
        let got = weighed(*rule, email);
        if got != *want {
            wrong.push(format!("row {index}: got {got:?}, pinned {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
