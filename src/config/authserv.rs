//! Whose Authentication-Results headers to believe for an account: the `authserv_id`
//! setting as written, or the ids of a known provider chosen by the IMAP host.
//!
//! Anyone can write an Authentication-Results header; only the receiving server's says
//! something. Its `authserv-id` names it (see [`crate::mail::auth`]). A provider's ids
//! are listed here where its documentation or its delivered mail shows them; for any
//! other host nothing is assumed and the topmost header's server is believed.

use std::fmt;

use serde::Deserialize;

use crate::mail::auth::AuthservId;

/// `authserv_id = "mx.google.com"` or `authserv_id = ["a.example", "*.b.example"]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RawAuthservIds {
    One(String),
    Many(Vec<String>),
}

/// Where an account's ids come from, for `check` to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdsFrom {
    /// `authserv_id` in the account (an empty list: the topmost header's server).
    Configured,
    /// The known provider of the account's IMAP host, by name.
    Provider(&'static str),
    /// Neither: the topmost header's server.
    Nothing,
}

/// The receiving servers whose Authentication-Results headers an account believes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthservIds {
    /// Empty: the topmost header's server.
    pub ids: Vec<AuthservId>,
    pub from: IdsFrom,
}

/// A mail provider: the IMAP hosts it serves and the ids its receiving servers write.
struct Provider {
    name: &'static str,
    imap_hosts: &'static [&'static str],
    ids: &'static [&'static str],
}

/// Providers whose ids are known. Gmail writes `mx.google.com`; Microsoft 365 and
/// Outlook.com write their header without an id (and rename the ones a message arrives
/// with to Authentication-Results-Original); Yahoo and AOL name the host that took the
/// mail in (`atlas-production.v2-mail-prod1-gq1.omega.yahoo.com`); iCloud writes one header
/// per check; Fastmail names its MX (`mx6.messagingengine.com`).
const PROVIDERS: &[Provider] = &[
    Provider {
        name: "Gmail",
        imap_hosts: &["imap.gmail.com", "imap.googlemail.com"],
        ids: &["mx.google.com"],
    },
    Provider {
        name: "Microsoft",
        imap_hosts: &["outlook.office365.com", "imap-mail.outlook.com"],
        ids: &["(none)"],
    },
    Provider { name: "Yahoo", imap_hosts: &["imap.mail.yahoo.com", "imap.aol.com"], ids: &["*.yahoo.com"] },
    Provider {
        name: "iCloud",
        imap_hosts: &["imap.mail.me.com"],
        ids: &["dkim-verifier.icloud.com", "dmarc.icloud.com", "spf.icloud.com"],
    },
    Provider { name: "Fastmail", imap_hosts: &["imap.fastmail.com"], ids: &["*.messagingengine.com"] },
];

/// The ids for an account on `host`: as configured, else its provider's, else none.
pub(super) fn resolve(raw: Option<RawAuthservIds>, host: &str) -> Result<AuthservIds, String> {
    if let Some(raw) = raw {
        let written = match raw {
            RawAuthservIds::One(id) => vec![id],
            RawAuthservIds::Many(ids) => ids,
        };
        let ids = written
            .iter()
            .map(|id| id.parse::<AuthservId>().map_err(|e| format!("authserv_id: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(AuthservIds { ids, from: IdsFrom::Configured });
    }
    let host = host.trim_end_matches('.');
    let provider = PROVIDERS.iter().find(|p| p.imap_hosts.iter().any(|h| h.eq_ignore_ascii_case(host)));
    Ok(match provider {
        Some(provider) => AuthservIds {
            ids: provider.ids.iter().filter_map(|id| id.parse().ok()).collect(),
            from: IdsFrom::Provider(provider.name),
        },
        None => AuthservIds { ids: Vec::new(), from: IdsFrom::Nothing },
    })
}

impl fmt::Display for AuthservIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ids.is_empty() {
            f.write_str("the topmost header's server")?;
        } else {
            let ids: Vec<String> = self.ids.iter().map(ToString::to_string).collect();
            f.write_str(&ids.join(", "))?;
        }
        match self.from {
            IdsFrom::Configured => f.write_str(" (authserv_id)"),
            IdsFrom::Provider(name) => write!(f, " ({name}'s, by the IMAP host)"),
            IdsFrom::Nothing => f.write_str(" (no authserv_id set, and no known provider for this host)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(id: &str) -> AuthservId {
        AuthservId::Exact(id.to_string())
    }

    #[test]
    fn every_provider_id_is_a_valid_one() {
        for provider in PROVIDERS {
            for id in provider.ids {
                assert!(id.parse::<AuthservId>().is_ok(), "{}: {id}", provider.name);
            }
        }
    }

    #[test]
    fn the_provider_is_chosen_by_the_imap_host() {
        let gmail = resolve(None, "IMAP.Gmail.com.").expect("valid");
        assert_eq!(
            gmail,
            AuthservIds { ids: vec![exact("mx.google.com")], from: IdsFrom::Provider("Gmail") }
        );
        assert_eq!(gmail.to_string(), "mx.google.com (Gmail's, by the IMAP host)");
        let microsoft = resolve(None, "outlook.office365.com").expect("valid");
        assert_eq!(microsoft.ids, [AuthservId::Unnamed]);
        assert_eq!(resolve(None, "imap-mail.outlook.com").expect("valid"), microsoft);
        assert_eq!(
            resolve(None, "imap.mail.yahoo.com").expect("valid").ids,
            [AuthservId::Below("yahoo.com".into())]
        );
        let other = resolve(None, "mail.example.org").expect("valid");
        assert_eq!(other, AuthservIds { ids: Vec::new(), from: IdsFrom::Nothing });
        assert!(other.to_string().starts_with("the topmost header's server"));
    }

    /// The ids of an account on `host` configured with `setting` (a TOML line or nothing).
    fn configured(host: &str, setting: &str) -> Result<AuthservIds, String> {
        let text = format!(
            "[[accounts]]\nname = \"a\"\nhost = \"{host}\"\ntls = \"implicit\"\nusername = \"u\"\n\
             password_env = \"P\"\n{setting}\n"
        );
        let config = crate::config::Config::parse(&text)?;
        Ok(config.accounts.first().expect("one account").authserv_ids.clone())
    }

    #[test]
    fn authserv_id_is_read_as_one_id_or_a_list() {
        let one = configured("mail.example.org", "authserv_id = \"MX.Example.org\"").expect("valid");
        assert_eq!(one, AuthservIds { ids: vec![exact("mx.example.org")], from: IdsFrom::Configured });
        assert_eq!(one.to_string(), "mx.example.org (authserv_id)");
        let many = configured(
            "mail.example.org",
            "authserv_id = [\"mx.example.org\", \"*.example.net\", \"(none)\"]",
        )
        .expect("valid");
        assert_eq!(
            many.ids,
            [exact("mx.example.org"), AuthservId::Below("example.net".into()), AuthservId::Unnamed]
        );
        // Configured ids replace the provider's; an empty list believes the topmost header.
        assert_eq!(
            configured("imap.gmail.com", "authserv_id = \"mx.home.example\"").expect("valid").ids,
            [exact("mx.home.example")]
        );
        let topmost = configured("imap.gmail.com", "authserv_id = []").expect("valid");
        assert_eq!(topmost, AuthservIds { ids: Vec::new(), from: IdsFrom::Configured });
        // Without the setting, the host decides.
        assert_eq!(configured("imap.gmail.com", "").expect("valid").from, IdsFrom::Provider("Gmail"));
    }

    #[test]
    fn a_malformed_authserv_id_is_refused_with_the_account() {
        for bad in ["\"mx google.com\"", "[\"ok.example\", \"\"]", "[\"a;b\"]"] {
            let error = configured("mail.example.org", &format!("authserv_id = {bad}")).expect_err(bad);
            assert!(error.contains("accounts[0]") && error.contains("authserv_id"), "{bad}: {error}");
        }
        let error = configured("mail.example.org", "authserv_id = 5").expect_err("a number");
        assert!(error.contains("authserv_id"), "{error}");
    }
}
