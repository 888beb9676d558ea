//! `scamguard train`: folders of labelled `.eml` files in, a model file out, with
//! cross-validated figures per label printed on the way.
//!
//! A mail's label is the name of its nearest folder called `ham`, `extortion`,
//! `phishing` or `other` (at any depth); a relabel list (`file<TAB>from<TAB>to<TAB>why`,
//! by file name) corrects labels known to be wrong. Mail under a folder whose name starts
//! with `synthetic` is also learned a second time without its authentication headers
//! (generated ham always passes, generated scams never do). Reading runs on every core;
//! fitting is one thread, so the same input writes the same bytes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use scamguard::detect::Thresholds;
use scamguard::learn::{self, Class, Observed, Options, SignalSpace, folds};
use scamguard::{mail, source};

/// The false-positive budget the thresholds are chosen for: 0.1% of ham.
const BUDGET: f32 = 0.001;

/// Looser budgets whose recall `train` prints beside the real one. When recall barely
/// rises as the budget grows tenfold, scams and ham overlap in score: a lower threshold
/// would not lift it, better features would. The recall at the budget itself rests on the
/// few hardest ham, so it moves by a point between fits that differ in little; these
/// figures move less.
const LOOSER_BUDGETS: [f32; 2] = [0.005, 0.01];

/// `scamguard train --out FILE [--relabel FILE] [--predictions FILE] [--folds N] DIR...`;
/// `predictions` receives each mail's cross-validated probabilities (tab-separated), to
/// find the labels and the mails the model gets wrong.
pub fn train(
    out: &Path,
    relabel: Option<&Path>,
    predictions: Option<&Path>,
    fold_count: usize,
    dirs: &[PathBuf],
) -> anyhow::Result<ExitCode> {
    let relabels = match relabel {
        Some(path) => read_relabels(path)?,
        None => HashMap::new(),
    };
    let mut files: Vec<(PathBuf, Class, bool)> = Vec::new();
    let mut unlabelled = 0usize;
    for dir in dirs {
        anyhow::ensure!(dir.is_dir(), "{} is not a folder", dir.display());
        let own = own_name(dir);
        for path in source::eml_files(dir) {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let folders = folders_of(own.as_deref(), dir, &path);
            match relabels.get(&name).copied().or_else(|| label_of(&folders)) {
                Some(class) => files.push((path.clone(), class, is_synthetic(&folders))),
                None => unlabelled += 1,
            }
        }
    }
    anyhow::ensure!(
        !files.is_empty(),
        "no labelled .eml files under {dirs:?} ({unlabelled} without a label): a mail's label is the name of \
         its nearest folder called ham, extortion, phishing or other"
    );
    // The thresholds are set for a false-positive budget on ham, and a model learns a
    // class only against another: one class alone would write a model that flags nothing.
    let has = |wanted: fn(Class) -> bool| files.iter().any(|(_, class, _)| wanted(*class));
    anyhow::ensure!(
        has(|c| c == Class::Ham) && has(|c| c != Class::Ham),
        "training needs ham and at least one kind of unwanted mail (extortion, phishing or other) under {dirs:?}"
    );
    let options = Options::default();
    let (observed, unreadable) = read_all(&files, options.bits);
    let mut space = SignalSpace::default();
    let mut examples: Vec<learn::Example> = observed.iter().map(|(_, o)| space.add(o)).collect();
    let sources: Vec<String> = observed
        .iter()
        .map(|(file, _)| files.get(*file).map(|f| source_of(&f.0)).unwrap_or_default())
        .collect();
    learn::weigh_sources(&mut examples, &sources);
    let skeletons: Vec<[String; 2]> = observed.iter().map(|(_, o)| o.skeletons.clone()).collect();
    let fold_of = folds::assign(&skeletons, fold_count);
    eprintln!(
        "read {} mails ({} learned twice without authentication), {unreadable} unreadable or not mail, {unlabelled} without a label",
        files.len(),
        examples.len() - (files.len() - unreadable)
    );
    let out_of_fold = learn::cross_validate(&examples, &fold_of, fold_count, &space, &options);
    let thresholds = learn::choose_thresholds(&examples, &out_of_fold, BUDGET);
    if let Some(path) = predictions {
        let rows = observed.iter().zip(&out_of_fold).filter(|((_, o), _)| !o.copy).map(|((file, o), p)| {
            let name = files.get(*file).map(|f| f.0.display().to_string()).unwrap_or_default();
            (name, o.class, *p)
        });
        let text = prediction_table(rows, &thresholds);
        std::fs::write(path, text).with_context(|| format!("Unable to write {}", path.display()))?;
    }
    println!("cross-validated over {fold_count} folds (a campaign stays in one fold):");
    println!("{:<10} {:>6} {:>7} {:>10}  rate", "label", "mails", "threat", "suspicious");
    let figures = learn::figures(&examples, &out_of_fold, &thresholds);
    for (class, f) in Class::ALL.into_iter().zip(figures) {
        let what = match class {
            Class::Ham => "false positives (suspicious counts half)",
            Class::Other => "marked (threat or suspicious)",
            _ => "recall (threat)",
        };
        println!(
            "{:<10} {:>6} {:>7} {:>10}  {:.2}% {what}",
            class.name(),
            f.total,
            f.threat,
            f.suspicious,
            f.rate(class) * 100.0
        );
    }
    println!(
        "thresholds: suspicious {:.3}, threat {:.3}, extortion {:.3}",
        thresholds.suspicious, thresholds.threat, thresholds.extortion
    );
    println!("{}", looser_budgets(&examples, &out_of_fold));
    let all: Vec<&learn::Example> = examples.iter().collect();
    let mut model = learn::fit(&all, &space, &options);
    model.thresholds = thresholds;
    std::fs::write(out, model.to_bytes()).with_context(|| format!("Unable to write {}", out.display()))?;
    println!("model written to {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// The recall of each kind of scam the thresholds for each of [`LOOSER_BUDGETS`] would
/// give, as one line: `at looser budgets (recall): 0.5% of ham (threat 0.500): extortion
/// 99.3%, phishing 94.6%; 1.0% of ham …`. A kind without mail is left out. The threshold is
/// shown because none goes below 0.5 (see `learn::choose_thresholds`): where two budgets
/// show the same 0.500, the floor held both.
fn looser_budgets(examples: &[learn::Example], out_of_fold: &[learn::Prediction]) -> String {
    let each = LOOSER_BUDGETS.map(|budget| {
        let thresholds = learn::choose_thresholds(examples, out_of_fold, budget);
        let figures = learn::figures(examples, out_of_fold, &thresholds);
        let recall: Vec<String> = [Class::Extortion, Class::Phishing]
            .into_iter()
            .filter_map(|class| Some((class, *figures.get(class as usize)?)))
            .filter(|(_, f)| f.total > 0)
            .map(|(class, f)| format!("{} {:.1}%", class.name(), f.rate(class) * 100.0))
            .collect();
        format!("{:.1}% of ham (threat {:.3}): {}", budget * 100.0, thresholds.threat, recall.join(", "))
    });
    format!("at looser budgets (recall): {}", each.join("; "))
}

/// The `--predictions` file: per mail its path, label, cross-validated probabilities and
/// the verdict they make under the chosen thresholds, so the misses of a label are one
/// filter away (`awk -F'\t' '$2=="phishing" && $7!="threat"'`).
fn prediction_table(
    rows: impl Iterator<Item = (String, Class, learn::Prediction)>,
    thresholds: &Thresholds,
) -> String {
    let mut text = String::from("file\tlabel\tham\textortion\tphishing\tother\tverdict\n");
    for (name, class, prediction) in rows {
        let [ham, extortion, phishing, other] = prediction.probabilities;
        let verdict = learn::label_of(&prediction, thresholds).as_str();
        let label = class.name();
        text.push_str(&format!(
            "{name}\t{label}\t{ham:.4}\t{extortion:.4}\t{phishing:.4}\t{other:.4}\t{verdict}\n"
        ));
    }
    text
}

/// The real name of the folder `dir` (so `.` counts as the folder it is), read once per
/// folder given.
fn own_name(dir: &Path) -> Option<String> {
    dir.canonicalize().ok().and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
}

/// The names of the folders that hold `path`, from `dir` itself (named `own`, see
/// [`own_name`]) down to the file's own: only these label a mail, never a folder above
/// `dir`, so a corpus reads the same whether its path is typed absolute or relative, and
/// wherever it is kept.
fn folders_of(own: Option<&str>, dir: &Path, path: &Path) -> Vec<String> {
    let own = own.map(String::from);
    let inside = path.strip_prefix(dir).ok().and_then(Path::parent);
    own.into_iter()
        .chain(inside.into_iter().flat_map(Path::iter).map(|n| n.to_string_lossy().into_owned()))
        .collect()
}

/// The source a training mail came from: the part of its file name before `__` (the
/// corpus's `<source>__<id>.eml`), else its folder.
fn source_of(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    match name.split_once("__") {
        Some((source, _)) => source.to_string(),
        None => path.parent().map(|p| p.display().to_string()).unwrap_or_default(),
    }
}

/// The class named by the nearest labelled folder of `folders` (outermost first).
fn label_of(folders: &[String]) -> Option<Class> {
    folders.iter().rev().find_map(|name| Class::named(name))
}

fn is_synthetic(folders: &[String]) -> bool {
    folders.iter().any(|name| name.starts_with("synthetic"))
}

/// Reads the relabel list: file name → the class it really is.
fn read_relabels(path: &Path) -> anyhow::Result<HashMap<String, Class>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("Unable to read {}", path.display()))?;
    let mut out = HashMap::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') || line.starts_with("file\t") {
            continue;
        }
        let at = || format!("{} line {}", path.display(), number + 1);
        // A line cut short would otherwise be skipped, and the label it corrects kept.
        let fields: Vec<&str> = line.split('\t').collect();
        let (Some(file), Some(to)) = (fields.first().map(|f| f.trim()), fields.get(2)) else {
            anyhow::bail!("{}: expected file<TAB>from<TAB>to<TAB>reason, got {line:?}", at());
        };
        anyhow::ensure!(!file.is_empty(), "{}: no file name", at());
        let class = Class::named(to.trim()).with_context(|| format!("{}: unknown label {to:?}", at()))?;
        out.insert(file.to_string(), class);
    }
    Ok(out)
}

/// Reads, parses and observes every file on all cores, in the files' order; a synthetic
/// mail is read twice (see the module header). Returns the observations and how many
/// files could not be read or parsed.
fn read_all(files: &[(PathBuf, Class, bool)], bits: u32) -> (Vec<(usize, Observed)>, usize) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = files.len().div_ceil(threads).max(1);
    let parts: Vec<Vec<Option<Vec<Observed>>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(path, class, synthetic)| read_one(path, *class, *synthetic, bits))
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_default()).collect()
    });
    let mut observed = Vec::with_capacity(files.len());
    let mut unreadable = 0;
    for (file, result) in parts.into_iter().flatten().enumerate() {
        match result {
            Some(found) => observed.extend(found.into_iter().map(|o| (file, o))),
            None => unreadable += 1,
        }
    }
    (observed, unreadable)
}

fn read_one(path: &Path, class: Class, synthetic: bool, bits: u32) -> Option<Vec<Observed>> {
    let raw = std::fs::read(path).ok()?;
    let email = mail::parse(&raw).ok()?;
    // A file named .eml with neither a sender nor a subject is not mail (a saved page, a
    // note): counted as unreadable rather than learned as its folder's kind.
    if email.from.is_none() && email.subject.trim().is_empty() {
        return None;
    }
    let mut found = vec![learn::read(&email, class, false, bits)];
    if synthetic {
        let stripped = learn::without_authentication(&raw);
        if let Ok(email) = mail::parse(&stripped) {
            found.push(learn::read(&email, class, true, bits));
        }
    }
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_predictions_name_each_mails_out_of_fold_verdict() {
        let thresholds = Thresholds { suspicious: 0.6, threat: 0.8, extortion: 0.7 };
        let rows = [
            ("caught.eml", Class::Phishing, [0.1, 0.0, 0.9, 0.0]),
            ("doubtful.eml", Class::Phishing, [0.3, 0.0, 0.7, 0.0]),
            ("missed.eml", Class::Phishing, [0.9, 0.0, 0.1, 0.0]),
            ("threat.eml", Class::Extortion, [0.25, 0.75, 0.0, 0.0]),
        ];
        let text = prediction_table(
            rows.into_iter().map(|(n, c, p)| (n.to_string(), c, learn::Prediction::of(p))),
            &thresholds,
        );
        let verdicts: Vec<(&str, &str)> = text
            .lines()
            .map(|line| line.split('\t').collect::<Vec<_>>())
            .map(|f| (f.first().copied().unwrap_or(""), f.get(6).copied().unwrap_or("")))
            .collect();
        assert_eq!(
            verdicts,
            [
                ("file", "verdict"),
                ("caught.eml", "threat"),
                ("doubtful.eml", "suspicious"),
                ("missed.eml", "clean"),
                ("threat.eml", "threat"),
            ]
        );
        assert!(text.contains("missed.eml\tphishing\t0.9000\t0.0000\t0.1000\t0.0000\tclean\n"), "{text}");
    }

    #[test]
    fn the_nearest_labelled_folder_under_the_given_one_names_the_class() {
        let folders = |path: &str| -> Vec<String> { path.split('/').map(String::from).collect() };
        assert_eq!(label_of(&folders("train/scam/phishing")), Some(Class::Phishing));
        assert_eq!(label_of(&folders("ham/2002/other-stuff")), Some(Class::Ham));
        assert_eq!(label_of(&folders("phishing/other")), Some(Class::Other));
        assert_eq!(label_of(&folders("misc")), None);
        assert!(is_synthetic(&folders("c/synthetic-ja/ham")));
        assert!(!is_synthetic(&folders("train/ham")));
        // Folders above the one given do not count.
        let dir = tempfile::tempdir().expect("temp dir");
        let given = dir.path().join("other/corpus");
        std::fs::create_dir_all(given.join("misc")).expect("folders");
        let own = own_name(&given);
        assert_eq!(folders_of(own.as_deref(), &given, &given.join("misc/x.eml")), ["corpus", "misc"]);
        assert_eq!(label_of(&folders_of(own.as_deref(), &given, &given.join("misc/x.eml"))), None);
    }
}
