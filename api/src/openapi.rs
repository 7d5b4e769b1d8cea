//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` annotations (the
//! operations of `routes::AREAS`) and the contract types. `openapi/openapi.json` is this
//! document, committed; a test fails on drift.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

/// The document without its operations: the info, the schemas of payloads that are no HTTP body,
/// the tags.
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
        ehealth_contracts::SdmLinkRowFields,
    )),
    tags(
        (name = "system", description = "Liveness and readiness"),
        (name = "registration", description = "Self-registration with a passkey (16 and over)"),
        (name = "sessions", description = "Username-less passkey sign-in, refresh and sign-out"),
        (name = "account", description = "The signed-in patient's profile, devices and passkeys"),
        (name = "officer", description = "Registration office: named officers with roles (and the bootstrap credential)"),
        (name = "provider-applications", description = "A healthcare provider's application to join: applicant account, the five steps, progress, technical assistance"),
        (name = "sync", description = "Offline sync of diaries (see sync/PROTOCOL.md)"),
        (name = "diary", description = "Diary readings and summaries"),
        (name = "consent", description = "Sharing consent, access keys, records, the access log, withdrawal (patient or SDM)"),
        (name = "hcp", description = "Healthcare providers: the register, staff, enrolment, consent feed, deposits and consented reads"),
        (name = "reminders", description = "Measurement reminders (\"buddies\"), synced both ways"),
        (name = "family", description = "Substitute decision makers: dependants, documents, coming of age"),
    )
)]
struct Base;

/// The document: the base above, each operation of the route table with the schemas it uses,
/// then the security schemes and the fixture examples.
pub struct ApiDoc;

impl OpenApi for ApiDoc {
    fn openapi() -> utoipa::openapi::OpenApi {
        let mut doc = Base::openapi();
        for operation in routes::AREAS.iter().copied().flatten() {
            doc.merge(operation.document());
        }
        SecuritySchemes.modify(&mut doc);
        FixtureExamples.modify(&mut doc);
        doc
    }
}

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
                        "An officer's access token (`oat_`, from sign-in), or the bootstrap EHEALTH_OFFICER_TOKEN",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "applicant",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A provider applicant's access token (`aat_`, from `complete_applicant` or sign-in)",
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
