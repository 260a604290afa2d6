//! Databases for tests: a SQLite file in a temporary directory, and a fresh Postgres database
//! per test on the server `DAILYX_TEST_POSTGRES_URL` names (`scripts/postgres.sh` prepares one
//! and `scripts/test.sh` exports the URL).
//!
//! Without that variable the Postgres half of a test is skipped with a message, unless
//! `DAILYX_EXPECT_POSTGRES=1` (set by `scripts/test.sh` and so by CI): then it fails loudly.

use dailyx_store::Store;
use std::path::PathBuf;

/// A database that lives as long as the value.
pub struct TestDb {
    /// The URL a `dailyx` process would be given.
    pub url: String,
    /// An open, migrated store.
    pub store: Store,
    /// `sqlite` or `postgres`.
    pub label: &'static str,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// A migrated SQLite database in a new temporary directory.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("tempdir");
        let path: PathBuf = dir.path().join("dailyx.db");
        let url = format!("sqlite://{}", path.display());
        let store = Store::open(&url).await.expect("open sqlite");
        TestDb {
            url,
            store,
            label: "sqlite",
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// A migrated, empty Postgres database made for this test, or `None` (with a message) when
    /// no server is configured and none is expected.
    pub async fn postgres() -> Option<TestDb> {
        let Some(admin_url) = std::env::var("DAILYX_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())
        else {
            assert!(
                std::env::var("DAILYX_EXPECT_POSTGRES").as_deref() != Ok("1"),
                "DAILYX_EXPECT_POSTGRES=1 but DAILYX_TEST_POSTGRES_URL is not set; \
                 run scripts/postgres.sh and export it (scripts/test.sh does both)"
            );
            eprintln!("skipping the Postgres half: DAILYX_TEST_POSTGRES_URL is not set");
            return None;
        };
        let name = format!("dailyx_t_{}", uuid_simple());
        let admin = Store::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!("Postgres at DAILYX_TEST_POSTGRES_URL is expected but unreachable: {e}")
        });
        admin
            .execute_admin(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create test database");
        admin.close().await;
        let url = replace_database(&admin_url, &name);
        let store = Store::open(&url).await.expect("open postgres");
        Some(TestDb {
            url,
            store,
            label: "postgres",
            cleanup: Cleanup::Postgres { admin_url, name },
        })
    }

    /// Both backends: SQLite always, Postgres when available (see the module docs).
    pub async fn both() -> Vec<TestDb> {
        let mut dbs = vec![TestDb::sqlite().await];
        dbs.extend(TestDb::postgres().await);
        dbs
    }

    /// Closes the pool and drops a Postgres database. Call at the end of a test; a test that
    /// panics leaves its database behind for inspection (`scripts/test.sh` clears old ones).
    pub async fn finish(self) {
        self.store.close().await;
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup
            && let Ok(admin) = Store::connect(admin_url).await
        {
            let _ = admin
                .execute_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
            admin.close().await;
        }
    }
}

fn uuid_simple() -> String {
    dailyx_store::new_id().replace('-', "")
}

/// `url` with its database name replaced by `name`.
fn replace_database(url: &str, name: &str) -> String {
    let mut u = url::Url::parse(url).expect("DAILYX_TEST_POSTGRES_URL is a URL");
    u.set_path(&format!("/{name}"));
    u.to_string()
}
