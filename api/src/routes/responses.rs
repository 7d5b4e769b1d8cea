//! Error responses that many operations document alike, to name in their `#[utoipa::path]`
//! `responses(...)` (`responses((status = 200, ...), NotSignedIn)`). Each is a problem+json body
//! with the one description it has wherever it appears; responses that differ stay written out.

use std::collections::BTreeMap;

use ehealth_contracts::Problem;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::{IntoResponses, ToSchema};

use super::PROBLEM;

/// The response `(status = <status>, description = <description>, body = Problem,
/// content_type = PROBLEM)`.
fn problem(status: &str, description: &str) -> BTreeMap<String, RefOr<Response>> {
    let body = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name(Problem::name())))
        .build();
    let response = ResponseBuilder::new()
        .description(description)
        .content(PROBLEM, body)
        .build();
    BTreeMap::from([(status.to_owned(), RefOr::T(response))])
}

/// Declares each shared response: a type (never a value) whose `IntoResponses` is one problem.
macro_rules! shared_problems {
    ($($(#[$doc:meta])* $name:ident = $status:literal, $description:literal;)*) => {$(
        $(#[$doc])*
        pub(crate) enum $name {}

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                problem($status, $description)
            }
        }
    )*};
}

shared_problems! {
    /// A patient's (or SDM's) operation without a valid access token.
    NotSignedIn = "401", "Not signed in";
    /// A staff operation without a valid staff token.
    NotSignedInAsStaff = "401", "Not signed in as staff";
    /// A registration office operation without the office credential.
    NotOfficer = "401", "Missing or wrong officer credential";
    /// The officer's roles do not cover the operation.
    WrongOfficerRole = "403", "`officer_role_required`";
    /// A patient the caller may not act for (or no such patient: the two look alike).
    NotYourPatient = "404", "Not a patient you may act for";
    /// The body's fields fail validation.
    InvalidFields = "422", "Invalid fields";
    /// Rate limited.
    TooManyAttempts = "429", "Too many attempts";
    /// The body is not valid JSON.
    MalformedJson = "400", "Malformed JSON";
    /// A paging cursor that was altered or belongs to another query.
    InvalidCursor = "400", "`invalid_cursor`";
    /// The patient's identity is not verified yet, or they have withdrawn.
    NotVerifiedOrWithdrawn = "403", "`patient_not_verified` or `account_withdrawn`";
}
