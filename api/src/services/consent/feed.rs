//! The HCP's consent-event feed: every grant, revocation, renewal and expiry for its patients,
//! numbered without gaps, read from a cursor.

use ehealth_contracts::{
    ConsentEvent, ConsentEventType, ConsentEventsQuery, ConsentEventsResponse, ErrorCode, FieldCode,
};

use crate::clock::rfc3339_ms;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::StaffSession;
use crate::state::AppState;

/// The HCP's consent feed after `cursor`, gap-free and resumable.
pub async fn feed(
    state: &AppState,
    who: &StaffSession,
    q: ConsentEventsQuery,
) -> ApiResult<ConsentEventsResponse> {
    let after = match q.cursor.as_deref() {
        None | Some("") => 0,
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| ApiError::bad_request(ErrorCode::InvalidCursor))?,
    };
    let limit = match q.limit.as_deref().map(str::parse::<i64>) {
        None => 100,
        Some(Ok(n)) if (1..=500).contains(&n) => n,
        Some(_) => {
            return Err(ApiError::validation(vec![FieldError::new(
                "limit",
                FieldCode::OutOfRange,
            )]));
        }
    };
    let page = usize::try_from(limit).map_err(|_| ApiError::internal("feed limit out of range"))?;
    let hcp = who.hcp_id.clone();
    let mut rows = state
        .db
        .run(move |c| {
            Ok(crate::store::consent_events::events_after(
                c,
                &hcp,
                after,
                limit + 1,
            )?)
        })
        .await?;
    let has_more = rows.len() > page;
    rows.truncate(page);
    let cursor = rows.last().map_or(after, |e| e.seq).to_string();
    let events = rows
        .into_iter()
        .map(|e| {
            Ok(ConsentEvent {
                event: ConsentEventType::parse(&e.event)
                    .ok_or_else(|| ApiError::internal("unknown consent event"))?,
                seq: e.seq,
                consent_id: e.consent_id,
                patient_id: e.patient_id,
                at: rfc3339_ms(e.at),
            })
        })
        .collect::<ApiResult<_>>()?;
    Ok(ConsentEventsResponse {
        events,
        cursor,
        has_more,
    })
}
