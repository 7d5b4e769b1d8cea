//! `ApiJson<T>`: a JSON body extractor whose every failure is a problem+json error.
//!
//! Wrong content type -> 415; body over the limit -> 413; not JSON -> 400 `malformed_json`;
//! JSON of the wrong shape -> 422 `validation_failed` naming the field (via
//! serde_path_to_error), so apps can point at it.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest, web};
use ehealth_contracts::{ErrorCode, FieldCode};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

/// Maximum body size in bytes, set once in app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

pub struct ApiJson<T>(pub T);

/// [`ApiJson`] for a sync push: the envelope follows the free-text rule, but a bad string
/// inside one mutation's `set` refuses only that mutation (its seq is consumed), so one bad
/// note never blocks the device's queue.
pub struct SyncJson<T>(pub T);

/// Like [`ApiJson`], but an empty body (with or without a content type) means `T::default()`,
/// for bodies that are optional, such as the empty `{}` of a sign-in challenge.
pub struct ApiJsonOrEmpty<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_json(req, payload, false);
        Box::pin(async move {
            let body = mark_lone_surrogates(body.await?);
            object(&body)?;
            clean_text(&body)?;
            parse(&body).map(ApiJson)
        })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for SyncJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_json(req, payload, false);
        Box::pin(async move {
            let body = mark_lone_surrogates(body.await?);
            object(&body)?;
            clean_text_except(&body, &is_mutation_set)?;
            parse(&body).map(SyncJson)
        })
    }
}

impl<T: DeserializeOwned + Default + 'static> FromRequest for ApiJsonOrEmpty<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_json(req, payload, true);
        Box::pin(async move {
            let body = mark_lone_surrogates(body.await?);
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(ApiJsonOrEmpty(T::default()));
            }
            object(&body)?;
            clean_text(&body)?;
            parse(&body).map(ApiJsonOrEmpty)
        })
    }
}

/// Reads a JSON body within the configured limit. With `empty_ok`, a body without a content
/// type is accepted as long as it turns out empty.
fn read_json(
    req: &HttpRequest,
    payload: &mut Payload,
    empty_ok: bool,
) -> LocalBoxFuture<'static, Result<web::BytesMut, ApiError>> {
    let limit = req
        .app_data::<web::Data<BodyLimit>>()
        .map(|l| l.0)
        .unwrap_or(256 * 1024);
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    let is_json = content_type.as_deref().is_some_and(|m| {
        m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
    });
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let mut payload = payload.take();
    Box::pin(async move {
        let untyped_but_allowed = empty_ok && content_type.is_none();
        if !is_json && !untyped_but_allowed {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
            ));
        }
        if declared.is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|_| ApiError::bad_request(ErrorCode::BadRequest))?;
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        if untyped_but_allowed && !body.is_empty() {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
            ));
        }
        Ok(body)
    })
}

fn too_large() -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge)
}

/// Every request body of this API is a JSON object. (serde would also read a struct from an
/// array of its fields in order; that is refused here.) Malformed JSON stays 400.
fn object(body: &[u8]) -> Result<(), ApiError> {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Ok(()),
        _ if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() => Err(
            ApiError::validation(vec![FieldError::new("", FieldCode::InvalidType)]),
        ),
        _ => Err(ApiError::bad_request(ErrorCode::MalformedJson)),
    }
}

/// Refuses a body with a string that breaks the free-text rule (`domain::text`), naming it.
/// Only a body that could hold one (an escape, or the UTF-8 of a C1 control or a bidi control)
/// is read into a tree to look: the common body costs one byte scan.
pub fn clean_text(body: &[u8]) -> Result<(), ApiError> {
    clean_text_except(body, &|_| false)
}

fn clean_text_except(body: &[u8], skip: &dyn Fn(&str) -> bool) -> Result<(), ApiError> {
    if !may_hold_bad_text(body) {
        return Ok(());
    }
    let Ok(tree) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Ok(()); // malformed: `parse` says so
    };
    match crate::domain::text::first_bad_except(&tree, skip) {
        Some(field) => Err(ApiError::invalid_characters(field)),
        None => Ok(()),
    }
}

/// A lone surrogate escape (`\ud800` not paired with a low surrogate, or a low one alone) is
/// text no string can hold, so serde refuses the whole body; for a sync push that would stick
/// the device's queue behind one bad note. It is marked as a NUL escape instead, which the
/// free-text rule then refuses in its own field (or mutation), like any other bad character.
fn mark_lone_surrogates(mut body: web::BytesMut) -> web::BytesMut {
    let unit = |b: &[u8], at: usize| -> Option<u16> {
        let esc = b.get(at..at + 6)?;
        if esc[0] != b'\\' || esc[1] != b'u' {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(&esc[2..]).ok()?, 16).ok()
    };
    let mut i = 0;
    while i < body.len() {
        if body[i] != b'\\' {
            i += 1;
            continue;
        }
        match unit(&body, i) {
            Some(0xD800..=0xDBFF)
                if unit(&body, i + 6).is_some_and(|low| (0xDC00..=0xDFFF).contains(&low)) =>
            {
                i += 12;
            }
            Some(0xD800..=0xDFFF) => {
                body[i + 2..i + 6].copy_from_slice(b"0000");
                i += 6;
            }
            // Any other escape (`\\` included): the backslash and the escaped byte.
            _ => i += 2,
        }
    }
    body
}

/// `mutations[<i>].set`: checked per mutation by the push itself.
fn is_mutation_set(path: &str) -> bool {
    path.strip_prefix("mutations[")
        .and_then(|rest| rest.strip_suffix("].set"))
        .is_some_and(|i| i.bytes().all(|b| b.is_ascii_digit()))
}

fn may_hold_bad_text(body: &[u8]) -> bool {
    body.windows(2).any(|w| {
        matches!(w, [b'\\', b'u' | b'n' | b't' | b'r' | b'b' | b'f'])
            // C1 controls (U+0080..U+009F) and the bidi controls' lead bytes (U+202A.., U+2066..)
            || matches!(w, [0xC2, 0x80..=0x9F] | [0xE2, 0x80 | 0x81])
    })
}

/// Deserialises `body`, mapping serde's failure to 400 (syntax) or 422 (shape, with the field).
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // Fast path: plain serde. Only a failing body is read again, tracking the path, to name
    // the field (tracking costs time on every element of large sync batches).
    if let Ok(v) = serde_json::from_slice(body) {
        return Ok(v);
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => v,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            return Err(match inner.classify() {
                serde_json::error::Category::Data => {
                    ApiError::validation(vec![field_error(&path, &inner.to_string())])
                }
                _ => ApiError::bad_request(ErrorCode::MalformedJson),
            });
        }
    };
    de.end()
        .map_err(|_| ApiError::bad_request(ErrorCode::MalformedJson))?;
    Ok(value)
}

fn field_error(path: &str, message: &str) -> FieldError {
    let base = if path == "." { "" } else { path };
    let join = |name: &str| {
        if base.is_empty() {
            name.to_owned()
        } else {
            format!("{base}.{name}")
        }
    };
    if let Some(name) = backticked_after(message, "missing field `") {
        return FieldError::new(join(name), FieldCode::Required);
    }
    if let Some(name) = backticked_after(message, "unknown field `") {
        return FieldError::new(join(name), FieldCode::UnknownField);
    }
    let code = if message.starts_with("unknown variant") {
        FieldCode::InvalidValue
    } else if message.starts_with("invalid type") {
        FieldCode::InvalidType
    } else if message.starts_with("invalid length") {
        FieldCode::OutOfRange
    } else {
        FieldCode::InvalidValue
    };
    FieldError::new(if base.is_empty() { "body" } else { base }, code)
}

fn backticked_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    message
        .strip_prefix(prefix)
        .and_then(|rest| rest.split('`').next())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogate_escapes_become_nul_escapes_and_nothing_else_changes() {
        let mark = |s: &str| {
            String::from_utf8(mark_lone_surrogates(web::BytesMut::from(s)).to_vec())
                .unwrap_or_default()
        };
        assert_eq!(mark(r#"{"a":"x\ud800y"}"#), r#"{"a":"x\u0000y"}"#);
        assert_eq!(mark(r#"{"a":"\udc00"}"#), r#"{"a":"\u0000"}"#);
        assert_eq!(mark(r#"{"a":"\ud83d\ude00"}"#), r#"{"a":"\ud83d\ude00"}"#);
        assert_eq!(mark(r#"{"a":"\\ud800"}"#), r#"{"a":"\\ud800"}"#);
        assert_eq!(mark(r#"{"a":"\ud800\u0041"}"#), r#"{"a":"\u0000\u0041"}"#);
    }
    use serde::Deserialize;

    #[allow(dead_code)]
    #[derive(Debug, Deserialize)]
    struct Name {
        surname: String,
    }

    #[allow(dead_code)]
    #[derive(Debug, Deserialize)]
    struct Body {
        english_name: Name,
        sex: Sex,
    }

    #[derive(Debug, Deserialize)]
    enum Sex {
        M,
    }

    fn fields(r: Result<Body, ApiError>) -> Vec<(String, &'static str)> {
        r.err()
            .map(|e| {
                e.fields
                    .into_iter()
                    .map(|f| (f.field, f.code.as_str()))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn a_missing_nested_field_is_named() {
        let r = parse::<Body>(br#"{"english_name":{},"sex":"M"}"#);
        assert_eq!(
            fields(r),
            vec![("english_name.surname".to_owned(), "required")]
        );
    }

    #[test]
    fn a_wrong_enum_value_is_named() {
        let r = parse::<Body>(br#"{"english_name":{"surname":"A"},"sex":"Q"}"#);
        assert_eq!(fields(r), vec![("sex".to_owned(), "invalid_value")]);
    }

    #[test]
    fn broken_json_and_trailing_garbage_are_malformed() {
        for body in [
            &b"{"[..],
            br#"{"english_name":{"surname":"A"},"sex":"M"} x"#,
            b"nope",
        ] {
            let e = parse::<Body>(body).err().map(|e| e.code.as_str());
            assert_eq!(e, Some("malformed_json"));
        }
    }
}
