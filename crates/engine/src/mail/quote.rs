//! Quoted text: the lines a writer quotes from another mail (`> …`, `＞ …`) and the
//! indented lines that carry such a quote on, told apart from what the writer says.
//!
//! A reply quotes the mail it answers, and an advisory quotes the scam it warns about
//! ("> I hacked your device…" under "Here is what these mails say"). What is quoted is
//! someone else's voice: rules that ask who speaks read the writer's own lines.
//! Pure functions over the decoded text, before normalisation folds its lines together.

/// How many lines an indented block may carry a quote on: a quoted paragraph is a few
/// lines; the bound keeps a long indented text from being read back line by line.
const MAX_CONTINUATION: usize = 40;

/// What a quoted line starts with, after its indent.
const QUOTE_MARKS: [char; 2] = ['>', '＞'];

/// A text's own lines and its quoted ones, apart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quoting {
    pub own: String,
    pub quoted: String,
}

/// `text` split into what it says in its own lines and what it quotes; `None` when it
/// quotes nothing, and when it quotes more than it says. An advisory says more about a
/// scam than it quotes of it; a scam that puts "Hello," above its letter set in quotes, or
/// mail that is nothing but a quote, speaks for itself.
pub fn split(text: &str) -> Option<Quoting> {
    let parts = apart(text)?;
    let quoted_letters = letters(&parts.quoted);
    (quoted_letters > 0 && letters(&parts.own) >= quoted_letters).then_some(parts)
}

/// The lines of `text` that quote nothing, whatever share of it the quote is; `None` when
/// it quotes nothing. For a rule that asks what the writer says in one line (a greeting),
/// where a quoted line is never the writer's, however short the writer's own word.
pub fn unquoted(text: &str) -> Option<String> {
    apart(text).map(|parts| parts.own)
}

/// `text`'s own lines and its quoted ones, apart; `None` when no line quotes, which is
/// found without copying the text (most mail quotes nothing, and every plain-text mail is
/// asked).
fn apart(text: &str) -> Option<Quoting> {
    if !text.lines().any(|line| line.trim_start_matches(is_indent).starts_with(QUOTE_MARKS)) {
        return None;
    }
    let mut parts = Quoting::default();
    let mut in_quote = 0usize;
    for line in text.lines() {
        let body = line.trim_start_matches(is_indent);
        let quoted = if body.starts_with(QUOTE_MARKS) {
            in_quote = MAX_CONTINUATION;
            true
        } else if body.is_empty() {
            in_quote = 0;
            false
        } else if body.len() < line.len() && in_quote > 0 {
            // An indented line right under a quoted one continues the quote.
            in_quote -= 1;
            true
        } else {
            in_quote = 0;
            false
        };
        let part = if quoted { &mut parts.quoted } else { &mut parts.own };
        if !body.is_empty() {
            part.push_str(line);
            part.push('\n');
        }
    }
    Some(parts)
}

fn letters(text: &str) -> usize {
    text.chars().filter(|c| c.is_alphabetic()).count()
}

/// Spaces that indent a line, the ideographic space of Japanese text among them.
fn is_indent(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{3000}' | '\u{a0}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_lines_and_their_indented_continuations_are_left_out() {
        let text = "Dear readers,\nmails like this one go round:\n\n> I hacked your device.\n\u{3000}Pay in Bitcoin.\n  > The police cannot help.\n\nDo not pay.\n  Call us.";
        let parts = split(text).expect("quotes");
        assert_eq!(
            parts.own, "Dear readers,\nmails like this one go round:\nDo not pay.\n  Call us.\n",
            "an indented line after a blank one is the writer's again"
        );
        assert_eq!(
            parts.quoted,
            "> I hacked your device.\n\u{3000}Pay in Bitcoin.\n  > The police cannot help.\n"
        );
        let own = |text: &str| split(text).map(|parts| parts.own);
        assert_eq!(own("＞支払ってください\n注意してください").as_deref(), Some("注意してください\n"));
    }

    #[test]
    fn text_that_quotes_nothing_or_only_quotes_has_no_own_lines_to_read_apart() {
        assert_eq!(split("I hacked your device.\n  Pay in Bitcoin."), None, "no quote");
        assert_eq!(split("> I hacked your device.\n> Pay in Bitcoin.\n\n"), None, "only quotes");
        assert_eq!(split("> I hacked your device.\n--\n"), None, "no letters of its own");
        assert_eq!(
            split("Hello,\n\n> I hacked your device.\n> Pay in Bitcoin.\n"),
            None,
            "a greeting above a quoted letter says less than it quotes"
        );
    }
}
