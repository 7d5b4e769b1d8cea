//! Consent given in the app (pre-grant, before the visit), listed, revoked and renewed, and the
//! grant itself that every way of giving consent ends in.

use chrono::NaiveDate;
use ehealth_contracts::{
    ConsentEventType, ConsentMethod, ConsentResponse, ConsentStatus, ConsentType,
    CreateConsentRequest, ErrorCode, FieldCode, ListConsentsResponse,
};
use uuid::Uuid;

use super::{is_valid, require_sharable, wire_with_hcp};
use crate::domain::ids::PatientId;
use crate::domain::notices;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::PatientSession;
use crate::services::family::act_for;
use crate::state::AppState;
use crate::store::consent_events::{publish, record};
use crate::store::consents::{self, ACTIVE, Consent};
use crate::store::outbox::OutboxRow;
use crate::store::{self, DbConn};

/// Grants `hcp_id` an indefinite consent, in the caller's transaction. A valid indefinite one
/// already active is returned as it is; a legacy one-year one becomes indefinite (the HCP's
/// feed says `renewed`). New one-year consents are no longer given (2025): 422
/// `one_year_consent_discontinued`.
#[allow(clippy::too_many_arguments)]
pub(super) fn grant(
    c: &mut DbConn,
    patient_id: &PatientId,
    hcp_id: &str,
    consent_type: ConsentType,
    method: ConsentMethod,
    by: &str,
    today: NaiveDate,
    now: i64,
) -> ApiResult<ConsentResponse> {
    if consent_type == ConsentType::OneYear {
        return Err(ApiError::unprocessable(
            ErrorCode::OneYearConsentDiscontinued,
        ));
    }
    store::patients::lock(c, patient_id)?;
    let patient = store::patients::find(c, patient_id)?.ok_or_else(ApiError::not_found)?;
    require_sharable(&patient)?;
    store::hcps::find_hcp(c, hcp_id)?.ok_or_else(|| {
        ApiError::validation(vec![FieldError::new("hcp_id", FieldCode::NotFound)])
    })?;
    // Accepted but not yet registered (the 14 days after acceptance): no consents yet.
    crate::services::checks::registered_hcp(c, hcp_id)?;
    if let Some(existing) = consents::active(c, patient_id, hcp_id)? {
        if is_valid(&existing, today)? {
            if existing.consent_type == ConsentType::OneYear.as_str() {
                return make_indefinite(c, &existing, now);
            }
            return wire_with_hcp(c, existing);
        }
        // Past its last day but not yet tidied by the daily job: it expires now.
        consents::end(c, &existing.id, "expired", "clock", now)?;
        record(c, &existing, ConsentEventType::Expired, now)?;
        publish(c, &existing.id, patient_id, now)?;
    }
    let valid_until = None;
    let consent = Consent {
        id: Uuid::now_v7().to_string(),
        patient_id: patient_id.to_string(),
        hcp_id: hcp_id.to_owned(),
        consent_type: consent_type.as_str().to_owned(),
        method: method.as_str().to_owned(),
        status: ACTIVE.to_owned(),
        granted_at: now,
        valid_until,
        granted_by: by.to_owned(),
        ended_at: None,
        ended_by: None,
        updated_at: now,
        sync_version: 0,
    };
    consents::insert(c, &consent)?;
    record(c, &consent, ConsentEventType::Granted, now)?;
    publish(c, &consent.id, patient_id, now)?;
    // Whoever gave it, the patient and their SDMs hear that an HCP may now read the record.
    store::outbox::enqueue(
        c,
        &OutboxRow::notice(
            patient_id,
            notices::consent_granted(patient_id, &consent.id, hcp_id, method.as_str()),
            now,
        )?
        .for_scope(patient_id),
    )?;
    wire_with_hcp(c, consent)
}

/// Pre-grant in the app, by the patient or an active SDM.
pub async fn create(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
    req: CreateConsentRequest,
) -> ApiResult<ConsentResponse> {
    let acting = act_for(state, who, patient_id, "grant_consent").await?;
    let today = state.clock.today_hk();
    let now = state.now_ms();
    let response = state
        .db
        .transaction(move |c| {
            acting.record(c, now)?;
            grant(
                c,
                &acting.patient_id,
                &req.hcp_id,
                req.consent_type,
                ConsentMethod::App,
                &acting.actor_id,
                today,
                now,
            )
        })
        .await?;
    tracing::info!(consent_id = %response.consent_id, "consent granted in the app");
    Ok(response)
}

pub async fn list(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
) -> ApiResult<ListConsentsResponse> {
    let acting = act_for(state, who, patient_id, "list_consents").await?;
    let today = state.clock.today_hk();
    acting
        .read(state, move |c, acting| {
            let mut out = Vec::new();
            for consent in consents::for_patient(c, &acting.patient_id)? {
                let mut wire = wire_with_hcp(c, consent.clone())?;
                if wire.status == ConsentStatus::Active && !is_valid(&consent, today)? {
                    wire.status = ConsentStatus::Expired;
                }
                out.push(wire);
            }
            Ok(ListConsentsResponse { consents: out })
        })
        .await
}

/// Revocation takes effect at once: it commits before this answers, and every read checks the
/// consent inside its own transaction after locking the patient.
pub async fn revoke(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
    consent_id: &str,
) -> ApiResult<ConsentResponse> {
    let acting = act_for(state, who, patient_id, "revoke_consent").await?;
    let id = consent_id.to_owned();
    let clock = state.clock.clone();
    let response = state
        .db
        .transaction(move |c| {
            store::patients::lock(c, &acting.patient_id)?;
            // Its time is taken after the patient's lock, as a read's is: a read that went
            // before is never stamped later than the revocation that followed it.
            let now = clock.now_ms();
            acting.record(c, now)?;
            let consent = consents::find(c, &id)?
                .filter(|x| x.patient_id == acting.patient_id)
                .ok_or_else(ApiError::not_found)?;
            if !consents::end(c, &id, "revoked", &acting.actor_id, now)? {
                return Err(ApiError::conflict(ErrorCode::ConsentNotActive));
            }
            record(c, &consent, ConsentEventType::Revoked, now)?;
            publish(c, &id, &acting.patient_id, now)?;
            let ended = consents::find(c, &id)?.ok_or_else(ApiError::not_found)?;
            wire_with_hcp(c, ended)
        })
        .await?;
    tracing::info!(%consent_id, "consent revoked");
    Ok(response)
}

/// A legacy one-year consent made indefinite (by a new grant or a renewal), in the caller's
/// transaction: the HCP's feed says `renewed`, the devices sync it.
fn make_indefinite(c: &mut DbConn, consent: &Consent, now: i64) -> ApiResult<ConsentResponse> {
    consents::make_indefinite(c, &consent.id, now)?;
    record(c, consent, ConsentEventType::Renewed, now)?;
    let patient = PatientId::from(consent.patient_id.as_str());
    publish(c, &consent.id, &patient, now)?;
    let renewed = consents::find(c, &consent.id)?.ok_or_else(ApiError::not_found)?;
    wire_with_hcp(c, renewed)
}

/// Renews a legacy one-year consent: since 2025 it becomes indefinite.
pub async fn renew(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
    consent_id: &str,
) -> ApiResult<ConsentResponse> {
    let acting = act_for(state, who, patient_id, "renew_consent").await?;
    let id = consent_id.to_owned();
    let today = state.clock.today_hk();
    let now = state.now_ms();
    state
        .db
        .transaction(move |c| {
            acting.record(c, now)?;
            store::patients::lock(c, &acting.patient_id)?;
            let consent = consents::find(c, &id)?
                .filter(|x| x.patient_id == acting.patient_id)
                .ok_or_else(ApiError::not_found)?;
            let patient =
                store::patients::find(c, &acting.patient_id)?.ok_or_else(ApiError::not_found)?;
            require_sharable(&patient)?;
            if consent.consent_type != ConsentType::OneYear.as_str() {
                return Err(ApiError::conflict(ErrorCode::ConsentNotRenewable));
            }
            if !is_valid(&consent, today)? {
                return Err(ApiError::conflict(ErrorCode::ConsentNotActive));
            }
            make_indefinite(c, &consent, now)
        })
        .await
}
