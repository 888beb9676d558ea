//! Defanging (pure): wallets, domains and links in the report written so that nobody can
//! click or copy them by accident, and so that the report does not read as the scam it
//! describes when it is forwarded (to the police, a friend, an abuse desk) and a filter
//! reads it: `bc1qw508d6qe[.]jxtdg4y5…`, `evil[.]example`, `hxxps://login[.]example`.
//! Remove each `[.]` (and write `http` for `hxxp`) to get the original back.

/// The mark put into addresses and host names.
pub const MARK: &str = "[.]";

/// A payment address with [`MARK`] in its middle: no longer a valid address, but one
/// that a person restores by deleting the mark.
pub fn wallet(address: &str) -> String {
    let middle = address.char_indices().nth(address.chars().count() / 2).map_or(address.len(), |(i, _)| i);
    let (head, tail) = address.split_at(middle);
    format!("{head}{MARK}{tail}")
}

/// Free text (a domain, a subject) with every link scheme `http` written `hxxp` and
/// every dot between a letter or digit and a letter written [`MARK`], so host names
/// (`paypal.com`) stop being host names while prose ("Mr. Smith", "v1.2") stays as it is.
pub fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut previous: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        let rest = text.get(index..).unwrap_or_default();
        let starts_link = ["http://", "https://"]
            .iter()
            .any(|scheme| rest.get(..scheme.len()).is_some_and(|r| r.eq_ignore_ascii_case(scheme)));
        if starts_link {
            out.push_str("hxxp");
            for _ in 0..3 {
                chars.next();
            }
            previous = Some('p');
            continue;
        }
        let next = chars.peek().map(|&(_, n)| n);
        if c == '.'
            && previous.is_some_and(|p| p.is_alphanumeric())
            && next.is_some_and(|n| n.is_alphabetic())
        {
            out.push_str(MARK);
        } else {
            out.push(c);
        }
        previous = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wallets_domains_and_links_are_defanged_and_prose_is_not() {
        assert_eq!(
            wallet("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"),
            "bc1qw508d6qejxtdg4y5r[.]3zarvary0c5xw7kv8f3t4"
        );
        assert_eq!(text("evil1.example"), "evil1[.]example");
        assert_eq!(
            text("Login: HTTPS://paypal.com.evil.top/x?a=b now"),
            "Login: hxxpS://paypal[.]com[.]evil[.]top/x?a=b now"
        );
        assert_eq!(text("Mr. Smith paid 1.5 BTC, v1.2. 終わり。"), "Mr. Smith paid 1.5 BTC, v1.2. 終わり。");
    }
}
