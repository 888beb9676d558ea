//! Every row of the signal table, and every level of a row, fires on a fixture here with
//! its weight pinned. The thresholds and the corpus figures in the README were measured
//! with these weights: a change to one must be made here too, on purpose, and measured
//! again. A new row without a fixture fails [`every_signal_fires_on_a_fixture_at_its_pinned_weight`].

use super::{Level, SIGNALS, SignalId, levels};
use crate::detect::classify;
use crate::detect::correspondents::KnownCorrespondents;
use crate::detect::rules::test_support::{email, html_email};
use crate::mail::{self, Email};

/// A mail, the signal it must fire at a level (or at full strength, for a row without
/// levels), and the weight that must come out.
struct Pinned {
    id: SignalId,
    level: Option<&'static Level>,
    weight: f32,
    mail: Email,
}

fn at(id: SignalId, level: &'static Level, weight: f32, mail: Email) -> Pinned {
    Pinned { id, level: Some(level), weight, mail }
}

fn full(id: SignalId, weight: f32, mail: Email) -> Pinned {
    Pinned { id, level: None, weight, mail }
}

/// A mail with one attachment named `name` of type `kind`.
fn attached(text: &str, kind: &str, name: &str) -> Email {
    let raw = format!(
        "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n{text}\r\n--b\r\nContent-Type: {kind}\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\r\nBEGIN:VCALENDAR\r\n--b--\r\n"
    );
    mail::parse(raw.as_bytes()).expect("test mail parses")
}

/// The one correspondent the fixtures' detector knows, and a receiving server vouching for its mailbox.
const KNOWN: &str = "friend@known.example";
const AUTHENTICATED: &str =
    "Authentication-Results: mx.home.example; dkim=pass header.d=known.example header.i=friend@known.example";

const TO: &str = "From: someone@sender.example\r\nTo: victim@example.com\r\nSubject: hello";
const FROM: &str = "From: a@b.example";
const WALLET: &str = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4";
const LEGACY: &str = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa";
const TAPROOT: &str = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0";

fn extortion() -> Vec<Pinned> {
    use SignalId::*;
    let told = |text: &str| email(TO, text);
    vec![
        at(CryptoWalletVerified, &levels::WALLET_DEMAND, 3.0, told(&format!("BTC: {WALLET}"))),
        at(CryptoWalletVerified, &levels::WALLET_LIST, 1.0, told(&format!("{WALLET} {LEGACY} {TAPROOT}"))),
        full(CryptoWalletUnverified, 1.0, told("BTC: bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5")),
        full(CryptoPaymentDemand, 3.0, told(&format!("Send 0.05 BTC to {WALLET} today."))),
        full(CryptoWalletSplitToEvade, 2.5, told("B T C: bc1qw508d6q ejxtdg4y5r3 zarvary0c5xw7kv8f3t4")),
        full(ClaimsDeviceCompromise, 0.5, told("Malware got onto your device.")),
        full(ClaimsRecording, 0.5, told("It used your webcam.")),
        full(MentionsAdultContent, 0.5, told("You visited adult sites.")),
        full(ThreatensDistribution, 0.5, told("Everyone in your contact list will see it.")),
        full(DemandsSecrecy, 0.5, told("Going to the police is useless.")),
        full(ClaimsOpenTracking, 0.5, told("The timer started.")),
        full(ClaimsPasswordKnowledge, 0.5, told("I know your password.")),
        full(AccusesOfCrime, 0.5, told("You face arrest.")),
        full(DemandsPayment, 0.5, told("Make the payment.")),
        full(NamesCryptocurrency, 0.5, told("Bitcoin only.")),
        full(DemandsGiftCard, 1.0, told("Pay with a gift card.")),
        // Every verdict carries the model's summary of the words; its table weight is 0.
        full(LearnedWords, 0.0, told("Lunch on Friday?")),
        // Every verdict of an account with a learned layer carries its share; weight 0.
        full(LearnedFromFeedback, 0.0, told("Lunch on Friday?")),
        full(SetsDeadline, 0.5, told("You have 48 hours.")),
        at(
            ExtortionNarrative,
            &levels::NARRATIVE_FULL,
            4.5,
            told(&format!(
                "I hacked your device and recorded you on your webcam visiting adult sites. I will send the \
                 video to your friends. Do not tell the police. Pay 0.1 BTC to {WALLET} within 48 hours."
            )),
        ),
        at(
            ExtortionNarrative,
            &levels::NARRATIVE_VOICE,
            3.0,
            told(&format!(
                "I hacked your device. Pay 0.1 BTC to {WALLET} within 48 hours, or your webcam video goes out."
            )),
        ),
        at(
            ExtortionNarrative,
            &levels::NARRATIVE_RETOLD,
            1.5,
            told(&format!(
                "The mail says your device was infected and your webcam filmed adult sites; it asks to pay \
                 0.1 BTC to {WALLET} within 48 hours."
            )),
        ),
        full(ShowsPassword, 1.0, told("I know your password. Your password is: Tr0ub4dor&3 and more.")),
        full(
            ImpersonatesPolice,
            2.5,
            email("From: 千葉西警察署 <keisatsu@free-mail.example>\r\nTo: a@b.example", "x"),
        ),
        at(WarnsAboutScams, &levels::WARNS_ONE, -2.5, told("This is a scam.")),
        at(WarnsAboutScams, &levels::WARNS_TWO, -5.0, told("This is a scam; it is phishing.")),
        at(WarnsAboutScams, &levels::WARNS_THREE, -7.5, told("This scam is phishing and a hoax.")),
        at(
            WarnsAboutScams,
            &levels::WARNS_FOUR,
            -10.0,
            told("This sextortion scam is a hoax: do not pay. It is phishing."),
        ),
        full(
            AdvanceFeeOffer,
            6.0,
            email(
                "From: a@bank.example\r\nReply-To: mr.richard@gmail.com",
                "I am the manager of auditing at the bank. We discovered an abandoned sum of US$5,350,000 in a \
                 dormant account that belongs to a deceased foreign customer.",
            ),
        ),
        full(
            CryptoWindfall,
            5.0,
            email(
                "From: milo@gmail.com",
                "Your Bitcoin earning account holds $25,745. Withdraw your balance before it is blocked.",
            ),
        ),
    ]
}

fn phishing() -> Vec<Pinned> {
    use SignalId::*;
    vec![
        at(
            ImpersonatesBrand,
            &levels::BRAND_IN_SENDER,
            3.0,
            email("From: 三井住友カード <smbc-update@ecolebi.example>", "x"),
        ),
        at(
            ImpersonatesBrand,
            &levels::BRAND_IN_SUBJECT,
            2.0,
            email("From: x@ecolebi.example\r\nSubject: Your PayPal receipt", "x"),
        ),
        full(
            LinksAvoidNamedBrand,
            1.5,
            email("From: 楽天市場 <info@rakuten.co.jp>", "https://rakuten.example.cn/login"),
        ),
        full(
            SignedAsBrand,
            2.0,
            email(
                "From: service@pay-notice.example",
                "Verify your details below.\n\nThanks,\nThe PayPal Team",
            ),
        ),
        full(
            AddressedAsBrandCustomer,
            2.0,
            email("From: service@pay-notice.example", "Dear PayPal member,\n\nYour account is limited."),
        ),
        full(
            SenderNameIsOtherDomain,
            1.5,
            email("From: \"Celsius.Network\" <claims@es.mailer.example>", "Hello"),
        ),
        full(
            ClaimedNameElsewhere,
            1.5,
            email(
                "From: Glimmerswap <notify@relay.example>\r\nSubject: Glimmerswap airdrop",
                "https://claim.other.example/x",
            ),
        ),
        full(
            ImpersonatesMailProvider,
            2.5,
            email(
                "From: x@evil.example\r\nTo: me@corp.example\r\nSubject: me@corp.example password expiry",
                "Verify your password",
            ),
        ),
        full(LinkShowsBrandDomain, 3.0, html_email("<a href=\"https://evil.example/\">www.paypal.com</a>")),
        full(LinkTextMismatch, 1.0, html_email("<a href=\"https://evil.example/\">www.news.example</a>")),
        full(LookalikeDomain, 3.0, email(FROM, "https://www.ucscard.co.jp.humaoo.com/")),
        full(LinkToIpAddress, 2.0, email(FROM, "http://192.0.2.7/login")),
        full(LinkToPunycodeDomain, 1.0, email(FROM, "http://xn--pypal-4ve.com/")),
        full(LinkViaShortener, 1.0, email(FROM, "https://bit.ly/x")),
        full(LinkToDisposableHosting, 1.5, email(FROM, "https://claim-now.netlify.app/")),
        full(LinkToUnusualPort, 1.5, email(FROM, "https://mail.example.com:2096/login")),
        full(AsksForLogin, 0.5, email(FROM, "Log in to see it.")),
        full(ThreatensAccount, 0.5, email(FROM, "Your account is suspended.")),
        full(AsksForSensitiveData, 0.5, email(FROM, "Enter your card number.")),
        full(UrgesHaste, 0.5, email(FROM, "Act immediately.")),
        full(OffersAReward, 0.5, email(FROM, "Your reward is waiting.")),
        full(ClaimsDeliveryProblem, 0.5, email(FROM, "We could not complete the delivery attempt.")),
        full(
            LoginFormInMail,
            3.0,
            html_email("<form action='https://x.example/'><input type=password></form>"),
        ),
        full(SenderOnThrowawayTenant, 1.5, email("From: Support <help@x7kq2.onmicrosoft.com>", "hello")),
        full(SenderOnAbusedTld, 1.0, email("From: kenneth@mail.example.cfd", "Hello")),
        full(FacelessSender, 1.0, email("From: \"Security Team\" <x@desk.example>", "Hello")),
        full(
            SharedDocumentLure,
            3.0,
            email("From: drive-shares-noreply@google.com", "Your Bitcoin withdrawal is ready"),
        ),
        full(
            InvoiceInInvitation,
            4.0,
            attached("Payment confirmation: total amount $425.88.", "application/ics", "invite.ics"),
        ),
        at(
            DangerousAttachment,
            &levels::DOUBLE_EXTENSION,
            8.0,
            attached("see file", "application/octet-stream", "invoice.pdf.exe"),
        ),
        at(
            DangerousAttachment,
            &levels::EXECUTABLE,
            7.0,
            attached("see file", "application/octet-stream", "setup.exe"),
        ),
        at(
            DangerousAttachment,
            &levels::DISK_IMAGE,
            3.0,
            attached("see file", "application/octet-stream", "disk.iso"),
        ),
        at(DangerousAttachment, &levels::ATTACHED_PAGE, 3.0, attached("see file", "text/html", "login.html")),
        // One trick (a borrowed brand) with two claims; with three claims.
        at(
            PhishingPattern,
            &levels::PATTERN_FEWER_CLAIMS,
            3.5,
            email("From: PayPal <x@evil.example>", "Your account is suspended. Log in here."),
        ),
        at(
            PhishingPattern,
            &levels::PATTERN_THREE_CLAIMS,
            4.0,
            email(
                "From: PayPal <x@evil.example>",
                "Your account is suspended. Log in and enter your password.",
            ),
        ),
        full(
            StackedTricks,
            1.5,
            email("From: PayPal <x@evil.example>\r\nAuthentication-Results: mx; dmarc=fail", "Log in here."),
        ),
    ]
}

fn shared() -> Vec<Pinned> {
    use SignalId::*;
    let spf = "Received-SPF: Pass (mailfrom) identity=mailfrom; envelope-from=al@fjdigi.example";
    let auth =
        |result: &str| email(&format!("From: a@example.com\r\nAuthentication-Results: mx; {result}"), "x");
    // Five words, each cut by a word in a microscopic font.
    let cut: String = ["chanteuse", "noblesse", "espagnol", "Estuaire", "Fouquet"]
        .iter()
        .map(|filler| format!("Sa<span style=\"font-size: 0.000004vw\">{filler}</span>fe "))
        .collect();
    let salad = "Call park out she wife face mean. Invitation excellence imprudence. ".repeat(8);
    vec![
        full(SelfSentSpoof, 2.0, email("From: me@example.com\r\nTo: me@example.com", "hi")),
        // The fixtures are read by a detector that knows one correspondent (see below).
        full(KnownCorrespondent, -6.0, email(&format!("From: {KNOWN}\r\n{AUTHENTICATED}"), "Lunch?")),
        at(AuthenticationFailed, &levels::DMARC_FAILED, 1.5, auth("spf=fail; dmarc=fail")),
        at(AuthenticationFailed, &levels::SPF_FAILED, 1.0, auth("spf=fail")),
        at(AuthenticationFailed, &levels::DKIM_FAILED, 0.5, auth("dkim=fail")),
        full(
            ForgedBrandAddress,
            3.0,
            email(&format!("{spf}\r\nFrom: 三井住友カード <info@vpass.ne.jp>"), "x"),
        ),
        full(ReplyToElsewhere, 0.5, email("From: a@bank.example\r\nReply-To: b@free.example", "x")),
        full(
            RecipientAddressInBody,
            0.5,
            email("From: a@x.example\r\nTo: victim@example.com", "I own victim@example.com now"),
        ),
        at(
            HiddenCharacters,
            &levels::HIDDEN_IN_HEADERS,
            3.0,
            email("From: a@b.example\r\nSubject: =?UTF-8?Q?P=CC=B6e=CC=B6n=CC=B6ding?=", "hello"),
        ),
        at(
            HiddenCharacters,
            &levels::HIDDEN_IN_BODY,
            2.0,
            email(FROM, "B\u{200B}i\u{200B}t\u{200B}c\u{200B}o\u{200B}i\u{200B}n"),
        ),
        full(HiddenTextInWords, 2.0, html_email(&format!("<p>{cut}</p>"))),
        full(
            HiddenFiller,
            2.0,
            html_email(&format!("<img src='https://x.example/a.png'><i style='font-size:0px'>{salad}</i>")),
        ),
        full(
            PictureInsteadOfText,
            1.5,
            html_email("<a href='https://pay.example/'><img src='cid:notice' width=600></a>"),
        ),
        full(
            TextPushedOutOfView,
            1.5,
            html_email("<p>Claim it</p><div style='height:470500px'></div><p>news</p>"),
        ),
        full(
            LinkBehindPunctuation,
            1.0,
            html_email("Hello<a href=\"https://www.x.example/?q\">.</a> Pay now"),
        ),
        at(
            DisguisedLetters,
            &levels::DISGUISED_IN_HEADERS,
            2.0,
            email("From: =?UTF-8?B?4bSY4bSA4bSP4bSN4bSH4bSb?= <a@b.example>", "hello"),
        ),
        at(
            DisguisedLetters,
            &levels::DISGUISED_IN_BODY,
            1.5,
            email(FROM, "Send Вitсоin to your wаllet, vеrify yоur ассоunt"),
        ),
        at(
            SpacedOutLetters,
            &levels::DISGUISED_IN_HEADERS,
            2.0,
            email("From: a@b.example\r\nSubject: 三 井 住 友 カ ー ド", "hello"),
        ),
        at(
            SpacedOutLetters,
            &levels::DISGUISED_IN_BODY,
            1.5,
            email(FROM, &"三 井 住 友 カ ー ドをご利用のお客様へ。".repeat(3)),
        ),
        full(ConfusableSpelling, 2.0, email(FROM, "Your PayPaI invoice")),
    ]
}

#[test]
fn every_signal_fires_on_a_fixture_at_its_pinned_weight() {
    let pinned: Vec<Pinned> = [extortion(), phishing(), shared()].into_iter().flatten().collect();
    let mut wrong = Vec::new();
    // Every row, and every level of a row, has a fixture.
    for row in SIGNALS {
        let wanted: Vec<Option<&Level>> =
            if row.levels.is_empty() { vec![None] } else { row.levels.iter().map(Some).collect() };
        for level in wanted {
            if !pinned.iter().any(|p| p.id == row.id && p.level == level) {
                wrong.push(format!("{:?} at {:?} has no fixture", row.id, level.map(|l| l.when)));
            }
        }
    }
    // Each fixture makes its signal fire at its level, with the weight pinned.
    for p in &pinned {
        let known_correspondents = KnownCorrespondents::new([KNOWN.to_string()]);
        let mut detector = crate::detect::Detector { known_correspondents, ..Default::default() };
        if p.id == SignalId::LearnedFromFeedback {
            detector.personal = Some(std::sync::Arc::default());
        }
        let verdict = classify(&p.mail, &detector);
        let got = verdict.signals.iter().find(|s| s.id == p.id);
        match got {
            Some(signal) if signal.level == p.level && signal.weight() == p.weight => {}
            Some(signal) => wrong.push(format!(
                "{:?}: fired at {:?} weighing {}, pinned {:?} at {}",
                p.id,
                signal.level.map(|l| l.when),
                signal.weight(),
                p.level.map(|l| l.when),
                p.weight
            )),
            None => wrong.push(format!("{:?} did not fire on its fixture", p.id)),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
