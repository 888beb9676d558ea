//! `[database]`: where the store is. A SQLite file by `path` (the embedded default,
//! `scamguard.db` beside the configuration), or a PostgreSQL database by `url`
//! (`postgres://user@host/name`), never both. The URL may carry a password, so it is kept
//! as a [`Secret`] and never printed; the password is better left out of it, for
//! PostgreSQL's own `PGPASSWORD` or `~/.pgpass`. `stored_secrets` says where accounts
//! stored in the database may keep their secret (see `stored_secrets`).

use std::path::PathBuf;

use super::stored_secrets::SecretRule;
use super::{RawDatabase, Secret};

/// The SQLite path (the default when none is given), the PostgreSQL URL, if any, and
/// what stored accounts may name as their secret (`stored_secrets`).
pub(super) fn check(raw: Option<RawDatabase>) -> Result<(PathBuf, Option<Secret>, Vec<SecretRule>), String> {
    let raw = raw.unwrap_or(RawDatabase { path: None, url: None, stored_secrets: Vec::new() });
    let stored_secrets =
        raw.stored_secrets.iter().map(|entry| SecretRule::parse(entry)).collect::<Result<Vec<_>, _>>()?;
    let url = match raw.url {
        Some(_) if raw.path.is_some() => {
            return Err("[database] sets both path (SQLite) and url (PostgreSQL): keep one".into());
        }
        Some(url) if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) => {
            return Err("[database] url must be a PostgreSQL URL, postgres://…".into());
        }
        url => url.map(Secret::new),
    };
    Ok((raw.path.unwrap_or_else(|| PathBuf::from("scamguard.db")), url, stored_secrets))
}

/// Whether a database URL carries a password (`postgres://user:password@host/…`), for
/// the warning about a configuration file others can read.
pub(super) fn has_password(url: &str) -> bool {
    let authority = url.split_once("://").map_or("", |(_, rest)| rest.split('/').next().unwrap_or(""));
    authority.rsplit_once('@').is_some_and(|(userinfo, _)| userinfo.contains(':'))
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::*;

    #[test]
    fn a_database_is_a_path_or_a_postgres_url_never_both() {
        let config =
            Config::parse("[database]\nurl = \"postgres://sg:hunter2@db.example/mail\"\n").expect("url");
        let url = config.database_url.as_ref().map(Secret::expose);
        assert_eq!(url, Some("postgres://sg:hunter2@db.example/mail"));
        assert!(!format!("{config:?}").contains("hunter2"), "the URL's password is never printed");
        assert_eq!(Config::parse("").expect("default").database_url, None);
        assert_eq!(Config::parse("").expect("default").database, PathBuf::from("scamguard.db"));

        let both =
            Config::parse("[database]\npath = \"a.db\"\nurl = \"postgres://h/d\"\n").expect_err("both");
        assert!(both.contains("keep one"), "{both}");
        let other = Config::parse("[database]\nurl = \"mysql://h/d\"\n").expect_err("not PostgreSQL");
        assert!(other.contains("postgres://"), "{other}");
    }

    #[test]
    fn a_password_in_the_url_is_noticed() {
        assert!(has_password("postgres://sg:pw@db.example/mail"));
        assert!(has_password("postgresql://sg:p%40w@db.example:5432/mail?sslmode=require"));
        assert!(!has_password("postgres://sg@db.example/mail"));
        assert!(!has_password("postgres://db.example/mail?user=a:b@c"));
    }
}
