//! Building and running the application: state, middleware, routes, the HTTP server.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{Logger, Next, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::Secrets;
use crate::ephemeral::Ephemeral;
use crate::error::ApiError;
use crate::extract::json::BodyLimit;
use crate::i18n::Lang;
use crate::openapi::ApiDoc;
use crate::routes;
use crate::state::AppState;
use crate::store::Db;

/// Shared handle to the application state.
pub type StateHandle = web::Data<AppState>;

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    scheduler: Option<tokio_cron_scheduler::JobScheduler>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Application {
    /// Connects storage (applying migrations), binds the listener and prepares the server.
    pub async fn build(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let state = web::Data::new(build_state(config, clock).await?);
        let listener = TcpListener::bind(&state.config.bind)
            .with_context(|| format!("binding {}", state.config.bind))?;
        let port = listener.local_addr()?.port();
        let body_limit = web::Data::new(BodyLimit(state.config.body_limit));
        let sync_body_limit = state.config.sync_max_bytes;
        let app_state = state.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .app_data(body_limit.clone())
                .wrap(from_fn(problem_layer))
                .wrap(from_fn(crate::hygiene::clean_url))
                .wrap(from_fn(crate::hygiene::security_headers))
                .wrap(
                    Logger::new(crate::hygiene::REQUEST_LOG)
                        .custom_request_replace("method", |req| req.method().to_string()),
                )
                .configure(|cfg| routes::configure(cfg, sync_body_limit))
                .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", ApiDoc::openapi()))
                // Swagger UI lives under `/docs/`; the address people type has no slash.
                .service(web::redirect("/docs", "/docs/"))
                .default_service(web::to(routes::not_found))
        })
        .shutdown_timeout(10);
        if let Some(n) = state.config.workers {
            server = server.workers(n.max(1));
        }
        let server = server.listen(listener)?.run();
        let (scheduler, workers) = if state.config.scheduler {
            let sink = crate::push::sink_for(&state.config)?;
            let mailer = crate::mail::Mailer::from_config(&state.config)?;
            (
                Some(crate::jobs::start(state.clone()).await?),
                vec![
                    tokio::spawn(crate::push::run_worker(state.clone(), sink)),
                    tokio::spawn(crate::jobs::reminders::run_worker(state.clone())),
                    tokio::spawn(crate::mail::run_worker(state.clone(), mailer)),
                ],
            )
        } else {
            (None, Vec::new())
        };
        Ok(Self {
            port,
            server,
            state,
            scheduler,
            workers,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        for w in self.workers {
            w.abort();
        }
        if let Some(mut s) = self.scheduler
            && let Err(e) = s.shutdown().await
        {
            tracing::warn!(error = %e, "scheduler shutdown");
        }
        result
    }
}

pub async fn build_state(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
    let db_url = config.database_url.clone();
    let pool_size = config.db_pool_size;
    let db = tokio::task::spawn_blocking(move || Db::connect(&db_url, pool_size))
        .await
        .context("database start-up task")??;
    let secrets = Secrets::load_or_create(config.secret_key.as_deref(), &config.secret_key_file)?;
    let log_key = Arc::new(crate::log_key::LogKey::load_or_create(
        config.log_signing_key.as_deref(),
        &config.log_signing_key_file,
    )?);
    let webauthn = Arc::new(crate::auth::webauthn::build(&config)?);
    let ephemeral = match &config.redis_url {
        Some(url) => Ephemeral::redis(url, config.redis_prefix.clone()).await?,
        None => Ephemeral::local(db.clone()),
    };
    let due_queue = match ephemeral.redis_connection() {
        Some(conn) => crate::queue::DueQueue::redis(conn, &config.redis_prefix),
        None => crate::queue::DueQueue::local(),
    };
    Ok(AppState {
        config,
        db,
        clock,
        secrets,
        log_key,
        webauthn,
        ephemeral,
        due_queue,
        hlc: std::sync::Mutex::new(ehealth_sync::Hlc::new(0, 0, "server")),
        instance_id: uuid::Uuid::new_v4().to_string(),
    })
}

/// Makes every error response problem+json in the request's language: our own errors are
/// re-rendered when the client prefers Chinese; actix's bare errors (unknown route, bad path)
/// are wrapped. JSON bodies that handlers chose deliberately (e.g. `/readyz`) are left alone.
async fn problem_layer(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let lang = Lang::from_headers(req.headers());
    let res = next.call(req).await?;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Ok(res.map_into_boxed_body());
    }
    let ours = res.response().extensions().get::<ApiError>().cloned();
    let error = match ours {
        Some(_) if lang == Lang::En => return Ok(res.map_into_boxed_body()),
        Some(e) => e,
        None => {
            let is_json = res
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("json"));
            if is_json {
                return Ok(res.map_into_boxed_body());
            }
            ApiError::for_status(status)
        }
    };
    let (req, old) = res.into_parts();
    let mut fresh = error.render(lang);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE
            && name != header::CONTENT_LENGTH
            && !fresh.headers().contains_key(name)
        {
            fresh.headers_mut().insert(name.clone(), value.clone());
        }
    }
    Ok(ServiceResponse::new(req, fresh))
}
