//! What the stored digests do to a mail: a near-copy of a reported mail is moved, a
//! near-copy of a released one kept ([`Personal::nearest`]), and later mail from the
//! claimed sender of a release, when no server vouched for it, is kept out of Junk but
//! flagged ([`Personal::credits_claimed_sender`]).
//!
//! The claimed-sender credit is the team's choice for small senders no server
//! authenticates (a newsletter with no DKIM whose every issue differs from the last):
//! anyone can type that From line, so the credit is only what a forger could not abuse.
//! The mail must do no more than the released one could ([`harms::can_do_no_more`]:
//! links, written domains, numbers and Reply-To only where it went, no attachment, no
//! request or claim it did not make), and it stays at least `suspicious`: the user sees
//! it marked in INBOX. The From address must be the released mail's, exactly (not its
//! domain, not its display name): the narrowest sender that still credits the same
//! newsletter's next issue.

use std::cell::OnceCell;

use super::harms::{self, Harms};
use super::{
    Feedback, HARMLESS_NEAR, NEAR, Personal, ROOM_BELOW_THREAT, Share, Thresholds, digest, logit, near_copy,
};
use crate::detect::Facts;

impl Share {
    /// The explanation's line: "learned from your feedback: +2.30", and why.
    pub fn evidence(&self) -> String {
        let mut text = format!("learned from your feedback: {:+.2}", self.shift);
        match self.near {
            Some((Feedback::Reported, alike)) => {
                text += &format!("; a near-copy of a mail you reported ({:.0}% alike)", alike * 100.0)
            }
            Some((Feedback::Released, alike)) => {
                text += &format!("; a near-copy of a mail you took out of Junk ({:.0}% alike)", alike * 100.0)
            }
            None if self.claimed => {
                text += "; released mail from this sender; sender not authenticated: flagged"
            }
            None => {}
        }
        text
    }
}

/// The claimed sender of a mail as digests keep it: the hash of its From address,
/// lower-cased; `None` without one.
pub(super) fn claimed_sender(facts: &Facts<'_>) -> Option<u64> {
    let from = facts.email.from.as_ref()?;
    Some(digest::hash(from.address.to_lowercase().as_bytes()))
}

/// The most the claimed-sender credit lets a mail's log-odds of being unwanted (`global`)
/// move, as a shift: down to just below the lowest threat threshold (kept out of Junk),
/// never below just above the suspicious one (flagged, never cleared; where the two
/// thresholds meet, flagged wins and the mail is moved).
pub(super) fn flag(global: f32, thresholds: &Thresholds) -> f32 {
    let below_threat = logit(thresholds.threat.min(thresholds.extortion)) - ROOM_BELOW_THREAT;
    let above_suspicious = logit(thresholds.suspicious) + ROOM_BELOW_THREAT;
    below_threat.max(above_suspicious) - global
}

impl Personal {
    /// The most alike near-copy the mail is (a report winning a tie), when one is.
    ///
    /// A reported copy moves mail from any sender, except mail authenticated as a sender
    /// with a history here (`vouched`, a known correspondent; or a sender whose
    /// authenticated mail was released or found in INBOX) when the report came from
    /// another sender: the provider's filter reports a stranger's copy of a bank's notice
    /// as a drag would. Nor does it move mail authenticated as the domain the reported
    /// mail's forged From named. A released copy applies to mail linking to no site the
    /// released one did not: from the same sender, `authenticated`; or from anyone, at
    /// least [`HARMLESS_NEAR`] alike and doing no more harm ([`harms`]).
    pub(super) fn nearest(
        &self,
        facts: &Facts<'_>,
        authenticated: bool,
        vouched: bool,
    ) -> Option<(Feedback, f32)> {
        if self.copies.is_empty() {
            return None;
        }
        let mine = near_copy(Feedback::Released, facts, authenticated)?;
        let known = vouched
            || (authenticated
                && self
                    .copies
                    .iter()
                    .any(|c| c.feedback == Feedback::Released && c.authenticated && c.sender == mine.sender));
        let harms = mine.harms.unwrap_or_default();
        let hides_links = OnceCell::new();
        let mut best: Option<(Feedback, f32)> = None;
        for copy in &self.copies {
            let alike = copy.sketch.similarity(&mine.sketch);
            let same = copy.sender == mine.sender;
            let applies = alike >= NEAR
                && match copy.feedback {
                    Feedback::Reported => {
                        // Another sender's report says nothing of a sender the account knows;
                        // a forgery of a domain's From nothing of the mail its server signs.
                        let strangers_report = known && !same;
                        let forged_as_this = authenticated && same && !copy.authenticated;
                        !(strangers_report || forged_as_this)
                    }
                    Feedback::Released => {
                        harms::links_within(facts, copy)
                            && ((authenticated && same)
                                || (alike >= HARMLESS_NEAR
                                    && harms::can_do_no_more(facts, harms, copy, || {
                                        *hides_links.get_or_init(|| harms::hides_links(facts))
                                    })))
                    }
                };
            let better = best.is_none_or(|(kind, most)| {
                alike > most
                    || (alike == most && copy.feedback == Feedback::Reported && kind != copy.feedback)
            });
            if applies && better {
                best = Some((copy.feedback, alike));
            }
        }
        best
    }

    /// Whether the user released mail from this mail's very From address ([`claimed_sender`])
    /// and this one can do no more than that released mail could, however little alike
    /// they are. Mail the server authenticated as its sender has the release's own credit
    /// instead; a digest that did not record its From, or learned from a folder, credits
    /// none.
    pub(super) fn credits_claimed_sender(&self, facts: &Facts<'_>, authenticated: bool) -> bool {
        let Some(claimed) = claimed_sender(facts).filter(|_| !authenticated) else { return false };
        let harms = Harms::of(facts);
        let hides_links = OnceCell::new();
        self.copies.iter().filter(|c| c.feedback == Feedback::Released && c.claimed == Some(claimed)).any(
            |released| {
                harms::can_do_no_more(facts, harms, released, || {
                    *hides_links.get_or_init(|| harms::hides_links(facts))
                })
            },
        )
    }
}
