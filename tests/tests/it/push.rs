//! Push: device tokens, and the outbox worker delivering every notice at least once to the
//! right devices, in their language, with nothing personal on the lock screen; the FCM HTTP v1
//! sink against a local stand-in for Google.

mod delivery;
mod fcm_v1;
mod payloads;
mod tokens;

use ehealth_contracts::TokenResponse;
use ehealth_tests::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn put_token(app: &TestApp, t: &TokenResponse, token: &str, locale: &str) -> StatusCode {
    app.call(
        Method::PUT,
        &format!("/v1/me/devices/{}/push-token", t.device_id),
        Some(&t.access_token),
        Some(json!({"token": token, "platform": "android", "locale": locale})),
    )
    .await
    .0
}

async fn sent(app: &TestApp, device: &str) -> Vec<ehealth_api::store::push::Sent> {
    let d = device.to_owned();
    app.state
        .db
        .run(move |c| Ok(ehealth_api::store::push::sent_to(c, &d)?))
        .await
        .unwrap_or_default()
}
