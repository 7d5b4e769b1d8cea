//! Putting people, a clinic, its doctor and its system on the server: passkey sign-ups and
//! sign-ins, and the registration office's calls. The story and the token bins share them.

use ehealth_contracts::{
    CreateChallengeResponse, CreateRegistrationResponse, CreateStaffResponse, HcpResponse,
    HcpSystemCredentials, StaffTokenResponse, StartEnrolmentResponse, SystemTokenResponse,
    TokenResponse, VerifyPatientResponse,
};
use reqwest::Method;
use serde_json::json;

use super::Demo;
use crate::{Person, TestPasskey};

impl Demo {
    /// Registers a new adult with a software passkey on a device called `device`; returns the
    /// token response and the passkey.
    pub async fn register(&self, device: &str) -> anyhow::Result<(TokenResponse, TestPasskey)> {
        let person = Person::adult();
        let started: CreateRegistrationResponse = self
            .expect(
                201,
                Method::POST,
                "/v1/registrations",
                None,
                Some(person.registration_body()),
            )
            .await?;
        let mut passkey = self.passkey();
        let credential = passkey.create(started.creation_options);
        let tokens = self
            .expect(
                201,
                Method::POST,
                &format!("/v1/registrations/{}/complete", started.registration_id),
                None,
                Some(json!({"credential": credential, "device": {"name": device, "platform": "android"}})),
            )
            .await?;
        Ok((tokens, passkey))
    }

    /// Signs in with `passkey` on a new device called `device`; returns its token response.
    pub async fn sign_in(
        &self,
        passkey: &mut TestPasskey,
        device: &str,
    ) -> anyhow::Result<TokenResponse> {
        let challenge: CreateChallengeResponse = self
            .expect(
                201,
                Method::POST,
                "/v1/sessions/challenge",
                None,
                Some(json!({})),
            )
            .await?;
        let assertion = passkey.assert(challenge.request_options);
        self.expect(
            201,
            Method::POST,
            "/v1/sessions",
            None,
            Some(
                json!({"challenge_id": challenge.challenge_id, "credential": assertion,
                    "device": {"name": device, "platform": "ios"}}),
            ),
        )
        .await
    }

    /// The registration office verifies a patient's identity in person, confirming the SDM
    /// links the documents showed.
    pub async fn verify(
        &self,
        patient_id: &str,
        reference: &str,
        confirmed_links: &[&str],
    ) -> anyhow::Result<VerifyPatientResponse> {
        self.officer(
            &format!("/v1/officer/registrations/{patient_id}/verify"),
            json!({"method": "in_person", "reference": reference,
                "confirmed_link_ids": confirmed_links}),
        )
        .await
    }

    /// Puts a private clinic on the register (the registration office); returns its `hcp_id`.
    pub async fn clinic(&self) -> anyhow::Result<String> {
        let hcp: HcpResponse = self
            .officer(
                "/v1/officer/hcps",
                json!({"name_en": "Harbour Family Clinic", "name_zh": "海港家庭診所", "sector": "private",
                    "locations": [{"name_en": "Main clinic", "address_en": "1 Queen's Road Central",
                        "district": "central_and_western", "phone": "2345 6789"}]}),
            )
            .await?;
        Ok(hcp.hcp_id)
    }

    /// Adds Dr Wong with `roles` to the clinic and enrols a software passkey for them; returns
    /// the staff token response.
    pub async fn enrol_doctor(
        &self,
        hcp_id: &str,
        roles: &[&str],
    ) -> anyhow::Result<StaffTokenResponse> {
        let staff: CreateStaffResponse = self
            .officer(
                &format!("/v1/officer/hcps/{hcp_id}/staff"),
                json!({"english_name": "DR WONG KA YAN", "profession": "medical_practitioner",
                    "registration_number": "M12345", "roles": roles}),
            )
            .await?;
        let enrolment: StartEnrolmentResponse = self
            .expect(
                201,
                Method::POST,
                "/v1/staff/enrolments",
                None,
                Some(json!({"enrolment_code": staff.enrolment_code})),
            )
            .await?;
        let mut doctor_key = self.passkey();
        let credential = doctor_key.create(enrolment.creation_options);
        self.expect(
            201,
            Method::POST,
            &format!("/v1/staff/enrolments/{}/complete", enrolment.enrolment_id),
            None,
            Some(json!({"credential": credential})),
        )
        .await
    }

    /// Registers a system of the clinic (its EMR) and takes a token with the
    /// client-credentials grant; returns the token response.
    pub async fn system_token(&self, hcp_id: &str) -> anyhow::Result<SystemTokenResponse> {
        let system: HcpSystemCredentials = self
            .officer(
                &format!("/v1/officer/hcps/{hcp_id}/systems"),
                json!({"name": "Clinic EMR"}),
            )
            .await?;
        self.expect(
            201,
            Method::POST,
            "/v1/hcp/system-tokens",
            None,
            Some(
                json!({"grant_type": "client_credentials", "client_id": system.client_id,
                "client_secret": system.client_secret}),
            ),
        )
        .await
    }
}
