//! `scamguard train` end to end on small folders written here (never the shared corpus):
//! the same input writes the same bytes, the model it writes is one `scan --model`
//! reads, and odd input (nothing labelled, one class only, a relabel line cut short, a
//! link looping back up, files that are not mail) gets a clear answer, never a panic.

use std::path::{Path, PathBuf};
use std::process::Output;

use super::support::scamguard;

/// Words the generated mails draw from, so that no two share a subject or an opening
/// (mails that do are one campaign and share a fold).
const WORDS: [&str; 16] = [
    "garden", "meeting", "recipe", "holiday", "invoice", "concert", "library", "bicycle", "weather",
    "project", "birthday", "painting", "harbour", "mountain", "festival", "notebook",
];

fn word(i: usize, shift: usize) -> &'static str {
    WORDS.get((i * 7 + shift) % WORDS.len()).copied().unwrap_or("mail")
}

/// `count` ham and `count` phishing mails under `root/ham` and `root/scam/phishing`.
fn corpus(root: &Path, count: usize) {
    for (folder, make) in [("ham", ham as fn(usize) -> String), ("scam/phishing", phishing)] {
        let dir = root.join(folder);
        std::fs::create_dir_all(&dir).expect("folder");
        for i in 0..count {
            std::fs::write(dir.join(format!("{i:03}.eml")), make(i)).expect("write");
        }
    }
}

fn ham(i: usize) -> String {
    let (a, b) = (word(i, 0), word(i, 3));
    format!(
        "From: Friend {i} <friend{i}@home{i}.example>\r\nTo: me@home.example\r\nSubject: the {a} and the {b}\r\n\r\n\
         About the {a}: shall we talk about the {b} on Sunday? Bring the {a} notes.\r\n"
    )
}

fn phishing(i: usize) -> String {
    let (a, b) = (word(i, 5), word(i, 9));
    format!(
        "From: PayPal Security <alert{i}@{a}-{i}.example>\r\nTo: me@home.example\r\n\
         Subject: {b} notice: your account is locked\r\n\r\n\
         Your PayPal account has been locked. Log in within 24 hours to verify your password and card \
         at http://paypal.com.{a}{i}.example/login or it will be closed.\r\n"
    )
}

fn train(args: &[&str], dirs: &[&Path]) -> Output {
    scamguard().arg("train").args(args).args(dirs).output().expect("runs")
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn train_writes_the_same_bytes_twice_and_a_model_scan_reads() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("corpus");
    corpus(&root, 12);
    let models: Vec<PathBuf> = ["a.model", "b.model"].iter().map(|n| dir.path().join(n)).collect();
    for model in &models {
        let output = train(&["--folds", "3", "--out", &model.display().to_string()], &[&root]);
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "{stdout}{stderr}");
        assert!(stderr.contains("read 24 mails") && stderr.contains("0 unreadable"), "{stderr}");
        assert!(stdout.contains("cross-validated over 3 folds"), "{stdout}");
        // Recall at looser budgets: phishing (there is some), not extortion (there is none).
        let looser = stdout.lines().find(|l| l.starts_with("at looser budgets (recall): ")).unwrap_or("");
        assert!(
            looser.contains("0.5% of ham (threat 0.") && looser.contains("; 1.0% of ham (threat 0."),
            "{stdout}"
        );
        assert_eq!(looser.matches("): phishing ").count(), 2, "{looser}");
        assert!(!looser.contains("extortion"), "a kind without mail is left out: {looser}");
        for label in ["ham", "phishing"] {
            assert!(stdout.lines().any(|l| l.starts_with(label) && l.contains("12")), "{label}: {stdout}");
        }
    }
    let bytes: Vec<Vec<u8>> = models.iter().map(|m| std::fs::read(m).expect("written")).collect();
    assert!(!bytes[0].is_empty());
    assert_eq!(bytes[0], bytes[1], "the same input writes the same bytes");
    let output =
        scamguard().args(["scan", "--json", "--model"]).arg(&models[0]).arg(&root).output().expect("runs");
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stdout.lines().count(), 24);
}

#[test]
fn train_refuses_what_it_cannot_learn_from_with_a_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("x.model").display().to_string();
    let empty = dir.path().join("empty");
    let unlabelled = dir.path().join("unlabelled/misc");
    let only_ham = dir.path().join("only/ham");
    for folder in [&empty, &unlabelled, &only_ham] {
        std::fs::create_dir_all(folder).expect("folder");
    }
    std::fs::write(unlabelled.join("a.eml"), ham(1)).expect("write");
    std::fs::write(only_ham.join("a.eml"), ham(1)).expect("write");
    let labelled = dir.path().join("labelled");
    corpus(&labelled, 3);
    let relabel = dir.path().join("relabel.tsv");
    std::fs::write(&relabel, "file\tfrom\tto\treason\n\n# a note\n000.eml\tham\n").expect("write");
    let cases: [(Vec<&str>, &Path, &str); 6] = [
        (vec![], &empty, "no labelled .eml files"),
        (vec![], &unlabelled, "1 without a label"),
        (vec![], &dir.path().join("only"), "needs ham and at least one kind of unwanted mail"),
        (vec![], &dir.path().join("missing"), "is not a folder"),
        (
            vec!["--relabel", relabel.to_str().unwrap_or_default()],
            &labelled,
            "line 4: expected file<TAB>from",
        ),
        (vec!["--folds", "1"], &labelled, "1 is not in 2..=20"),
    ];
    for (args, folder, expected) in cases {
        let output = train(&[args.as_slice(), &["--out", &out]].concat(), &[folder]);
        let (stdout, stderr) = text(&output);
        assert!(!output.status.success(), "{folder:?} {args:?}: {stdout}");
        assert!(stderr.contains(expected) && !stderr.contains("panicked"), "{folder:?} {args:?}: {stderr}");
    }
    assert!(!Path::new(&out).exists(), "no model is written from what cannot be learned");
}

#[test]
fn train_goes_through_links_looping_back_files_that_are_not_mail_and_more_folds_than_mails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("corpus");
    corpus(&root, 4);
    std::os::unix::fs::symlink(&root, root.join("ham/loop")).expect("symlink");
    std::fs::write(root.join("ham/saved-page.eml"), b"<html>\0\xff not mail at all").expect("write");
    std::fs::create_dir_all(root.join("ham/folder.eml")).expect("folder named like mail");
    let out = dir.path().join("x.model");
    let started = std::time::Instant::now();
    let output = train(&["--folds", "20", "--out", &out.display().to_string()], &[&root]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(started.elapsed() < std::time::Duration::from_secs(120), "{:?}", started.elapsed());
    // Each mail once (the loop adds no copies), the saved page counted as not mail.
    assert!(stderr.contains("read 9 mails") && stderr.contains("1 unreadable or not mail"), "{stderr}");
    assert!(stdout.contains("cross-validated over 20 folds"), "{stdout}");
    assert!(out.is_file());
}

#[test]
fn only_folders_under_the_one_given_label_mail_so_a_corpus_trains_the_same_wherever_it_is() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Kept under a folder that happens to be called `other`, with an unlabelled folder.
    let root = dir.path().join("other/corpus");
    corpus(&root, 6);
    std::fs::create_dir_all(root.join("misc")).expect("folder");
    std::fs::write(root.join("misc/note.eml"), ham(99)).expect("write");
    let absolute = dir.path().join("absolute.model");
    let output = train(&["--folds", "2", "--out", &absolute.display().to_string()], &[&root]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains("read 12 mails") && stderr.contains("1 without a label"), "{stderr}");
    // The same corpus by a relative path writes the same bytes.
    let relative = dir.path().join("relative.model");
    let output = scamguard()
        .current_dir(dir.path().join("other"))
        .args(["train", "--folds", "2", "--out"])
        .arg(&relative)
        .arg("corpus")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(std::fs::read(&absolute).expect("written"), std::fs::read(&relative).expect("written"));
}
