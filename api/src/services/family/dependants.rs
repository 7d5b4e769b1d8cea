//! Registering a dependant (or joining as a further SDM), listing one's dependants, viewing a
//! patient one may act for, and ending a link (stepping down, or removing a lower-priority SDM).

use ehealth_contracts::FieldCode;
use ehealth_contracts::ErrorCode;
use std::time::Duration;

use chrono::NaiveDate;
use ehealth_contracts::{
    CreateDependantRequest, CreateDependantResponse, DependantSummary, ListDependantsResponse,
    PatientResponse, PatientSdm, SdmBasis, SdmLinkStatus,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    REMOVED, STEPPED_DOWN, Standing, authority, authority_ends_on, basis_of, effective_status,
    english_name, masked_document, parse_dob, patient_status, relation, relationship_of, standing,
};
use crate::clock::rfc3339_ms;
use crate::domain::identity::ValidIdentity;
use crate::domain::person::{self, ADULT_AGE};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::PatientSession;
use crate::services::checks::{take, unique_as};
use crate::services::limits::rate_limit;
use crate::state::AppState;
use crate::store::family::{self, ACTIVE, BASIS_CHILD, BASIS_INCAPABLE, Link, PENDING};
use crate::store::patients::Patient;
use crate::store::sync::OutboxRow;
use crate::store::{self, DbConn};

/// The dependant's details after every field check.
struct ValidDependant {
    identity: ValidIdentity,
    surname: String,
    given_names: String,
    chinese_name: Option<String>,
    date_of_birth: NaiveDate,
    phone: Option<String>,
    basis: SdmBasis,
    priority: i32,
    needs_review: bool,
}

fn validate(req: &CreateDependantRequest, today: NaiveDate) -> ApiResult<ValidDependant> {
    let mut errors: Vec<FieldError> = Vec::new();
    let surname = take(
        &mut errors,
        person::english_name_part(&req.english_name.surname, "english_name.surname", 40),
    );
    let given_names = take(
        &mut errors,
        person::english_name_part(
            &req.english_name.given_names,
            "english_name.given_names",
            80,
        ),
    );
    let chinese_name = req
        .chinese_name
        .as_deref()
        .map(|c| take(&mut errors, person::chinese_name(c, "chinese_name")))
        .unwrap_or(Some(None));
    let dob = take(
        &mut errors,
        person::parse_date_of_birth(&req.date_of_birth, "date_of_birth", today),
    );
    let phone = req
        .phone
        .as_deref()
        .map(|p| take(&mut errors, person::phone(p, "phone")).map(Some))
        .unwrap_or(Some(None));
    let identity = ValidIdentity::parse(&req.identity_document, "identity_document")
        .map_err(|e| errors.extend(e))
        .ok();
    let basis = if req.incapable_of_consent {
        SdmBasis::Incapable
    } else {
        SdmBasis::Child
    };
    let relation = relation(basis, req.relationship);
    if relation.is_none() {
        errors.push(FieldError::new("relationship", FieldCode::NotEligible));
    }
    let (
        Some(identity),
        Some(surname),
        Some(given_names),
        Some(chinese_name),
        Some(date_of_birth),
        Some(phone),
        Some((priority, needs_review)),
    ) = (
        identity,
        surname,
        given_names,
        chinese_name,
        dob,
        phone,
        relation,
    )
    else {
        return Err(ApiError::validation(errors));
    };
    if basis == SdmBasis::Child && person::has_attained(date_of_birth, ADULT_AGE, today) {
        return Err(ApiError::unprocessable(ErrorCode::IncapableOfConsentRequired));
    }
    Ok(ValidDependant {
        identity,
        surname,
        given_names,
        chinese_name,
        date_of_birth,
        phone,
        basis,
        priority,
        needs_review,
    })
}

/// The caller must be a verified patient of 16 or over.
fn eligible_sdm(c: &mut DbConn, who: &str, today: NaiveDate) -> ApiResult<Patient> {
    let sdm = store::patients::find(c, who)?.ok_or_else(ApiError::not_found)?;
    if sdm.status != "verified" {
        return Err(ApiError::forbidden(ErrorCode::SdmNotVerified));
    }
    if !person::has_attained(parse_dob(&sdm.date_of_birth)?, ADULT_AGE, today) {
        return Err(ApiError::forbidden(ErrorCode::SdmNotEligible));
    }
    Ok(sdm)
}

pub async fn create(
    state: &AppState,
    who: &PatientSession,
    req: CreateDependantRequest,
) -> ApiResult<CreateDependantResponse> {
    let today = state.clock.today_hk();
    let valid = validate(&req, today)?;
    let id_hash = state.secrets.lookup_hash(&valid.identity.uniqueness_key());
    // Joining an existing dependant proves the document and date of birth: each caller's
    // guesses are limited (per caller, so nobody can lock a family out by guessing for them).
    rate_limit(
        state,
        &format!("sdm:{}", who.patient_id),
        state.config.rate_limit_per_identity,
        Duration::from_secs(3600),
    )
    .await?;
    let id_cipher = state
        .secrets
        .encrypt(valid.identity.number())
        .map_err(ApiError::internal)?;
    let now = state.now_ms();
    let actor = who.patient_id.clone();
    let language = req.preferred_language;
    let sex = req.sex;
    let relationship = req.relationship;
    let response = state
        .db
        .transaction(move |c| {
            let sdm = eligible_sdm(c, &actor, today)?;
            if sdm.id_hash == id_hash {
                return Err(ApiError::unprocessable(ErrorCode::CannotBeOwnSdm));
            }
            let (patient_id, created, forced_review) =
                match store::patients::find_by_id_hash(c, &id_hash)? {
                    Some(existing) => {
                        if parse_dob(&existing.date_of_birth)? != valid.date_of_birth {
                            return Err(ApiError::conflict(ErrorCode::IdentityProofMismatch));
                        }
                        if existing.status == "withdrawn" {
                            return Err(ApiError::conflict(ErrorCode::AccountWithdrawn));
                        }
                        (existing.id.clone(), false, join_needs_review(c, &existing, valid.basis)?)
                    }
                    None => {
                        let patient = Patient {
                            id: Uuid::now_v7().to_string(),
                            id_doc_type: valid.identity.doc_type.as_str().to_owned(),
                            id_issuing_country: valid.identity.issuing_country.clone(),
                            id_hash: id_hash.clone(),
                            id_cipher,
                            id_masked: valid.identity.masked().to_owned(),
                            english_surname: valid.surname,
                            english_given_names: valid.given_names,
                            chinese_name: valid.chinese_name,
                            date_of_birth: valid.date_of_birth.format("%Y-%m-%d").to_string(),
                            sex: sex.as_str().to_owned(),
                            phone: valid.phone.unwrap_or_else(|| sdm.phone.clone()),
                            email: None,
                            preferred_language: language
                                .map(|l| l.as_str().to_owned())
                                .unwrap_or_else(|| sdm.preferred_language.clone()),
                            notify_on_access: true,
                            status: "unverified".to_owned(),
                            verification_method: None,
                            verification_reference: None,
                            verified_by: None,
                            verified_at: None,
                            created_at: now,
                            updated_at: now,
                        };
                        store::patients::insert(c, &patient)
                            .map_err(|e| unique_as(e, ErrorCode::IdentityProofMismatch))?;
                        store::sync::create_scope(c, &patient.id, &patient.id, now)?;
                        // An incapable link for a child would outlive the 16th birthday: the
                        // registration office must approve it (DOMAIN.md, coming of age).
                        let outlives_childhood = valid.basis == SdmBasis::Incapable
                            && !person::has_attained(valid.date_of_birth, ADULT_AGE, today);
                        (patient.id, true, outlives_childhood)
                    }
                };
            let basis = match valid.basis {
                SdmBasis::Child => BASIS_CHILD,
                SdmBasis::Incapable => BASIS_INCAPABLE,
            };
            if family::between(c, &actor, &patient_id)?
                .iter()
                .any(|l| l.is_open() && l.basis == basis)
            {
                return Err(ApiError::conflict(ErrorCode::SdmLinkExists));
            }
            let pending = valid.needs_review || forced_review;
            let link = Link {
                id: Uuid::now_v7().to_string(),
                patient_id: patient_id.clone(),
                sdm_patient_id: actor.clone(),
                basis: basis.to_owned(),
                relationship: relationship.as_str().to_owned(),
                priority: valid.priority,
                status: if pending { PENDING } else { ACTIVE }.to_owned(),
                created_at: now,
                reviewed_at: None,
                reviewed_by: None,
                review_reason: None,
                ended_at: None,
                ended_reason: None,
                ended_by: None,
                ended_detail: None,
            };
            family::insert(c, &link).map_err(|e| unique_as(e, ErrorCode::SdmLinkExists))?;
            // Everyone who acts for the dependant, and the person themselves if they hold an
            // account, hears that someone joined or asked to.
            let payload = json!({"type": "sdm_joined", "patient_id": patient_id, "link_id": link.id, "link_status": link.status});
            for to in concerned(c, &patient_id, &actor)? {
                store::sync::enqueue(c, &OutboxRow::notice("sdm_joined", &to, payload.clone(), now))?;
            }
            Ok(CreateDependantResponse {
                patient_id,
                link_id: link.id,
                link_status: if pending {
                    SdmLinkStatus::PendingReview
                } else {
                    SdmLinkStatus::Active
                },
                dependant_created: created,
            })
        })
        .await?;
    tracing::info!(
        patient_id = %response.patient_id,
        link_id = %response.link_id,
        created = response.dependant_created,
        "dependant link created"
    );
    Ok(response)
}

/// `value` only while the link grants authority.
fn shown<T>(authority: bool, value: T) -> Option<T> {
    authority.then_some(value)
}

/// Whether joining an already registered person must wait for the registration office: always
/// for the `incapable` basis (it outlives the 16th birthday), when the person holds their own
/// account, and when the office has already approved an SDM of theirs (a self-declared parent
/// must not outrank or remove a guardian or court appointee the office checked). Our choice.
fn join_needs_review(c: &mut DbConn, existing: &Patient, basis: SdmBasis) -> ApiResult<bool> {
    Ok(basis == SdmBasis::Incapable
        || store::passkeys::has_any(c, &existing.id)?
        || family::of_patient(c, &existing.id)?
            .iter()
            .any(|l| l.status == ACTIVE && l.reviewed_at.is_some()))
}

/// Who hears about a change to a patient's SDMs: every active SDM but `except`, and the patient
/// if they hold their own account.
pub(crate) fn concerned(c: &mut DbConn, patient_id: &str, except: &str) -> ApiResult<Vec<String>> {
    let mut to: Vec<String> = family::of_patient(c, patient_id)?
        .into_iter()
        .filter(|l| l.status == ACTIVE && l.sdm_patient_id != except)
        .map(|l| l.sdm_patient_id)
        .collect();
    if store::passkeys::has_any(c, patient_id)? {
        to.push(patient_id.to_owned());
    }
    to.sort();
    to.dedup();
    Ok(to)
}

pub async fn list(state: &AppState, who: &PatientSession) -> ApiResult<ListDependantsResponse> {
    let actor = who.patient_id.clone();
    let today = state.clock.today_hk();
    state
        .db
        .run(move |c| {
            let mut dependants = Vec::new();
            for link in family::of_sdm(c, &actor)? {
                let p = store::patients::find(c, &link.patient_id)?
                    .ok_or_else(|| ApiError::internal("link to a missing patient"))?;
                let dob = parse_dob(&p.date_of_birth)?;
                let (link_status, ended_reason) = effective_status(&link, dob, today);
                let basis = basis_of(&link);
                let authority = standing(&link, dob, today) == Standing::Grants;
                dependants.push(DependantSummary {
                    patient_id: p.id.clone(),
                    link_id: link.id.clone(),
                    link_status,
                    relationship: relationship_of(&link)?,
                    basis,
                    priority: link.priority,
                    authority,
                    english_name: shown(authority, english_name(&p)),
                    chinese_name: p.chinese_name.clone().filter(|_| authority),
                    date_of_birth: shown(authority, p.date_of_birth.clone()),
                    identity_document: shown(authority, masked_document(&p)?),
                    patient_status: shown(authority, patient_status(&p)?),
                    authority_ends_on: (basis == SdmBasis::Child)
                        .then(|| authority_ends_on(dob))
                        .flatten()
                        .map(|d| d.format("%Y-%m-%d").to_string()),
                    document_uploaded: family::document_meta(c, &link.id)?.is_some(),
                    review_reason: link.review_reason.clone(),
                    ended_reason,
                    ended_detail: link.ended_detail.clone(),
                    has_own_account: shown(authority, store::passkeys::has_any(c, &p.id)?),
                });
            }
            Ok(ListDependantsResponse { dependants })
        })
        .await
}

pub async fn get_patient(
    state: &AppState,
    who: &PatientSession,
    patient_id: &str,
) -> ApiResult<PatientResponse> {
    let acting = super::act_for(state, who, patient_id, "view_patient").await?;
    let today = state.clock.today_hk();
    state
        .db
        .run(move |c| {
            let p =
                store::patients::find(c, &acting.patient_id)?.ok_or_else(ApiError::not_found)?;
            let dob = parse_dob(&p.date_of_birth)?;
            let mut sdms = Vec::new();
            for link in family::of_patient(c, &p.id)? {
                let (status, _) = effective_status(&link, dob, today);
                if !matches!(status, SdmLinkStatus::Active | SdmLinkStatus::PendingReview) {
                    continue;
                }
                let sdm = store::patients::find(c, &link.sdm_patient_id)?
                    .ok_or_else(|| ApiError::internal("link from a missing SDM"))?;
                sdms.push(PatientSdm {
                    link_id: link.id.clone(),
                    english_name: english_name(&sdm),
                    relationship: relationship_of(&link)?,
                    basis: basis_of(&link),
                    priority: link.priority,
                    link_status: status,
                    since: rfc3339_ms(link.created_at),
                    you: link.sdm_patient_id == acting.actor_id,
                });
            }
            sdms.sort_by_key(|s| s.priority);
            Ok(PatientResponse {
                patient_id: p.id.clone(),
                identity_document: masked_document(&p)?,
                english_name: english_name(&p),
                chinese_name: p.chinese_name.clone(),
                date_of_birth: p.date_of_birth.clone(),
                sex: if p.sex == "F" {
                    ehealth_contracts::Sex::F
                } else {
                    ehealth_contracts::Sex::M
                },
                status: patient_status(&p)?,
                has_own_account: store::passkeys::has_any(c, &p.id)?,
                acting_as: if acting.link_id.is_some() {
                    "sdm"
                } else {
                    "self"
                }
                .to_owned(),
                sdms,
            })
        })
        .await
}

/// Ends a link: the SDM stepping down from their own, or an SDM of strictly higher priority
/// (same basis) removing another's. Equal priorities cannot remove each other (our choice: a
/// dispute between two parents goes to the registration office).
pub async fn end_link(state: &AppState, who: &PatientSession, link_id: &str) -> ApiResult<()> {
    let actor = who.patient_id.clone();
    let id = link_id.to_owned();
    let today = state.clock.today_hk();
    let now = state.now_ms();
    state
        .db
        .transaction(move |c| {
            let link = family::find(c, &id)?.ok_or_else(ApiError::not_found)?;
            let reason = if link.sdm_patient_id == actor {
                STEPPED_DOWN
            } else {
                if !matches!(authority(c, &actor, &link.patient_id, today), Ok(Some(_))) {
                    // Not someone who may act for this dependant: reveal nothing.
                    return Err(ApiError::not_found());
                }
                let dependant = store::patients::find(c, &link.patient_id)?
                    .ok_or_else(ApiError::not_found)?;
                let dob = parse_dob(&dependant.date_of_birth)?;
                let my_priority = family::between(c, &actor, &link.patient_id)?
                    .into_iter()
                    .filter(|l| l.basis == link.basis && standing(l, dob, today) == Standing::Grants)
                    .map(|l| l.priority)
                    .min();
                if my_priority.is_none_or(|mine| mine >= link.priority) {
                    return Err(ApiError::forbidden(ErrorCode::SdmPriorityInsufficient));
                }
                REMOVED
            };
            if !family::end(c, &id, reason, &actor, now)? {
                return Err(ApiError::conflict(ErrorCode::SdmLinkClosed));
            }
            if reason == REMOVED {
                store::sync::enqueue(
                    c,
                    &OutboxRow::notice(
                        "sdm_link_ended",
                        &link.sdm_patient_id,
                        json!({"type": "sdm_link_ended", "patient_id": link.patient_id, "link_id": id, "reason": REMOVED}),
                        now,
                    ),
                )?;
            }
            Ok(())
        })
        .await?;
    tracing::info!(%link_id, "sdm link ended");
    Ok(())
}
