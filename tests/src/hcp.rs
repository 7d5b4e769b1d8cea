//! Healthcare providers and their staff, enrolled with software passkeys.

use ehealth_contracts::{
    CreateStaffResponse, HcpResponse, RecordResponse, SessionTokens, StaffTokenResponse,
    StartEnrolmentResponse,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{JsonAs, TestApp, TestPasskey};

/// A staff member signed in.
pub struct StaffUser {
    pub staff_id: String,
    pub hcp_id: String,
    pub token: String,
    pub refresh: String,
    pub passkey: TestPasskey,
}

impl StaffUser {
    /// Signs in again with the staff member's passkey (e.g. after the token expired).
    pub async fn sign_in_again(&mut self, app: &TestApp) {
        let (status, body) = app.sign_in(&mut self.passkey).await;
        assert_eq!(status, StatusCode::CREATED, "staff sign-in: {body}");
        match body.json_as() {
            SessionTokens::Staff(tokens) => self.token = tokens.access_token,
            other => panic!("a staff passkey signed in as another principal: {other:?}"),
        }
    }
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
        body.json_as::<HcpResponse>().hcp_id
    }

    /// Enrols a passkey with an enrolment code; returns the signed-in staff member.
    pub async fn enrol(&self, code: &str) -> StaffUser {
        let (status, started) = self
            .post("/v1/staff/enrolments", json!({"enrolment_code": code}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "start enrolment: {started}");
        let started: StartEnrolmentResponse = started.json_as();
        let mut passkey = TestPasskey::new();
        let credential = passkey.create(started.creation_options);
        let (status, body) = self
            .post(
                &format!("/v1/staff/enrolments/{}/complete", started.enrolment_id),
                json!({"credential": credential}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "complete enrolment: {body}");
        let tokens: StaffTokenResponse = body.json_as();
        assert_eq!(tokens.principal, "staff");
        StaffUser {
            staff_id: tokens.staff_id,
            hcp_id: tokens.hcp_id,
            token: tokens.access_token,
            refresh: tokens.refresh_token,
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
        self.enrol(&body.json_as::<CreateStaffResponse>().enrolment_code)
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
    pub async fn deposit(
        &self,
        staff: &StaffUser,
        patient: &str,
        category: &str,
    ) -> RecordResponse {
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
        body.json_as()
    }

    /// Brings over a legacy one-year consent of `patient` to `hcp` (as `ehealth import-consents`
    /// does), given on `granted_on` and valid through `valid_until`; returns the import report.
    pub async fn legacy_consent(
        &self,
        patient: &str,
        hcp: &str,
        granted_on: &str,
        valid_until: &str,
    ) -> ehealth_api::services::consent::import::ImportReport {
        use ehealth_api::services::consent::import;
        let (rows, refused) = import::parse(&format!(
            "{}\n{patient},{hcp},{granted_on},{valid_until}\n",
            import::HEADER
        ));
        assert!(refused.is_empty(), "{refused:?}");
        import::import(
            &self.state.db,
            rows,
            self.state.clock.today_hk(),
            self.state.now_ms(),
        )
        .await
        .unwrap_or_else(|e| panic!("import: {e}"))
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
