//! Sharing consent: given in the app (pre-grant), with the access key at the HCP, revoked at
//! once, renewed; every change appended to the HCP's gap-free feed and queued as a notice to
//! the HCP's staff. Whether a consent is valid is decided from the clock on every read.
//!
//! One file per way in: `grant` (give in the app, list, revoke, renew, and the grant every
//! other way ends in), `access_key` (the key made in the app and used at the HCP's counter),
//! `smart_card` (the card read at an HCP system's reader), `requests` (an HCP asks, the patient
//! decides), `feed` (the HCP's consent-event feed) and `import` (legacy one-year consents
//! brought over by `ehealth import-consents`). The writing of a change to the feed and
//! the sync scope is `store::consent_events`, shared with the consent-expiry job.

pub mod access_key;
pub mod feed;
pub mod grant;
pub mod import;
pub mod requests;
pub mod smart_card;

use chrono::NaiveDate;
use ehealth_contracts::{
    ConsentMethod, ConsentResponse, ConsentStatus, ConsentType, ErrorCode, PatientStatus,
};

use crate::clock::rfc3339_ms;
use crate::domain::ids::PatientId;
use crate::error::{ApiError, ApiResult};
use crate::store::consents::{self, ACTIVE, Consent};
use crate::store::patients::Patient;
use crate::store::{self, DbConn};

/// A one-year consent is valid through the Hong Kong day a year on (from 29 February: 1 March,
/// the same anniversary rule as birthdays).
pub fn one_year_from(today: NaiveDate) -> ApiResult<NaiveDate> {
    crate::domain::person::anniversary(today, 1)
        .ok_or_else(|| ApiError::internal("no calendar day a year on"))
}

/// Whether a stored consent lets its HCP read today. A last day that does not parse is a
/// corrupt row, not a consent without end.
pub fn is_valid(c: &Consent, today: NaiveDate) -> ApiResult<bool> {
    if c.status != ACTIVE {
        return Ok(false);
    }
    let Some(until) = c.valid_until.as_deref() else {
        return Ok(true);
    };
    let until = NaiveDate::parse_from_str(until, "%Y-%m-%d")
        .map_err(|_| ApiError::internal("consent row has an unknown valid_until"))?;
    Ok(today <= until)
}

/// Whether the patient's active consent to the HCP (if any) lets it read today.
pub fn has_valid_consent(
    c: &mut DbConn,
    patient_id: &PatientId,
    hcp_id: &str,
    today: NaiveDate,
) -> ApiResult<bool> {
    match consents::active(c, patient_id, hcp_id)? {
        Some(consent) => is_valid(&consent, today),
        None => Ok(false),
    }
}

/// The patient must be verified and not withdrawn to give consent (or be read).
pub fn require_sharable(p: &Patient) -> ApiResult<()> {
    match p.status()? {
        PatientStatus::Verified => Ok(()),
        PatientStatus::Withdrawn => Err(ApiError::forbidden(ErrorCode::AccountWithdrawn)),
        PatientStatus::Unverified => Err(ApiError::forbidden(ErrorCode::PatientNotVerified)),
    }
}

fn to_wire(c: Consent, h: &store::hcps::Hcp) -> ApiResult<ConsentResponse> {
    let corrupt = || ApiError::internal("consent row has an unknown value");
    Ok(ConsentResponse {
        consent_type: ConsentType::parse(&c.consent_type).ok_or_else(corrupt)?,
        method: ConsentMethod::parse(&c.method).ok_or_else(corrupt)?,
        status: ConsentStatus::parse(&c.status).ok_or_else(corrupt)?,
        consent_id: c.id,
        patient_id: c.patient_id,
        hcp_id: c.hcp_id,
        hcp_name_en: h.name_en.clone(),
        hcp_name_zh: h.name_zh.clone(),
        granted_at: rfc3339_ms(c.granted_at),
        valid_until: c.valid_until,
        ended_at: c.ended_at.map(rfc3339_ms),
    })
}

fn wire_with_hcp(c: &mut DbConn, consent: Consent) -> ApiResult<ConsentResponse> {
    let hcp = store::hcps::find_hcp(c, &consent.hcp_id)?
        .ok_or_else(|| ApiError::internal("consent to a missing hcp"))?;
    to_wire(consent, &hcp)
}
