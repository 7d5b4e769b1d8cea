//! Families: verified adults acting as substitute decision makers, dependants, documents, and
//! the stored notices and records a client cannot see directly.

use ehealth_contracts::{CreateDependantResponse, SdmLinkStatus, TokenResponse};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{JsonAs, OFFICER_TOKEN, Person, TestApp, TestPasskey};

/// A registered adult whose identity the registration office has verified.
pub async fn verified_adult(app: &TestApp) -> (TokenResponse, TestPasskey) {
    let (tokens, passkey) = app.register(&Person::adult()).await;
    let (status, body) = app.verify(&tokens.patient_id).await;
    assert_eq!(status, StatusCode::OK, "verify: {body}");
    (tokens, passkey)
}

/// A child with a birth certificate.
pub fn child(date_of_birth: &str) -> Person {
    Person {
        doc_type: "hk_birth_cert",
        ..Person::born(date_of_birth)
    }
}

pub fn dependant_body(p: &Person, relationship: &str, incapable: bool) -> Value {
    json!({
        "identity_document": {"type": p.doc_type, "number": p.hkid},
        "english_name": {"surname": "CHAN", "given_names": "SIU MING"},
        "chinese_name": "陳小明",
        "date_of_birth": p.date_of_birth,
        "sex": "F",
        "relationship": relationship,
        "incapable_of_consent": incapable
    })
}

impl TestApp {
    /// `POST /v1/dependants` as `token`.
    pub async fn add_dependant(
        &self,
        token: &str,
        p: &Person,
        relationship: &str,
        incapable: bool,
    ) -> (StatusCode, Value) {
        self.call(
            Method::POST,
            "/v1/dependants",
            Some(token),
            Some(dependant_body(p, relationship, incapable)),
        )
        .await
    }

    /// Registers `p` as `token`'s child (parent link); panics unless it is created active.
    pub async fn add_child(&self, token: &str, p: &Person) -> (String, String) {
        let (status, body) = self.add_dependant(token, p, "parent", false).await;
        assert_eq!(status, StatusCode::CREATED, "add child: {body}");
        let created: CreateDependantResponse = body.json_as();
        assert_eq!(created.link_status, SdmLinkStatus::Active);
        (created.patient_id, created.link_id)
    }

    /// The ids of `patient_id`'s open (pending or active) SDM links, as stored.
    pub async fn open_links_of(&self, patient_id: &str) -> Vec<String> {
        let who = patient_id.to_owned();
        self.state
            .db
            .run(move |c| Ok(ehealth_api::store::family::of_patient(c, &who)?))
            .await
            .unwrap_or_else(|e| panic!("links: {e}"))
            .into_iter()
            .filter(ehealth_api::store::family::Link::is_open)
            .map(|l| l.id.to_string())
            .collect()
    }

    /// `token` joins `p` (already registered) as a further SDM and `approver`, an SDM with
    /// authority, approves; panics unless the join waits for approval and is then active.
    pub async fn join_approved(
        &self,
        token: &str,
        p: &Person,
        relationship: &str,
        approver: &str,
    ) -> String {
        let (status, body) = self.add_dependant(token, p, relationship, false).await;
        assert_eq!(status, StatusCode::CREATED, "join: {body}");
        let joined: CreateDependantResponse = body.json_as();
        assert_eq!(joined.link_status, SdmLinkStatus::PendingApproval, "{body}");
        let (status, body) = self
            .call(
                Method::POST,
                &format!("/v1/sdm-links/{}/approve", joined.link_id),
                Some(approver),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "approve: {body}");
        assert_eq!(body["status"], "active", "{body}");
        joined.link_id
    }

    /// `PUT /v1/sdm-links/{link}/document` with a raw body.
    pub async fn upload_document(
        &self,
        token: &str,
        link_id: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        let res = self
            .client
            .put(self.url(&format!("/v1/sdm-links/{link_id}/document")))
            .bearer_auth(token)
            .header("Content-Type", content_type)
            .body(bytes)
            .send()
            .await
            .unwrap_or_else(|e| panic!("upload: {e}"));
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// An officer call.
    pub async fn officer(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.call(method, path, Some(OFFICER_TOKEN), body).await
    }

    /// Notices queued for `recipient`, as (kind, payload).
    pub async fn notices_for(&self, recipient: &str) -> Vec<(String, Value)> {
        let who = recipient.to_owned();
        self.state
            .db
            .run(move |c| Ok(crate::stored::outbox_for_patient(c, &who)?))
            .await
            .unwrap_or_else(|e| panic!("outbox: {e}"))
            .into_iter()
            .map(|r| {
                (
                    r.kind,
                    serde_json::from_str(&r.payload).unwrap_or(Value::Null),
                )
            })
            .collect()
    }
}

/// A small but well-formed file of each accepted type.
pub fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec()
}

pub fn png() -> Vec<u8> {
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    b.extend_from_slice(b"IHDR");
    b.extend_from_slice(&[0; 17]);
    b.extend_from_slice(&[0, 0, 0, 0]);
    b.extend_from_slice(b"IEND");
    b.extend_from_slice(&[0xAE, 0x42, 0x60, 0x82]);
    b
}

pub fn jpeg() -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
    b.extend_from_slice(b"JFIF\0");
    b.extend_from_slice(&[0; 9]);
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}
