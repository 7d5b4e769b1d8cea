//! Consent requests: an HCP asks the patient for consent, the patient (or an SDM) sees the
//! requests and approves (consent given) or declines.

use ehealth_contracts::{
    ConsentMethod, ConsentRequestResponse, ConsentRequestStatus, ConsentType,
    CreateConsentRequestRequest, ErrorCode, ListConsentRequestsResponse,
};
use uuid::Uuid;

use super::grant::grant;
use super::{has_valid_consent, require_sharable};
use crate::clock::rfc3339_ms;
use crate::domain::ids::PatientId;
use crate::domain::notices;
use crate::error::{ApiError, ApiResult};
use crate::extract::{PatientSession, StaffSession};
use crate::services::family::act_for;
use crate::services::limits::rate_limit;
use crate::state::AppState;
use crate::store::consent_requests::ConsentRequest;
use crate::store::outbox::OutboxRow;
use crate::store::{self, DbConn};

fn request_wire(c: &mut DbConn, r: ConsentRequest) -> ApiResult<ConsentRequestResponse> {
    let hcp = store::hcps::find_hcp(c, &r.hcp_id)?
        .ok_or_else(|| ApiError::internal("request from a missing hcp"))?;
    Ok(ConsentRequestResponse {
        status: ConsentRequestStatus::parse(&r.status)
            .ok_or_else(|| ApiError::internal("unknown request status"))?,
        request_id: r.id,
        patient_id: r.patient_id,
        hcp_id: r.hcp_id,
        hcp_name_en: hcp.name_en,
        hcp_name_zh: hcp.name_zh,
        created_at: rfc3339_ms(r.created_at),
        decided_at: r.decided_at.map(rfc3339_ms),
        consent_id: r.consent_id,
    })
}

/// An HCP asks the patient for consent; the patient and their active SDMs are notified once.
/// The HCP's request that is still open is answered again (`false`: not new) instead of a
/// second one, so repeated clicks never flood the patient.
pub async fn request(
    state: &AppState,
    who: &StaffSession,
    req: CreateConsentRequestRequest,
) -> ApiResult<(ConsentRequestResponse, bool)> {
    rate_limit(
        state,
        &format!("consent-request:{}", who.staff_id),
        state.config.rate_limit_per_identity,
        std::time::Duration::from_secs(3600),
    )
    .await?;
    let (hcp, staff) = (who.hcp_id.clone(), who.staff_id.clone());
    let today = state.clock.today_hk();
    let now = state.now_ms();
    state
        .db
        .transaction(move |c| {
            crate::services::checks::registered_hcp(c, &hcp)?;
            let p = store::patients::find(c, &req.patient_id)?.ok_or_else(ApiError::not_found)?;
            require_sharable(&p)?;
            if has_valid_consent(c, &p.id, &hcp, today)? {
                return Err(ApiError::conflict(ErrorCode::ConsentAlreadyActive));
            }
            // One open request per HCP and patient: the patient's row lock orders two askers.
            store::patients::lock(c, &p.id)?;
            if let Some(open) = store::consent_requests::open_request(c, &p.id, &hcp)? {
                return Ok((request_wire(c, open)?, false));
            }
            let row = ConsentRequest {
                id: Uuid::now_v7().to_string(),
                hcp_id: hcp.clone(),
                patient_id: p.id.to_string(),
                requested_by: format!("staff:{staff}"),
                status: "pending".to_owned(),
                created_at: now,
                decided_at: None,
                decided_by: None,
                consent_id: None,
            };
            store::consent_requests::insert_request(c, &row)?;
            let payload = notices::consent_requested(&p.id, &row.id, &hcp);
            let mut to = vec![p.id.clone()];
            to.extend(crate::services::family::concerned(c, &p.id, "")?);
            to.sort();
            to.dedup();
            for recipient in to {
                store::outbox::enqueue(c, &OutboxRow::notice(&recipient, payload.clone(), now)?)?;
            }
            Ok((request_wire(c, row)?, true))
        })
        .await
}

pub async fn list_requests(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
) -> ApiResult<ListConsentRequestsResponse> {
    let acting = act_for(state, who, patient_id, "list_consent_requests").await?;
    acting
        .read(state, move |c, acting| {
            let rows = store::consent_requests::requests_of(c, &acting.patient_id)?;
            let requests = rows
                .into_iter()
                .map(|r| request_wire(c, r))
                .collect::<ApiResult<_>>()?;
            Ok(ListConsentRequestsResponse { requests })
        })
        .await
}

/// The patient (or an SDM) approves (consent given, method `consent_request`) or declines.
pub async fn decide(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
    request_id: &str,
    approve: bool,
) -> ApiResult<ConsentRequestResponse> {
    let acting = act_for(
        state,
        who,
        patient_id,
        if approve {
            "approve_consent_request"
        } else {
            "decline_consent_request"
        },
    )
    .await?;
    let id = request_id.to_owned();
    let today = state.clock.today_hk();
    let now = state.now_ms();
    state
        .db
        .transaction(move |c| {
            acting.record(c, now)?;
            let r = store::consent_requests::find_request(c, &id)?
                .filter(|r| r.patient_id == acting.patient_id)
                .ok_or_else(ApiError::not_found)?;
            if r.status != "pending" {
                return Err(ApiError::conflict(ErrorCode::ConsentRequestDecided));
            }
            let consent_id = if approve {
                Some(
                    grant(
                        c,
                        &acting.patient_id,
                        &r.hcp_id,
                        ConsentType::Indefinite,
                        ConsentMethod::ConsentRequest,
                        &acting.actor_id,
                        today,
                        now,
                    )?
                    .consent_id,
                )
            } else {
                None
            };
            let status = if approve { "approved" } else { "declined" };
            if !store::consent_requests::decide_request(
                c,
                &id,
                status,
                &acting.actor_id,
                consent_id.as_deref(),
                now,
            )? {
                return Err(ApiError::conflict(ErrorCode::ConsentRequestDecided));
            }
            let r =
                store::consent_requests::find_request(c, &id)?.ok_or_else(ApiError::not_found)?;
            request_wire(c, r)
        })
        .await
}
