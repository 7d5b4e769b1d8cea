//! Storage: one diesel code base over SQLite and PostgreSQL.
//!
//! The backend is chosen from the scheme of `DATABASE_URL` by our own r2d2 manager (diesel's
//! derived `establish` tries each backend in turn and hides the real error). Queries run on the
//! blocking pool through [`Db::run`], never on the async workers. Nothing here knows about HTTP.

pub mod access_keys;
pub mod access_log;
pub mod account_sessions;
pub mod accounts;
pub mod applications;
pub mod bp_readings;
pub mod card_reads;
pub mod challenges;
pub mod consent_events;
pub mod consent_requests;
pub mod consents;
pub mod devices;
pub mod emails;
pub mod family;
pub mod glucose_readings;
pub mod hcp_requests;
pub mod hcp_systems;
pub mod hcps;
pub mod jobs;
pub mod outbox;
pub mod passkeys;
pub mod patients;
pub mod push;
pub mod records;
pub mod registrations;
pub mod reminders;
pub mod schema;
pub mod sessions;
pub mod staff;
pub mod staff_passkeys;
pub mod staff_sessions;
pub mod sync_conflicts;
pub mod sync_devices;
pub mod sync_scopes;
pub mod synced;
pub mod tombstones;

use std::time::Duration;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::DatabaseUrl;
use crate::error::{ApiError, ApiResult};

/// Runs `$body` with `$c` bound to the inner connection of either backend, for the few queries
/// diesel's multi-backend connection cannot express (batch inserts, upserts). The body is
/// type-checked once per backend, so it stays one piece of SQL-free diesel code.
#[macro_export]
macro_rules! on_inner {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::store::DbConn::Sqlite($c) => $body,
            $crate::store::DbConn::Postgres($c) => $body,
        }
    };
}

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// Opens connections for the configured backend.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::ConnectionError;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // WAL lets readers run beside the one writer; the busy timeout makes writers
                // queue instead of failing; foreign keys are off by default in SQLite.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(url)?;
                // diesel keeps prepared statements per connection. PostgreSQL would otherwise
                // settle on a generic plan for them after five runs, judged on the table sizes
                // of that moment: a plan made while `bp_readings` was small (a seq scan) would
                // outlive its growth. Planning each run costs microseconds and follows the data.
                conn.batch_execute("SET plan_cache_mode = force_custom_plan")
                    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Postgres(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        // A connection left inside a broken transaction must not go back to the pool.
        diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}

pub type Pool = r2d2::Pool<Manager>;

/// The database handle held by the application.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    backend: Backend,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Db {
    /// Connects (creating the SQLite file and its folder when needed) and applies migrations.
    pub fn connect(url: &DatabaseUrl, pool_size: u32) -> anyhow::Result<Self> {
        let backend = match url {
            DatabaseUrl::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("creating database folder {}", dir.display()))?;
                }
                Backend::Sqlite
            }
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        };
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(5))
            .build(Manager { url: url.clone() })
            .context("connecting to the database (check DATABASE_URL)")?;
        let db = Self { pool, backend };
        db.migrate()?;
        Ok(db)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations of this backend; returns how many ran.
    pub fn migrate(&self) -> anyhow::Result<usize> {
        let mut conn = self
            .pool
            .get()
            .context("database connection for migrations")?;
        let applied = match &mut *conn {
            DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
            DbConn::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
        }
        .map_err(|e| anyhow::anyhow!("applying migrations: {e}"))?;
        Ok(applied.len())
    }

    /// Runs `f` with a pooled connection on the blocking thread pool.
    pub async fn run<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Runs `f` in a transaction on the blocking pool.
    ///
    /// On SQLite the transaction is `BEGIN IMMEDIATE`: it takes the write lock up front, so two
    /// writers queue on the busy timeout instead of one failing when it upgrades a read lock.
    pub async fn transaction<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
    {
        self.run(move |conn| in_transaction(conn, f)).await
    }

    /// Runs `f` in a read-only transaction over one snapshot of the database (PostgreSQL
    /// `REPEATABLE READ`; SQLite's read transaction in WAL mode), so a pull reading several
    /// tables sees them at one instant.
    pub async fn read_snapshot<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
    {
        self.run(move |conn| {
            in_transaction_with(
                conn,
                "BEGIN",
                "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                f,
            )
        })
        .await
    }

    /// Whether the database answers now (for `/readyz`).
    pub async fn ping(&self) -> bool {
        self.run(|conn| conn.batch_execute("SELECT 1").map_err(ApiError::from))
            .await
            .is_ok()
    }

    /// For tests and tools that need the raw connection.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }
}

fn in_transaction<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> ApiResult<T>,
) -> ApiResult<T> {
    in_transaction_with(conn, "BEGIN IMMEDIATE", "BEGIN", f)
}

fn in_transaction_with<T>(
    conn: &mut DbConn,
    sqlite_begin: &str,
    postgres_begin: &str,
    f: impl FnOnce(&mut DbConn) -> ApiResult<T>,
) -> ApiResult<T> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, sqlite_begin)?,
        DbConn::Postgres(c) => AnsiTransactionManager::begin_transaction_sql(c, postgres_begin)?,
    }
    let result = f(conn);
    let end = match (&result, &mut *conn) {
        (Ok(_), DbConn::Sqlite(c)) => AnsiTransactionManager::commit_transaction(c),
        (Ok(_), DbConn::Postgres(c)) => AnsiTransactionManager::commit_transaction(c),
        (Err(_), DbConn::Sqlite(c)) => AnsiTransactionManager::rollback_transaction(c),
        (Err(_), DbConn::Postgres(c)) => AnsiTransactionManager::rollback_transaction(c),
    };
    match (result, end) {
        (Ok(v), Ok(())) => Ok(v),
        (Err(e), _) => Err(e),
        (Ok(_), Err(e)) => Err(e.into()),
    }
}
