//! The registration office's named officers, enrolled with software passkeys.

use ehealth_contracts::{
    CreateOfficerResponse, OfficerRole, SessionTokens, StartEnrolmentResponse,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{JsonAs, TestApp, TestPasskey};

/// An officer signed in.
pub struct OfficerUser {
    pub officer_id: String,
    pub token: String,
    pub refresh: String,
    pub passkey: TestPasskey,
}

impl TestApp {
    /// The bootstrap principal creates an officer with `roles`, who enrols a passkey.
    pub async fn new_officer(&self, name: &str, roles: &[&str]) -> OfficerUser {
        let (status, body) = self
            .officer(
                Method::POST,
                "/v1/officer/officers",
                Some(json!({"name": name, "roles": roles})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "create officer: {body}");
        let created: CreateOfficerResponse = body.json_as();
        self.enrol_officer(&created.enrolment_code).await
    }

    /// Enrols an officer's passkey with their enrolment code; returns them signed in.
    pub async fn enrol_officer(&self, code: &str) -> OfficerUser {
        let (status, started) = self
            .post("/v1/officer/enrolments", json!({"enrolment_code": code}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "start enrolment: {started}");
        let started: StartEnrolmentResponse = started.json_as();
        let mut passkey = TestPasskey::new();
        let credential = passkey.create(started.creation_options);
        let (status, body) = self
            .post(
                &format!("/v1/officer/enrolments/{}/complete", started.enrolment_id),
                json!({"credential": credential}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "complete enrolment: {body}");
        let SessionTokens::Officer(tokens) = body.json_as() else {
            panic!("enrolment did not answer an officer's tokens: {body}");
        };
        assert_eq!(tokens.principal, "officer");
        OfficerUser {
            officer_id: tokens.officer_id,
            token: tokens.access_token,
            refresh: tokens.refresh_token,
            passkey,
        }
    }

    /// A call as `officer`.
    pub async fn as_officer(
        &self,
        officer: &OfficerUser,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.call(method, path, Some(&officer.token), body).await
    }
}

/// The roles of `names`, for comparing with an answer.
pub fn roles(names: &[&str]) -> Vec<OfficerRole> {
    names.iter().filter_map(|n| OfficerRole::parse(n)).collect()
}
