//! Commands whose whole answer is read here, so the server's tagged status is never lost.
//!
//! async-imap checks the tagged status of some commands (CREATE, COPY, MOVE) but drops it
//! for others: its UID SEARCH, UID FETCH, UID STORE, UID EXPUNGE and NOOP read up to the
//! tagged line and return `Ok` whether the server said OK, NO or BAD. A refused FETCH then
//! looked like an empty folder and a refused STORE like a done move. Its SELECT, EXAMINE
//! and STATUS return `Ok` with what they read so far when the connection ends before the
//! tagged line: a folder of UIDVALIDITY 0 and no messages, which a saved cursor or a
//! reconcile would have believed; its LIST returns the folders read so far, a list in
//! which Junk can look missing; its CAPABILITY stops at the tagged line whatever it says,
//! so a refused one was an empty list (and moves fell back to COPY without EXPUNGE).
//! Every command that reads or changes mail, opens a folder, lists folders or reads
//! capabilities after login goes through [`run`] (IDLE and DONE through [`answer`], its
//! reading half) instead: it sends the command, hands each untagged
//! response to the caller as it comes (so a FETCH of many messages is never held twice),
//! notes whether the mailbox reported new mail, turns a NO or BAD into
//! [`ImapError::Refused`] carrying the server's words, and an answer cut short into
//! [`ImapError::Closed`].

use async_imap::imap_proto::{
    AttributeValue, Capability, MailboxDatum, NameAttribute, Response, ResponseCode, Status, StatusAttribute,
};

use async_imap::imap_proto::RequestId;

use super::connect::BoxedStream;
use super::junk::Folder;
use super::{ImapError, shown};

type Session = async_imap::Session<BoxedStream>;

/// The server's answer to one command, less the data handed to the caller.
#[derive(Debug, Default)]
pub struct Answer {
    /// The text of the tagged OK (Gmail says "Some messages could not be FETCHed" there).
    pub text: String,
    /// An `EXISTS` came with the answer: mail may have arrived in the selected folder.
    pub mailbox_changed: bool,
}

/// Sends `line` and reads its answer to the tagged status line, handing every untagged
/// response but BYE to `on_data`. `command` names it in errors ("UID FETCH"). The text
/// of every `[ALERT]` in the answer goes to `alerts`, also when the command fails (see
/// [`alert`]). The caller bounds the time.
pub async fn run(
    session: &mut Session,
    command: &'static str,
    line: &str,
    alerts: &mut Vec<String>,
    on_data: impl FnMut(&Response<'_>),
) -> Result<Answer, ImapError> {
    super::count_command(command);
    let tag = session.run_command(line).await.map_err(|error| ImapError::Command { command, error })?;
    answer(session, command, &tag, alerts, on_data).await
}

/// Reads the answer to the command tagged `tag`, sent already, as [`run`] does (IDLE's
/// DONE is answered with IDLE's tag).
pub async fn answer(
    session: &mut Session,
    command: &'static str,
    tag: &RequestId,
    alerts: &mut Vec<String>,
    mut on_data: impl FnMut(&Response<'_>),
) -> Result<Answer, ImapError> {
    let mut answer = Answer::default();
    let mut data = 0usize;
    loop {
        let Some(response) = session.read_response().await.map_err(unread(command))? else {
            return Err(ImapError::Closed);
        };
        alerts.extend(alert(response.parsed()));
        match response.parsed() {
            Response::Done { tag: done, status, outcome } if done == tag => {
                tracing::debug!("imap < {command} {status:?}, {data} data responses");
                let text = checked_status(command, status, outcome.information.as_deref())?;
                return Ok(Answer { text, ..answer });
            }
            Response::Data { status: Status::Bye, .. } => return Err(ImapError::Closed),
            item => {
                match item {
                    Response::MailboxData(MailboxDatum::Exists(_)) => answer.mailbox_changed = true,
                    Response::Fetch(..) | Response::MailboxData(MailboxDatum::Search(_)) => data += 1,
                    _ => {}
                }
                on_data(item)
            }
        }
    }
}

/// The text of an `[ALERT]` response code in a status response, tagged or not, whatever
/// its status (OK, NO, BAD, BYE), made safe for a terminal: RFC 3501 §7.1 says the client
/// MUST present it to the user (a mailbox about to be closed, a quota nearly used up).
/// `None` for any other response.
pub fn alert(response: &Response<'_>) -> Option<String> {
    let (Response::Done { outcome, .. } | Response::Data { outcome, .. }) = response else { return None };
    let text = outcome.information.as_deref().unwrap_or_default();
    matches!(outcome.code, Some(ResponseCode::Alert)).then(|| super::shown(text))
}

/// Logs the server's `[ALERT]`s (made safe by [`alert`]) at warn, with the name of the
/// account whose server sent them: the log is where this service presents them.
pub fn tell(account: &str, alerts: Vec<String>) {
    for text in alerts {
        tracing::warn!(%account, "alert from the server: {text}");
    }
}

/// A failure to read the answer to `command` off the connection.
pub fn unread(command: &'static str) -> impl Fn(std::io::Error) -> ImapError {
    move |error| ImapError::Command { command, error: async_imap::error::Error::Io(error) }
}

/// A tagged status line's words when it says OK; a NO or BAD is a refusal carrying them.
/// A server may send no text at all (`A1 BAD`): that is an empty text, never a panic.
/// The words are cleaned as every server text shown to a person is ([`shown`]: cut, and
/// control and bidi characters written out), since they reach the log, `check` and
/// `status`.
pub fn checked_status(
    command: &'static str,
    status: &Status,
    text: Option<&str>,
) -> Result<String, ImapError> {
    let text = shown(text.unwrap_or_default());
    match status {
        Status::Ok => Ok(text),
        Status::No => Err(ImapError::Refused { command, reply: "NO", text }),
        _ => Err(ImapError::Refused { command, reply: "BAD", text }),
    }
}

/// What the answer to a SELECT, EXAMINE or STATUS said of the folder, read response by
/// response; `None` where the server did not say.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FolderNews {
    pub uidvalidity: Option<u32>,
    pub uid_next: Option<u32>,
    pub exists: Option<u32>,
}

impl FolderNews {
    /// Takes in one untagged response of a SELECT or EXAMINE: `EXISTS` (the folder's size),
    /// `OK [UIDVALIDITY n]`, `OK [UIDNEXT n]`; anything else says nothing of the folder.
    pub fn read_opened(&mut self, response: &Response<'_>) {
        match response {
            Response::MailboxData(MailboxDatum::Exists(count)) => self.exists = Some(*count),
            Response::Data { status: Status::Ok, outcome } => match outcome.code {
                Some(ResponseCode::UidValidity(value)) => self.uidvalidity = Some(value),
                Some(ResponseCode::UidNext(next)) => self.uid_next = Some(next),
                _ => {}
            },
            _ => {}
        }
    }

    /// Takes in one untagged response of a `STATUS` of `mailbox` (as sent): its STATUS
    /// line only. An `EXISTS` there is news of the selected folder, not this one's size,
    /// and a STATUS line of another folder is not this one's.
    pub fn read_status(&mut self, response: &Response<'_>, mailbox: &str) {
        let Response::MailboxData(MailboxDatum::Status { mailbox: named, status }) = response else { return };
        // INBOX is named in any case (RFC 3501 §5.1).
        let inbox = named.eq_ignore_ascii_case("INBOX") && mailbox.eq_ignore_ascii_case("INBOX");
        if named != mailbox && !inbox {
            return;
        }
        for attribute in status {
            match attribute {
                StatusAttribute::UidValidity(value) => self.uidvalidity = Some(*value),
                StatusAttribute::UidNext(next) => self.uid_next = Some(*next),
                StatusAttribute::Messages(count) => self.exists = Some(*count),
                _ => {}
            }
        }
    }
}

/// The capabilities a `CAPABILITY` response names, upper-cased ("MOVE", "AUTH=PLAIN");
/// nothing for any other response.
pub fn capabilities(response: &Response<'_>) -> Vec<String> {
    let Response::Capabilities(named) = response else { return Vec::new() };
    named
        .iter()
        .map(|capability| match capability {
            Capability::Imap4rev1 => "IMAP4REV1".to_string(),
            Capability::Auth(method) => format!("AUTH={}", method.to_ascii_uppercase()),
            Capability::Atom(atom) => atom.to_ascii_uppercase(),
        })
        .collect()
}

/// The UIDs of a `SEARCH` response, empty when it found nothing (`* SEARCH`); `None` for
/// any other response, so the caller can tell an answer without its SEARCH line.
pub fn searched_uids<'a>(response: &'a Response<'_>) -> Option<&'a [u32]> {
    match response {
        Response::MailboxData(MailboxDatum::Search(found)) => Some(found),
        _ => None,
    }
}

/// One FETCH response, read as the attributes scamguard asks for.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FetchedItem<'a> {
    pub uid: Option<u32>,
    pub size: Option<u32>,
    pub body: Option<&'a [u8]>,
    pub flags: Vec<String>,
    /// INTERNALDATE as the server wrote it (when the message arrived).
    pub internal_date: Option<&'a str>,
}

/// The body sections of a FETCH response, each with its section spec as written in a
/// request ("HEADER", "2.1.MIME", "2.1"), and its BODYSTRUCTURE when it has one.
pub fn fetched_sections<'a>(
    response: &'a Response<'_>,
) -> (Vec<(String, &'a [u8])>, Option<&'a async_imap::imap_proto::BodyStructure<'a>>) {
    use async_imap::imap_proto::{MessageSection, SectionPath};
    let mut sections = Vec::new();
    let mut structure = None;
    let Response::Fetch(_, attributes) = response else { return (sections, structure) };
    let name = |part: &MessageSection| match part {
        MessageSection::Header => "HEADER",
        MessageSection::Mime => "MIME",
        MessageSection::Text => "TEXT",
    };
    for attribute in attributes {
        match attribute {
            AttributeValue::BodySection { section: Some(section), data: Some(data), .. } => {
                let spec = match section {
                    SectionPath::Full(part) => name(part).to_string(),
                    SectionPath::Part(path, part) => {
                        let numbers = path.iter().map(u32::to_string).collect::<Vec<_>>().join(".");
                        part.as_ref().map_or(numbers.clone(), |p| format!("{numbers}.{}", name(p)))
                    }
                };
                sections.push((spec, data.as_ref()));
            }
            AttributeValue::BodyStructure(found) => structure = Some(found),
            _ => {}
        }
    }
    (sections, structure)
}

/// A FETCH response's attributes (`None` for any other response).
pub fn fetched_item<'a>(response: &'a Response<'_>) -> Option<FetchedItem<'a>> {
    match response {
        Response::Fetch(_, attributes) => Some(read_attributes(attributes)),
        _ => None,
    }
}

fn read_attributes<'a>(attributes: &'a [AttributeValue<'_>]) -> FetchedItem<'a> {
    let mut item = FetchedItem::default();
    for attribute in attributes {
        match attribute {
            AttributeValue::Uid(uid) => item.uid = Some(*uid),
            AttributeValue::Rfc822Size(size) => item.size = Some(*size),
            AttributeValue::BodySection { data: Some(data), .. } | AttributeValue::Rfc822(Some(data)) => {
                item.body = Some(data.as_ref())
            }
            AttributeValue::Flags(flags) => item.flags = flags.iter().map(|f| f.to_string()).collect(),
            AttributeValue::InternalDate(date) => item.internal_date = Some(date.as_ref()),
            _ => {}
        }
    }
    item
}

/// One line of a LIST answer: the folder and the hierarchy separator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub folder: Folder,
    /// `None` for a flat name (`NIL`).
    pub separator: Option<char>,
}

/// The folder an untagged response names, when it is a LIST line
/// (`* LIST (\HasNoChildren \Junk) "/" Junk`); attributes lower-cased.
pub fn listed(response: &Response<'_>) -> Option<Listed> {
    let Response::MailboxData(MailboxDatum::List(list)) = response else {
        return None;
    };
    let attributes = list.name_attributes.iter().map(|a| attribute_name(a).to_ascii_lowercase()).collect();
    Some(Listed {
        folder: Folder { name: list.name.to_string(), attributes },
        separator: list.delimiter.as_deref().and_then(|d| d.chars().next()),
    })
}

fn attribute_name(attribute: &NameAttribute<'_>) -> String {
    use NameAttribute as A;
    match attribute {
        A::NoInferiors => "\\Noinferiors".into(),
        A::NoSelect => "\\Noselect".into(),
        A::Marked => "\\Marked".into(),
        A::Unmarked => "\\Unmarked".into(),
        A::All => "\\All".into(),
        A::Archive => "\\Archive".into(),
        A::Drafts => "\\Drafts".into(),
        A::Flagged => "\\Flagged".into(),
        A::Junk => "\\Junk".into(),
        A::Sent => "\\Sent".into(),
        A::Trash => "\\Trash".into(),
        A::Extension(name) => name.to_string(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    #[test]
    fn an_alert_is_read_from_any_status_response_and_made_safe_for_a_terminal() {
        let alert_in = |line: &str| alert(&Response::parse(line.as_bytes()).expect("a response").1);
        let said = "Mailbox 98% full";
        assert_eq!(alert_in("* OK [ALERT] Mailbox 98% full\r\n").as_deref(), Some(said));
        assert_eq!(alert_in("A3 OK [ALERT] Mailbox 98% full\r\n").as_deref(), Some(said), "tagged");
        assert_eq!(alert_in("A3 NO [ALERT] Mailbox 98% full\r\n").as_deref(), Some(said), "on a refusal");
        assert_eq!(alert_in("* BYE [ALERT] Mailbox 98% full\r\n").as_deref(), Some(said), "on a goodbye");
        assert_eq!(
            alert_in("* OK [ALERT] Down at 5\u{1b}[2J\u{202e}txt\r\n").as_deref(),
            Some("Down at 5\\u{1b}[2J\\u{202e}txt")
        );
        assert_eq!(alert_in("* OK [ALERT]\r\n").as_deref(), Some(""), "no text, no panic");
        assert_eq!(alert_in("* OK [UIDVALIDITY 3] ok\r\n"), None);
        assert_eq!(alert_in("* OK Still here\r\n"), None);
        assert_eq!(alert_in("* 3 EXISTS\r\n"), None);
    }

    /// A hostile server's refusal: escape sequences, bidi overrides, a C1 CSI, a line of
    /// thousands of characters. Its words reach the log, `check` and `status` as any other
    /// server text does: cut, nothing left raw that could drive a terminal or forge a line.
    #[test]
    fn a_refusals_words_are_cleaned_as_every_server_text_shown() {
        let hostile = format!("\u{1b}[2J\u{1b}]0;owned\u{7}\u{9b}31m\u{202e}gpj.exe{}", "x".repeat(5000));
        let line = format!("A7 NO {hostile}\r\n");
        let (_, response) = Response::parse(line.as_bytes()).expect("a response");
        let Response::Done { status, outcome, .. } = response else { panic!("a tagged line") };
        let refused = checked_status("UID FETCH", &status, outcome.information.as_deref()).expect_err("NO");
        let ImapError::Refused { text, .. } = &refused else { panic!("{refused:?}") };
        assert_eq!(text, &shown(&hostile), "the same cleaning as the rest");
        assert!(text.starts_with("\\u{1b}[2J\\u{1b}]0;owned\\u{7}\\u{9b}31m\\u{202e}gpj.exe"), "{text}");
        assert!(
            text.ends_with('…') && text.chars().count() < 300,
            "cut: {} characters",
            text.chars().count()
        );
        let said = refused.to_string();
        assert!(!said.chars().any(|c| c.is_control() || c == '\u{202e}'), "{said:?}");
        // IMAP's parser ends a text at CR or LF; the words are cleaned whatever they hold.
        let broken =
            checked_status("SELECT", &Status::Bad, Some("a\r\n* OK [ALERT] forged")).expect_err("BAD");
        assert_eq!(broken.to_string(), "the server refused SELECT (BAD): a\\r\\n* OK [ALERT] forged");
    }

    /// Reads a folder's answer line by line, as [`run`] hands it over.
    fn news_of(lines: &[&str], mut read: impl FnMut(&mut FolderNews, &Response<'_>)) -> FolderNews {
        let mut news = FolderNews::default();
        for line in lines {
            let (_, response) = Response::parse(line.as_bytes()).expect("a response");
            read(&mut news, &response);
        }
        news
    }

    #[test]
    fn a_folders_state_is_read_from_select_and_status_answers() {
        let opened = |lines: &[&str]| news_of(lines, FolderNews::read_opened);
        let selected = opened(&[
            "* FLAGS (\\Seen)\r\n",
            "* 12 EXISTS\r\n",
            "* OK [UIDVALIDITY 77] UIDs valid\r\n",
            "* OK [UIDNEXT 40] Predicted next UID\r\n",
        ]);
        assert_eq!(selected, FolderNews { uidvalidity: Some(77), uid_next: Some(40), exists: Some(12) });
        let warned = opened(&["* NO [UIDVALIDITY 8] only a warning\r\n", "* 2 RECENT\r\n"]);
        assert_eq!(warned, FolderNews::default(), "neither a warning nor RECENT says what the folder is");
        assert_eq!(opened(&[]), FolderNews::default(), "an answer cut short says nothing");

        let of_junk = |lines: &[&str]| news_of(lines, |news, r| news.read_status(r, "Junk"));
        let status = of_junk(&[
            "* 7 EXISTS\r\n",
            "* STATUS Archive (MESSAGES 90 UIDNEXT 91 UIDVALIDITY 1)\r\n",
            "* STATUS Junk (MESSAGES 3 UIDNEXT 9 UIDVALIDITY 5)\r\n",
            "* 8 EXISTS\r\n",
        ]);
        assert_eq!(
            status,
            FolderNews { uidvalidity: Some(5), uid_next: Some(9), exists: Some(3) },
            "only Junk's own STATUS line: an EXISTS is the selected folder's news"
        );
    }

    #[test]
    fn folders_are_read_from_list_lines_and_nothing_else() {
        let read = |line: &str| listed(&Response::parse(line.as_bytes()).expect("a response").1);
        let junk = read("* LIST (\\HasNoChildren \\Junk) \"/\" Junk\r\n").expect("a LIST line");
        assert_eq!(junk.folder.name, "Junk");
        assert_eq!(junk.folder.attributes, ["\\hasnochildren", "\\junk"]);
        assert_eq!(junk.separator, Some('/'));
        let quoted =
            read("* LIST (\\Noselect \\Sent) \".\" \"Public &MFswrTDIMOwwuTDIMPg-\"\r\n").expect("LIST");
        assert_eq!(
            quoted.folder.name, "Public &MFswrTDIMOwwuTDIMPg-",
            "as the server spells it, for commands"
        );
        assert_eq!(quoted.folder.attributes, ["\\noselect", "\\sent"]);
        let flat = read("* LIST () NIL INBOX\r\n").expect("LIST");
        assert_eq!((flat.folder.attributes.len(), flat.separator), (0, None));
        assert_eq!(read("* 3 EXISTS\r\n"), None, "news of the selected folder names no folder");
        assert_eq!(read("* STATUS Junk (MESSAGES 1)\r\n"), None);
    }

    #[test]
    fn fetch_attributes_are_read_whatever_their_order() {
        let attributes = [
            AttributeValue::Flags(vec![Cow::Borrowed("\\Seen"), Cow::Borrowed("$Junk")]),
            AttributeValue::BodySection { section: None, index: Some(0), data: Some(Cow::Borrowed(b"raw")) },
            AttributeValue::Rfc822Size(1234),
            AttributeValue::Uid(42),
        ];
        let item = read_attributes(&attributes);
        assert_eq!(item.uid, Some(42));
        assert_eq!(item.size, Some(1234));
        assert_eq!(item.body, Some(&b"raw"[..]));
        assert_eq!(item.flags, ["\\Seen", "$Junk"]);
        assert_eq!(read_attributes(&[]), FetchedItem::default(), "a FETCH without attributes names nothing");
        assert_eq!(fetched_item(&Response::Expunge(3)), None);
        assert_eq!(searched_uids(&Response::Expunge(3)), None, "no SEARCH line");
        let search = |line: &str| {
            let (_, response) = Response::parse(line.as_bytes()).expect("a response");
            searched_uids(&response).map(<[u32]>::to_vec)
        };
        assert_eq!(search("* SEARCH\r\n"), Some(Vec::new()), "an empty SEARCH line: nothing found");
        assert_eq!(search("* SEARCH 2 7\r\n"), Some(vec![2, 7]));
    }

    #[test]
    fn capabilities_are_read_from_capability_lines_and_nothing_else() {
        let read = |line: &str| capabilities(&Response::parse(line.as_bytes()).expect("a response").1);
        assert_eq!(
            read("* CAPABILITY IMAP4rev1 move UIDPLUS AUTH=plain IDLE\r\n"),
            ["IMAP4REV1", "MOVE", "UIDPLUS", "AUTH=PLAIN", "IDLE"]
        );
        assert!(
            read("* OK [CAPABILITY IMAP4rev1 MOVE] hello\r\n").is_empty(),
            "a greeting's code is not the answer"
        );
        assert!(read("* 3 EXISTS\r\n").is_empty());
    }
}
