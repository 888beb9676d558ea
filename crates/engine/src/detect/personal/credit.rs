//! The near-copy digests: what a mail's keeps (`near_copy`), when a release takes a
//! report back ([`NearCopy::taken_back_by`]), and what the stored ones do to a mail
//! ([`Personal::nearest`]): a near-copy of a reported mail is moved, a near-copy of a
//! released one kept when it can do no more than the released mail could ([`harms`]);
//! and the explanation's line saying which ([`Share::evidence`]).

use super::digest::{self, Sketch};
use super::harms::{self, Harms, Reach, links_within, no_more_harm};
use super::{Feedback, HARMLESS_NEAR, NEAR, NearCopy, Personal, Share, sender_identity};
use crate::detect::Facts;

impl NearCopy {
    /// Whether this is the digest of a report that `release` takes back: the user released
    /// the same mail (the same sender, the same sketch) that they had reported.
    pub fn taken_back_by(&self, release: &NearCopy) -> bool {
        self.feedback == Feedback::Reported
            && release.feedback == Feedback::Released
            && self.sender == release.sender
            && self.sketch == release.sketch
    }
}

/// The near-copy digest of a mail, when it has enough text; `authenticated` says whether
/// the receiving server vouched for its From.
pub(super) fn near_copy(feedback: Feedback, facts: &Facts<'_>, authenticated: bool) -> Option<NearCopy> {
    let sketch = Sketch::of(facts.email)?;
    let (sites, hosts) = (harms::link_hashes(facts, Reach::Site), harms::link_hashes(facts, Reach::Host));
    let sender = digest::hash(sender_identity(facts).as_bytes());
    Some(NearCopy { feedback, sketch, sender, authenticated, sites, hosts, harms: Some(Harms::of(facts)) })
}

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
            None => {}
        }
        text
    }
}

impl Personal {
    /// The most alike near-copy the mail is (a report winning a tie), when one is.
    ///
    /// A reported copy moves mail from any sender, except mail authenticated as a sender
    /// with a history here (`vouched`, a known correspondent; or a sender whose
    /// authenticated mail was released or found in INBOX, for mail showing no harm that
    /// mail did not and linking to no site it did not) when the report came from another sender: the provider's filter reports a stranger's copy of a bank's notice
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
        // A sender is known by its released (or found in INBOX) authenticated mail only
        // for mail claiming nothing that mail did not and linking to no site it did not: a
        // scammer's harmless warm-up that sat in INBOX must not shield its copy of a
        // reported blackmail letter, nor of a phish whose harm is its link.
        let known = vouched
            || (authenticated
                && self.copies.iter().any(|c| {
                    c.feedback == Feedback::Released
                        && c.authenticated
                        && c.sender == mine.sender
                        && harms::harms_within(&mine, c)
                        && links_within(facts, c)
                }));
        let hides_links = std::cell::OnceCell::new();
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
                        links_within(facts, copy)
                            && ((authenticated && same)
                                || (alike >= HARMLESS_NEAR
                                    && no_more_harm(&mine, copy)
                                    && harms::hosts_within(facts, copy)
                                    && !*hides_links.get_or_init(|| harms::hides_links(facts))))
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
}
