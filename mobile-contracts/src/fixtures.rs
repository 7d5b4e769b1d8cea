//! The golden fixtures in `mobile-contracts/fixtures/`: an example of every JSON request and
//! response body, every error body, each sync mutation, result and change shape, and each push
//! payload. The OpenAPI document takes its examples from them, and `openapi/tests/fixtures/`
//! proves each one deserialises into its Rust type, serialises back identically and validates
//! against the OpenAPI schema. See `fixtures/README.md` for the layout.

include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));

/// The fixture at `path` (relative to `fixtures/`, e.g. `requests/CreateConsentRequest.json`).
pub fn get(path: &str) -> Option<&'static str> {
    ALL.iter().find(|(p, _)| *p == path).map(|(_, text)| *text)
}

/// The example body of the component schema `name`: `requests/<name>.json` or
/// `responses/<name>.json`.
pub fn body(name: &str) -> Option<&'static str> {
    get(&format!("requests/{name}.json")).or_else(|| get(&format!("responses/{name}.json")))
}
