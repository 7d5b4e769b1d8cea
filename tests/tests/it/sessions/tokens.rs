//! Access and refresh tokens: rotation, reuse detection, lifetimes and sign-out.

use chrono::Duration;
use ehealth_contracts::TokenResponse;
use ehealth_tests::{JsonAs, Person, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(refresh_rotates_the_pair_and_a_reused_refresh_token_ends_the_session);
async fn refresh_rotates_the_pair_and_a_reused_refresh_token_ends_the_session(app: TestApp) {
    let (first, _) = app.register(&Person::adult()).await;
    let (status, second) = app
        .post(
            "/v1/sessions/refresh",
            json!({"refresh_token": first.refresh_token}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let second: TokenResponse = second.json_as();
    let second_access = second.access_token;
    assert_ne!(second_access, first.access_token);
    assert_eq!(
        app.get_auth("/v1/me", &first.access_token).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get_auth("/v1/me", &second_access).await.0,
        StatusCode::OK
    );

    // The old refresh token comes back (stolen?): the whole session ends.
    let (status, problem) = app
        .post(
            "/v1/sessions/refresh",
            json!({"refresh_token": first.refresh_token}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("refresh_token_reused"))
    );
    assert_eq!(
        app.get_auth("/v1/me", &second_access).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = app
        .post(
            "/v1/sessions/refresh",
            json!({"refresh_token": second.refresh_token}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

on_both_backends!(an_access_token_lasts_fifteen_minutes_and_a_refresh_token_thirty_days);
async fn an_access_token_lasts_fifteen_minutes_and_a_refresh_token_thirty_days(app: TestApp) {
    let (tokens, _) = app.register(&Person::adult()).await;
    app.clock
        .advance(Duration::minutes(15) - Duration::seconds(1));
    assert_eq!(
        app.get_auth("/v1/me", &tokens.access_token).await.0,
        StatusCode::OK
    );
    app.clock.advance(Duration::seconds(1));
    let (status, problem) = app.get_auth("/v1/me", &tokens.access_token).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_token"))
    );
    let (status, refreshed) = app
        .post(
            "/v1/sessions/refresh",
            json!({"refresh_token": tokens.refresh_token}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let refreshed: TokenResponse = refreshed.json_as();
    app.clock.advance(Duration::days(30));
    let (status, _) = app
        .post(
            "/v1/sessions/refresh",
            json!({"refresh_token": refreshed.refresh_token}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

on_both_backends!(signing_out_ends_the_session_at_once);
async fn signing_out_ends_the_session_at_once(app: TestApp) {
    let (tokens, _) = app.register(&Person::adult()).await;
    let (status, _) = app
        .call(
            Method::DELETE,
            "/v1/sessions/current",
            Some(&tokens.access_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get_auth("/v1/me", &tokens.access_token).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = app
        .post(
            "/v1/sessions/refresh",
            json!({"refresh_token": tokens.refresh_token}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

on_both_backends!(requests_without_a_valid_token_are_refused);
async fn requests_without_a_valid_token_are_refused(app: TestApp) {
    let (status, problem) = app.call(Method::GET, "/v1/me", None, None).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
    );
    let (status, problem) = app.get_auth("/v1/me", "at_forged").await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_token"))
    );
    // A refresh token is not an access token.
    let (tokens, _) = app.register(&Person::adult()).await;
    assert_eq!(
        app.get_auth("/v1/me", &tokens.refresh_token).await.0,
        StatusCode::UNAUTHORIZED
    );
}
