//! HTTP hygiene around every request. In: a path or query string whose decoded text breaks the
//! free-text rule (`domain::text`: NUL, other controls, direction overrides) is refused before
//! routing, so no such id or filter reaches storage. Out: no MIME sniffing, no referrer,
//! nothing of ours kept in a shared or browser cache, HSTS when the app's origin is https, and
//! a strict Content-Security-Policy on HTML (the API docs page works under it: it loads only
//! its own scripts and styles). The request log names the path only, never the query string.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

use crate::domain::text;
use crate::error::ApiError;
use crate::state::AppState;

/// Two years, as browsers' preload lists ask.
pub const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Only our own scripts and styles; Swagger UI's inline styles and its data: images allowed.
pub const HTML_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    frame-ancestors 'none'; form-action 'self'";

/// The request line as logged: method, status, path without the query string (which may carry
/// a token or an identity number), and time. `%U` is the path only.
pub const REQUEST_LOG: &str = "%s %{method}xi %U %Dms";

pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let https = req
        .app_data::<actix_web::web::Data<AppState>>()
        .is_some_and(|s| s.config.rp_origin.scheme() == "https");
    let mut res = next.call(req).await?;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    if html {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(HTML_CSP),
        );
    }
    Ok(res)
}

/// 400 `invalid_characters` for a path or query string that decodes to text breaking the rule
/// (the field named is `path` or `query`).
pub async fn clean_url(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let uri = req.uri();
    let bad = [("path", Some(uri.path())), ("query", uri.query())]
        .into_iter()
        .find(|(_, raw)| raw.is_some_and(|r| !decodes_clean(r)))
        .map(|(field, _)| field);
    if let Some(field) = bad {
        let mut error = ApiError::invalid_characters(field);
        error.status = actix_web::http::StatusCode::BAD_REQUEST;
        let (req, _) = req.into_parts();
        return Ok(ServiceResponse::new(
            req,
            error.render(crate::i18n::Lang::En),
        ));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Whether the percent-decoded `raw` is clean text. Bytes that
/// are not UTF-8 are left to the route (they match no id and parse as no filter).
fn decodes_clean(raw: &str) -> bool {
    let decoded: Vec<u8> = percent_encoding::percent_decode_str(raw).collect();
    match std::str::from_utf8(&decoded) {
        Ok(s) => text::is_clean(s, false),
        Err(_) => !decoded.iter().any(|b| *b < 0x20 || *b == 0x7F),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects what actix's request logger writes.
    struct Lines(std::sync::Mutex<Vec<String>>);

    impl log::Log for Lines {
        fn enabled(&self, _: &log::Metadata<'_>) -> bool {
            true
        }
        fn log(&self, record: &log::Record<'_>) {
            if let Ok(mut lines) = self.0.lock() {
                lines.push(record.args().to_string());
            }
        }
        fn flush(&self) {}
    }

    static LINES: Lines = Lines(std::sync::Mutex::new(Vec::new()));

    #[actix_web::test]
    async fn the_request_log_names_the_path_never_the_query_or_credentials() {
        use actix_web::middleware::Logger;
        use actix_web::{App, HttpResponse, test, web};
        let _ = log::set_logger(&LINES);
        log::set_max_level(log::LevelFilter::Info);
        let app = test::init_service(
            App::new()
                .wrap(
                    Logger::new(REQUEST_LOG)
                        .custom_request_replace("method", |req| req.method().to_string()),
                )
                .route("/v1/me", web::get().to(HttpResponse::Ok)),
        )
        .await;
        let req = test::TestRequest::get()
            .uri("/v1/me?access_token=pat_secret123&hkid=A1234563")
            .insert_header(("Authorization", "Bearer pat_secret456"))
            .to_request();
        let _ = test::call_service(&app, req).await;
        let lines = LINES.0.lock().map(|l| l.clone()).unwrap_or_default();
        let line = lines
            .iter()
            .find(|l| l.contains("/v1/me"))
            .unwrap_or_else(|| panic!("no request line in {lines:?}"));
        assert!(line.starts_with("200 GET /v1/me "), "{line}");
        for secret in ["pat_secret", "A1234563", "access_token", "Bearer"] {
            assert!(!line.contains(secret), "{line}");
        }
    }

    #[test]
    fn encoded_controls_and_overrides_are_found_in_urls() {
        assert!(decodes_clean(
            "/v1/patients/0193a1b2-1004-7004-8004-c0ffee000004"
        ));
        assert!(decodes_clean("from=2026-11-01&to=2026-11-30"));
        assert!(decodes_clean("q=%E9%99%B3"));
        assert!(!decodes_clean("/v1/patients/%00"));
        assert!(!decodes_clean("cursor=a%0Ab"));
        assert!(!decodes_clean("x=%E2%80%AE"));
        assert!(!decodes_clean("x=%C2%85"));
    }
}
