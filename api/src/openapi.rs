//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` annotations and the
//! contract types. `openapi/openapi.json` is this document, committed; a test fails on drift.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "eHealth patient-app backend",
        version = "1.0.0",
        description = "API of the eHealth patient app: registration with passkeys, sessions, devices \
and the registration office. Every error is `application/problem+json` with a stable `code`; send \
`Accept-Language: zh-HK` for Traditional Chinese text.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        routes::system::healthz,
        routes::system::readyz,
        routes::registrations::create_registration,
        routes::registrations::complete_registration,
        routes::sessions::create_challenge,
        routes::sessions::create_session,
        routes::sessions::refresh_session,
        routes::sessions::delete_session,
        routes::me::get_me,
        routes::me::list_devices,
        routes::me::delete_device,
        routes::me::create_passkey,
        routes::me::complete_passkey,
        routes::officer::verify_registration,
        routes::sync::push_sync,
        routes::sync::pull_sync,
        routes::sync::list_sync_conflicts,
        routes::sync::resolve_sync_conflict,
        routes::diary::list_bp_readings,
        routes::diary::list_glucose_readings,
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "system", description = "Liveness and readiness"),
        (name = "registration", description = "Self-registration with a passkey (16 and over)"),
        (name = "sessions", description = "Username-less passkey sign-in, refresh and sign-out"),
        (name = "account", description = "The signed-in patient's profile, devices and passkeys"),
        (name = "officer", description = "Registration office (bootstrap credential)"),
        (name = "sync", description = "Offline sync of diaries (see sync/PROTOCOL.md)"),
        (name = "diary", description = "Diary readings and summaries"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("Access token from registration, sign-in or refresh"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "officer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The registration office credential (EHEALTH_OFFICER_TOKEN)",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document as pretty JSON with a trailing newline, exactly as committed.
pub fn openapi_json() -> String {
    let mut s = ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
