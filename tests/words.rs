//! What a user reads when the connection to the server fails, through the real binary
//! against a real Dovecot: the words, the fix named, printed once, no library dumps
//! (`Outcome { … }`), and in time. `check` and `run` share one error path; both are run.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use super::support::dovecot::{Dovecot, Options, PASSWORD};
use super::support::scamguard;

/// What `check` printed (its errors go to standard output with the rest of its report)
/// and what `run --once` printed on standard error, each with how long it took. Both
/// must fail.
fn check_and_run(config: &Path) -> [(String, Duration); 2] {
    let started = Instant::now();
    let check = scamguard().args(["check", "--config"]).arg(config).output().expect("check runs");
    let check_took = started.elapsed();
    let started = Instant::now();
    let run = scamguard().args(["run", "--once", "--config"]).arg(config).output().expect("run runs");
    let run_took = started.elapsed();
    for (name, output) in [("check", &check), ("run --once", &run)] {
        assert!(!output.status.success(), "{name} must fail:\n{}", both(output));
    }
    [(both(&check), check_took), (String::from_utf8_lossy(&run.stderr).into_owned(), run_took)]
}

fn both(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Each of `words` is in `text`, the first (the error's own opening) exactly once, and no
/// library dump is.
fn says_once(text: &str, words: &[&str]) {
    for word in words {
        assert!(text.contains(word), "{word:?} missing in:\n{text}");
    }
    let opening = words.first().expect("words");
    assert_eq!(text.matches(opening).count(), 1, "{opening:?} printed once in:\n{text}");
    for dump in ["Outcome", "code: None", "info: Some", "Custom {", "kind: "] {
        assert!(!text.contains(dump), "a library dump ({dump:?}) in:\n{text}");
    }
}

/// A configuration for `dovecot` with `change` applied to the text `write_config` writes.
fn config_with(dovecot: &Dovecot, change: impl Fn(String) -> String) -> std::path::PathBuf {
    let path = dovecot.write_config("");
    let text = std::fs::read_to_string(&path).expect("read config");
    std::fs::write(&path, change(text)).expect("write config");
    path
}

#[test]
fn a_wrong_password_is_told_once_with_what_to_check() {
    let dovecot = Dovecot::start(Options::default());
    // Two folders: both workers fail to log in, and the error is still printed once.
    let config = config_with(&dovecot, |text| format!("{text}folders = [\"INBOX\", \"Archive\"]\n"));
    std::fs::write(dovecot.dir().join("password.txt"), "not-the-password\n").expect("write");
    for (text, took) in check_and_run(&config) {
        says_once(
            &text,
            &[
                "login as alice refused",
                "[AUTHENTICATIONFAILED] Authentication failed.",
                "check the username and the password",
            ],
        );
        assert!(!text.contains("not-the-password") && !text.contains(PASSWORD), "no password shown");
        assert!(took < Duration::from_secs(15), "took {took:?}");
    }
}

#[test]
fn an_untrusted_certificate_names_the_ca_file_setting() {
    let dovecot = Dovecot::start(Options::default());
    let config = config_with(&dovecot, |text| text.replace("ca_file = \"cert.pem\"\n", ""));
    for (text, took) in check_and_run(&config) {
        says_once(
            &text,
            &[
                "the certificate of 127.0.0.1:",
                "signed by an authority scamguard does not know",
                "set ca_file = ",
            ],
        );
        assert!(!text.contains("UnknownIssuer"), "{text}");
        assert!(took < Duration::from_secs(15), "took {took:?}");
    }
}

#[test]
fn a_missing_folder_is_named_with_the_folders_the_server_has() {
    let dovecot = Dovecot::start(Options { sent: true, ..Options::default() });
    let config = config_with(&dovecot, |text| format!("{text}folders = [\"INBOX\", \"Archive\"]\n"));
    for (text, took) in check_and_run(&config) {
        says_once(
            &text,
            &["no folder \"Archive\"", "set folders in the account", "it has \"INBOX\", \"Junk\", \"Sent\""],
        );
        assert!(took < Duration::from_secs(15), "took {took:?}");
    }
}

/// `tls = "implicit"` on the port that greets in plain text (143's job) is told at once,
/// naming `starttls`.
#[test]
fn implicit_tls_on_a_plaintext_port_names_starttls() {
    let dovecot = Dovecot::start(Options::default());
    let (tls_port, plain_port) = (dovecot.imaps_port, dovecot.imap_port);
    let config = config_with(&dovecot, |text| {
        text.replace(&format!("port = {tls_port}"), &format!("port = {plain_port}"))
            .replace("command_timeout = 10", "command_timeout = 60")
    });
    for (text, took) in check_and_run(&config) {
        says_once(
            &text,
            &[
                "does not speak what tls = \"implicit\" expects",
                "greets in plain text",
                "set tls = \"starttls\"",
            ],
        );
        assert!(took < Duration::from_secs(15), "told in time, not after the 60 s command timeout: {took:?}");
    }
}

/// `tls = "starttls"` (or `"none"`) on the port that speaks TLS from the first byte
/// (993's job) never gets a greeting: told within seconds, not after the 60 s command
/// timeout, naming `implicit`.
#[test]
fn starttls_or_plain_text_on_the_tls_port_names_implicit_in_time() {
    let dovecot = Dovecot::start(Options::default());
    for mode in ["starttls", "none"] {
        let config = config_with(&dovecot, |text| {
            text.replace("tls = \"implicit\"", &format!("tls = \"{mode}\""))
                .replace("command_timeout = 10", "command_timeout = 60")
        });
        for (text, took) in check_and_run(&config) {
            says_once(
                &text,
                &[
                    &format!("does not speak what tls = \"{mode}\" expects"),
                    "answers TLS",
                    "set tls = \"implicit\"",
                ],
            );
            assert!(!text.contains("did not answer greeting in time"), "{text}");
            assert!(
                took < Duration::from_secs(15),
                "told in time, not after the 60 s command timeout: {took:?}"
            );
        }
    }
}
