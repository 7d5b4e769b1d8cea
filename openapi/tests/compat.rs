//! Within v1 the contract only grows: the generated document must not break the last released
//! one (`openapi/released/v1.json`, docs/API-VERSIONING.md).

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
    let found = ehealth_openapi::breaking::breaking_changes(&released, &current);
    assert!(
        found.is_empty(),
        "breaking changes against openapi/released/v1.json (add, never rename or remove):\n{}",
        found.join("\n")
    );
}
