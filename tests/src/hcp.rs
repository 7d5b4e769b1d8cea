//! Healthcare providers and their staff, enrolled with software passkeys.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{TestApp, TestPasskey};

/// A staff member signed in.
pub struct StaffUser {
    pub staff_id: String,
    pub hcp_id: String,
    pub token: String,
    pub refresh: String,
    pub passkey: TestPasskey,
}

impl TestApp {
    /// Registers an HCP (`public` or `private`) with one location in `district`.
    pub async fn create_hcp(&self, name: &str, sector: &str, district: &str) -> String {
        let (status, body) = self
            .officer(
                Method::POST,
                "/v1/officer/hcps",
                Some(json!({"name_en": name, "name_zh": format!("{name}診所"), "sector": sector,
                    "locations": [{"name_en": format!("{name} main"), "address_en": "1 Queen's Road",
                        "district": district, "phone": "2345 6789"}]})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "create hcp: {body}");
        body["hcp_id"].as_str().unwrap_or_default().to_owned()
    }

    /// Enrols a passkey with an enrolment code; returns the signed-in staff member.
    pub async fn enrol(&self, code: &str) -> StaffUser {
        let (status, started) = self
            .post("/v1/staff/enrolments", json!({"enrolment_code": code}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "start enrolment: {started}");
        let mut passkey = TestPasskey::new();
        let credential = passkey.create(
            serde_json::from_value(started["creation_options"].clone())
                .unwrap_or_else(|e| panic!("{e}")),
        );
        let (status, body) = self
            .post(
                &format!(
                    "/v1/staff/enrolments/{}/complete",
                    started["enrolment_id"].as_str().unwrap_or_default()
                ),
                json!({"credential": credential}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "complete enrolment: {body}");
        assert_eq!(body["principal"], "staff");
        StaffUser {
            staff_id: body["staff_id"].as_str().unwrap_or_default().to_owned(),
            hcp_id: body["hcp_id"].as_str().unwrap_or_default().to_owned(),
            token: body["access_token"].as_str().unwrap_or_default().to_owned(),
            refresh: body["refresh_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            passkey,
        }
    }

    /// The registration office creates a staff member of `hcp_id`, who enrols.
    pub async fn staff(&self, hcp_id: &str, profession: &str, roles: &[&str]) -> StaffUser {
        let (status, body) = self
            .officer(
                Method::POST,
                &format!("/v1/officer/hcps/{hcp_id}/staff"),
                Some(
                    json!({"english_name": format!("DR {profession}"), "profession": profession,
                    "registration_number": "M12345", "roles": roles}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "create staff: {body}");
        self.enrol(body["enrolment_code"].as_str().unwrap_or_default())
            .await
    }

    /// `POST /v1/hcp/patients/{patient}/record-reads` as `staff`.
    pub async fn read_record(
        &self,
        staff: &StaffUser,
        patient: &str,
        categories: Option<&[&str]>,
    ) -> (StatusCode, Value) {
        let mut body = json!({"purpose": "Follow-up consultation", "under_care": true});
        if let Some(c) = categories {
            body["categories"] = json!(c);
        }
        self.call(
            Method::POST,
            &format!("/v1/hcp/patients/{patient}/record-reads"),
            Some(&staff.token),
            Some(body),
        )
        .await
    }

    /// Deposits a record of `category` as `staff`.
    pub async fn deposit(&self, staff: &StaffUser, patient: &str, category: &str) -> Value {
        let (status, body) = self
            .call(
                Method::POST,
                &format!("/v1/hcp/patients/{patient}/records"),
                Some(&staff.token),
                Some(json!({"category": category, "code": "X1", "display": format!("{category} entry"),
                    "value": "ok", "recorded_at": "2026-11-20T10:00:00+08:00"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "deposit: {body}");
        body
    }

    /// Pre-grants consent to `hcp` as `token` for `patient`; returns the consent.
    pub async fn grant(
        &self,
        token: &str,
        patient: &str,
        hcp: &str,
        kind: &str,
    ) -> (StatusCode, Value) {
        self.call(
            Method::POST,
            &format!("/v1/patients/{patient}/consents"),
            Some(token),
            Some(json!({"hcp_id": hcp, "type": kind})),
        )
        .await
    }
}
