//! `ehealth`: the server binary. Subcommands: `serve` (default), `migrate`, `openapi`,
//! `reset-sync-epoch`, `import-consents`, `officer add`.

mod commands;

use std::fs::File;
use std::io::{self, IsTerminal, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, anyhow, bail};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::MigrationHarness;
use ehealth_api::config::DatabaseUrl;
use ehealth_api::store::{Db, DbConn};
use ehealth_api::{Application, Config, SystemClock};
use tracing_subscriber::EnvFilter;

const USAGE: &str =
    "usage: ehealth [serve|migrate|openapi|reset-sync-epoch|import-consents FILE|officer add ...|--version|--help]

  serve             run the HTTP server (default)
  migrate           apply database migrations and exit
  openapi           print the OpenAPI document
  reset-sync-epoch  start a new sync epoch after restoring the database from a backup:
                    every device re-downloads its data and re-sends what it had pending
  officer add --name NAME --role ROLE [--role ROLE ...]
                    create a registration-office officer (roles: registration,
                    provider_review, supervisor) and print their passkey enrolment code
  import-consents FILE
                    bring over legacy one-year consents from a CSV file (header
                    patient_id,hcp_id,granted_on,valid_until); reports each line refused and
                    exits 1 if any was; running it again changes nothing
  -V, --version     print the version
  -h, --help        print this help

Configuration comes from the environment; see README.md.";

/// The log filter when `RUST_LOG` is unset: our own lines at info; the scheduler library's
/// start-up chatter ("Uninited", "Job creator created") only when it is worth a warning.
const DEFAULT_LOG_FILTER: &str = "info,tokio_cron_scheduler=warn";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Serve,
    Migrate,
    OpenApi,
    ResetSyncEpoch,
    ImportConsents,
    Officer,
    Help,
    Version,
}

fn parse_command(arg: Option<&str>) -> Option<Command> {
    Some(match arg.unwrap_or("serve") {
        "serve" => Command::Serve,
        "migrate" => Command::Migrate,
        "openapi" => Command::OpenApi,
        "reset-sync-epoch" => Command::ResetSyncEpoch,
        "import-consents" => Command::ImportConsents,
        "officer" => Command::Officer,
        "-h" | "--help" | "help" => Command::Help,
        "-V" | "--version" => Command::Version,
        _ => return None,
    })
}

#[actix_web::main]
async fn main() -> ExitCode {
    init_logging();
    let arg = std::env::args().nth(1);
    let Some(command) = parse_command(arg.as_deref()) else {
        eprintln!("unknown command `{}`\n\n{USAGE}", arg.unwrap_or_default());
        return ExitCode::from(2);
    };
    let result = match command {
        Command::Serve => serve().await,
        Command::Migrate => migrate(),
        Command::ResetSyncEpoch => reset_sync_epoch(),
        Command::ImportConsents => match commands::import_consents(std::env::args().nth(2)).await {
            Ok((report, 0)) => print_out(&report),
            // The report first, then the error (exit 1).
            Ok((report, refused)) => {
                print_out(&report).and_then(|()| bail!("{refused} lines refused"))
            }
            Err(e) => Err(e),
        },
        Command::Officer => {
            let args: Vec<String> = std::env::args().skip(2).collect();
            commands::officer(&args)
                .await
                .and_then(|text| print_out(&text))
        }
        Command::OpenApi => print_out(&ehealth_api::openapi::openapi_json()),
        Command::Help => print_out(&format!("{USAGE}\n")),
        Command::Version => print_out(&version_line()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to standard output, filtered by `RUST_LOG` (default [`DEFAULT_LOG_FILTER`]), in
/// colour only when standard output is a terminal and `NO_COLOR` is not set: a log file or a
/// collector gets plain text.
fn init_logging() {
    let colour =
        io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG_FILTER)),
        )
        .with_ansi(colour)
        .init();
}

fn version_line() -> String {
    format!("ehealth {}\n", env!("CARGO_PKG_VERSION"))
}

/// Writes `text` to standard output. A reader that has gone away (`ehealth openapi | head`)
/// is not an error: it wanted no more, so the command ends quietly with success.
fn print_out(text: &str) -> anyhow::Result<()> {
    write_unless_closed(&mut io::stdout().lock(), text).context("writing to standard output")
}

fn write_unless_closed(out: &mut impl Write, text: &str) -> io::Result<()> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

async fn serve() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    // Held until the process ends; the lock goes with it, however it ends.
    let _lock = match &config.database_url {
        DatabaseUrl::Sqlite(path) => Some(lock_sqlite(path)?),
        DatabaseUrl::Postgres(_) => None,
    };
    tracing::info!(?config, "starting");
    if config.officer_token.is_some() {
        tracing::warn!(
            "EHEALTH_OFFICER_TOKEN is set: it is a bootstrap credential with every office role; create named officers (`ehealth officer add`) and unset it"
        );
    }
    let app = Application::build(config.clone(), Arc::new(SystemClock)).await?;
    tracing::info!(
        "listening on http://{}:{} (API docs at /docs/)",
        config
            .bind
            .rsplit_once(':')
            .map(|(h, _)| h)
            .unwrap_or("127.0.0.1"),
        app.port()
    );
    app.run_until_stopped().await?;
    Ok(())
}

/// `<database>.lock`, beside the SQLite file.
fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// One server per SQLite file: a second one would keep its own rate-limit counters and
/// reminder due-queue in its own memory, and nothing would tell either of them. The lock is an
/// exclusive advisory lock on `<database>.lock` (never on the database file itself, whose
/// locks belong to SQLite); the operating system releases it when the process ends, however it
/// ends, so a crash leaves nothing to clean up. The holder writes its process id into the file.
fn lock_sqlite(database: &Path) -> anyhow::Result<File> {
    let path = lock_path(database);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating database folder {}", dir.display()))?;
    }
    let mut file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("opening the lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            // Best effort: the pid only makes the message more useful.
            let _ = file.read_to_string(&mut holder);
            let holder = match holder.trim() {
                "" => String::new(),
                pid => format!(" (process {pid})"),
            };
            bail!(
                "another ehealth server is already running on {}{holder}: it holds {}. \
                 With SQLite only one server may run per database file, because rate-limit \
                 counters and the reminder due-queue live in its memory. Stop the other one, \
                 give this one its own DATABASE_URL, or run several instances on PostgreSQL \
                 and Redis (see README.md)",
                database.display(),
                path.display()
            );
        }
        Err(std::fs::TryLockError::Error(e)) if e.kind() == io::ErrorKind::Unsupported => {
            tracing::warn!(
                lock = %path.display(),
                "this platform cannot lock files: nothing stops a second server on the same SQLite file"
            );
            return Ok(file);
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(anyhow!(e).context(format!("locking {}", path.display())));
        }
    }
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "{}", std::process::id()))
        .with_context(|| format!("writing the lock file {}", path.display()))?;
    Ok(file)
}

fn reset_sync_epoch() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let db = Db::connect(&config.database_url, 1)?;
    let mut conn = db.pool().get()?;
    let epoch = uuid::Uuid::new_v4().simple().to_string();
    ehealth_api::store::sync_scopes::reset_epoch(&mut conn, &epoch)?;
    print_out(&format!(
        "new sync epoch {epoch}: devices will reset their scopes on their next pull\n"
    ))
}

fn migrate() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let (applied, db) = apply_migrations(&config.database_url)?;
    print_out(&migrate_message(applied, &db))
}

/// Connects (which applies whatever is pending) and says how many migrations that applied:
/// the ones recorded as applied afterwards that were not before.
fn apply_migrations(url: &DatabaseUrl) -> anyhow::Result<(usize, Db)> {
    let before = applied_before_connecting(url)?;
    let db = Db::connect(url, 1)?;
    let mut conn = db
        .pool()
        .get()
        .context("database connection after migrating")?;
    let after = applied_count(&mut conn)?;
    Ok((after.saturating_sub(before), db))
}

fn migrate_message(applied: usize, db: &Db) -> String {
    let backend = db.backend();
    match applied {
        0 => format!("nothing to apply: the database ({backend:?}) is up to date\n"),
        1 => format!("applied 1 migration: the database ({backend:?}) is up to date\n"),
        n => format!("applied {n} migrations: the database ({backend:?}) is up to date\n"),
    }
}

/// How many migrations the database has recorded, read on a connection of its own so that
/// nothing is applied yet; none when the SQLite file does not exist yet.
fn applied_before_connecting(url: &DatabaseUrl) -> anyhow::Result<usize> {
    let applied = match url {
        DatabaseUrl::Sqlite(path) if !path.exists() => return Ok(0),
        DatabaseUrl::Sqlite(path) => SqliteConnection::establish(&path.to_string_lossy())
            .context("opening the database (check DATABASE_URL)")?
            .applied_migrations(),
        DatabaseUrl::Postgres(url) => PgConnection::establish(url)
            .context("connecting to the database (check DATABASE_URL)")?
            .applied_migrations(),
    };
    Ok(applied
        .map_err(|e| anyhow!("reading the applied migrations: {e}"))?
        .len())
}

fn applied_count(conn: &mut DbConn) -> anyhow::Result<usize> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.applied_migrations(),
        DbConn::Postgres(c) => c.applied_migrations(),
    };
    Ok(applied
        .map_err(|e| anyhow!("reading the applied migrations: {e}"))?
        .len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "ehealth-main-{name}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        dir
    }

    #[test]
    fn version_and_help_are_commands() {
        assert_eq!(parse_command(Some("--version")), Some(Command::Version));
        assert_eq!(parse_command(Some("-V")), Some(Command::Version));
        assert_eq!(parse_command(Some("--help")), Some(Command::Help));
        assert_eq!(parse_command(None), Some(Command::Serve));
        assert_eq!(parse_command(Some("--verison")), None);
        assert_eq!(
            version_line(),
            format!("ehealth {}\n", env!("CARGO_PKG_VERSION"))
        );
    }

    /// A writer whose reader has gone, like standard output piped into `head`.
    struct ClosedPipe;

    impl Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn a_closed_pipe_ends_the_output_quietly() {
        assert!(write_unless_closed(&mut ClosedPipe, "{}").is_ok());
        let mut out = Vec::new();
        assert!(write_unless_closed(&mut out, "{}").is_ok());
        assert_eq!(out, b"{}");
    }

    #[test]
    fn a_second_server_on_the_same_sqlite_file_is_refused() {
        let dir = temp_dir("lock");
        let db = dir.join("data").join("ehealth.sqlite");
        let first = lock_sqlite(&db).unwrap_or_else(|e| panic!("{e:#}"));
        let err = lock_sqlite(&db)
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(err.contains("already running"), "{err}");
        assert!(
            err.contains(&format!("(process {})", std::process::id())),
            "{err}"
        );
        drop(first);
        assert!(lock_sqlite(&db).is_ok(), "the lock goes with its holder");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn migrate_says_how_many_migrations_it_applied() {
        let dir = temp_dir("migrate");
        let url = DatabaseUrl::Sqlite(dir.join("fresh.sqlite"));
        let (first, db) = apply_migrations(&url).unwrap_or_else(|e| panic!("{e:#}"));
        let embedded = diesel::migration::MigrationSource::<diesel::sqlite::Sqlite>::migrations(
            &ehealth_api::store::SQLITE_MIGRATIONS,
        )
        .map(|m| m.len())
        .unwrap_or_default();
        assert!(embedded > 0);
        assert_eq!(first, embedded);
        assert_eq!(
            migrate_message(first, &db),
            format!("applied {embedded} migrations: the database (Sqlite) is up to date\n")
        );
        drop(db);
        let (again, db) = apply_migrations(&url).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(again, 0);
        assert!(migrate_message(again, &db).starts_with("nothing to apply"));
        drop(db);
        let _ = std::fs::remove_dir_all(dir);
    }
}
