//! Checks shared by services: collecting every invalid field of a request, the push token
//! format, and mapping a uniqueness race lost to a concurrent request onto its conflict.

use crate::error::{ApiError, ApiResult, FieldError};
use ehealth_contracts::{ErrorCode, FieldCode};

/// Keeps the value of a field check, or records its error so all are reported together.
pub(crate) fn take<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// An FCM registration token as sent: trimmed, non-empty, at most 4 KB, no spaces.
pub(crate) fn checked_push_token(raw: &str) -> ApiResult<String> {
    let token = raw.trim().to_owned();
    if token.is_empty()
        || token.len() > 4096
        || token.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(ApiError::validation(vec![FieldError::new(
            "token",
            if token.is_empty() {
                FieldCode::Required
            } else {
                FieldCode::InvalidFormat
            },
        )]));
    }
    Ok(token)
}

/// Maps a uniqueness race lost to a concurrent request onto the specific conflict.
pub(crate) fn unique_as(e: diesel::result::Error, code: ErrorCode) -> ApiError {
    match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => ApiError::conflict(code),
        other => other.into(),
    }
}

/// A required free-text field: trimmed, at most `max` characters, no control characters.
pub(crate) fn text(errors: &mut Vec<FieldError>, raw: &str, field: &str, max: usize) -> String {
    let t = raw.trim();
    if t.is_empty() {
        errors.push(FieldError::new(field, FieldCode::Required));
    } else if t.chars().count() > max || t.chars().any(char::is_control) {
        errors.push(FieldError::new(field, FieldCode::InvalidFormat));
    }
    t.to_owned()
}

/// The provider, if it is registered; 403 `hcp_not_registered` while it is only accepted (the
/// 14 days after acceptance: its staff set up, but it takes part in nothing yet).
pub(crate) fn registered_hcp(
    c: &mut crate::store::DbConn,
    hcp_id: &str,
) -> ApiResult<crate::store::hcps::Hcp> {
    let hcp = crate::store::hcps::find_hcp(c, hcp_id)?
        .ok_or_else(|| ApiError::internal("a principal of a missing hcp"))?;
    if hcp.status == crate::store::hcps::HCP_REGISTERED {
        Ok(hcp)
    } else {
        Err(ApiError::forbidden(ErrorCode::HcpNotRegistered))
    }
}
