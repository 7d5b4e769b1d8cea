//! The committed OpenAPI document is exactly what the code generates.

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = ehealth_api::openapi::openapi_json();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date: run `cargo run -p ehealth-openapi` and commit it"
    );
}

#[test]
fn the_document_is_openapi_3_1_with_every_operation_documented() {
    let doc: serde_json::Value =
        serde_json::from_str(&ehealth_api::openapi::openapi_json()).unwrap_or_default();
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1"))
    );
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    assert!(paths.len() >= 12);
    for (path, item) in paths {
        for (method, op) in item.as_object().into_iter().flatten() {
            assert!(
                op["operationId"].is_string(),
                "{method} {path} has no operationId"
            );
            assert!(op["tags"].is_array(), "{method} {path} has no tag");
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path} has no responses"
            );
        }
    }
}
