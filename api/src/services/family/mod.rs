//! Substitute decision makers (DOMAIN.md): who may act for whom, decided from the links and
//! the clock on every request. The rules themselves (priorities, what a link grants on a date,
//! the 16th birthday) are pure and live in `domain::authority`; here they meet the database.

pub mod claim;
pub mod dependants;
pub mod documents;
pub mod released;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use ehealth_contracts::{
    EnglishName, ErrorCode, IdentityDocumentType, MaskedIdentityDocument, PatientStatus,
    SdmLinkStatus, Sex,
};
use uuid::Uuid;

use crate::domain::authority::{CAME_OF_AGE, Standing, standing};
use crate::domain::ids::{LinkId, PatientId};
use crate::domain::person::parse_dob;
use crate::error::{ApiError, ApiResult};
use crate::extract::PatientSession;
use crate::state::AppState;
use crate::store::family::{self, Link};
use crate::store::patients::Patient;
use crate::store::{self, DbConn};

/// The link through which `actor` may act for `patient` now: `None` when they are the same
/// person. 403 `sdm_authority_ended` once a child has turned 16; 404 for anyone else.
pub fn authority(
    c: &mut DbConn,
    actor: &PatientId,
    patient: &PatientId,
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

/// Who is acting on a patient's data, through which link, and in which operation.
#[derive(Debug, Clone)]
pub struct Acting {
    pub patient_id: PatientId,
    pub actor_id: PatientId,
    pub link_id: Option<LinkId>,
    /// The operation, as recorded in `sdm_actions` (e.g. `grant_consent`).
    pub action: &'static str,
}

impl Acting {
    /// For an SDM, records the action. Call it inside the transaction that makes the change
    /// (or, for a read, after the read succeeded), so an action that fails is never listed.
    pub fn record(&self, c: &mut DbConn, now: i64) -> ApiResult<()> {
        match &self.link_id {
            Some(link) => record(c, &self.patient_id, &self.actor_id, link, self.action, now),
            None => Ok(()),
        }
    }

    /// Records a read that had to run on its own (a snapshot): after it succeeded.
    pub async fn read_done(&self, state: &AppState) -> ApiResult<()> {
        if self.link_id.is_none() {
            return Ok(());
        }
        let (acting, now) = (self.clone(), state.now_ms());
        state.db.transaction(move |c| acting.record(c, now)).await
    }

    /// Runs a read for the actor: for an SDM in one transaction with the record of the action
    /// (written only when the read succeeded); the patient's own read stays a plain read.
    pub async fn read<T, F>(self, state: &AppState, body: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn, &Acting) -> ApiResult<T> + Send + 'static,
    {
        if self.link_id.is_none() {
            return state.db.run(move |c| body(c, &self)).await;
        }
        let now = state.now_ms();
        state
            .db
            .transaction(move |c| {
                let out = body(c, &self)?;
                self.record(c, now)?;
                Ok(out)
            })
            .await
    }
}

/// Authorises `who` to act on `patient_id` (themselves, or an active SDM of theirs). Anyone
/// else gets 404, which reveals nothing. Nothing is recorded here: the caller records the
/// action with [`Acting::record`] where it makes the change.
pub async fn act_for(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
    action: &'static str,
) -> ApiResult<Acting> {
    let actor = who.patient_id.clone();
    if actor == *patient_id {
        return Ok(Acting {
            patient_id: patient_id.clone(),
            actor_id: actor,
            link_id: None,
            action,
        });
    }
    let patient = patient_id.clone();
    let today = state.clock.today_hk();
    state
        .db
        .run(move |c| {
            let link = authority(c, &actor, &patient, today)?;
            Ok(Acting {
                patient_id: patient,
                actor_id: actor,
                link_id: link.map(|l| l.id),
                action,
            })
        })
        .await
}

/// Records that an SDM acted for a dependant.
pub fn record(
    c: &mut DbConn,
    patient: &PatientId,
    sdm: &PatientId,
    link_id: &LinkId,
    action: &str,
    now: i64,
) -> ApiResult<()> {
    family::record_action(
        c,
        &family::Action {
            id: Uuid::now_v7().to_string(),
            patient_id: patient.clone(),
            sdm_patient_id: sdm.clone(),
            link_id: link_id.clone(),
            action: action.to_owned(),
            at: now,
        },
    )?;
    Ok(())
}

/// (scope, patient) pairs in a stable order, and the SDM link of each dependant's scope.
pub type VisibleScopes = (Vec<(String, PatientId)>, BTreeMap<String, LinkId>);

/// The (scope, patient) pairs `actor`'s devices sync: their own and, for each dependant they
/// may act for today, the dependant's; with the link each dependant's scope is reached through.
pub fn visible_scopes(
    c: &mut DbConn,
    actor: &PatientId,
    today: NaiveDate,
) -> ApiResult<VisibleScopes> {
    let mut scopes = vec![(actor.to_string(), actor.clone())];
    let mut links = BTreeMap::new();
    for (link, dob) in family::active_of_sdm(c, actor)? {
        if standing(&link, parse_dob(&dob)?, today) == Standing::Grants
            && !links.contains_key(link.patient_id.as_str())
            && link.patient_id != *actor
        {
            scopes.push((link.patient_id.to_string(), link.patient_id.clone()));
            links.insert(link.patient_id.into(), link.id);
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
    Ok(p.status()?)
}

/// The patient's sex as stored; a value other than `M` or `F` is a server fault (it used to
/// read as `M`).
pub(crate) fn patient_sex(p: &Patient) -> ApiResult<Sex> {
    match p.sex.as_str() {
        "M" => Ok(Sex::M),
        "F" => Ok(Sex::F),
        _ => Err(ApiError::internal("patient row has an unknown sex")),
    }
}

/// The SDMs who may act for `patient_id` today: the ones who decide on a join.
pub(crate) fn deciders(
    c: &mut DbConn,
    patient_id: &PatientId,
    today: NaiveDate,
) -> ApiResult<Vec<PatientId>> {
    let Some(p) = store::patients::find(c, patient_id)? else {
        return Ok(Vec::new());
    };
    let dob = parse_dob(&p.date_of_birth)?;
    let mut to: Vec<PatientId> = family::of_patient(c, patient_id)?
        .into_iter()
        .filter(|l| standing(l, dob, today) == Standing::Grants)
        .map(|l| l.sdm_patient_id)
        .collect();
    to.sort();
    to.dedup();
    Ok(to)
}

/// Who hears about a change to a patient's SDMs: every active SDM but `except`, and the patient
/// if they hold their own account.
pub(crate) fn concerned(
    c: &mut DbConn,
    patient_id: &PatientId,
    except: &str,
) -> ApiResult<Vec<PatientId>> {
    let mut to: Vec<PatientId> = family::of_patient(c, patient_id)?
        .into_iter()
        .filter(|l| l.is(SdmLinkStatus::Active) && l.sdm_patient_id != except)
        .map(|l| l.sdm_patient_id)
        .collect();
    if store::passkeys::has_any(c, patient_id)? {
        to.push(patient_id.clone());
    }
    to.sort();
    to.dedup();
    Ok(to)
}
