//! UID sets for IMAP commands: sorted UIDs written as ranges ("1:5,7,9:12"), and split
//! into batches so no command line grows past what servers accept.

/// The longest set one command carries: RFC 7162 §4 asks clients to keep command lines
/// under 8,192 octets, and the command around the set needs some of them.
pub const MAX_SET_CHARS: usize = 7_000;

/// Writes `uids` (any order, duplicates allowed) as IMAP sequence sets of ranges, each
/// at most `max_chars` long (a single range is never cut, and is at most 21 characters),
/// so a command over many scattered UIDs becomes several commands instead of one line
/// the server refuses.
pub fn to_sets(uids: &[u32], max_chars: usize) -> Vec<String> {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut sets = Vec::new();
    let mut out = String::new();
    let mut iter = sorted.into_iter().peekable();
    while let Some(start) = iter.next() {
        let mut end = start;
        while iter.peek() == Some(&(end + 1)) {
            end += 1;
            iter.next();
        }
        let range = if start == end { start.to_string() } else { format!("{start}:{end}") };
        if !out.is_empty() && out.len() + 1 + range.len() > max_chars {
            sets.push(std::mem::take(&mut out));
        }
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(&range);
    }
    if !out.is_empty() {
        sets.push(out);
    }
    sets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_uids_become_ranges() {
        assert_eq!(to_sets(&[9, 1, 2, 3, 7, 10, 11, 3], usize::MAX), ["1:3,7,9:11"]);
        assert_eq!(to_sets(&[42], usize::MAX), ["42"]);
        assert!(to_sets(&[], usize::MAX).is_empty());
    }

    #[test]
    fn long_sets_are_split_without_cutting_a_range() {
        let scattered: Vec<u32> = (0..5_000).map(|i| 100_000 + 2 * i).collect();
        let sets = to_sets(&scattered, MAX_SET_CHARS);
        assert!(sets.len() > 1, "35,000 characters must not go in one set");
        assert!(sets.iter().all(|s| s.len() <= MAX_SET_CHARS && !s.starts_with(',') && !s.ends_with(',')));
        let rejoined: Vec<u32> =
            sets.join(",").split(',').map(|uid| uid.parse().expect("a single UID")).collect();
        assert_eq!(rejoined, scattered);
        assert_eq!(to_sets(&[1, 2, 3, 9], 3), vec!["1:3", "9"]);
        assert!(to_sets(&[], 10).is_empty());
    }
}
