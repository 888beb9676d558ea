//! How many accounts a worker of a fleet should hold, and what it does to get there: a
//! pure decision, taken on each lease round from what the database says (the accounts to
//! watch, the live workers, what this worker holds) and tested directly.
//!
//! Each worker aims at its fair share, `ceil(accounts / live workers)`: a worker that
//! starts makes the others' share smaller, and they let go of their excess (released
//! leases are free at once) for it to take; a worker that dies stops counting as live
//! when its heartbeat ages past a lease's length, the moment its leases expire, so the
//! others' shares grow by just what they must take over. The rounding up means workers
//! together can hold every account, and none holds more than one above the mean.

/// What one lease round does.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Round {
    /// Held accounts to let go: no longer to be watched, or beyond the share.
    pub release: Vec<String>,
    /// How many free accounts to try to take.
    pub take: usize,
}

/// The fair share of `accounts` among `live` workers (at least one: the asking worker).
pub fn fair_share(accounts: usize, live: usize) -> usize {
    accounts.div_ceil(live.max(1))
}

/// Decides a round for a worker holding `held` (sorted), of `wanted` accounts (those to
/// watch), with `live` workers. The excess released is the last held in name order, so a
/// round repeated gives the same answer.
pub fn round(held: &[String], wanted: &[String], live: usize) -> Round {
    let share = fair_share(wanted.len(), live);
    let (mut keep, mut release): (Vec<&String>, Vec<&String>) = held.iter().partition(|a| wanted.contains(a));
    if keep.len() > share {
        release.extend(keep.split_off(share));
    }
    Round { release: release.into_iter().cloned().collect(), take: share - keep.len() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(range: std::ops::Range<usize>) -> Vec<String> {
        range.map(|n| format!("a{n:03}")).collect()
    }

    #[test]
    fn the_share_is_the_ceiling_of_accounts_over_live_workers() {
        assert_eq!(fair_share(30, 3), 10);
        assert_eq!(fair_share(31, 3), 11);
        assert_eq!(fair_share(2, 3), 1);
        assert_eq!(fair_share(0, 3), 0);
        assert_eq!(fair_share(7, 0), 7, "the asking worker is live");
    }

    #[test]
    fn a_worker_takes_up_to_its_share_and_lets_go_of_what_is_beyond_it() {
        let wanted = names(0..30);
        assert_eq!(round(&[], &wanted, 1), Round { release: vec![], take: 30 });
        // A second worker started: the first lets go of half, the last in name order.
        let all = names(0..30);
        assert_eq!(round(&all, &wanted, 2), Round { release: names(15..30), take: 0 });
        assert_eq!(round(&names(0..12), &wanted, 2), Round { release: vec![], take: 3 });
    }

    #[test]
    fn an_account_no_longer_wanted_is_let_go_whatever_the_share() {
        let wanted = names(0..10);
        let held = vec!["a000".to_string(), "gone".to_string()];
        assert_eq!(round(&held, &wanted, 1), Round { release: vec!["gone".into()], take: 9 });
    }

    /// Workers taking in turns from a common pool, as the lease rounds do, end with every
    /// account held once and none holding more than 1.5 times the mean, after a worker
    /// joins and after one dies.
    #[test]
    fn rounds_converge_to_a_bounded_split_after_a_join_and_a_death() {
        let wanted = names(0..30);
        let mut held: Vec<Vec<String>> = vec![vec![]; 3];
        let settle = |held: &mut Vec<Vec<String>>, live: &[usize]| {
            for _ in 0..5 {
                for &w in live {
                    let decided = round(&held[w], &wanted, live.len());
                    held[w].retain(|a| !decided.release.contains(a));
                    let taken: Vec<String> = wanted
                        .iter()
                        .filter(|a| !held.iter().flatten().any(|h| h == *a))
                        .take(decided.take)
                        .cloned()
                        .collect();
                    held[w].extend(taken);
                    held[w].sort();
                }
            }
        };
        settle(&mut held, &[0]);
        assert_eq!(held[0].len(), 30);
        settle(&mut held, &[0, 1, 2]);
        let sizes: Vec<usize> = held.iter().map(Vec::len).collect();
        assert_eq!(sizes, [10, 10, 10]);
        held[1].clear(); // worker 1 died: its leases expired
        settle(&mut held, &[0, 2]);
        let sizes: Vec<usize> = [0, 2].iter().map(|&w| held[w].len()).collect();
        assert_eq!(sizes, [15, 15]);
        let mut every: Vec<&String> = held.iter().flatten().collect();
        every.sort();
        every.dedup();
        assert_eq!(every.len(), 30, "every account held, none twice");
    }
}
