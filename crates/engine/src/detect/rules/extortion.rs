//! Rules for extortion ("sextortion") mail: payment addresses, the claims the story is
//! built from, and the combination of the two.

use super::{Facts, Signal, SignalId, levels};
use crate::detect::phrases::Family;
use crate::detect::tables::{GOVERNMENT_SUFFIXES, POLICE_NAMES};

/// The claims an extortion story is told with; payment and currency are counted apart.
pub(crate) const STORY_FAMILIES: [Family; 8] = [
    Family::DeviceCompromise,
    Family::Recording,
    Family::AdultContent,
    Family::DistributionThreat,
    Family::Secrecy,
    Family::OpenedTracker,
    Family::PasswordClaim,
    Family::Accusation,
];

/// More verified addresses than this reads like a list of indicators, not a demand.
const MAX_DEMAND_WALLETS: usize = 2;

/// A checksum-valid Bitcoin or Litecoin address. Strong evidence of a payment target: a
/// checksum cannot hold by chance. Weighted below a verdict on its own, because exchange
/// receipts and donation footers carry valid addresses too.
pub fn verified_wallet(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let verified: Vec<&str> =
        facts.wallets.iter().filter(|w| w.checksum_valid).map(|w| w.address.as_str()).collect();
    if verified.is_empty() {
        return;
    }
    let level =
        if verified.len() > MAX_DEMAND_WALLETS { &levels::WALLET_LIST } else { &levels::WALLET_DEMAND };
    out.push(Signal::at(SignalId::CryptoWalletVerified, level, verified.join(", ")));
}

/// An address-shaped string without a checksum to prove it (Ethereum, Monero, or a
/// Bitcoin look-alike whose checksum fails). Weak: it may be a typo'd or fake address.
pub fn unverified_wallet(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    if facts.wallets.iter().any(|w| w.checksum_valid) {
        return;
    }
    if let Some(wallet) = facts.wallets.first() {
        let evidence = format!("{:?} {}", wallet.coin, wallet.address).to_lowercase();
        out.push(Signal::new(SignalId::CryptoWalletUnverified, evidence));
    }
}

/// A payment address written with spaces or line breaks inside it. Nobody legitimate
/// does that; scammers do it to get past filters ("the spaces are there to prevent
/// automatic detection").
pub fn split_wallet(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    if let Some(wallet) = facts.wallets.iter().find(|w| w.checksum_valid && w.split) {
        out.push(Signal::new(SignalId::CryptoWalletSplitToEvade, wallet.address.clone()));
    }
}

/// One signal per extortion claim family found (hacked device, recording, adult content,
/// threat to distribute, payment, currency, secrecy, open tracking, password). Each is
/// common in ordinary mail, so each weighs little; see [`extortion_narrative`].
pub fn narrative_claims(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let families =
        STORY_FAMILIES.iter().chain(&[Family::PaymentDemand, Family::Cryptocurrency, Family::GiftCard]);
    for &family in families {
        if let (Some(hit), Some(id)) = (facts.families.get(family), family.signal()) {
            out.push(Signal::new(id, hit.first));
        }
    }
}

/// A time limit ("48 hours", "5日以内"). Common in ordinary mail; counted as a claim only.
pub fn payment_deadline(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    if let Some(deadline) = facts.deadlines.first() {
        out.push(Signal::new(SignalId::SetsDeadline, deadline.text.clone()));
    }
}

/// How many story claims (plus a deadline) a message makes.
fn story_claims(facts: &Facts<'_>) -> usize {
    facts.families.count(&STORY_FAMILIES) + usize::from(!facts.deadlines.is_empty())
}

/// The extortion pattern: a payment target (an address, a cryptocurrency or gift cards)
/// and a demand, told with at least three story claims. This co-occurrence is what a
/// newsletter with a tip address, an exchange receipt or a colleague's mail about a
/// recorded video call lacks, so it carries the weight of the verdict.
pub fn extortion_narrative(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let has_target = !facts.wallets.is_empty()
        || facts.families.has(Family::Cryptocurrency)
        || facts.families.has(Family::GiftCard);
    // A stated sum in a mail that names where to pay (an address, verified or not: an
    // Ethereum one often has no checksum; or gift cards) is the demand itself ("1300 USD
    // in ETH to 0x…", "buy $600 of gift cards and reply with the codes"), with no word of
    // paying. The story claims required below keep a shop's gift-card receipt out.
    let payable = !facts.wallets.is_empty() || facts.families.has(Family::GiftCard);
    let demands = facts.families.has(Family::PaymentDemand)
        || facts.wallets.iter().any(|w| w.checksum_valid)
        || (payable && !facts.text_numbers.amounts().is_empty());
    let claims = story_claims(facts);
    if !(has_target && demands && claims >= 3) {
        return;
    }
    // Scams speak as the perpetrator ("I hacked your device"); advisories and newsletters
    // that retell one speak about "the sender", or quote its words. Without that voice in
    // the mail's own lines the pattern counts less.
    let voice = facts.families.has(Family::PerpetratorVoice) && !voice_only_quoted(facts);
    let level = match (voice, claims >= 5) {
        (true, true) => &levels::NARRATIVE_FULL,
        (true, false) => &levels::NARRATIVE_VOICE,
        (false, _) => &levels::NARRATIVE_RETOLD,
    };
    let speaker = if voice { "in the perpetrator's voice" } else { "retold, not in the perpetrator's voice" };
    out.push(Signal::at(
        SignalId::ExtortionNarrative,
        level,
        format!("payment demand with {claims} extortion claims, {speaker}"),
    ));
}

/// Whether the perpetrator's voice is heard only in quoted lines (`> I hacked your
/// device`): an advisory or a reply quoting a scam, where the writer's own lines speak
/// about it, and the subject does not speak it either (see [`Facts::own_lines`]).
fn voice_only_quoted(facts: &Facts<'_>) -> bool {
    let Some(own) = facts.own_lines() else { return false };
    let subject = facts.email.normalized_subject.as_str();
    !crate::detect::phrases::find_families([subject, own.as_str()]).has(Family::PerpetratorVoice)
}

/// The password shown to the recipient, if `text` quotes one ("password: hunter2",
/// "パスワード：abc123"): the seeds advise changing it everywhere it was used.
pub fn shown_password(text: &str) -> Option<String> {
    use std::sync::LazyLock;
    static SHOWN: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)(?:password|passwort|kennwort|パスワード)(?:\s?is|は)?\s?[:：=]\s?([^\s,;。、」]{4,40})",
        )
        .expect("password pattern compiles")
    });
    let caps = SHOWN.captures(text)?;
    let candidate = caps.get(1)?.as_str();
    let looks_like_prose =
        candidate.chars().all(|c| c.is_alphabetic()) && candidate.chars().all(|c| c.is_lowercase());
    (!looks_like_prose || candidate.len() >= 6).then(|| candidate.to_string())
}

/// A password shown in the body: classic bait ("I know your password is …") that makes
/// the threat feel real. Counted for extortion, and surfaced so the user can change it.
pub fn shows_password(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    if facts.families.has(Family::PasswordClaim)
        && let Some(password) = &facts.shown_password
    {
        out.push(Signal::new(SignalId::ShowsPassword, password.clone()));
    }
}

/// A sender claiming to be the police (警察署, "cyber police") from a domain that is not
/// a government one: the "this is the police, transfer bitcoin" scam from the seeds.
pub fn police_impersonation(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let Some(from) = &facts.email.from else {
        return;
    };
    let name = from.name.as_deref().unwrap_or_default().to_lowercase();
    let claims_police = POLICE_NAMES.iter().any(|p| name.contains(p));
    let domain = facts.sender_domain.as_str();
    let official = GOVERNMENT_SUFFIXES.iter().any(|s| domain.ends_with(s));
    if claims_police && !official {
        out.push(Signal::new(SignalId::ImpersonatesPolice, format!("{name} <{}>", from.address)));
    }
}

/// Language that warns about scams ("sextortion", "do not pay", 詐欺, 脅迫メール) as an
/// advisory or a newsletter does. Scams themselves do not say it, so it counts against
/// extortion, the more the more such phrases there are.
pub fn warns_about_scams(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    if let Some(hit) = facts.families.get(Family::Awareness) {
        let level = match hit.distinct {
            0 | 1 => &levels::WARNS_ONE,
            2 => &levels::WARNS_TWO,
            3 => &levels::WARNS_THREE,
            _ => &levels::WARNS_FOUR,
        };
        out.push(Signal::at(SignalId::WarnsAboutScams, level, hit.first));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::test_support::{email, fired};

    const HEADERS: &str = "From: someone@sender.example\r\nTo: victim@example.com\r\nSubject: hello";
    const WALLET: &str = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4";

    #[test]
    fn verified_wallet_needs_a_valid_checksum() {
        assert_eq!(
            fired(verified_wallet, &email(HEADERS, &format!("BTC: {WALLET}"))),
            [SignalId::CryptoWalletVerified]
        );
        let typo = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5";
        assert!(fired(verified_wallet, &email(HEADERS, &format!("BTC: {typo}"))).is_empty());
        assert_eq!(
            fired(unverified_wallet, &email(HEADERS, &format!("BTC: {typo}"))),
            [SignalId::CryptoWalletUnverified]
        );
        assert!(fired(unverified_wallet, &email(HEADERS, &format!("BTC: {WALLET}"))).is_empty());
    }

    #[test]
    fn split_wallet_fires_only_for_split_addresses() {
        let split = "B T C: bc1qw508d6q ejxtdg4y5r3 zarvary0c5xw7kv8f3t4";
        assert_eq!(fired(split_wallet, &email(HEADERS, split)), [SignalId::CryptoWalletSplitToEvade]);
        assert!(fired(split_wallet, &email(HEADERS, &format!("BTC: {WALLET}"))).is_empty());
    }

    #[test]
    fn narrative_claims_name_each_family() {
        let names =
            fired(narrative_claims, &email(HEADERS, "I hacked your device and turned on your webcam."));
        assert_eq!(names, [SignalId::ClaimsDeviceCompromise, SignalId::ClaimsRecording]);
        assert!(fired(narrative_claims, &email(HEADERS, "Lunch at noon?")).is_empty());
    }

    #[test]
    fn payment_deadline_reads_hours_and_days() {
        assert_eq!(fired(payment_deadline, &email(HEADERS, "You have 48 hours.")), [SignalId::SetsDeadline]);
        assert!(fired(payment_deadline, &email(HEADERS, "You have time.")).is_empty());
    }

    #[test]
    fn extortion_narrative_needs_target_demand_and_story() {
        let scam = format!(
            "I hacked your device, recorded you on your webcam visiting adult sites. Pay 0.1 BTC to {WALLET} within 48 hours."
        );
        assert_eq!(fired(extortion_narrative, &email(HEADERS, &scam)), [SignalId::ExtortionNarrative]);
        let colleague = "I recorded the video call on my camera; please pay the invoice within 48 hours.";
        assert!(fired(extortion_narrative, &email(HEADERS, colleague)).is_empty());
        let newsletter = format!("Bitcoin rose 6% this week. Tips welcome: {WALLET}");
        assert!(fired(extortion_narrative, &email(HEADERS, &newsletter)).is_empty());
        // The whole story and a demand, but nowhere to pay: no target, no pattern.
        let no_target = "I hacked your device, recorded you on your webcam visiting adult sites. \
                         Pay me within 48 hours.";
        assert!(fired(extortion_narrative, &email(HEADERS, no_target)).is_empty());
    }

    /// An advisory that quotes a scam (`> I hacked your device…`) retells it: the voice in
    /// its quoted lines is the scammer's, not the writer's. A mail that is nothing but
    /// quotes, or says less than it quotes, speaks for itself.
    #[test]
    fn the_perpetrators_voice_in_quoted_lines_only_is_retold() {
        let scam = format!(
            "I hacked your device and recorded you on your webcam visiting adult sites.\n\
             Pay 0.1 BTC to {WALLET} within 48 hours."
        );
        let quoted: String = scam.lines().map(|line| format!("> {line}\n")).collect();
        let level = |text: &str| {
            let mut out = Vec::new();
            extortion_narrative(&crate::detect::Facts::gather(&email(HEADERS, text)), &mut out);
            out.first().and_then(|signal| signal.level)
        };
        assert_eq!(level(&scam), Some(&levels::NARRATIVE_VOICE));
        let advisory = format!(
            "Dear readers, mails like the one below are going round again this month.\n\n{quoted}\n\
             The sender has no video and no access to your device. Do not answer, and \
             change the password it names wherever you still use it."
        );
        assert_eq!(level(&advisory), Some(&levels::NARRATIVE_RETOLD));
        let greeting = format!("Hello,\n\n{quoted}");
        assert_eq!(level(&greeting), Some(&levels::NARRATIVE_VOICE), "a greeting over a quoted letter");
        assert_eq!(level(&quoted), Some(&levels::NARRATIVE_VOICE), "nothing but the quote");
        let own_words = format!("{advisory}\nI hacked your device too.");
        assert_eq!(level(&own_words), Some(&levels::NARRATIVE_VOICE), "the voice in the writer's own lines");
        // The same advisory as HTML: its text's lines are not what the reader sees.
        let html = format!(
            "{HEADERS}\r\nContent-Type: text/html\r\n\r\n<p>Dear readers, mails like the one below \
             are going round again this month.</p><pre>{}</pre><p>The sender has no video and no \
             access to your device. Do not answer, and change the password it names wherever \
             you still use it.</p>",
            quoted.replace('>', "&gt;")
        );
        let mail = crate::mail::parse(html.as_bytes()).expect("parses");
        let mut out = Vec::new();
        extortion_narrative(&crate::detect::Facts::gather(&mail), &mut out);
        assert_eq!(out.first().and_then(|s| s.level), Some(&levels::NARRATIVE_VOICE), "an HTML body");
    }

    /// A stated sum beside where to send it is the demand, with no word of paying: gift
    /// cards to buy, or an Ethereum address named by its ticker or in katakana (which has
    /// no checksum to verify). Without the sum, or without the story, it is not the pattern.
    #[test]
    fn a_sum_beside_gift_cards_or_an_address_is_a_demand_without_a_paying_word() {
        let story = "I hacked your phone and recorded you through the camera on an adult site. \
                     Everyone in your contacts gets the video in 48 hours.";
        let gift_cards = format!("{story} Buy $500 of Apple gift cards and reply with the codes.");
        assert_eq!(fired(extortion_narrative, &email(HEADERS, &gift_cards)), [SignalId::ExtortionNarrative]);
        let no_sum = format!("{story} Buy Apple gift cards and reply with the codes.");
        assert!(fired(extortion_narrative, &email(HEADERS, &no_sum)).is_empty());
        let address = "0x52908400098527886E0F7030069857D2E4169EE7";
        for coin in ["1300 USD in ETH", "1300ドル分のイーサリアム"] {
            let ether = format!("{story} Send {coin} to {address}.");
            let mail = email(HEADERS, &ether);
            let facts = crate::detect::Facts::gather(&mail);
            assert!(facts.wallets.iter().any(|w| w.address == address), "{coin}: {:?}", facts.wallets);
            assert_eq!(fired(extortion_narrative, &mail), [SignalId::ExtortionNarrative]);
        }
        let shop = format!("Your order of $500 in Apple gift cards ships today. Ref {address}");
        assert!(fired(extortion_narrative, &email(HEADERS, &shop)).is_empty(), "no story");
    }

    #[test]
    fn a_shown_password_is_told_from_a_lower_case_word() {
        // A lower-case word of letters after "password:" is prose unless it is long
        // enough to be a password; digits, capitals or symbols make it one at any length.
        for (body, shown) in [
            ("Your password: hunter", Some("hunter")),
            ("Your password: word", None),
            ("Your password: Wxyz", Some("Wxyz")),
            ("Your password: ab12", Some("ab12")),
        ] {
            assert_eq!(shown_password(body).as_deref(), shown, "{body}");
        }
    }

    #[test]
    fn shows_password_extracts_the_quoted_password() {
        let mail = email(HEADERS, "I know your password. Your password is: Tr0ub4dor&3 and more.");
        assert_eq!(fired(shows_password, &mail), [SignalId::ShowsPassword]);
        assert_eq!(crate::detect::Facts::gather(&mail).shown_password.as_deref(), Some("Tr0ub4dor&3"));
        assert!(fired(shows_password, &email(HEADERS, "Never share your password with anyone.")).is_empty());
    }

    #[test]
    fn every_way_of_showing_a_password_reaches_the_evidence() {
        // The classifier reads a shown password only where the phrase scan found a password
        // word; each keyword the pattern knows must be one the scan finds.
        for body in [
            "PASSWORD: hunter22",
            "password=abc12345",
            "Old password is: qwerty99",
            "Passwort: geheim123",
            "Kennwort = geheim123",
            "パスワード：abc12345 です",
            "パスワードは：abc12345",
        ] {
            let shown = crate::detect::Facts::gather(&email(HEADERS, body)).shown_password;
            assert!(shown.is_some(), "{body}");
            assert_eq!(shown, shown_password(body), "{body}");
        }
    }

    #[test]
    fn police_impersonation_requires_a_non_government_domain() {
        let fake = email("From: 千葉西警察署 <keisatsu@free-mail.example>\r\nTo: a@b.example", "x");
        assert_eq!(fired(police_impersonation, &fake), [SignalId::ImpersonatesPolice]);
        let real =
            email("From: Metropolitan Police <info@keishicho.metro.tokyo.lg.go.jp>\r\nTo: a@b.example", "x");
        assert!(fired(police_impersonation, &real).is_empty());
    }

    #[test]
    fn warns_about_scams_counts_against_extortion() {
        let advisory = email(HEADERS, "This sextortion scam is a hoax: do not pay.");
        let facts = crate::detect::Facts::gather(&advisory);
        let mut out = Vec::new();
        warns_about_scams(&facts, &mut out);
        assert_eq!(out.first().and_then(|s| s.level), Some(&levels::WARNS_FOUR), "four kinds of warning");
        assert!(fired(warns_about_scams, &email(HEADERS, "See you tomorrow.")).is_empty());
    }
}
