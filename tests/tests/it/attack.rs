//! Attacks on the trust features, as an outsider would try them: SDM joins, office
//! verification, identity squatting, SDM action lists, preferences, bad text, smart-card reads,
//! log checkpoints and consent requests. Every test asserts the safe behaviour: a failing test
//! is a hole.

mod access;
mod consent;
mod joins;
mod squatting;
mod text;

use ehealth_tests::TestApp;
use ehealth_tests::family::decide;
use reqwest::{Method, StatusCode};
use serde_json::Value;

async fn post_as(app: &TestApp, path: &str, token: &str) -> (StatusCode, Value) {
    app.call(Method::POST, path, Some(token), None).await
}
