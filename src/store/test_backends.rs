//! The store's tests, run on both backends: [`on_both!`] makes each test body two tests,
//! `sqlite` (a fresh file in a temporary folder) and `postgres` (a fresh database on the
//! real PostgreSQL server that `scamguard_testkit::postgres` starts, shared by the tests
//! running at the same time).

use std::ops::Deref;
use std::sync::Arc;

use super::{Location, Store};

use scamguard_testkit::postgres as server;

/// A store of one backend, with what keeps it alive (its folder, or its server). Fields
/// drop in order: the store before its server.
pub(crate) struct TestStore {
    store: Store,
    location: Location,
    _dir: Option<tempfile::TempDir>,
    _server: Option<Arc<server::Postgres>>,
}

impl TestStore {
    pub(crate) async fn sqlite() -> TestStore {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("t.db");
        let store = Store::open(&path).await.expect("opens");
        TestStore { store, location: Location::File(path), _dir: Some(dir), _server: None }
    }

    pub(crate) async fn postgres() -> TestStore {
        let server = server::Postgres::shared();
        let url = server.new_database();
        let store =
            super::postgres::open(&url).await.unwrap_or_else(|e| panic!("opens: {e}\n{}", server.log()));
        TestStore { store, location: Location::Postgres(url), _dir: None, _server: Some(server) }
    }

    /// The same database opened again, as another process (or a restart) would.
    pub(crate) async fn reopen(&self) -> Store {
        Store::open_unlocked_at(&self.location).await.expect("opens again")
    }

    /// A fresh database of the same backend.
    pub(crate) async fn another(&self) -> TestStore {
        match self.location {
            Location::File(_) => TestStore::sqlite().await,
            Location::Postgres(_) => TestStore::postgres().await,
        }
    }
}

impl Deref for TestStore {
    type Target = Store;

    fn deref(&self) -> &Store {
        &self.store
    }
}

/// `async fn name(store) { body }` as two tests, `name::sqlite` and `name::postgres`, each
/// with `store` a fresh [`TestStore`] of its backend. One body, so the two backends are
/// held to the same assertions.
macro_rules! on_both {
    ($(#[doc = $doc:literal])* $(#[ignore = $why:literal])? async fn $name:ident($store:ident) $body:block) => {
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            $(#[ignore = $why])?
            async fn sqlite() {
                let $store = $crate::store::test_backends::TestStore::sqlite().await;
                $body
            }

            #[tokio::test]
            $(#[ignore = $why])?
            async fn postgres() {
                let $store = $crate::store::test_backends::TestStore::postgres().await;
                $body
            }
        }
    };
}
pub(crate) use on_both;
