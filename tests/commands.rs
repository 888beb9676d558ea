//! The service commands as a user runs them: `run` (stopped by SIGTERM), `run --once`,
//! `check` and `history`, through the real binary against a real Dovecot.

use super::support::scamguard;
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::service::{THREATS, append_all, contents, load, mailbox, wait_until};
use super::support::dovecot::{Dovecot, Options, PASSWORD};

#[tokio::test(flavor = "multi_thread")]
async fn run_stops_cleanly_on_sigterm_and_never_logs_the_password() {
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("");
    let config = load(&config_path);
    let log_path = dovecot.dir().join("scamguard.log");
    let mut child = scamguard()
        .args(["run", "--config"])
        .arg(&config_path)
        .env("RUST_LOG", "trace")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).expect("log file"))
        .spawn()
        .expect("starts");
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS[..1]).await;
    assert!(wait_until(&mut session, "Junk", 1).await, "the running service moved the threat");

    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(Instant::now() < deadline, "scamguard did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "exit status {exit:?}");
    let log = std::fs::read_to_string(&log_path).expect("log");
    assert!(log.contains("threat found, moving it to Junk") && log.contains(" threats to Junk"), "{log}");
    let leaks: Vec<String> =
        log.lines().filter(|l| l.contains(PASSWORD)).map(|l| l.replace(PASSWORD, "<PASSWORD>")).collect();
    assert!(leaks.is_empty(), "the password must never be logged:\n{}", leaks.join("\n"));
    for file in ["scamguard.db", "scamguard.db-wal"] {
        let bytes = std::fs::read(dovecot.dir().join(file)).unwrap_or_default();
        assert!(!bytes.windows(PASSWORD.len()).any(|w| w == PASSWORD.as_bytes()), "{file} holds no password");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn run_once_then_history_lists_what_was_moved() {
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("");
    let config = load(&config_path);
    let mut session = mailbox(&config).await;
    append_all(&mut session, "INBOX", &THREATS).await;

    let run = scamguard().args(["run", "--once", "--config"]).arg(&config_path).output().expect("runs");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(contents(&mut session, "Junk").await.len(), 3);

    let history = scamguard().args(["history", "--config"]).arg(&config_path).output().expect("runs");
    let text = String::from_utf8_lossy(&history.stdout);
    assert!(history.status.success());
    assert!(text.contains("3 detections"), "{text}");
    assert!(text.contains("moved") && text.contains("test/INBOX → Junk"), "{text}");
    assert!(history.stderr.is_empty(), "all shown, no hint: {}", String::from_utf8_lossy(&history.stderr));

    let limited =
        scamguard().args(["history", "--limit", "2", "--config"]).arg(&config_path).output().expect("runs");
    assert!(String::from_utf8_lossy(&limited.stdout).contains("2 detections"));
    let hint = String::from_utf8_lossy(&limited.stderr);
    assert!(hint.contains("showing the newest 2; there may be more"), "a cut list says so: {hint}");

    let json = scamguard()
        .args(["history", "--json", "--verdict", "threat", "--since", "1d", "--config"])
        .arg(&config_path)
        .output()
        .expect("runs");
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&json.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r["action"] == "moved" && r["signals"].is_array()));
}

#[tokio::test(flavor = "multi_thread")]
async fn run_once_fails_when_an_account_fails_and_check_says_why() {
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("");

    let check = scamguard().args(["check", "--config"]).arg(&config_path).output().expect("runs");
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{text}");
    assert!(text.contains("junk folder: Junk (SPECIAL-USE \\Junk)"), "{text}");
    assert!(text.contains("moves by: UID MOVE\n"), "{text}");
    assert!(text.contains("new mail by: IDLE (tried: the server idled)\n"), "{text}");
    assert!(text.contains("believes Authentication-Results from: the topmost header's server"), "{text}");
    assert!(text.contains("model: built in (") && text.contains("threat from 0."), "{text}");

    std::fs::write(dovecot.dir().join("password.txt"), "not-the-password\n").expect("write");
    let check = scamguard().args(["check", "--config"]).arg(&config_path).output().expect("runs");
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(!check.status.success());
    assert!(text.contains("error: stopped while logging in: login as alice refused"), "{text}");
    let run = scamguard().args(["run", "--once", "--config"]).arg(&config_path).output().expect("runs");
    assert!(!run.status.success(), "a failed account makes --once fail");
    assert!(String::from_utf8_lossy(&run.stderr).contains("login as alice refused"));
}

/// `check` said "new mail by: IDLE" from the capabilities alone, where `run` then polled
/// (a server that lists IDLE and refuses it, or ends it at once). It tries IDLE on the
/// watched folder and says what `run` will do.
#[tokio::test(flavor = "multi_thread")]
async fn check_tries_idle_and_says_polling_where_the_server_refuses_it_or_ends_it_at_once() {
    use super::support::proxy::{Fault, Proxy, Rule};
    let dovecot = Dovecot::start(Options::default());
    let proxy = Proxy::start(dovecot.imap_port).await;
    let path = proxy.write_config(&dovecot, "poll_interval = 7\nidle_renew = 90\n");
    let check = |path: std::path::PathBuf| async move {
        let output = tokio::task::spawn_blocking(move || {
            scamguard().args(["check", "--config"]).arg(&path).output().expect("runs")
        })
        .await
        .expect("ran");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).to_string()
    };
    proxy.add(Rule::once("IDLE", Fault::Answer("NO [UNAVAILABLE] IDLE is off")));
    let refused = check(path.clone()).await;
    assert!(
        refused.contains(
            "new mail by: polling every 7 s: the server offers IDLE but refused it (the server refused \
             IDLE (NO): [UNAVAILABLE] IDLE is off); IDLE is tried again every 90 s\n"
        ),
        "{refused}"
    );
    proxy.add(Rule::always("IDLE", Fault::EndAtOnce("OK done")));
    let ended = check(path.clone()).await;
    assert!(
        ended.contains("new mail by: IDLE, but the server ended it as soon as it began: polling every 7 s"),
        "{ended}"
    );
    proxy.clear();
    let idles_before = proxy.seen("IDLE");
    let idled = check(path).await;
    assert!(idled.contains("new mail by: IDLE (tried: the server idled)\n"), "{idled}");
    assert_eq!(proxy.seen("IDLE"), idles_before + 1, "one IDLE, one second");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_scan_draws_a_bar_on_a_terminal_and_logs_plain_lines_otherwise() {
    let dovecot = Dovecot::start(Options::default());
    let config_path = dovecot.write_config("batch_size = 5\n");
    let config = load(&config_path);
    let mut session = mailbox(&config).await;
    for raw in scamguard::bench::generate_range(0, 120) {
        session.append("INBOX", None, &raw).await.expect("append");
    }
    let text = std::fs::read_to_string(&config_path).expect("config");
    let second_database = dovecot.dir().join("terminal.toml");
    std::fs::write(&second_database, text.replace("scamguard.db", "terminal.db")).expect("config");

    let piped = scamguard()
        .args(["run", "--once", "--dry-run", "--config"])
        .arg(&config_path)
        .output()
        .expect("runs");
    assert!(piped.status.success());
    let log = String::from_utf8_lossy(&piped.stderr);
    assert!(log.contains("scanned 50 of 120 messages"), "{log}");
    assert!(!log.contains("120 messages ("), "no bar without a terminal:\n{log}");

    // script(1) gives the command a terminal (util-linux, on every Debian).
    let command = format!(
        "{} run --once --dry-run --config {}",
        env!("CARGO_BIN_EXE_scamguard"),
        second_database.display()
    );
    let on_terminal = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("script runs");
    assert!(on_terminal.status.success(), "{}", String::from_utf8_lossy(&on_terminal.stderr));
    let screen = String::from_utf8_lossy(&on_terminal.stdout);
    assert!(
        screen.contains("test/INBOX [") && screen.contains("/120 messages ("),
        "a bar was drawn:\n{screen}"
    );
    assert!(!screen.contains("scanned 50 of 120"), "the bar replaces the plain lines:\n{screen}");
}
