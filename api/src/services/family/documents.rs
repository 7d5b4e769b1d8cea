//! Supporting documents for links that need review, and the registration office's review.

use actix_web::http::StatusCode;
use ehealth_contracts::{
    ErrorCode, FieldCode, ListSdmLinksResponse, ReviewSdmLinkRequest, SdmDocumentMeta,
    SdmDocumentResponse, SdmLinkResponse, SdmLinkStatus,
};
use sha2::{Digest, Sha256};

use super::concerned;
use crate::clock::rfc3339_ms;
use crate::domain::authority::{ENDED_BY_OFFICE, basis_of, relationship_of, status_of};
use crate::domain::ids::LinkId;
use crate::domain::notices;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::PatientSession;
use crate::state::AppState;
use crate::store::family::{self, Document, Link};
use crate::store::outbox::OutboxRow;
use crate::store::{self, DbConn};

pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;
pub const PDF: &str = "application/pdf";
pub const JPEG: &str = "image/jpeg";
pub const PNG: &str = "image/png";

/// The document type the bytes really are: the signature at the start and the end marker of
/// each format (a renamed or truncated file is not accepted).
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    let trimmed = {
        let end = bytes
            .iter()
            .rposition(|b| !matches!(b, 0 | b'\r' | b'\n' | b' ' | b'\t'))
            .map_or(0, |i| i + 1);
        &bytes[..end]
    };
    if bytes.starts_with(b"%PDF-") && tail.windows(5).any(|w| w == b"%%EOF") {
        Some(PDF)
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A])
        && bytes.get(12..16) == Some(b"IHDR")
        && trimmed.ends_with(&[b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82])
    {
        Some(PNG)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) && trimmed.ends_with(&[0xFF, 0xD9]) {
        Some(JPEG)
    } else {
        None
    }
}

fn unsupported(code: ErrorCode) -> ApiError {
    ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, code)
}

/// Checks the declared type (if any) against the content.
pub fn check_type(declared: Option<&str>, bytes: &[u8]) -> ApiResult<&'static str> {
    let declared = declared
        .map(|d| {
            d.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|d| !d.is_empty() && d != "application/octet-stream");
    if let Some(d) = &declared
        && ![PDF, JPEG, PNG].contains(&d.as_str())
    {
        return Err(unsupported(ErrorCode::UnsupportedDocumentType));
    }
    let actual = sniff(bytes).ok_or_else(|| unsupported(ErrorCode::UnsupportedDocumentType))?;
    match declared {
        Some(d) if d != actual => Err(unsupported(ErrorCode::DocumentTypeMismatch)),
        _ => Ok(actual),
    }
}

/// The content type of a document we accept: a PDF, JPEG or PNG by its content, matching
/// what was declared, that parses cleanly (415 otherwise).
pub async fn accepted_document(declared: Option<&str>, bytes: &[u8]) -> ApiResult<&'static str> {
    let content_type = check_type(declared, bytes)?;
    // Parsing a 10 MB file is CPU work: off the async workers.
    let inspected = bytes.to_vec();
    let refused = tokio::task::spawn_blocking(move || {
        crate::domain::document::refusal(content_type, &inspected)
    })
    .await
    .map_err(ApiError::internal)?;
    if let Some(why) = refused {
        tracing::info!(why, "document not accepted");
        return Err(unsupported(ErrorCode::DocumentNotAccepted));
    }
    Ok(content_type)
}

pub async fn upload(
    state: &AppState,
    who: &PatientSession,
    link_id: &LinkId,
    declared: Option<String>,
    bytes: Vec<u8>,
) -> ApiResult<SdmDocumentResponse> {
    let content_type = accepted_document(declared.as_deref(), &bytes).await?;
    let now = state.now_ms();
    let doc = Document {
        link_id: link_id.clone(),
        content_type: content_type.to_owned(),
        size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sha256: crate::crypto::hex(&Sha256::digest(&bytes)),
        content: bytes,
        uploaded_at: now,
    };
    let actor = who.patient_id.clone();
    let response = SdmDocumentResponse {
        link_id: doc.link_id.to_string(),
        content_type: doc.content_type.clone(),
        size_bytes: doc.size_bytes,
        sha256: doc.sha256.clone(),
        uploaded_at: rfc3339_ms(now),
    };
    state
        .db
        .transaction(move |c| {
            family::find(c, &doc.link_id)?
                .filter(|l| l.sdm_patient_id == actor)
                .ok_or_else(ApiError::not_found)?;
            if !family::lock_pending(c, &doc.link_id)? {
                return Err(ApiError::conflict(ErrorCode::SdmLinkNotPending));
            }
            family::put_document(c, &doc)?;
            Ok(())
        })
        .await?;
    tracing::info!(%link_id, size = response.size_bytes, "sdm document stored");
    Ok(response)
}

pub fn link_response(c: &mut DbConn, link: &Link) -> ApiResult<SdmLinkResponse> {
    Ok(SdmLinkResponse {
        link_id: link.id.to_string(),
        patient_id: link.patient_id.to_string(),
        sdm_patient_id: link.sdm_patient_id.to_string(),
        relationship: relationship_of(link)?,
        basis: basis_of(link),
        priority: link.priority,
        status: status_of(link)?,
        created_at: rfc3339_ms(link.created_at),
        document: family::document_meta(c, &link.id)?.map(|(content_type, size_bytes, sha256)| {
            SdmDocumentMeta {
                content_type,
                size_bytes,
                sha256,
            }
        }),
        review_reason: link.review_reason.clone(),
        ended_reason: link.ended_reason.clone(),
        ended_detail: link.ended_detail.clone(),
    })
}

/// Links waiting for review, oldest first.
pub async fn pending(state: &AppState) -> ApiResult<ListSdmLinksResponse> {
    state
        .db
        .run(|c| {
            let links = family::pending(c, 200)?;
            let links = links
                .iter()
                .map(|l| link_response(c, l))
                .collect::<ApiResult<Vec<_>>>()?;
            Ok(ListSdmLinksResponse { links })
        })
        .await
}

/// The document's content type, bytes and SHA-256 (from the same row), for the officer to
/// look at and then approve by that hash.
pub async fn document(state: &AppState, link_id: &LinkId) -> ApiResult<(String, Vec<u8>, String)> {
    let id = link_id.to_owned();
    state
        .db
        .run(move |c| Ok(family::document(c, &id)?))
        .await?
        .map(|d| (d.content_type, d.content, d.sha256))
        .ok_or_else(ApiError::not_found)
}

/// A decision's reason: trimmed, at most 500 characters, required when `required`.
fn checked_reason(raw: Option<&str>, required: bool) -> ApiResult<Option<String>> {
    let reason = raw.map(str::trim).filter(|r| !r.is_empty());
    match reason {
        None if required => Err(ApiError::validation(vec![FieldError::new(
            "reason",
            FieldCode::Required,
        )])),
        Some(r) if r.chars().count() > 500 || r.chars().any(|c| c.is_control() && c != '\n') => {
            Err(ApiError::validation(vec![FieldError::new(
                "reason",
                FieldCode::InvalidFormat,
            )]))
        }
        r => Ok(r.map(str::to_owned)),
    }
}

/// Approves (`approve = true`) or rejects a pending link; the SDM is notified either way.
pub async fn review(
    state: &AppState,
    decided_by: &str,
    link_id: &LinkId,
    approve: bool,
    req: ReviewSdmLinkRequest,
) -> ApiResult<SdmLinkResponse> {
    let officer = decided_by.to_owned();
    let reason = checked_reason(req.reason.as_deref(), !approve)?;
    let seen = req
        .document_sha256
        .as_deref()
        .map(|h| h.trim().to_ascii_lowercase());
    let id = link_id.to_owned();
    let now = state.now_ms();
    let response = state
        .db
        .transaction(move |c| {
            let link = family::find(c, &id)?.ok_or_else(ApiError::not_found)?;
            if !family::lock_pending(c, &id)? {
                return Err(ApiError::conflict(ErrorCode::SdmLinkNotPending));
            }
            if approve {
                let (_, _, stored) = family::document_meta(c, &id)?
                    .ok_or_else(|| ApiError::conflict(ErrorCode::DocumentMissing))?;
                if seen.as_ref().is_some_and(|s| *s != stored) {
                    return Err(ApiError::conflict(ErrorCode::DocumentChanged));
                }
            }
            let status = if approve {
                SdmLinkStatus::Active
            } else {
                SdmLinkStatus::Rejected
            };
            if !family::review(c, &id, status, &officer, reason.as_deref(), now)? {
                return Err(ApiError::conflict(ErrorCode::SdmLinkNotPending));
            }
            let payload = notices::sdm_link_reviewed(&link.patient_id, &id, status);
            store::outbox::enqueue(
                c,
                &OutboxRow::notice(&link.sdm_patient_id, payload.clone(), now)?,
            )?;
            if approve {
                // The person and their other SDMs hear that someone new may act for them.
                for to in concerned(c, &link.patient_id, &link.sdm_patient_id)? {
                    store::outbox::enqueue(c, &OutboxRow::notice(&to, payload.clone(), now)?)?;
                }
            }
            let link = family::find(c, &id)?.ok_or_else(ApiError::not_found)?;
            link_response(c, &link)
        })
        .await?;
    tracing::info!(%link_id, approve, "sdm link reviewed");
    Ok(response)
}

/// The registration office ends a link (e.g. a custody dispute between SDMs of equal priority,
/// or a link obtained wrongly), with a reason; the SDM and the others concerned are told.
pub async fn end_by_office(
    state: &AppState,
    decided_by: &str,
    link_id: &LinkId,
    req: ReviewSdmLinkRequest,
) -> ApiResult<SdmLinkResponse> {
    let officer = decided_by.to_owned();
    let reason = checked_reason(req.reason.as_deref(), true)?;
    let id = link_id.to_owned();
    let now = state.now_ms();
    let response = state
        .db
        .transaction(move |c| {
            let link = family::find(c, &id)?.ok_or_else(ApiError::not_found)?;
            if !end_for_office(c, &link, &officer, reason.as_deref(), now)? {
                return Err(ApiError::conflict(ErrorCode::SdmLinkClosed));
            }
            let payload = notices::sdm_link_ended(&link.patient_id, &id, ENDED_BY_OFFICE);
            for to in concerned(c, &link.patient_id, &link.sdm_patient_id)? {
                store::outbox::enqueue(c, &OutboxRow::notice(&to, payload.clone(), now)?)?;
            }
            let link = family::find(c, &id)?.ok_or_else(ApiError::not_found)?;
            link_response(c, &link)
        })
        .await?;
    tracing::info!(%link_id, "sdm link ended by the registration office");
    Ok(response)
}

/// Ends `link` for the registration office and tells its holder, in the caller's transaction.
/// The stated `reason` is free text: it stays on the link (`ended_detail`) and never goes
/// through a push service. False when the link was already closed.
pub(crate) fn end_for_office(
    c: &mut DbConn,
    link: &Link,
    officer: &str,
    reason: Option<&str>,
    now: i64,
) -> ApiResult<bool> {
    if !family::end(c, &link.id, ENDED_BY_OFFICE, officer, now)? {
        return Ok(false);
    }
    if let Some(reason) = reason {
        family::set_ended_detail(c, &link.id, reason)?;
    }
    let payload = notices::sdm_link_ended(&link.patient_id, &link.id, ENDED_BY_OFFICE);
    store::outbox::enqueue(c, &OutboxRow::notice(&link.sdm_patient_id, payload, now)?)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_judged_by_content() {
        let pdf = b"%PDF-1.7\n...\n%%EOF\n".to_vec();
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
        png.extend_from_slice(b"IHDR");
        png.extend_from_slice(&[0; 21]);
        png.extend_from_slice(b"IEND");
        png.extend_from_slice(&[0xAE, 0x42, 0x60, 0x82]);
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9, 0, 0].to_vec();
        assert_eq!(sniff(&pdf), Some(PDF));
        assert_eq!(sniff(&png), Some(PNG));
        assert_eq!(sniff(&jpeg), Some(JPEG));
        // Truncated files and other formats are not accepted.
        assert_eq!(sniff(&pdf[..10]), None);
        assert_eq!(sniff(&png[..20]), None);
        assert_eq!(sniff(&jpeg[..5]), None);
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b""), None);

        assert_eq!(check_type(Some("application/pdf"), &pdf).ok(), Some(PDF));
        assert_eq!(check_type(Some("IMAGE/PNG; q=1"), &png).ok(), Some(PNG));
        assert_eq!(check_type(None, &jpeg).ok(), Some(JPEG));
        assert_eq!(
            check_type(Some("application/octet-stream"), &jpeg).ok(),
            Some(JPEG)
        );
        let code = |r: ApiResult<&str>| r.err().map(|e| e.code.as_str());
        assert_eq!(
            code(check_type(Some("image/png"), &pdf)),
            Some("document_type_mismatch")
        );
        assert_eq!(
            code(check_type(Some("image/gif"), &png)),
            Some("unsupported_document_type")
        );
    }
}
