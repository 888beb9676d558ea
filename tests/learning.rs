//! An account's learning against a real Dovecot: `learn --account` starts it from the
//! scams in Junk and the mail in INBOX without marking anything read; the next run moves a
//! near-copy of a Junk scam that the global model alone lets through; `--reset` forgets.

use scamguard::config::Config;
use scamguard::detect::{Detector, Label, classify};

use super::service::{contents, load, mailbox, run_once};
use super::support::dovecot::{Dovecot, Options};
use super::support::scamguard;

/// The body of a blackmail letter with no wallet, amount or link: nothing the rules hold
/// strongly, so the global model does not move it.
const LETTER: &str = "I know about the secret you are keeping from your family. I have the recordings \
    from your camera and the list of all your contacts. If you want this to stay between us, you will \
    follow my instructions carefully and you will not tell anybody about this letter. Answer this mail \
    today and I will tell you what to do next, then I delete everything from my servers for good.";

fn letter(from: &str, name: &str, id: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: user@home.example\r\nSubject: About you, {name}\r\nMessage-ID: <{id}>\r\n\
         Date: Sat, 28 Nov 2026 08:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Hello {name},\r\n{LETTER}\r\n"
    )
    .into_bytes()
}

fn note(id: &str) -> Vec<u8> {
    format!(
        "From: Anna <anna@friends.example>\r\nTo: user@home.example\r\nSubject: Saturday\r\n\
         Message-ID: <{id}>\r\nDate: Sat, 28 Nov 2026 09:00:00 +0000\r\n\r\n\
         Are you still coming on Saturday? Bring the blue blanket, we will sit in the garden if it is dry.\r\n"
    )
    .into_bytes()
}

/// Runs `scamguard learn` with `args`; its output, after asserting it succeeded.
pub fn learn(config: &std::path::Path, args: &[&str]) -> String {
    let output = scamguard().arg("learn").arg("--config").arg(config).args(args).output().expect("runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{text}{}", String::from_utf8_lossy(&output.stderr));
    text
}

/// The user, with another client, moves everything in `from` to `to`.
async fn move_all(session: &mut scamguard::imap::ImapSession, from: &str, to: &str) {
    let status = session.select(from).await.expect("select");
    let uids = session.uids_after(0, status).await.expect("uids");
    session.move_to(&uids, to).await.expect("the user's move");
}

/// How many rows history holds with action `reported`.
async fn reported(config: &Config) -> usize {
    let store = scamguard::store::Store::open_unlocked(&config.database).await.expect("store");
    let filter = scamguard::store::HistoryFilter {
        action: Some(scamguard::store::Action::Reported),
        ..Default::default()
    };
    store.history(&filter).await.expect("history").len()
}

async fn deliver(config: &Config, raw: &[u8]) {
    mailbox(config).await.append("INBOX", None, raw).await.expect("append");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_near_copy_of_a_junk_scam_is_moved_after_learn_and_not_after_reset() {
    let dovecot = Dovecot::start(Options::default());
    let path = dovecot.write_config("");
    let config = load(&path);
    let reported = letter("x@stranger.example", "John", "1@stranger.example");
    let copy = letter("y@elsewhere.example", "Mary", "2@elsewhere.example");
    let global =
        |raw: &[u8]| classify(&scamguard::mail::parse(raw).expect("parses"), &Detector::default()).label;
    assert_ne!(global(&copy), Label::Threat, "the global model must let the copy through for this test");

    let mut session = mailbox(&config).await;
    session.create("Junk").await.expect("create Junk");
    session.append("Junk", None, &reported).await.expect("append");
    session.append("INBOX", None, &note("n1@friends.example")).await.expect("append");
    let printed = learn(&path, &["--account", "test", "--limit", "50"]);
    assert!(printed.contains("learned from 1 mails in Junk (unwanted) and 1 in INBOX"), "{printed}");
    // Learning reads with BODY.PEEK: nothing it read is marked seen.
    for folder in ["Junk", "INBOX"] {
        let flags = contents(&mut session, folder).await;
        assert!(flags.values().all(|f| !f.iter().any(|f| f == "\\Seen")), "{folder}: {flags:?}");
    }

    // The copy, with another sender, greeting, name and Message-ID, is moved; the note stays.
    deliver(&config, &copy).await;
    assert!(run_once(&config).await.failures.is_empty());
    let inbox = contents(&mut session, "INBOX").await;
    assert!(!inbox.contains_key("2@elsewhere.example"), "the near-copy was moved: {inbox:?}");
    assert!(inbox.contains_key("n1@friends.example"), "{inbox:?}");
    assert!(contents(&mut session, "Junk").await.contains_key("2@elsewhere.example"));

    // After a reset, the next copy is the global model's alone again: it stays.
    let printed = learn(&path, &["--account", "test", "--reset"]);
    assert!(printed.contains("and 2 near-copy digests"), "{printed}");
    deliver(&config, &letter("z@third.example", "Paul", "3@third.example")).await;
    assert!(run_once(&config).await.failures.is_empty());
    assert!(contents(&mut session, "INBOX").await.contains_key("3@third.example"), "forgotten");
}

#[test]
fn learn_names_an_account_the_configuration_lacks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("c.toml");
    std::fs::write(&path, "").expect("config");
    let output =
        scamguard().args(["learn", "--account", "nobody", "--config"]).arg(&path).output().expect("runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no account named"), "{output:?}");
}

/// The whole loop in the mailbox, with another IMAP client as the user: a blackmail
/// letter the global model lets through is dragged into Junk (reported); a near-copy of it
/// delivered later, from another sender with another greeting and Message-ID, is moved.
/// Ham delivered beside it stays.
#[tokio::test(flavor = "multi_thread")]
async fn a_missed_scam_dropped_into_junk_is_reported_and_its_near_copy_is_moved() {
    let dovecot = Dovecot::start(Options::default());
    let path = dovecot.write_config("");
    let config = load(&path);
    let first = letter("x@stranger.example", "John", "1@stranger.example");
    let copy = letter("y@elsewhere.example", "Mary", "2@elsewhere.example");
    let global =
        |raw: &[u8]| classify(&scamguard::mail::parse(raw).expect("parses"), &Detector::default()).label;
    assert_ne!(global(&copy), Label::Threat, "the global model must let the copy through for this test");

    deliver(&config, &first).await;
    assert!(run_once(&config).await.failures.is_empty());
    let mut session = mailbox(&config).await;
    assert!(contents(&mut session, "INBOX").await.contains_key("1@stranger.example"), "missed at first");

    // The user drags it into Junk; the next pass records the report and learns from it.
    move_all(&mut session, "INBOX", "Junk").await;
    assert!(run_once(&config).await.failures.is_empty());
    assert_eq!(reported(&config).await, 1, "reported");
    let store = scamguard::store::Store::open_unlocked(&config.database).await.expect("store");

    deliver(&config, &copy).await;
    deliver(&config, &note("n2@friends.example")).await;
    assert!(run_once(&config).await.failures.is_empty());
    let inbox = contents(&mut session, "INBOX").await;
    assert!(!inbox.contains_key("2@elsewhere.example"), "the near-copy was moved: {inbox:?}");
    assert!(inbox.contains_key("n2@friends.example"), "{inbox:?}");
    let shown = scamguard::report::detection_text(
        &store
            .history(&Default::default())
            .await
            .expect("history")
            .into_iter()
            .find(|d| d.message_id == "2@elsewhere.example")
            .expect("recorded"),
    );
    assert!(shown.contains("learned_from_feedback"), "the verdict says it was learned: {shown}");

    // `explain --account` judges a file as the account would, its learning included.
    let file = path.with_file_name("another-copy.eml");
    std::fs::write(&file, letter("z@third.example", "Ann", "3@third.example")).expect("write");
    let explain = |account: bool| {
        let mut command = scamguard();
        command.arg("explain").arg("--config").arg(&path);
        if account {
            command.args(["--account", "test"]);
        }
        let output = command.arg(&file).output().expect("explain runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert!(explain(true).contains("learned_from_feedback"), "{}", explain(true));
    assert!(!explain(false).contains("learned_from_feedback"), "without an account, the global model alone");
}

/// A mail from acct-check.example, signed by it.
fn from_acct_check(id: &str, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "Authentication-Results: mx.home.example; dkim=pass header.d=acct-check.example\r\n\
         From: Account Security <alert@acct-check.example>\r\nTo: user@home.example\r\n\
         Subject: {subject}\r\nMessage-ID: <{id}>\r\nDate: Sat, 28 Nov 2026 07:00:00 +0000\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

/// A phish from its sender's own (signed) domain that the global model moves.
fn phish(name: &str, id: &str) -> Vec<u8> {
    let body = format!(
        "Dear {name},\r\nyour account has been suspended due to unusual sign-in activity. Log in within \
         24 hours to verify your identity and avoid permanent closure of your mailbox and all its \
         messages: https://acct-check.example/login/verify Enter your password and card number to \
         confirm that you are the owner. Thank you for helping us keep your account safe."
    );
    from_acct_check(id, "Your mailbox will be closed", &body)
}

/// A clean mail from the phish's own (signed) domain: a scammer's warm-up.
fn warm_up(id: &str) -> Vec<u8> {
    let body =
        "Are you still coming on Saturday? Bring the blue blanket, we will sit in the garden if it is dry.";
    from_acct_check(id, "Saturday", body)
}

#[tokio::test(flavor = "multi_thread")]
async fn learn_does_not_take_a_scam_waiting_in_inbox_for_wanted_mail() {
    let dovecot = Dovecot::start(Options::default());
    let path = dovecot.write_config("");
    let config = load(&path);
    let global =
        |raw: &[u8]| classify(&scamguard::mail::parse(raw).expect("parses"), &Detector::default()).label;
    assert_eq!(global(&phish("Mary", "p2@x.example")), Label::Threat, "the global model moves it");

    // The phish arrived before scamguard first ran; `learn` starts the account warm.
    let mut session = mailbox(&config).await;
    session.create("Junk").await.expect("create Junk");
    session.append("INBOX", None, &phish("John", "p1@x.example")).await.expect("append");
    session.append("INBOX", None, &note("n1@friends.example")).await.expect("append");
    // A harmless first mail from the phish's own signed domain is learned as wanted, but
    // earns that domain none of the credit a release gives.
    assert_eq!(global(&warm_up("w1@x.example")), Label::Clean, "learned as ham");
    session.append("INBOX", None, &warm_up("w1@x.example")).await.expect("append");
    let printed = learn(&path, &["--account", "test"]);
    assert!(printed.contains("and 2 in INBOX (wanted)"), "{printed}");
    assert!(printed.contains("1 mails in INBOX the model does not find clean were left out"), "{printed}");

    // Its next copy is still moved: mail merely sitting in INBOX is no sign it is wanted.
    deliver(&config, &phish("Mary", "p2@x.example")).await;
    assert!(run_once(&config).await.failures.is_empty());
    let inbox = contents(&mut session, "INBOX").await;
    assert!(!inbox.contains_key("p2@x.example"), "the phish's copy stayed: {inbox:?}");
    assert!(inbox.contains_key("n1@friends.example") && inbox.contains_key("w1@x.example"), "{inbox:?}");
}

/// `learn` reads read-only (EXAMINE): the mail it learned from is still new (`\Recent`)
/// to the user's own client, which opens the folder after it.
#[tokio::test(flavor = "multi_thread")]
async fn learn_leaves_the_mail_it_read_new_to_the_users_client() {
    let dovecot = Dovecot::start(Options::default());
    let path = dovecot.write_config("");
    let config = load(&path);
    deliver(&config, &note("recent@friends.example")).await;
    learn(&path, &["--account", "test"]);
    let mut session = mailbox(&config).await;
    let inbox = contents(&mut session, "INBOX").await;
    let flags = inbox.get("recent@friends.example").expect("still in INBOX");
    assert!(flags.iter().any(|f| f == "\\Recent"), "learn took the mail's \\Recent: {flags:?}");
}

/// The user drags a friend's note into Junk by mistake (a report) and straight back: the
/// way back is a release (the report taken back), the note stays in INBOX, and so does
/// her next note of the same text. Before, only mail scamguard moved could be released,
/// and the report's own digest moved both to Junk.
#[tokio::test(flavor = "multi_thread")]
async fn a_mail_dragged_into_junk_by_mistake_and_back_stays_in_inbox() {
    let dovecot = Dovecot::start(Options::default());
    let path = dovecot.write_config("");
    let config = load(&path);
    deliver(&config, &note("n1@friends.example")).await;
    assert!(run_once(&config).await.failures.is_empty());
    let mut session = mailbox(&config).await;

    move_all(&mut session, "INBOX", "Junk").await;
    assert!(run_once(&config).await.failures.is_empty());
    move_all(&mut session, "Junk", "INBOX").await;
    assert!(run_once(&config).await.failures.is_empty());
    assert!(run_once(&config).await.failures.is_empty());
    let inbox = contents(&mut session, "INBOX").await;
    assert!(inbox.contains_key("n1@friends.example"), "moved again by its own report: {inbox:?}");
    let store = scamguard::store::Store::open_unlocked(&config.database).await.expect("store");
    let actions: Vec<_> =
        store.history(&Default::default()).await.expect("history").into_iter().map(|d| d.action).collect();
    assert_eq!(actions, [scamguard::store::Action::Released], "one row, the report taken back");
    // The report's digest is gone with it: the friend's next note of the same text stays.
    deliver(&config, &note("n2@friends.example")).await;
    assert!(run_once(&config).await.failures.is_empty());
    let inbox = contents(&mut session, "INBOX").await;
    assert!(inbox.contains_key("n2@friends.example"), "moved by the report taken back: {inbox:?}");
}

/// A scammer reuses the Message-ID of their own mail that scamguard moved for every later
/// variant. The variant the model misses, dragged into Junk by the user, must still be a
/// report: a Junk arrival with a key scamguard sent there is read whole and is its own
/// move only when a moved row has its content digest.
#[tokio::test(flavor = "multi_thread")]
async fn a_report_of_mail_reusing_a_moved_message_id_is_still_a_report() {
    let dovecot = Dovecot::start(Options::default());
    let path = dovecot.write_config("");
    let config = load(&path);
    deliver(&config, &phish("John", "same@x.example")).await;
    assert!(run_once(&config).await.failures.is_empty());
    let mut session = mailbox(&config).await;
    assert!(contents(&mut session, "Junk").await.contains_key("same@x.example"), "moved");

    deliver(&config, &letter("x@stranger.example", "Mary", "same@x.example")).await;
    assert!(run_once(&config).await.failures.is_empty());
    assert!(contents(&mut session, "INBOX").await.contains_key("same@x.example"), "missed");
    move_all(&mut session, "INBOX", "Junk").await;
    assert!(run_once(&config).await.failures.is_empty());
    assert_eq!(reported(&config).await, 1, "the user's report was dropped");
}
