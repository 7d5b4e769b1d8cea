//! Records: deposited by any participating HCP, read by a healthcare professional only when all
//! four DOMAIN.md conditions hold, every attempt appended to the patient's hash-chained access
//! log (`services::access_log`) in the same transaction as the read.

use chrono::DateTime;
use ehealth_contracts::{
    DataCategory, DepositRecordRequest, ErrorCode, FieldCode, ListRecordsResponse, PatientStatus,
    Profession, RecordReadRequest, RecordReadResponse, RecordResponse,
};
use uuid::Uuid;

use super::access_log::{Outcome, log_attempt, log_entry};
use super::consent::has_valid_consent;
use super::family::act_for;
use crate::domain::ids::PatientId;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::{PatientSession, StaffSession};
use crate::state::AppState;
use crate::store::hcps::Hcp;
use crate::store::patients::Patient;
use crate::store::records::Record;
use crate::store::{self, DbConn};

/// The categories a profession may read (DOMAIN.md's default role matrix, our choice).
/// `patient_reported` needs the patient to share their diaries with the HCP, which no patient
/// can do yet, so no profession reads it.
pub fn allowed_categories(p: Profession) -> Vec<DataCategory> {
    use DataCategory::*;
    use Profession::*;
    let clinical = [
        AllergyAdr,
        Vaccination,
        Medication,
        LabResult,
        Radiology,
        Diagnosis,
        Encounter,
        ChineseMedicine,
    ];
    match p {
        MedicalPractitioner | Dentist | Nurse | Midwife => clinical.to_vec(),
        ChineseMedicinePractitioner => clinical.into_iter().filter(|c| *c != Radiology).collect(),
        Pharmacist => vec![AllergyAdr, Medication, Vaccination, LabResult],
        MedicalLaboratoryTechnologist => vec![AllergyAdr, Diagnosis, Encounter, LabResult],
        Radiographer => vec![AllergyAdr, Diagnosis, Encounter, Radiology],
        _ => vec![AllergyAdr, Diagnosis, Encounter],
    }
}

fn record_wire(r: Record) -> ApiResult<RecordResponse> {
    Ok(RecordResponse {
        category: DataCategory::parse(&r.category)
            .ok_or_else(|| ApiError::internal("record row has an unknown category"))?,
        record_id: r.id,
        patient_id: r.patient_id,
        hcp_id: r.hcp_id,
        code: r.code,
        display: r.display,
        value: r.value,
        recorded_at: r.recorded_at,
        location_id: r.location_id,
    })
}

/// Deposit (joining consent): any active staff member or system of a participating HCP.
/// Who deposits: (HCP, `staff:<id>` or `system:<id>`).
pub struct Depositor {
    pub hcp_id: String,
    pub by: String,
}

/// Checks a deposit's fields (every error at once); gives the time it was recorded, in ms.
fn validate_deposit(req: &DepositRecordRequest) -> ApiResult<i64> {
    let mut errors = Vec::new();
    for (field, value, max) in [("code", &req.code, 64), ("display", &req.display, 200)] {
        if value.trim().is_empty() {
            errors.push(FieldError::new(field, FieldCode::Required));
        } else if value.chars().count() > max {
            errors.push(FieldError::new(field, FieldCode::TooLong));
        }
    }
    if req.value.as_ref().is_some_and(|v| v.chars().count() > 200) {
        errors.push(FieldError::new("value", FieldCode::TooLong));
    }
    let at = DateTime::parse_from_rfc3339(&req.recorded_at).ok();
    if at.is_none() {
        errors.push(FieldError::new("recorded_at", FieldCode::InvalidFormat));
    }
    match at {
        Some(at) if errors.is_empty() => Ok(at.timestamp_millis()),
        _ => Err(ApiError::validation(errors)),
    }
}

pub async fn deposit(
    state: &AppState,
    who: &Depositor,
    patient_id: &PatientId,
    req: DepositRecordRequest,
) -> ApiResult<RecordResponse> {
    let at_ms = validate_deposit(&req)?;
    let now = state.now_ms();
    let record = Record {
        id: Uuid::now_v7().to_string(),
        patient_id: patient_id.to_string(),
        hcp_id: who.hcp_id.clone(),
        category: req.category.as_str().to_owned(),
        code: req.code.trim().to_owned(),
        display: req.display.trim().to_owned(),
        value: req.value.clone(),
        recorded_at: req.recorded_at.clone(),
        recorded_at_ms: at_ms,
        location_id: req.location_id.clone(),
        deposited_by: who.by.clone(),
        created_at: now,
        sync_version: 0,
    };
    let row = record.clone();
    let hcp = who.hcp_id.clone();
    state
        .db
        .transaction(move |c| {
            crate::services::checks::registered_hcp(c, &hcp)?;
            let p = store::patients::find(c, &row.patient_id)?.ok_or_else(ApiError::not_found)?;
            if p.status()? == PatientStatus::Withdrawn {
                return Err(ApiError::forbidden(ErrorCode::AccountWithdrawn));
            }
            if let Some(loc) = &row.location_id
                && !store::hcps::locations_of(c, std::slice::from_ref(&hcp))?
                    .iter()
                    .any(|l| &l.id == loc)
            {
                return Err(ApiError::validation(vec![FieldError::new(
                    "location_id",
                    FieldCode::NotFound,
                )]));
            }
            // Records sync down to the patient's and SDMs' devices.
            let mut row = row;
            row.sync_version = store::sync_scopes::take_versions(c, &row.patient_id, 1)?;
            store::records::insert_record(c, &row)?;
            crate::services::sync::poke(c, &row.patient_id, "server", now)
        })
        .await?;
    tracing::info!(record_id = %record.id, "record deposited");
    record_wire(record)
}

/// The patient (or an SDM) sees every record in their own record.
pub async fn list_for_patient(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
) -> ApiResult<ListRecordsResponse> {
    let acting = act_for(state, who, patient_id, "read_records").await?;
    let rows = acting
        .read(state, |c, acting| {
            fetch(c, &acting.patient_id, DataCategory::ALL)
        })
        .await?;
    Ok(ListRecordsResponse {
        records: rows
            .into_iter()
            .map(record_wire)
            .collect::<ApiResult<_>>()?,
    })
}

/// A professional's read. Allowed or refused, the attempt is logged in the same transaction
/// as the consent check and the records read; the patient's row is locked first, so a
/// revocation that committed before the read began is always seen, and the read's time is
/// taken after the lock, so no allowed read is stamped later than a revocation that followed.
/// A patient who asked to be told of reads hears of refused ones too.
pub async fn read(
    state: &AppState,
    who: &StaffSession,
    patient_id: &PatientId,
    req: RecordReadRequest,
) -> ApiResult<RecordReadResponse> {
    let (profession, categories) = asked_categories(who, &req)?;
    let today = state.clock.today_hk();
    let clock = state.clock.clone();
    let who = who.clone();
    let id = patient_id.to_owned();
    let log_access = state.config.access_log_enabled;
    let secrets = state.secrets.clone();
    let asked = categories.clone();
    let (entry, records, refused) = state
        .db
        .transaction(move |c| {
            let (patient, hcp) = authorise_reader(c, &who, &id)?;
            let now = clock.now_ms();
            let refused = refusal(c, &patient, &hcp, profession, &categories, &req, today)?;
            let records = match refused {
                None => fetch(c, &id, &categories)?,
                Some(_) => Vec::new(),
            };
            let outcome = refused.map_or(Outcome::Allowed, Outcome::Refused);
            let entry = log_entry(&who, &hcp, &id, &categories, &req.purpose, outcome, now);
            let entry = if log_access {
                let notify = patient.notify_on_access;
                log_attempt(c, &secrets, entry, notify, now)?
            } else {
                entry
            };
            Ok((entry, records, refused))
        })
        .await?;
    if let Some(code) = refused {
        tracing::info!(access_id = %entry.id, code = code.as_str(), "record read refused");
        return Err(ApiError::forbidden(code));
    }
    Ok(RecordReadResponse {
        access_id: entry.id,
        categories: asked,
        records: records
            .into_iter()
            .map(record_wire)
            .collect::<ApiResult<_>>()?,
    })
}

/// The reader's profession and the categories asked for (all it may read when none are named),
/// sorted and without repeats.
fn asked_categories(
    who: &StaffSession,
    req: &RecordReadRequest,
) -> ApiResult<(Profession, Vec<DataCategory>)> {
    if req.purpose.chars().count() > 200 {
        return Err(ApiError::validation(vec![FieldError::new(
            "purpose",
            FieldCode::TooLong,
        )]));
    }
    let profession = Profession::parse(&who.profession)
        .ok_or_else(|| ApiError::internal("staff with an unknown profession"))?;
    let mut categories = req
        .categories
        .clone()
        .unwrap_or_else(|| allowed_categories(profession));
    categories.sort_by_key(|c| c.as_str());
    categories.dedup();
    Ok((profession, categories))
}

/// Locks the patient's row (so a revocation committed before the read is seen) and checks the
/// reader is still an active member of their HCP: deactivation commits before this read.
fn authorise_reader(
    c: &mut DbConn,
    who: &StaffSession,
    patient_id: &PatientId,
) -> ApiResult<(Patient, Hcp)> {
    if !store::patients::lock(c, patient_id)? {
        return Err(ApiError::not_found());
    }
    let patient = store::patients::find(c, patient_id)?.ok_or_else(ApiError::not_found)?;
    store::staff::find_staff(c, &who.staff_id)?
        .filter(|s| s.status == store::staff::STAFF_ACTIVE && s.hcp_id == who.hcp_id)
        .ok_or_else(|| ApiError::unauthorized(ErrorCode::InvalidToken))?;
    let hcp = crate::services::checks::registered_hcp(c, &who.hcp_id)?;
    Ok((patient, hcp))
}

/// Why a read is refused (the first of DOMAIN.md's four conditions that fails), or `None`.
fn refusal(
    c: &mut DbConn,
    patient: &Patient,
    hcp: &Hcp,
    profession: Profession,
    categories: &[DataCategory],
    req: &RecordReadRequest,
    today: chrono::NaiveDate,
) -> ApiResult<Option<ErrorCode>> {
    // 1. registered, verified, not withdrawn
    match patient.status()? {
        PatientStatus::Withdrawn => return Ok(Some(ErrorCode::PatientWithdrawn)),
        PatientStatus::Verified => {}
        PatientStatus::Unverified => return Ok(Some(ErrorCode::PatientNotVerified)),
    }
    // 2. public HCP (deemed consent) or a valid sharing consent
    if hcp.sector != "public" && !has_valid_consent(c, &patient.id, &hcp.id, today)? {
        return Ok(Some(ErrorCode::NoSharingConsent));
    }
    // 3. the profession's role allows every category asked for
    let allowed = allowed_categories(profession);
    if categories.iter().any(|k| !allowed.contains(k)) {
        return Ok(Some(ErrorCode::CategoryNotPermitted));
    }
    // 4. the patient is under the professional's care, for a stated purpose
    if !req.under_care {
        return Ok(Some(ErrorCode::CareRelationshipRequired));
    }
    // A purpose says something: at least one letter or digit (a zero-width space, or
    // punctuation alone, is no purpose).
    if !req.purpose.chars().any(char::is_alphanumeric) {
        return Ok(Some(ErrorCode::PurposeRequired));
    }
    Ok(None)
}

/// The patient's records in the given categories.
fn fetch(c: &mut DbConn, patient_id: &str, categories: &[DataCategory]) -> ApiResult<Vec<Record>> {
    let names: Vec<String> = categories.iter().map(|k| k.as_str().to_owned()).collect();
    Ok(store::records::records_of(c, patient_id, &names)?)
}
