use actix_web::{HttpResponse, web};
use ehealth_contracts::{HealthCheck, HealthResponse, LogKeyResponse};

use super::operation::{Operation, operations};
use crate::state::AppState;

/// This area's operations: `routes::configure` registers them, `openapi` documents them.
pub(super) const ROUTES: &[Operation] = operations! {
    healthz, readyz, log_key,
};

/// The public half of the access-log signing key: check a kept access-log checkpoint's
/// `signature` with it (Ed25519 over
/// `ehealth-access-log-checkpoint/v1\n{patient_id}\n{seq}\n{hash}`), offline if need be.
#[utoipa::path(get, path = "/.well-known/ehealth-log-key", tag = "system",
    operation_id = "get_log_key",
    responses((status = 200, description = "The key", body = LogKeyResponse)))]
pub async fn log_key(state: web::Data<AppState>) -> web::Json<LogKeyResponse> {
    web::Json(LogKeyResponse {
        alg: "Ed25519".to_owned(),
        public_key: state.log_key.public_key(),
        key_id: state.log_key.key_id(),
    })
}

/// Liveness: the process is up.
#[utoipa::path(get, path = "/healthz", tag = "system", operation_id = "get_health",
    responses((status = 200, description = "The server is alive", body = HealthResponse)))]
pub async fn healthz() -> web::Json<HealthResponse> {
    web::Json(HealthResponse {
        status: "ok".to_owned(),
        checks: Vec::new(),
    })
}

/// Readiness: the database (and Redis, when configured) answer.
#[utoipa::path(get, path = "/readyz", tag = "system", operation_id = "get_readiness",
    responses(
        (status = 200, description = "Ready to serve", body = HealthResponse),
        (status = 503, description = "A dependency is unreachable", body = HealthResponse),
    ))]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let mut checks = vec![check("database", state.db.ping().await)];
    if state.ephemeral.is_redis() {
        checks.push(check("redis", state.ephemeral.ping().await));
    }
    let ok = checks.iter().all(|c| c.status == "ok");
    let body = HealthResponse {
        status: if ok { "ok" } else { "unavailable" }.to_owned(),
        checks,
    };
    if ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header((actix_web::http::header::RETRY_AFTER, "5"))
            .json(body)
    }
}

fn check(name: &str, up: bool) -> HealthCheck {
    HealthCheck {
        name: name.to_owned(),
        status: if up { "ok" } else { "unavailable" }.to_owned(),
    }
}
