//! Feedback from the mailbox: what the user's own moves say about scamguard's verdicts.
//!
//! - A **release**: a message scamguard took to Junk comes back to a watched folder (the
//!   same key and content digest), because the user took it out; `scamguard restore` is a
//!   release too. Its row then says `released` (or `restored`), and the message is never
//!   moved again.
//! - A **report**: a message arrives in the account's Junk folder that scamguard did not
//!   send there: the user put it there (or the server's own filter did; the two cannot be
//!   told apart). It is classified and recorded as `reported`, a threat scamguard missed.
//!
//! Every release and report goes through [`give`]: the one place where feedback is taken,
//! so a learner is told of each in one spot. Here too are the pure decisions of the Junk
//! watch: where its cursor starts ([`plan_junk`]), which arrivals are read whole
//! ([`to_read_among`]) and which of those are reports ([`is_ours`]), and the row a report makes ([`report_row`]). The IMAP side is in
//! `junk_watch`.

use std::collections::{HashMap, HashSet};

use tracing::debug;

use super::batch::Classified;
use crate::detect::{Category, Detector, Label, Verdict, score, signals};
use crate::store::{self, Action, JunkCursor, NewDetection, Store, StoreError};

/// What the user told scamguard by moving a message: the engine's word for it, which the
/// account's learning takes (a release: wanted; a report: unwanted).
pub use crate::detect::personal::Feedback;

/// What feedback is recorded as.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Record {
    /// Row `id` (a moved message) becomes `action` ([`Action::Released`], or
    /// [`Action::Restored`] for `scamguard restore`); `folder` is where the message is now.
    Release { id: i64, action: Action, folder: String },
    /// A new row with action [`Action::Reported`] (boxed: a row is large beside a release).
    Report(Box<NewDetection>),
}

impl Record {
    /// The kind of feedback this record is.
    pub fn kind(&self) -> Feedback {
        match self {
            Record::Release { .. } => Feedback::Released,
            Record::Report(_) => Feedback::Reported,
        }
    }
}

/// Takes one piece of feedback on `account`: `raw` is the message as read (BODY.PEEK, at
/// most `max_message_bytes`), `record` what it is recorded as. Every release and report
/// comes through here: it is recorded, then the account learns from `raw` (see
/// [`super::learning::learn_from`]; `detector` is the account's, for whose
/// authentication to believe; `None` records without learning). Returns whether anything
/// was recorded: a release already recorded is neither recorded nor learned again.
pub(crate) async fn give(
    store: &Store,
    account: &str,
    detector: Option<&Detector>,
    raw: &[u8],
    record: Record,
) -> Result<bool, StoreError> {
    let kind = record.kind();
    let now = crate::clock::now_unix();
    let recorded = match record {
        Record::Release { id, action, folder } => store.record_release(id, action, &folder, now).await?,
        Record::Report(row) => {
            store.record_report(&row, now).await?;
            true
        }
    };
    let learned = match detector {
        Some(detector) if recorded => {
            super::learning::learn_from(store, account, detector, kind, raw, now).await?
        }
        _ => false,
    };
    debug!(%account, ?kind, bytes = raw.len(), recorded, learned, "feedback taken");
    Ok(recorded)
}

/// What this pass does with the account's Junk folder, from its status (`STATUS junk
/// (UIDNEXT UIDVALIDITY)`, as a cursor) and the saved cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JunkLook {
    /// Junk is seen for the first time, or under a new UIDVALIDITY: the cursor starts at
    /// its UIDNEXT, and what is in it already is no report.
    Start(JunkCursor),
    /// New mail arrived: read the UIDs from `first` below `to.uid_next`, then save `to`.
    Read { first: u32, to: JunkCursor },
    /// Nothing arrived since the last look.
    Nothing,
}

/// Where the look at Junk starts (see [`JunkLook`]). A UIDNEXT that went backwards under
/// the same UIDVALIDITY (a server that should not) reads nothing and is not saved.
pub fn plan_junk(saved: Option<JunkCursor>, now: JunkCursor) -> JunkLook {
    match saved {
        Some(saved) if saved.uidvalidity == now.uidvalidity => {
            if now.uid_next > saved.uid_next {
                JunkLook::Read { first: saved.uid_next, to: now }
            } else {
                JunkLook::Nothing
            }
        }
        _ => JunkLook::Start(now),
    }
}

/// How many Junk UIDs are looked at in one go: their headers are held at once, and the
/// cursor is saved after each window. A first scan that moved many thousands of threats
/// makes Junk grow by as many in one pass.
pub const JUNK_WINDOW: u32 = 500;

/// The UIDs from `first` below `uid_next`, in windows of at most [`JUNK_WINDOW`] (first
/// and last UID of each).
pub fn junk_windows(first: u32, uid_next: u32) -> Vec<(u32, u32)> {
    let mut windows = Vec::new();
    let mut start = first.max(1);
    while start < uid_next {
        let end = start.saturating_add(JUNK_WINDOW - 1).min(uid_next - 1);
        windows.push((start, end));
        start = end.saturating_add(1);
        if end == u32::MAX {
            break;
        }
    }
    windows
}

/// What scamguard sent to Junk, by message key: the content digests of the messages it
/// sent under that key ('' for rows from before digests were kept).
pub type SentToJunk = HashMap<String, HashSet<String>>;

/// Which new arrivals in Junk (UID and message key, read from their headers) must be read
/// whole: every one scamguard may not have sent there. A key scamguard never sent is a
/// report; one it sent may be its own move or a scammer's mail reusing that Message-ID,
/// which only the content tells ([`is_ours`]). Only a key sent by a row from before
/// digests were kept ('') is taken as ours unread: nothing else can tell.
pub fn to_read_among(arrived: &[(u32, String)], sent: &SentToJunk) -> Vec<u32> {
    arrived
        .iter()
        .filter(|(_, key)| !sent.get(key).is_some_and(|digests| digests.contains("")))
        .map(|(uid, _)| *uid)
        .collect()
}

/// Whether the Junk arrival with `key` and content `digest` is a message scamguard sent
/// there itself: the same key and the same content (or a row from before digests were
/// kept). Anything else is a report.
pub fn is_ours(key: &str, digest: &str, sent: &SentToJunk) -> bool {
    sent.get(key).is_some_and(|digests| digests.contains(digest) || digests.contains(""))
}

/// The kind of unwanted mail `verdict` finds likeliest: its own category when it found the
/// mail unwanted, else the unwanted class with the highest probability (ties as the
/// classifier breaks them: extortion, then phishing).
pub fn likeliest_unwanted(verdict: &Verdict) -> Category {
    if verdict.label != Label::Clean {
        return verdict.category;
    }
    let fraud = signals::weighs_as_fraud(verdict.signals.iter().map(|s| s.id));
    score::likeliest(&verdict.probabilities.as_array(), fraud)
}

/// The row a report makes: a threat in the Junk folder (`junk`, its UIDVALIDITY), of the
/// likeliest unwanted kind, with the verdict's score, signals and evidence. `None` for a
/// message that could not be read as mail.
pub fn report_row(account: &str, junk: &str, uidvalidity: u32, message: &Classified) -> Option<NewDetection> {
    let verdict = message.verdict.as_ref().ok()?;
    Some(NewDetection {
        account: account.to_string(),
        folder: junk.to_string(),
        uidvalidity,
        uid: message.uid,
        message_id: message.message_id.clone(),
        message_key: message.key.clone(),
        digest: message.digest.clone(),
        from: message.from.clone(),
        to: message.to.clone(),
        subject: message.subject.clone(),
        date: message.date.clone(),
        size: message.size,
        score: verdict.score,
        verdict: store::Verdict::Threat,
        category: likeliest_unwanted(verdict),
        signals: verdict.signals.as_slice().into(),
        evidence: (&verdict.evidence).into(),
        action: Action::Reported,
        destination: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{Detector, Probabilities};
    use crate::imap::FetchedMessage;
    use crate::report::seal::ReportKey;

    fn ham() -> Vec<u8> {
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/eml/ham_en_colleague_video_call.eml"))
            .expect("fixture")
    }

    fn cursor(uidvalidity: u32, uid_next: u32) -> JunkCursor {
        JunkCursor { uidvalidity, uid_next }
    }

    #[test]
    fn the_junk_cursor_starts_at_uidnext_and_again_under_a_new_uidvalidity() {
        assert_eq!(plan_junk(None, cursor(5, 40)), JunkLook::Start(cursor(5, 40)), "first look: no report");
        assert_eq!(plan_junk(Some(cursor(5, 40)), cursor(5, 40)), JunkLook::Nothing);
        assert_eq!(
            plan_junk(Some(cursor(5, 40)), cursor(5, 43)),
            JunkLook::Read { first: 40, to: cursor(5, 43) }
        );
        assert_eq!(plan_junk(Some(cursor(5, 40)), cursor(6, 3)), JunkLook::Start(cursor(6, 3)), "renumbered");
        assert_eq!(plan_junk(Some(cursor(5, 40)), cursor(5, 12)), JunkLook::Nothing, "never backwards");
    }

    #[test]
    fn junk_is_read_in_windows_covering_every_new_uid_once() {
        assert_eq!(junk_windows(40, 43), [(40, 42)]);
        assert!(junk_windows(40, 40).is_empty());
        let windows = junk_windows(1, 1201);
        assert_eq!(windows, [(1, 500), (501, 1000), (1001, 1200)]);
        assert_eq!(junk_windows(0, 2), [(1, 1)], "UIDs start at 1");
        assert_eq!(junk_windows(u32::MAX - 1, u32::MAX), [(u32::MAX - 1, u32::MAX - 1)]);
    }

    #[test]
    fn only_what_scamguard_did_not_send_to_junk_is_a_report() {
        let arrived = [(7, "<moved@x>".to_string()), (8, "<dragged@x>".into()), (9, "sha256:ab".into())];
        let digests = |d: &[&str]| d.iter().map(|d| d.to_string()).collect::<HashSet<String>>();
        let sent: SentToJunk = [("<moved@x>".to_string(), digests(&["d1"]))].into_iter().collect();
        // A key scamguard sent is read too: the content tells its move from a reuse.
        assert_eq!(to_read_among(&arrived, &sent), [7, 8, 9]);
        assert!(is_ours("<moved@x>", "d1", &sent), "its own move");
        assert!(!is_ours("<moved@x>", "d2", &sent), "a scammer's mail reusing the Message-ID");
        assert!(!is_ours("<dragged@x>", "d1", &sent));
        // A row from before digests were kept matches by key alone, unread.
        let legacy: SentToJunk = [("<moved@x>".to_string(), digests(&["", "d1"]))].into_iter().collect();
        assert_eq!(to_read_among(&arrived, &legacy), [8, 9]);
        assert!(is_ours("<moved@x>", "d9", &legacy));
    }

    #[test]
    fn a_report_is_a_threat_of_the_likeliest_unwanted_kind() {
        let raw = ham();
        let fetched = FetchedMessage { uid: 12, size: raw.len() as u32, raw, arrived: None };
        let classified = super::super::batch::classify_all(
            vec![fetched, FetchedMessage { uid: 13, size: 0, raw: Vec::new(), arrived: None }],
            &Detector::default(),
            &ReportKey::new(vec![1; 32]),
        );
        let ham = classified.first().expect("read");
        assert!(
            ham.verdict.as_ref().is_ok_and(|v| v.label == Label::Clean),
            "a clean mail the user disagrees with"
        );
        let row = report_row("a", "Junk", 3, ham).expect("a row");
        assert_eq!((row.folder.as_str(), row.uid, row.uidvalidity), ("Junk", 12, 3));
        assert_eq!((row.verdict, row.action), (store::Verdict::Threat, Action::Reported));
        assert_eq!(row.category, likeliest_unwanted(ham.verdict.as_ref().expect("verdict")));
        assert!(report_row("a", "Junk", 3, classified.get(1).expect("unreadable")).is_none());

        let leaning = |extortion, phishing, other| Verdict {
            score: 0.1,
            label: Label::Clean,
            category: Category::Other,
            probabilities: Probabilities { ham: 0.9, extortion, phishing, other },
            signals: Vec::new(),
            evidence: Default::default(),
        };
        assert_eq!(likeliest_unwanted(&leaning(0.01, 0.05, 0.04)), Category::Phishing);
        assert_eq!(likeliest_unwanted(&leaning(0.05, 0.01, 0.04)), Category::Extortion);
        assert_eq!(likeliest_unwanted(&leaning(0.01, 0.02, 0.07)), Category::Other);
        assert_eq!(
            likeliest_unwanted(&leaning(0.05, 0.01, 0.05)),
            Category::Extortion,
            "a tie is the named kind's"
        );
        assert_eq!(
            likeliest_unwanted(&leaning(0.01, 0.05, 0.05)),
            Category::Phishing,
            "a tie is the named kind's"
        );
        let malware = Verdict { label: Label::Threat, category: Category::Malware, ..leaning(0.0, 0.1, 0.0) };
        assert_eq!(likeliest_unwanted(&malware), Category::Malware, "the verdict's own kind when it has one");
    }

    #[tokio::test]
    async fn feedback_is_recorded_and_a_release_only_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("t.db")).await.expect("opens");
        let moved = NewDetection {
            account: "a".into(),
            folder: "INBOX".into(),
            message_key: "<m@x>".into(),
            digest: "d".into(),
            action: Action::Moved,
            ..NewDetection::default()
        };
        let ids = store.record_batch("a", std::slice::from_ref(&moved), 1, "d", 1).await.expect("record");
        let id = *ids.first().expect("one");
        let release = Record::Release { id, action: Action::Released, folder: "INBOX".into() };
        assert_eq!(release.kind(), Feedback::Released);
        assert!(give(&store, "a", Some(&Detector::default()), b"raw", release.clone()).await.expect("given"));
        assert!(
            !give(&store, "a", Some(&Detector::default()), b"raw", release).await.expect("given"),
            "recorded once"
        );
        let report = Record::Report(Box::new(NewDetection {
            folder: "Junk".into(),
            uid: 4,
            action: Action::Reported,
            ..moved
        }));
        assert_eq!(report.kind(), Feedback::Reported);
        assert!(give(&store, "a", Some(&Detector::default()), b"raw", report).await.expect("given"));
        let actions: Vec<Action> = store
            .history(&Default::default())
            .await
            .expect("history")
            .into_iter()
            .map(|d| d.action)
            .collect();
        assert_eq!(actions, [Action::Reported, Action::Released]);
    }

    /// A release given twice (the same mail seen back out of Junk on two passes) is
    /// learned from once: the second is neither recorded nor learned.
    #[tokio::test]
    async fn a_release_already_recorded_is_not_learned_from_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("t.db")).await.expect("opens");
        let moved = NewDetection { account: "a".into(), action: Action::Moved, ..NewDetection::default() };
        let ids = store.record_batch("a", std::slice::from_ref(&moved), 1, "d", 1).await.expect("record");
        let release = Record::Release {
            id: *ids.first().expect("one"),
            action: Action::Released,
            folder: "INBOX".into(),
        };
        let (detector, raw) = (Detector::default(), ham());
        assert!(give(&store, "a", Some(&detector), &raw, release.clone()).await.expect("given"));
        let learned = store.personal_generation("a").await.expect("reads");
        assert!(learned > 0, "the release was learned from");
        assert!(!give(&store, "a", Some(&detector), &raw, release).await.expect("given"));
        assert_eq!(store.personal_generation("a").await.expect("reads"), learned, "not learned from again");
    }
}
