//! Known correspondents against a real Dovecot: the user's Sent folder (SPECIAL-USE
//! `\Sent`) says whom they wrote to; an authenticated mail from such a person that trips
//! the rules stays in INBOX, while the same mail without authentication, and a spoof of the
//! user's own address, are moved. Sent is read incrementally, headers only, and nothing
//! in it is marked seen; a Sent folder the server refuses costs a pass nothing. The server
//! must vouch for the mailbox: another user of the correspondent's domain writing their
//! From gets no credit.

use scamguard::config::Config;
use scamguard::imap::ImapSession;
use scamguard::store::Store;

use super::service::{Service, contents, fixture, history, load, mailbox, message_id, run_once, wait_until};
use super::support::dovecot::{Dovecot, Options};
use super::support::proxy::{Fault, Proxy, Rule};
use super::support::scamguard;

/// The receiving server, as the account is told to believe it.
const AUTHSERV: &str = "mx.home.example";

/// The seed scam's trick: "from" the user's own address, unauthenticated.
const SELF_SPOOF: &str = "en_extortion_split_wallet_self_sent.eml";
const USER_ADDRESS: &str = "victim@home.example";

/// A message the user sent (as their client files it in Sent) to `to`.
fn sent_to(to: &str, n: u32) -> Vec<u8> {
    format!(
        "From: Victim <{USER_ADDRESS}>\r\nTo: {to}\r\nSubject: hello {n}\r\n\
         Date: Fri, 27 Nov 2026 10:00:00 +0000\r\nMessage-ID: <sent-{n}@home.example>\r\n\r\nSee you soon.\r\n"
    )
    .into_bytes()
}

/// Bob's mail that reads like phishing (a suspended account, a login on an IP address, a
/// deadline), with the receiving server's verdict on it in `authentication` (empty: none).
fn from_bob(authentication: &str, id: &str) -> Vec<u8> {
    format!(
        "{authentication}From: Bob <bob@friends.example>\r\nTo: {USER_ADDRESS}\r\n\
         Subject: Urgent: verify your account\r\nDate: Sat, 28 Nov 2026 09:00:00 +0000\r\n\
         Message-ID: <{id}@friends.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Dear user, your account has been suspended due to unusual sign-in activity.\r\n\
         Log in within 24 hours to verify your identity and avoid permanent closure:\r\n\
         http://192.168.10.20/login\r\nEnter your password and card number to confirm.\r\n"
    )
    .into_bytes()
}

/// The receiving server vouches for Bob's mailbox: his own envelope sender passed SPF.
fn vouched() -> String {
    format!(
        "Authentication-Results: {AUTHSERV}; dkim=pass header.d=friends.example; spf=pass smtp.mailfrom=bob@friends.example\r\n"
    )
}

async fn start() -> (Dovecot, Config, ImapSession) {
    let dovecot = Dovecot::start(Options { sent: true, ..Options::default() });
    let config = load(&dovecot.write_config(&format!("authserv_id = \"{AUTHSERV}\"\n")));
    let session = mailbox(&config).await;
    (dovecot, config, session)
}

/// Waits up to 20 s for the message `id` to be in Junk.
async fn moved_to_junk(session: &mut ImapSession, id: &str) -> bool {
    for _ in 0..400 {
        if contents(session, "Junk").await.contains_key(id) {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

/// Delivers `mails` to INBOX, runs one pass, and says which Message-IDs stayed in INBOX
/// and which were moved to Junk (sorted).
async fn deliver_and_pass(
    config: &Config,
    session: &mut ImapSession,
    mails: &[Vec<u8>],
) -> (Vec<String>, Vec<String>) {
    for mail in mails {
        session.append("INBOX", None, mail).await.expect("append");
    }
    let report = run_once(config).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let mut inbox: Vec<String> = contents(session, "INBOX").await.into_keys().collect();
    let mut junk: Vec<String> = contents(session, "Junk").await.into_keys().collect();
    inbox.sort();
    junk.sort();
    (inbox, junk)
}

/// Whether any message in Sent carries `\Seen`.
async fn seen_in_sent(session: &mut ImapSession) -> bool {
    contents(session, "Sent").await.values().flatten().any(|flag| flag == "\\Seen")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_authenticated_correspondent_stays_and_spoofs_of_them_or_of_the_user_are_moved() {
    let (_dovecot, config, mut session) = start().await;
    // The user wrote to Bob, and once to themselves (their own address is in Sent's To).
    session.append("Sent", None, &sent_to("Bob <Bob@Friends.example>", 1)).await.expect("append");
    session.append("Sent", None, &sent_to(USER_ADDRESS, 2)).await.expect("append");
    let authenticated = from_bob(&vouched(), "vouched");
    let failed = "Authentication-Results: mx.home.example; dkim=fail header.d=friends.example; spf=fail smtp.mailfrom=friends.example\r\n";
    // A pass written above the account's server's fail by a server it does not believe.
    let forged = format!(
        "Authentication-Results: relay.elsewhere.example; dkim=pass header.d=friends.example; spf=pass smtp.mailfrom=bob@friends.example\r\n{failed}"
    );
    let mails = [
        authenticated.clone(),
        from_bob("", "bare"),
        from_bob(failed, "failed"),
        from_bob(&forged, "forged"),
        fixture(SELF_SPOOF),
    ];
    let (inbox, moved) = deliver_and_pass(&config, &mut session, &mails).await;
    assert_eq!(inbox, [message_id(&authenticated)], "only Bob's own mail stays");
    let mut expected = vec![
        "bare@friends.example".to_string(),
        "failed@friends.example".into(),
        "forged@friends.example".into(),
        message_id(&fixture(SELF_SPOOF)),
    ];
    expected.sort();
    assert_eq!(moved, expected, "unauthenticated Bob and the spoof of the user's own address are moved");
    assert!(!seen_in_sent(&mut session).await, "Sent is read with BODY.PEEK");
    assert!(history(&config).await.iter().all(|row| row.message_id != "vouched@friends.example"));
}

#[tokio::test(flavor = "multi_thread")]
async fn another_user_of_a_correspondents_domain_writing_their_address_gets_no_credit() {
    let (_dovecot, config, mut session) = start().await;
    session.append("Sent", None, &sent_to("bob@friends.example", 1)).await.expect("append");
    // Eve, on Bob's servers, writes From: Bob. The server's passes are for the domain
    // (its signature, Eve's own envelope) and say nothing of Bob's mailbox.
    let neighbour = format!(
        "Authentication-Results: {AUTHSERV}; dkim=pass header.d=friends.example; spf=pass smtp.mailfrom=eve@friends.example\r\n"
    );
    let domain_only = format!("Authentication-Results: {AUTHSERV}; dkim=pass header.d=friends.example\r\n");
    let bob = from_bob(&vouched(), "vouched");
    let mails = [from_bob(&neighbour, "neighbour"), from_bob(&domain_only, "domain-only"), bob.clone()];
    let (inbox, moved) = deliver_and_pass(&config, &mut session, &mails).await;
    assert_eq!(inbox, [message_id(&bob)], "only Bob's vouched mailbox stays");
    assert_eq!(moved, ["domain-only@friends.example", "neighbour@friends.example"]);
    let rows = history(&config).await;
    let neighbour_row =
        rows.iter().find(|row| row.message_id == "neighbour@friends.example").expect("recorded");
    assert!(
        neighbour_row.signals.0.iter().all(|s| s.rule != "known_correspondent"),
        "{:?}",
        neighbour_row.signals
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn mail_sent_later_is_read_on_a_later_pass_of_the_running_service() {
    let (_dovecot, config, mut session) = start().await;
    session.append("Sent", None, &sent_to("carol@work.example", 1)).await.expect("append");
    let service = Service::start(&config).await;
    // Bob is no correspondent yet: his mail is moved.
    session.append("INBOX", None, &from_bob(&vouched(), "before")).await.expect("append");
    assert!(wait_until(&mut session, "Junk", 1).await, "a stranger's phishing-like mail is moved");

    // The user writes to Bob; his next mail comes while the service watches INBOX. The
    // self-spoof after it shows the pass that read Bob's mail is over.
    session.append("Sent", None, &sent_to("bob@friends.example", 2)).await.expect("append");
    let after = from_bob(&vouched(), "after");
    session.append("INBOX", None, &after).await.expect("append");
    session.append("INBOX", None, &fixture(SELF_SPOOF)).await.expect("append");
    assert!(moved_to_junk(&mut session, &message_id(&fixture(SELF_SPOOF))).await, "the spoof is moved");
    let report = service.stop().await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);

    let inbox = contents(&mut session, "INBOX").await;
    assert_eq!(inbox.keys().cloned().collect::<Vec<_>>(), [message_id(&after)], "Bob, now known, stays");
    assert!(!seen_in_sent(&mut session).await, "Sent is read with BODY.PEEK");
    let store = Store::open_unlocked(&config.database).await.expect("store");
    let mut known = store.correspondents("test").await.expect("known");
    known.sort();
    assert_eq!(known, ["bob@friends.example", "carol@work.example"]);
    let cursor = store.sent_cursor("test").await.expect("cursor").expect("Sent was read");
    assert_eq!(
        (cursor.folder.as_str(), cursor.last_uid, cursor.uid_next),
        ("Sent", 2, 3),
        "read up to the new message"
    );
    let config_path = config.database.with_file_name("scamguard.toml");
    let check = scamguard().arg("check").arg("--config").arg(&config_path).output().expect("check runs");
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(said.contains("known correspondents from: Sent (SPECIAL-USE \\Sent), 2 known"), "{said}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sent_folder_the_server_refuses_costs_the_pass_nothing_and_is_read_later() {
    let dovecot = Dovecot::start(Options { sent: true, ..Options::default() });
    let direct = load(&dovecot.write_config(&format!("authserv_id = \"{AUTHSERV}\"\n")));
    let mut session = mailbox(&direct).await;
    session.append("Sent", None, &sent_to("bob@friends.example", 1)).await.expect("append");
    session.append("INBOX", None, &fixture(SELF_SPOOF)).await.expect("append");
    let proxy = Proxy::start(dovecot.imap_port).await;
    let config = load(&proxy.write_config(&dovecot, &format!("authserv_id = \"{AUTHSERV}\"\n")));
    for refused in ["STATUS", "EXAMINE"] {
        proxy.add(Rule::once(refused, Fault::Answer("NO [UNAVAILABLE] try later")));
        let report = run_once(&config).await;
        assert!(report.failures.is_empty(), "{refused}: {:?}", report.failures);
        // Junk is looked at on the same pass (its STATUS, then EXAMINE once our move
        // filled it), so the command is seen at least once: the refused one is Sent's.
        assert!(proxy.seen(refused) >= 1, "{refused} was asked and refused");
    }
    assert_eq!(contents(&mut session, "Junk").await.len(), 1, "the pass went on: the spoof is moved");
    let store = Store::open_unlocked(&config.database).await.expect("store");
    assert!(store.correspondents("test").await.expect("known").is_empty(), "nothing read yet");

    let report = run_once(&config).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(store.correspondents("test").await.expect("known"), ["bob@friends.example"]);
    let authenticated = from_bob(&vouched(), "vouched");
    session.append("INBOX", None, &authenticated).await.expect("append");
    assert!(run_once(&config).await.failures.is_empty());
    assert!(contents(&mut session, "INBOX").await.contains_key(&message_id(&authenticated)));
}
