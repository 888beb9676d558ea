//! The main job on files: `scan` (classify .eml files, folders and mbox files),
//! `explain` (one mail, every signal) and `bench` (classification speed).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use scamguard::detect::{Detector, classify, classify_explained};
use scamguard::mail::auth::AuthservId;
use scamguard::{bench, explain, mail, source};

use super::load_config;

/// `scamguard scan`: one line per mail (JSON with `--json`) and a summary; an unreadable
/// file is reported on its line and the run goes on. A path that could not be read
/// (missing, permission denied, a link loop) makes the exit status 2, as in ripgrep; a
/// file read but not mail is only reported. `authserv_ids` name the receiving
/// servers whose Authentication-Results headers are believed (none: the topmost's).
pub fn scan(
    paths: &[PathBuf],
    json: bool,
    config: Option<&Path>,
    model: Option<&Path>,
    authserv_ids: Vec<AuthservId>,
) -> anyhow::Result<ExitCode> {
    let config = load_config(config)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut counts = [0usize; 3];
    let mut unreadable = 0usize;
    let mut not_read = false;
    let detector = Detector { authserv_ids, ..config.detection.detector(model).map_err(anyhow::Error::msg)? };
    for path in paths {
        let mut visit = |input: source::Input| {
            let outcome = input
                .bytes
                .map_err(|e| {
                    not_read = true;
                    e.to_string()
                })
                .and_then(|raw| mail::parse(&raw).map_err(|e| e.to_string()));
            let line = match outcome {
                Ok(email) => {
                    let verdict = classify(&email, &detector);
                    if let Some(count) = counts.get_mut(verdict.label as usize) {
                        *count += 1;
                    }
                    if json {
                        mail::printable::json(explain::json_line(&input.label, &email, &verdict).to_string())
                    } else {
                        explain::summary_line(&input.label, &verdict)
                    }
                }
                Err(error) => {
                    unreadable += 1;
                    if json {
                        mail::printable::json(explain::json_error(&input.label, &error).to_string())
                    } else {
                        let (label, error) =
                            (mail::printable::escape(&input.label), mail::printable::escape(&error));
                        format!("{:<10} {:>5}  {:<9}  {label}  [{error}]", "error", "-", "-")
                    }
                }
            };
            let _ = writeln!(out, "{line}");
        };
        source::for_each_message(path, &mut visit);
    }
    let [clean, suspicious, threats] = counts;
    if !json {
        writeln!(
            out,
            "\n{} messages: {threats} threat, {suspicious} suspicious, {clean} clean, {unreadable} unreadable",
            clean + suspicious + threats + unreadable
        )?;
    }
    out.flush()?;
    Ok(if not_read { ExitCode::from(2) } else { ExitCode::SUCCESS })
}

/// `scamguard explain FILE`: the verdict on one mail with every signal and its evidence.
pub fn explain_file(
    file: &Path,
    config: Option<&Path>,
    model: Option<&Path>,
    account: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let config = load_config(config)?;
    let raw = std::fs::read(file).with_context(|| format!("Unable to read {}", file.display()))?;
    let email = mail::parse(&raw).with_context(|| format!("Unable to parse {}", file.display()))?;
    let mut detector = config.detection.detector(model).map_err(anyhow::Error::msg)?;
    if let Some(name) = account {
        detector = super::runtime()?.block_on(async {
            let account = scamguard::app::account_named(&config, name).await?;
            scamguard::app::account_detector(&config, &account, &detector).await.map_err(anyhow::Error::from)
        })?;
    }
    let verdict = classify_explained(&email, &detector);
    print!("{}", explain::explain(&email, &verdict));
    Ok(ExitCode::SUCCESS)
}

/// `scamguard signals`: the table of every signal, for users.
pub fn list_signals() -> anyhow::Result<ExitCode> {
    print!("{}", explain::signal_table());
    Ok(ExitCode::SUCCESS)
}

/// `scamguard bench`: classification speed on generated mail or a folder of it.
pub fn run_bench(messages: usize, corpus: Option<&Path>, rounds: usize) -> anyhow::Result<ExitCode> {
    let corpus = match corpus {
        Some(dir) => {
            let files = source::eml_files(dir);
            anyhow::ensure!(!files.is_empty(), "no .eml files in {}", dir.display());
            files
                .iter()
                .map(|f| std::fs::read(f).with_context(|| format!("Unable to read {}", f.display())))
                .collect::<anyhow::Result<Vec<_>>>()?
        }
        None => bench::generate_corpus(messages),
    };
    let report = bench::run(&corpus, rounds);
    println!("messages:              {} (mean {} bytes)", report.messages, report.mean_bytes);
    println!("parse only:            {:>8.0} msg/CPU-s", report.parse_per_cpu_second);
    println!("parse + classify:      {:>8.0} msg/CPU-s", report.classify_per_cpu_second);
    println!("classify / parse time: {:>8.2}x", report.classify_over_parse);
    println!("threats found:         {}", report.threats);
    Ok(ExitCode::SUCCESS)
}
