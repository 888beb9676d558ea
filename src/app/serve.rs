//! `scamguard serve`: the review page wired to the service. The page ([`crate::web`])
//! reads the store itself; restore and the mail's text (IMAP) and the weekly report come
//! from here.

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;

use crate::config::Config;
use crate::report::weekly::{Period, WeeklyReport};
use crate::store::{Store, StoreError};
use crate::web::{self, Auth, Backend, MessageReply, RestoreReply, Token, WebState};

use super::{ReadBack, RestoreOutcome, Shutdown};

/// What the page asks of the service, answered with this configuration and store.
struct Service {
    config: Config,
    store: Arc<Store>,
}

impl Backend for Service {
    fn restore(&self, id: i64) -> BoxFuture<'_, RestoreReply> {
        async move {
            match super::restore(&self.config, &self.store, id, false).await {
                Ok(RestoreOutcome::Restored { folder }) => RestoreReply::Restored { folder },
                Ok(RestoreOutcome::FoundInPlace { folder }) => RestoreReply::FoundInPlace { folder },
                Ok(RestoreOutcome::AlreadyRestored) => RestoreReply::AlreadyRestored,
                Err(error) => {
                    tracing::warn!(id, "review page: restore failed: {error:#}");
                    RestoreReply::Failed(format!("{error:#}"))
                }
            }
        }
        .boxed()
    }

    fn message(&self, id: i64) -> BoxFuture<'_, MessageReply> {
        async move {
            match super::read_back(&self.config, &self.store, id).await {
                Ok(ReadBack::Found { folder, raw }) => MessageReply::Found { folder, raw },
                Ok(ReadBack::Gone { looked_in }) => MessageReply::Gone { looked_in },
                Err(error) => {
                    tracing::warn!(id, "review page: the mail could not be read back: {error:#}");
                    MessageReply::Failed(format!("{error:#}"))
                }
            }
        }
        .boxed()
    }

    fn weekly(&self, account: String, period: Period) -> BoxFuture<'_, Result<WeeklyReport, StoreError>> {
        async move { super::reports::weekly(&self.store, &account, period).await }.boxed()
    }

    fn accounts(&self) -> BoxFuture<'_, Result<Vec<String>, StoreError>> {
        async move {
            let stored = self.store.stored_accounts().await?;
            let (accounts, _unusable) = super::accounts::known(&self.config, &stored);
            Ok(accounts.into_iter().map(|a| a.name).collect())
        }
        .boxed()
    }
}

/// Serves the review page on `listener` until `shutdown`, with access by `token`.
pub async fn serve(
    config: &Config,
    store: Arc<Store>,
    token: Token,
    listener: tokio::net::TcpListener,
    mut shutdown: Shutdown,
) -> std::io::Result<()> {
    let state = WebState {
        store: Arc::clone(&store),
        backend: Arc::new(Service { config: config.clone(), store }),
        auth: Arc::new(Auth::new(token)),
        default_lang: config.report.lang,
    };
    web::serve(listener, state, async move { shutdown.requested().await }).await
}
