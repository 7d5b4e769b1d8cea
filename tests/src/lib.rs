//! Black-box test harness: starts the real server on port 0 against real storage (a fresh
//! SQLite file or a fresh PostgreSQL database per test, Redis with a per-test key prefix) and
//! speaks HTTP to it. Nothing of ours is mocked; time is the only thing the tests control.

pub mod accounts;
pub mod clock;
pub mod demo;
pub mod devices;
pub mod family;
pub mod fcm;
pub mod hcp;
pub mod json;
pub mod office;
pub mod passkey;
pub mod people;
pub mod provider;
pub mod smtp;
pub mod stored;

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context;
use ehealth_api::{Application, Config};
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub use clock::ManualClock;
pub use json::JsonAs;
pub use passkey::TestPasskey;
pub use people::Person;

/// The WebAuthn relying party every test server uses.
pub const RP_ID: &str = "ehealth.test";
pub const ORIGIN: &str = "https://app.ehealth.test";
pub const OFFICER_TOKEN: &str = "officer-token-for-tests-only";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where a test's data lives; shared by sibling instances.
#[derive(Debug, Clone)]
pub struct Env {
    pub backend: Backend,
    pub database_url: String,
    pub redis_url: Option<String>,
    pub redis_prefix: String,
    pub overrides: HashMap<String, String>,
    pg_database: Option<Arc<PgDatabase>>,
    _dir: Option<Arc<TempDir>>,
}

/// A per-test PostgreSQL database, dropped when the last instance using it is gone.
#[derive(Debug)]
struct PgDatabase(String);

impl Drop for PgDatabase {
    fn drop(&mut self) {
        use diesel::{Connection, PgConnection, RunQueryDsl};
        if let Ok(mut conn) = PgConnection::establish(&pg_admin_url()) {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.0))
                .execute(&mut conn);
        }
    }
}

/// A directory removed when dropped.
#[derive(Debug)]
pub(crate) struct TempDir(pub(crate) std::path::PathBuf);

impl TempDir {
    pub(crate) fn new(label: &str) -> anyhow::Result<Self> {
        let dir =
            std::env::temp_dir().join(format!("ehealth-{label}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir)?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn pg_admin_url() -> String {
    std::env::var("EHEALTH_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

pub fn redis_url() -> String {
    std::env::var("EHEALTH_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

impl Env {
    /// A fresh, empty database of `backend`.
    pub fn fresh(backend: Backend) -> anyhow::Result<Self> {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("ehealth-test-{tag}"));
                std::fs::create_dir_all(&dir)?;
                Ok(Self {
                    backend,
                    database_url: format!("sqlite://{}", dir.join("ehealth.sqlite").display()),
                    redis_url: None,
                    redis_prefix: format!("ehealth-test:{tag}:"),
                    overrides: HashMap::new(),
                    pg_database: None,
                    _dir: Some(Arc::new(TempDir(dir))),
                })
            }
            Backend::Postgres => {
                use diesel::{Connection, PgConnection, RunQueryDsl};
                let admin = pg_admin_url();
                let name = format!("ehealth_t_{tag}");
                let mut conn = PgConnection::establish(&admin).with_context(
                    || "PostgreSQL is not reachable: run scripts/test.sh, which starts it",
                )?;
                diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn)?;
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
                Ok(Self {
                    backend,
                    database_url: format!("{base}/{name}"),
                    redis_url: None,
                    redis_prefix: format!("ehealth-test:{tag}:"),
                    overrides: HashMap::new(),
                    pg_database: Some(Arc::new(PgDatabase(name))),
                    _dir: None,
                })
            }
        }
    }

    pub fn with_redis(mut self) -> Self {
        self.redis_url = Some(redis_url());
        self
    }

    pub fn set(mut self, key: &str, value: &str) -> Self {
        self.overrides.insert(key.to_owned(), value.to_owned());
        self
    }

    pub fn config(&self) -> anyhow::Result<Config> {
        let mut vars: HashMap<String, String> = [
            ("EHEALTH_BIND", "127.0.0.1:0"),
            ("EHEALTH_RP_ID", RP_ID),
            ("EHEALTH_RP_ORIGIN", ORIGIN),
            (
                "EHEALTH_RP_EXTRA_ORIGINS",
                "android:apk-key-hash:dGVzdC1hcGsta2V5LWhhc2g",
            ),
            (
                "EHEALTH_SECRET_KEY",
                "test-secret-key-material-0123456789abcdef",
            ),
            (
                "EHEALTH_LOG_SIGNING_KEY",
                "dGVzdC1sb2ctc2lnbmluZy1zZWVkLTMyLWJ5dGVzISE",
            ),
            ("EHEALTH_OFFICER_TOKEN", OFFICER_TOKEN),
            ("EHEALTH_WORKERS", "2"),
            ("EHEALTH_DB_POOL_SIZE", "4"),
            ("EHEALTH_RATE_LIMIT_PER_ADDRESS", "10000"),
            ("EHEALTH_RATE_LIMIT_PER_IDENTITY", "10000"),
            // Tests run the scheduled jobs themselves, at the instants they choose.
            ("EHEALTH_SCHEDULER", "off"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        vars.insert("DATABASE_URL".to_owned(), self.database_url.clone());
        vars.insert("EHEALTH_REDIS_PREFIX".to_owned(), self.redis_prefix.clone());
        if let Some(r) = &self.redis_url {
            vars.insert("REDIS_URL".to_owned(), r.clone());
        }
        vars.extend(self.overrides.clone());
        Config::from_lookup(|k| vars.get(k).cloned())
    }

    /// Drops the PostgreSQL database, ending its connections (used to make storage vanish).
    pub fn drop_database(&self) -> anyhow::Result<()> {
        use diesel::{Connection, PgConnection, RunQueryDsl};
        if let Some(PgDatabase(name)) = self.pg_database.as_deref() {
            let mut conn = PgConnection::establish(&pg_admin_url())?;
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)?;
        }
        Ok(())
    }
}

/// A running server.
pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub clock: Arc<ManualClock>,
    pub env: Env,
    /// The server's state, for checks a client cannot make (what is stored, and how).
    pub state: ehealth_api::startup::StateHandle,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_env(Env::fresh(backend).unwrap_or_else(|e| panic!("test env: {e:#}"))).await
    }

    pub async fn spawn_env(env: Env) -> TestApp {
        Self::spawn_with_clock(env, Arc::new(ManualClock::default())).await
    }

    /// Another instance on the same database and Redis, with the same clock.
    pub async fn sibling(&self) -> TestApp {
        Self::spawn_with_clock(self.env.clone(), self.clock.clone()).await
    }

    async fn spawn_with_clock(env: Env, clock: Arc<ManualClock>) -> TestApp {
        let config = env
            .config()
            .unwrap_or_else(|e| panic!("test config: {e:#}"));
        let app = Application::build(config, clock.clone())
            .await
            .unwrap_or_else(|e| panic!("server start-up: {e:#}"));
        let port = app.port();
        let state = app.state();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_else(|e| panic!("http client: {e}")),
            clock,
            env,
            state,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Sends `body` as JSON with an optional bearer token; returns status and parsed body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("request to {path}: {e}"));
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, None, Some(body)).await
    }

    pub async fn get_auth(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    /// A reminder's stored next occurrence (epoch ms), as the server keeps it.
    pub async fn reminder_next_due(&self, id: &str) -> Option<i64> {
        let id = id.to_owned();
        self.state
            .db
            .run(move |c| Ok(ehealth_api::store::reminders::find_many(c, &[id])?))
            .await
            .unwrap_or_default()
            .first()
            .and_then(|r| r.next_due_at)
    }
}

/// Runs an ordinary story, `async fn name(app: TestApp)`, on SQLite and on PostgreSQL: generates
/// `mod name { sqlite, postgres }` of `#[tokio::test]`s, each spawning a fresh server on its
/// backend. Write it just above the story (the story stays plain code that rustfmt formats):
///
/// ```ignore
/// on_both_backends!(a_reading_reaches_the_other_phone);
/// async fn a_reading_reaches_the_other_phone(app: TestApp) { /* ... */ }
/// ```
#[macro_export]
macro_rules! on_both_backends {
    ($($story:ident),+ $(,)?) => {
        $(
            mod $story {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$story($crate::TestApp::spawn($crate::Backend::Sqlite).await).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$story($crate::TestApp::spawn($crate::Backend::Postgres).await).await;
                }
            }
        )+
    };
}
