//! Principals: who is making a request. Each handler names the one it accepts as an argument.

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use ehealth_contracts::ErrorCode;
use futures_util::future::LocalBoxFuture;

use crate::domain::ids::{DeviceId, PatientId};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;

/// A signed-in patient, on one of their devices, through one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientSession {
    pub patient_id: PatientId,
    pub device_id: DeviceId,
    pub session_id: String,
}

/// A healthcare provider's staff member, through one session. Patient and staff tokens have
/// different prefixes and tables: neither extractor ever accepts the other's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSession {
    pub staff_id: String,
    pub hcp_id: String,
    pub session_id: String,
    pub name: String,
    pub profession: String,
    pub roles: Vec<String>,
}

impl FromRequest for StaffSession {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = authenticated(
            req,
            store::staff_sessions::STAFF_ACCESS_PREFIX,
            store::staff_sessions::authenticate,
        );
        Box::pin(async move {
            let (session_id, staff) = found.await?;
            Ok(StaffSession {
                staff_id: staff.id,
                hcp_id: staff.hcp_id,
                session_id,
                name: staff.english_name,
                profession: staff.profession,
                roles: staff
                    .roles
                    .split(',')
                    .filter(|r| !r.is_empty())
                    .map(str::to_owned)
                    .collect(),
            })
        })
    }
}

/// An HCP's server-to-server client (smart-card reader, record deposit), with a bearer token
/// from the client-credentials grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HcpSystemSession {
    pub system_id: String,
    pub hcp_id: String,
}

impl FromRequest for HcpSystemSession {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = authenticated(
            req,
            store::hcp_systems::SYSTEM_TOKEN_PREFIX,
            store::hcp_systems::system_for_token,
        );
        Box::pin(async move {
            let system = found.await?;
            Ok(HcpSystemSession {
                system_id: system.id,
                hcp_id: system.hcp_id,
            })
        })
    }
}

/// A staff member or an HCP system, told apart by the token's prefix (actix's `Either` would
/// buffer the body, which the JSON extractor after it then misses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HcpPrincipal {
    Staff(StaffSession),
    System(HcpSystemSession),
}

impl FromRequest for HcpPrincipal {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let system =
            bearer(req).is_some_and(|t| t.starts_with(store::hcp_systems::SYSTEM_TOKEN_PREFIX));
        if system {
            let f = HcpSystemSession::from_request(req, payload);
            Box::pin(async move { f.await.map(HcpPrincipal::System) })
        } else {
            let f = StaffSession::from_request(req, payload);
            Box::pin(async move { f.await.map(HcpPrincipal::Staff) })
        }
    }
}

pub(super) fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// Looks the request's bearer token up with `find` when it carries `prefix` (each kind of
/// principal has its own prefix and table): 401 `unauthenticated` without a token,
/// `invalid_token` for one of another kind or one that is unknown, expired or revoked.
pub(super) fn authenticated<T: Send + 'static>(
    req: &HttpRequest,
    prefix: &'static str,
    find: fn(&mut store::DbConn, &str, i64) -> diesel::QueryResult<Option<T>>,
) -> LocalBoxFuture<'static, Result<T, ApiError>> {
    let token = bearer(req);
    let state = state(req);
    Box::pin(async move {
        let state = state?;
        let token = token.ok_or_else(|| ApiError::unauthorized(ErrorCode::Unauthenticated))?;
        if !token.starts_with(prefix) {
            return Err(ApiError::unauthorized(ErrorCode::InvalidToken));
        }
        let now = state.now_ms();
        state
            .db
            .run(move |c| Ok(find(c, &token, now)?))
            .await?
            .ok_or_else(|| ApiError::unauthorized(ErrorCode::InvalidToken))
    })
}

pub(super) fn state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("application state missing"))
}

impl FromRequest for PatientSession {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let grant = authenticated(req, "at_", store::sessions::authenticate);
        Box::pin(async move {
            let grant = grant.await?;
            Ok(PatientSession {
                patient_id: grant.patient_id,
                device_id: grant.device_id,
                session_id: grant.session_id,
            })
        })
    }
}

/// The client's address for rate limiting: the TCP peer (a proxy in front should rate-limit
/// by its own view of the client).
pub fn client_address(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}
