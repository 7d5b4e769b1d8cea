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
                &decide(&joined.link_id, "approve"),
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

/// A minimal PDF (one empty page) with `extra` in its catalog and a correct cross-reference
/// table, as a real viewer (and the server's parser) reads it.
pub fn pdf_with(extra: &str) -> Vec<u8> {
    let objects = [
        format!("<< /Type /Catalog /Pages 2 0 R {extra}>>"),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    out
}

/// `POST /v1/sdm-links/{link}/{verb}`: an SDM's decision on a join (`approve` or `decline`).
pub fn decide(link: &str, verb: &str) -> String {
    format!("/v1/sdm-links/{link}/{verb}")
}

/// A small but well-formed file of each accepted type (the images are 2x2 pixels).
pub fn pdf() -> Vec<u8> {
    pdf_with("")
}

pub fn png() -> Vec<u8> {
    decode64(
        "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGM8ISfHwMDAxMDAwMDAAAANBAEIfXHKZgAAAABJRU5ErkJggg==",
    )
}

pub fn jpeg() -> Vec<u8> {
    decode64(concat!(
        "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/",
        "2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjL/wAARCAACAAIDASIAAhEBAxEB/8QAHwAA",
        "AQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRol",
        "JicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW",
        "19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdh",
        "cRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJma",
        "oqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDkKKKK8U/TD//Z"
    ))
}

fn decode64(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .unwrap_or_else(|e| panic!("fixture: {e}"))
}
