//! `scamguard status`: where every account and folder stands, read from the database
//! (also while `run` runs: read-only, no lock), with a check that the process that wrote
//! each status still runs.

use std::path::Path;
use std::process::ExitCode;

use scamguard::app::status::worker_name;
use scamguard::clock;
use scamguard::store::{Access, Store};

use super::review::open_for_review;
use super::{load_config, runtime};

/// Prints each configured folder's status (text, or one JSON array with `--json`).
pub fn status(config_path: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let config = load_config(Some(config_path))?;
    let now = clock::now_unix();
    let states = if Store::exists_at(&scamguard::app::database(&config)) {
        runtime()?.block_on(async {
            let store = open_for_review(&config, Access::Read).await?;
            // "Today" as the daily counts and the history keep days: in UTC.
            Ok::<_, anyhow::Error>(store.folder_states(now - now.rem_euclid(86_400)).await?)
        })?
    } else {
        Vec::new()
    };
    if json {
        println!("{}", scamguard::mail::printable::json(serde_json::to_string(&states)?));
    } else {
        let configured: Vec<(String, Vec<String>)> =
            config.accounts.iter().map(|a| (a.name.clone(), a.folders.clone())).collect();
        print!("{}", scamguard::report::status::text(&configured, &states, now, &still_running));
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether the process `worker` ("host:pid") still runs: `None` when it ran on another
/// host or the name does not read.
fn still_running(worker: &str) -> Option<bool> {
    let ours = worker_name();
    let (host, pid) = worker.rsplit_once(':')?;
    if Some(host) != ours.rsplit_once(':').map(|(h, _)| h) {
        return None;
    }
    let pid = rustix::process::Pid::from_raw(pid.parse().ok()?)?;
    match rustix::process::test_kill_process(pid) {
        Ok(()) => Some(true),
        Err(rustix::io::Errno::SRCH) => Some(false),
        // It exists, owned by another user.
        Err(_) => Some(true),
    }
}
