//! `auth = "oauth2"`: the `[accounts.oauth]` table, checked, with the providers' presets.
//!
//! A preset is data (one row per provider: endpoints, the scope that opens IMAP, the
//! flow a desktop program may use there); every endpoint can be overridden, so tests
//! and self-hosted identity servers point it elsewhere. Endpoints must be `https`, or
//! plain `http` on a loopback address (local test servers only), as for IMAP.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use url::Url;

use super::Secret;

/// Who issues the tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Gmail and Google Workspace.
    Google,
    /// Microsoft 365 and Outlook.com.
    Microsoft,
    /// Any other: every endpoint, the scopes and the flow are given in the configuration.
    Custom,
}

/// How `scamguard auth login` obtains the first tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flow {
    /// Authorization code with PKCE; the browser comes back to `http://127.0.0.1:PORT/`.
    Loopback,
    /// Device code: a URL and a code to enter on any device.
    Device,
}

/// Which SASL mechanism carries the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mechanism {
    /// OAUTHBEARER when the server announces it, else XOAUTH2.
    #[default]
    Auto,
    Xoauth2,
    Oauthbearer,
}

/// What a provider's row says.
struct Preset {
    provider: Provider,
    authorize_url: &'static str,
    token_url: &'static str,
    device_url: Option<&'static str>,
    scopes: &'static str,
    flow: Flow,
    /// Extra parameters of the authorization URL.
    authorize_params: &'static [(&'static str, &'static str)],
}

/// The known providers. Google offers no device flow for the mail scope, so Gmail logs in
/// with the loopback redirect; it hands out a refresh token only with `access_type=offline`
/// (and again on a second login only with `prompt=consent`). Microsoft's `common` tenant
/// serves both work and personal accounts, and `offline_access` is what yields a refresh
/// token there.
const PRESETS: &[Preset] = &[
    Preset {
        provider: Provider::Google,
        authorize_url: "https://accounts.google.com/o/oauth2/v2/auth",
        token_url: "https://oauth2.googleapis.com/token",
        device_url: None,
        scopes: "https://mail.google.com/",
        flow: Flow::Loopback,
        authorize_params: &[("access_type", "offline"), ("prompt", "consent")],
    },
    Preset {
        provider: Provider::Microsoft,
        authorize_url: "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
        token_url: "https://login.microsoftonline.com/common/oauth2/v2.0/token",
        device_url: Some("https://login.microsoftonline.com/common/oauth2/v2.0/devicecode"),
        scopes: "https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
        flow: Flow::Device,
        authorize_params: &[],
    },
];

/// `[accounts.oauth]` as typed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOAuth {
    provider: Provider,
    client_id: String,
    /// Google's "client secret" of an installed app (not secret by Google's own account).
    client_secret: Option<String>,
    flow: Option<Flow>,
    authorize_url: Option<String>,
    token_url: Option<String>,
    device_url: Option<String>,
    scopes: Option<String>,
    token_file: Option<PathBuf>,
    #[serde(default)]
    mechanism: Mechanism,
}

/// An account's OAuth 2 settings, checked and complete.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuth {
    pub provider: Provider,
    pub flow: Flow,
    pub client_id: String,
    pub client_secret: Option<Secret>,
    /// Needed by the loopback flow.
    pub authorize_url: Option<Url>,
    pub token_url: Url,
    /// Needed by the device flow.
    pub device_url: Option<Url>,
    /// Space-separated, as sent.
    pub scopes: String,
    pub authorize_params: Vec<(String, String)>,
    /// Where the refresh token is kept (0600). `None` until [`OAuth::place_token_file`]
    /// puts it beside the database.
    pub token_file: Option<PathBuf>,
    pub mechanism: Mechanism,
}

impl OAuth {
    /// The token file: the configured one (relative to `base`), or
    /// `DATABASE.oauth-NAME.json` beside the database.
    pub fn place_token_file(&mut self, base: &Path, database: &Path, account: &str) {
        self.token_file = Some(match &self.token_file {
            Some(file) => base.join(file),
            None => {
                let safe: String = account
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
                    .collect();
                let db_name = database.file_name().map(|n| n.to_string_lossy().into_owned());
                let name = format!("{}.oauth-{safe}.json", db_name.as_deref().unwrap_or("scamguard.db"));
                base.join(database).with_file_name(name)
            }
        });
    }
}

/// Checks `[accounts.oauth]` and fills in the provider's preset.
pub(super) fn check(raw: RawOAuth) -> Result<OAuth, String> {
    let preset = PRESETS.iter().find(|p| p.provider == raw.provider);
    let client_id = raw.client_id.trim().to_string();
    if client_id.is_empty() {
        return Err("oauth.client_id must not be empty: register an application with the provider".into());
    }
    let url = |key: &str, given: Option<String>, preset: Option<&'static str>| {
        given.or(preset.map(str::to_string)).map(|text| endpoint(key, &text)).transpose()
    };
    let authorize_url = url("authorize_url", raw.authorize_url, preset.map(|p| p.authorize_url))?;
    let device_url = url("device_url", raw.device_url, preset.and_then(|p| p.device_url))?;
    let token_url = url("token_url", raw.token_url, preset.map(|p| p.token_url))?
        .ok_or("oauth.token_url is needed with provider = \"custom\"")?;
    let scopes = raw.scopes.or(preset.map(|p| p.scopes.to_string())).unwrap_or_default();
    if scopes.trim().is_empty() {
        return Err("oauth.scopes is needed with provider = \"custom\"".into());
    }
    let flow = raw
        .flow
        .or(preset.map(|p| p.flow))
        .ok_or("oauth.flow (\"loopback\" or \"device\") is needed with provider = \"custom\"")?;
    match flow {
        Flow::Loopback if authorize_url.is_none() => {
            return Err("flow = \"loopback\" needs oauth.authorize_url".into());
        }
        Flow::Device if device_url.is_none() => {
            return Err(
                "flow = \"device\" needs oauth.device_url (Google has no device flow for mail)".into()
            );
        }
        _ => {}
    }
    let authorize_params = preset
        .map(|p| p.authorize_params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
        .unwrap_or_default();
    Ok(OAuth {
        provider: raw.provider,
        flow,
        client_id,
        client_secret: raw.client_secret.filter(|s| !s.is_empty()).map(Secret::new),
        authorize_url,
        token_url,
        device_url,
        scopes: scopes.trim().to_string(),
        authorize_params,
        token_file: raw.token_file,
        mechanism: raw.mechanism,
    })
}

/// An endpoint: an absolute `https` URL, or `http` to a loopback address.
fn endpoint(key: &str, text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("oauth.{key} {text:?} is not a URL: {e}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        // A URL is logged and shown in errors: no credentials in it.
        return Err(format!("oauth.{key} must not carry a user or password; use oauth.client_secret"));
    }
    let host = url.host_str().unwrap_or_default();
    match url.scheme() {
        "https" if !host.is_empty() => Ok(url),
        "http" if super::is_loopback(host) => Ok(url),
        _ => Err(format!(
            "oauth.{key} must be an https URL (plain http only to a loopback address), not {text:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Result<OAuth, String> {
        check(toml::from_str::<RawOAuth>(text).map_err(|e| e.to_string())?)
    }

    #[test]
    fn the_presets_fill_in_endpoints_scopes_and_flow() {
        let google = raw("provider = \"google\"\nclient_id = \"id\"\nclient_secret = \"s\"").expect("valid");
        assert_eq!(google.flow, Flow::Loopback);
        assert_eq!(google.scopes, "https://mail.google.com/");
        assert_eq!(google.token_url.as_str(), "https://oauth2.googleapis.com/token");
        assert!(google.authorize_params.iter().any(|(k, v)| k == "access_type" && v == "offline"));
        let microsoft = raw("provider = \"microsoft\"\nclient_id = \"id\"").expect("valid");
        assert_eq!(microsoft.flow, Flow::Device);
        assert!(
            microsoft.scopes.contains("IMAP.AccessAsUser.All") && microsoft.scopes.contains("offline_access")
        );
        assert!(microsoft.device_url.is_some_and(|u| u.path().ends_with("/devicecode")));
        assert_eq!(microsoft.mechanism, Mechanism::Auto);
    }

    #[test]
    fn every_endpoint_can_be_overridden_and_plain_http_only_to_loopback() {
        let local =
            raw("provider = \"microsoft\"\nclient_id = \"id\"\ntoken_url = \"http://127.0.0.1:9/token\"")
                .expect("loopback http");
        assert_eq!(local.token_url.as_str(), "http://127.0.0.1:9/token");
        let error =
            raw("provider = \"google\"\nclient_id = \"id\"\ntoken_url = \"http://auth.example/token\"")
                .expect_err("remote http");
        assert!(error.contains("token_url") && error.contains("https"), "{error}");
        let error =
            raw("provider = \"google\"\nclient_id = \"id\"\ntoken_url = \"https://id:pw@auth.example/t\"")
                .expect_err("credentials in the URL");
        assert!(error.contains("must not carry") && !error.contains("pw@"), "{error}");
    }

    #[test]
    fn custom_needs_what_no_preset_gives() {
        let error = raw("provider = \"custom\"\nclient_id = \"id\"").expect_err("no token url");
        assert!(error.contains("token_url"), "{error}");
        let base = "provider = \"custom\"\nclient_id = \"id\"\ntoken_url = \"https://a.example/t\"\nscopes = \"imap\"";
        assert!(raw(base).expect_err("no flow").contains("oauth.flow"));
        let device = format!("{base}\nflow = \"device\"");
        assert!(raw(&device).expect_err("no device url").contains("device_url"));
        assert!(raw(&format!("{device}\ndevice_url = \"https://a.example/d\"")).is_ok());
        assert!(raw("provider = \"google\"\nclient_id = \" \"").expect_err("empty id").contains("client_id"));
    }

    #[test]
    fn the_token_file_defaults_beside_the_database_one_per_account() {
        let mut oauth = raw("provider = \"microsoft\"\nclient_id = \"id\"").expect("valid");
        oauth.place_token_file(Path::new("/etc/sg"), Path::new("data/sg.db"), "work/mail box");
        assert_eq!(oauth.token_file, Some(PathBuf::from("/etc/sg/data/sg.db.oauth-work_mail_box.json")));
        let mut given =
            raw("provider = \"microsoft\"\nclient_id = \"id\"\ntoken_file = \"t.json\"").expect("valid");
        given.place_token_file(Path::new("/etc/sg"), Path::new("sg.db"), "work");
        assert_eq!(given.token_file, Some(PathBuf::from("/etc/sg/t.json")));
    }
}
