use serde_json::json;

use super::*;

fn doc(request: Value, response: Value) -> Value {
    json!({
        "openapi": "3.1.0",
        "paths": {"/v1/things": {
            "post": {
                "parameters": [{"name": "q", "in": "query", "required": false, "schema": {"type": "string"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}}},
                "responses": {"201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Res"}}}}}
            },
            "get": {"responses": {"200": {"content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Res"}}}}}}}
        }},
        "components": {"schemas": {"Req": request, "Res": response}}
    })
}

fn req() -> Value {
    json!({"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string", "maxLength": 100},
        "kind": {"type": "string", "enum": ["a", "b"]},
        "count": {"type": "number"}}})
}

fn res() -> Value {
    json!({"type": "object", "required": ["id", "status"], "properties": {
        "id": {"type": "string"},
        "status": {"type": "string", "enum": ["open", "closed"]},
        "note": {"type": ["string", "null"]},
        "self": {"$ref": "#/components/schemas/Res"}}})
}

fn changes(request: Value, response: Value) -> Vec<String> {
    breaking_changes(&doc(req(), res()), &doc(request, response))
}

#[test]
fn the_same_document_and_additive_changes_pass() {
    assert!(changes(req(), res()).is_empty());
    let mut r = req();
    r["properties"]["extra"] = json!({"type": "string"});
    r["properties"]["kind"]["enum"] = json!(["a", "b", "c"]);
    r["properties"]["name"]["maxLength"] = json!(200);
    let mut s = res();
    s["properties"]["added"] = json!({"type": "integer"});
    s["required"] = json!(["id", "status", "added"]);
    s["properties"]["note"] = json!({"type": "string"});
    let mut new = doc(r, s);
    new["paths"]["/v1/other"] = json!({"get": {"responses": {}}});
    assert_eq!(
        breaking_changes(&doc(req(), res()), &new),
        Vec::<String>::new()
    );
}

#[test]
fn removed_paths_operations_and_response_fields_break() {
    let mut new = doc(req(), res());
    new["paths"]["/v1/things"]
        .as_object_mut()
        .map(|m| m.remove("get"));
    let found = breaking_changes(&doc(req(), res()), &new);
    assert_eq!(found, vec!["operation removed: GET /v1/things"]);
    let mut s = res();
    s["properties"].as_object_mut().map(|m| m.remove("note"));
    s["required"] = json!(["id"]);
    let found = changes(req(), s);
    assert!(
        found.iter().any(|f| f.ends_with("field `note` removed")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.contains("`status` is no longer always present")),
        "{found:?}"
    );
    let mut new = doc(req(), res());
    new["paths"].as_object_mut().map(|m| m.remove("/v1/things"));
    assert_eq!(
        breaking_changes(&doc(req(), res()), &new),
        vec!["path removed: /v1/things"]
    );
}

#[test]
fn removed_enum_values_new_required_fields_and_narrowed_types_break() {
    let mut s = res();
    s["properties"]["status"]["enum"] = json!(["open"]);
    let found = changes(req(), s);
    assert!(
        found
            .iter()
            .any(|f| f.contains("enum value closed removed")),
        "{found:?}"
    );

    let mut r = req();
    r["required"] = json!(["name", "kind"]);
    r["properties"]["count"] = json!({"type": "integer"});
    r["properties"]["name"]["maxLength"] = json!(50);
    r["properties"]["kind"]["enum"] = json!(["a"]);
    let found = changes(r, res());
    for expected in [
        "new required field `kind`",
        "request.count: accepted type narrowed",
        "maxLength lowered",
        "enum value b removed",
    ] {
        assert!(
            found.iter().any(|f| f.contains(expected)),
            "{expected}: {found:?}"
        );
    }

    let mut new = doc(req(), res());
    new["paths"]["/v1/things"]["post"]["parameters"][0]["required"] = json!(true);
    let found = breaking_changes(&doc(req(), res()), &new);
    assert_eq!(
        found,
        vec!["POST /v1/things: parameter `query q` became required"]
    );
}

#[test]
fn a_response_type_that_widens_breaks_and_recursion_terminates() {
    let mut s = res();
    s["properties"]["id"] = json!({"type": ["string", "null"]});
    let found = changes(req(), s);
    assert!(
        found.iter().any(|f| f.contains(".id: type widened")),
        "{found:?}"
    );
}

#[test]
fn a_schema_that_drops_its_type_accepts_anything() {
    // A response field that may now be any JSON value is wider than its old type...
    let mut s = res();
    s["properties"]["id"] = json!({"description": "any value"});
    assert!(
        changes(req(), s)
            .iter()
            .any(|f| f.contains(".id: type widened")),
        "response"
    );
    // ...and a request field that was any value and now has a type is narrower.
    let mut old_req = req();
    old_req["properties"]["name"] = json!({});
    let found = breaking_changes(&doc(old_req, res()), &doc(req(), res()));
    assert!(
        found
            .iter()
            .any(|f| f.contains(".name: accepted type narrowed")),
        "{found:?}"
    );
}
