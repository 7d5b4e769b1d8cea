//! HTTP routes: one small handler per operation. Handlers authenticate by extractor, call one
//! service function and return a contract type; rules live in `services`.

pub mod diary;
pub mod me;
pub mod officer;
pub mod registrations;
pub mod sessions;
pub mod sync;
pub mod system;

use actix_web::{HttpRequest, HttpResponse, Resource, web};

use crate::error::ApiError;

pub const PROBLEM: &str = "application/problem+json";

/// A resource whose unmatched methods answer 405 problem+json (actix's default is a bare 405).
fn resource(path: &str) -> Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    ))
}

/// Unknown routes.
pub async fn not_found(_req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found())
}

/// Routes, with the sync endpoints' larger body limit.
pub fn configure(cfg: &mut web::ServiceConfig, sync_body_limit: usize) {
    let sync_limit = web::Data::new(crate::extract::json::BodyLimit(sync_body_limit));
    cfg.service(
        resource("/v1/sync/push")
            .app_data(sync_limit.clone())
            .route(web::post().to(sync::push_sync)),
    )
    .service(
        resource("/v1/sync/pull")
            .app_data(sync_limit)
            .route(web::post().to(sync::pull_sync)),
    )
    .service(
        resource("/v1/patients/{patient_id}/diary/bp")
            .route(web::get().to(diary::list_bp_readings)),
    )
    .service(
        resource("/v1/patients/{patient_id}/diary/glucose")
            .route(web::get().to(diary::list_glucose_readings)),
    )
    .service(
        resource("/v1/patients/{patient_id}/sync/conflicts")
            .route(web::get().to(sync::list_sync_conflicts)),
    )
    .service(
        resource("/v1/patients/{patient_id}/sync/conflicts/{conflict_id}/resolve")
            .route(web::post().to(sync::resolve_sync_conflict)),
    );
    configure_foundation(cfg);
}

fn configure_foundation(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/healthz").route(web::get().to(system::healthz)))
        .service(resource("/readyz").route(web::get().to(system::readyz)))
        .service(
            resource("/v1/registrations").route(web::post().to(registrations::create_registration)),
        )
        .service(
            resource("/v1/registrations/{registration_id}/complete")
                .route(web::post().to(registrations::complete_registration)),
        )
        .service(
            resource("/v1/sessions/challenge").route(web::post().to(sessions::create_challenge)),
        )
        .service(resource("/v1/sessions").route(web::post().to(sessions::create_session)))
        .service(resource("/v1/sessions/refresh").route(web::post().to(sessions::refresh_session)))
        .service(resource("/v1/sessions/current").route(web::delete().to(sessions::delete_session)))
        .service(resource("/v1/me").route(web::get().to(me::get_me)))
        .service(resource("/v1/me/devices").route(web::get().to(me::list_devices)))
        .service(resource("/v1/me/devices/{device_id}").route(web::delete().to(me::delete_device)))
        .service(resource("/v1/me/passkeys").route(web::post().to(me::create_passkey)))
        .service(
            resource("/v1/me/passkeys/{registration_id}/complete")
                .route(web::post().to(me::complete_passkey)),
        )
        .service(
            resource("/v1/officer/registrations/{patient_id}/verify")
                .route(web::post().to(officer::verify_registration)),
        );
}

/// 201 with a JSON body.
pub(crate) fn created<T: serde::Serialize>(body: &T) -> HttpResponse {
    HttpResponse::Created().json(body)
}
