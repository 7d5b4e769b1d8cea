//! Joining as a further SDM of someone already registered: the request proves who they are,
//! and some joins wait for the registration office.

use chrono::NaiveDate;
use ehealth_contracts::{ErrorCode, PatientStatus, SdmBasis, SdmLinkStatus};

use crate::domain::person::parse_dob;
use crate::error::{ApiError, ApiResult};
use crate::store::family;
use crate::store::patients::Patient;
use crate::store::{self, DbConn};

/// The request names `existing` by their document: the date of birth must match too (the
/// guesses are rate limited by the caller), and a withdrawn account takes no new SDM.
pub(super) fn prove(existing: &Patient, date_of_birth: NaiveDate) -> ApiResult<()> {
    if parse_dob(&existing.date_of_birth)? != date_of_birth {
        return Err(ApiError::conflict(ErrorCode::IdentityProofMismatch));
    }
    if existing.status()? == PatientStatus::Withdrawn {
        return Err(ApiError::conflict(ErrorCode::AccountWithdrawn));
    }
    Ok(())
}

/// Whether joining an already registered person must wait for the registration office: always
/// for the `incapable` basis (it outlives the 16th birthday), when the person holds their own
/// account, and when the office has already approved an SDM of theirs (a self-declared parent
/// must not outrank or remove a guardian or court appointee the office checked). Our choice.
pub(super) fn needs_review(c: &mut DbConn, existing: &Patient, basis: SdmBasis) -> ApiResult<bool> {
    Ok(basis == SdmBasis::Incapable
        || store::passkeys::has_any(c, &existing.id)?
        || family::of_patient(c, &existing.id)?
            .iter()
            .any(|l| l.is(SdmLinkStatus::Active) && l.reviewed_at.is_some()))
}
