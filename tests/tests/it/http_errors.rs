//! Every failure is problem+json with a stable code, never a 500.

use ehealth_contracts::{HealthResponse, Problem};
use ehealth_tests::{Backend, Env, JsonAs, Person, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};

const PROBLEM: &str = "application/problem+json";

async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, String, serde_json::Value) {
    let mut req = app.client.request(method, app.url(path)).body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let res = req.send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = res.status();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = res.json().await.unwrap_or_default();
    (status, ct, body)
}

on_both_backends!(malformed_json_wrong_type_and_oversized_bodies_get_problems);
async fn malformed_json_wrong_type_and_oversized_bodies_get_problems(app: TestApp) {
    let (status, ct, body) = raw(
        &app,
        Method::POST,
        "/v1/registrations",
        Some("application/json"),
        b"{\"identity_document\":".to_vec(),
    )
    .await;
    assert_eq!(
        (status, ct.as_str(), body["code"].as_str()),
        (StatusCode::BAD_REQUEST, PROBLEM, Some("malformed_json"))
    );

    // Bodies are JSON objects: an array (which serde would read as the fields in order) is 422.
    for path in ["/v1/registrations", "/v1/sessions/challenge"] {
        let (status, ct, body) = raw(
            &app,
            Method::POST,
            path,
            Some("application/json"),
            b"[]".to_vec(),
        )
        .await;
        assert_eq!(
            (status, ct.as_str(), body["code"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                PROBLEM,
                Some("validation_failed")
            ),
            "{path}"
        );
    }

    let (status, ct, body) = raw(
        &app,
        Method::POST,
        "/v1/registrations",
        Some("text/plain"),
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(
        (status, ct.as_str(), body["code"].as_str()),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            PROBLEM,
            Some("unsupported_media_type")
        )
    );

    let big = format!("{{\"x\":\"{}\"}}", "a".repeat(300 * 1024)).into_bytes();
    let (status, ct, body) = raw(
        &app,
        Method::POST,
        "/v1/registrations",
        Some("application/json"),
        big,
    )
    .await;
    assert_eq!(
        (status, ct.as_str(), body["code"].as_str()),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            PROBLEM,
            Some("payload_too_large")
        )
    );
    assert_eq!(body["status"], 413);
}

on_both_backends!(unknown_routes_are_404_and_wrong_methods_405);
async fn unknown_routes_are_404_and_wrong_methods_405(app: TestApp) {
    let (status, ct, body) = raw(&app, Method::GET, "/v1/nothing-here", None, Vec::new()).await;
    assert_eq!(
        (status, ct.as_str(), body["code"].as_str()),
        (StatusCode::NOT_FOUND, PROBLEM, Some("not_found"))
    );
    let (status, ct, body) = raw(&app, Method::GET, "/v1/registrations", None, Vec::new()).await;
    assert_eq!(
        (status, ct.as_str(), body["code"].as_str()),
        (
            StatusCode::METHOD_NOT_ALLOWED,
            PROBLEM,
            Some("method_not_allowed")
        )
    );
    let (status, _, _) = raw(&app, Method::PATCH, "/v1/me", None, Vec::new()).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

on_both_backends!(problems_are_translated_for_zh_hk);
async fn problems_are_translated_for_zh_hk(app: TestApp) {
    let res = app
        .client
        .get(app.url("/v1/nothing"))
        .header("Accept-Language", "zh-HK")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        res.headers()
            .get("content-language")
            .and_then(|v| v.to_str().ok()),
        Some("zh-HK")
    );
    let body: serde_json::Value = res.json().await.unwrap_or_default();
    assert_eq!(
        (body["code"].as_str(), body["title"].as_str()),
        (Some("not_found"), Some("找不到"))
    );

    let mut person = Person::adult().registration_body();
    person["phone"] = serde_json::json!("12");
    let res = app
        .client
        .post(app.url("/v1/registrations"))
        .header("Accept-Language", "zh-HK")
        .json(&person)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let body: serde_json::Value = res.json().await.unwrap_or_default();
    assert_eq!(
        body.json_as::<Problem>().errors[0].message,
        "此值格式不正確。"
    );
}

on_both_backends!(health_and_readiness_answer);
async fn health_and_readiness_answer(app: TestApp) {
    let health: HealthResponse = app
        .call_as(StatusCode::OK, Method::GET, "/healthz", None, None)
        .await;
    assert_eq!(health.status, "ok");
    let ready: HealthResponse = app
        .call_as(StatusCode::OK, Method::GET, "/readyz", None, None)
        .await;
    assert_eq!(ready.checks[0].name, "database");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_database_vanishes_requests_get_503_with_retry_after() {
    let env = Env::fresh(Backend::Postgres).unwrap_or_else(|e| panic!("{e}"));
    let app = TestApp::spawn_env(env).await;
    let (tokens, _) = app.register(&Person::adult()).await;
    app.env.drop_database().unwrap_or_else(|e| panic!("{e}"));

    let res = app
        .client
        .get(app.url("/v1/me"))
        .bearer_auth(&tokens.access_token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        res.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("5")
    );
    let body: serde_json::Value = res.json().await.unwrap_or_default();
    assert_eq!(body["code"], "service_unavailable");

    let (status, body) = app.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("unavailable"))
    );
}

#[tokio::test]
async fn an_unknown_database_scheme_is_a_clear_start_up_error() {
    let env = Env::fresh(Backend::Sqlite)
        .unwrap_or_else(|e| panic!("{e}"))
        .set("DATABASE_URL", "mysql://root@localhost/db");
    let err = env
        .config()
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
    assert!(err.contains("unsupported scheme `mysql`"), "{err}");
}

on_both_backends!(every_documented_operation_is_routed);
async fn every_documented_operation_is_routed(app: TestApp) {
    let doc: serde_json::Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_default();
    let committed: serde_json::Value =
        serde_json::from_str(&ehealth_api::openapi::openapi_json()).unwrap_or_default();
    assert_eq!(
        doc, committed,
        "/openapi.json serves the generated document"
    );
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    for (path, item) in paths {
        let concrete = path.replace(['{', '}'], "");
        for method in item
            .as_object()
            .into_iter()
            .flatten()
            .map(|(m, _)| m.to_uppercase())
        {
            let m = Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET);
            let res = app
                .client
                .request(m, app.url(&concrete))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            // Without credentials or body nothing reaches a lookup, so 404/405 mean "not routed".
            assert!(
                res.status() != StatusCode::NOT_FOUND
                    && res.status() != StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is documented but answers {}",
                res.status()
            );
        }
    }
    let docs = app
        .client
        .get(app.url("/docs/"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(docs.status(), StatusCode::OK);
    // The address without the slash leads there.
    let bare = app
        .client
        .get(app.url("/docs"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(bare.status().is_redirection(), "{}", bare.status());
    assert_eq!(
        bare.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/docs/")
    );
}
