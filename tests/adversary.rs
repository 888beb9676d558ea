//! An adversary's pass over the operating edges (issue 16): what a log, a terminal or a
//! browser could be made to show or do, through the real binary against a real Dovecot
//! (and the fault proxy, for a server's `[ALERT]`).

use super::service::load;
use super::support::dovecot::{Dovecot, Options, PASSWORD};
use super::support::scamguard;

/// `RUST_LOG` aimed below async-imap's crate name (its stream module traces every command
/// it sends, LOGIN with the password included) still never logs the password.
#[tokio::test(flavor = "multi_thread")]
async fn no_rust_log_directive_makes_async_imap_log_the_password() {
    let dovecot = Dovecot::start(Options::default());
    let path = dovecot.write_config("");
    let _config = load(&path);
    for directive in ["async_imap::imap_stream=trace", "trace,async_imap::imap_stream=trace"] {
        let output = scamguard()
            .args(["run", "--once", "--config"])
            .arg(&path)
            .env("RUST_LOG", directive)
            .output()
            .expect("runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let log = String::from_utf8_lossy(&output.stderr);
        assert!(!log.contains(PASSWORD), "RUST_LOG={directive} logged the password");
    }
}

/// What a plain HTTP/1.1 GET of `target` on `port` of 127.0.0.1 is answered (its status
/// line), or why not, within `limit`.
fn raw_get(port: u16, target: &str, limit: std::time::Duration) -> String {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return "no connection".into();
    };
    let _ = stream.set_read_timeout(Some(limit));
    let _ = write!(stream, "GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).lines().next().unwrap_or("no answer").to_string()
}

/// The loopback redirect of `auth login` holds: a connection that says nothing (a
/// browser's preconnect, a port scanner) holds up no other, and an answer with another
/// sign-in's `state` (an old tab, a page that found the port) is refused without ending
/// the sign-in (the user is told once, however many come); the real answer still signs
/// in.
#[tokio::test(flavor = "multi_thread")]
async fn the_loopback_redirect_outlasts_idle_connections_and_forged_answers() {
    use super::oauth::{Google, browse, login, text, token_file};
    use std::time::{Duration, Instant};

    let Google { mock: _mock, dovecot, config, authorize, .. } = Google::start().await;
    let mut forged = None;
    let mut browsed = None;
    let (output, lines) = login(&config, |line| {
        if !line.starts_with(&authorize) {
            return false;
        }
        let url = url::Url::parse(line).expect("the printed address");
        let redirect = url.query_pairs().find(|(k, _)| k == "redirect_uri").expect("redirect_uri").1;
        let port = url::Url::parse(&redirect).expect("redirect").port().expect("port");
        let _idle = std::net::TcpStream::connect(("127.0.0.1", port)).expect("idle connection");
        let started = Instant::now();
        let answer = raw_get(port, "/?code=stolen&state=forged", Duration::from_secs(5));
        forged = Some((answer, started.elapsed()));
        let _again = raw_get(port, "/?code=stolen&state=forged-again", Duration::from_secs(5));
        browsed = browse(line);
        true
    });
    let (answer, took) = forged.expect("the forged answer was sent");
    assert!(answer.contains("400"), "a forged answer is refused: {answer}");
    assert!(took < Duration::from_secs(5), "an idle connection held the listener up for {took:?}");
    assert!(output.status.success(), "the forged answer ended the sign-in: {lines:?}{}", text(&output));
    assert!(browsed.is_some_and(|page| page.contains("Signed in")), "{lines:?}");
    let told = lines.iter().filter(|l| l.contains("Ignored an answer")).count();
    assert_eq!(told, 1, "the user is told, once: {lines:?}");
    assert!(token_file(&dovecot).exists(), "the real answer signed in");
}

/// A server's words reach the terminal made safe: a refusal carrying terminal escapes
/// (clear the screen, retitle the window, ring the bell) is printed escaped by `check`
/// and `run --once`, on standard output and in the log; an answer that is not IMAP is
/// told as such, not as the parser's internal state.
#[tokio::test(flavor = "multi_thread")]
async fn a_servers_hostile_words_reach_the_terminal_escaped() {
    use super::support::proxy::{Fault, Proxy, Rule};
    let dovecot = Dovecot::start(Options::default());
    let proxy = Proxy::start(dovecot.imap_port).await;
    let path = proxy.write_config(&dovecot, "");
    for (command, answer, words) in [
        ("LOGIN", "NO [AUTHENTICATIONFAILED] \u{1b}[2J\u{1b}]0;pwned\u{7} go away\u{1b}[1A", "go away"),
        ("SELECT", "NO \u{1b}[31mno\u{9b}2J such\u{202e} folder", "such"),
        // A bare CR is no IMAP: told as such, not as the parser's internals.
        ("LOGIN", "NO go\r\u{1b}[1A away", "not valid IMAP"),
    ] {
        proxy.clear();
        proxy.add(Rule::always(command, Fault::Answer(answer)));
        for args in [&["check"][..], &["run", "--once"]] {
            let output = scamguard().args(args).arg("--config").arg(&path).output().expect("runs");
            let shown = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(!output.status.success(), "{args:?} with {command} refused: {shown}");
            assert!(shown.contains(words), "{args:?}: the server's words are shown: {shown}");
            assert!(!shown.contains("code: Tag"), "{args:?}: no parser internals: {shown}");
            for raw in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
                assert!(!shown.contains(raw), "{args:?} after {command}: raw {raw:?} in {shown:?}");
            }
        }
    }
}

/// `--json` output holds no character that drives a terminal: serde escapes only C0
/// controls, so DEL, a C1 CSI (U+009B), a bidi override and a line separator in a subject
/// are written as `\uXXXX` by `scan`, `history` and `show`, and read back the same.
#[tokio::test(flavor = "multi_thread")]
async fn json_output_carries_no_raw_terminal_controls() {
    use super::service::{fixture, history, mailbox, run_once};
    let raw = String::from_utf8(fixture("en_extortion_split_wallet_self_sent.eml")).expect("UTF-8 fixture");
    // Decodes to: ok DEL CSI "2J" U+202E "gpj" U+2028 "x"
    let subject = "Subject: =?UTF-8?Q?ok=7F=C2=9B2J=E2=80=AEgpj=E2=80=A8x?=";
    let mail = raw.replace("Subject: Your device is hacked", subject).into_bytes();
    let dovecot = Dovecot::start(Options::default());
    let path = dovecot.write_config("");
    let config = load(&path);
    let file = dovecot.dir().join("hostile.eml");
    std::fs::write(&file, &mail).expect("write");
    let mut session = mailbox(&config).await;
    session.append("INBOX", None, &mail).await.expect("append");
    assert!(run_once(&config).await.failures.is_empty());
    let rows = history(&config).await;
    let id = rows.first().expect("recorded").id.to_string();
    let scan = ["scan", "--json"].map(std::ffi::OsString::from).to_vec();
    let mut scan = scan;
    scan.push(file.into_os_string());
    let commands: [Vec<std::ffi::OsString>; 3] = [
        scan,
        ["history", "--json", "--config"].map(Into::into).into_iter().chain([path.clone().into()]).collect(),
        ["show", &id, "--json", "--config"]
            .map(Into::into)
            .into_iter()
            .chain([path.clone().into()])
            .collect(),
    ];
    for args in commands {
        let output = scamguard().args(&args).output().expect("runs");
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        let text = String::from_utf8(output.stdout).expect("UTF-8");
        for raw in ['\u{7f}', '\u{9b}', '\u{202e}', '\u{2028}'] {
            assert!(!text.contains(raw), "{args:?}: raw {raw:?} in {text:?}");
        }
        let line = text.lines().next().expect("a line");
        let value: serde_json::Value = serde_json::from_str(line).expect("still JSON");
        assert!(value.to_string().contains("ok\u{7f}\u{9b}2J\u{202e}gpj\u{2028}x"), "{args:?}: {line}");
    }
}

/// What `scamguard ARGS --config PATH` writes, with the log at its default level: the
/// log (stderr) of a `run`, or the output (stdout) of anything else; `succeeds` says
/// whether it must exit 0. Run off the test's runtime, which serves the proxy.
async fn scamguard_says(args: &[&'static str], path: &std::path::Path, succeeds: bool) -> String {
    let running = args[0] == "run";
    let (args, path) = (args.to_vec(), path.to_path_buf());
    let output = tokio::task::spawn_blocking(move || {
        scamguard().args(&args).arg("--config").arg(&path).env_remove("RUST_LOG").output()
    })
    .await
    .expect("ran")
    .expect("runs");
    let (out, log) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!succeeds || output.status.success(), "{out}{log}");
    if running { log.to_string() } else { out.to_string() }
}

/// An `[ALERT]` the server sends (RFC 3501 §7.1: the client MUST present it to the user)
/// was dropped without a word. Now it is logged at warn with the account's name, its
/// escape sequences written out so it cannot drive the terminal that shows the log.
#[tokio::test(flavor = "multi_thread")]
async fn a_servers_alert_is_logged_with_the_account_and_made_safe() {
    use super::refusals::{Setup, behind_proxy};
    use super::support::proxy::{Fault, Rule};
    let setup = behind_proxy(Dovecot::start(Options::default()), "").await;
    let Setup { proxy, path, .. } = &setup;
    let alert = "* OK [ALERT] Mailbox 98% full, closing at 5\u{1b}[2J";
    proxy.add(Rule::once("SELECT", Fault::Unsolicited(alert)));
    let log = scamguard_says(&["run", "--once"], path, true).await;
    let line = log.lines().find(|l| l.contains("alert from the server")).unwrap_or_else(|| panic!("{log}"));
    assert!(line.contains("WARN") && line.contains("account=test"), "{line}");
    assert!(line.contains("Mailbox 98% full, closing at 5\\u{1b}[2J"), "{line}");
    assert!(!log.contains('\u{1b}'), "no escape sequence reaches the terminal: {log}");
}

/// An `[ALERT]` in the greeting or in the answer to the login was dropped: async-imap
/// reads those answers itself and keeps only whether they said OK. It is logged like the
/// alerts of later commands, for LOGIN and for AUTHENTICATE PLAIN, made safe the same way.
#[tokio::test(flavor = "multi_thread")]
async fn an_alert_in_the_greeting_or_the_logins_answer_is_logged() {
    use super::refusals::{Setup, behind_proxy};
    use super::support::proxy::{Fault, Rule};
    for (auth, command) in [("", "LOGIN"), ("auth = \"plain\"\n", "AUTHENTICATE")] {
        let setup = behind_proxy(Dovecot::start(Options::default()), auth).await;
        let Setup { proxy, path, .. } = &setup;
        proxy.greet_with("* OK [ALERT] Maintenance at 22:00\u{1b}[2J");
        let expires =
            Fault::LeaveOut { uids: Vec::new(), text: "OK [ALERT] Your password expires in 3 days" };
        proxy.add(Rule::once(command, expires));
        let log = scamguard_says(&["run", "--once"], path, true).await;
        assert_eq!(proxy.seen(command), 1, "logged in by {command}");
        let alerts: Vec<&str> = log.lines().filter(|l| l.contains("alert from the server")).collect();
        assert_eq!(alerts.len(), 2, "{command}: {log}");
        assert!(alerts.iter().all(|l| l.contains("WARN") && l.contains("account=test")), "{alerts:?}");
        assert!(
            alerts[0].contains("alert from the server: Maintenance at 22:00\\u{1b}[2J account=test"),
            "{alerts:?}"
        );
        assert!(
            alerts[1].contains("alert from the server: Your password expires in 3 days account=test"),
            "{alerts:?}"
        );
        assert!(!log.contains('\u{1b}') && !log.contains(PASSWORD), "{log}");
    }
}

/// A hostile server's refusal (escape sequences that clear the screen and retitle the
/// terminal, a bidi override, a line of 20,000 characters) reaches `check`'s output and
/// `run`'s log cleaned as every other server text: cut, nothing raw that drives a terminal.
#[tokio::test(flavor = "multi_thread")]
async fn a_hostile_refusal_reaches_check_and_the_log_cut_and_made_safe() {
    use super::refusals::{Setup, behind_proxy};
    use super::support::proxy::{Fault, Rule};
    let setup = behind_proxy(Dovecot::start(Options::default()), "").await;
    let Setup { proxy, path, .. } = &setup;
    let hostile: &'static str = Box::leak(
        format!("NO \u{1b}[2J\u{1b}]0;owned\u{7}\u{202e}gpj.exe {}", "x".repeat(20_000)).into_boxed_str(),
    );
    proxy.add(Rule::always("SELECT", Fault::Answer(hostile)));
    let said = scamguard_says(&["check"], path, false).await;
    let line = said.lines().find(|l| l.contains("refused SELECT")).unwrap_or_else(|| panic!("{said}"));
    assert!(line.contains("\\u{1b}[2J\\u{1b}]0;owned\\u{7}\\u{202e}gpj.exe xxx"), "{line}");
    assert!(line.ends_with('…') && line.len() < 600, "cut: {} bytes", line.len());
    let log = scamguard_says(&["run", "--once"], path, false).await;
    assert!(log.contains("refused SELECT (NO): \\u{1b}[2J"), "{log}");
    for output in [&said, &log] {
        assert!(!output.contains(['\u{1b}', '\u{7}', '\u{202e}']), "{output}");
        assert!(!output.contains(&"x".repeat(300)), "the long line is cut");
    }
}
