//! `scamguard check` against one account's server: what `run` would use there and what is
//! wrong with the configuration, without changing anything (no folder created, no mail
//! read, no database written). The CLI prints the lines; this wires IMAP and the store.
//!
//! How new mail will be noticed is tried, not read off the capabilities: some servers list
//! IDLE and refuse it, or end it as soon as it begins, and `run` then polls (see
//! `app::worker::wait`). `check` idles once on the last watched folder for as long as an
//! IDLE must last for the worker to count it as working, so it says what `run` will do
//! there; what a running worker does is `status`'s to say.

use crate::config::Account;
use crate::imap::{self, IdleEnd, ImapError, ImapSession, JunkChoice};
use crate::store::Store;

use super::WorkerError;
use super::worker::QUICK_END;

/// What `check` found about one account: what it will use, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// What it will use, one line each, as the server and the store told it (the caller
    /// escapes them: folder names and capabilities are the server's words).
    pub lines: Vec<String>,
    /// What is wrong with the configuration against this server.
    pub problems: Vec<String>,
}

/// `check` stopped part-way: what it had found before (the lines of [`Checked`]), the
/// step it stopped at and why. The lines are kept so that a user sees how far it got:
/// a server that logs in but cuts the connection at LIST is told apart from one that
/// refuses the login.
#[derive(Debug, thiserror::Error)]
#[error("stopped while {step}")]
pub struct CheckFailed {
    pub step: String,
    pub found: Vec<String>,
    #[source]
    pub source: WorkerError,
}

/// Connects to `account`'s server and says what `run` would use there: capabilities, how
/// moves and new mail work, the namespace, the junk folder and where correspondents are
/// read from, and for each watched folder where reading would start (from `store`, when
/// there is a database). Opens folders with SELECT like `run` does, reads no mail.
pub async fn account(account: &Account, store: Option<&Store>) -> Result<Checked, CheckFailed> {
    let mut lines = Vec::new();
    match checked(account, store, &mut lines).await {
        Ok(problems) => Ok(Checked { lines, problems }),
        Err((step, source)) => Err(CheckFailed { step, found: lines, source }),
    }
}

/// The steps of [`account`], each line added as soon as it is known; an error comes
/// with the step it stopped.
async fn checked(
    account: &Account,
    store: Option<&Store>,
    lines: &mut Vec<String>,
) -> Result<Vec<String>, (String, WorkerError)> {
    let mut session = imap::connect(account).await.map_err(at("logging in"))?;
    lines.push(format!("logged in; capabilities: {}", session.capabilities().join(" ")));
    lines.push(format!("moves by: {}", session.move_method()));
    let namespace = session.namespace().await.map_err(at("reading the personal namespace"))?;
    lines.push(format!("personal namespace: {namespace}"));
    let folders = session.list().await.map_err(at("listing folders"))?;
    let (name, how) = match imap::junk::choose(&folders, account.junk.as_deref(), &namespace) {
        JunkChoice::Existing { name, how } => (name, how),
        JunkChoice::Create(name) => (name, "will be created"),
    };
    let junk = imap::utf7::decode(&name);
    lines.push(format!("junk folder: {junk} ({how})"));
    let sent = imap::sent::choose(&folders, account.sent_folder.as_deref(), &namespace);
    lines.push(match sent {
        Some(sent) => {
            let known = match store {
                Some(store) => store
                    .correspondents(&account.name)
                    .await
                    .map_err(at("counting known correspondents"))?
                    .len(),
                None => 0,
            };
            let name = imap::utf7::decode(&sent.name);
            format!("known correspondents from: {name} ({}), {known} known", sent.how)
        }
        None => "known correspondents: not read (no folder marked \\Sent, no sent_folder found)".into(),
    });
    // The configuration refuses a watched folder named as `junk`; one the server marks
    // as Junk (SPECIAL-USE or a well-known name) is only known here.
    let problems: Vec<String> = account
        .folders
        .iter()
        .filter(|f| crate::config::same_folder(f, &junk))
        .map(|watched| {
            format!(
                "the watched folder {watched:?} is the junk folder threats go to: its threats would be \
                 moved into itself; remove it from folders, or set junk to another folder"
            )
        })
        .collect();
    for folder in &account.folders {
        let opening = format!("opening {folder:?}");
        // One error path with `run`: a folder the server lacks is named with those it has.
        let status = session.select_configured(folder).await.map_err(at(&opening))?;
        let (saved, queued) = match store {
            Some(store) => (
                store.cursor(&account.name, folder).await.map_err(at(&opening))?,
                store.queued_count(&account.name, folder).await.map_err(at(&opening))?,
            ),
            None => (None, 0),
        };
        let plan = super::start::plan(saved, status, account.initial_scan, None);
        lines.push(watching_line(folder, status, &plan.description, queued));
    }
    lines.push(new_mail_line(account, &mut session).await.map_err(at("trying IDLE"))?);
    session.logout().await;
    Ok(problems)
}

/// How `run` will notice new mail on the selected folder, tried: an IDLE that lasts
/// [`QUICK_END`] (bounded by the command timeout to begin and to end) works; a refusal
/// means polling; one the server ends within that second means polling if it keeps doing
/// so. A connection lost or cut is an error, as at any other step.
async fn new_mail_line(account: &Account, session: &mut ImapSession) -> Result<String, ImapError> {
    let polling = format!("polling every {} s", account.poll_interval.as_secs());
    if !session.has("IDLE") {
        return Ok(format!("new mail by: {polling} (the server offers no IDLE)"));
    }
    for _ in 0..2 {
        // An EXISTS that came with SELECT would end the try before it began.
        session.take_mailbox_changed();
        match session.idle(QUICK_END, std::future::pending()).await {
            Ok(IdleEnd::Renew | IdleEnd::Shutdown) => {
                return Ok("new mail by: IDLE (tried: the server idled)".to_string());
            }
            // News within the second is new mail, or a server that ends every IDLE with a
            // line of news (`* 1 RECENT`): only a second try tells them apart.
            Ok(IdleEnd::Activity) => continue,
            Ok(IdleEnd::Ended) => break,
            Err(refused) if refused.is_refusal() => {
                return Ok(format!(
                    "new mail by: {polling}: the server offers IDLE but refused it ({refused}); IDLE \
                     is tried again every {} s",
                    account.idle_renew.as_secs()
                ));
            }
            Err(lost) => return Err(lost),
        }
    }
    Ok(format!(
        "new mail by: IDLE, but the server ended it as soon as it began: {polling} if it keeps doing so \
         (`status` says which a running worker does)"
    ))
}

/// Names the step an error stopped `check` at.
fn at<E: Into<WorkerError>>(step: &str) -> impl FnOnce(E) -> (String, WorkerError) + '_ {
    move |error| (step.to_string(), error.into())
}

/// The line saying where reading `folder` stands: its size and UIDVALIDITY, where reading
/// starts, and the older messages waiting in the read queue, when there are any.
fn watching_line(folder: &str, status: imap::FolderStatus, plan: &str, queued: u64) -> String {
    let queued =
        if queued > 0 { format!("; {queued} older messages queued to be read") } else { String::new() };
    format!(
        "watching {folder}: {} messages, UIDVALIDITY {}; {plan}{queued}",
        status.exists, status.uidvalidity
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watching_line_names_queued_messages_only_when_there_are_some() {
        let status = imap::FolderStatus { uidvalidity: 7, uid_next: 41, exists: 40 };
        let plan = "continues after UID 30 (up to 10 newer)";
        assert_eq!(
            watching_line("INBOX", status, plan, 0),
            "watching INBOX: 40 messages, UIDVALIDITY 7; continues after UID 30 (up to 10 newer)"
        );
        assert!(
            watching_line("INBOX", status, plan, 2)
                .ends_with("(up to 10 newer); 2 older messages queued to be read")
        );
    }
}
