//! Substitute decision makers (DOMAIN.md): who may act for whom, decided from the links and
//! the clock on every request. A child link stops granting anything at 00:00 Hong Kong time on
//! the dependant's 16th birthday, whether or not the daily job has marked it ended yet.

pub mod claim;
pub mod dependants;
pub mod documents;

use ehealth_contracts::ErrorCode;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use ehealth_contracts::{
    EnglishName, IdentityDocumentType, MaskedIdentityDocument, PatientStatus, SdmBasis,
    SdmLinkStatus, SdmRelationship,
};
use uuid::Uuid;

use crate::domain::person::{ADULT_AGE, anniversary};
use crate::error::{ApiError, ApiResult};
use crate::extract::PatientSession;
use crate::state::AppState;
use crate::store::family::{self, ACTIVE, BASIS_CHILD, Link};
use crate::store::patients::Patient;
use crate::store::{self, DbConn};

/// Reasons a link ends (`ended_reason`, and `scopes.removed[].reason` in sync).
pub const CAME_OF_AGE: &str = "came_of_age";
pub const STEPPED_DOWN: &str = "stepped_down";
pub const REMOVED: &str = "removed";
pub const ENDED_BY_OFFICE: &str = "ended_by_office";

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
    if link.basis == BASIS_CHILD {
        SdmBasis::Child
    } else {
        SdmBasis::Incapable
    }
}

pub fn parse_dob(raw: &str) -> ApiResult<NaiveDate> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| ApiError::internal("stored date of birth is not a date"))
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
    let of_age = link.basis == BASIS_CHILD && authority_ends_on(dob).is_none_or(|d| today >= d);
    match (link.status.as_str(), link.ended_reason.as_deref()) {
        (ACTIVE, _) if of_age => Standing::CameOfAge,
        (ACTIVE, _) => Standing::Grants,
        (family::ENDED, Some(CAME_OF_AGE)) => Standing::CameOfAge,
        _ => Standing::Nothing,
    }
}

/// The link's status as the caller should see it now, with the reason it ended.
pub fn effective_status(
    link: &Link,
    dob: NaiveDate,
    today: NaiveDate,
) -> (SdmLinkStatus, Option<String>) {
    if link.status == ACTIVE && standing(link, dob, today) == Standing::CameOfAge {
        return (SdmLinkStatus::Ended, Some(CAME_OF_AGE.to_owned()));
    }
    (
        SdmLinkStatus::parse(&link.status).unwrap_or(SdmLinkStatus::Ended),
        link.ended_reason.clone(),
    )
}

/// The link through which `actor` may act for `patient` now: `None` when they are the same
/// person. 403 `sdm_authority_ended` once a child has turned 16; 404 for anyone else.
pub fn authority(
    c: &mut DbConn,
    actor: &str,
    patient: &str,
    today: NaiveDate,
) -> ApiResult<Option<Link>> {
    if actor == patient {
        return Ok(None);
    }
    let links = family::between(c, actor, patient)?;
    if links.is_empty() {
        return Err(ApiError::not_found());
    }
    let dependant = store::patients::find(c, patient)?.ok_or_else(ApiError::not_found)?;
    let dob = parse_dob(&dependant.date_of_birth)?;
    let mut came_of_age = false;
    let mut best: Option<Link> = None;
    for link in links {
        match standing(&link, dob, today) {
            Standing::Grants if best.as_ref().is_none_or(|b| link.priority < b.priority) => {
                best = Some(link);
            }
            Standing::CameOfAge => came_of_age = true,
            _ => {}
        }
    }
    match best {
        Some(link) => Ok(Some(link)),
        None if came_of_age => Err(ApiError::forbidden(ErrorCode::SdmAuthorityEnded)),
        None => Err(ApiError::not_found()),
    }
}

/// Who is acting on a patient's data, and through which link.
#[derive(Debug, Clone)]
pub struct Acting {
    pub patient_id: String,
    pub actor_id: String,
    pub link_id: Option<String>,
}

/// Authorises `who` to act on `patient_id` (themselves, or an active SDM of theirs) and, for
/// an SDM, records the action. Anyone else gets 404, which reveals nothing.
pub async fn act_for(
    state: &AppState,
    who: &PatientSession,
    patient_id: &str,
    action: &'static str,
) -> ApiResult<Acting> {
    let actor = who.patient_id.clone();
    if actor == patient_id {
        return Ok(Acting {
            patient_id: patient_id.to_owned(),
            actor_id: actor,
            link_id: None,
        });
    }
    let patient = patient_id.to_owned();
    let today = state.clock.today_hk();
    let now = state.now_ms();
    state
        .db
        .transaction(move |c| {
            let link = authority(c, &actor, &patient, today)?;
            let link_id = link.map(|l| l.id);
            if let Some(id) = &link_id {
                record(c, &patient, &actor, id, action, now)?;
            }
            Ok(Acting {
                patient_id: patient,
                actor_id: actor,
                link_id,
            })
        })
        .await
}

/// Records that an SDM acted for a dependant.
pub fn record(
    c: &mut DbConn,
    patient: &str,
    sdm: &str,
    link_id: &str,
    action: &str,
    now: i64,
) -> ApiResult<()> {
    family::record_action(
        c,
        &family::Action {
            id: Uuid::now_v7().to_string(),
            patient_id: patient.to_owned(),
            sdm_patient_id: sdm.to_owned(),
            link_id: link_id.to_owned(),
            action: action.to_owned(),
            at: now,
        },
    )?;
    Ok(())
}

/// (scope, patient) pairs in a stable order, and the SDM link of each dependant's scope.
pub type VisibleScopes = (Vec<(String, String)>, BTreeMap<String, String>);

/// The (scope, patient) pairs `actor`'s devices sync: their own and, for each dependant they
/// may act for today, the dependant's; with the link each dependant's scope is reached through.
pub fn visible_scopes(c: &mut DbConn, actor: &str, today: NaiveDate) -> ApiResult<VisibleScopes> {
    let mut scopes = vec![(actor.to_owned(), actor.to_owned())];
    let mut links = BTreeMap::new();
    for (link, dob) in family::active_of_sdm(c, actor)? {
        if standing(&link, parse_dob(&dob)?, today) == Standing::Grants
            && !links.contains_key(&link.patient_id)
            && link.patient_id != actor
        {
            scopes.push((link.patient_id.clone(), link.patient_id.clone()));
            links.insert(link.patient_id, link.id);
        }
    }
    Ok((scopes, links))
}

/// Why `actor` no longer sees `scope` (a dependant's): `came_of_age`, `stepped_down`,
/// `removed`, or `access_ended`.
pub fn removal_reason(
    c: &mut DbConn,
    actor: &str,
    scope: &str,
    today: NaiveDate,
) -> ApiResult<String> {
    let links = family::between(c, actor, scope)?;
    let dob = match store::patients::find(c, scope)? {
        Some(p) => parse_dob(&p.date_of_birth)?,
        None => return Ok("access_ended".to_owned()),
    };
    if links
        .iter()
        .any(|l| standing(l, dob, today) == Standing::CameOfAge)
    {
        return Ok(CAME_OF_AGE.to_owned());
    }
    // The newest link that ended says why (a newer pending one says nothing).
    Ok(links
        .iter()
        .find_map(|l| l.ended_reason.clone())
        .unwrap_or_else(|| "access_ended".to_owned()))
}

pub(crate) fn masked_document(p: &Patient) -> ApiResult<MaskedIdentityDocument> {
    Ok(MaskedIdentityDocument {
        doc_type: IdentityDocumentType::parse(&p.id_doc_type)
            .ok_or_else(|| ApiError::internal("patient row has an unknown document type"))?,
        number_masked: p.id_masked.clone(),
        issuing_country: p.id_issuing_country.clone(),
    })
}

pub(crate) fn english_name(p: &Patient) -> EnglishName {
    EnglishName {
        surname: p.english_surname.clone(),
        given_names: p.english_given_names.clone(),
    }
}

pub(crate) fn patient_status(p: &Patient) -> ApiResult<PatientStatus> {
    PatientStatus::parse(&p.status)
        .ok_or_else(|| ApiError::internal("patient row has an unknown status"))
}

pub(crate) fn relationship_of(link: &Link) -> ApiResult<SdmRelationship> {
    SdmRelationship::parse(&link.relationship)
        .ok_or_else(|| ApiError::internal("link row has an unknown relationship"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::family::BASIS_INCAPABLE;

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
            effective_status(&l, dob, d("2026-11-23")),
            (SdmLinkStatus::Ended, Some(CAME_OF_AGE.to_owned()))
        );
        // 29 February: 1 March in a common year, the day itself in a leap year.
        assert_eq!(authority_ends_on(d("2084-02-29")), Some(d("2100-03-01")));
        assert_eq!(authority_ends_on(d("2012-02-29")), Some(d("2028-02-29")));
        let leap = d("2084-02-29");
        assert_eq!(standing(&l, leap, d("2100-02-28")), Standing::Grants);
        assert_eq!(standing(&l, leap, d("2100-03-01")), Standing::CameOfAge);
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
            standing(
                &link(BASIS_CHILD, family::PENDING, None),
                d("2020-01-01"),
                today
            ),
            Standing::Nothing
        );
        assert_eq!(
            standing(
                &link(BASIS_CHILD, family::ENDED, Some(STEPPED_DOWN)),
                d("2020-01-01"),
                today
            ),
            Standing::Nothing
        );
        assert_eq!(
            standing(
                &link(BASIS_CHILD, family::ENDED, Some(CAME_OF_AGE)),
                dob,
                today
            ),
            Standing::CameOfAge
        );
    }
}
