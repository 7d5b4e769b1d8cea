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

mod schema;

use std::collections::HashSet;

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
}

#[cfg(test)]
mod tests;
