//! Consent given with the patient's smart identity card, read at an HCP system's reader.

use std::time::Duration;

use ehealth_contracts::{
    ConsentMethod, ConsentResponse, ConsentType, FieldCode, IdentityDocumentType,
    SmartCardConsentRequest,
};

use super::grant::grant;
use crate::domain::identity::ValidIdentity;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::HcpSystemSession;
use crate::state::AppState;
use crate::store;

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
