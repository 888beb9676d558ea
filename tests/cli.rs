//! The `scamguard` binary as a user runs it: `scan` (text and JSON), `explain`, exit codes.

use super::support::scamguard;

#[test]
fn scan_json_prints_one_object_per_message_with_the_contract_fields() {
    let output = scamguard().args(["scan", "--json"]).arg(super::fixtures()).output().expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let files = scamguard::source::eml_files(&super::fixtures()).len();
    let lines: Vec<serde_json::Value> =
        stdout.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect();
    assert_eq!(lines.len(), files);
    for line in &lines {
        for field in ["path", "message_id", "subject", "verdict", "category", "score", "signals"] {
            assert!(line.get(field).is_some(), "missing {field} in {line}");
        }
        assert!(["clean", "suspicious", "threat"].contains(&line["verdict"].as_str().unwrap_or_default()));
        for signal in line["signals"].as_array().expect("signals array") {
            assert!(
                signal["rule"].is_string() && signal["weight"].is_number() && signal["evidence"].is_string()
            );
        }
    }
    assert!(lines.iter().any(|l| l["verdict"] == "threat"));
    assert!(lines.iter().any(|l| l["verdict"] == "clean"));
}

#[test]
fn scan_text_prints_a_line_per_message_and_a_summary() {
    let output = scamguard().arg("scan").arg(super::fixtures()).output().expect("runs");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("threat") && stdout.contains("extortion"));
    let files = scamguard::source::eml_files(&super::fixtures()).len();
    assert!(stdout.contains(&format!("{files} messages:")), "{stdout}");
}

#[test]
fn unreadable_message_is_reported_on_its_line_and_the_run_goes_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("a_empty.eml"), b"").expect("write");
    std::fs::copy(
        super::fixtures().join("ja_extortion_iso2022jp_password.eml"),
        dir.path().join("b_scam.eml"),
    )
    .expect("copy");
    let output = scamguard().args(["scan", "--json"]).arg(dir.path()).output().expect("runs");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<serde_json::Value> =
        stdout.lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0]["error"].as_str().is_some_and(|e| e.contains("empty")));
    assert_eq!(lines[1]["verdict"], "threat");
}

#[test]
fn mbox_files_are_split_into_messages() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut mbox = Vec::new();
    for name in ["ja_extortion_iso2022jp_password.eml", "ham_en_colleague_video_call.eml"] {
        mbox.extend_from_slice(b"From sender@example.com Mon Nov 16 10:00:00 2026\n");
        mbox.extend(std::fs::read(super::fixtures().join(name)).expect("fixture"));
        mbox.extend_from_slice(b"\n");
    }
    let path = dir.path().join("inbox.mbox");
    std::fs::write(&path, mbox).expect("write");
    let output = scamguard().args(["scan", "--json"]).arg(&path).output().expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let verdicts: Vec<String> = stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("JSON")["verdict"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(verdicts, ["threat", "clean"]);
}

#[test]
fn usage_errors_exit_with_2() {
    assert_eq!(scamguard().arg("scan").output().expect("runs").status.code(), Some(2));
    assert_eq!(scamguard().arg("frobnicate").output().expect("runs").status.code(), Some(2));
    let missing = scamguard().args(["scan", "/nonexistent/scamguard/mail.eml"]).output().expect("runs");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stdout).contains("no such file"));
}

#[test]
fn explain_lists_every_signal_with_its_evidence() {
    let output = scamguard()
        .arg("explain")
        .arg(super::fixtures().join("en_extortion_split_wallet_self_sent.eml"))
        .output()
        .expect("runs");
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Verdict:  threat (extortion)"), "{text}");
    assert!(text.contains(scamguard::detect::SignalId::CryptoWalletSplitToEvade.name()));
    assert!(text.contains("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"));
    assert!(text.contains("written split to evade filters"));
    assert!(text.contains("do not pay"));
}

#[test]
fn signals_lists_every_signal_of_the_table() {
    let output = scamguard().arg("signals").output().expect("runs");
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    for row in scamguard::detect::signals::SIGNALS {
        assert!(text.contains(row.rule) && text.contains(row.doc), "{} missing from\n{text}", row.rule);
    }
}

#[test]
fn a_bad_config_line_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[detection]\nsuspicious = 4.0\nthreat = \"high\"\n").expect("write");
    let output =
        scamguard().args(["scan", "--config"]).arg(&config).arg(super::fixtures()).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("threat") && stderr.contains("line 3"), "{stderr}");
}

#[test]
fn scan_believes_the_authentication_results_of_the_server_named_by_authserv_id() {
    // A note to self: a local filter's header on top found no signature; the provider's
    // below it verified one. Only the provider's, named by its id, vouches for the mail.
    let dir = tempfile::tempdir().expect("temp dir");
    let mail = "Authentication-Results: filter.home.example; dkim=none\r\n\
        Authentication-Results: mx.provider.example; dkim=pass header.d=example.com\r\n\
        From: me@example.com\r\nTo: me@example.com\r\nSubject: list\r\n\r\nMilk, eggs.\r\n";
    std::fs::write(dir.path().join("note.eml"), mail).expect("write");
    let signals = |extra: &[&str]| {
        let output = scamguard().args(["scan", "--json"]).args(extra).arg(dir.path()).output().expect("runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let line: serde_json::Value =
            serde_json::from_slice(output.stdout.trim_ascii_end()).expect("one JSON line");
        let rules = line["signals"].as_array().expect("signals").iter().map(|s| s["rule"].to_string());
        // The model's summary of the words is part of every verdict, not a rule firing.
        rules.filter(|r| r != "\"learned_words\"").collect::<Vec<_>>()
    };
    assert_eq!(signals(&[]), ["\"self_sent_spoof\""]);
    assert!(signals(&["--authserv-id", "MX.provider.example"]).is_empty());
    let refused = scamguard().args(["scan", "--authserv-id", "a b"]).arg(dir.path()).output().expect("runs");
    assert_eq!(refused.status.code(), Some(2), "a malformed id is a usage error");
}

#[test]
fn a_configured_model_that_is_missing_or_damaged_stops_check_run_and_scan_with_its_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("damaged.model"), b"SCAMGUARD-MODEL\n\x01").expect("write");
    for (model, cause) in [("missing.model", "No such file"), ("damaged.model", "cut short")] {
        let config = dir.path().join("scamguard.toml");
        // An account nobody listens for: the model must be refused before any connection.
        let text = format!(
            "[detection]\nmodel = \"{model}\"\n[[accounts]]\nname = \"a\"\nhost = \"127.0.0.1\"\nport = 1\n\
             tls = \"none\"\nusername = \"u\"\npassword_env = \"SG_UNUSED\"\n"
        );
        std::fs::write(&config, text).expect("write");
        let mail = super::fixtures().join("ja_extortion_html_fullwidth_zero_width.eml");
        for args in [vec!["check", "--config"], vec!["run", "--once", "--config"], vec!["scan", "--config"]] {
            let mut command = scamguard();
            command.args(&args).arg(&config);
            if args.first() == Some(&"scan") {
                command.arg(&mail);
            }
            let output = command.output().expect("runs");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(!output.status.success(), "{args:?} {model}: {stderr}");
            assert!(stderr.contains(model) && stderr.contains(cause), "{args:?}: {stderr}");
            assert!(
                !String::from_utf8_lossy(&output.stdout).contains("account a"),
                "{args:?}: connected first"
            );
        }
    }
}

/// A log that is not a terminal carries no colour codes, and `--log-format json` writes
/// one JSON object per line (journald, log shippers).
#[test]
fn logs_to_a_pipe_are_plain_text_or_json_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    // An inline password in a file others can read: a warning is logged.
    std::fs::write(
        &config,
        "[[accounts]]\nname = \"a\"\nhost = \"127.0.0.1\"\ntls = \"implicit\"\nusername = \"u\"\npassword = \"hunter2\"\n",
    )
    .expect("write");
    std::fs::set_permissions(&config, std::os::unix::fs::PermissionsExt::from_mode(0o644)).expect("chmod");
    let fixture = super::fixtures().join("ham_en_colleague_video_call.eml");
    let run = |format: &str| {
        let output = scamguard()
            .args(["scan", "--log-format", format, "--config"])
            .arg(&config)
            .arg(&fixture)
            .env("NO_COLOR", "")
            .env_remove("RUST_LOG")
            .output()
            .expect("runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stderr).expect("UTF-8")
    };
    let text = run("text");
    assert!(text.contains("WARN") && text.contains("password"), "{text}");
    assert!(!text.contains('\u{1b}'), "escape codes in a piped log: {text:?}");
    assert!(!text.contains("hunter2"), "the password itself is never logged");
    let json = run("json");
    let lines: Vec<serde_json::Value> =
        json.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    assert!(
        lines.iter().any(|l| l["level"] == "WARN"
            && l["fields"]["message"].as_str().is_some_and(|m| m.contains("password"))),
        "{json}"
    );
}

/// Without `--config`, the user's `$XDG_CONFIG_HOME/scamguard/config.toml` (or
/// `~/.config/...`) is used; with none there, the error names where it looked.
#[test]
fn the_configuration_is_found_in_the_users_config_folder_when_not_named() {
    let home = tempfile::tempdir().expect("tempdir");
    let folder = home.path().join(".config/scamguard");
    std::fs::create_dir_all(&folder).expect("mkdir");
    let check = |xdg: Option<&std::path::Path>| {
        let mut command = scamguard();
        command.arg("check").env("HOME", home.path()).env_remove("XDG_CONFIG_HOME");
        if let Some(xdg) = xdg {
            command.env("XDG_CONFIG_HOME", xdg);
        }
        let output = command.output().expect("runs");
        (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
    };
    let (code, stderr) = check(None);
    if !std::path::Path::new(scamguard::config::location::SYSTEM_CONFIG).exists() {
        assert_eq!(code, Some(2));
        assert!(
            stderr.contains(".config/scamguard/config.toml") && stderr.contains("/etc/scamguard"),
            "{stderr}"
        );
    }
    // A configuration without accounts: `check` reads it and says so, naming the file.
    std::fs::write(folder.join("config.toml"), "[database]\npath = \"x.db\"\n").expect("write");
    let (code, stderr) = check(None);
    assert_eq!(code, Some(2));
    assert!(stderr.contains(&format!("{}", folder.join("config.toml").display())), "{stderr}");
    assert!(stderr.contains("configures no [[accounts]]"), "{stderr}");
    let xdg = home.path().join("xdg");
    std::fs::create_dir_all(xdg.join("scamguard")).expect("mkdir");
    std::fs::write(xdg.join("scamguard/config.toml"), "[database]\nbogus = 1\n").expect("write");
    let (_, stderr) = check(Some(&xdg));
    assert!(stderr.contains("bogus"), "XDG_CONFIG_HOME comes first: {stderr}");
}

/// What a folder walk cannot read (a link back to a folder above, a link to a mail that
/// is gone) is reported on its own line after the rest is scanned, and the exit status
/// says not everything was read, as for a missing path.
#[test]
fn scan_reports_what_it_could_not_read_after_the_rest_and_exits_non_zero() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mail = dir.path().join("a/scam.eml");
    std::fs::create_dir_all(mail.parent().expect("folder")).expect("mkdir");
    std::fs::copy(super::fixtures().join("ja_extortion_iso2022jp_password.eml"), &mail).expect("copy");
    std::os::unix::fs::symlink(dir.path(), dir.path().join("a/loop")).expect("link");
    std::os::unix::fs::symlink(dir.path().join("gone"), dir.path().join("a/gone.eml")).expect("link");
    let output = scamguard().arg("scan").arg(dir.path()).output().expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.first().is_some_and(|l| l.starts_with("threat") && l.contains("scam.eml")), "{stdout}");
    let errors: Vec<&&str> = lines.iter().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 2, "{stdout}");
    assert!(errors.iter().any(|l| l.contains("a/loop") && l.contains("loop")), "{stdout}");
    assert!(errors.iter().any(|l| l.contains("a/gone.eml")), "{stdout}");
    assert!(stdout.contains("3 messages: 1 threat, 0 suspicious, 0 clean, 2 unreadable"), "{stdout}");

    let readable = scamguard().arg("scan").arg(&mail).output().expect("runs");
    assert!(readable.status.success(), "all read: exit 0");
}

/// A mail and a folder the user may not read (run as `nobody`: root reads anything) are
/// reported after the rest, and `scan` exits 2; a mail named on the command line too.
#[test]
fn scan_of_what_the_user_may_not_read_exits_non_zero_after_the_rest() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    const NOBODY: u32 = 65534;
    let mode = |path: &std::path::Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod")
    };
    let dir = tempfile::tempdir().expect("temp dir");
    mode(dir.path(), 0o755);
    let scam = super::fixtures().join("ja_extortion_iso2022jp_password.eml");
    std::fs::copy(&scam, dir.path().join("a_readable.eml")).expect("copy");
    mode(&dir.path().join("a_readable.eml"), 0o644);
    std::fs::copy(&scam, dir.path().join("b_secret.eml")).expect("copy");
    mode(&dir.path().join("b_secret.eml"), 0o000);
    std::fs::create_dir(dir.path().join("c_locked")).expect("mkdir");
    std::fs::copy(&scam, dir.path().join("c_locked/inside.eml")).expect("copy");
    mode(&dir.path().join("c_locked"), 0o000);
    let as_nobody = |path: &std::path::Path| {
        scamguard().arg("scan").arg(path).uid(NOBODY).gid(NOBODY).output().expect("runs")
    };

    let output = as_nobody(dir.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.lines().next().is_some_and(|l| l.starts_with("threat") && l.contains("a_readable.eml")));
    assert!(
        stdout.contains("b_secret.eml  [cannot read") && stdout.contains("Permission denied"),
        "{stdout}"
    );
    assert!(stdout.contains("c_locked  [cannot read"), "the locked folder is named: {stdout}");
    assert!(stdout.contains("3 messages: 1 threat, 0 suspicious, 0 clean, 2 unreadable"), "{stdout}");

    let named = as_nobody(&dir.path().join("b_secret.eml"));
    assert_eq!(named.status.code(), Some(2), "{}", String::from_utf8_lossy(&named.stdout));
}
