//! Finds the changes between two OpenAPI 3.1 documents that would break an app built against
//! the older one (docs/API-VERSIONING.md). A change is breaking when
//!
//! - a path or an operation is gone;
//! - in a request (parameters, body): a new required parameter or field, a field or parameter
//!   whose accepted types narrow, or an enum value that is no longer accepted;
//! - in a success response: a field that is gone or no longer always present, a type that
//!   widens (the app may meet a value it cannot read), or an enum value that is gone.
//!
//! Schemas are compared structurally through `$ref`s; every schema pair is compared once per
//! direction, so recursive schemas terminate. Additive changes (new paths, operations, optional
//! request fields, response fields, enum values in requests) pass.

use std::collections::{BTreeSet, HashSet};

use serde_json::Value;

/// Which way data flows through a schema: what the app sends, or what it receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Flow {
    Request,
    Response,
}

struct Diff<'a> {
    old: &'a Value,
    new: &'a Value,
    seen: HashSet<(String, String, Flow)>,
    found: Vec<String>,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The breaking changes from `old` to `new`, one line each (empty: compatible).
pub fn breaking_changes(old: &Value, new: &Value) -> Vec<String> {
    let mut d = Diff {
        old,
        new,
        seen: HashSet::new(),
        found: Vec::new(),
    };
    let empty = serde_json::Map::new();
    let old_paths = old["paths"].as_object().unwrap_or(&empty);
    let new_paths = new["paths"].as_object().unwrap_or(&empty);
    for (path, old_item) in old_paths {
        let Some(new_item) = new_paths.get(path) else {
            d.found.push(format!("path removed: {path}"));
            continue;
        };
        for method in METHODS {
            let Some(old_op) = old_item.get(method) else {
                continue;
            };
            let here = format!("{} {path}", method.to_uppercase());
            let Some(new_op) = new_item.get(method) else {
                d.found.push(format!("operation removed: {here}"));
                continue;
            };
            d.parameters(&here, old_op, new_op);
            d.request_body(&here, old_op, new_op);
            d.responses(&here, old_op, new_op);
        }
    }
    d.found
}

/// Every JSON type, for a schema that constrains none (`{}` or only a description).
const ANY: [&str; 7] = [
    "array", "boolean", "integer", "null", "number", "object", "string",
];

/// The JSON types a (resolved) schema allows; `None` when a composition (`oneOf`, ...) or an
/// `enum`/`const` decides instead.
fn types(schema: &Value) -> Option<BTreeSet<String>> {
    let mut set: BTreeSet<String> = match &schema["type"] {
        Value::String(t) => [t.clone()].into(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        Value::Null
            if schema.is_object()
                && ["oneOf", "anyOf", "allOf", "enum", "const", "not"]
                    .iter()
                    .all(|k| schema.get(k).is_none()) =>
        {
            ANY.iter().map(|t| (*t).to_owned()).collect()
        }
        _ => return None,
    };
    // An integer is a number.
    if set.contains("number") {
        set.insert("integer".to_owned());
    }
    Some(set)
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn json_body(op: &Value) -> Option<&Value> {
    op["requestBody"]["content"]
        .as_object()?
        .iter()
        .find(|(ct, _)| ct.contains("json"))
        .map(|(_, c)| &c["schema"])
}

impl Diff<'_> {
    fn resolve<'v>(&self, doc: &'v Value, schema: &'v Value) -> (&'v Value, Option<String>) {
        let mut s = schema;
        let mut name = None;
        for _ in 0..16 {
            let Some(r) = s["$ref"].as_str() else { break };
            let n = r.rsplit('/').next().unwrap_or(r).to_owned();
            s = &doc["components"]["schemas"][&n];
            name = Some(n);
        }
        (s, name)
    }

    fn parameters(&mut self, here: &str, old_op: &Value, new_op: &Value) {
        let key = |p: &Value| {
            format!(
                "{} {}",
                p["in"].as_str().unwrap_or(""),
                p["name"].as_str().unwrap_or("")
            )
        };
        let olds: Vec<&Value> = old_op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .collect();
        for p in new_op["parameters"].as_array().into_iter().flatten() {
            let old = olds.iter().find(|o| key(o) == key(p));
            let required = p["required"].as_bool() == Some(true);
            match old {
                None if required => self
                    .found
                    .push(format!("{here}: new required parameter `{}`", key(p))),
                None => {}
                Some(o) => {
                    if required && o["required"].as_bool() != Some(true) {
                        self.found
                            .push(format!("{here}: parameter `{}` became required", key(p)));
                    }
                    let at = format!("{here} parameter `{}`", key(p));
                    self.schema(&at, &o["schema"], &p["schema"], Flow::Request);
                }
            }
        }
    }

    fn request_body(&mut self, here: &str, old_op: &Value, new_op: &Value) {
        match (json_body(old_op), json_body(new_op)) {
            (Some(o), Some(n)) => self.schema(&format!("{here} request"), o, n, Flow::Request),
            (None, Some(_)) if new_op["requestBody"]["required"].as_bool() == Some(true) => {
                self.found
                    .push(format!("{here}: new required request body"));
            }
            _ => {}
        }
    }

    fn responses(&mut self, here: &str, old_op: &Value, new_op: &Value) {
        let Some(olds) = old_op["responses"].as_object() else {
            return;
        };
        for (status, old) in olds.iter().filter(|(s, _)| s.starts_with('2')) {
            let Some(new) = new_op["responses"].get(status) else {
                self.found
                    .push(format!("{here}: success response {status} removed"));
                continue;
            };
            for (ct, content) in old["content"].as_object().into_iter().flatten() {
                match new["content"].get(ct) {
                    None => self
                        .found
                        .push(format!("{here} {status}: content type {ct} removed")),
                    Some(n) => self.schema(
                        &format!("{here} {status} response"),
                        &content["schema"],
                        &n["schema"],
                        Flow::Response,
                    ),
                }
            }
        }
    }

    fn schema(&mut self, at: &str, old: &Value, new: &Value, flow: Flow) {
        let (o, old_name) = self.resolve(self.old, old);
        let (n, new_name) = self.resolve(self.new, new);
        if let (Some(a), Some(b)) = (&old_name, &new_name)
            && !self.seen.insert((a.clone(), b.clone(), flow))
        {
            return;
        }
        let (o, n) = (o.clone(), n.clone());
        if let (Some(ot), Some(nt)) = (types(&o), types(&n)) {
            match flow {
                Flow::Request if !ot.is_subset(&nt) => self.found.push(format!(
                    "{at}: accepted type narrowed from {ot:?} to {nt:?}"
                )),
                Flow::Response if !nt.is_subset(&ot) => self
                    .found
                    .push(format!("{at}: type widened from {ot:?} to {nt:?}")),
                _ => {}
            }
        }
        if o.get("enum").is_some() {
            let (oe, ne) = (strings(&o["enum"]), strings(&n["enum"]));
            for gone in oe.difference(&ne) {
                self.found.push(format!("{at}: enum value {gone} removed"));
            }
        }
        for bound in ["maxLength", "maxItems", "maximum"] {
            if flow == Flow::Request
                && let (Some(a), Some(b)) = (o[bound].as_f64(), n[bound].as_f64())
                && b < a
            {
                self.found
                    .push(format!("{at}: {bound} lowered from {a} to {b}"));
            }
        }
        for bound in ["minLength", "minItems", "minimum"] {
            if flow == Flow::Request
                && let (Some(a), Some(b)) = (o[bound].as_f64().or(Some(0.0)), n[bound].as_f64())
                && b > a
            {
                self.found.push(format!("{at}: {bound} raised to {b}"));
            }
        }
        let (oreq, nreq) = (strings(&o["required"]), strings(&n["required"]));
        let empty = serde_json::Map::new();
        let oprops = o["properties"].as_object().unwrap_or(&empty);
        let nprops = n["properties"].as_object().unwrap_or(&empty);
        match flow {
            Flow::Request => {
                for field in nreq.difference(&oreq) {
                    self.found
                        .push(format!("{at}: new required field `{field}`"));
                }
            }
            Flow::Response => {
                for field in oprops.keys().filter(|k| !nprops.contains_key(*k)) {
                    self.found.push(format!("{at}: field `{field}` removed"));
                }
                for field in oreq.difference(&nreq).filter(|f| nprops.contains_key(*f)) {
                    self.found
                        .push(format!("{at}: field `{field}` is no longer always present"));
                }
            }
        }
        for (field, os) in oprops {
            if let Some(ns) = nprops.get(field) {
                self.schema(&format!("{at}.{field}"), os, ns, flow);
            }
        }
        if o.get("items").is_some() && n.get("items").is_some() {
            self.schema(&format!("{at}[]"), &o["items"], &n["items"], flow);
        }
        for combinator in ["oneOf", "anyOf", "allOf"] {
            let (Some(ov), Some(nv)) = (o[combinator].as_array(), n[combinator].as_array()) else {
                continue;
            };
            if ov.len() == nv.len() {
                for (i, (a, b)) in ov.iter().zip(nv).enumerate() {
                    self.schema(&format!("{at}<{combinator} {i}>"), a, b, flow);
                }
            } else if flow == Flow::Request && nv.len() < ov.len() {
                self.found
                    .push(format!("{at}: {combinator} lost alternatives"));
            } else if flow == Flow::Response && nv.len() > ov.len() && combinator != "allOf" {
                self.found
                    .push(format!("{at}: {combinator} gained alternatives"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
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
}
