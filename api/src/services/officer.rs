//! The registration office: identity verification, and releasing an identity a record holds
//! wrongly. Verifying a dependant also settles their SDM links: the ones the documents showed
//! are confirmed, the others end.

use ehealth_contracts::{
    ErrorCode, FieldCode, PatientStatus, ReleaseIdentityRequest, ReleaseIdentityResponse,
    SdmLinkStatus, Verification, VerifyPatientRequest, VerifyPatientResponse,
};

use crate::clock::rfc3339_ms;
use crate::domain::ids::PatientId;
use crate::domain::notices;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::services::family::documents::end_for_office;
use crate::state::AppState;
use crate::store::outbox::OutboxRow;
use crate::store::patients::Patient;
use crate::store::{self, DbConn, family};

/// Kept on a link that a verification ended, shown in the app.
const NOT_CONFIRMED: &str =
    "The documents seen at identity verification did not show this relationship.";

pub async fn verify(
    state: &AppState,
    decided_by: &str,
    patient_id: &PatientId,
    req: VerifyPatientRequest,
) -> ApiResult<VerifyPatientResponse> {
    let reference = req.reference.trim().to_owned();
    if reference.is_empty() {
        return Err(ApiError::validation(vec![FieldError::new(
            "reference",
            FieldCode::Required,
        )]));
    }
    if reference.chars().count() > 100 || reference.chars().any(char::is_control) {
        return Err(ApiError::validation(vec![FieldError::new(
            "reference",
            FieldCode::InvalidFormat,
        )]));
    }
    let officer = decided_by.to_owned();
    let now = state.now_ms();
    let id = patient_id.to_owned();
    let verified_by = officer.clone();
    let method = req.method;
    let stored_reference = reference.clone();
    let confirmed_ids = req.confirmed_link_ids;
    let (confirmed_link_ids, ended_link_ids) = state
        .db
        .transaction(move |c| {
            let patient = store::patients::find(c, &id)?.ok_or_else(ApiError::not_found)?;
            require_unverified(&patient)?;
            if !store::patients::mark_verified(
                c,
                &id,
                method.as_str(),
                &stored_reference,
                &verified_by,
                now,
            )? {
                return Err(ApiError::conflict(ErrorCode::AlreadyVerified));
            }
            settle_links(c, &id, confirmed_ids.as_deref(), &verified_by, now)
        })
        .await?;
    tracing::info!(%patient_id, method = method.as_str(), "identity verified");
    Ok(VerifyPatientResponse {
        patient_id: patient_id.to_string(),
        status: PatientStatus::Verified,
        verification: Verification {
            method,
            verified_at: rfc3339_ms(now),
        },
        reference,
        verified_by: officer,
        confirmed_link_ids,
        ended_link_ids,
    })
}

/// Only a record the office has not verified (and not withdrawn) may be verified or released.
fn require_unverified(patient: &Patient) -> ApiResult<()> {
    match patient.status()? {
        PatientStatus::Verified => Err(ApiError::conflict(ErrorCode::AlreadyVerified)),
        PatientStatus::Withdrawn => Err(ApiError::conflict(ErrorCode::AccountWithdrawn)),
        PatientStatus::Unverified => Ok(()),
    }
}

/// The person's open SDM links after their verification: those in `confirmed` stay (a pending
/// one becomes active), every other one ends (`ended_by_office`) and its holder is told. With
/// open links, the office must name the confirmed ones (none is a valid answer: `[]`).
fn settle_links(
    c: &mut DbConn,
    patient: &PatientId,
    confirmed: Option<&[String]>,
    officer: &str,
    now: i64,
) -> ApiResult<(Vec<String>, Vec<String>)> {
    let open: Vec<_> = family::of_patient(c, patient)?
        .into_iter()
        .filter(family::Link::is_open)
        .collect();
    if open.is_empty() && confirmed.is_none_or(<[String]>::is_empty) {
        return Ok((Vec::new(), Vec::new()));
    }
    let Some(confirmed) = confirmed else {
        return Err(ApiError::validation(vec![FieldError::new(
            "confirmed_link_ids",
            FieldCode::Required,
        )]));
    };
    if confirmed.iter().any(|id| !open.iter().any(|l| l.id == *id)) {
        return Err(ApiError::validation(vec![FieldError::new(
            "confirmed_link_ids",
            FieldCode::NotFound,
        )]));
    }
    let (mut kept, mut ended) = (Vec::new(), Vec::new());
    for link in open {
        if confirmed.iter().any(|id| link.id == *id) {
            if link.is_pending() {
                family::review(c, &link.id, SdmLinkStatus::Active, officer, None, now)?;
                let payload =
                    notices::sdm_link_reviewed(&link.patient_id, &link.id, SdmLinkStatus::Active);
                store::outbox::enqueue(c, &OutboxRow::notice(&link.sdm_patient_id, payload, now)?)?;
            }
            kept.push(link.id.to_string());
        } else {
            end_for_office(c, &link, officer, Some(NOT_CONFIRMED), now)?;
            ended.push(link.id.to_string());
        }
    }
    Ok((kept, ended))
}

/// A record the office never verified, that nobody holds as their own account, gives up its
/// identity document so the person it names can register themselves: its open links end
/// (`ended_by_office`, with the office's reason) and their holders are told, and the record is
/// withdrawn. The office does this after seeing the person, e.g. when an adult's identity card
/// was registered as a "child" with an invented date of birth.
pub async fn release_identity(
    state: &AppState,
    decided_by: &str,
    patient_id: &PatientId,
    req: ReleaseIdentityRequest,
) -> ApiResult<ReleaseIdentityResponse> {
    let reason = req.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::validation(vec![FieldError::new(
            "reason",
            if reason.is_empty() {
                FieldCode::Required
            } else {
                FieldCode::TooLong
            },
        )]));
    }
    let officer = decided_by.to_owned();
    let now = state.now_ms();
    let id = patient_id.clone();
    let ended_link_ids = state
        .db
        .transaction(move |c| {
            if !store::patients::lock(c, &id)? {
                return Err(ApiError::not_found());
            }
            let patient = store::patients::find(c, &id)?.ok_or_else(ApiError::not_found)?;
            require_unverified(&patient)?;
            if store::passkeys::has_any(c, &id)? {
                return Err(ApiError::conflict(ErrorCode::IdentityHasAccount));
            }
            let mut ended = Vec::new();
            for link in family::of_patient(c, &id)?
                .into_iter()
                .filter(family::Link::is_open)
            {
                end_for_office(c, &link, &officer, Some(&reason), now)?;
                ended.push(link.id.to_string());
            }
            store::patients::release_identity(c, &id, now)?;
            Ok(ended)
        })
        .await?;
    tracing::info!(%patient_id, ended = ended_link_ids.len(), "identity released by the office");
    Ok(ReleaseIdentityResponse {
        patient_id: patient_id.to_string(),
        status: PatientStatus::Withdrawn,
        ended_link_ids,
    })
}
