//! Substitute decision makers' authority as pure rules (DOMAIN.md): the priority of each
//! relationship, what a link means on a given Hong Kong date, and why a link ended. A child
//! link stops granting anything at 00:00 Hong Kong time on the dependant's 16th birthday,
//! whether or not the daily job has marked it ended yet. The rules read `sdm_links` rows
//! (`store::family::Link`) but never touch the database.

use chrono::NaiveDate;
use ehealth_contracts::{SdmBasis, SdmLinkStatus, SdmRelationship};

use super::person::{ADULT_AGE, anniversary};
use crate::error::{ApiError, ApiResult};
use crate::store::family::Link;

/// Reasons a link ends (`ended_reason`, and `scopes.removed[].reason` in sync).
pub const CAME_OF_AGE: &str = "came_of_age";
pub const STEPPED_DOWN: &str = "stepped_down";
pub const REMOVED: &str = "removed";
pub const ENDED_BY_OFFICE: &str = "ended_by_office";
/// A join nobody approved within [`JOIN_DECISION_DAYS`].
pub const EXPIRED: &str = "expired";
/// A pending link to someone who then registered themselves with the same document.
pub const PERSON_REGISTERED: &str = "person_registered";

/// How long a join waits for an SDM's (or the office's) approval.
pub const JOIN_DECISION_DAYS: i64 = 14;

/// Whether a join asked for at `asked_at` (ms) can no longer be approved at `now`.
pub fn join_expired(asked_at: i64, now: i64) -> bool {
    now - asked_at >= JOIN_DECISION_DAYS * 24 * 60 * 60 * 1000
}

/// Priority (1 is highest) and whether the registration office must review the link, for a
/// relationship on a basis; `None` when the relationship cannot be an SDM on that basis.
pub fn relation(basis: SdmBasis, r: SdmRelationship) -> Option<(i32, bool)> {
    use SdmRelationship::*;
    match (basis, r) {
        (SdmBasis::Child, Parent) => Some((1, false)),
        (SdmBasis::Child, Guardian) => Some((2, true)),
        (SdmBasis::Child, CourtAppointee) => Some((3, true)),
        (SdmBasis::Child, DswMhoGuardian) => None,
        (SdmBasis::Incapable, Parent) => None,
        (SdmBasis::Incapable, Guardian) => Some((1, true)),
        (SdmBasis::Incapable, DswMhoGuardian) => Some((2, true)),
        (SdmBasis::Incapable, CourtAppointee) => Some((3, true)),
        (_, FamilyMember | Cohabitant) => Some((4, false)),
        (_, Hcp) => Some((5, true)),
    }
}

pub fn basis_of(link: &Link) -> SdmBasis {
    if link.is_child() {
        SdmBasis::Child
    } else {
        SdmBasis::Incapable
    }
}

pub fn relationship_of(link: &Link) -> ApiResult<SdmRelationship> {
    SdmRelationship::parse(&link.relationship)
        .ok_or_else(|| ApiError::internal("link row has an unknown relationship"))
}

/// The link's stored status; a value the contract does not know is a server fault (it used
/// to read as `ended`, which looks right and hides the bad row).
pub fn status_of(link: &Link) -> ApiResult<SdmLinkStatus> {
    link.status()
        .map_err(|_| ApiError::internal("link row has an unknown status"))
}

/// The first Hong Kong date on which a child link grants nothing.
pub fn authority_ends_on(dob: NaiveDate) -> Option<NaiveDate> {
    anniversary(dob, ADULT_AGE)
}

/// What a link means today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The SDM may act.
    Grants,
    /// A child link on or after the 16th birthday.
    CameOfAge,
    /// Pending, rejected, stepped down or removed.
    Nothing,
}

pub fn standing(link: &Link, dob: NaiveDate, today: NaiveDate) -> Standing {
    let of_age = link.is_child() && authority_ends_on(dob).is_none_or(|d| today >= d);
    match (link.status().ok(), link.ended_reason.as_deref()) {
        (Some(SdmLinkStatus::Active), _) if of_age => Standing::CameOfAge,
        (Some(SdmLinkStatus::Active), _) => Standing::Grants,
        (Some(SdmLinkStatus::Ended), Some(CAME_OF_AGE)) => Standing::CameOfAge,
        _ => Standing::Nothing,
    }
}

/// The link's status as the caller should see it now, with the reason it ended.
pub fn effective_status(
    link: &Link,
    dob: NaiveDate,
    today: NaiveDate,
) -> ApiResult<(SdmLinkStatus, Option<String>)> {
    if link.is(SdmLinkStatus::Active) && standing(link, dob, today) == Standing::CameOfAge {
        return Ok((SdmLinkStatus::Ended, Some(CAME_OF_AGE.to_owned())));
    }
    Ok((status_of(link)?, link.ended_reason.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASIS_CHILD: &str = SdmBasis::Child.as_str();
    const BASIS_INCAPABLE: &str = SdmBasis::Incapable.as_str();
    const PENDING: &str = SdmLinkStatus::PendingReview.as_str();
    const ACTIVE: &str = SdmLinkStatus::Active.as_str();
    const ENDED: &str = SdmLinkStatus::Ended.as_str();

    fn link(basis: &str, status: &str, ended_reason: Option<&str>) -> Link {
        Link {
            id: "l".into(),
            patient_id: "p".into(),
            sdm_patient_id: "s".into(),
            basis: basis.into(),
            relationship: "parent".into(),
            priority: 1,
            status: status.into(),
            created_at: 0,
            reviewed_at: None,
            reviewed_by: None,
            review_reason: None,
            ended_at: None,
            ended_reason: ended_reason.map(Into::into),
            ended_by: None,
            ended_detail: None,
            sync_version: 0,
            granted_at: None,
        }
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn the_priority_tables_follow_the_domain() {
        use SdmRelationship::*;
        let child: Vec<_> = SdmRelationship::ALL
            .into_iter()
            .map(|r| relation(SdmBasis::Child, r))
            .collect();
        assert_eq!(
            child,
            vec![
                Some((1, false)),
                Some((2, true)),
                Some((3, true)),
                None,
                Some((4, false)),
                Some((4, false)),
                Some((5, true)),
            ]
        );
        assert_eq!(relation(SdmBasis::Incapable, Parent), None);
        assert_eq!(relation(SdmBasis::Incapable, Guardian), Some((1, true)));
        assert_eq!(
            relation(SdmBasis::Incapable, DswMhoGuardian),
            Some((2, true))
        );
        assert_eq!(relation(SdmBasis::Incapable, Cohabitant), Some((4, false)));
    }

    #[test]
    fn a_child_link_stops_granting_on_the_sixteenth_birthday() {
        let l = link(BASIS_CHILD, ACTIVE, None);
        let dob = d("2010-11-23");
        assert_eq!(standing(&l, dob, d("2026-11-22")), Standing::Grants);
        assert_eq!(standing(&l, dob, d("2026-11-23")), Standing::CameOfAge);
        assert_eq!(
            effective_status(&l, dob, d("2026-11-23")).ok(),
            Some((SdmLinkStatus::Ended, Some(CAME_OF_AGE.to_owned())))
        );
        // 29 February: 1 March in a common year, the day itself in a leap year.
        assert_eq!(authority_ends_on(d("2084-02-29")), Some(d("2100-03-01")));
        assert_eq!(authority_ends_on(d("2012-02-29")), Some(d("2028-02-29")));
        let leap = d("2084-02-29");
        assert_eq!(standing(&l, leap, d("2100-02-28")), Standing::Grants);
        assert_eq!(standing(&l, leap, d("2100-03-01")), Standing::CameOfAge);
    }

    #[test]
    fn an_unknown_stored_status_is_a_fault_not_ended() {
        let dob = d("2000-01-01");
        let today = d("2026-11-22");
        let odd = link(BASIS_INCAPABLE, "suspended", None);
        assert_eq!(
            effective_status(&odd, dob, today)
                .err()
                .map(|e| e.code.as_str()),
            Some("internal_error")
        );
        assert_eq!(
            effective_status(&link(BASIS_INCAPABLE, PENDING, None), dob, today).ok(),
            Some((SdmLinkStatus::PendingReview, None))
        );
    }

    #[test]
    fn other_links_keep_or_never_had_authority() {
        let dob = d("2000-01-01");
        let today = d("2026-11-22");
        assert_eq!(
            standing(&link(BASIS_INCAPABLE, ACTIVE, None), dob, today),
            Standing::Grants
        );
        assert_eq!(
            standing(&link(BASIS_CHILD, PENDING, None), d("2020-01-01"), today),
            Standing::Nothing
        );
        assert_eq!(
            standing(
                &link(BASIS_CHILD, ENDED, Some(STEPPED_DOWN)),
                d("2020-01-01"),
                today
            ),
            Standing::Nothing
        );
        assert_eq!(
            standing(&link(BASIS_CHILD, ENDED, Some(CAME_OF_AGE)), dob, today),
            Standing::CameOfAge
        );
    }
}
