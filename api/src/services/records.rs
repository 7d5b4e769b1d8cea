//! Records: deposited by any participating HCP, read by a healthcare professional only when all
//! four DOMAIN.md conditions hold, every attempt appended to the patient's hash-chained access
//! log in the same transaction as the read. Withdrawal ends sharing at once.

use chrono::DateTime;
use ehealth_contracts::ErrorCode;
use ehealth_contracts::FieldCode;
use ehealth_contracts::{
    AccessLogEntry, AccessLogResponse, AccessOutcome, DataCategory, DepositRecordRequest,
    ListRecordsResponse, PatientLookupRequest, PatientLookupResponse, PatientStatus, Profession,
    RecordReadRequest, RecordReadResponse, RecordResponse, VerifyAccessLogResponse,
    WithdrawResponse,
};
use serde_json::json;
use uuid::Uuid;

use super::consent::{is_valid, record_event};
use super::family::act_for;
use crate::clock::rfc3339_ms;
use crate::crypto::Secrets;
use crate::domain::identity::ValidIdentity;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::{PatientSession, StaffSession};
use crate::state::AppState;
use crate::store::consents::{self, LogEntry, Record};
use crate::store::sync::OutboxRow;
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

pub async fn deposit(
    state: &AppState,
    who: &Depositor,
    patient_id: &str,
    req: DepositRecordRequest,
) -> ApiResult<RecordResponse> {
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
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let at_ms = at.map(|a| a.timestamp_millis()).unwrap_or_default();
    let now = state.now_ms();
    let record = Record {
        id: Uuid::now_v7().to_string(),
        patient_id: patient_id.to_owned(),
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
            let p = store::patients::find(c, &row.patient_id)?.ok_or_else(ApiError::not_found)?;
            if p.status == "withdrawn" {
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
            row.sync_version = store::sync::take_versions(c, &row.patient_id, 1)?;
            consents::insert_record(c, &row)?;
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
    patient_id: &str,
) -> ApiResult<ListRecordsResponse> {
    let acting = act_for(state, who, patient_id, "read_records").await?;
    let all: Vec<String> = DataCategory::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    let rows = state
        .db
        .run(move |c| Ok(consents::records_of(c, &acting.patient_id, &all)?))
        .await?;
    Ok(ListRecordsResponse {
        records: rows
            .into_iter()
            .map(record_wire)
            .collect::<ApiResult<_>>()?,
    })
}

/// Finding the patient at the counter by identity document (logged, ids only).
pub async fn lookup(
    state: &AppState,
    who: &StaffSession,
    req: PatientLookupRequest,
) -> ApiResult<PatientLookupResponse> {
    let identity = ValidIdentity::parse(&req.identity_document, "identity_document")
        .map_err(ApiError::validation)?;
    super::limits::rate_limit(
        state,
        &format!("lookup:{}", who.staff_id),
        state.config.rate_limit_per_address,
        std::time::Duration::from_secs(60),
    )
    .await?;
    let hash = state.secrets.lookup_hash(&identity.uniqueness_key());
    let patient = state
        .db
        .run(move |c| Ok(store::patients::find_by_id_hash(c, &hash)?))
        .await?
        .ok_or_else(ApiError::not_found)?;
    tracing::info!(staff_id = %who.staff_id, hcp_id = %who.hcp_id, patient_id = %patient.id, "patient looked up");
    Ok(PatientLookupResponse {
        patient_id: patient.id,
    })
}

/// The genesis "previous hash" of every patient's log.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The entry's canonical bytes: its fields in a fixed order as compact JSON.
fn canonical(e: &LogEntry) -> Vec<u8> {
    json!([
        e.patient_id,
        e.seq,
        e.id,
        e.staff_id,
        e.staff_name,
        e.hcp_id,
        e.hcp_name,
        e.profession,
        e.categories,
        e.purpose,
        e.outcome,
        e.reason,
        e.at
    ])
    .to_string()
    .into_bytes()
}

/// HMAC-SHA-256 (keyed from `EHEALTH_SECRET_KEY`, which the database does not hold) over the
/// previous hash and the entry's canonical bytes: someone who can write to the database but
/// lacks the key cannot rewrite an entry and recompute the chain after it.
pub fn entry_hash(secrets: &Secrets, prev_hash: &str, e: &LogEntry) -> String {
    let canonical = String::from_utf8(canonical(e)).unwrap_or_default();
    secrets.access_log_mac(&format!("{prev_hash}\n{canonical}"))
}

/// Appends an entry (the patient's row is locked by the caller).
fn append(c: &mut DbConn, secrets: &Secrets, mut e: LogEntry) -> ApiResult<LogEntry> {
    let (seq, prev) = consents::last_log_entry(c, &e.patient_id)?
        .map_or((1, GENESIS.to_owned()), |(s, h)| (s + 1, h));
    e.seq = seq;
    e.prev_hash = prev;
    e.hash = entry_hash(secrets, &e.prev_hash, &e);
    // The log syncs down to the patient's and SDMs' devices (the version is outside the hash:
    // it is where the entry sits in the sync stream, not part of what was recorded).
    e.sync_version = store::sync::take_versions(c, &e.patient_id, 1)?;
    consents::append_log(c, &e)?;
    Ok(e)
}

/// Why a read is refused (the first of DOMAIN.md's four conditions that fails), or `None`.
fn refusal(
    c: &mut DbConn,
    patient: &store::patients::Patient,
    hcp: &store::hcps::Hcp,
    profession: Profession,
    categories: &[DataCategory],
    req: &RecordReadRequest,
    today: chrono::NaiveDate,
) -> ApiResult<Option<ErrorCode>> {
    // 1. registered, verified, not withdrawn
    match patient.status.as_str() {
        "withdrawn" => return Ok(Some(ErrorCode::PatientWithdrawn)),
        "verified" => {}
        _ => return Ok(Some(ErrorCode::PatientNotVerified)),
    }
    // 2. public HCP (deemed consent) or a valid sharing consent
    if hcp.sector != "public"
        && !consents::active(c, &patient.id, &hcp.id)?.is_some_and(|k| is_valid(&k, today))
    {
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
    if req.purpose.trim().is_empty() {
        return Ok(Some(ErrorCode::PurposeRequired));
    }
    Ok(None)
}

/// A professional's read. Allowed or refused, the attempt is logged in the same transaction
/// as the consent check and the records read; the patient's row is locked first, so a
/// revocation that committed before the read began is always seen.
pub async fn read(
    state: &AppState,
    who: &StaffSession,
    patient_id: &str,
    req: RecordReadRequest,
) -> ApiResult<RecordReadResponse> {
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
    let today = state.clock.today_hk();
    let now = state.now_ms();
    let who = who.clone();
    let id = patient_id.to_owned();
    let log_access = state.config.access_log_enabled;
    let secrets = state.secrets.clone();
    let (entry, records, refused) = state
        .db
        .transaction(move |c| {
            if !store::patients::lock(c, &id)? {
                return Err(ApiError::not_found());
            }
            let patient = store::patients::find(c, &id)?.ok_or_else(ApiError::not_found)?;
            // Deactivation commits before this read: the professional must still be active.
            store::hcps::find_staff(c, &who.staff_id)?
                .filter(|s| s.status == store::hcps::STAFF_ACTIVE && s.hcp_id == who.hcp_id)
                .ok_or_else(|| ApiError::unauthorized(ErrorCode::InvalidToken))?;
            let hcp = store::hcps::find_hcp(c, &who.hcp_id)?
                .ok_or_else(|| ApiError::internal("staff of a missing hcp"))?;
            let refused = refusal(c, &patient, &hcp, profession, &categories, &req, today)?;
            let records = match refused {
                None => consents::records_of(
                    c,
                    &id,
                    &categories
                        .iter()
                        .map(|k| k.as_str().to_owned())
                        .collect::<Vec<_>>(),
                )?,
                Some(_) => Vec::new(),
            };
            let entry = LogEntry {
                patient_id: id.clone(),
                seq: 0,
                id: Uuid::now_v7().to_string(),
                staff_id: Some(who.staff_id.clone()),
                staff_name: Some(who.name.clone()),
                hcp_id: hcp.id.clone(),
                hcp_name: hcp.name_en.clone(),
                profession: Some(who.profession.clone()),
                categories: categories
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                purpose: req.purpose.trim().to_owned(),
                outcome: if refused.is_none() { "allowed" } else { "refused" }.to_owned(),
                reason: refused.map(|c| c.as_str().to_owned()),
                at: now,
                prev_hash: String::new(),
                hash: String::new(),
                sync_version: 0,
            };
            let entry = if log_access {
                let entry = append(c, &secrets, entry)?;
                if refused.is_none() && patient.notify_on_access {
                    // One outbox row: the notice also tells the family's devices to sync the
                    // new log entry (`sync: true`), so no separate poke is queued.
                    let mut notice = OutboxRow::notice(
                        "record_accessed",
                        &id,
                        json!({"type": "record_accessed", "patient_id": id, "access_id": entry.id, "sync": true}),
                        now,
                    );
                    notice.scope = Some(id.clone());
                    store::sync::enqueue(c, &notice)?;
                } else {
                    crate::services::sync::poke(c, &id, "server", now)?;
                }
                entry
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
        categories: entry
            .categories
            .split(',')
            .filter_map(DataCategory::parse)
            .collect(),
        records: records
            .into_iter()
            .map(record_wire)
            .collect::<ApiResult<_>>()?,
    })
}

fn log_wire(e: LogEntry) -> AccessLogEntry {
    AccessLogEntry {
        access_id: e.id,
        seq: e.seq,
        at: rfc3339_ms(e.at),
        outcome: AccessOutcome::parse(&e.outcome).unwrap_or(AccessOutcome::Refused),
        reason: e.reason,
        hcp_id: e.hcp_id,
        hcp_name: e.hcp_name,
        staff_name: e.staff_name,
        profession: e.profession.as_deref().and_then(Profession::parse),
        categories: e
            .categories
            .split(',')
            .filter_map(DataCategory::parse)
            .collect(),
        purpose: e.purpose,
        hash: e.hash,
    }
}

pub async fn access_log(
    state: &AppState,
    who: &PatientSession,
    patient_id: &str,
) -> ApiResult<AccessLogResponse> {
    let acting = act_for(state, who, patient_id, "read_access_log").await?;
    let rows = state
        .db
        .run(move |c| Ok(consents::log_of(c, &acting.patient_id)?))
        .await?;
    Ok(AccessLogResponse {
        entries: rows.into_iter().rev().map(log_wire).collect(),
    })
}

/// Checks the chain: sequence numbers without gaps, each `prev_hash` the previous entry's hash,
/// each hash recomputed from the entry.
pub fn verify_chain(secrets: &Secrets, entries: &[LogEntry]) -> VerifyAccessLogResponse {
    let mut prev = GENESIS.to_owned();
    for (i, e) in entries.iter().enumerate() {
        let expected_seq = i64::try_from(i).unwrap_or(i64::MAX) + 1;
        if e.seq != expected_seq || e.prev_hash != prev || entry_hash(secrets, &prev, e) != e.hash {
            return VerifyAccessLogResponse {
                intact: false,
                entries: i64::try_from(entries.len()).unwrap_or(i64::MAX),
                first_broken_seq: Some(expected_seq.min(e.seq)),
            };
        }
        prev = e.hash.clone();
    }
    VerifyAccessLogResponse {
        intact: true,
        entries: i64::try_from(entries.len()).unwrap_or(i64::MAX),
        first_broken_seq: None,
    }
}

pub async fn verify(
    state: &AppState,
    who: &PatientSession,
    patient_id: &str,
    q: ehealth_contracts::VerifyAccessLogQuery,
) -> ApiResult<VerifyAccessLogResponse> {
    let checkpoint = match (q.seq.as_deref(), q.hash.as_deref()) {
        (None, None) => None,
        (Some(seq), Some(hash)) => Some((
            seq.parse::<i64>().ok().filter(|s| *s >= 1).ok_or_else(|| {
                ApiError::validation(vec![FieldError::new("seq", FieldCode::InvalidFormat)])
            })?,
            hash.to_ascii_lowercase(),
        )),
        _ => {
            return Err(ApiError::validation(vec![FieldError::new(
                if q.seq.is_none() { "seq" } else { "hash" },
                FieldCode::Required,
            )]));
        }
    };
    let acting = act_for(state, who, patient_id, "verify_access_log").await?;
    let rows = state
        .db
        .run(move |c| Ok(consents::log_of(c, &acting.patient_id)?))
        .await?;
    let mut verdict = verify_chain(&state.secrets, &rows);
    if let Some((seq, hash)) = checkpoint
        && verdict.intact
        && !rows.iter().any(|e| e.seq == seq && e.hash == hash)
    {
        verdict.intact = false;
        verdict.first_broken_seq = Some(seq.min(verdict.entries + 1));
    }
    Ok(verdict)
}

/// Withdrawal: every consent ends (each HCP hears), reads are refused, sessions end, the
/// account closes; records stay.
pub async fn withdraw(
    state: &AppState,
    who: &PatientSession,
    patient_id: &str,
) -> ApiResult<WithdrawResponse> {
    let acting = act_for(state, who, patient_id, "withdraw").await?;
    let now = state.now_ms();
    let id = acting.patient_id.clone();
    let ended = state
        .db
        .transaction(move |c| {
            store::patients::lock(c, &id)?;
            let p = store::patients::find(c, &id)?.ok_or_else(ApiError::not_found)?;
            if p.status == "withdrawn" {
                return Err(ApiError::conflict(ErrorCode::AccountWithdrawn));
            }
            let mut ended = 0;
            // HCP rows are locked in id order (their feeds), as everywhere, so two
            // transactions touching the same HCPs cannot deadlock.
            let mut active = consents::for_patient(c, &id)?;
            active.sort_by(|a, b| a.hcp_id.cmp(&b.hcp_id));
            for consent in active {
                if consents::end(c, &consent.id, "ended", &acting.actor_id, now)? {
                    record_event(
                        c,
                        &consent,
                        ehealth_contracts::ConsentEventType::Revoked,
                        now,
                    )?;
                    super::consent::publish(c, &consent.id, &id, now)?;
                    ended += 1;
                }
            }
            store::patients::withdraw(c, &id, now)?;
            store::sessions::revoke_all_for_patient(c, &id, now)?;
            Ok(ended)
        })
        .await?;
    tracing::info!(%patient_id, consents = ended, "patient withdrew");
    Ok(WithdrawResponse {
        patient_id: patient_id.to_owned(),
        status: PatientStatus::Withdrawn,
        consents_ended: ended,
    })
}
