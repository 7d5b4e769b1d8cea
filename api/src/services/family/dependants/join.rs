//! Joining as a further SDM of someone already registered: the request proves the caller knows
//! the person's document and date of birth, which a stranger can know too, so a join never
//! grants anything at once. It waits for one of the person's SDMs or for the registration office.

use chrono::NaiveDate;
use ehealth_contracts::{ErrorCode, PatientStatus, SdmBasis, SdmLinkStatus};

use crate::domain::authority::{Standing, standing};
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

/// Who decides a join to `existing`. The registration office (`pending_review`) when the
/// person must be seen or the relationship shown (the `incapable` basis, a relationship that
/// needs a document), when the person is not yet verified (nobody has checked who they are,
/// so the first SDM vouches for nothing), when they hold their own account, and when nobody
/// has authority over them now. Otherwise any one of their SDMs with authority
/// (`pending_approval`), or the office.
pub(super) fn join_status(
    c: &mut DbConn,
    existing: &Patient,
    basis: SdmBasis,
    needs_document: bool,
    today: NaiveDate,
) -> ApiResult<SdmLinkStatus> {
    if basis == SdmBasis::Incapable
        || needs_document
        || existing.status()? != PatientStatus::Verified
        || store::passkeys::has_any(c, &existing.id)?
    {
        return Ok(SdmLinkStatus::PendingReview);
    }
    let dob = parse_dob(&existing.date_of_birth)?;
    let someone_decides = family::of_patient(c, &existing.id)?
        .iter()
        .any(|l| standing(l, dob, today) == Standing::Grants);
    Ok(if someone_decides {
        SdmLinkStatus::PendingApproval
    } else {
        SdmLinkStatus::PendingReview
    })
}
