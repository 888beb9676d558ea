//! Rules for text written to slip past filters: invisible characters inside words of the
//! subject, the sender name or the body. Readers never see them, so nothing legitimate
//! has a reason to put them there.

use super::{Category, Facts, Signal, signal};

/// Hidden characters inside subject or sender-name words ("I\u{E0139}RS Tax Office",
/// struck-through "P̶e̶n̶d̶i̶n̶g̶"). Two are enough: a typo does not produce them.
const MIN_HIDDEN_IN_HEADERS: usize = 2;
/// In the body a few can come from copy-and-paste; a scam breaking its keywords up has
/// many more.
const MIN_HIDDEN_IN_BODY: usize = 5;

/// Invisible characters (zero-width, soft hyphens, combining overlays, tag characters)
/// inside words: keyword-filter evasion. Supports any category.
pub fn hidden_characters(facts: &Facts<'_>, out: &mut Vec<Signal>) {
    let email = facts.email;
    if email.hidden_in_headers >= MIN_HIDDEN_IN_HEADERS {
        let evidence =
            format!("{} hidden characters inside subject or sender words", email.hidden_in_headers);
        out.push(signal("hidden_characters", 3.0, Category::Other, evidence));
    } else if email.hidden_in_body >= MIN_HIDDEN_IN_BODY {
        let evidence = format!("{} hidden characters inside body words", email.hidden_in_body);
        out.push(signal("hidden_characters", 2.0, Category::Other, evidence));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::test_support::{email, fired};

    #[test]
    fn hidden_characters_in_the_subject_or_body_fire() {
        let subject = email("From: a@b.example\r\nSubject: =?UTF-8?Q?P=CC=B6e=CC=B6n=CC=B6ding?=", "hello");
        assert_eq!(fired(hidden_characters, &subject), ["hidden_characters"]);
        let body = email("From: a@b.example", "B\u{200B}i\u{200B}t\u{200B}c\u{200B}o\u{200B}i\u{200B}n");
        assert_eq!(fired(hidden_characters, &body), ["hidden_characters"]);
        let padding = email("From: a@b.example", "Preview text \u{200C}\u{034F} \u{200C}\u{034F} \u{200C}");
        assert!(fired(hidden_characters, &padding).is_empty());
    }
}
