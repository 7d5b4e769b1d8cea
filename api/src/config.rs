//! Configuration, read once from the environment at start-up (see the README's table).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use url::Url;

/// Where the database lives, decided by the scheme of `DATABASE_URL`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(p) => write!(f, "Sqlite({})", p.display()),
            // The URL may carry a password.
            Self::Postgres(_) => f.write_str("Postgres(<redacted>)"),
        }
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/ehealth.sqlite";

/// The forms `DATABASE_URL` takes, for error messages.
const DATABASE_URL_FORMS: &str = "use sqlite://PATH (sqlite://./data/ehealth.sqlite, or sqlite:///tmp/x.sqlite for an absolute path) or postgres://USER:PASS@HOST:PORT/DB";

/// File endings that make a bare `DATABASE_URL` (no `scheme://`) a SQLite file path.
const SQLITE_FILE_ENDINGS: [&str; 3] = [".sqlite", ".sqlite3", ".db"];

impl DatabaseUrl {
    /// `sqlite://PATH`, `postgres://...` (or `postgresql://...`), or a bare path to a SQLite
    /// file ending in `.sqlite`, `.sqlite3` or `.db` (what diesel's own tools accept, so
    /// `DATABASE_URL=/tmp/x.sqlite` means what it says). Anything else is refused with the
    /// forms to use rather than guessed at.
    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                bail!(
                    "DATABASE_URL `sqlite://` needs a file path, e.g. sqlite://./data/ehealth.sqlite"
                );
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self::Postgres(raw.to_owned()));
        }
        match raw.split_once("://") {
            Some((scheme, _)) => {
                bail!("DATABASE_URL has the unsupported scheme `{scheme}`: {DATABASE_URL_FORMS}")
            }
            None if SQLITE_FILE_ENDINGS
                .iter()
                .any(|end| raw.len() > end.len() && raw.ends_with(end)) =>
            {
                Ok(Self::Sqlite(PathBuf::from(raw)))
            }
            // Not echoed: a mistyped URL may carry a password.
            None => bail!(
                "DATABASE_URL is neither a URL nor a SQLite file path ending in .sqlite, .sqlite3 or .db: {DATABASE_URL_FORMS}"
            ),
        }
    }
}

#[derive(Clone)]
pub struct Config {
    pub bind: String,
    pub database_url: DatabaseUrl,
    pub redis_url: Option<String>,
    /// Prefix of every Redis key, so several deployments (or tests) can share one Redis.
    pub redis_prefix: String,
    pub rp_id: String,
    pub rp_name: String,
    pub rp_origin: Url,
    pub extra_origins: Vec<Url>,
    /// Raw key material; `None` means "load or create ./data/secret.key".
    pub secret_key: Option<String>,
    pub secret_key_file: PathBuf,
    /// `EHEALTH_LOG_SIGNING_KEY`: the access log's Ed25519 seed (see `log_key`).
    pub log_signing_key: Option<String>,
    pub log_signing_key_file: PathBuf,
    pub officer_token: Option<String>,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub registration_ttl: Duration,
    pub challenge_ttl: Duration,
    pub body_limit: usize,
    pub workers: Option<usize>,
    /// Sign-in and registration attempts per client address per minute.
    pub rate_limit_per_address: u32,
    /// Registration attempts per identity document per hour.
    pub rate_limit_per_identity: u32,
    pub db_pool_size: u32,
    /// Most mutations in one sync push.
    pub sync_max_mutations: usize,
    /// Largest sync push or pull body, bytes.
    pub sync_max_bytes: usize,
    /// How far ahead of the server a client's HLC may run before it is pulled back.
    pub sync_max_clock_skew: Duration,
    /// How long tombstones are kept; older cursors get a reset.
    pub sync_tombstone_horizon: Duration,
    /// Whether this instance runs the scheduled jobs (each occurrence runs on one instance
    /// whatever this says; turn it off only where something else drives the jobs, as the tests do).
    pub scheduler: bool,
    /// Always true in a real build. Only a build with the `bench` feature can turn the access
    /// log off (`EHEALTH_BENCH_SKIP_ACCESS_LOG=1`), to measure what the log costs.
    pub access_log_enabled: bool,
    /// Accept passkey sign-ins whose client data says `crossOrigin: true` (the ceremony ran in
    /// a frame of another site). Off: such an assertion is refused.
    pub webauthn_cross_origin: bool,
    /// Service-account key file for FCM HTTP v1 (`FCM_SERVICE_ACCOUNT`); without it pushes go
    /// to the log sink.
    pub fcm_service_account: Option<PathBuf>,
    /// `FCM_BASE_URL`, Google's endpoint unless overridden.
    pub fcm_base_url: String,
    /// `EHEALTH_SMTP_URL` (lettre's URL form: `smtp://host:25`, `smtp://user:pass@host:587?tls=required`,
    /// `smtps://host:465`); unset, emails go to the log with their recipients masked.
    pub smtp_url: Option<String>,
    /// `EHEALTH_MAIL_FROM`: the sender of every email.
    pub mail_from: String,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("database_url", &self.database_url)
            .field("redis", &self.redis_url.is_some())
            .field("rp_id", &self.rp_id)
            .field("rp_origin", &self.rp_origin.as_str())
            .field("officer_api", &self.officer_token.is_some())
            .field("fcm", &self.fcm_service_account.is_some())
            .field("smtp", &self.smtp_url.is_some())
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads configuration through `get`, so tests can configure without touching the process
    /// environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let var = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let secs = |k: &str, default: u64| -> anyhow::Result<Duration> {
            Ok(Duration::from_secs(match var(k) {
                Some(v) => v
                    .parse()
                    .with_context(|| format!("{k} must be a whole number of seconds"))?,
                None => default,
            }))
        };
        let num = |k: &str, default: u64| -> anyhow::Result<u64> {
            match var(k) {
                Some(v) => v
                    .parse()
                    .with_context(|| format!("{k} must be a whole number")),
                None => Ok(default),
            }
        };

        let path = |k: &str, default: &str| PathBuf::from(var(k).unwrap_or_else(|| default.into()));
        let switch = |k: &str, default: bool| on_or_off(k, var(k).as_deref(), default);

        let database_url = DatabaseUrl::parse(
            &var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
        )?;
        let rp_id = var("EHEALTH_RP_ID").unwrap_or_else(|| "localhost".to_owned());
        let rp_origin = Url::parse(
            &var("EHEALTH_RP_ORIGIN").unwrap_or_else(|| "http://localhost:8080".to_owned()),
        )
        .context("EHEALTH_RP_ORIGIN must be a URL such as https://app.example.hk")?;
        let extra_origins = extra_origins(var("EHEALTH_RP_EXTRA_ORIGINS").as_deref())?;

        Ok(Self {
            bind: var("EHEALTH_BIND").unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
            database_url,
            redis_url: var("REDIS_URL"),
            redis_prefix: var("EHEALTH_REDIS_PREFIX").unwrap_or_else(|| "ehealth:".to_owned()),
            rp_id,
            rp_name: var("EHEALTH_RP_NAME").unwrap_or_else(|| "eHealth".to_owned()),
            rp_origin,
            extra_origins,
            secret_key: var("EHEALTH_SECRET_KEY"),
            secret_key_file: path("EHEALTH_SECRET_KEY_FILE", "./data/secret.key"),
            log_signing_key: var("EHEALTH_LOG_SIGNING_KEY"),
            log_signing_key_file: path("EHEALTH_LOG_SIGNING_KEY_FILE", "./data/log-signing.key"),
            officer_token: var("EHEALTH_OFFICER_TOKEN"),
            access_token_ttl: secs("EHEALTH_ACCESS_TOKEN_TTL", 15 * 60)?,
            refresh_token_ttl: secs("EHEALTH_REFRESH_TOKEN_TTL", 30 * 24 * 3600)?,
            registration_ttl: secs("EHEALTH_REGISTRATION_TTL", 10 * 60)?,
            challenge_ttl: secs("EHEALTH_CHALLENGE_TTL", 5 * 60)?,
            body_limit: usize::try_from(num("EHEALTH_BODY_LIMIT", 256 * 1024)?)
                .context("EHEALTH_BODY_LIMIT is too large")?,
            workers: var("EHEALTH_WORKERS")
                .map(|v| v.parse().context("EHEALTH_WORKERS must be a whole number"))
                .transpose()?,
            rate_limit_per_address: u32::try_from(num("EHEALTH_RATE_LIMIT_PER_ADDRESS", 30)?)
                .context("EHEALTH_RATE_LIMIT_PER_ADDRESS is too large")?,
            rate_limit_per_identity: u32::try_from(num("EHEALTH_RATE_LIMIT_PER_IDENTITY", 10)?)
                .context("EHEALTH_RATE_LIMIT_PER_IDENTITY is too large")?,
            db_pool_size: u32::try_from(num("EHEALTH_DB_POOL_SIZE", 10)?)
                .context("EHEALTH_DB_POOL_SIZE is too large")?,
            sync_max_mutations: usize::try_from(num("EHEALTH_SYNC_MAX_MUTATIONS", 500)?)
                .context("EHEALTH_SYNC_MAX_MUTATIONS is too large")?,
            sync_max_bytes: usize::try_from(num("EHEALTH_SYNC_MAX_BYTES", 1024 * 1024)?)
                .context("EHEALTH_SYNC_MAX_BYTES is too large")?,
            sync_max_clock_skew: secs("EHEALTH_SYNC_MAX_CLOCK_SKEW", 300)?,
            sync_tombstone_horizon: Duration::from_secs(
                num("EHEALTH_SYNC_TOMBSTONE_DAYS", 180)?.saturating_mul(24 * 3600),
            ),
            scheduler: switch("EHEALTH_SCHEDULER", true)?,
            webauthn_cross_origin: switch("EHEALTH_WEBAUTHN_CROSS_ORIGIN", false)?,
            access_log_enabled: !(cfg!(feature = "bench")
                && var("EHEALTH_BENCH_SKIP_ACCESS_LOG").is_some()),
            fcm_service_account: var("FCM_SERVICE_ACCOUNT").map(PathBuf::from),
            fcm_base_url: var("FCM_BASE_URL")
                .unwrap_or_else(|| crate::push::fcm::DEFAULT_BASE_URL.to_owned()),
            smtp_url: var("EHEALTH_SMTP_URL"),
            mail_from: var("EHEALTH_MAIL_FROM")
                .unwrap_or_else(|| "eHealth <no-reply@ehealth.invalid>".to_owned()),
        })
    }
}

/// `EHEALTH_RP_EXTRA_ORIGINS`: comma-separated URLs (empty entries ignored).
fn extra_origins(raw: Option<&str>) -> anyhow::Result<Vec<Url>> {
    raw.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            Url::parse(s).with_context(|| {
                format!("EHEALTH_RP_EXTRA_ORIGINS has an entry that is not a URL: {s}")
            })
        })
        .collect()
}

/// A switch `name`: `default` when unset.
fn on_or_off(name: &str, raw: Option<&str>, default: bool) -> anyhow::Result<bool> {
    match raw {
        None => Ok(default),
        Some("on" | "true" | "1") => Ok(true),
        Some("off" | "false" | "0") => Ok(false),
        Some(_) => bail!("{name} must be on or off"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_backend_follows_the_url_scheme() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://./data/x.sqlite").ok(),
            Some(DatabaseUrl::Sqlite(PathBuf::from("./data/x.sqlite")))
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://u@h/db"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        let err = DatabaseUrl::parse("mysql://u@h/db")
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("unsupported scheme `mysql`")));
    }

    #[test]
    fn a_bare_sqlite_file_path_is_accepted() {
        for raw in [
            "/tmp/x.sqlite",
            "./data/x.db",
            "x.sqlite3",
            "C:\\data\\x.sqlite",
        ] {
            assert_eq!(
                DatabaseUrl::parse(raw).ok(),
                Some(DatabaseUrl::Sqlite(PathBuf::from(raw))),
                "{raw}"
            );
        }
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.sqlite").ok(),
            Some(DatabaseUrl::Sqlite(PathBuf::from("/tmp/x.sqlite")))
        );
    }

    #[test]
    fn anything_else_is_refused_with_the_forms_to_use() {
        for raw in [
            "/tmp/x",
            "ehealth",
            ".db",
            "user:secret@db.internal/ehealth",
        ] {
            let err = DatabaseUrl::parse(raw)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                err.contains("neither a URL nor a SQLite file path")
                    && err.contains("sqlite:///tmp/x.sqlite")
                    && err.contains("postgres://"),
                "{raw}: {err}"
            );
            assert!(!err.contains("secret"), "{err}");
        }
        let err = DatabaseUrl::parse("postgress://u@h/db")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("unsupported scheme `postgress`: use sqlite://"),
            "{err}"
        );
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() -> anyhow::Result<()> {
        let c = Config::from_lookup(|_| None)?;
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert_eq!(
            c.database_url,
            DatabaseUrl::Sqlite(PathBuf::from("./data/ehealth.sqlite"))
        );
        assert_eq!(c.access_token_ttl, Duration::from_secs(900));
        assert_eq!(c.body_limit, 262_144);
        assert!(c.officer_token.is_none() && c.redis_url.is_none());
        Ok(())
    }
}
