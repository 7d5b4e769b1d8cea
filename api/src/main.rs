//! `ehealth`: the server binary. Subcommands: `serve` (default), `migrate`, `openapi`.

use std::process::ExitCode;
use std::sync::Arc;

use ehealth_api::{Application, Config, SystemClock};
use tracing_subscriber::EnvFilter;

const USAGE: &str = "usage: ehealth [serve|migrate|openapi|reset-sync-epoch]

  serve             run the HTTP server (default)
  migrate           apply database migrations and exit
  openapi           print the OpenAPI document
  reset-sync-epoch  start a new sync epoch after restoring the database from a backup:
                    every device re-downloads its data and re-sends what it had pending

Configuration comes from the environment; see README.md.";

#[actix_web::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let command = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "serve".to_owned());
    let result = match command.as_str() {
        "serve" => serve().await,
        "migrate" => migrate(),
        "reset-sync-epoch" => reset_sync_epoch(),
        "openapi" => {
            print!("{}", ehealth_api::openapi::openapi_json());
            Ok(())
        }
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => {
            eprintln!("unknown command `{other}`\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    tracing::info!(?config, "starting");
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

fn reset_sync_epoch() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let db = ehealth_api::store::Db::connect(&config.database_url, 1)?;
    let mut conn = db.pool().get()?;
    let epoch = uuid::Uuid::new_v4().simple().to_string();
    ehealth_api::store::sync::reset_epoch(&mut conn, &epoch)?;
    println!("new sync epoch {epoch}: devices will reset their scopes on their next pull");
    Ok(())
}

fn migrate() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let db = ehealth_api::store::Db::connect(&config.database_url, 1)?;
    println!("database is up to date ({:?})", db.backend());
    Ok(())
}
