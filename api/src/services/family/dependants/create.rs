//! `POST /v1/dependants`: an SDM registers a dependant, or joins as a further SDM of someone
//! already registered. In steps: check the request, check the caller, find (join) or register
//! the dependant, open the link (active; pending the registration office's review; or, for a
//! join, pending an SDM's approval), and tell those concerned.

use std::time::Duration;

use chrono::NaiveDate;
use ehealth_contracts::{
    CreateDependantRequest, CreateDependantResponse, ErrorCode, FieldCode, Language, PatientStatus,
    SdmBasis, SdmLinkStatus, SdmRelationship, Sex,
};

use super::join;
use crate::domain::authority::relation;
use crate::domain::identity::ValidIdentity;
use crate::domain::ids::{LinkId, PatientId};
use crate::domain::notices;
use crate::domain::person::{self, ADULT_AGE, parse_dob};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::PatientSession;
use crate::services::checks::{take, unique_as};
use crate::services::family::{concerned, deciders};
use crate::services::limits::rate_limit;
use crate::state::AppState;
use crate::store::family::{self, Link};
use crate::store::outbox::OutboxRow;
use crate::store::patients::Patient;
use crate::store::{self, DbConn};

/// The dependant's details after every field check.
struct ValidDependant {
    identity: ValidIdentity,
    surname: String,
    given_names: String,
    chinese_name: Option<String>,
    date_of_birth: NaiveDate,
    phone: Option<String>,
    sex: Sex,
    preferred_language: Option<Language>,
    relationship: SdmRelationship,
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
        return Err(ApiError::unprocessable(
            ErrorCode::IncapableOfConsentRequired,
        ));
    }
    Ok(ValidDependant {
        identity,
        surname,
        given_names,
        chinese_name,
        date_of_birth,
        phone,
        sex: req.sex,
        preferred_language: req.preferred_language,
        relationship: req.relationship,
        basis,
        priority,
        needs_review,
    })
}

/// The caller must be a verified patient of 16 or over.
fn eligible_sdm(c: &mut DbConn, who: &str, today: NaiveDate) -> ApiResult<Patient> {
    let sdm = store::patients::find(c, who)?.ok_or_else(ApiError::not_found)?;
    if sdm.status()? != PatientStatus::Verified {
        return Err(ApiError::forbidden(ErrorCode::SdmNotVerified));
    }
    if !person::has_attained(parse_dob(&sdm.date_of_birth)?, ADULT_AGE, today) {
        return Err(ApiError::forbidden(ErrorCode::SdmNotEligible));
    }
    Ok(sdm)
}

/// The dependant a new link is for.
struct Dependant {
    patient_id: PatientId,
    /// Whether this request registered them.
    created: bool,
    /// The status the new link starts in.
    link_status: SdmLinkStatus,
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
    let response = state
        .db
        .transaction(move |c| {
            let sdm = eligible_sdm(c, &actor, today)?;
            if sdm.id_hash == id_hash {
                return Err(ApiError::unprocessable(ErrorCode::CannotBeOwnSdm));
            }
            let dependant = match store::patients::find_by_id_hash(c, &id_hash)? {
                Some(existing) => {
                    join::prove(&existing, valid.date_of_birth)?;
                    let link_status =
                        join::join_status(c, &existing, valid.basis, valid.needs_review, today)?;
                    Dependant {
                        patient_id: existing.id.clone(),
                        created: false,
                        link_status,
                    }
                }
                None => register(c, &sdm, &valid, id_hash, id_cipher, now)?,
            };
            let link = open_link(c, &actor, &dependant, &valid, now)?;
            announce(c, &link, &actor, today, now)?;
            Ok(CreateDependantResponse {
                patient_id: dependant.patient_id.into(),
                link_status: link.status()?,
                link_id: link.id.into(),
                dependant_created: dependant.created,
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

/// Registers a person nobody has registered yet (with the SDM's phone and language where the
/// request gives none) and opens their sync scope.
fn register(
    c: &mut DbConn,
    sdm: &Patient,
    valid: &ValidDependant,
    id_hash: String,
    id_cipher: Vec<u8>,
    now: i64,
) -> ApiResult<Dependant> {
    let patient = Patient {
        id: PatientId::mint(),
        id_doc_type: valid.identity.doc_type.as_str().to_owned(),
        id_issuing_country: valid.identity.issuing_country.clone(),
        id_hash,
        id_cipher,
        id_masked: valid.identity.masked().to_owned(),
        english_surname: valid.surname.clone(),
        english_given_names: valid.given_names.clone(),
        chinese_name: valid.chinese_name.clone(),
        date_of_birth: valid.date_of_birth.format("%Y-%m-%d").to_string(),
        sex: valid.sex.as_str().to_owned(),
        phone: valid.phone.clone().unwrap_or_else(|| sdm.phone.clone()),
        email: None,
        preferred_language: valid
            .preferred_language
            .map(|l| l.as_str().to_owned())
            .unwrap_or_else(|| sdm.preferred_language.clone()),
        notify_on_access: true,
        status: PatientStatus::Unverified.as_str().to_owned(),
        verification_method: None,
        verification_reference: None,
        verified_by: None,
        verified_at: None,
        created_at: now,
        updated_at: now,
    };
    store::patients::insert(c, &patient)
        .map_err(|e| unique_as(e, ErrorCode::IdentityProofMismatch))?;
    store::sync_scopes::create_scope(c, &patient.id, &patient.id, now)?;
    // Every link on the `incapable` basis waits for the registration office, which sees the
    // person: otherwise anyone could register an adult's document as their dependant.
    let link_status = if valid.needs_review || valid.basis == SdmBasis::Incapable {
        SdmLinkStatus::PendingReview
    } else {
        SdmLinkStatus::Active
    };
    Ok(Dependant {
        patient_id: patient.id,
        created: true,
        link_status,
    })
}

/// Opens the caller's link to the dependant (one open link per basis), in the status decided
/// by [`register`] or [`join::join_status`].
fn open_link(
    c: &mut DbConn,
    actor: &PatientId,
    dependant: &Dependant,
    valid: &ValidDependant,
    now: i64,
) -> ApiResult<Link> {
    let basis = valid.basis.as_str();
    if family::between(c, actor, &dependant.patient_id)?
        .iter()
        .any(|l| l.is_open() && l.basis == basis)
    {
        return Err(ApiError::conflict(ErrorCode::SdmLinkExists));
    }
    let link = Link {
        id: LinkId::mint(),
        patient_id: dependant.patient_id.clone(),
        sdm_patient_id: actor.clone(),
        basis: basis.to_owned(),
        relationship: valid.relationship.as_str().to_owned(),
        priority: valid.priority,
        status: dependant.link_status.as_str().to_owned(),
        created_at: now,
        reviewed_at: None,
        reviewed_by: None,
        review_reason: None,
        ended_at: None,
        ended_reason: None,
        ended_by: None,
        ended_detail: None,
        sync_version: 0,
        granted_at: (dependant.link_status == SdmLinkStatus::Active).then_some(now),
    };
    family::insert(c, &link).map_err(|e| unique_as(e, ErrorCode::SdmLinkExists))?;
    Ok(link)
}

/// Everyone who acts for the dependant, and the person themselves if they hold an account,
/// hears that someone joined or asked to; a join that waits for an SDM's approval asks each
/// SDM with authority (`sdm_join_requested`).
fn announce(c: &mut DbConn, link: &Link, actor: &str, today: NaiveDate, now: i64) -> ApiResult<()> {
    let status = link.status()?;
    if status == SdmLinkStatus::PendingApproval {
        let payload = notices::sdm_join_requested(&link.patient_id, &link.id);
        for to in deciders(c, &link.patient_id, today)? {
            store::outbox::enqueue(c, &OutboxRow::notice(&to, payload.clone(), now)?)?;
        }
        return Ok(());
    }
    let payload = notices::sdm_joined(&link.patient_id, &link.id, status);
    for to in concerned(c, &link.patient_id, actor)? {
        store::outbox::enqueue(c, &OutboxRow::notice(&to, payload.clone(), now)?)?;
    }
    Ok(())
}
