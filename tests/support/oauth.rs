//! A mock OAuth 2 provider on 127.0.0.1 for the tests: an authorization endpoint that
//! approves at once (the test plays the browser), a token endpoint (authorization code with
//! PKCE S256 checked, refresh tokens rotated on every use, device codes pending until the
//! test approves them) and an introspection endpoint for Dovecot's `oauth2` passdb.
//! Every token is random, so a test can look for them in logs. Stopped when dropped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use sha2::Digest;

/// The client the mock knows.
pub const CLIENT_ID: &str = "scamguard-test-client";

/// The user the mock signs in (Dovecot's test user).
pub const USERNAME: &str = super::dovecot::USER;

#[derive(Default)]
struct Inner {
    /// Authorization code → (PKCE challenge, redirect URI).
    codes: HashMap<String, (String, String)>,
    /// Refresh tokens still honoured.
    refresh_tokens: Vec<String>,
    /// Access token → whether introspection calls it active.
    access_tokens: HashMap<String, bool>,
    /// Device code → (user code, approved).
    devices: HashMap<String, (String, bool)>,
    /// Every token handed out, for the tests' log checks.
    issued: Vec<String>,
    refresh_grants: usize,
    introspections: usize,
    /// Introspection calls every token inactive, also new ones.
    refuse_all: bool,
}

type Shared = Arc<Mutex<Inner>>;

pub struct MockProvider {
    pub base: String,
    inner: Shared,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn lock(inner: &Shared) -> std::sync::MutexGuard<'_, Inner> {
    inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn random(prefix: &str) -> String {
    format!("{prefix}-{:032x}", rand::random::<u128>())
}

impl MockProvider {
    pub fn start() -> MockProvider {
        let inner: Shared = Arc::default();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind mock");
        listener.set_nonblocking(true).expect("nonblocking");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = axum::Router::new()
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/device", post(device))
            .route("/introspect", post(introspect))
            .with_state(inner.clone());
        let thread = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        MockProvider { base, inner, stop: Some(stop), thread: Some(thread) }
    }

    /// The test approves the device code it was shown.
    pub fn approve(&self, user_code: &str) {
        let mut inner = lock(&self.inner);
        let device =
            inner.devices.values_mut().find(|(code, _)| code == user_code).expect("a known user code");
        device.1 = true;
    }

    /// Every access token handed out so far stops being honoured (as if expired).
    pub fn expire_access_tokens(&self) {
        lock(&self.inner).access_tokens.values_mut().for_each(|active| *active = false);
    }

    /// Every refresh token is revoked (the user removed the app's access).
    pub fn revoke_refresh_tokens(&self) {
        lock(&self.inner).refresh_tokens.clear();
    }

    /// From now on no access token is honoured, not even a fresh one.
    pub fn refuse_all_access_tokens(&self) {
        lock(&self.inner).refuse_all = true;
    }

    pub fn refresh_grants(&self) -> usize {
        lock(&self.inner).refresh_grants
    }

    pub fn introspections(&self) -> usize {
        lock(&self.inner).introspections
    }

    /// Every token the mock handed out.
    pub fn issued(&self) -> Vec<String> {
        lock(&self.inner).issued.clone()
    }

    /// Dovecot's `oauth2` passdb settings that validate tokens here.
    pub fn dovecot_passdb(&self) -> String {
        format!(
            "introspection_mode = post\nintrospection_url = {}/introspect\nforce_introspection = yes\n\
             username_attribute = username\nactive_attribute = active\nactive_value = true\n",
            self.base
        )
    }
}

impl Drop for MockProvider {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn json(status: StatusCode, body: serde_json::Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn oauth_error(code: &str) -> Response {
    json(StatusCode::BAD_REQUEST, serde_json::json!({ "error": code, "error_description": "mock says no" }))
}

/// A new access token and refresh token, the refresh token now the one honoured.
fn grant(inner: &mut Inner) -> Response {
    let (access, refresh) = (random("at"), random("rt"));
    inner.access_tokens.insert(access.clone(), true);
    inner.refresh_tokens.push(refresh.clone());
    inner.issued.extend([access.clone(), refresh.clone()]);
    json(
        StatusCode::OK,
        serde_json::json!({ "access_token": access, "refresh_token": refresh, "token_type": "Bearer", "expires_in": 3600 }),
    )
}

async fn authorize(State(inner): State<Shared>, Query(query): Query<HashMap<String, String>>) -> Response {
    let get = |key: &str| query.get(key).cloned().unwrap_or_default();
    if get("client_id") != CLIENT_ID
        || get("code_challenge_method") != "S256"
        || get("response_type") != "code"
    {
        return (StatusCode::BAD_REQUEST, "bad authorization request").into_response();
    }
    let code = random("code");
    lock(&inner).codes.insert(code.clone(), (get("code_challenge"), get("redirect_uri")));
    let mut target = url::Url::parse(&get("redirect_uri")).expect("redirect uri");
    target.query_pairs_mut().append_pair("code", &code).append_pair("state", &get("state"));
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
}

async fn token(State(inner): State<Shared>, Form(form): Form<HashMap<String, String>>) -> Response {
    let get = |key: &str| form.get(key).cloned().unwrap_or_default();
    if get("client_id") != CLIENT_ID {
        return oauth_error("invalid_client");
    }
    let mut inner = lock(&inner);
    match get("grant_type").as_str() {
        "authorization_code" => {
            let Some((challenge, redirect)) = inner.codes.remove(&get("code")) else {
                return oauth_error("invalid_grant");
            };
            let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(sha2::Sha256::digest(get("code_verifier").as_bytes()));
            if computed != challenge || redirect != get("redirect_uri") {
                return oauth_error("invalid_grant");
            }
            grant(&mut inner)
        }
        "refresh_token" => {
            let old = get("refresh_token");
            let Some(index) = inner.refresh_tokens.iter().position(|t| *t == old) else {
                return oauth_error("invalid_grant");
            };
            // Rotation: the used refresh token dies with this answer.
            inner.refresh_tokens.remove(index);
            inner.refresh_grants += 1;
            grant(&mut inner)
        }
        "urn:ietf:params:oauth:grant-type:device_code" => match inner.devices.get(&get("device_code")) {
            None => oauth_error("invalid_grant"),
            Some((_, false)) => oauth_error("authorization_pending"),
            Some((_, true)) => {
                inner.devices.remove(&get("device_code"));
                grant(&mut inner)
            }
        },
        _ => oauth_error("unsupported_grant_type"),
    }
}

async fn device(State(inner): State<Shared>, Form(form): Form<HashMap<String, String>>) -> Response {
    if form.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return oauth_error("invalid_client");
    }
    let (device_code, user_code) = (random("dc"), format!("{:08X}", rand::random::<u32>()));
    lock(&inner).devices.insert(device_code.clone(), (user_code.clone(), false));
    json(
        StatusCode::OK,
        serde_json::json!({
            "device_code": device_code, "user_code": user_code,
            "verification_uri": "https://microsoft.com/devicelogin", "interval": 1, "expires_in": 60
        }),
    )
}

async fn introspect(State(inner): State<Shared>, Form(form): Form<HashMap<String, String>>) -> Response {
    let mut inner = lock(&inner);
    inner.introspections += 1;
    let known = form.get("token").and_then(|t| inner.access_tokens.get(t)).copied().unwrap_or(false);
    let active = known && !inner.refuse_all;
    let body = if active {
        serde_json::json!({ "active": true, "username": USERNAME })
    } else {
        serde_json::json!({ "active": false })
    };
    json(StatusCode::OK, body)
}
