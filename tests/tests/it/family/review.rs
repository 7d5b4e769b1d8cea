//! The registration office's review: a pending link grants nothing until the office approves
//! the document it examined; rejection and ending a link.

use ehealth_contracts::{
    CreateDependantResponse, ListDependantsResponse, ListSdmLinksResponse, SdmDocumentResponse,
    SdmLinkResponse, SdmLinkStatus,
};
use ehealth_tests::devices::Device;
use ehealth_tests::family::{child, jpeg, pdf, pdf_with, png, verified_adult};
use ehealth_tests::{JsonAs, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The sha256 of a link's document as the office's queue shows it now.
async fn body_sha(app: &TestApp, link: &str) -> String {
    review_queue(app)
        .await
        .links
        .into_iter()
        .find(|l| l.link_id == link)
        .and_then(|l| l.document)
        .map(|d| d.sha256)
        .unwrap_or_default()
}

/// The links waiting for the office's review.
async fn review_queue(app: &TestApp) -> ListSdmLinksResponse {
    let (status, queue) = app
        .officer(Method::GET, "/v1/officer/sdm-links", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{queue}");
    queue.json_as()
}

/// A link as the office's call answered it.
fn link(body: &serde_json::Value) -> SdmLinkResponse {
    body.json_as()
}

/// `file` with its middle bytes overwritten: the type still shows, the content no longer
/// decodes.
fn damaged(mut file: Vec<u8>) -> Vec<u8> {
    let mid = file.len() / 2;
    for b in &mut file[mid..mid + 8] {
        *b ^= 0xFF;
    }
    file
}

/// A JPEG whose frame header says it is 0 by 0 pixels (JPEG decoders forgive damaged data;
/// no picture of no size decodes).
fn zero_sized(mut file: Vec<u8>) -> Vec<u8> {
    if let Some(sof) = file.windows(2).position(|w| w == [0xFF, 0xC0]) {
        file[sof + 5..sof + 9].fill(0);
    }
    file
}

on_both_backends!(a_pending_link_grants_nothing_until_the_office_approves_its_document);
async fn a_pending_link_grants_nothing_until_the_office_approves_its_document(app: TestApp) {
    let (guardian, _) = verified_adult(&app).await;
    let kid = child("2020-06-01");
    let (status, body) = app
        .add_dependant(&guardian.access_token, &kid, "guardian", false)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let created: CreateDependantResponse = body.json_as();
    assert_eq!(created.link_status, SdmLinkStatus::PendingReview);
    let (child_id, link_id) = (created.patient_id, created.link_id);

    let (status, _) = app
        .get_auth(&format!("/v1/patients/{child_id}"), &guardian.access_token)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let mut phone = Device::signed_in(&guardian);
    let pages = phone.pull_all(&app, 100).await;
    assert!(
        pages[0]
            .scopes
            .added
            .iter()
            .all(|s| s.patient_id != child_id)
    );

    let approve = format!("/v1/officer/sdm-links/{link_id}/approve");
    let (status, body) = app.officer(Method::POST, &approve, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("document_missing"))
    );

    // Types are judged by content: a label alone, or a damaged file, is refused.
    let cases = [
        (
            "application/pdf",
            b"MZ\x90\x00 not a pdf".to_vec(),
            "unsupported_document_type",
        ),
        ("image/jpeg", png(), "document_type_mismatch"),
        (
            "application/pdf",
            pdf()[..20].to_vec(),
            "unsupported_document_type",
        ),
        ("text/plain", pdf(), "unsupported_document_type"),
        // The office opens these files: nothing that acts when opened, nothing that does
        // not decode.
        (
            "application/pdf",
            pdf_with("/OpenAction << /S /JavaScript /JS (app.alert(1)) >> "),
            "document_not_accepted",
        ),
        (
            "application/pdf",
            pdf_with("/Names << /EmbeddedFiles << /Names [] >> >> "),
            "document_not_accepted",
        ),
        ("image/png", damaged(png()), "document_not_accepted"),
        ("image/jpeg", zero_sized(jpeg()), "document_not_accepted"),
    ];
    for (ct, bytes, code) in cases {
        let (status, body) = app
            .upload_document(&guardian.access_token, &link_id, ct, bytes)
            .await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}: {body}");
        assert_eq!(body["code"], code, "{ct}");
    }
    let (status, body) = app
        .upload_document(
            &guardian.access_token,
            &link_id,
            "application/pdf",
            vec![b'%'; 10 * 1024 * 1024 + 1],
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("document_too_large"))
    );
    let (stranger, _) = verified_adult(&app).await;
    let (status, _) = app
        .upload_document(&stranger.access_token, &link_id, "application/pdf", pdf())
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = app
        .upload_document(&guardian.access_token, &link_id, "image/jpeg", jpeg())
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .upload_document(&guardian.access_token, &link_id, "application/pdf", pdf())
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body.json_as::<SdmDocumentResponse>().content_type,
        "application/pdf"
    );

    let pending = review_queue(&app).await.links;
    assert_eq!(pending.len(), 1);
    let document = pending[0]
        .document
        .clone()
        .unwrap_or_else(|| panic!("no document"));
    assert_eq!(document.content_type, "application/pdf");
    let stored = app
        .client
        .get(app.url(&format!("/v1/officer/sdm-links/{link_id}/document")))
        .bearer_auth(ehealth_tests::OFFICER_TOKEN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        stored
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    // Downloaded, never shown inline in the office's browser.
    assert!(
        stored
            .headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("attachment;") && v.ends_with(".pdf\"")),
        "{:?}",
        stored.headers().get("content-disposition")
    );
    let etag = stored
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim_matches('"').to_owned());
    let bytes = stored.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
    assert_eq!(etag.as_deref(), Some(sha256_hex(&bytes).as_str()));
    assert_eq!(bytes, pdf());
    assert_eq!(document.sha256, sha256_hex(&bytes));

    // The officer approves what they examined: a document swapped since is refused.
    let examined = document.sha256;
    let (status, body) = app
        .upload_document(&guardian.access_token, &link_id, "image/png", png())
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .officer(
            Method::POST,
            &approve,
            Some(json!({"document_sha256": examined})),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("document_changed"))
    );
    let current = body_sha(&app, &link_id).await;
    assert_ne!(current, examined);
    let (status, body) = app
        .officer(
            Method::POST,
            &approve,
            Some(json!({"officer": "RO-17", "document_sha256": current})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(link(&body).status, SdmLinkStatus::Active);
    let (status, _) = app
        .get_auth(&format!("/v1/patients/{child_id}"), &guardian.access_token)
        .await;
    assert_eq!(status, StatusCode::OK);
    let pages = phone.pull_all(&app, 100).await;
    assert!(
        pages[0]
            .scopes
            .added
            .iter()
            .any(|s| s.patient_id == child_id)
    );
    let reviewed = app.notices_for(&guardian.patient_id).await;
    assert!(
        reviewed
            .iter()
            .any(|(k, p)| k == "sdm_link_reviewed" && p["status"] == "active")
    );
    let (status, _) = app
        .upload_document(&guardian.access_token, &link_id, "application/pdf", pdf())
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // A rejection needs a reason, and the link still grants nothing.
    let other = child("2021-01-01");
    let (_, body) = app
        .add_dependant(&stranger.access_token, &other, "court_appointee", false)
        .await;
    let reject = format!(
        "/v1/officer/sdm-links/{}/reject",
        body.json_as::<CreateDependantResponse>().link_id
    );
    let (status, _) = app.officer(Method::POST, &reject, Some(json!({}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = app
        .officer(
            Method::POST,
            &reject,
            Some(json!({"reason": "The order names someone else."})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(link(&body).status, SdmLinkStatus::Rejected);
    let list: ListDependantsResponse = app.get_as("/v1/dependants", &stranger.access_token).await;
    let rejected = &list.dependants[0];
    assert_eq!(rejected.link_status, SdmLinkStatus::Rejected);
    assert_eq!(
        rejected.review_reason.as_deref(),
        Some("The order names someone else.")
    );
    assert!(!rejected.authority);
    // A link that grants nothing shows nothing of the registered person.
    assert_eq!(rejected.english_name, None);
    assert_eq!(rejected.date_of_birth, None);
    assert_eq!(rejected.identity_document, None);
    assert_eq!(rejected.patient_status, None);
    assert_eq!(rejected.has_own_account, None);

    // The office can end any link; the SDM loses the dependant at once.
    let end = format!("/v1/officer/sdm-links/{link_id}/end");
    let (status, _) = app.officer(Method::POST, &end, Some(json!({}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = app
        .officer(
            Method::POST,
            &end,
            Some(json!({"reason": "Guardianship order revoked."})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ended = link(&body);
    assert_eq!(ended.ended_reason.as_deref(), Some("ended_by_office"));
    assert_eq!(
        ended.ended_detail.as_deref(),
        Some("Guardianship order revoked.")
    );
    // The guardian reads the stated reason in the app; the push carries only its kind (free
    // text stays off push services).
    let list: ListDependantsResponse = app.get_as("/v1/dependants", &guardian.access_token).await;
    let ended = list
        .dependants
        .iter()
        .find(|d| d.link_id == link_id)
        .unwrap_or_else(|| panic!("the ended link is not listed"));
    assert_eq!(
        (ended.ended_reason.as_deref(), ended.ended_detail.as_deref()),
        (Some("ended_by_office"), Some("Guardianship order revoked."))
    );
    let notices = app.notices_for(&guardian.patient_id).await;
    let pushed = notices
        .iter()
        .find(|(k, _)| k == "sdm_link_ended")
        .map(|(_, p)| p.clone())
        .unwrap_or_default();
    assert_eq!(pushed["reason"], "ended_by_office");
    assert!(pushed.get("detail").is_none(), "{pushed}");
    let (status, _) = app
        .get_auth(&format!("/v1/patients/{child_id}"), &guardian.access_token)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let pages = phone.pull_all(&app, 100).await;
    assert_eq!(pages[0].scopes.removed[0].reason, "ended_by_office");
    let (status, _) = app
        .officer(Method::POST, &end, Some(json!({"reason": "again"})))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}
