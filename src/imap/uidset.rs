//! UID sets for IMAP commands: sorted UIDs written as ranges ("1:5,7,9:12"), and split
//! into batches so no command line grows past what servers accept.

/// Writes `uids` (any order, duplicates allowed) as an IMAP sequence set of ranges.
pub fn to_set(uids: &[u32]) -> String {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = String::new();
    let mut iter = sorted.into_iter().peekable();
    while let Some(start) = iter.next() {
        let mut end = start;
        while iter.peek() == Some(&(end + 1)) {
            end += 1;
            iter.next();
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_uids_become_ranges() {
        assert_eq!(to_set(&[9, 1, 2, 3, 7, 10, 11, 3]), "1:3,7,9:11");
        assert_eq!(to_set(&[42]), "42");
        assert_eq!(to_set(&[]), "");
    }
}
