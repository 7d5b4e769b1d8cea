//! HTTP routes: one small handler per operation. Handlers authenticate by extractor, call one
//! service function and return a contract type; rules live in `services`.

pub mod consent;
pub mod diary;
pub mod family;
pub mod hcp;
pub mod me;
pub mod officer;
pub mod registrations;
pub mod reminders;
pub(crate) mod responses;
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
    configure_family(cfg);
    configure_consent(cfg);
    configure_foundation(cfg);
}

fn configure_consent(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/officer/hcps").route(web::post().to(officer::create_hcp)))
        .service(
            resource("/v1/officer/hcps/{hcp_id}/staff")
                .route(web::post().to(officer::create_hcp_staff_by_office)),
        )
        .service(
            resource("/v1/officer/hcps/{hcp_id}/systems")
                .route(web::post().to(officer::create_hcp_system)),
        )
        .service(
            resource("/v1/officer/hcps/{hcp_id}/systems/{client_id}/revoke")
                .route(web::post().to(officer::revoke_hcp_system)),
        )
        .service(resource("/v1/hcp/system-tokens").route(web::post().to(hcp::create_system_token)))
        .service(
            resource("/v1/hcp/consents/by-smart-card")
                .route(web::post().to(hcp::consent_by_smart_card)),
        )
        .service(
            resource("/v1/hcp/consent-requests").route(web::post().to(hcp::create_consent_request)),
        )
        .service(
            resource("/v1/patients/{patient_id}/consent-requests")
                .route(web::get().to(consent::list_consent_requests)),
        )
        .service(
            resource("/v1/patients/{patient_id}/consent-requests/{request_id}/approve")
                .route(web::post().to(consent::approve_consent_request)),
        )
        .service(
            resource("/v1/patients/{patient_id}/consent-requests/{request_id}/decline")
                .route(web::post().to(consent::decline_consent_request)),
        )
        .service(
            resource("/v1/patients/{patient_id}/reminders")
                .route(web::post().to(reminders::create_reminder))
                .route(web::get().to(reminders::list_reminders)),
        )
        .service(
            resource("/v1/patients/{patient_id}/reminders/{reminder_id}")
                .route(web::patch().to(reminders::update_reminder))
                .route(web::delete().to(reminders::delete_reminder)),
        )
        .service(resource("/v1/hcps").route(web::get().to(hcp::list_hcps)))
        .service(
            resource("/v1/hcp/staff")
                .route(web::post().to(hcp::create_staff))
                .route(web::get().to(hcp::list_staff)),
        )
        .service(
            resource("/v1/hcp/staff/{staff_id}/deactivate")
                .route(web::post().to(hcp::deactivate_staff)),
        )
        .service(resource("/v1/staff/enrolments").route(web::post().to(hcp::start_staff_enrolment)))
        .service(
            resource("/v1/staff/me/push-token").route(web::put().to(hcp::put_staff_push_token)),
        )
        .service(
            resource("/v1/staff/enrolments/{enrolment_id}/complete")
                .route(web::post().to(hcp::complete_staff_enrolment)),
        )
        .service(
            resource("/v1/hcp/consents/by-access-key")
                .route(web::post().to(hcp::consent_by_access_key)),
        )
        .service(resource("/v1/hcp/consent-events").route(web::get().to(hcp::list_consent_events)))
        .service(
            resource("/v1/hcp/patients/{patient_id}/records")
                .route(web::post().to(hcp::deposit_record)),
        )
        .service(resource("/v1/hcp/patient-lookups").route(web::post().to(hcp::lookup_patient)))
        .service(
            resource("/v1/hcp/patients/{patient_id}/record-reads")
                .route(web::post().to(hcp::read_records)),
        )
        .service(
            resource("/v1/patients/{patient_id}/consents")
                .route(web::post().to(consent::create_consent))
                .route(web::get().to(consent::list_consents)),
        )
        .service(
            resource("/v1/patients/{patient_id}/consents/{consent_id}")
                .route(web::delete().to(consent::revoke_consent)),
        )
        .service(
            resource("/v1/patients/{patient_id}/consents/{consent_id}/renew")
                .route(web::post().to(consent::renew_consent)),
        )
        .service(
            resource("/v1/patients/{patient_id}/access-key")
                .route(web::post().to(consent::create_access_key)),
        )
        .service(
            resource("/v1/patients/{patient_id}/records")
                .route(web::get().to(consent::list_records)),
        )
        .service(
            resource("/v1/patients/{patient_id}/access-log")
                .route(web::get().to(consent::list_access_log)),
        )
        .service(
            resource("/v1/patients/{patient_id}/access-log/verify")
                .route(web::get().to(consent::verify_access_log)),
        )
        .service(
            resource("/v1/patients/{patient_id}/withdraw")
                .route(web::post().to(consent::withdraw_patient)),
        );
}

fn configure_family(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1/dependants")
            .route(web::post().to(family::create_dependant))
            .route(web::get().to(family::list_dependants)),
    )
    .service(resource("/v1/patients/{patient_id}").route(web::get().to(family::get_patient)))
    .service(
        resource("/v1/patients/{patient_id}/claim-code")
            .route(web::post().to(family::create_claim_code)),
    )
    .service(resource("/v1/sdm-links/{link_id}").route(web::delete().to(family::end_sdm_link)))
    .service(
        resource("/v1/sdm-links/{link_id}/document").route(web::put().to(family::put_sdm_document)),
    )
    .service(resource("/v1/registrations/claim").route(web::post().to(family::claim_account)))
    .service(
        resource("/v1/officer/sdm-links").route(web::get().to(officer::list_pending_sdm_links)),
    )
    .service(
        resource("/v1/officer/sdm-links/{link_id}/document")
            .route(web::get().to(officer::get_sdm_document)),
    )
    .service(
        resource("/v1/officer/sdm-links/{link_id}/approve")
            .route(web::post().to(officer::approve_sdm_link)),
    )
    .service(
        resource("/v1/officer/sdm-links/{link_id}/reject")
            .route(web::post().to(officer::reject_sdm_link)),
    )
    .service(
        resource("/v1/officer/sdm-links/{link_id}/end")
            .route(web::post().to(officer::end_sdm_link_by_office)),
    )
    .service(
        resource("/v1/officer/patients/{patient_id}/claim-code")
            .route(web::post().to(officer::issue_claim_code)),
    );
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
        .service(
            resource("/v1/me/devices/{device_id}/push-token")
                .route(web::put().to(me::put_push_token)),
        )
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
