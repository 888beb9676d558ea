//! The HTTP edge of the review page: which URL does what, and what stands in front of
//! every page. Handlers are thin: read the request, ask the store or the [`super::Backend`],
//! hand the records to [`pages`].
//!
//! In front of everything: the token or session check (401 otherwise), and security
//! headers on every answer, 401 included: a Content-Security-Policy that loads nothing
//! but this server's stylesheet (no script, no image, no frame, no remote anything),
//! `nosniff`, no referrer, no framing, no caching.

use askama::Template;
use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::auth::{self, SESSION_COOKIE, Session};
use super::i18n;
use super::pages::{self, Choice, DetectionPage, Frame, HistoryPage, MessagePage, Outcome, Row};
use super::senders;
use super::{RestoreReply, WebState};
use crate::clock;
use crate::report::render::{self, Lang};
use crate::report::weekly::Period;
use crate::store::{Action, CATEGORIES, HistoryQuery, Verdict};

/// Rows per page of the history.
pub const PAGE_SIZE: u32 = 50;

/// The cookie that remembers a `?lang=` choice.
const LANG_COOKIE: &str = "scamguard_lang";

/// The policy of every page: nothing loads but our own stylesheet.
const CSP: &str =
    "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The review page's routes, behind the access check and the security headers.
pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/", get(history))
        .route("/detection/{id}", get(detection))
        .route("/detection/{id}/restore", post(restore))
        .route("/detection/{id}/message", get(super::mail_text::mail_text))
        .route("/report", get(report))
        .route("/static/review.css", get(stylesheet))
        .route("/detection/{id}/{list}", post(senders::list_sender))
        .route("/senders", get(senders::lists))
        .route("/senders/remove", post(senders::remove))
        .layer(middleware::from_fn(remember_lang))
        .layer(middleware::from_fn_with_state(state.clone(), require_access))
        .layer(middleware::map_response(security_headers))
        .with_state(state)
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    ] {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}

/// The value of `name` in a query string.
fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Lets in a request with the token (starting a session and redirecting to the same URL
/// without it) or with a session cookie; answers 401 to anything else.
async fn require_access(State(state): State<WebState>, mut request: Request, next: Next) -> Response {
    let query = request.uri().query().map(str::to_string);
    if let Some(given) = query_value(query.as_deref(), "token") {
        if !state.auth.token().matches(&given) {
            return unauthorized();
        }
        let cookie = state.auth.start_session();
        let rest: Vec<(String, String)> =
            query_pairs(query.as_deref()).into_iter().filter(|(k, _)| k != "token").collect();
        // One leading slash: a browser reads `//host/` (and `/\host/`) as another site's.
        let path = format!("/{}", request.uri().path().trim_start_matches(['/', '\\']));
        let location = pages::url(&path, &rest);
        return (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, location), (header::SET_COOKIE, auth::session_cookie(&cookie))],
        )
            .into_response();
    }
    let session = cookie_value(request.headers(), SESSION_COOKIE).and_then(|c| state.auth.session(c));
    match session {
        Some(session) => {
            request.extensions_mut().insert(session);
            next.run(request).await
        }
        None => unauthorized(),
    }
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "401 Unauthorized: open the URL that `scamguard serve` printed (it carries the access token).\n",
    )
        .into_response()
}

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|h| auth::cookie(h, name))
}

/// Remembers a valid `?lang=` in a cookie, so the page's links need not carry it.
async fn remember_lang(request: Request, next: Next) -> Response {
    let lang = query_value(request.uri().query(), "lang").and_then(|l| Lang::parse(&l).ok());
    let mut response = next.run(request).await;
    if let Some(lang) = lang {
        let cookie = format!("{LANG_COOKIE}={}; Path=/; SameSite=Strict", lang.code());
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// The language of this request (see [`i18n`]).
pub(super) fn lang_of(state: &WebState, headers: &HeaderMap, query: Option<&str>) -> Lang {
    let asked = query_value(query, "lang").and_then(|l| Lang::parse(&l).ok());
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    i18n::choose(asked, cookie_value(headers, LANG_COOKIE), accept, state.default_lang)
}

/// The language, the query pairs and the frame of a page at `path`.
pub(super) fn frame_of(
    state: &WebState,
    headers: &HeaderMap,
    query: Option<&str>,
    path: &str,
) -> (Lang, Vec<(String, String)>, Frame) {
    let lang = lang_of(state, headers, query);
    let pairs = query_pairs(query);
    let frame = Frame::new(lang, path, &pairs);
    (lang, pairs, frame)
}

pub(super) fn html(status: StatusCode, page: impl Template) -> Response {
    match page.render() {
        Ok(body) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response(),
        Err(error) => {
            tracing::error!("review page: cannot render a page: {error}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

pub(super) fn message(frame: Frame, status: StatusCode, title: &str, text: String) -> Response {
    html(status, MessagePage { frame, title: title.to_string(), text })
}

/// The refusal of a request without this session's CSRF token or naming what it may not.
pub(super) fn forbidden(frame: Frame) -> Response {
    let text = frame.w.forbidden.to_string();
    message(frame, StatusCode::FORBIDDEN, "403", text)
}

/// A store error as a page (its words escaped by the template).
pub(super) fn store_failed(frame: Frame, error: impl std::fmt::Display) -> Response {
    let text = crate::mail::printable::escape(&error.to_string()).into_owned();
    message(frame, StatusCode::INTERNAL_SERVER_ERROR, "500", text)
}

/// The word a vocabulary value is spelt as in the URL (the stored word).
fn from_word<T: Copy>(all: &[T], word: &str, as_str: fn(T) -> &'static str) -> Option<T> {
    all.iter().copied().find(|v| as_str(*v) == word)
}

#[derive(Deserialize)]
struct HistoryParams {
    account: Option<String>,
    verdict: Option<String>,
    category: Option<String>,
    action: Option<String>,
    since: Option<String>,
    q: Option<String>,
    page: Option<u32>,
}

/// `GET /`: the history, filtered and paged.
async fn history(
    State(state): State<WebState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    Query(params): Query<HistoryParams>,
) -> Response {
    let (lang, pairs, frame) = frame_of(&state, &headers, raw.as_deref(), "/");
    let given = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let (account, verdict, category, action) =
        (given(&params.account), given(&params.verdict), given(&params.category), given(&params.action));
    let since_text = given(&params.since).unwrap_or_default();
    let mut problem = None;
    let since = if since_text.is_empty() {
        None
    } else {
        crate::report::parse_since(&since_text, clock::now_unix()).map_err(|e| problem = Some(e)).ok()
    };
    let page = params.page.unwrap_or(1).max(1);
    let query = HistoryQuery {
        account: account.clone(),
        verdict: verdict.as_deref().and_then(|w| from_word(&Verdict::ALL, w, Verdict::as_str)),
        category: category.as_deref().and_then(|w| from_word(&CATEGORIES, w, |c| c.as_str())),
        action: action.as_deref().and_then(|w| from_word(&Action::ALL, w, Action::as_str)),
        since,
        text: given(&params.q),
        offset: (page - 1).saturating_mul(PAGE_SIZE),
        limit: PAGE_SIZE,
    };
    let (found, accounts) = match (state.store.history_page(&query).await, state.store.accounts().await) {
        (Ok(found), Ok(accounts)) => (found, accounts),
        (Err(error), _) | (_, Err(error)) => return store_failed(frame, error),
    };
    let page_url = |n: u32| {
        let mut pairs: Vec<(String, String)> = pairs.iter().filter(|(k, _)| k != "page").cloned().collect();
        pairs.push(("page".into(), n.to_string()));
        pages::url("/", &pairs)
    };
    let w = frame.w;
    let named = |word: &'static str, label: &'static str| (word.to_string(), label.to_string());
    html(
        StatusCode::OK,
        HistoryPage {
            accounts: Choice::list(
                w.any,
                accounts.into_iter().map(|a| (a.clone(), a)),
                account.as_deref().unwrap_or(""),
            ),
            verdicts: Choice::list(
                w.any,
                Verdict::ALL.map(|v| named(v.as_str(), i18n::verdict(lang, v))),
                verdict.as_deref().unwrap_or(""),
            ),
            categories: Choice::list(
                w.any,
                CATEGORIES.map(|c| named(c.as_str(), i18n::category(lang, c))),
                category.as_deref().unwrap_or(""),
            ),
            actions: Choice::list(
                w.any,
                Action::ALL.map(|a| named(a.as_str(), i18n::action(lang, a))),
                action.as_deref().unwrap_or(""),
            ),
            since: since_text,
            text: params.q.unwrap_or_default(),
            problem,
            rows: found.rows.iter().map(|d| Row::of(d, lang)).collect(),
            page,
            newer: (page > 1).then(|| page_url(page - 1)),
            older: found.more.then(|| page_url(page + 1)),
            frame,
        },
    )
}

/// `GET /detection/ID`: one detection in full.
async fn detection(
    State(state): State<WebState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    axum::Extension(session): axum::Extension<Session>,
    Path(id): Path<i64>,
) -> Response {
    let lang = lang_of(&state, &headers, raw.as_deref());
    let frame = Frame::new(lang, &format!("/detection/{id}"), &[]);
    detection_page(&state, frame, id, &session, None).await
}

pub(super) async fn detection_page(
    state: &WebState,
    frame: Frame,
    id: i64,
    session: &Session,
    outcome: Option<Outcome>,
) -> Response {
    match state.store.detection(id).await {
        Ok(Some(d)) => html(StatusCode::OK, DetectionPage::of(frame, &d, session.csrf(), outcome)),
        Ok(None) => {
            let (title, text) = (format!("#{id}"), frame.w.not_found.to_string());
            message(frame, StatusCode::NOT_FOUND, &title, text)
        }
        Err(error) => store_failed(frame, error),
    }
}

#[derive(Deserialize)]
pub(super) struct RestoreForm {
    #[serde(default)]
    pub(super) csrf: String,
}

/// The frame of a POST on detection `id`'s page, or a 403 when the form does not carry
/// this session's CSRF token: every POST on a detection starts here.
pub(super) fn checked_post(
    state: &WebState,
    headers: &HeaderMap,
    session: &Session,
    id: i64,
    form: Result<Form<RestoreForm>, FormRejection>,
) -> Result<Frame, Box<Response>> {
    let frame = Frame::new(lang_of(state, headers, None), &format!("/detection/{id}"), &[]);
    let csrf = form.map(|Form(f)| f.csrf).unwrap_or_default();
    if session.csrf_matches(&csrf) { Ok(frame) } else { Err(Box::new(forbidden(frame))) }
}

/// `POST /detection/ID/restore`: restores, if the form carries this session's CSRF token.
async fn restore(
    State(state): State<WebState>,
    headers: HeaderMap,
    axum::Extension(session): axum::Extension<Session>,
    Path(id): Path<i64>,
    form: Result<Form<RestoreForm>, FormRejection>,
) -> Response {
    let frame = match checked_post(&state, &headers, &session, id, form) {
        Ok(frame) => frame,
        Err(refused) => return *refused,
    };
    let reply = state.backend.restore(id).await;
    let outcome = outcome_of(frame.w, reply);
    detection_page(&state, frame, id, &session, Some(outcome)).await
}

fn outcome_of(w: &i18n::Words, reply: RestoreReply) -> Outcome {
    let p = |t: &str| crate::mail::printable::escape(t).into_owned();
    match reply {
        RestoreReply::Restored { folder } => {
            Outcome { ok: true, text: format!("{} {}", w.restored, p(&folder)) }
        }
        RestoreReply::FoundInPlace { folder } => {
            Outcome { ok: true, text: format!("{} {}", w.found_in_place, p(&folder)) }
        }
        RestoreReply::AlreadyRestored => Outcome { ok: true, text: w.already_restored.to_string() },
        RestoreReply::Failed(why) => Outcome { ok: false, text: format!("{} {}", w.restore_failed, p(&why)) },
    }
}

#[derive(Deserialize)]
struct ReportParams {
    account: Option<String>,
    week: Option<String>,
}

/// The links above the weekly report: accounts and weeks.
#[derive(Template)]
#[template(path = "report_nav.html")]
struct ReportNav {
    frame: Frame,
    accounts: Vec<(String, String, bool)>,
    this_week: String,
    last_week: String,
}

/// `GET /report`: the weekly report page of one account (`render::html`), last week's
/// unless `?week=this` or `?week=2026-W47`.
async fn report(
    State(state): State<WebState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    Query(params): Query<ReportParams>,
) -> Response {
    let (lang, _, frame) = frame_of(&state, &headers, raw.as_deref(), "/report");
    let now = clock::now_unix();
    let period = match params.week.as_deref() {
        Some("this") => Period::week_of(now),
        None | Some("") | Some("last") => Period::week_of(Period::week_of(now).start - 1),
        Some(label) => match Period::iso_week(label) {
            Ok(period) => period,
            Err(error) => return message(frame, StatusCode::BAD_REQUEST, "400", error),
        },
    };
    // The watched accounts, then any other the history holds (an account since removed).
    let mut accounts = match state.backend.accounts().await {
        Ok(watched) => watched,
        Err(error) => return store_failed(frame, error),
    };
    match state.store.accounts().await {
        Ok(recorded) => {
            for account in recorded {
                if !accounts.contains(&account) {
                    accounts.push(account);
                }
            }
        }
        Err(error) => return store_failed(frame, error),
    }
    let Some(account) = params.account.or_else(|| accounts.first().cloned()) else {
        return message(frame, StatusCode::NOT_FOUND, "404", "no [[accounts]] configured".into());
    };
    let weekly = match state.backend.weekly(account.clone(), period).await {
        Ok(weekly) => weekly,
        Err(error) => return store_failed(frame, error),
    };
    let link = |pairs: &[(&str, &str)]| {
        let pairs: Vec<(String, String)> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        pages::url("/report", &pairs)
    };
    let nav = ReportNav {
        accounts: accounts
            .iter()
            .map(|a| (crate::mail::printable::escape(a).into_owned(), link(&[("account", a)]), *a == account))
            .collect(),
        this_week: link(&[("account", &account), ("week", "this")]),
        last_week: link(&[("account", &account), ("week", "last")]),
        frame,
    };
    let nav = match nav.render() {
        Ok(nav) => nav,
        Err(error) => {
            tracing::error!("review page: cannot render a page: {error}");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let page = render::html(&weekly, lang);
    report_response(&page, &nav)
}

/// The report page with `nav` put at the top of its body, and a policy that allows its
/// own inline stylesheet by hash (nothing else inline).
fn report_response(page: &str, nav: &str) -> Response {
    let page = page.replacen("<body>", &format!("<body>{nav}"), 1);
    let style = page.split_once("<style>").and_then(|(_, rest)| rest.split_once("</style>")).map(|(s, _)| s);
    let hashes = style
        .map(|s| format!(" 'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s))))
        .unwrap_or_default();
    let csp = CSP.replacen("style-src 'self'", &format!("style-src 'self'{hashes}"), 1);
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
            (header::CONTENT_SECURITY_POLICY, csp),
        ],
        page,
    )
        .into_response()
}

async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("../../templates/review.css"))
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_page_allows_only_its_own_inline_style_by_hash() {
        let response = report_response(
            "<html><head><style>b{}</style></head><body><p>x</p></body></html>",
            "<nav>n</nav>",
        );
        let csp = response.headers().get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok());
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest("b{}"));
        assert_eq!(
            csp,
            Some(
                format!(
                    "default-src 'none'; style-src 'self' 'sha256-{hash}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
                )
                .as_str()
            )
        );
    }

    #[test]
    fn vocabulary_words_in_urls_are_read_into_their_enums() {
        assert_eq!(from_word(&Action::ALL, "dry-run", Action::as_str), Some(Action::DryRun));
        assert_eq!(from_word(&Verdict::ALL, "threats", Verdict::as_str), None);
    }
}
