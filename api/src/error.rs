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
use ehealth_contracts::{
    ErrorCode, FieldCode, FieldProblem, PROBLEM_CONTENT_TYPE, Problem, SupportedRange,
};

use crate::i18n::{self, Lang, ProblemText};

pub type ApiResult<T> = Result<T, ApiError>;

/// One invalid field: its dotted path and a stable reason code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: FieldCode,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: FieldCode) -> Self {
        Self {
            field: field.into(),
            code,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub fields: Vec<FieldError>,
    pub retry_after: Option<u64>,
    pub www_authenticate: Option<&'static str>,
    /// For `seq_gap`: the seq the server expects next.
    pub expected_seq: Option<i64>,
    /// For 426: the protocol or schema versions the server speaks.
    pub supported: Option<SupportedRange>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode) -> Self {
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
            ..Self::new(StatusCode::CONFLICT, ErrorCode::SeqGap)
        }
    }

    /// 426 with the supported range of protocol or schema versions.
    pub fn upgrade_required(code: ErrorCode, min: i64, max: i64) -> Self {
        Self {
            supported: Some(SupportedRange { min, max }),
            ..Self::new(StatusCode::UPGRADE_REQUIRED, code)
        }
    }

    pub fn validation(fields: Vec<FieldError>) -> Self {
        Self {
            fields,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::ValidationFailed,
            )
        }
    }

    /// 422 `invalid_characters`: the string at `field` holds a NUL, another control character
    /// or a bidirectional override (see `domain::text`).
    pub fn invalid_characters(field: impl Into<String>) -> Self {
        Self {
            fields: vec![FieldError::new(field, FieldCode::InvalidCharacters)],
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidCharacters,
            )
        }
    }

    /// A rule about the request as a whole (422 with its own code).
    pub fn unprocessable(code: ErrorCode) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code)
    }

    pub fn bad_request(code: ErrorCode) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound)
    }

    pub fn conflict(code: ErrorCode) -> Self {
        Self::new(StatusCode::CONFLICT, code)
    }

    pub fn forbidden(code: ErrorCode) -> Self {
        Self::new(StatusCode::FORBIDDEN, code)
    }

    pub fn unauthorized(code: ErrorCode) -> Self {
        Self {
            www_authenticate: Some(if code == ErrorCode::Unauthenticated {
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
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited)
        }
    }

    /// Storage or another dependency cannot be reached right now.
    pub fn unavailable() -> Self {
        Self {
            retry_after: Some(5),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::ServiceUnavailable,
            )
        }
    }

    /// A bug or an unexpected failure; the cause is logged here, never sent.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::InternalError)
    }

    /// The error for a response status that came from outside this type (actix defaults).
    pub fn for_status(status: StatusCode) -> Self {
        let code = match status.as_u16() {
            400 => ErrorCode::BadRequest,
            401 => ErrorCode::Unauthenticated,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            405 => ErrorCode::MethodNotAllowed,
            408 => ErrorCode::RequestTimeout,
            413 => ErrorCode::PayloadTooLarge,
            415 => ErrorCode::UnsupportedMediaType,
            422 => ErrorCode::ValidationFailed,
            429 => ErrorCode::RateLimited,
            503 => ErrorCode::ServiceUnavailable,
            s if s >= 500 => ErrorCode::InternalError,
            _ => ErrorCode::BadRequest,
        };
        Self::new(status, code)
    }

    pub fn to_problem(&self, lang: Lang) -> Problem {
        let text = ProblemText::of(self.code).in_lang(lang);
        Problem {
            type_uri: format!("urn:ehealth:problem:{}", self.code),
            title: text.title.to_owned(),
            status: self.status.as_u16(),
            detail: Some(text.detail.to_owned()),
            code: self.code.as_str().to_owned(),
            errors: self
                .fields
                .iter()
                .map(|f| FieldProblem {
                    field: f.field.clone(),
                    code: f.code.as_str().to_owned(),
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
                Self::conflict(ErrorCode::Conflict)
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
