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
        description = "API of the eHealth patient app: registration with passkeys, sessions, devices, \
substitute decision makers and dependants, offline sync, diaries and the registration office. Every error is `application/problem+json` with a stable `code`; send \
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
        routes::me::put_push_token,
        routes::me::create_passkey,
        routes::me::complete_passkey,
        routes::officer::verify_registration,
        routes::sync::push_sync,
        routes::sync::pull_sync,
        routes::sync::list_sync_conflicts,
        routes::sync::resolve_sync_conflict,
        routes::diary::list_bp_readings,
        routes::diary::list_glucose_readings,
        routes::family::create_dependant,
        routes::family::list_dependants,
        routes::family::get_patient,
        routes::family::end_sdm_link,
        routes::family::put_sdm_document,
        routes::family::create_claim_code,
        routes::family::claim_account,
        routes::officer::list_pending_sdm_links,
        routes::officer::get_sdm_document,
        routes::officer::approve_sdm_link,
        routes::officer::reject_sdm_link,
        routes::officer::end_sdm_link_by_office,
        routes::officer::issue_claim_code,
        routes::officer::create_hcp,
        routes::officer::create_hcp_staff_by_office,
        routes::hcp::list_hcps,
        routes::hcp::create_staff,
        routes::hcp::list_staff,
        routes::hcp::deactivate_staff,
        routes::hcp::put_staff_push_token,
        routes::hcp::start_staff_enrolment,
        routes::hcp::complete_staff_enrolment,
        routes::hcp::consent_by_access_key,
        routes::hcp::list_consent_events,
        routes::hcp::deposit_record,
        routes::hcp::lookup_patient,
        routes::hcp::read_records,
        routes::consent::create_consent,
        routes::consent::list_consents,
        routes::consent::revoke_consent,
        routes::consent::renew_consent,
        routes::consent::create_access_key,
        routes::consent::list_records,
        routes::consent::list_access_log,
        routes::consent::verify_access_log,
        routes::consent::withdraw_patient,
        routes::consent::list_consent_requests,
        routes::consent::approve_consent_request,
        routes::consent::decline_consent_request,
        routes::officer::create_hcp_system,
        routes::hcp::create_system_token,
        routes::officer::revoke_hcp_system,
        routes::hcp::consent_by_smart_card,
        routes::hcp::create_consent_request,
        routes::reminders::create_reminder,
        routes::reminders::list_reminders,
        routes::reminders::update_reminder,
        routes::reminders::delete_reminder,
    ),
    // Payloads that are not HTTP bodies, so the generated app clients have types for them too.
    components(schemas(
        ehealth_contracts::PushData,
        ehealth_contracts::PushType,
        ehealth_contracts::BpReadingFields,
        ehealth_contracts::GlucoseReadingFields,
        ehealth_contracts::ReminderFields,
        ehealth_contracts::ConsentRowFields,
        ehealth_contracts::RecordRowFields,
        ehealth_contracts::AccessLogRowFields,
    )),
    modifiers(&SecuritySchemes, &FixtureExamples),
    tags(
        (name = "system", description = "Liveness and readiness"),
        (name = "registration", description = "Self-registration with a passkey (16 and over)"),
        (name = "sessions", description = "Username-less passkey sign-in, refresh and sign-out"),
        (name = "account", description = "The signed-in patient's profile, devices and passkeys"),
        (name = "officer", description = "Registration office (bootstrap credential)"),
        (name = "sync", description = "Offline sync of diaries (see sync/PROTOCOL.md)"),
        (name = "diary", description = "Diary readings and summaries"),
        (name = "consent", description = "Sharing consent, access keys, records, the access log, withdrawal (patient or SDM)"),
        (name = "hcp", description = "Healthcare providers: the register, staff, enrolment, consent feed, deposits and consented reads"),
        (name = "reminders", description = "Measurement reminders (\"buddies\"), synced both ways"),
        (name = "family", description = "Substitute decision makers: dependants, documents, coming of age"),
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
            "staff",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A healthcare professional's access token (`sat_...`) from enrolment, sign-in or refresh",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "system",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An HCP system's token (`syt_...`) from the client-credentials grant",
                    ))
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

/// Which fixtures (by folder under `mobile-contracts/fixtures/`) are the examples of the
/// component schemas that are not request or response bodies of their own. Bodies take
/// `requests/<Schema>.json` or `responses/<Schema>.json`.
const SHAPE_EXAMPLES: &[(&str, &str)] = &[
    ("Mutation", "sync/mutations/"),
    ("MutationResult", "sync/results/"),
    ("Change", "sync/changes/"),
    ("PushData", "push/"),
];

/// The one error body shown as the `Problem` example (every code has its fixture).
const PROBLEM_EXAMPLE: &str = "problems/validation_failed.json";

/// Sets each component schema's `examples` from the golden fixtures, so the document, the
/// generated clients' docs and the fixture tests show the same bodies.
struct FixtureExamples;

impl Modify for FixtureExamples {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use ehealth_contracts::fixtures;
        use utoipa::openapi::{RefOr, schema::Schema};
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let parse = |text: &str| serde_json::from_str::<serde_json::Value>(text).ok();
        for (name, schema) in components.schemas.iter_mut() {
            let examples: Vec<serde_json::Value> = if name == "Problem" {
                fixtures::get(PROBLEM_EXAMPLE)
                    .and_then(parse)
                    .into_iter()
                    .collect()
            } else if let Some((_, folder)) = SHAPE_EXAMPLES.iter().find(|(n, _)| n == name) {
                fixtures::ALL
                    .iter()
                    .filter(|(path, _)| path.starts_with(folder))
                    .filter_map(|(_, text)| parse(text))
                    .collect()
            } else {
                fixtures::body(name).and_then(parse).into_iter().collect()
            };
            if examples.is_empty() {
                continue;
            }
            match schema {
                RefOr::T(Schema::Object(o)) => o.examples = examples,
                RefOr::T(Schema::OneOf(o)) => o.examples = examples,
                RefOr::T(Schema::AllOf(o)) => o.examples = examples,
                RefOr::T(Schema::AnyOf(o)) => o.examples = examples,
                _ => {}
            }
        }
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
