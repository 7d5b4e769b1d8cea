//! Providers' applicants and their applications, driven over HTTP; email read from a real
//! SMTP server.

use ehealth_api::mail::{self, Mailer};
use ehealth_contracts::{CreateApplicantResponse, SessionTokens};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::smtp::SmtpServer;
use crate::{JsonAs, TestApp, TestPasskey};

/// An applicant signed in, with a confirmed email address.
pub struct ApplicantUser {
    pub applicant_id: String,
    pub email: String,
    pub token: String,
    pub passkey: TestPasskey,
}

impl TestApp {
    /// Sends every email that is due to `smtp`.
    pub async fn deliver_mail(&self, smtp: &SmtpServer) {
        let mut config = self.state.config.clone();
        config.smtp_url = Some(smtp.url.clone());
        let mailer = Mailer::from_config(&config).unwrap_or_else(|e| panic!("{e}"));
        while mail::deliver_due(&self.state, &mailer)
            .await
            .unwrap_or_else(|e| panic!("mail: {e}"))
            > 0
        {}
    }

    /// Signs an applicant up with a passkey and confirms their email with the emailed code.
    pub async fn applicant(&self, smtp: &SmtpServer, email: &str) -> ApplicantUser {
        let (status, body) = self
            .post(
                "/v1/provider-applicants",
                json!({"name": "Chan Tai Man", "email": email}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "sign up: {body}");
        let started: CreateApplicantResponse = body.json_as();
        let mut passkey = TestPasskey::new();
        let credential = passkey.create(started.creation_options);
        let (status, body) = self
            .post(
                &format!("/v1/provider-applicants/{}/complete", started.applicant_id),
                json!({"credential": credential}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "complete: {body}");
        let SessionTokens::Applicant(tokens) = body.json_as() else {
            panic!("not an applicant's tokens: {body}");
        };
        assert!(!tokens.email_confirmed);
        self.deliver_mail(smtp).await;
        let code = latest_code(smtp, email);
        let (status, body) = self
            .call(
                Method::POST,
                "/v1/provider-applicants/me/email-confirmation",
                Some(&tokens.access_token),
                Some(json!({"code": code})),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "confirm: {body}");
        ApplicantUser {
            applicant_id: tokens.applicant_id,
            email: email.to_owned(),
            token: tokens.access_token,
            passkey,
        }
    }

    /// `PUT .../documents/{kind}` with a raw body.
    pub async fn upload_application_document(
        &self,
        token: &str,
        application_id: &str,
        kind: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        let res = self
            .client
            .put(self.url(&format!(
                "/v1/provider-applications/{application_id}/documents/{kind}"
            )))
            .bearer_auth(token)
            .header("Content-Type", content_type)
            .body(bytes)
            .send()
            .await
            .unwrap_or_else(|e| panic!("upload: {e}"));
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

/// The last 6-digit code emailed to `address`.
pub fn latest_code(smtp: &SmtpServer, address: &str) -> String {
    let mails = smtp.to(address);
    let text = mails.last().map(|m| m.text()).unwrap_or_default();
    let at = text
        .find("code is ")
        .unwrap_or_else(|| panic!("no code in {text}"));
    text[at + 8..].chars().take(6).collect()
}

/// Step 1 of a clinic.
pub fn provider_section(name: &str) -> Value {
    json!({"hcp_type": "clinic", "name_en": name, "name_zh": "海港診所",
        "business_registration_number": "12345678-000", "address_en": "1 Harbour Road, Wan Chai",
        "phone": "2345 6789", "email": "clinic@example.com"})
}

/// Step 2: one user administrator (a doctor) and one nurse.
pub fn users_section() -> Value {
    json!({
        "authorised_person": {"name_en": "Chan Tai Man", "position": "Director", "mobile": "9123 4567", "email": "director@example.com"},
        "user_admins": [{"name_en": "DR WONG", "position": "Medical director", "profession": "medical_practitioner",
            "registration_number": "M12345", "mobile": "9234 5678"}],
        "staff": [{"name_en": "NURSE LEE", "position": "Nurse", "profession": "nurse",
            "registration_number": "N54321", "mobile": "9345 6789"}]
    })
}

/// Step 3: one location with Chinese and English addresses.
pub fn locations_section() -> Value {
    json!({"locations": [{"name_en": "Harbour Clinic Wan Chai", "name_zh": "海港診所灣仔",
        "room_floor": "Room 1201, 12/F", "building": "Harbour Centre", "street_en": "25 Harbour Road",
        "street_zh": "港灣道25號", "district": "wan_chai", "phone": "2345 6789"}]})
}
