//! Principals: who is making a request. Each handler names the one it accepts as an argument.

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use crate::crypto::secrets_equal;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;

/// A signed-in patient, on one of their devices, through one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientSession {
    pub patient_id: String,
    pub device_id: String,
    pub session_id: String,
}

/// The registration office, authenticated with `EHEALTH_OFFICER_TOKEN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Officer;

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("application state missing"))
}

impl FromRequest for PatientSession {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req);
        let state = state(req);
        Box::pin(async move {
            let state = state?;
            let token = token.ok_or_else(|| ApiError::unauthorized("unauthenticated"))?;
            if !token.starts_with("at_") {
                return Err(ApiError::unauthorized("invalid_token"));
            }
            let now = state.now_ms();
            let grant = state
                .db
                .run(move |c| Ok(store::sessions::authenticate(c, &token, now)?))
                .await?
                .ok_or_else(|| ApiError::unauthorized("invalid_token"))?;
            Ok(PatientSession {
                patient_id: grant.patient_id,
                device_id: grant.device_id,
                session_id: grant.session_id,
            })
        })
    }
}

impl FromRequest for Officer {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = state(req).and_then(|state| {
            let Some(expected) = state.config.officer_token.as_deref() else {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::NOT_FOUND,
                    "officer_api_disabled",
                ));
            };
            match bearer(req) {
                Some(given) if secrets_equal(&given, expected) => Ok(Officer),
                Some(_) => Err(ApiError::unauthorized("invalid_token")),
                None => Err(ApiError::unauthorized("unauthenticated")),
            }
        });
        std::future::ready(result)
    }
}

/// The client's address for rate limiting: the TCP peer (a proxy in front should rate-limit
/// by its own view of the client).
pub fn client_address(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}
