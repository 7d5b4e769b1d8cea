//! The registration office's officers, as named on what they decide (verifications, SDM link
//! reviews and endings).

use ehealth_contracts::FieldCode;

use crate::error::{ApiError, ApiResult, FieldError};

/// Who in the registration office acted: the given name (at most 100 characters, no control
/// characters), or `registration_office` when none is given.
pub fn officer_name(raw: Option<&str>) -> ApiResult<String> {
    match raw.map(str::trim) {
        None | Some("") => Ok("registration_office".to_owned()),
        Some(o) if o.chars().count() > 100 || o.chars().any(char::is_control) => Err(
            ApiError::validation(vec![FieldError::new("officer", FieldCode::InvalidFormat)]),
        ),
        Some(o) => Ok(o.to_owned()),
    }
}
