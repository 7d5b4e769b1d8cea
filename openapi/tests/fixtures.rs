//! The golden fixtures (`mobile-contracts/fixtures/`): one example of every JSON request and
//! response body, every error code, each sync mutation, result and change shape, and each push
//! payload. Each one deserialises into its Rust type and serialises back to the same JSON,
//! validates against its schema in the OpenAPI document, and the document's examples are
//! exactly these fixtures. Sync mutations are also accepted by the server's own field checks,
//! and each error body is what the server renders for its code.

use std::collections::{BTreeMap, BTreeSet};

use ehealth_api::error::{ApiError, FieldError};
use ehealth_api::i18n::Lang;
use ehealth_api::services::sync::tables;
use ehealth_contracts::{self as c, fixtures};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};

type Check = fn(&str) -> Result<(), String>;

/// Parses `text` as `T` and back; the result must equal the fixture's JSON.
fn round_trip<T: DeserializeOwned + Serialize>(text: &str) -> Result<(), String> {
    let original: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let typed: T = serde_json::from_str(text).map_err(|e| format!("does not deserialise: {e}"))?;
    let back = serde_json::to_value(&typed).map_err(|e| format!("does not serialise: {e}"))?;
    if back == original {
        Ok(())
    } else {
        Err(format!(
            "serialises back differently:\n  fixture: {original}\n  again:   {back}"
        ))
    }
}

macro_rules! bodies {
    ($($name:ident),* $(,)?) => {
        &[$((stringify!($name), round_trip::<c::$name> as Check)),*]
    };
}

/// Every JSON body type of the API, by its schema name (= its Rust name).
const BODIES: &[(&str, Check)] = bodies![
    AccessKeyResponse,
    AccessLogResponse,
    BpDiaryResponse,
    ClaimAccountRequest,
    ClaimCodeResponse,
    CompleteEnrolmentRequest,
    CompletePasskeyRequest,
    CompleteRegistrationRequest,
    ConsentByAccessKeyRequest,
    ConsentEventsResponse,
    ConsentRequestResponse,
    ConsentResponse,
    CreateChallengeResponse,
    CreateConsentRequest,
    CreateConsentRequestRequest,
    CreateDependantRequest,
    CreateDependantResponse,
    CreateHcpRequest,
    CreateHcpSystemRequest,
    CreatePasskeyResponse,
    CreateRegistrationRequest,
    CreateRegistrationResponse,
    CreateReminderRequest,
    CreateSessionRequest,
    CreateStaffRequest,
    CreateStaffResponse,
    DepositRecordRequest,
    GlucoseDiaryResponse,
    HcpResponse,
    HcpSystemCredentials,
    HealthResponse,
    ListConflictsResponse,
    ListConsentRequestsResponse,
    ListConsentsResponse,
    ListDependantsResponse,
    ListDevicesResponse,
    ListHcpsResponse,
    ListRecordsResponse,
    ListRemindersResponse,
    ListSdmLinksResponse,
    MeResponse,
    PasskeyResponse,
    PatientLookupRequest,
    PatientLookupResponse,
    PatientResponse,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    PushTokenResponse,
    PutPushTokenRequest,
    RecordReadRequest,
    RecordReadResponse,
    RecordResponse,
    RefreshSessionRequest,
    ReminderResponse,
    ReviewSdmLinkRequest,
    SdmDocumentResponse,
    SdmLinkResponse,
    SessionTokens,
    SmartCardConsentRequest,
    StaffPushTokenResponse,
    StaffResponse,
    StaffTokenResponse,
    StartEnrolmentRequest,
    StartEnrolmentResponse,
    SyncConflict,
    SystemTokenRequest,
    SystemTokenResponse,
    TokenResponse,
    UpdateReminderRequest,
    VerifyAccessLogResponse,
    VerifyPatientRequest,
    VerifyPatientResponse,
    WithdrawResponse,
];

fn document() -> Value {
    serde_json::from_str(&ehealth_api::openapi::openapi_json()).unwrap_or_default()
}

fn parse(path: &str, text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

/// The schema name a fixture is an example of, from its folder.
fn schema_of(path: &str) -> Option<String> {
    let (folder, file) = path.rsplit_once('/')?;
    let stem = file.strip_suffix(".json")?;
    Some(
        match folder {
            "requests" | "responses" => stem,
            "problems" => "Problem",
            "sync/mutations" => "Mutation",
            "sync/results" => "MutationResult",
            "sync/changes" => "Change",
            "push" => "PushData",
            _ => return None,
        }
        .to_owned(),
    )
}

/// Schema names of the JSON request and response bodies the document declares.
fn body_schemas(doc: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    fn referenced(schema: &Value) -> Option<String> {
        let r = schema["$ref"]
            .as_str()
            .or(schema["items"]["$ref"].as_str())?;
        r.rsplit('/').next().map(str::to_owned)
    }
    let (mut requests, mut responses) = (BTreeSet::new(), BTreeSet::new());
    for item in doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
    {
        for op in item.as_object().into_iter().flat_map(|m| m.values()) {
            if let Some(name) =
                referenced(&op["requestBody"]["content"]["application/json"]["schema"])
            {
                requests.insert(name);
            }
            for res in op["responses"]
                .as_object()
                .into_iter()
                .flat_map(|m| m.values())
            {
                if let Some(name) = referenced(&res["content"]["application/json"]["schema"]) {
                    responses.insert(name);
                }
            }
        }
    }
    (requests, responses)
}

fn names_in(folder: &str) -> BTreeSet<String> {
    fixtures::ALL
        .iter()
        .filter_map(|(path, _)| path.strip_prefix(folder)?.strip_suffix(".json"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_json_body_of_the_api_has_a_fixture_and_a_rust_type() {
    let doc = document();
    let (requests, responses) = body_schemas(&doc);
    assert_eq!(
        names_in("requests/"),
        requests,
        "requests/ vs the document's request bodies"
    );
    assert_eq!(
        names_in("responses/"),
        responses,
        "responses/ vs the document's response bodies"
    );
    let typed: BTreeSet<String> = BODIES.iter().map(|(n, _)| (*n).to_owned()).collect();
    let all: BTreeSet<String> = requests.union(&responses).cloned().collect();
    assert_eq!(typed, all, "BODIES in this test vs the document's bodies");
}

#[test]
fn every_fixture_round_trips_through_its_rust_type() {
    let mut failures = Vec::new();
    for (path, text) in fixtures::ALL {
        let schema = schema_of(path).unwrap_or_else(|| panic!("{path}: unknown folder"));
        let check: Check = match schema.as_str() {
            "Problem" => round_trip::<c::Problem>,
            "Mutation" => round_trip::<c::Mutation>,
            "MutationResult" => round_trip::<c::MutationResult>,
            "Change" => round_trip::<c::Change>,
            "PushData" => round_trip::<c::PushData>,
            name => match BODIES.iter().find(|(n, _)| *n == name) {
                Some((_, check)) => *check,
                None => panic!("{path}: no Rust type registered for {name}"),
            },
        };
        if let Err(e) = check(text) {
            failures.push(format!("{path}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A validator for one component schema, resolving `$ref`s inside the whole document.
fn validator(doc: &Value, schema: &str) -> jsonschema::Validator {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{schema}"),
        "components": doc["components"],
    });
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("schema {schema}: {e}"))
}

fn schema_errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{e} (at {})", e.instance_path()))
        .collect()
}

/// The row schema of each synced table (`set` of a mutation, `row` of a change).
const ROW_SCHEMAS: &[(&str, &str)] = &[
    ("bp_readings", "BpReadingFields"),
    ("glucose_readings", "GlucoseReadingFields"),
    ("reminders", "ReminderFields"),
    ("consents", "ConsentRowFields"),
    ("records", "RecordRowFields"),
    ("access_log", "AccessLogRowFields"),
];

fn row_schema(table: &str) -> &'static str {
    ROW_SCHEMAS
        .iter()
        .find(|(t, _)| *t == table)
        .map(|(_, s)| *s)
        .unwrap_or_else(|| panic!("no row schema for {table}"))
}

#[test]
fn every_fixture_validates_against_its_openapi_schema() {
    let doc = document();
    let mut validators: BTreeMap<String, jsonschema::Validator> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut check = |path: &str, schema: &str, value: &Value| {
        let v = validators
            .entry(schema.to_owned())
            .or_insert_with(|| validator(&doc, schema));
        for e in schema_errors(v, value) {
            failures.push(format!("{path} against {schema}: {e}"));
        }
    };
    for (path, text) in fixtures::ALL {
        let value = parse(path, text);
        let schema = schema_of(path).unwrap_or_default();
        check(path, &schema, &value);
        // A live pulled row is a whole row of its table.
        if schema == "Change"
            && let Some(row) = value.get("row")
        {
            check(
                path,
                row_schema(value["table"].as_str().unwrap_or_default()),
                row,
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_documents_examples_are_the_fixtures() {
    let doc = document();
    let fixture_values: Vec<Value> = fixtures::ALL.iter().map(|(p, t)| parse(p, t)).collect();
    // No example anywhere in the document that is not a fixture.
    fn walk(v: &Value, at: &str, found: &mut Vec<(String, Value)>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    let here = format!("{at}/{k}");
                    match (k.as_str(), child) {
                        ("example", ex) => found.push((here, ex.clone())),
                        ("examples", Value::Array(list)) => {
                            for ex in list {
                                found.push((here.clone(), ex.clone()));
                            }
                        }
                        _ => walk(child, &here, found),
                    }
                }
            }
            Value::Array(list) => list.iter().for_each(|c| walk(c, at, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(&doc, "", &mut found);
    for (at, example) in &found {
        assert!(
            fixture_values.contains(example),
            "{at} is an example that is no fixture"
        );
    }
    // Every body schema shows its fixture.
    let schemas = &doc["components"]["schemas"];
    let (requests, responses) = body_schemas(&doc);
    for name in requests.union(&responses) {
        let shown = schemas[name]["examples"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let fixture = fixtures::body(name).map(|t| parse(name, t));
        assert_eq!(shown.first(), fixture.as_ref(), "{name}'s example");
    }
    for (schema, folder) in [
        ("Mutation", "sync/mutations/"),
        ("Change", "sync/changes/"),
        ("MutationResult", "sync/results/"),
        ("PushData", "push/"),
    ] {
        let shown = schemas[schema]["examples"].as_array().map_or(0, Vec::len);
        assert_eq!(shown, names_in(folder).len(), "{schema}'s examples");
    }
    assert!(schemas["Problem"]["examples"].is_array());
}

#[test]
fn every_error_code_has_a_fixture_that_is_what_the_server_renders() {
    let codes: BTreeSet<&str> = c::ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    let fixtures_of: BTreeSet<String> = names_in("problems/");
    assert_eq!(
        fixtures_of,
        codes.iter().map(|c| (*c).to_owned()).collect(),
        "problems/ vs ErrorCode::ALL"
    );
    let documented: BTreeSet<u64> = body_statuses(&document());
    for code in codes {
        let path = format!("problems/{code}.json");
        let text = fixtures::get(&path).unwrap_or_default();
        let fixture: c::Problem =
            serde_json::from_str(text).unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = actix_status(fixture.status);
        let code = c::ErrorCode::parse(code).unwrap_or_else(|| panic!("{path}: unknown code"));
        let mut error = ApiError::new(status, code);
        error.fields = fixture
            .errors
            .iter()
            .map(|f| {
                let reason = c::FieldCode::parse(&f.code)
                    .unwrap_or_else(|| panic!("{path}: unknown field code {}", f.code));
                FieldError::new(f.field.clone(), reason)
            })
            .collect();
        error.retry_after = fixture.retry_after_seconds;
        error.expected_seq = fixture.expected_seq;
        error.supported = fixture.supported;
        assert_eq!(error.to_problem(Lang::En), fixture, "{path}");
        // Statuses the server only produces outside the handlers (405, 408, 500) are not
        // documented per operation; every other one is.
        if ![405, 408, 500].contains(&fixture.status) {
            assert!(
                documented.contains(&u64::from(fixture.status)),
                "{path}: status {} is documented nowhere",
                fixture.status
            );
        }
    }
    // The codes that carry their own extra member show it.
    let member = |code: &str, key: &str| {
        parse(
            code,
            fixtures::get(&format!("problems/{code}.json")).unwrap_or_default(),
        )
        .get(key)
        .is_some()
    };
    assert!(member("validation_failed", "errors"));
    assert!(member("seq_gap", "expected_seq"));
    assert!(member("rate_limited", "retry_after_seconds"));
    assert!(member("unsupported_protocol", "supported"));
    assert!(member("unsupported_schema_version", "supported"));
}

fn actix_status(code: u16) -> actix_web::http::StatusCode {
    actix_web::http::StatusCode::from_u16(code).unwrap_or_else(|e| panic!("{code}: {e}"))
}

/// Every status for which some operation documents a problem body.
fn body_statuses(doc: &Value) -> BTreeSet<u64> {
    let mut out = BTreeSet::new();
    for item in doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
    {
        for op in item.as_object().into_iter().flat_map(|m| m.values()) {
            for (status, res) in op["responses"].as_object().into_iter().flatten() {
                if res["content"].get("application/problem+json").is_some() {
                    out.extend(status.parse::<u64>().ok());
                }
            }
        }
    }
    out
}

#[test]
fn sync_fixtures_cover_every_table_and_are_accepted_by_the_servers_checks() {
    let mutations = names_in("sync/mutations/");
    let changes = names_in("sync/changes/");
    for t in tables::TABLES {
        let name = t.name();
        assert!(
            changes.contains(&format!("{name}.live")),
            "no live change of {name}"
        );
        if t.writable() {
            for op in ["create", "edit", "delete"] {
                assert!(
                    mutations.contains(&format!("{name}.{op}")),
                    "no {op} of {name}"
                );
            }
            assert!(
                changes.contains(&format!("{name}.tombstone")),
                "no tombstone of {name}"
            );
        }
    }
    for (path, text) in fixtures::ALL
        .iter()
        .filter(|(p, _)| p.starts_with("sync/mutations/"))
    {
        let m: c::Mutation = serde_json::from_str(text).unwrap_or_else(|e| panic!("{path}: {e}"));
        let table = tables::table(&m.table).unwrap_or_else(|| panic!("{path}: unknown table"));
        assert!(table.writable(), "{path}: {} is read-only", m.table);
        assert!(
            path.contains(&format!("/{}.", m.table)),
            "{path}: named for another table"
        );
        match m.op {
            c::MutationOp::Delete => {
                assert!(
                    m.cl % 2 == 0 && m.set.is_none(),
                    "{path}: a delete has even cl, no set"
                );
            }
            c::MutationOp::Upsert => {
                assert!(m.cl % 2 == 1, "{path}: an upsert has odd cl");
                let set = m.set.unwrap_or_default();
                let stored = table
                    .normalize(&set)
                    .unwrap_or_else(|e| panic!("{path}: the server refuses the set: {e:?}"));
                // A create or restore carries a whole row; an edit any part of one.
                let whole = !path.contains(".edit");
                table
                    .check_live(&stored, whole)
                    .unwrap_or_else(|e| panic!("{path}: the server refuses the row: {e:?}"));
            }
        }
        let node = m.hlc.rsplit(':').next().unwrap_or_default();
        assert!(
            uuid_like(node),
            "{path}: the HLC node must be the device id"
        );
    }
    let statuses: BTreeSet<String> = names_in("sync/results/");
    for s in ["applied", "merged", "rejected", "forbidden"] {
        assert!(statuses.contains(s), "no {s} result");
    }
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}

#[test]
fn push_fixtures_cover_every_push_type_with_string_values() {
    let names = names_in("push/");
    for t in c::PushType::ALL {
        assert!(names.contains(t.as_str()), "no push/{}.json", t.as_str());
    }
    for (path, text) in fixtures::ALL.iter().filter(|(p, _)| p.starts_with("push/")) {
        let value = parse(path, text);
        let map = value.as_object().cloned().unwrap_or_default();
        assert!(
            map.values().all(Value::is_string),
            "{path}: FCM data values are strings"
        );
        assert_eq!(
            path.strip_prefix("push/")
                .and_then(|f| f.strip_suffix(".json")),
            map.get("type").and_then(Value::as_str),
            "{path}: named for its type"
        );
    }
}
