//! The commands that name an account, on an account stored with `scamguard accounts add`
//! and absent from the configuration, against a real Dovecot, on SQLite and PostgreSQL:
//! `learn`, `explain --account`, `restore`, `trust`, `block`, `check`, `report` and the
//! review page's lists and report use it as they use a configured one; an unknown name is told the names there are, and a
//! disabled account is said to be disabled.

use std::path::Path;

use scamguard::app;
use scamguard::config::parse_stored_account;
use scamguard::store::{Action, Store};

use super::postgres::on_both_backends;
use super::senders::cli;
use super::service::{HAM, THREATS, append_all, contents, fixture, history, ids, load, run_once};
use super::support::dovecot::{Dovecot, Options, user};
use super::web::Serve;

/// Runs `scamguard` with `args` and `--config`; its stdout, after asserting it succeeded.
fn ok(config: &Path, args: &[&str]) -> String {
    let (ok, said) = cli(config, args);
    assert!(ok, "{args:?}: {said}");
    said
}

/// Dovecot's first extra user as a stored account's settings (paths absolute).
fn settings(dovecot: &Dovecot) -> String {
    let dir = dovecot.dir().display();
    format!(
        "name = \"{u}\"\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"implicit\"\nusername = \"{u}\"\n\
         password_file = \"{dir}/password.txt\"\nca_file = \"{dir}/cert.pem\"\ninitial_scan = \"all\"\n\
         command_timeout = 10\n",
        u = user(0),
        port = dovecot.imaps_port
    )
}

on_both_backends! {
    /// A stored account is named by every command as a configured one is.
    async fn commands_that_name_an_account_use_a_stored_one(backend) {
        let dovecot = Dovecot::start(Options { users: 1, ..Options::default() });
        let path = dovecot.write_config("");
        let _database = backend.configure(&path);
        let config = load(&path);
        let stored = user(0);
        let file = dovecot.dir().join("stored.toml");
        std::fs::write(&file, settings(&dovecot)).expect("settings");
        ok(&path, &["accounts", "add", file.to_str().expect("UTF-8 path")]);
        assert!(config.accounts.iter().all(|a| a.name != stored), "not in the configuration");

        // Its scams are moved by `run` (which knew stored accounts already).
        let account = parse_stored_account(&settings(&dovecot)).expect("valid");
        let mut session = scamguard::imap::connect(&account).await.expect("login");
        append_all(&mut session, "INBOX", &THREATS).await;
        append_all(&mut session, "INBOX", &HAM).await;
        assert!(run_once(&config).await.failures.is_empty());
        assert_eq!(contents(&mut session, "Junk").await.into_keys().collect::<Vec<_>>(), ids(&THREATS));

        // learn: from its Junk and INBOX, into the shared database.
        let learned = ok(&path, &["learn", "--account", &stored, "--limit", "50"]);
        assert!(learned.contains(&format!("{stored}: learned from 3 mails in Junk")), "{learned}");
        let store = Store::open_unlocked_at(&app::database(&config)).await.expect("store");
        assert!(store.personal_generation(&stored).await.expect("generation") > 0, "learned");
        store.close().await;

        // explain --account: as this account judges, its learning included.
        let mail = dovecot.dir().join("scam.eml");
        std::fs::write(&mail, fixture(THREATS[0])).expect("write");
        let mail = mail.to_str().expect("UTF-8 path");
        let explained = ok(&path, &["explain", "--account", &stored, mail]);
        assert!(explained.contains("learned_from_feedback"), "{explained}");

        // restore: the account of a detection is found in the database.
        let moved = history(&config).await.into_iter().find(|d| d.account == stored && d.action == Action::Moved);
        let id = moved.expect("a moved row").id.to_string();
        let restored = ok(&path, &["restore", &id]);
        assert!(restored.contains(&format!("restored #{id} to INBOX")), "{restored}");

        // trust and block: added and listed.
        ok(&path, &["trust", "add", "--account", &stored, "friend@partner.example"]);
        ok(&path, &["block", "add", "--account", &stored, "corp.example"]);
        let trusted = ok(&path, &["trust", "list", "--account", &stored]);
        assert!(trusted.starts_with("friend@partner.example  added "), "{trusted}");
        let blocked = ok(&path, &["block", "list", "--account", &stored]);
        assert!(blocked.starts_with("corp.example  added "), "{blocked}");

        // check: logs in to the configured and the stored account.
        let checked = ok(&path, &["check"]);
        let port = dovecot.imaps_port;
        assert!(checked.contains(&format!("account {stored} ({stored}@127.0.0.1:{port}")), "{checked}");
        assert!(checked.contains("account test ("), "{checked}");
        assert_eq!(checked.matches("  logged in; capabilities").count(), 2, "{checked}");
        assert!(checked.contains("trust list: friend@partner.example"), "{checked}");

        // report --account: its week so far.
        let report = ok(&path, &["report", "--account", &stored, "--since", "1d", "--format", "json"]);
        let report: serde_json::Value = serde_json::from_str(&report).expect("JSON");
        assert_eq!((report["account"].as_str(), report["threats"].as_i64()), (Some(stored.as_str()), Some(3)));

        // The review page lists its senders and report, and takes an entry off its lists.
        let serve = Serve::start(&path);
        let cookie = serve.session();
        let lists = serve.request("GET", "/senders", &[("Cookie", &cookie)], "");
        assert!(lists.body.contains("friend@partner.example") && lists.body.contains("corp.example"), "{}", lists.body);
        let report = serve.request("GET", &format!("/report?account={stored}"), &[("Cookie", &cookie)], "");
        assert_eq!(report.status, 200, "{}", report.body);
        let csrf = lists.body.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next());
        let form = format!("account={stored}&entry=corp.example&csrf={}", csrf.expect("the CSRF token"));
        let form_type = ("Content-Type", "application/x-www-form-urlencoded");
        let removed = serve.request("POST", "/senders/remove", &[("Cookie", &cookie), form_type], &form);
        assert!(removed.body.contains("Removed: corp.example"), "{}", removed.body);
        drop(serve);

        // An unknown name is told the names there are.
        let (found, said) = cli(&path, &["block", "list", "--account", "nobody"]);
        assert!(!found && said.contains("no account named \"nobody\""), "{said}");
        assert!(said.contains(&format!("(known: test, {stored})")), "{said}");

        // A disabled one is said to be disabled, and is not checked.
        ok(&path, &["accounts", "disable", &stored]);
        let (found, said) = cli(&path, &["trust", "list", "--account", &stored]);
        assert!(!found && said.contains("is stored in the database but disabled"), "{said}");
        let (found, said) = cli(&path, &["learn", "--account", &stored]);
        assert!(!found && said.contains("but disabled"), "{said}");
        assert!(!ok(&path, &["check"]).contains(&format!("account {stored}")), "a disabled account is not checked");
    }
}

/// `accounts add` stores the keys of the file it reads, not its comments: a row is read by
/// every worker and kept in every backup, so a password left in a comment must not go with
/// it. A name with control characters is refused, and not echoed raw.
#[tokio::test]
async fn accounts_add_stores_no_comment_and_refuses_a_name_with_control_characters() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[database]\npath = \"sg.db\"\nstored_secrets = [\"env:B_\"]\n").expect("config");
    let file = dir.path().join("b.toml");
    let account = "name = \"b\"\nhost = \"imap.example.net\"\ntls = \"implicit\"\nusername = \"b\"\n\
                   password_env = \"B_PASSWORD\" # it was hunter2\n";
    std::fs::write(&file, format!("# from config.toml: password = \"hunter2\"\n{account}"))
        .expect("settings");
    ok(&config, &["accounts", "add", file.to_str().expect("UTF-8 path")]);
    let store = Store::open_unlocked(&dir.path().join("sg.db")).await.expect("store");
    let stored = store.stored_accounts().await.expect("stored");
    store.close().await;
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].settings.contains("hunter2"), "{}", stored[0].settings);
    assert!(parse_stored_account(&stored[0].settings).is_ok(), "{}", stored[0].settings);

    std::fs::write(&file, account.replace("\"b\"", "\"evil\\u001b[2J\"")).expect("settings");
    let (added, said) = cli(&config, &["accounts", "add", file.to_str().expect("UTF-8 path")]);
    assert!(!added && said.contains("control characters") && !said.contains('\u{1b}'), "{said}");

    // A row may name only the secrets this configuration lists ([database] stored_secrets):
    // not the worker's own database password.
    std::fs::write(&file, account.replace("\"b\"", "\"c\"").replace("B_PASSWORD", "PGPASSWORD"))
        .expect("settings");
    let (added, said) = cli(&config, &["accounts", "add", file.to_str().expect("UTF-8 path")]);
    assert!(!added && said.contains("PGPASSWORD") && said.contains("stored_secrets"), "{said}");
}
