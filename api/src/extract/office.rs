//! The registration office's principal (a named officer, or the bootstrap token) and the
//! principal of whichever kind signs out.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use ehealth_contracts::{ErrorCode, OfficerRole};
use futures_util::future::LocalBoxFuture;

use super::principal::{authenticated, bearer, state};
use super::{PatientSession, StaffSession};
use crate::crypto::secrets_equal;
use crate::error::ApiError;
use crate::store;
use crate::store::account_sessions::{
    APPLICANT_ACCESS_PREFIX, OFFICER_ACCESS_PREFIX, authenticate_applicant, authenticate_officer,
};

/// An officer of the registration office: a named person signed in with their passkey, or
/// the bootstrap principal (`EHEALTH_OFFICER_TOKEN`), which holds every role and is recorded
/// as `bootstrap`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Officer {
    /// `None` for the bootstrap token.
    pub officer_id: Option<String>,
    pub session_id: Option<String>,
    pub name: String,
    pub roles: Vec<OfficerRole>,
}

/// How the bootstrap principal is recorded on what it decides.
pub const BOOTSTRAP: &str = "bootstrap";

impl Officer {
    /// Who is recorded as having decided: the officer's id, or `bootstrap`.
    pub fn actor(&self) -> String {
        self.officer_id
            .clone()
            .unwrap_or_else(|| BOOTSTRAP.to_owned())
    }

    /// 403 `officer_role_required` unless the officer holds `role` (or is a supervisor, or the
    /// bootstrap principal).
    pub fn require(&self, role: OfficerRole) -> Result<(), ApiError> {
        let allowed = self.officer_id.is_none()
            || self
                .roles
                .iter()
                .any(|r| *r == role || *r == OfficerRole::Supervisor);
        if allowed {
            Ok(())
        } else {
            Err(ApiError::forbidden(ErrorCode::OfficerRoleRequired))
        }
    }
}

impl FromRequest for Officer {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let given = bearer(req);
        if given
            .as_deref()
            .is_some_and(|t| t.starts_with(OFFICER_ACCESS_PREFIX))
        {
            let found = authenticated(req, OFFICER_ACCESS_PREFIX, authenticate_officer);
            return Box::pin(async move {
                let (session_id, account) = found.await?;
                let roles = account
                    .roles()
                    .iter()
                    .filter_map(|r| OfficerRole::parse(r))
                    .collect();
                Ok(Officer {
                    officer_id: Some(account.id),
                    session_id: Some(session_id),
                    name: account.name,
                    roles,
                })
            });
        }
        let result = state(req).and_then(|state| {
            let expected = state.config.officer_token.as_deref();
            match (given, expected) {
                (Some(given), Some(expected)) if secrets_equal(&given, expected) => {
                    tracing::warn!(
                        "request made with the bootstrap officer token: create named officers and unset EHEALTH_OFFICER_TOKEN"
                    );
                    Ok(Officer {
                        officer_id: None,
                        session_id: None,
                        name: BOOTSTRAP.to_owned(),
                        roles: OfficerRole::ALL.to_vec(),
                    })
                }
                (Some(_), _) => Err(ApiError::unauthorized(ErrorCode::InvalidToken)),
                (None, _) => Err(ApiError::unauthorized(ErrorCode::Unauthenticated)),
            }
        });
        Box::pin(std::future::ready(result))
    }
}

/// Which role an [`OfficerIn`] requires.
pub trait RequiredRole {
    const ROLE: OfficerRole;
}

/// Patient verification, SDM links and documents, counter registrations.
pub struct Registration;
/// Providers' applications and forms, their systems.
pub struct ProviderReview;
/// Officer management.
pub struct Supervisor;

impl RequiredRole for Registration {
    const ROLE: OfficerRole = OfficerRole::Registration;
}
impl RequiredRole for ProviderReview {
    const ROLE: OfficerRole = OfficerRole::ProviderReview;
}
impl RequiredRole for Supervisor {
    const ROLE: OfficerRole = OfficerRole::Supervisor;
}

/// An officer holding role `R` (or a supervisor, or the bootstrap principal): 403
/// `officer_role_required` before the body is read.
pub struct OfficerIn<R>(pub Officer, std::marker::PhantomData<R>);

impl<R> std::ops::Deref for OfficerIn<R> {
    type Target = Officer;

    fn deref(&self) -> &Officer {
        &self.0
    }
}

impl<R: RequiredRole + 'static> FromRequest for OfficerIn<R> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let officer = Officer::from_request(req, payload);
        Box::pin(async move {
            let officer = officer.await?;
            officer.require(R::ROLE)?;
            Ok(OfficerIn(officer, std::marker::PhantomData))
        })
    }
}

/// A provider's applicant (the HCP's authorised person), signed in with their passkey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicantSession {
    pub applicant_id: String,
    pub session_id: String,
    pub email: String,
    pub locale: String,
    pub email_confirmed: bool,
}

impl FromRequest for ApplicantSession {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = authenticated(req, APPLICANT_ACCESS_PREFIX, authenticate_applicant);
        Box::pin(async move {
            let (session_id, account) = found.await?;
            Ok(ApplicantSession {
                applicant_id: account.id,
                session_id,
                email: account.email.unwrap_or_default(),
                locale: account.locale.unwrap_or_else(|| "en".to_owned()),
                email_confirmed: account.email_confirmed_at.is_some(),
            })
        })
    }
}

/// Any signed-in principal with a session, told apart by its token's prefix (for sign-out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnySession {
    Patient(PatientSession),
    Staff(StaffSession),
    /// An officer's or applicant's session id.
    Account(String),
}

impl FromRequest for AnySession {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let token = bearer(req).unwrap_or_default();
        if token.starts_with(store::staff_sessions::STAFF_ACCESS_PREFIX) {
            let f = StaffSession::from_request(req, payload);
            return Box::pin(async move { f.await.map(AnySession::Staff) });
        }
        let find = if token.starts_with(OFFICER_ACCESS_PREFIX) {
            Some((OFFICER_ACCESS_PREFIX, authenticate_officer as AccountLookup))
        } else if token.starts_with(APPLICANT_ACCESS_PREFIX) {
            Some((
                APPLICANT_ACCESS_PREFIX,
                authenticate_applicant as AccountLookup,
            ))
        } else {
            None
        };
        if let Some((prefix, find)) = find {
            let f = authenticated(req, prefix, find);
            return Box::pin(
                async move { f.await.map(|(session, _)| AnySession::Account(session)) },
            );
        }
        let f = PatientSession::from_request(req, payload);
        Box::pin(async move { f.await.map(AnySession::Patient) })
    }
}

type AccountLookup = fn(
    &mut store::DbConn,
    &str,
    i64,
) -> diesel::QueryResult<Option<(String, store::accounts::Account)>>;
