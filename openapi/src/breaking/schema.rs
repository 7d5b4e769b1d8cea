//! Comparing one schema with its successor, structurally through `$ref`s: its types, enum
//! values, bounds and fields, then its properties, items and alternatives in turn.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Diff, Flow};

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

impl Diff<'_> {
    pub(super) fn schema(&mut self, at: &str, old: &Value, new: &Value, flow: Flow) {
        let (o, old_name) = self.resolve(self.old, old);
        let (n, new_name) = self.resolve(self.new, new);
        if let (Some(a), Some(b)) = (&old_name, &new_name)
            && !self.seen.insert((a.clone(), b.clone(), flow))
        {
            return;
        }
        let (o, n) = (o.clone(), n.clone());
        self.type_changes(at, &o, &n, flow);
        self.enum_values(at, &o, &n);
        if flow == Flow::Request {
            self.bounds(at, &o, &n);
        }
        self.fields(at, &o, &n, flow);
        self.children(at, &o, &n, flow);
    }

    /// What the app sends must still be accepted; what it receives must be of a type it knows.
    fn type_changes(&mut self, at: &str, o: &Value, n: &Value, flow: Flow) {
        if let (Some(ot), Some(nt)) = (types(o), types(n)) {
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
    }

    fn enum_values(&mut self, at: &str, o: &Value, n: &Value) {
        if o.get("enum").is_some() {
            let (oe, ne) = (strings(&o["enum"]), strings(&n["enum"]));
            for gone in oe.difference(&ne) {
                self.found.push(format!("{at}: enum value {gone} removed"));
            }
        }
    }

    /// In a request: a maximum that is lowered or a minimum that is raised.
    fn bounds(&mut self, at: &str, o: &Value, n: &Value) {
        for bound in ["maxLength", "maxItems", "maximum"] {
            if let (Some(a), Some(b)) = (o[bound].as_f64(), n[bound].as_f64())
                && b < a
            {
                self.found
                    .push(format!("{at}: {bound} lowered from {a} to {b}"));
            }
        }
        for bound in ["minLength", "minItems", "minimum"] {
            if let (Some(a), Some(b)) = (o[bound].as_f64().or(Some(0.0)), n[bound].as_f64())
                && b > a
            {
                self.found.push(format!("{at}: {bound} raised to {b}"));
            }
        }
    }

    /// A request field that became required; a response field that is gone or optional.
    fn fields(&mut self, at: &str, o: &Value, n: &Value, flow: Flow) {
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
    }

    /// Recurses into the properties both keep, the items, and `oneOf`/`anyOf`/`allOf`
    /// alternatives (a request may not lose any; a response may not gain any).
    fn children(&mut self, at: &str, o: &Value, n: &Value, flow: Flow) {
        let empty = serde_json::Map::new();
        let nprops = n["properties"].as_object().unwrap_or(&empty);
        for (field, os) in o["properties"].as_object().unwrap_or(&empty) {
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
