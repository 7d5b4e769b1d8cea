//! FCM HTTP v1 (`POST {base}/v1/projects/{project}/messages:send`), authorised with an OAuth2
//! access token from the JWT-bearer grant: the assertion is signed (RS256) with the
//! service-account key from `FCM_SERVICE_ACCOUNT` and sent to the key file's `token_uri`;
//! gcp_auth caches the token until shortly before it expires. (The `fcm` crate speaks the legacy
//! API that Google shut down in 2024.)
//!
//! Each answer becomes an [`Outcome`]: a dead token (`UNREGISTERED`, an invalid token, a token
//! of another sender) is forgotten at once; 429 and 5xx are retried by the outbox with
//! exponential backoff and jitter, never sooner than `Retry-After`; a message FCM refuses for
//! another reason is logged and dropped rather than retried for ever.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use futures_util::future::BoxFuture;
use gcp_auth::{CustomServiceAccount, TokenProvider};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::{Value, json};

use super::{Message, Outcome, Sink};
use crate::state::AppState;

/// The OAuth scope FCM v1 requires.
pub const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// Google's FCM endpoint; `FCM_BASE_URL` overrides it (the tests' local server).
pub const DEFAULT_BASE_URL: &str = "https://fcm.googleapis.com";

pub struct FcmSink {
    auth: CustomServiceAccount,
    http: reqwest::Client,
    send_url: String,
}

impl FcmSink {
    /// Reads the service-account key file; the project comes from its `project_id`.
    pub fn from_key_file(path: &Path, base_url: &str) -> anyhow::Result<Self> {
        let auth = CustomServiceAccount::from_file(path).with_context(|| {
            format!(
                "FCM_SERVICE_ACCOUNT: cannot use {} as a service-account key",
                path.display()
            )
        })?;
        let project = auth
            .project_id()
            .context("FCM_SERVICE_ACCOUNT: the key file has no project_id")?
            .to_owned();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .context("building the FCM HTTP client")?;
        Ok(Self {
            auth,
            http,
            send_url: format!(
                "{}/v1/projects/{project}/messages:send",
                base_url.trim_end_matches('/')
            ),
        })
    }

    async fn try_send(&self, msg: &Message) -> Outcome {
        let token = match self.auth.token(&[SCOPE]).await {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(error = %e, "FCM: no access token; retrying later");
                return Outcome::Retry(Duration::ZERO);
            }
        };
        let sent = self
            .http
            .post(&self.send_url)
            .bearer_auth(token.as_str())
            .json(&body(msg))
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "FCM unreachable; retrying later");
                return Outcome::Retry(Duration::ZERO);
            }
        };
        let status = response.status();
        if status.is_success() {
            return Outcome::Sent;
        }
        let after = retry_after(response.headers(), chrono::Utc::now());
        let error: Value = response.json().await.unwrap_or(Value::Null);
        let outcome = classify(status, &error, after);
        if outcome == Outcome::Rejected {
            tracing::error!(
                status = status.as_u16(),
                code = fcm_error_code(&error).unwrap_or("-"),
                notification_id = %msg.notification_id,
                "FCM refused a message; dropped"
            );
        }
        outcome
    }
}

impl Sink for FcmSink {
    fn send<'a>(&'a self, _state: &'a AppState, msg: &'a Message) -> BoxFuture<'a, Outcome> {
        Box::pin(self.try_send(msg))
    }
}

/// The v1 message: data for the app (always), a notification only when there is visible
/// text, and platform blocks for priority and collapsing (Android `collapse_key`, APNs
/// `apns-collapse-id`; silent messages are background pushes on iOS).
pub fn body(msg: &Message) -> Value {
    let visible = msg.text.is_some();
    let mut android = json!({"priority": if visible { "HIGH" } else { "NORMAL" }});
    let mut apns_headers = json!({
        "apns-priority": if visible { "10" } else { "5" },
        "apns-push-type": if visible { "alert" } else { "background" },
    });
    if let Some(key) = &msg.collapse_key {
        android["collapse_key"] = json!(key);
        apns_headers["apns-collapse-id"] = json!(key);
    }
    let mut aps = json!({});
    if !visible {
        aps["content-available"] = json!(1);
    }
    let mut message = json!({
        "token": msg.token,
        "data": msg.data,
        "android": android,
        "apns": {"headers": apns_headers, "payload": {"aps": aps}},
    });
    if let Some((title, text)) = &msg.text {
        message["notification"] = json!({"title": title, "body": text});
    }
    json!({ "message": message })
}

/// `errorCode` of the `FcmError` detail of an error body, if any.
pub fn fcm_error_code(error: &Value) -> Option<&str> {
    error["error"]["details"]
        .as_array()?
        .iter()
        .find(|d| {
            d["@type"]
                .as_str()
                .is_some_and(|t| t.ends_with("google.firebase.fcm.v1.FcmError"))
        })?
        .get("errorCode")?
        .as_str()
}

/// What an error answer means for the message and the token.
pub fn classify(status: StatusCode, error: &Value, retry_after: Option<Duration>) -> Outcome {
    let code = fcm_error_code(error).or_else(|| error["error"]["status"].as_str());
    let message = error["error"]["message"].as_str().unwrap_or_default();
    match (status.as_u16(), code) {
        (_, Some("UNREGISTERED" | "SENDER_ID_MISMATCH")) => Outcome::Unregistered,
        // FCM answers an unusable token with INVALID_ARGUMENT naming the registration token;
        // other INVALID_ARGUMENTs are about the message, and the token stays.
        (400, Some("INVALID_ARGUMENT")) if message.contains("registration token") => {
            Outcome::Unregistered
        }
        (429, _) | (500..=599, _) => Outcome::Retry(retry_after.unwrap_or(Duration::ZERO)),
        // Credentials or APNs certificates being fixed: keep trying, with backoff.
        (401 | 403, _) => Outcome::Retry(retry_after.unwrap_or(Duration::ZERO)),
        _ => Outcome::Rejected,
    }
}

/// `Retry-After` as seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    (at.with_timezone(&chrono::Utc) - now).to_std().ok()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use reqwest::header::HeaderValue;

    use super::*;

    fn error(status: &str, code: Option<&str>, message: &str) -> Value {
        let details = code.map_or_else(Vec::new, |c| {
            vec![json!({"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": c})]
        });
        json!({"error": {"code": 400, "status": status, "message": message, "details": details}})
    }

    #[test]
    fn answers_map_to_outcomes() {
        let unreg = error(
            "NOT_FOUND",
            Some("UNREGISTERED"),
            "Requested entity was not found.",
        );
        assert_eq!(
            classify(StatusCode::NOT_FOUND, &unreg, None),
            Outcome::Unregistered
        );
        let bad_token = error(
            "INVALID_ARGUMENT",
            Some("INVALID_ARGUMENT"),
            "The registration token is not a valid FCM registration token",
        );
        assert_eq!(
            classify(StatusCode::BAD_REQUEST, &bad_token, None),
            Outcome::Unregistered
        );
        let bad_payload = error(
            "INVALID_ARGUMENT",
            Some("INVALID_ARGUMENT"),
            "Invalid value at 'message.data'",
        );
        assert_eq!(
            classify(StatusCode::BAD_REQUEST, &bad_payload, None),
            Outcome::Rejected
        );
        let quota = error("RESOURCE_EXHAUSTED", Some("QUOTA_EXCEEDED"), "");
        assert_eq!(
            classify(
                StatusCode::TOO_MANY_REQUESTS,
                &quota,
                Some(Duration::from_secs(30))
            ),
            Outcome::Retry(Duration::from_secs(30))
        );
        assert_eq!(
            classify(StatusCode::SERVICE_UNAVAILABLE, &Value::Null, None),
            Outcome::Retry(Duration::ZERO)
        );
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_a_date() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T08:00:00Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_default();
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(120)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sun, 22 Nov 2026 08:00:30 GMT"),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(30)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h, now), None);
    }

    #[test]
    fn silent_pokes_are_background_pushes_that_collapse() {
        let msg = Message {
            notification_id: "n1".into(),
            device_id: "d1".into(),
            token: "tok".into(),
            kind: "sync_poke".into(),
            text: None,
            data: BTreeMap::from([("type".to_owned(), "sync_poke".to_owned())]),
            collapse_key: Some("sync:s1".into()),
        };
        let b = body(&msg);
        assert_eq!(b["message"]["token"], "tok");
        assert!(b["message"].get("notification").is_none());
        assert_eq!(b["message"]["android"]["collapse_key"], "sync:s1");
        assert_eq!(
            b["message"]["apns"]["headers"]["apns-collapse-id"],
            "sync:s1"
        );
        assert_eq!(
            b["message"]["apns"]["headers"]["apns-push-type"],
            "background"
        );
        assert_eq!(
            b["message"]["apns"]["payload"]["aps"]["content-available"],
            1
        );
        let visible = Message {
            text: Some(("Title".into(), "Body".into())),
            collapse_key: None,
            ..msg
        };
        let b = body(&visible);
        assert_eq!(b["message"]["notification"]["title"], "Title");
        assert_eq!(b["message"]["android"]["priority"], "HIGH");
        assert!(b["message"]["android"].get("collapse_key").is_none());
    }
}
