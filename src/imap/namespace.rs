//! The personal namespace (RFC 2342): the prefix the user's own folders live under and the
//! hierarchy separator. Dovecot answers `* NAMESPACE (("" "/")) NIL NIL`: folders at the top
//! level. Courier and Cyrus answer `* NAMESPACE (("INBOX." ".")) NIL ...`: every folder of
//! the user is below INBOX, and `CREATE Junk` is refused ("Invalid mailbox name").
//!
//! async-imap has no NAMESPACE command, and its response parser stops on the untagged
//! `* NAMESPACE` line (the session is stuck after that), so the session sends the command
//! through async-imap and reads the answer itself with [`read_answer`], straight from the
//! stream, up to its tagged line. [`parse`] reads the personal namespace from that line.
//! Both treat every byte as hostile: bounded, never a panic.

use std::fmt;
use std::io;

use tokio::io::{AsyncRead, AsyncReadExt};

/// Where the user's own folders live.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Namespace {
    /// Prepended to a folder name to make a folder of the user ("INBOX." on Courier, ""
    /// on Dovecot). In modified UTF-7, as the server spells it.
    pub prefix: String,
    /// The hierarchy separator, if the server named one.
    pub separator: Option<char>,
}

impl Namespace {
    /// The full name of the user's folder `name` (modified UTF-7): `name` itself when it is
    /// INBOX or already under the prefix, else the prefix and `name`.
    pub fn folder(&self, name: &str) -> String {
        if name.starts_with(&self.prefix) || name.eq_ignore_ascii_case("INBOX") {
            name.to_string()
        } else {
            format!("{}{name}", self.prefix)
        }
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let separator = self.separator.map_or_else(|| "none".to_string(), |s| format!("{s:?}"));
        write!(f, "prefix {:?}, separator {separator}", self.prefix)
    }
}

/// How the server ended a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    No,
    Bad,
}

/// A command's whole answer: its untagged lines (literals inline) and its tagged status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub untagged: Vec<Vec<u8>>,
    pub status: Status,
    /// The server's words after the status, for an error message.
    pub text: String,
}

/// The most a NAMESPACE answer may hold; a real one is well under a kilobyte.
const MAX_ANSWER_BYTES: usize = 16 * 1024;

/// Reads responses from `stream` up to and including the tagged line of `tag`. Reads byte
/// by byte so that nothing after that line is taken from the stream (it belongs to the next
/// command). Literals (`{n}`) are read whole and kept inline.
pub async fn read_answer<S: AsyncRead + Unpin>(stream: &mut S, tag: &str) -> io::Result<Answer> {
    let mut untagged = Vec::new();
    let mut total = 0;
    loop {
        let line = read_line(stream, &mut total).await?;
        let text = String::from_utf8_lossy(&line);
        if let Some(rest) = text.strip_prefix(tag).and_then(|r| r.strip_prefix(' ')) {
            let (word, words) = rest.split_once(' ').unwrap_or((rest, ""));
            let status = match word.to_ascii_uppercase().as_str() {
                "OK" => Status::Ok,
                "NO" => Status::No,
                "BAD" => Status::Bad,
                _ => return Err(invalid(format!("unexpected tagged answer {:?}", printable(&text)))),
            };
            return Ok(Answer { untagged, status, text: printable(words) });
        }
        untagged.push(line);
    }
}

/// One response line without its CRLF, with any literals it announces read into it.
async fn read_line<S: AsyncRead + Unpin>(stream: &mut S, total: &mut usize) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    loop {
        let byte = stream.read_u8().await?;
        *total += 1;
        if *total > MAX_ANSWER_BYTES {
            return Err(invalid(format!("the answer is longer than {MAX_ANSWER_BYTES} bytes")));
        }
        if byte != b'\n' {
            line.push(byte);
            continue;
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        let Some(size) = literal_size(&line) else { return Ok(line) };
        if size > MAX_ANSWER_BYTES.saturating_sub(*total) {
            return Err(invalid(format!("the answer is longer than {MAX_ANSWER_BYTES} bytes")));
        }
        line.extend_from_slice(b"\r\n");
        let start = line.len();
        line.resize(start + size, 0);
        stream.read_exact(line.get_mut(start..).unwrap_or_default()).await?;
        *total += size;
    }
}

/// The size of the literal a line ends by announcing (`{12}` or `{12+}`), if it does.
fn literal_size(line: &[u8]) -> Option<usize> {
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let digits = inner.get(open + 1..)?;
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || digits.len() > 9 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("NAMESPACE: {message}"))
}

/// Server text fit for a log line: control characters dropped, at most 200 characters.
fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// The personal namespace from the untagged lines of a NAMESPACE answer: the first one
/// of the personal list. `None` when no line is a NAMESPACE response or it cannot be read;
/// a server with no personal namespace (`NIL`) gets the default (no prefix).
pub fn parse(untagged: &[Vec<u8>]) -> Option<Namespace> {
    untagged.iter().find_map(|line| parse_line(line))
}

fn parse_line(line: &[u8]) -> Option<Namespace> {
    let mut tokens = Tokens { rest: line };
    if tokens.next()? != Token::Atom(b"*") {
        return None;
    }
    match tokens.next()? {
        Token::Atom(word) if word.eq_ignore_ascii_case(b"NAMESPACE") => {}
        _ => return None,
    }
    match tokens.next()? {
        Token::Nil => return Some(Namespace::default()),
        Token::Open => {}
        _ => return None,
    }
    if tokens.next()? != Token::Open {
        return None;
    }
    let Token::Text(prefix) = tokens.next()? else { return None };
    let separator = match tokens.next()? {
        Token::Nil => None,
        Token::Text(separator) => {
            let separator = std::str::from_utf8(&separator).ok()?;
            let mut chars = separator.chars();
            let (Some(c), None) = (chars.next(), chars.next()) else { return None };
            Some(c)
        }
        _ => return None,
    };
    let prefix = String::from_utf8(prefix).ok()?;
    if prefix.chars().chain(separator).any(|c| c.is_control() || !c.is_ascii()) {
        return None;
    }
    Some(Namespace { prefix, separator })
}

#[derive(Debug, PartialEq, Eq)]
enum Token<'a> {
    Open,
    Close,
    Nil,
    Atom(&'a [u8]),
    /// A quoted string (unescaped) or a literal.
    Text(Vec<u8>),
}

/// The tokens of one response line, as far as NAMESPACE needs them.
struct Tokens<'a> {
    rest: &'a [u8],
}

impl<'a> Tokens<'a> {
    fn next(&mut self) -> Option<Token<'a>> {
        while let Some((b' ', rest)) = self.rest.split_first() {
            self.rest = rest;
        }
        let (&first, rest) = self.rest.split_first()?;
        match first {
            b'(' | b')' => {
                self.rest = rest;
                Some(if first == b'(' { Token::Open } else { Token::Close })
            }
            b'"' => self.quoted(rest),
            b'{' => self.literal(),
            _ => {
                let end = self
                    .rest
                    .iter()
                    .position(|&b| matches!(b, b' ' | b'(' | b')'))
                    .unwrap_or(self.rest.len());
                let (atom, rest) = self.rest.split_at(end);
                self.rest = rest;
                Some(if atom.eq_ignore_ascii_case(b"NIL") { Token::Nil } else { Token::Atom(atom) })
            }
        }
    }

    fn quoted(&mut self, mut rest: &'a [u8]) -> Option<Token<'a>> {
        let mut text = Vec::new();
        loop {
            let (&byte, after) = rest.split_first()?;
            rest = after;
            match byte {
                b'"' => break,
                b'\\' => {
                    let (&escaped, after) = rest.split_first()?;
                    rest = after;
                    text.push(escaped);
                }
                b'\r' | b'\n' => return None,
                _ => text.push(byte),
            }
        }
        self.rest = rest;
        Some(Token::Text(text))
    }

    fn literal(&mut self) -> Option<Token<'a>> {
        let header_end = self.rest.windows(2).position(|w| w == b"\r\n")?;
        let size = literal_size(self.rest.get(..header_end)?)?;
        let body = self.rest.get(header_end + 2..)?;
        let text = body.get(..size)?.to_vec();
        self.rest = body.get(size..)?;
        Some(Token::Text(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<Vec<u8>> {
        vec![text.as_bytes().to_vec()]
    }

    #[test]
    fn courier_and_dovecot_answers_are_read() {
        let courier =
            parse(&lines(r##"* NAMESPACE (("INBOX." ".")) NIL (("#shared." ".")("shared." "."))"##));
        assert_eq!(courier, Some(Namespace { prefix: "INBOX.".into(), separator: Some('.') }));
        let dovecot = parse(&lines(r#"* NAMESPACE (("" "/")) NIL NIL"#));
        assert_eq!(dovecot, Some(Namespace { prefix: String::new(), separator: Some('/') }));
        // Extensions after the separator, a flat server (NIL separator), no personal namespace.
        let extended = parse(&lines(r#"* namespace (("" "/" "X-PARAM" ("a" "b"))("Other/" "/")) NIL NIL"#));
        assert_eq!(extended, Some(Namespace { prefix: String::new(), separator: Some('/') }));
        assert_eq!(
            parse(&lines(r#"* NAMESPACE (("" NIL)) NIL NIL"#)),
            Some(Namespace { prefix: String::new(), separator: None })
        );
        assert_eq!(parse(&lines("* NAMESPACE NIL NIL NIL")), Some(Namespace::default()));
        // A literal prefix, and an escaped quote in a quoted one.
        assert_eq!(
            parse(&lines("* NAMESPACE (({6}\r\nINBOX. \".\")) NIL NIL")),
            Some(Namespace { prefix: "INBOX.".into(), separator: Some('.') })
        );
        assert_eq!(
            parse(&lines(r#"* NAMESPACE (("a\"b." ".")) NIL NIL"#)).map(|n| n.prefix),
            Some("a\"b.".into())
        );
    }

    #[test]
    fn other_lines_and_broken_answers_give_nothing() {
        assert_eq!(parse(&lines("* OK [ALERT] hello")), None);
        assert_eq!(parse(&[]), None);
        for broken in [
            "* NAMESPACE",
            "* NAMESPACE ((",
            r#"* NAMESPACE (("INBOX." "..")) NIL NIL"#,
            r#"* NAMESPACE (("INBOX." ".)) NIL NIL"#,
            "* NAMESPACE (({999}\r\nshort \".\")) NIL NIL",
            "* NAMESPACE ((\"IN\x1bBOX.\" \".\")) NIL NIL",
            "* NAMESPACE ((\"\u{53d7}.\" \".\")) NIL NIL",
        ] {
            assert_eq!(parse(&lines(broken)), None, "{broken:?}");
        }
        // The NAMESPACE line is found among other untagged lines.
        let answer = vec![b"* OK [ALERT] note".to_vec(), br#"* NAMESPACE (("INBOX." ".")) NIL NIL"#.to_vec()];
        assert_eq!(parse(&answer).map(|n| n.prefix), Some("INBOX.".into()));
    }

    #[test]
    fn a_folder_goes_under_the_prefix_once() {
        let courier = Namespace { prefix: "INBOX.".into(), separator: Some('.') };
        assert_eq!(courier.folder("Junk"), "INBOX.Junk");
        assert_eq!(courier.folder("INBOX.Spam"), "INBOX.Spam");
        assert_eq!(courier.folder("inbox"), "inbox");
        assert_eq!(Namespace::default().folder("Junk"), "Junk");
        assert_eq!(courier.to_string(), "prefix \"INBOX.\", separator '.'");
    }

    #[tokio::test]
    async fn the_answer_is_read_up_to_its_tagged_line_and_no_further() {
        let wire: &[u8] =
            b"* NAMESPACE (({6}\r\nINBOX. \".\")) NIL NIL\r\n* OK noise\r\nA7 OK done\r\n* 3 EXISTS\r\n";
        let mut stream = wire;
        let answer = read_answer(&mut stream, "A7").await.expect("answer");
        assert_eq!(answer.status, Status::Ok);
        assert_eq!(answer.untagged.len(), 2);
        assert_eq!(parse(&answer.untagged).map(|n| n.prefix), Some("INBOX.".into()));
        assert_eq!(stream, b"* 3 EXISTS\r\n", "the next response stays in the stream");

        let mut refused: &[u8] = b"A8 NO [ALERT] not\x1b now\r\n";
        let answer = read_answer(&mut refused, "A8").await.expect("answer");
        assert_eq!((answer.status, answer.text.as_str()), (Status::No, "[ALERT] not now"));
    }

    #[tokio::test]
    async fn endless_or_cut_answers_are_errors() {
        let endless = vec![b'x'; MAX_ANSWER_BYTES + 10];
        assert!(read_answer(&mut endless.as_slice(), "A1").await.is_err());
        let mut huge_literal: &[u8] = b"* NAMESPACE {999999}\r\n";
        assert!(read_answer(&mut huge_literal, "A1").await.is_err());
        let mut cut: &[u8] = b"* NAMESPACE NIL NIL NIL\r\n";
        assert_eq!(
            read_answer(&mut cut, "A1").await.map_err(|e| e.kind()),
            Err(io::ErrorKind::UnexpectedEof)
        );
        let mut odd: &[u8] = b"A1 MAYBE\r\n";
        assert!(read_answer(&mut odd, "A1").await.is_err());
    }
}
