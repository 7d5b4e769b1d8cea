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

/// Enums are documented with their wire values (a macro once made the schema list the Rust
/// variant names, so generated clients sent values the server refused).
#[test]
fn enum_schemas_list_the_values_on_the_wire() {
    use ehealth_contracts::{District, Profession, PushPlatform, PushType, ReminderKind, Sector};
    let doc: serde_json::Value =
        serde_json::from_str(&ehealth_api::openapi::openapi_json()).unwrap_or_default();
    let listed = |name: &str| -> Vec<String> {
        doc["components"]["schemas"][name]["enum"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    fn wire<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> Vec<String> {
        all.iter().map(|v| f(*v).to_owned()).collect()
    }
    assert_eq!(listed("District"), wire(District::ALL, District::as_str));
    assert_eq!(
        listed("Profession"),
        wire(Profession::ALL, Profession::as_str)
    );
    assert_eq!(listed("PushType"), wire(PushType::ALL, PushType::as_str));
    assert_eq!(
        listed("PushPlatform"),
        wire(PushPlatform::ALL, PushPlatform::as_str)
    );
    assert_eq!(
        listed("ReminderKind"),
        wire(ReminderKind::ALL, ReminderKind::as_str)
    );
    assert_eq!(listed("Sector"), wire(Sector::ALL, Sector::as_str));
}
