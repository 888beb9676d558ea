//! One batch of fetched messages → classified messages → the detections to record, with
//! the action planned for each. Pure: no I/O, so the decisions are tested directly.

use std::collections::HashSet;

use sha2::{Digest, Sha256};

use super::senders::{SenderLists, Vouched};

use crate::config::Account;
#[cfg(test)]
use crate::detect::SignalId;
use crate::detect::{Category, Detector, Evidence, Label, Probabilities, Verdict, classify};
use crate::imap::FetchedMessage;
use crate::mail;
use crate::mail::printable::{MAX_FIELD_BYTES, cap};
use crate::report::seal::{self, ReportKey};
use crate::store::{self, Action, Identity, NewDetection};

/// A fetched message after classification.
#[derive(Debug, Clone)]
pub struct Classified {
    pub uid: u32,
    pub size: u32,
    /// Message-ID, or a digest of the header block when there is none.
    pub key: String,
    pub message_id: String,
    /// SHA-256 of the bytes fetched (the whole message, or its first `max_message_bytes`):
    /// with `key`, which message this is (see [`Identity`]).
    pub digest: String,
    pub from: String,
    /// What the receiving server vouched for about the From (what trust entries are
    /// matched against; see [`super::senders`]).
    pub vouched: Vouched,
    pub to: String,
    pub subject: String,
    pub date: String,
    /// When it arrived on the server (INTERNALDATE, Unix seconds), if the server said.
    pub arrived: Option<i64>,
    /// `Err` carries why the message could not be parsed; such a message is left alone.
    pub verdict: Result<Verdict, String>,
    /// The bytes read, kept until the batch is recorded: feedback (a release) is given
    /// with them. The next batch's bytes are held meanwhile anyway, so the peak is the same.
    pub raw: Vec<u8>,
}

/// Parses and classifies every message (CPU work: run it off the async threads). A
/// weekly report this database sealed (`report_key`) is never classified.
pub fn classify_all(
    messages: Vec<FetchedMessage>,
    detector: &Detector,
    report_key: &ReportKey,
) -> Vec<Classified> {
    messages
        .into_iter()
        .map(|m| {
            let mut classified = classify_one(&m, detector, report_key);
            classified.raw = m.raw;
            classified.arrived = m.arrived;
            classified
        })
        .collect()
}

/// What is kept of a header field: at most [`MAX_FIELD_BYTES`], so a 1 MB subject is
/// neither logged nor stored whole.
fn field(text: &str) -> String {
    cap(text, MAX_FIELD_BYTES)
}

impl Classified {
    pub fn identity(&self) -> Identity {
        Identity { key: self.key.clone(), digest: self.digest.clone() }
    }
}

/// The key of a message without a Message-ID: a digest of its header block. The same
/// from the whole message and from its header alone (`BODY[HEADER]`).
pub fn header_key(raw: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(header_block(raw))))
}

/// A message's identity: `<Message-ID>`; for a Message-ID longer than what is stored, its
/// digest (so two that differ only beyond the cut are not taken for one); for a message
/// without one, the digest of its header block ([`header_key`]).
pub fn message_key(message_id: &str, raw: &[u8]) -> String {
    match message_id {
        "" => header_key(raw),
        id if id.len() > MAX_FIELD_BYTES => format!("sha256-id:{}", hex(&Sha256::digest(id))),
        id => format!("<{id}>"),
    }
}

/// The content digest of the bytes fetched.
pub fn content_digest(raw: &[u8]) -> String {
    hex(&Sha256::digest(raw))
}

fn classify_one(message: &FetchedMessage, detector: &Detector, report_key: &ReportKey) -> Classified {
    let digest = content_digest(&message.raw);
    match mail::parse(&message.raw) {
        Ok(email) => {
            // Our own report reads like a scam (wallets, amounts, a password): a genuine
            // one is clean by definition; a forged or altered one is judged as usual.
            let verdict = if seal::is_genuine(report_key, &message.raw) {
                Verdict {
                    score: 0.0,
                    label: Label::Clean,
                    category: Category::Other,
                    probabilities: Probabilities::HAM,
                    signals: Vec::new(),
                    evidence: Evidence::default(),
                }
            } else {
                classify(&email, detector)
            };
            let full_id = email.message_id.as_deref().unwrap_or_default();
            let key = message_key(full_id, &message.raw);
            Classified {
                uid: message.uid,
                size: message.size,
                key,
                from: field(email.from.as_ref().map_or("", |f| f.address.as_str())),
                vouched: Vouched::of(&email, &detector.authserv_ids),
                to: field(&email.to.iter().map(|t| t.address.as_str()).collect::<Vec<_>>().join(", ")),
                subject: field(&email.subject),
                date: field(email.date.as_deref().unwrap_or_default()),
                message_id: field(full_id),
                digest,
                verdict: Ok(verdict),
                arrived: None,
                raw: Vec::new(),
            }
        }
        Err(error) => Classified {
            uid: message.uid,
            size: message.size,
            key: header_key(&message.raw),
            message_id: String::new(),
            digest,
            from: String::new(),
            vouched: Vouched::default(),
            to: String::new(),
            subject: String::new(),
            date: String::new(),
            verdict: Err(error.to_string()),
            arrived: None,
            raw: Vec::new(),
        },
    }
}

/// The header block of a raw message (up to the first blank line, at most 64 KiB).
fn header_block(raw: &[u8]) -> &[u8] {
    let end =
        raw.windows(4).position(|w| w == b"\r\n\r\n").or_else(|| raw.windows(2).position(|w| w == b"\n\n"));
    let end = end.unwrap_or(raw.len()).min(64 * 1024);
    raw.get(..end).unwrap_or(raw)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The action planned for a verdict on `account`:
/// threats are moved (or only recorded in dry-run), suspicious mail is flagged when a
/// keyword is configured and otherwise only recorded. Clean mail is not recorded.
pub fn planned_action(label: Label, account: &Account) -> Option<Action> {
    match label {
        Label::Clean => None,
        Label::Threat if account.dry_run => Some(Action::DryRun),
        Label::Threat => Some(Action::Planned),
        Label::Suspicious if account.suspicious_keyword.is_some() && !account.dry_run => {
            Some(Action::FlagPlanned)
        }
        Label::Suspicious => Some(Action::Nothing),
    }
}

/// The detections to record for a batch. Messages in `handled` (the same key and digest
/// as one handled before: under another UIDVALIDITY, taken back out of Junk, restored by
/// the user; see [`crate::store::Store::handled`]) get no new row; any other message is a
/// new delivery, whatever its Message-ID. The account's `lists` decide last (see
/// [`super::senders`]): a blocked sender's mail is a threat, an authenticated trusted
/// sender's is recorded but never moved or flagged.
pub fn detections(
    account: &Account,
    folder: &str,
    uidvalidity: u32,
    classified: &[Classified],
    handled: &HashSet<Identity>,
    lists: &SenderLists,
) -> Vec<NewDetection> {
    classified
        .iter()
        .filter(|c| !handled.contains(&c.identity()))
        .filter_map(|c| {
            let verdict = c.verdict.as_ref().ok()?;
            let standing = lists.standing(&c.from, &c.vouched);
            let label = standing.label(verdict.label);
            let action = planned_action(label, account)?;
            let recorded = store::Verdict::of(label)?;
            let trusted = matches!(standing, super::senders::Standing::Trusted(_));
            let action = if trusted { Action::TrustedSender } else { action };
            Some(NewDetection {
                account: account.name.clone(),
                folder: folder.to_string(),
                uidvalidity,
                uid: c.uid,
                message_id: c.message_id.clone(),
                message_key: c.key.clone(),
                digest: c.digest.clone(),
                from: c.from.clone(),
                to: c.to.clone(),
                subject: c.subject.clone(),
                date: c.date.clone(),
                size: c.size,
                score: verdict.score,
                verdict: recorded,
                category: verdict.category,
                signals: standing.explained(verdict.signals.as_slice().into()),
                evidence: (&verdict.evidence).into(),
                action,
                destination: String::new(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn key() -> ReportKey {
        ReportKey::new(vec![9; 32])
    }

    fn account(extra: &str) -> Account {
        let text = format!(
            "[[accounts]]\nname = \"a\"\nhost = \"127.0.0.1\"\ntls = \"implicit\"\nusername = \"u\"\npassword_env = \"X\"\n{extra}"
        );
        Config::parse(&text).expect("valid").accounts.into_iter().next().expect("one account")
    }

    #[test]
    fn actions_follow_verdict_dry_run_and_keyword() {
        let plain = account("");
        assert_eq!(planned_action(Label::Threat, &plain), Some(Action::Planned));
        assert_eq!(planned_action(Label::Suspicious, &plain), Some(Action::Nothing));
        assert_eq!(planned_action(Label::Clean, &plain), None);
        assert_eq!(planned_action(Label::Threat, &account("dry_run = true\n")), Some(Action::DryRun));
        assert_eq!(
            planned_action(Label::Suspicious, &account("suspicious_keyword = \"$Suspicious\"\n")),
            Some(Action::FlagPlanned)
        );
    }

    #[test]
    fn threats_are_recorded_ham_is_not_and_known_messages_are_skipped() {
        let scam = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/eml/en_extortion_split_wallet_self_sent.eml"
        ))
        .expect("fixture");
        let ham = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/eml/ham_en_colleague_video_call.eml"
        ))
        .expect("fixture");
        let fetched = vec![
            FetchedMessage { uid: 5, size: scam.len() as u32, raw: scam, arrived: None },
            FetchedMessage { uid: 6, size: ham.len() as u32, raw: ham, arrived: None },
            FetchedMessage { uid: 7, size: 0, raw: Vec::new(), arrived: None },
        ];
        let classified = classify_all(fetched, &Detector::default(), &key());
        assert!(
            classified.get(2).is_some_and(|c| c.verdict.is_err()),
            "an unreadable message is reported, not fatal"
        );
        let (nothing, none) = (HashSet::new(), SenderLists::default());
        let rows = detections(&account(""), "INBOX", 9, &classified, &nothing, &none);
        assert_eq!(rows.iter().map(|r| (r.uid, r.action)).collect::<Vec<_>>(), [(5, Action::Planned)]);
        let row = rows.first().expect("one row");
        assert_eq!((row.verdict, row.category), (store::Verdict::Threat, store::Category::Extortion));
        assert!(
            row.signals.0.iter().any(|s| s.rule == SignalId::CryptoWalletVerified.name()),
            "{:?}",
            row.signals
        );
        assert!(row.evidence.wallets.iter().any(|w| w.address.starts_with("bc1q")), "{:?}", row.evidence);

        let handled: HashSet<Identity> = classified.iter().map(Classified::identity).collect();
        assert!(detections(&account(""), "INBOX", 10, &classified, &handled, &none).is_empty());
        let same_id_other_content: HashSet<Identity> =
            [Identity { key: row.message_key.clone(), digest: "another".into() }].into_iter().collect();
        assert_eq!(
            detections(&account(""), "INBOX", 10, &classified, &same_id_other_content, &none).len(),
            1,
            "a repeated Message-ID with other content is a new delivery"
        );
        // The scam's From is the victim's own address, unauthenticated: trusting it gains
        // nothing (the seed scam's trick); blocking it, or its domain, moves even ham.
        let trusted = SenderLists { trust: vec![row.from.parse().expect("an address")], block: Vec::new() };
        let rows = detections(&account(""), "INBOX", 9, &classified, &nothing, &trusted);
        assert_eq!(rows.first().map(|r| r.action), Some(Action::Planned), "a From line alone is not trusted");
        let mut authenticated = classified.clone();
        if let Some(scam) = authenticated.first_mut() {
            scam.vouched = Vouched { domain: Some(row.from.clone()), mailbox: Some(row.from.clone()) };
        }
        let rows = detections(&account(""), "INBOX", 9, &authenticated, &nothing, &trusted);
        assert_eq!(rows.first().map(|r| r.action), Some(Action::TrustedSender), "recorded, never moved");
        let ham_from = classified.get(1).map(|c| c.from.clone()).unwrap_or_default();
        let domain = ham_from.rsplit_once('@').map(|(_, d)| d.parse().expect("a domain"));
        let blocked = SenderLists { trust: Vec::new(), block: domain.into_iter().collect() };
        let rows = detections(&account(""), "INBOX", 9, &classified, &nothing, &blocked);
        let ham_row = rows.iter().find(|r| r.uid == 6).expect("blocked ham is recorded");
        assert_eq!((ham_row.action, ham_row.verdict), (Action::Planned, store::Verdict::Threat));
        assert_eq!(
            ham_row.signals.0.first().map(|s| s.rule.as_str()),
            Some(super::super::senders::BLOCKED_SENDER)
        );
    }

    #[test]
    fn messages_without_message_id_get_a_header_digest() {
        let raw = b"From: a@b.example\r\nSubject: x\r\n\r\nbody".to_vec();
        let classified = classify_all(
            vec![FetchedMessage { uid: 1, size: 0, raw, arrived: None }],
            &Detector::default(),
            &key(),
        );
        assert!(classified.first().is_some_and(|c| c.key.starts_with("sha256:") && c.key.len() == 71));
        let header_only = b"From: a@b.example\r\nSubject: x\r\n\r\n";
        assert_eq!(classified.first().map(|c| c.key.clone()), Some(header_key(header_only)));
        assert!(classified.first().is_some_and(|c| c.digest.len() == 64));
    }

    #[test]
    fn header_fields_are_capped_and_a_long_message_id_is_known_by_its_digest() {
        let long_id = format!("{}@x.example", "i".repeat(5000));
        let raw = format!(
            "From: a@b.example\r\nTo: {}\r\nSubject: {}\r\nMessage-ID: <{long_id}>\r\n\r\nbody",
            vec!["c@d.example"; 400].join(", "),
            "é".repeat(3000)
        );
        let classified = classify_all(
            vec![FetchedMessage { uid: 1, size: 0, raw: raw.into_bytes(), arrived: None }],
            &Detector::default(),
            &key(),
        );
        let c = classified.first().expect("one");
        for field in [&c.subject, &c.to, &c.message_id] {
            assert!(field.len() <= MAX_FIELD_BYTES && field.ends_with('…'), "{} bytes", field.len());
        }
        assert!(c.subject.starts_with("éé"));
        assert!(c.key.starts_with("sha256-id:") && c.key.len() < 100, "{}", c.key);
    }

    /// A Message-ID that fits the stored field whole is its own key (the field holds it
    /// uncut); one byte more and only its digest tells it apart.
    #[test]
    fn a_message_id_that_fits_the_field_is_its_own_key() {
        let fits = "i".repeat(MAX_FIELD_BYTES);
        assert_eq!(message_key(&fits, b""), format!("<{fits}>"));
        assert_eq!(field(&fits), fits, "stored uncut");
        let longer = format!("{fits}i");
        assert!(message_key(&longer, b"").starts_with("sha256-id:"));
    }

    /// The header digest reads the whole header block and only it, whether lines end in
    /// CRLF or a bare LF, up to 64 KiB: headers that differ anywhere in it are two keys.
    #[test]
    fn the_header_key_reads_the_header_block_and_only_it() {
        let crlf =
            |subject: &str, body: &str| format!("From: a@b.example\r\nSubject: {subject}\r\n\r\n{body}");
        let key = |raw: String| header_key(raw.as_bytes());
        assert_eq!(key(crlf("x", "body")), key(crlf("x", "another body")));
        assert_ne!(key(crlf("x", "body")), key(crlf("y", "body")));
        let lf = |subject: &str, body: &str| format!("From: a@b.example\nSubject: {subject}\n\n{body}");
        assert_eq!(key(lf("x", "body")), key(lf("x", "another body")));
        assert_ne!(key(lf("x", "body")), key(lf("y", "body")));
        let padded =
            |bytes: usize, subject: &str| crlf(&format!("{}\r\nX-Last: {subject}", "p".repeat(bytes)), "");
        assert_ne!(key(padded(4000, "x")), key(padded(4000, "y")), "past the first KiB");
        assert_eq!(key(padded(70_000, "x")), key(padded(70_000, "y")), "cut at 64 KiB");
    }
}
