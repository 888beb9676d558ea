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
    let (states, stored, leases) = if Store::exists_at(&scamguard::app::database(&config)) {
        runtime()?.block_on(async {
            let store = open_for_review(&config, Access::Read).await?;
            // "Today" as the daily counts and the history keep days: in UTC.
            let states = store.folder_states(now - now.rem_euclid(86_400)).await?;
            let stored = store.stored_accounts().await?;
            Ok::<_, anyhow::Error>((states, stored, store.leases().await?))
        })?
    } else {
        Default::default()
    };
    if json {
        // Each folder's state, with its account's lease on a shared database.
        let mut rows = serde_json::to_value(&states)?;
        for row in rows.as_array_mut().into_iter().flatten() {
            let lease = leases.iter().find(|l| row["account"] == l.account.as_str());
            row["lease"] = serde_json::to_value(lease)?;
        }
        println!("{}", scamguard::mail::printable::json(rows.to_string()));
    } else {
        let (accounts, _) = scamguard::app::accounts::known(&config, &stored);
        let configured: Vec<(String, Vec<String>)> =
            accounts.iter().map(|a| (a.name.clone(), a.folders.clone())).collect();
        print!("{}", scamguard::report::status::text(&configured, &states, now, &still_running));
        print!("{}", scamguard::report::status::leases(&leases));
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
