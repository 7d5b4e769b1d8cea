//! The one error type of the API and the one body it becomes.
//!
//! Which error type where:
//! - handlers and services return [`ApiResult`] / [`ApiError`]: a status, a stable snake_case
//!   `code`, and for validation the offending fields. It renders as `application/problem+json`.
//! - diesel and pool errors become `ApiError` in one place (`From<diesel::result::Error>` and
//!   [`ApiError::unavailable`]): not found -> 404, unreachable storage -> 503 with `Retry-After`,
//!   anything else -> 500 with the cause logged (never sent).
//! - start-up and tools use `anyhow` with context.
//!
//! The body is rendered in English here; [`crate::problem_layer`] re-renders it in the
//! request's language and wraps any error that did not come from this type.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use ehealth_contracts::{FieldProblem, PROBLEM_CONTENT_TYPE, Problem, SupportedRange};

use crate::i18n::{self, Lang};

pub type ApiResult<T> = Result<T, ApiError>;

/// One invalid field: its dotted path and a stable reason code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str) -> Self {
        Self {
            field: field.into(),
            code,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub fields: Vec<FieldError>,
    pub retry_after: Option<u64>,
    pub www_authenticate: Option<&'static str>,
    /// For `seq_gap`: the seq the server expects next.
    pub expected_seq: Option<i64>,
    /// For 426: the protocol or schema versions the server speaks.
    pub supported: Option<SupportedRange>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str) -> Self {
        Self {
            status,
            code,
            fields: Vec::new(),
            retry_after: None,
            www_authenticate: None,
            expected_seq: None,
            supported: None,
        }
    }

    /// A sync push skipped a seq: 409 with the seq expected next.
    pub fn seq_gap(expected: i64) -> Self {
        Self {
            expected_seq: Some(expected),
            ..Self::new(StatusCode::CONFLICT, "seq_gap")
        }
    }

    /// 426 with the supported range of protocol or schema versions.
    pub fn upgrade_required(code: &'static str, min: i64, max: i64) -> Self {
        Self {
            supported: Some(SupportedRange { min, max }),
            ..Self::new(StatusCode::UPGRADE_REQUIRED, code)
        }
    }

    pub fn validation(fields: Vec<FieldError>) -> Self {
        Self {
            fields,
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
        }
    }

    /// A rule about the request as a whole (422 with its own code).
    pub fn unprocessable(code: &'static str) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code)
    }

    pub fn bad_request(code: &'static str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found")
    }

    pub fn conflict(code: &'static str) -> Self {
        Self::new(StatusCode::CONFLICT, code)
    }

    pub fn forbidden(code: &'static str) -> Self {
        Self::new(StatusCode::FORBIDDEN, code)
    }

    pub fn unauthorized(code: &'static str) -> Self {
        Self {
            www_authenticate: Some(if code == "unauthenticated" {
                "Bearer"
            } else {
                "Bearer error=\"invalid_token\""
            }),
            ..Self::new(StatusCode::UNAUTHORIZED, code)
        }
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after.max(1)),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited")
        }
    }

    /// Storage or another dependency cannot be reached right now.
    pub fn unavailable() -> Self {
        Self {
            retry_after: Some(5),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "service_unavailable")
        }
    }

    /// A bug or an unexpected failure; the cause is logged here, never sent.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
    }

    /// The error for a response status that came from outside this type (actix defaults).
    pub fn for_status(status: StatusCode) -> Self {
        let code = match status.as_u16() {
            400 => "bad_request",
            401 => "unauthenticated",
            403 => "forbidden",
            404 => "not_found",
            405 => "method_not_allowed",
            408 => "request_timeout",
            413 => "payload_too_large",
            415 => "unsupported_media_type",
            422 => "validation_failed",
            429 => "rate_limited",
            503 => "service_unavailable",
            s if s >= 500 => "internal_error",
            _ => "bad_request",
        };
        Self::new(status, code)
    }

    pub fn to_problem(&self, lang: Lang) -> Problem {
        let (title, detail) = i18n::problem_text(self.code, lang);
        Problem {
            type_uri: format!("urn:ehealth:problem:{}", self.code),
            title: title.to_owned(),
            status: self.status.as_u16(),
            detail: detail.map(str::to_owned),
            code: self.code.to_owned(),
            errors: self
                .fields
                .iter()
                .map(|f| FieldProblem {
                    field: f.field.clone(),
                    code: f.code.to_owned(),
                    message: i18n::field_text(f.code, lang).to_owned(),
                })
                .collect(),
            retry_after_seconds: self.retry_after,
            expected_seq: self.expected_seq,
            supported: self.supported,
        }
    }

    pub fn render(&self, lang: Lang) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
        ));
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if let Some(v) = self.www_authenticate {
            res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static(v)));
        }
        if lang == Lang::ZhHk {
            res.insert_header((header::CONTENT_LANGUAGE, HeaderValue::from_static("zh-HK")));
        }
        let body = serde_json::to_vec(&self.to_problem(lang)).unwrap_or_default();
        let mut res = res.body(body);
        res.extensions_mut().insert(self.clone());
        res
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        self.render(Lang::En)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => Self::not_found(),
            // A concurrent request won a uniqueness race; callers that can name the conflict
            // more precisely map it themselves.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                Self::conflict("conflict")
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
            | Error::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _) => {
                Self::unavailable()
            }
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => Self::unavailable(),
            Error::DatabaseError(_, ref info) if is_busy(info.message()) => Self::unavailable(),
            other => Self::internal(format!("database: {other}")),
        }
    }
}

impl From<r2d2::Error> for ApiError {
    fn from(e: r2d2::Error) -> Self {
        tracing::warn!(error = %e, "database pool unavailable");
        Self::unavailable()
    }
}

/// SQLite reports lock contention past the busy timeout as an ordinary error; it is transient.
/// PostgreSQL's deadlock detector aborting one side is transient too: the client retries.
fn is_busy(message: &str) -> bool {
    message.contains("database is locked")
        || message.contains("database is busy")
        || message.contains("deadlock detected")
}
