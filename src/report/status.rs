//! `scamguard status` as text: each configured account and folder, what its worker last
//! recorded, and whether that worker still runs. Pure: the states, the configuration's
//! folders, the time and the process check come in as arguments. Everything that came
//! from a server or a configuration is escaped.

use crate::mail::printable::escape as p;
use crate::store::{FolderState, Lease, WatchMode};

/// Whether the process a status names still runs: `Some(false)` when it is known gone
/// (same host, no such process), `None` when that cannot be told (another host).
pub type Alive<'a> = &'a dyn Fn(&str) -> Option<bool>;

/// The status of every folder in `configured` (account, folders), in that order, then of
/// folders with a status that are no longer configured.
pub fn text(
    configured: &[(String, Vec<String>)],
    states: &[FolderState],
    now: i64,
    alive: Alive<'_>,
) -> String {
    let mut out = String::new();
    let find =
        |account: &str, folder: &str| states.iter().find(|s| s.account == account && s.folder == folder);
    for (account, folders) in configured {
        out.push_str(&format!("account {}\n", p(account)));
        for folder in folders {
            out.push_str(&format!("  folder {}\n", p(folder)));
            match find(account, folder) {
                Some(state) => describe(&mut out, state, now, alive),
                None => out.push_str("    never connected: `scamguard run` has not watched it yet\n"),
            }
        }
    }
    let listed = |s: &FolderState| configured.iter().any(|(a, fs)| *a == s.account && fs.contains(&s.folder));
    for state in states.iter().filter(|s| !listed(s)) {
        out.push_str(&format!(
            "account {} folder {} (no longer configured)\n",
            p(&state.account),
            p(&state.folder)
        ));
        describe(&mut out, state, now, alive);
    }
    out
}

fn describe(out: &mut String, state: &FolderState, now: i64, alive: Alive<'_>) {
    let mode = match state.mode {
        Some(WatchMode::Idle) => "IDLE",
        Some(WatchMode::Polling) => "polling",
        None => "not yet known",
    };
    let line = match (state.connected, alive(&state.worker)) {
        (true, Some(false)) => format!(
            "    not connected: the process that watched it ({}) is gone (stopped without saying so)",
            p(&state.worker)
        ),
        (true, _) => format!(
            "    connected, new mail by {mode}, since {} ({})",
            ago(state.connected_at.unwrap_or(state.updated_at), now),
            p(&state.worker)
        ),
        (false, _) => {
            format!("    not connected (last word {}); new mail was by {mode}", ago(state.updated_at, now))
        }
    };
    out.push_str(&line);
    out.push('\n');
    let pass = state.last_pass_at.map_or_else(|| "none yet".to_string(), |at| ago(at, now));
    let cursor =
        state.cursor.map_or_else(|| "none".to_string(), |(v, uid)| format!("UID {uid} (UIDVALIDITY {v})"));
    out.push_str(&format!(
        "    last successful pass: {pass}; read up to {cursor}; waiting to be read: {}\n",
        state.backlog
    ));
    out.push_str(&format!("    moved to Junk today: {}\n", state.moved_today));
    if let Some(at) = state.last_error_at.filter(|_| !state.last_error.is_empty()) {
        out.push_str(&format!("    last error, {}: {}\n", ago(at, now), p(&state.last_error)));
    }
}

/// "12 s ago", "4 min ago", "3 h ago", "2 days ago".
fn ago(at: i64, now: i64) -> String {
    let seconds = now.saturating_sub(at).max(0);
    match seconds {
        0..=119 => format!("{seconds} s ago"),
        120..=7_199 => format!("{} min ago", seconds / 60),
        7_200..=172_799 => format!("{} h ago", seconds / 3_600),
        _ => format!("{} days ago", seconds / 86_400),
    }
}

/// Who holds each account of a fleet (a shared database), and since when; an expired
/// lease says whose it was, and that any worker may take it. How long is left is the
/// database's count, not this machine's clock, which may differ from the workers'.
pub fn leases(leases: &[Lease]) -> String {
    if leases.is_empty() {
        return String::new();
    }
    let mut out = String::from("leases (workers sharing the database)\n");
    for lease in leases {
        let since = crate::clock::minute_string(lease.acquired_at);
        let (account, worker) = (p(&lease.account), p(&lease.worker));
        out.push_str(&match lease.expired.0 {
            false => format!(
                "  {account}: held by {worker} since {since} UTC (renewed: expires in {} s)\n",
                lease.remaining.max(0)
            ),
            true => format!(
                "  {account}: EXPIRED {} s ago, was held by {worker} since {since} UTC: the next worker to look takes it\n",
                lease.remaining.saturating_neg().max(0)
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leases_say_who_holds_each_account_since_when_and_which_expired() {
        // The database's clock is an hour ahead of this machine's: what is left is its count.
        let lease = |account: &str, remaining: i64| Lease {
            account: account.into(),
            worker: "box:42:0badf00d\x1b[31m".into(),
            acquired_at: 1_764_000_000,
            expires_at: 1_764_003_600 + remaining,
            expired: crate::store::Enabled(remaining <= 0),
            remaining,
        };
        let text = leases(&[lease("a", 25), lease("b", -40)]);
        assert!(text.contains("a: held by box:42:0badf00d") && text.contains("expires in 25 s"), "{text}");
        assert!(text.contains("b: EXPIRED 40 s ago, was held by box:42"), "{text}");
        assert!(text.contains("since 2025-11-24 16:00 UTC"), "{text}");
        assert!(!text.contains('\x1b'), "escaped: {text}");
        assert_eq!(leases(&[]), "");
    }

    fn state(connected: bool, error: &str) -> FolderState {
        FolderState {
            account: "home".into(),
            folder: "INBOX".into(),
            worker: "box:42".into(),
            connected,
            mode: Some(WatchMode::Idle),
            connected_at: Some(1_000),
            last_pass_at: Some(1_090),
            backlog: 3,
            last_error: error.into(),
            last_error_at: (!error.is_empty()).then_some(500),
            updated_at: 1_090,
            cursor: Some((7, 120)),
            moved_today: 2,
        }
    }

    fn configured() -> Vec<(String, Vec<String>)> {
        vec![("home".into(), vec!["INBOX".into(), "Work".into()])]
    }

    #[test]
    fn a_running_folder_says_how_it_waits_where_it_stands_and_what_it_moved() {
        let text = text(&configured(), &[state(true, "")], 1_100, &|_| Some(true));
        assert!(text.contains("connected, new mail by IDLE, since 100 s ago (box:42)"), "{text}");
        assert!(text.contains(
            "last successful pass: 10 s ago; read up to UID 120 (UIDVALIDITY 7); waiting to be read: 3"
        ));
        assert!(text.contains("moved to Junk today: 2"));
        assert!(
            text.contains("folder Work\n    never connected"),
            "a configured folder without a status: {text}"
        );
        assert!(!text.contains("last error"));
    }

    #[test]
    fn a_dead_worker_and_the_last_error_are_told_escaped() {
        let hostile = "NO \u{1b}[31mbusy\r\nforged line";
        let text = text(&configured(), &[state(true, hostile)], 10_000, &|_| Some(false));
        assert!(text.contains("is gone (stopped without saying so)"), "{text}");
        assert!(text.contains("last error, 2 h ago: NO"), "{text}");
        assert!(
            !text.contains('\u{1b}') && !text.contains("\r\nforged"),
            "server words are escaped: {text:?}"
        );
        let stopped = super::text(&configured(), &[state(false, "")], 1_100, &|_| None);
        assert!(stopped.contains("not connected (last word 10 s ago)"), "{stopped}");
    }

    #[test]
    fn folders_no_longer_configured_are_listed_after() {
        let mut old = state(false, "");
        old.folder = "Old".into();
        let text = text(&configured(), &[old], 1_100, &|_| None);
        assert!(text.contains("account home folder Old (no longer configured)"), "{text}");
    }
}
