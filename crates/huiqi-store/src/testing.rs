//! The test harness every store test uses: run the same test on a fresh SQLite file and, when
//! `HUIQI_TEST_POSTGRES_URL` is set, on a fresh PostgreSQL database created for this test and
//! dropped after it (also when the test fails).
//!
//! ```ignore
//! #[tokio::test]
//! async fn my_table_round_trips() {
//!     huiqi_store::testing::each_db(|db| async move {
//!         // db.store is migrated and empty; db.url can be handed to a child process.
//!     })
//!     .await;
//! }
//! ```

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;
use sqlx::postgres::PgConnection;

use crate::{Backend, Store};

/// The variable naming a PostgreSQL server (any database on it) that tests may create databases on.
pub const TEST_POSTGRES_URL_VAR: &str = "HUIQI_TEST_POSTGRES_URL";

/// The variable naming a streaming replica of that server (`scripts/pg-replica.sh` sets it): the
/// web tests then read from it what a deployment with `HUIQI_DATABASE_REPLICA_URL` would.
pub const TEST_POSTGRES_REPLICA_URL_VAR: &str = "HUIQI_TEST_POSTGRES_REPLICA_URL";

/// A fresh, migrated database for one test.
pub struct TestDb {
    pub store: Store,
    /// The URL of this database, for child processes (`HUIQI_DATABASE_URL`).
    pub url: String,
    // Keeps the SQLite file alive until the test ends.
    _dir: Option<tempfile::TempDir>,
}

// A type with Drop is captured whole by `async move` blocks (edition 2021+ closures capture only the
// fields they use); without it a test using only `db.store` would drop the SQLite folder at once.
impl Drop for TestDb {
    fn drop(&mut self) {}
}

impl TestDb {
    pub fn backend(&self) -> Backend {
        self.store.backend()
    }
}

/// A read-only pool on a replica of `db`: on PostgreSQL with `HUIQI_TEST_POSTGRES_REPLICA_URL`
/// set, the same database on that streaming replica (waiting until it has arrived there);
/// otherwise a read-only pool on `db` itself, so that a write sent to the reader still fails.
pub async fn replica_of(db: &TestDb) -> Store {
    let replica_server = std::env::var(TEST_POSTGRES_REPLICA_URL_VAR)
        .ok()
        .filter(|u| !u.trim().is_empty());
    let url = match (db.backend(), replica_server) {
        (Backend::Postgres, Some(server)) => {
            let name = db
                .url
                .split('?')
                .next()
                .and_then(|u| u.rsplit('/').next())
                .unwrap_or_default();
            pg_url(&server, name)
        }
        _ => db.url.clone(),
    };
    let mut tries = 0;
    loop {
        match Store::connect_replica(&url).await {
            Ok(store) => return store,
            // A database just created on the primary reaches an asynchronous replica a moment later.
            Err(_) if tries < 50 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => panic!("connect to the replica of {}: {e}", db.url),
        }
    }
}

/// A fresh SQLite database in a temporary folder, migrated.
pub async fn sqlite() -> TestDb {
    sqlite_until(None).await
}

/// A fresh SQLite database, migrated up to version `last` (all when `None`).
async fn sqlite_until(last: Option<i64>) -> TestDb {
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = format!("sqlite:{}", dir.path().join("test.sqlite").display());
    let store = Store::connect(&url).await.expect("open SQLite");
    migrate(&store, last).await.expect("migrate SQLite");
    TestDb {
        store,
        url,
        _dir: Some(dir),
    }
}

/// Runs one SQL statement as it is (tests that set up data the way an older huiqi wrote it).
pub async fn execute(store: &Store, sql: &str) {
    try_execute(store, sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// [`execute`], returning the database's refusal (tests that a key or constraint holds).
pub async fn try_execute(store: &Store, sql: &str) -> Result<(), sqlx::Error> {
    match store {
        Store::Sqlite(pool) => sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(pool)
            .await
            .map(|_| ()),
        Store::Postgres(pool) => sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(pool)
            .await
            .map(|_| ()),
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Creates a fresh PostgreSQL database on the server of `HUIQI_TEST_POSTGRES_URL`; returns its
/// name and URL.
async fn create_postgres_database(admin_url: &str) -> (String, String) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!(
        "huiqi_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    );
    let mut admin = PgConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("connect to {TEST_POSTGRES_URL_VAR}: {e}"));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut admin)
        .await
        .expect("CREATE DATABASE");
    admin.close().await.ok();
    let url = pg_url(admin_url, &name);
    (name, url)
}

/// The admin URL with its database replaced by `name`.
fn pg_url(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut url = format!("{}/{}", &base[..path_start], name);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

async fn drop_postgres_database(admin_url: &str, name: &str) {
    if let Ok(mut admin) = PgConnection::connect(admin_url).await {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
        )))
        .execute(&mut admin)
        .await;
        admin.close().await.ok();
    }
}

async fn migrate(store: &Store, last: Option<i64>) -> Result<(), crate::StoreError> {
    match last {
        Some(v) => store.migrate_until(v).await,
        None => store.migrate().await,
    }
}

/// Runs `test` on a fresh SQLite database, then (when `HUIQI_TEST_POSTGRES_URL` is set) on a fresh
/// PostgreSQL database that is dropped afterwards. A failure names the database it happened on.
pub async fn each_db<F, Fut>(test: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    each_db_until(None, test).await
}

/// [`each_db`] on databases migrated only up to version `last` (`None`: all), for tests of what
/// a later migration does to data written before it.
pub async fn each_db_until<F, Fut>(last: Option<i64>, test: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let db = sqlite_until(last).await;
    let result = tokio::spawn(test(db)).await;
    if let Err(e) = result {
        failed_on("SQLite", e.into_panic());
    }

    let admin_url = match std::env::var(TEST_POSTGRES_URL_VAR) {
        Ok(u) if !u.trim().is_empty() => u,
        _ => {
            postgres_skipped_notice();
            return;
        }
    };
    let (name, url) = create_postgres_database(&admin_url).await;
    let store = match Store::connect(&url).await {
        Ok(s) => s,
        Err(e) => {
            drop_postgres_database(&admin_url, &name).await;
            panic!("connect to the test database {name}: {e}");
        }
    };
    let outcome = match migrate(&store, last).await {
        Ok(()) => {
            let db = TestDb {
                store: store.clone(),
                url,
                _dir: None,
            };
            tokio::spawn(test(db)).await.map_err(|e| e.into_panic())
        }
        Err(e) => {
            Err(Box::new(format!("migrate PostgreSQL: {e}")) as Box<dyn std::any::Any + Send>)
        }
    };
    store.close().await;
    drop_postgres_database(&admin_url, &name).await;
    if let Err(panic) = outcome {
        failed_on("PostgreSQL", panic);
    }
}

/// Fails the test again with its message, naming the database it failed on.
fn failed_on(database: &str, panic: Box<dyn std::any::Any + Send>) -> ! {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    panic!("store test failed on {database}: {message}");
}

/// Says once per test program, past the test harness's output capture (which takes only the
/// print macros), that the PostgreSQL half of the store tests did not run and how to run it.
fn postgres_skipped_notice() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\n!!! 注意：未设置 {TEST_POSTGRES_URL_VAR}，存储测试的 PostgreSQL 部分已跳过（只测了 SQLite）。\n\
             !!! 运行方法：{TEST_POSTGRES_URL_VAR}=postgres://postgres@127.0.0.1:5432/postgres cargo test --workspace\n"
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pg_url_replaces_the_database() {
        assert_eq!(
            pg_url("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            pg_url("postgres://u:p@h/db?sslmode=disable", "t2"),
            "postgres://u:p@h/t2?sslmode=disable"
        );
        assert_eq!(pg_url("postgres://h:5432", "t3"), "postgres://h:5432/t3");
    }
}

/// Rows and lists for the store's and the application's tests: enterprises by number (codes
/// `91341502000000NN…`), market rows registered through [`Store::import`], certifications and
/// training sessions of the lists beside the registry.
pub mod fixtures {
    use chrono::NaiveDate;
    use huiqi_domain::Uscc;
    use huiqi_domain::lists::{CertKind, Certification, TrainingSession};
    use huiqi_domain::registry::{Record, Source, Value};
    use tokio::sync::mpsc;

    use crate::Store;
    use crate::lists::ListMeta;
    use crate::registry::{ImportMeta, ImportOutcome, Incoming};

    pub fn uscc(n: u32) -> Uscc {
        Uscc::from_parts("91", "341502", &format!("{n:08}")).unwrap()
    }

    pub fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    pub fn meta(name: &str) -> ListMeta {
        ListMeta {
            file_name: name.into(),
            file_sha256: format!("sha-of-{name}"),
            uscc_header: "统一社会信用代码".into(),
        }
    }

    /// Registers enterprise `n` in `county`, registered on `on`.
    pub async fn register(store: &Store, rows: &[(u32, &str, &str)]) {
        let records = rows
            .iter()
            .enumerate()
            .map(|(i, (n, county, on))| Record {
                row: i as u64 + 2,
                uscc: uscc(*n),
                values: vec![
                    Value::Text(format!("企业{n}")),
                    Value::Text("enterprise".into()),
                    Value::Text((*county).into()),
                    Value::Text("C3311".into()),
                    Value::Date(date(on)),
                    Value::Text("active".into()),
                    Value::Null,
                    Value::Null,
                ],
            })
            .collect();
        import(store, Source::Market, None, records).await;
    }

    /// Imports `rows` as one file of `source` (`valid`: whether the reader found it good) and
    /// returns how the import ended.
    pub async fn import_outcome(
        store: &Store,
        source: Source,
        year: Option<i32>,
        rows: Vec<Record>,
        valid: bool,
    ) -> ImportOutcome {
        let (tx, rx) = mpsc::channel(4);
        let meta = ImportMeta {
            source,
            year,
            file_name: "registry.csv".into(),
            file_sha256: "00".into(),
        };
        tx.send(Incoming::Rows(rows)).await.unwrap();
        tx.send(Incoming::End { valid }).await.unwrap();
        drop(tx);
        store.import(&meta, rx).await.unwrap()
    }

    /// [`import_outcome`] of a good file, which must commit.
    pub async fn import(store: &Store, source: Source, year: Option<i32>, rows: Vec<Record>) {
        let out = import_outcome(store, source, year, rows, true).await;
        assert!(matches!(out, ImportOutcome::Committed { .. }), "{out:?}");
    }

    pub fn cert(row: u64, n: u32, kind: CertKind, on: &str) -> Certification {
        Certification {
            row,
            uscc: uscc(n),
            kind,
            certified_on: date(on),
            certificate_no: Some(format!("NO-{n}")),
        }
    }

    pub fn session(row: u64, id: &str, on: &str, county: &str, attendees: i64) -> TrainingSession {
        TrainingSession {
            row,
            session_id: id.into(),
            held_on: date(on),
            county: county.into(),
            title: "创业培训".into(),
            organiser: None,
            attendees,
        }
    }

    pub fn committed(out: ImportOutcome) -> (u64, u64, u64) {
        match out {
            ImportOutcome::Committed { counts, .. } => {
                (counts.new, counts.updated, counts.unchanged)
            }
            other => panic!("{other:?}"),
        }
    }
}
