//! Patients' accounts as a client makes them: registration with a passkey, sign-in, and the
//! registration office's verification.

use ehealth_contracts::{CreateChallengeResponse, CreateRegistrationResponse, TokenResponse};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::json::JsonAs;
use crate::{OFFICER_TOKEN, Person, TestApp, TestPasskey};

impl TestApp {
    /// Starts a registration for `person`; panics unless it is accepted.
    pub async fn start_registration(&self, person: &Person) -> CreateRegistrationResponse {
        let (status, body) = self
            .post("/v1/registrations", person.registration_body())
            .await;
        assert_eq!(status, StatusCode::CREATED, "start registration: {body}");
        body.json_as()
    }

    /// Registers `person` end to end with a new passkey; returns the tokens and the passkey.
    pub async fn register(&self, person: &Person) -> (TokenResponse, TestPasskey) {
        let started = self.start_registration(person).await;
        let mut passkey = TestPasskey::new();
        let credential = passkey.create(started.creation_options);
        let (status, body) = self
            .post(
                &format!("/v1/registrations/{}/complete", started.registration_id),
                json!({"credential": credential, "device": {"name": "Test phone", "platform": "android"}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "complete registration: {body}");
        (body.json_as(), passkey)
    }

    /// A fresh sign-in challenge's id and options.
    pub async fn challenge(&self) -> (String, webauthn_rs_proto::RequestChallengeResponse) {
        let (status, body) = self.post("/v1/sessions/challenge", json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "challenge: {body}");
        let challenge: CreateChallengeResponse = body.json_as();
        (challenge.challenge_id, challenge.request_options)
    }

    /// Signs in with `passkey`; returns status and body.
    pub async fn sign_in(&self, passkey: &mut TestPasskey) -> (StatusCode, Value) {
        let (challenge_id, options) = self.challenge().await;
        let credential = passkey.assert(options);
        self.post(
            "/v1/sessions",
            json!({"challenge_id": challenge_id, "credential": credential, "device": {"name": "Second phone", "platform": "ios"}}),
        )
        .await
    }

    /// Signs in with `passkey` on a new device; panics unless it is accepted.
    pub async fn sign_in_patient(&self, passkey: &mut TestPasskey) -> TokenResponse {
        let (status, body) = self.sign_in(passkey).await;
        assert_eq!(status, StatusCode::CREATED, "sign in: {body}");
        body.json_as()
    }

    /// Verifies a patient through the registration office, confirming every open SDM link.
    pub async fn verify(&self, patient_id: &str) -> (StatusCode, Value) {
        let open = self.open_links_of(patient_id).await;
        self.verify_confirming(patient_id, &open).await
    }

    /// Verifies a patient, confirming only the SDM links `confirmed`.
    pub async fn verify_confirming(
        &self,
        patient_id: &str,
        confirmed: &[String],
    ) -> (StatusCode, Value) {
        self.call(
            Method::POST,
            &format!("/v1/officer/registrations/{patient_id}/verify"),
            Some(OFFICER_TOKEN),
            Some(json!({"method": "in_person", "reference": "RC-0001",
                "confirmed_link_ids": confirmed})),
        )
        .await
    }
}
