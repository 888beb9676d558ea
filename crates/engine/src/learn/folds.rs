//! Cross-validation folds that keep a campaign together.
//!
//! Mass mail comes in campaigns: the same subject with another number, the same opening
//! with another name. A fold that holds one copy while training saw its twin measures
//! memory, not generalisation. Mails are joined into one group when their subjects or
//! the openings of their texts reduce to the same skeleton (letters only, lower-cased,
//! list tags and reply prefixes gone), and a whole group goes to one fold.

use std::collections::HashMap;

use crate::mail::Email;

/// How much of the text's opening makes its skeleton.
const OPENING_CHARS: usize = 200;

/// Skeletons shorter than this ("hi", "re") join unrelated mails; they are ignored.
const MIN_SKELETON: usize = 8;

/// The two skeletons of a mail.
pub fn skeletons(email: &Email) -> [String; 2] {
    let subject = strip_tags(&email.subject);
    let opening: String = email.normalized_text.chars().take(OPENING_CHARS).collect();
    [skeleton(subject), skeleton(&opening)]
}

/// A fold per mail, `0..folds`: mails sharing a skeleton share a fold.
pub fn assign(skeletons: &[[String; 2]], folds: usize) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..skeletons.len()).collect();
    let mut first_with: HashMap<&str, usize> = HashMap::new();
    for (i, pair) in skeletons.iter().enumerate() {
        for key in pair.iter().filter(|k| k.chars().count() >= MIN_SKELETON) {
            match first_with.get(key.as_str()) {
                Some(&j) => union(&mut parent, i, j),
                None => {
                    first_with.insert(key, i);
                }
            }
        }
    }
    (0..skeletons.len())
        .map(|i| {
            let root = find(&mut parent, i);
            // The root's index spread by a fixed multiplier: groups land in folds evenly
            // without depending on the order of a hash map.
            ((root as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize % folds.max(1)
        })
        .collect()
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while let Some(&up) = parent.get(i) {
        if up == i {
            break;
        }
        let grand = parent.get(up).copied().unwrap_or(up);
        if let Some(slot) = parent.get_mut(i) {
            *slot = grand;
        }
        i = up;
    }
    i
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    // The smaller index is the root, so the grouping does not depend on visit order.
    let (root, child) = if ra < rb { (ra, rb) } else { (rb, ra) };
    if let Some(slot) = parent.get_mut(child) {
        *slot = root;
    }
}

/// Drops reply and forward prefixes and bracketed tags (`[linux-nvme]`, `[SPAM]`).
fn strip_tags(subject: &str) -> &str {
    let mut rest = subject.trim();
    loop {
        let lower = rest.get(..4).unwrap_or_default().to_ascii_lowercase();
        if rest.starts_with('[') {
            match rest.find(']') {
                Some(end) => rest = rest.get(end + 1..).unwrap_or_default().trim_start(),
                None => return rest,
            }
        } else if lower.starts_with("re:") || lower.starts_with("fw:") {
            rest = rest.get(3..).unwrap_or_default().trim_start();
        } else if lower == "fwd:" {
            rest = rest.get(4..).unwrap_or_default().trim_start();
        } else {
            return rest;
        }
    }
}

/// Letters only, lower-cased: digits, names in numbers and punctuation vary per copy.
fn skeleton(text: &str) -> String {
    text.chars().filter(|c| c.is_alphabetic()).flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(subject: &str, text: &str) -> [String; 2] {
        [skeleton(strip_tags(subject)), skeleton(text)]
    }

    #[test]
    fn copies_of_a_campaign_share_a_fold() {
        let mails = [
            pair("Your invoice 4411 is due", "Dear Anna, pay now"),
            pair("Re: [list] Your invoice 9982 is due", "Dear Bob, different opening here"),
            pair("Unrelated meeting notes", "Dear Bob, different opening here"),
            pair("Something else entirely", "Nothing in common with the rest"),
        ];
        let folds = assign(&mails, 5);
        // 0 and 1 share a subject, 1 and 2 an opening: all three travel together.
        assert_eq!(folds.first(), folds.get(1));
        assert_eq!(folds.get(1), folds.get(2));
        assert!(folds.iter().all(|&f| f < 5));
    }

    #[test]
    fn short_skeletons_join_nothing() {
        let mails =
            [pair("hi", "ok"), pair("hi", "ok"), pair("hi", "ok"), pair("hi", "ok"), pair("hi", "ok")];
        let folds = assign(&mails, 5);
        let distinct: std::collections::HashSet<_> = folds.iter().collect();
        assert!(distinct.len() > 1, "{folds:?}");
    }

    #[test]
    fn tags_and_prefixes_are_not_part_of_the_subject() {
        assert_eq!(strip_tags("Re: [SPAM] Fwd: [x] hello"), "hello");
        assert_eq!(strip_tags("[unclosed hello"), "[unclosed hello");
    }
}
