//! Provider onboarding: an applicant's account, the five-step application, the office's
//! review and acceptance (which creates the provider, accepted until its registration is
//! successful 14 days later), and technical assistance in between.

pub mod applicant;
mod apply;
pub mod draft;
pub mod forms;
pub mod review;
pub mod sections;
pub mod view;

use ehealth_contracts::{AssistanceRequestResponse, FieldCode};

use crate::clock::rfc3339_ms;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::store::applications::Assistance;

/// A free-text message (1-2000 characters; lines allowed).
pub(crate) fn message(raw: &str) -> ApiResult<String> {
    let t = raw.trim();
    let code = if t.is_empty() {
        Some(FieldCode::Required)
    } else if t.chars().count() > 2000 || !crate::domain::text::is_clean(t, true) {
        Some(FieldCode::InvalidFormat)
    } else {
        None
    };
    match code {
        Some(code) => Err(ApiError::validation(vec![FieldError::new("message", code)])),
        None => Ok(t.to_owned()),
    }
}

pub(crate) fn assistance_response(
    r: &Assistance,
    reference: Option<String>,
) -> AssistanceRequestResponse {
    AssistanceRequestResponse {
        request_id: r.id.clone(),
        application_id: r.application_id.clone(),
        reference,
        message: r.message.clone(),
        created_at: rfc3339_ms(r.created_at),
        answer: r.answer.clone(),
        answered_at: r.answered_at.map(rfc3339_ms),
        answered_by: r.answered_by.clone(),
    }
}
