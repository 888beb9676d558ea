//! Choosing the Junk folder from the server's folder list (pure).
//!
//! RFC 6154's `\Junk` attribute wins (Gmail's `[Gmail]/Spam`, localised names included);
//! then a folder with a well-known name in any language we know; then a new `Junk`.
//! Gmail labels are not folders, so nothing here looks at labels.

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

/// Picks the folder for threats. `configured` is a name from the configuration (Unicode).
pub fn choose(folders: &[Folder], configured: Option<&str>) -> JunkChoice {
    let selectable = || folders.iter().filter(|f| !f.attributes.iter().any(|a| a == "\\noselect"));
    if let Some(wanted) = configured {
        let encoded = utf7::encode(wanted);
        return match selectable().find(|f| f.name == encoded) {
            Some(f) => JunkChoice::Existing { name: f.name.clone(), how: "configured" },
            None => JunkChoice::Create(encoded),
        };
    }
    if let Some(f) = selectable().find(|f| f.attributes.iter().any(|a| a == "\\junk")) {
        return JunkChoice::Existing { name: f.name.clone(), how: "SPECIAL-USE \\Junk" };
    }
    let leaf = |f: &Folder| {
        let decoded = utf7::decode(&f.name).to_lowercase();
        decoded.rsplit(['/', '.']).next().unwrap_or_default().to_string()
    };
    if let Some(f) = selectable().find(|f| KNOWN_NAMES.contains(&leaf(f).as_str())) {
        return JunkChoice::Existing { name: f.name.clone(), how: "well-known name" };
    }
    JunkChoice::Create("Junk".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str, attributes: &[&str]) -> Folder {
        Folder { name: name.into(), attributes: attributes.iter().map(|a| a.to_string()).collect() }
    }

    #[test]
    fn special_use_wins_over_names() {
        let folders = [
            folder("INBOX", &[]),
            folder("Spam", &[]),
            folder("[Gmail]/&j,dg0TDhMPww6w-", &["\\junk", "\\hasnochildren"]),
        ];
        assert_eq!(
            choose(&folders, None),
            JunkChoice::Existing { name: "[Gmail]/&j,dg0TDhMPww6w-".into(), how: "SPECIAL-USE \\Junk" }
        );
    }

    #[test]
    fn localised_names_are_recognised_without_special_use() {
        let folders = [folder("INBOX", &[]), folder("INBOX.&j,dg0TDhMPww6w-", &[])];
        assert!(
            matches!(choose(&folders, None), JunkChoice::Existing { name, .. } if name == "INBOX.&j,dg0TDhMPww6w-")
        );
        assert!(matches!(choose(&[folder("Junk E-mail", &[])], None), JunkChoice::Existing { .. }));
    }

    #[test]
    fn nothing_suitable_means_create_junk() {
        assert_eq!(
            choose(&[folder("INBOX", &[]), folder("Archive", &[])], None),
            JunkChoice::Create("Junk".into())
        );
        assert_eq!(choose(&[folder("Spam", &["\\noselect"])], None), JunkChoice::Create("Junk".into()));
    }

    #[test]
    fn a_configured_name_is_encoded_and_created_when_missing() {
        assert_eq!(
            choose(&[folder("INBOX", &[])], Some("迷惑メール")),
            JunkChoice::Create("&j,dg0TDhMPww6w-".into())
        );
        let existing = [folder("Quarantine", &[])];
        assert!(matches!(
            choose(&existing, Some("Quarantine")),
            JunkChoice::Existing { how: "configured", .. }
        ));
    }
}
