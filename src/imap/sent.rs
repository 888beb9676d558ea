//! Finding the user's Sent folder in the server's folder list (pure), the one known
//! correspondents are read from.
//!
//! RFC 6154's `\Sent` attribute first (Gmail's `[Gmail]/Sent Mail` in any language,
//! Dovecot's and Fastmail's marked folders); then the account's `sent_folder`, as written or
//! under the personal namespace's prefix (`INBOX.Sent` on Courier), when the server lists
//! it; else none: no name is guessed, since a folder merely called "Sent" may hold
//! anything.

use super::junk::Folder;
use super::namespace::Namespace;
use super::utf7;

/// Where the user's sent mail is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentFolder {
    /// The name as the server spells it (modified UTF-7), for commands.
    pub name: String,
    /// How it was found, for logs.
    pub how: &'static str,
}

/// Picks the Sent folder from `folders`: the selectable one marked `\Sent`, else the
/// `configured` name (UTF-8) when it exists, as written or in `namespace`.
pub fn choose(folders: &[Folder], configured: Option<&str>, namespace: &Namespace) -> Option<SentFolder> {
    let selectable = || folders.iter().filter(|f| !f.attributes.iter().any(|a| a == "\\noselect"));
    if let Some(f) = selectable().find(|f| f.attributes.iter().any(|a| a == "\\sent")) {
        return Some(SentFolder { name: f.name.clone(), how: "SPECIAL-USE \\Sent" });
    }
    let encoded = utf7::encode(configured?);
    let in_namespace = namespace.folder(&encoded);
    selectable()
        .find(|f| f.name == encoded || f.name == in_namespace)
        .map(|f| SentFolder { name: f.name.clone(), how: "configured sent_folder" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imap::junk::tests::{dovecot, folder};

    #[test]
    fn the_special_use_folder_wins_then_the_configured_one() {
        let folders = [
            folder("INBOX", &[]),
            folder("Sent", &[]),
            folder("[Gmail]/&MEEP4TBXMOEwujD8MOs-", &["\\sent", "\\hasnochildren"]),
        ];
        let found = choose(&folders, Some("Sent"), &dovecot()).expect("found");
        assert_eq!((found.name.as_str(), found.how), ("[Gmail]/&MEEP4TBXMOEwujD8MOs-", "SPECIAL-USE \\Sent"));
        let unmarked = [folder("INBOX", &[]), folder("Sent Items", &[])];
        let found = choose(&unmarked, Some("Sent Items"), &dovecot()).expect("configured");
        assert_eq!(found.name, "Sent Items");
    }

    #[test]
    fn a_configured_name_is_encoded_and_found_in_the_namespace() {
        let courier = Namespace { prefix: "INBOX.".into(), separator: Some('.') };
        let folders = [folder("INBOX", &[]), folder("INBOX.&kAFP4W4IMH8wojCkMMYw4A-", &[])];
        let found = choose(&folders, Some("送信済みアイテム"), &courier).expect("found under INBOX.");
        assert_eq!(found.name, "INBOX.&kAFP4W4IMH8wojCkMMYw4A-");
    }

    #[test]
    fn nothing_is_guessed_and_nothing_unselectable_is_taken() {
        let named_only = [folder("INBOX", &[]), folder("Sent", &[])];
        assert_eq!(choose(&named_only, None, &dovecot()), None, "a folder called Sent is not marked");
        assert_eq!(choose(&named_only, Some("Outbox"), &dovecot()), None, "configured but missing");
        let unselectable = [folder("Sent", &["\\sent", "\\noselect"])];
        assert_eq!(choose(&unselectable, Some("Sent"), &dovecot()), None);
    }
}
