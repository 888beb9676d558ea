//! The review page's trust and block lists: the buttons on a detection that list its
//! sender, and the page of every account's lists with a button to take an entry off.
//! Every POST carries the session's CSRF token; entries are checked as `trust add`
//! checks them.

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

use super::WebState;
use super::auth::Session;
use super::pages::{Frame, Outcome};
use super::routes::{
    RestoreForm, checked_post, detection_page, forbidden, frame_of, html, lang_of, message, store_failed,
};
use crate::app::senders::Entry;
use crate::clock;
use crate::store::{Added, ListKind, SenderEntry};

/// `POST /detection/ID/trust` and `/detection/ID/block`: puts the detection's sender
/// (its address, checked as `trust add` checks it) on its account's list, if the form
/// carries this session's CSRF token, and shows the detection with the outcome.
pub(super) async fn list_sender(
    State(state): State<WebState>,
    headers: HeaderMap,
    axum::Extension(session): axum::Extension<Session>,
    Path((id, list)): Path<(i64, String)>,
    form: Result<Form<RestoreForm>, FormRejection>,
) -> Response {
    let frame = match checked_post(&state, &headers, &session, id, form) {
        Ok(frame) => frame,
        Err(refused) => return *refused,
    };
    let kind = match list.as_str() {
        "trust" => ListKind::Trust,
        "block" => ListKind::Block,
        _ => {
            let (title, text) = (format!("#{id}"), frame.w.not_found.to_string());
            return message(frame, StatusCode::NOT_FOUND, &title, text);
        }
    };
    let detection = match state.store.detection(id).await {
        Ok(Some(d)) => d,
        Ok(None) => return detection_page(&state, frame, id, &session, None).await,
        Err(error) => return store_failed(frame, error),
    };
    let w = frame.w;
    let p = |t: &str| crate::mail::printable::escape(t).into_owned();
    let outcome = match detection.from.parse::<Entry>() {
        Ok(entry @ Entry::Address(_)) => {
            match state.store.add_sender(&detection.account, entry.as_str(), kind, clock::now_unix()).await {
                Ok(Added::Already) => {
                    Outcome { ok: true, text: format!("{} {}", w.listed_before, p(entry.as_str())) }
                }
                Ok(_) => {
                    let done = if kind == ListKind::Trust { w.trusted_now } else { w.blocked_now };
                    Outcome { ok: true, text: format!("{done} {}", p(entry.as_str())) }
                }
                Err(error) => return store_failed(frame, error),
            }
        }
        _ => Outcome { ok: false, text: w.not_an_address.to_string() },
    };
    detection_page(&state, frame, id, &session, Some(outcome)).await
}

/// One account's lists, as the page shows them.
pub struct AccountLists {
    pub name: String,
    pub entries: Vec<(String, &'static str)>,
}

/// The lists page.
#[derive(Template)]
#[template(path = "senders.html")]
pub struct ListsPage {
    pub frame: Frame,
    pub csrf: String,
    pub accounts: Vec<AccountLists>,
    pub outcome: Option<Outcome>,
}

/// `GET /senders`: every configured account's trust and block lists.
pub async fn lists(
    State(state): State<WebState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    axum::Extension(session): axum::Extension<Session>,
) -> Response {
    let (_, _, frame) = frame_of(&state, &headers, raw.as_deref(), "/senders");
    lists_page(&state, frame, &session, None).await
}

async fn lists_page(state: &WebState, frame: Frame, session: &Session, outcome: Option<Outcome>) -> Response {
    let names = match state.backend.accounts().await {
        Ok(names) => names,
        Err(error) => return store_failed(frame, error),
    };
    let mut accounts = Vec::new();
    for name in &names {
        match state.store.sender_entries(name).await {
            Ok(entries) => {
                accounts.push(AccountLists { name: name.clone(), entries: words(frame.w, &entries) })
            }
            Err(error) => return store_failed(frame, error),
        }
    }
    html(StatusCode::OK, ListsPage { frame, csrf: session.csrf().to_string(), accounts, outcome })
}

fn words(w: &super::i18n::Words, entries: &[SenderEntry]) -> Vec<(String, &'static str)> {
    entries
        .iter()
        .map(|e| (e.entry.clone(), if e.kind == ListKind::Trust { w.trusted_list } else { w.blocked_list }))
        .collect()
}

#[derive(Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    entry: String,
}

/// `POST /senders/remove`: takes an entry off an account's lists.
pub async fn remove(
    State(state): State<WebState>,
    headers: HeaderMap,
    axum::Extension(session): axum::Extension<Session>,
    form: Result<Form<RemoveForm>, FormRejection>,
) -> Response {
    let frame = Frame::new(lang_of(&state, &headers, None), "/senders", &[]);
    let Ok(Form(form)) = form else {
        return forbidden(frame);
    };
    if !session.csrf_matches(&form.csrf) {
        return forbidden(frame);
    }
    let watched = match state.backend.accounts().await {
        Ok(names) => names.contains(&form.account),
        Err(error) => return store_failed(frame, error),
    };
    if !watched {
        return forbidden(frame);
    }
    let mut removed = false;
    for kind in [ListKind::Trust, ListKind::Block] {
        match state.store.remove_sender(&form.account, &form.entry, kind).await {
            Ok(done) => removed |= done,
            Err(error) => return store_failed(frame, error),
        }
    }
    let p = crate::mail::printable::escape(&form.entry).into_owned();
    let outcome = if removed {
        Outcome { ok: true, text: format!("{} {p}", frame.w.removed_now) }
    } else {
        Outcome { ok: false, text: format!("{} {p}", frame.w.not_listed) }
    };
    lists_page(&state, frame, &session, Some(outcome)).await
}
