//! Within v1 the contract only grows: the generated document must not break the last released
//! one (`openapi/released/v1.json`, docs/API-VERSIONING.md).

/// Findings that are corrections of the released document, not changes of the API: the wire
/// never matched what v1.json said, so apps built on it already met the real values. Each is
/// listed in docs/API-VERSIONING.md ("Corrections"); the test fails when one is no longer
/// found, so the list never outlives the difference.
const CORRECTIONS: &[&str] = &[
    // A conflict's losing and winning values are the field's own value (a number, a string,
    // null...); v1.json said `object`. Found by the golden fixtures (2026-11-25).
    "GET /v1/patients/{patient_id}/sync/conflicts 200 response.conflicts[].losing_value: type widened from {\"object\"} to {\"array\", \"boolean\", \"integer\", \"null\", \"number\", \"object\", \"string\"}",
    "GET /v1/patients/{patient_id}/sync/conflicts 200 response.conflicts[].winning_value: type widened from {\"object\"} to {\"array\", \"boolean\", \"integer\", \"null\", \"number\", \"object\", \"string\"}",
    "POST /v1/sync/push 200 response.results[].conflicts[].losing_value: type widened from {\"object\"} to {\"array\", \"boolean\", \"integer\", \"null\", \"number\", \"object\", \"string\"}",
    "POST /v1/sync/push 200 response.results[].conflicts[].winning_value: type widened from {\"object\"} to {\"array\", \"boolean\", \"integer\", \"null\", \"number\", \"object\", \"string\"}",
];

/// Deliberate breaks that close a security hole, each listed with its reason in
/// docs/API-VERSIONING.md ("Security changes"). Only server-to-server callers are affected.
const SECURITY_CHANGES: &[&str] = &[
    // A smart-card report could be replayed after the patient revoked (2026-11-30): a report
    // now names a card read the system started when the card was inserted, usable once.
    "POST /v1/hcp/consents/by-smart-card request: new required field `card_read_id`",
];

/// Alternatives added to an answer that only a new kind of principal ever receives (listed in
/// docs/API-VERSIONING.md, "New principals"): an app of an existing kind never sees them,
/// because the alternative answers only to that principal's own passkey or token.
const NEW_PRINCIPALS: &[&str] = &[
    // Registration-office officers sign in through `POST /v1/sessions` (2026-11-30); only an
    // officer's passkey is answered with `principal: officer`.
    "POST /v1/sessions 201 response: oneOf gained alternatives",
];

#[test]
fn the_api_makes_no_breaking_change_against_the_released_v1_contract() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("released/v1.json");
    let released: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_default())
            .unwrap_or_default();
    assert!(
        released["paths"].is_object(),
        "{} is missing",
        path.display()
    );
    let current: serde_json::Value =
        serde_json::from_str(&ehealth_api::openapi::openapi_json()).unwrap_or_default();
    let mut found = ehealth_openapi::breaking::breaking_changes(&released, &current);
    for correction in CORRECTIONS {
        assert!(
            found.contains(&(*correction).to_owned()),
            "the correction `{correction}` is no longer found: remove it from CORRECTIONS"
        );
    }
    for change in SECURITY_CHANGES {
        assert!(
            found.contains(&(*change).to_owned()),
            "the security change `{change}` is no longer found: remove it from SECURITY_CHANGES"
        );
    }
    for change in NEW_PRINCIPALS {
        assert!(
            found.contains(&(*change).to_owned()),
            "the new-principal change `{change}` is no longer found: remove it from NEW_PRINCIPALS"
        );
    }
    found.retain(|f| {
        !CORRECTIONS.contains(&f.as_str())
            && !SECURITY_CHANGES.contains(&f.as_str())
            && !NEW_PRINCIPALS.contains(&f.as_str())
    });
    assert!(
        found.is_empty(),
        "breaking changes against openapi/released/v1.json (add, never rename or remove):\n{}",
        found.join("\n")
    );
}
