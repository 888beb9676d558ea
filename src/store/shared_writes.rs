//! What holds when two processes write one database at once (tests only): the promises
//! exactly-once rests on, checked on both backends with two stores opened on the same
//! database, their writes interleaved. SQLite takes them one at a time (`BEGIN
//! IMMEDIATE`); PostgreSQL runs them side by side at READ COMMITTED, where each promise
//! is one statement: an upsert on the key, or an `UPDATE` whose condition is checked
//! again on the row the first writer left (see `dialect::Dialect::begin_write`).

use super::test_backends::on_both;
use super::{Action, Category, HistoryFilter, NewDetection, Verdict};

/// Rounds of each race: each round is one chance for a lost update or a double.
const ROUNDS: u32 = 20;

fn planned(uid: u32) -> NewDetection {
    NewDetection {
        account: "a".into(),
        folder: "INBOX".into(),
        uidvalidity: 7,
        uid,
        message_key: format!("<{uid}@x>"),
        digest: format!("d{uid}"),
        verdict: Verdict::Threat,
        category: Category::Extortion,
        action: Action::Planned,
        ..NewDetection::default()
    }
}

on_both! {
/// Two workers recording the same message (a takeover, a restart racing the old
/// process): one row per UID, both told its id, and the day's counts lose no update.
async fn the_same_uid_recorded_twice_at_once_is_one_row(store) {
    let other = store.reopen().await;
    for uid in 1..=ROUNDS {
        let batch = [planned(uid)];
        let (a, b) = tokio::join!(
            store.record_batch("a", &batch, 1, "2026-11-28", 1),
            other.record_batch("a", &batch, 1, "2026-11-28", 1)
        );
        assert_eq!(a.expect("first"), b.expect("second"), "round {uid}: the same row");
    }
    let filter = HistoryFilter { limit: Some(10 * ROUNDS), ..HistoryFilter::default() };
    assert_eq!(store.history(&filter).await.expect("history").len(), ROUNDS as usize);
    let scanned = store.scanned_between("a", "2026-11-28", "2026-11-28").await.expect("counts");
    assert_eq!(scanned, 2 * i64::from(ROUNDS), "every batch counted, none lost");
    assert_eq!(store.pending("a", "INBOX").await.expect("pending").len(), ROUNDS as usize);
}
}

on_both! {
/// A week's report claimed by two workers at once: exactly one may deliver it.
async fn one_of_two_simultaneous_claims_wins(store) {
    let other = store.reopen().await;
    for week in 1..=ROUNDS {
        let week = format!("2026-W{week:02}");
        let (a, b) = tokio::join!(
            store.claim_delivery("a", &week, "<r1@x>", 600),
            other.claim_delivery("a", &week, "<r2@x>", 600)
        );
        let claimed = [a.expect("first"), b.expect("second")]
            .into_iter()
            .filter(|claim| *claim == crate::store::Claim::Claimed)
            .count();
        assert_eq!(claimed, 1, "{week}");
    }
}
}

on_both! {
/// A moved message seen back in INBOX by two workers at once is released once; and the
/// learning of both is kept (the generation counts every save).
async fn a_release_or_a_learning_step_seen_twice_at_once_counts_once_each(store) {
    let other = store.reopen().await;
    let rows: Vec<NewDetection> =
        (1..=ROUNDS).map(|uid| NewDetection { action: Action::Moved, ..planned(uid) }).collect();
    let ids = store.record_batch("a", &rows, ROUNDS, "d", 1).await.expect("record");
    for id in ids {
        let (a, b) = tokio::join!(
            store.record_release(id, Action::Released, "INBOX", 2),
            other.record_release(id, Action::Released, "INBOX", 2)
        );
        assert_eq!(u8::from(a.expect("first")) + u8::from(b.expect("second")), 1, "row {id}");
    }
    let layer = crate::detect::personal::Layer::default();
    for _ in 0..ROUNDS {
        let (a, b) = tokio::join!(store.save_personal("a", &layer, &[], 3), other.save_personal("a", &layer, &[], 3));
        a.expect("first");
        b.expect("second");
    }
    assert_eq!(store.personal_generation("a").await.expect("generation"), 2 * i64::from(ROUNDS));
}
}

on_both! {
/// A claim taken a moment ago by another worker (its APPEND still on its way: a worker
/// stalled mid-delivery while its lease moved, or one still delivering from its list of
/// accounts after a rebalance) must not be handed to a second worker as `Unconfirmed`:
/// `deliver` then looks in INBOX, does not find the report not yet appended, and appends
/// a second one for the same week.
async fn a_claim_in_flight_is_not_handed_over_as_unconfirmed(store) {
    let other = store.reopen().await;
    assert_eq!(store.claim_delivery("a", "2026-W48", "<r1@x>", 600).await.expect("claim"), crate::store::Claim::Claimed);
    let second = other.claim_delivery("a", "2026-W48", "<r2@x>", 600).await.expect("claim");
    assert!(
        !matches!(second, crate::store::Claim::Unconfirmed(_)),
        "a claim made a moment ago is in flight, not abandoned: {second:?}"
    );
}
}
