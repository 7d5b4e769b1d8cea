//! HTTP routes: one small handler per operation. Handlers authenticate by extractor, call one
//! service function and return a contract type; rules live in `services`.

pub mod applications;
pub mod consent;
pub mod diary;
pub mod family;
pub mod forms;
pub mod hcp;
pub mod me;
pub mod officer;
pub mod officers;
pub(crate) mod operation;
pub mod provider_review;
pub mod registrations;
pub mod reminders;
pub(crate) mod responses;
pub mod sessions;
pub mod staff;
pub mod sync;
pub mod system;

use actix_web::{HttpRequest, HttpResponse, Resource, web};
use ehealth_contracts::ErrorCode;

use crate::error::ApiError;
use crate::extract::json::BodyLimit;
use operation::Operation;

pub const PROBLEM: &str = "application/problem+json";

/// A resource whose unmatched methods answer 405 problem+json (actix's default is a bare 405).
fn resource(path: &str) -> Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
    ))
}

/// Unknown routes.
pub async fn not_found(_req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found())
}

/// Every area's operations: `configure` registers them and `openapi` documents them.
pub(crate) const AREAS: &[&[Operation]] = &[
    system::ROUTES,
    registrations::ROUTES,
    sessions::ROUTES,
    me::ROUTES,
    officer::ROUTES,
    officers::ROUTES,
    applications::ROUTES,
    provider_review::ROUTES,
    forms::ROUTES,
    staff::ROUTES,
    sync::ROUTES,
    diary::ROUTES,
    family::ROUTES,
    hcp::ROUTES,
    consent::ROUTES,
    reminders::ROUTES,
];

/// Routes, with the sync endpoints' larger body limit.
pub fn configure(cfg: &mut web::ServiceConfig, sync_body_limit: usize) {
    let sync_limit = web::Data::new(BodyLimit(sync_body_limit));
    for operations in operation::resources(AREAS.iter().copied().flatten()) {
        let mut service = resource(&operations.path);
        if operations.sync_body_limit {
            service = service.app_data(sync_limit.clone());
        }
        for (method, handler) in operations.routes {
            service = service.route(handler(web::route().method(method)));
        }
        cfg.service(service);
    }
}

/// 201 with a JSON body.
pub(crate) fn created<T: serde::Serialize>(body: &T) -> HttpResponse {
    HttpResponse::Created().json(body)
}
