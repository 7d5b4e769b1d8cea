//! Consent given with the patient's smart identity card, read at an HCP system's reader. A read
//! starts when the card is inserted (`POST /v1/hcp/card-reads`: an id usable once, for 120
//! seconds), so a report of the card cannot be replayed after the patient revoked.

use std::time::Duration;

use ehealth_contracts::{
    CardReadResponse, ConsentMethod, ConsentResponse, ConsentType, ErrorCode, FieldCode,
    IdentityDocumentType, SmartCardConsentRequest,
};
use uuid::Uuid;

use super::grant::grant;
use crate::domain::identity::ValidIdentity;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::HcpSystemSession;
use crate::state::AppState;
use crate::store;
use crate::store::card_reads::{CardRead, Unusable};

/// How long a started card read may be reported.
pub const CARD_READ_SECONDS: i64 = 120;

/// The card was inserted at the system's reader: a read id to report it with, once.
pub async fn start_card_read(
    state: &AppState,
    who: &HcpSystemSession,
) -> ApiResult<CardReadResponse> {
    crate::services::limits::rate_limit(
        state,
        &format!("card-read:{}", who.system_id),
        state.config.rate_limit_per_address,
        Duration::from_secs(60),
    )
    .await?;
    let now = state.now_ms();
    let read = CardRead {
        id: Uuid::now_v7().to_string(),
        system_id: who.system_id.clone(),
        hcp_id: who.hcp_id.clone(),
        created_at: now,
        expires_at: now + CARD_READ_SECONDS * 1000,
        used_at: None,
    };
    let id = read.id.clone();
    state
        .db
        .transaction(move |c| Ok(store::card_reads::start(c, &read)?))
        .await?;
    Ok(CardReadResponse {
        card_read_id: id,
        expires_in: CARD_READ_SECONDS,
    })
}

/// An HCP system reports the patient's smart identity card read at its reader: the system's
/// HCP gets an indefinite consent.
pub async fn by_smart_card(
    state: &AppState,
    who: &HcpSystemSession,
    req: SmartCardConsentRequest,
) -> ApiResult<ConsentResponse> {
    let identity = ValidIdentity::parse(&req.identity_document, "identity_document")
        .map_err(ApiError::validation)?;
    if identity.doc_type != IdentityDocumentType::Hkid {
        return Err(ApiError::validation(vec![FieldError::new(
            "identity_document.type",
            FieldCode::InvalidValue,
        )]));
    }
    let now = state.now_ms();
    let read_at = chrono::DateTime::parse_from_rfc3339(&req.card_read_at)
        .map(|t| t.timestamp_millis())
        .map_err(|_| {
            ApiError::validation(vec![FieldError::new(
                "card_read_at",
                FieldCode::InvalidFormat,
            )])
        })?;
    // The card was in the reader moments ago: not a replay of an old read.
    if read_at < now - 5 * 60 * 1000 || read_at > now + 60 * 1000 {
        return Err(ApiError::validation(vec![FieldError::new(
            "card_read_at",
            FieldCode::OutOfRange,
        )]));
    }
    crate::services::limits::rate_limit(
        state,
        &format!("smart-card:{}", who.system_id),
        state.config.rate_limit_per_address,
        Duration::from_secs(60),
    )
    .await?;
    let id_hash = state.secrets.lookup_hash(&identity.uniqueness_key());
    let (hcp, system) = (who.hcp_id.clone(), who.system_id.clone());
    let today = state.clock.today_hk();
    let response = state
        .db
        .transaction(move |c| {
            match store::card_reads::take(c, &req.card_read_id, &system, now)? {
                Ok(_) => {}
                Err(Unusable::Used) => return Err(ApiError::conflict(ErrorCode::CardReadUsed)),
                Err(Unusable::Expired) => {
                    return Err(ApiError::conflict(ErrorCode::CardReadExpired));
                }
                Err(Unusable::Unknown) => {
                    return Err(ApiError::validation(vec![FieldError::new(
                        "card_read_id",
                        FieldCode::NotFound,
                    )]));
                }
            }
            let p =
                store::patients::find_by_id_hash(c, &id_hash)?.ok_or_else(ApiError::not_found)?;
            grant(
                c,
                &p.id,
                &hcp,
                ConsentType::Indefinite,
                ConsentMethod::SmartCard,
                &format!("system:{system}"),
                today,
                now,
            )
        })
        .await?;
    tracing::info!(consent_id = %response.consent_id, "consent given with the smart card");
    Ok(response)
}
