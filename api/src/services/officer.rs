//! The registration office: identity verification. Verifying a dependant also settles their SDM
//! links: the ones the documents showed are confirmed, the others end.

use ehealth_contracts::{
    ErrorCode, FieldCode, PatientStatus, SdmLinkStatus, Verification, VerifyPatientRequest,
    VerifyPatientResponse,
};

use crate::clock::rfc3339_ms;
use crate::domain::authority::ENDED_BY_OFFICE;
use crate::domain::ids::PatientId;
use crate::domain::notices;
use crate::domain::officer::officer_name;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::state::AppState;
use crate::store::outbox::OutboxRow;
use crate::store::{self, DbConn, family};

/// Kept on a link that a verification ended, shown in the app.
const NOT_CONFIRMED: &str =
    "The documents seen at identity verification did not show this relationship.";

pub async fn verify(
    state: &AppState,
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
    let officer = officer_name(req.officer.as_deref())?;
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
            match patient.status()? {
                PatientStatus::Verified => {
                    return Err(ApiError::conflict(ErrorCode::AlreadyVerified));
                }
                PatientStatus::Withdrawn => {
                    return Err(ApiError::conflict(ErrorCode::AccountWithdrawn));
                }
                PatientStatus::Unverified => {}
            }
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
            family::end(c, &link.id, ENDED_BY_OFFICE, officer, now)?;
            family::set_ended_detail(c, &link.id, NOT_CONFIRMED)?;
            let payload = notices::sdm_link_ended(&link.patient_id, &link.id, ENDED_BY_OFFICE);
            store::outbox::enqueue(c, &OutboxRow::notice(&link.sdm_patient_id, payload, now)?)?;
            ended.push(link.id.to_string());
        }
    }
    Ok((kept, ended))
}
