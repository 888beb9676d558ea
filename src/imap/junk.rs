//! Choosing the Junk folder from the server's folder list (pure).
//!
//! RFC 6154's `\Junk` attribute wins (Gmail's `[Gmail]/Spam`, localised names included);
//! then a folder with a well-known name in any language we know, directly in the user's
//! personal namespace (`Spam` on Dovecot, `INBOX.Spam` on Courier and Cyrus) or directly
//! below INBOX; then a new `Junk` in the personal namespace (`INBOX.Junk` on Courier, which
//! refuses a top-level `Junk`). Gmail labels are not folders, so nothing here looks at labels.

use super::namespace::Namespace;
use super::utf7;

/// A folder as LIST reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    /// The name as the server spells it (modified UTF-7), for use in commands.
    pub name: String,
    /// Attributes in lower case ("\\junk", "\\noselect").
    pub attributes: Vec<String>,
}

/// Where threats go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JunkChoice {
    Existing { name: String, how: &'static str },
    Create(String),
}

/// Leaf names that mean "junk", compared case-insensitively after decoding.
const KNOWN_NAMES: [&str; 9] = [
    "junk",
    "spam",
    "junk e-mail",
    "junk email",
    "junk mail",
    "bulk mail",
    "迷惑メール",
    "迷惑メールフォルダ",
    "spam-mails",
];

/// Picks the folder for threats in the user's `namespace`. `configured` is a name from
/// the configuration (Unicode), taken as it is or under the namespace's prefix.
pub fn choose(folders: &[Folder], configured: Option<&str>, namespace: &Namespace) -> JunkChoice {
    let selectable = || folders.iter().filter(|f| !f.attributes.iter().any(|a| a == "\\noselect"));
    if let Some(wanted) = configured {
        let encoded = utf7::encode(wanted);
        let in_namespace = namespace.folder(&encoded);
        return match selectable().find(|f| f.name == encoded || f.name == in_namespace) {
            Some(f) => JunkChoice::Existing { name: f.name.clone(), how: "configured" },
            None => JunkChoice::Create(in_namespace),
        };
    }
    if let Some(f) = selectable().find(|f| f.attributes.iter().any(|a| a == "\\junk")) {
        return JunkChoice::Existing { name: f.name.clone(), how: "SPECIAL-USE \\Junk" };
    }
    if let Some(f) = selectable().find(|f| junk_child(&f.name, namespace)) {
        return JunkChoice::Existing { name: f.name.clone(), how: "well-known name" };
    }
    JunkChoice::Create(namespace.folder("Junk"))
}

/// Whether `name` is a well-known junk name directly in the personal namespace or directly
/// below INBOX. Deeper folders (`Projects/Spam`) are the user's own business. Without a
/// known separator, both `/` and `.` count.
fn junk_child(name: &str, namespace: &Namespace) -> bool {
    let is_known = |leaf: &str| KNOWN_NAMES.contains(&utf7::decode(leaf).to_lowercase().as_str());
    if name.strip_prefix(&namespace.prefix).is_some_and(is_known) {
        return true;
    }
    let separators = namespace.separator.map_or(vec!['/', '.'], |s| vec![s]);
    let below_inbox = |separator: &char| {
        let (inbox, leaf) = name.split_at_checked(5).unwrap_or_default();
        inbox.eq_ignore_ascii_case("INBOX") && leaf.strip_prefix(*separator).is_some_and(is_known)
    };
    separators.iter().any(below_inbox)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A folder as LIST would report it (also for the Sent folder's tests).
    pub(in crate::imap) fn folder(name: &str, attributes: &[&str]) -> Folder {
        Folder { name: name.into(), attributes: attributes.iter().map(|a| a.to_string()).collect() }
    }

    /// Dovecot's personal namespace: folders at the top level.
    pub(in crate::imap) fn dovecot() -> Namespace {
        Namespace { prefix: String::new(), separator: Some('/') }
    }

    /// Courier's and Cyrus's: every folder of the user below INBOX.
    fn courier() -> Namespace {
        Namespace { prefix: "INBOX.".into(), separator: Some('.') }
    }

    #[test]
    fn special_use_wins_over_names() {
        let folders = [
            folder("INBOX", &[]),
            folder("Spam", &[]),
            folder("[Gmail]/&j,dg0TDhMPww6w-", &["\\junk", "\\hasnochildren"]),
        ];
        assert_eq!(
            choose(&folders, None, &dovecot()),
            JunkChoice::Existing { name: "[Gmail]/&j,dg0TDhMPww6w-".into(), how: "SPECIAL-USE \\Junk" }
        );
    }

    #[test]
    fn localised_names_are_recognised_without_special_use() {
        let folders = [folder("INBOX", &[]), folder("INBOX.&j,dg0TDhMPww6w-", &[])];
        for namespace in [courier(), Namespace::default()] {
            assert!(
                matches!(choose(&folders, None, &namespace), JunkChoice::Existing { name, .. } if name == "INBOX.&j,dg0TDhMPww6w-"),
                "{namespace}"
            );
        }
        assert!(matches!(
            choose(&[folder("Junk E-mail", &[])], None, &dovecot()),
            JunkChoice::Existing { .. }
        ));
    }

    #[test]
    fn a_well_known_name_counts_only_directly_in_the_personal_namespace() {
        let nested = [folder("INBOX", &[]), folder("INBOX.Projects.Spam", &[]), folder("Archive/Junk", &[])];
        assert_eq!(choose(&nested, None, &courier()), JunkChoice::Create("INBOX.Junk".into()));
        assert_eq!(choose(&nested, None, &dovecot()), JunkChoice::Create("Junk".into()));
        // Another user's or a shared folder is not ours to fill.
        let shared = [folder("INBOX", &[]), folder("#shared.Spam", &[]), folder("INBOX.Spam", &[])];
        assert_eq!(
            choose(&shared, None, &courier()),
            JunkChoice::Existing { name: "INBOX.Spam".into(), how: "well-known name" }
        );
        // Dovecot set up with folders below INBOX.
        assert!(matches!(
            choose(&[folder("INBOX/Junk", &[])], None, &dovecot()),
            JunkChoice::Existing { name, .. } if name == "INBOX/Junk"
        ));
    }

    #[test]
    fn nothing_suitable_means_create_junk_in_the_personal_namespace() {
        assert_eq!(
            choose(&[folder("INBOX", &[]), folder("Archive", &[])], None, &dovecot()),
            JunkChoice::Create("Junk".into())
        );
        assert_eq!(
            choose(&[folder("Spam", &["\\noselect"])], None, &dovecot()),
            JunkChoice::Create("Junk".into())
        );
        assert_eq!(
            choose(&[folder("INBOX", &[]), folder("INBOX.Sent", &[])], None, &courier()),
            JunkChoice::Create("INBOX.Junk".into())
        );
    }

    #[test]
    fn a_configured_name_is_encoded_and_created_when_missing() {
        assert_eq!(
            choose(&[folder("INBOX", &[])], Some("迷惑メール"), &dovecot()),
            JunkChoice::Create("&j,dg0TDhMPww6w-".into())
        );
        let existing = [folder("Quarantine", &[])];
        assert!(matches!(
            choose(&existing, Some("Quarantine"), &dovecot()),
            JunkChoice::Existing { how: "configured", .. }
        ));
        // On Courier the configured name goes under INBOX., written either way.
        assert_eq!(
            choose(&[folder("INBOX", &[])], Some("Quarantine"), &courier()),
            JunkChoice::Create("INBOX.Quarantine".into())
        );
        for configured in ["Quarantine", "INBOX.Quarantine"] {
            assert_eq!(
                choose(&[folder("INBOX.Quarantine", &[])], Some(configured), &courier()),
                JunkChoice::Existing { name: "INBOX.Quarantine".into(), how: "configured" }
            );
        }
    }
}
