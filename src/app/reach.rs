//! Accounts this worker of a fleet cannot reach: a worker that reaches the database but
//! not an account's IMAP server (a firewall, a broken route, a DNS answer only it gets)
//! would otherwise renew that account's lease for ever, and nobody would watch it while
//! healthy workers exist.
//!
//! The decision is pure ([`avoid`], tested directly): an account whose connection has
//! been failing here for [`GIVE_UP_AFTER`] is let go when another worker lives, and not
//! taken again by this worker for [`BACK_OFF`], so another may take it. If every worker
//! fails, the account rotates between them (each failing, each recording the error that
//! `status` shows) until one reaches it. A worker alone keeps its accounts: there is
//! nobody to hand them to, and letting go would only leave them unwatched.
//!
//! [`Reach`] is what an account's folder workers tell the lease round: how many of them
//! are connected, and since when none is.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::store::LEASE_SECONDS;

/// How long an account's connection may fail on this worker before it is let go: two
/// lease periods, long enough for a server restart or a short outage (which every worker
/// would see alike), short enough that another worker watches it within a minute.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(2 * LEASE_SECONDS as u64);

/// How long an account let go as unreachable is not taken again by this worker: fifteen
/// lease periods, so other workers try it first, and a worker whose network is broken
/// does not keep taking accounts back to fail on them.
pub const BACK_OFF: Duration = Duration::from_secs(15 * LEASE_SECONDS as u64);

/// The accounts this worker should not hold now, of those it holds whose connection has
/// been failing for the time given (`failing`) and those it let go as unreachable the
/// time given ago (`let_go`), with `live` workers in the fleet (itself included).
pub fn avoid(failing: &[(String, Duration)], let_go: &[(String, Duration)], live: usize) -> Vec<String> {
    if live < 2 {
        return Vec::new();
    }
    let given_up = failing.iter().filter(|(_, failed)| *failed >= GIVE_UP_AFTER);
    let backing_off = let_go.iter().filter(|(_, ago)| *ago < BACK_OFF);
    let mut avoided: Vec<String> = given_up.chain(backing_off).map(|(name, _)| name.clone()).collect();
    avoided.sort();
    avoided.dedup();
    avoided
}

/// How an account's connection fares on this worker, told by its folder workers.
#[derive(Debug)]
pub struct Reach {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Folder workers connected now.
    connected: usize,
    /// When the last one connected or disconnected (or the account was taken).
    since: Instant,
}

impl Reach {
    /// An account just taken: not connected yet.
    pub fn new(now: Instant) -> Reach {
        Reach { state: Mutex::new(State { connected: 0, since: now }) }
    }

    /// A folder worker connected.
    pub fn up(&self) {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        state.connected += 1;
        state.since = Instant::now();
    }

    /// A folder worker that had connected lost its connection.
    pub fn down(&self) {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        state.connected = state.connected.saturating_sub(1);
        state.since = Instant::now();
    }

    /// How long no folder worker has been connected, at `now`; `None` while one is.
    pub fn failing_for(&self, now: Instant) -> Option<Duration> {
        let state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        (state.connected == 0).then(|| now.saturating_duration_since(state.since))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(pairs: &[(&str, u64)]) -> Vec<(String, Duration)> {
        pairs.iter().map(|(name, secs)| (name.to_string(), Duration::from_secs(*secs))).collect()
    }

    #[test]
    fn an_account_failing_long_enough_is_avoided_while_another_worker_lives() {
        let give_up = GIVE_UP_AFTER.as_secs();
        let failing = named(&[("a", give_up), ("b", give_up - 1)]);
        assert_eq!(avoid(&failing, &[], 2), ["a"], "b may be a short outage");
        assert_eq!(avoid(&failing, &[], 1), Vec::<String>::new(), "alone: nobody to hand it to");
    }

    #[test]
    fn an_account_let_go_is_not_taken_back_during_the_back_off() {
        let back_off = BACK_OFF.as_secs();
        let let_go = named(&[("a", back_off - 1), ("b", back_off)]);
        assert_eq!(avoid(&[], &let_go, 3), ["a"], "b may be tried here again");
        assert_eq!(avoid(&[], &let_go, 1), Vec::<String>::new(), "the others died: take it back");
        let both = avoid(&named(&[("a", GIVE_UP_AFTER.as_secs())]), &let_go, 2);
        assert_eq!(both, ["a"], "named once");
    }

    #[test]
    fn reach_counts_connected_folders_and_times_the_failure() {
        let taken = Instant::now();
        let reach = Reach::new(taken);
        let later = taken + Duration::from_secs(30);
        assert_eq!(reach.failing_for(later), Some(Duration::from_secs(30)), "never connected");
        reach.up();
        reach.up();
        reach.down();
        assert_eq!(reach.failing_for(later + Duration::from_secs(60)), None, "one folder still connected");
        reach.down();
        reach.down();
        let failing = reach.failing_for(Instant::now() + Duration::from_secs(5)).expect("failing");
        assert!(failing >= Duration::from_secs(5) && failing < Duration::from_secs(30), "{failing:?}");
    }

    /// The periods as a user lives them: half a minute of failure (a server restart) is
    /// ridden out, a minute's hands the account over; one let go four minutes ago is still
    /// left to the others, one let go six minutes ago may be taken here again.
    #[test]
    fn a_short_outage_is_ridden_out_and_the_back_off_lasts_minutes() {
        let at = |secs| named(&[("a", secs)]);
        assert_eq!(avoid(&at(30), &[], 2), Vec::<String>::new(), "half a minute");
        assert_eq!(avoid(&at(60), &[], 2), ["a"], "a minute");
        assert_eq!(avoid(&[], &at(240), 2), ["a"], "let go four minutes ago");
        assert_eq!(avoid(&[], &at(360), 2), Vec::<String>::new(), "let go six minutes ago");
    }
}
