//! The patient's access log: every read of their record, allowed or refused, appended as an
//! entry of a hash chain (keyed with a secret the database does not hold), listed newest first
//! and verified on request.

use ehealth_contracts::{
    AccessLogEntry, AccessLogResponse, AccessOutcome, DataCategory, ErrorCode, FieldCode,
    LogCheckpoint, Profession, VerifyAccessLogQuery, VerifyAccessLogResponse,
};

use uuid::Uuid;

use super::family::act_for;
use crate::clock::rfc3339_ms;
use crate::crypto::Secrets;
use crate::domain::ids::PatientId;
use crate::domain::notices;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::{PatientSession, StaffSession};
use crate::log_key::LogKey;
use crate::state::AppState;
use crate::store::access_log::LogEntry;
use crate::store::hcps::Hcp;
use crate::store::outbox::OutboxRow;
use crate::store::{self, DbConn};

/// The genesis "previous hash" of every patient's log.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The entry's canonical bytes: its fields in a fixed order as a compact JSON array.
fn canonical(e: &LogEntry) -> ApiResult<String> {
    serde_json::to_string(&(
        &e.patient_id,
        e.seq,
        &e.id,
        &e.staff_id,
        &e.staff_name,
        &e.hcp_id,
        &e.hcp_name,
        &e.profession,
        &e.categories,
        &e.purpose,
        &e.outcome,
        &e.reason,
        e.at,
    ))
    .map_err(|err| ApiError::internal(format!("access-log entry not serialisable: {err}")))
}

/// HMAC-SHA-256 (keyed from `EHEALTH_SECRET_KEY`, which the database does not hold) over the
/// previous hash and the entry's canonical bytes: someone who can write to the database but
/// lacks the key cannot rewrite an entry and recompute the chain after it.
pub fn entry_hash(secrets: &Secrets, prev_hash: &str, e: &LogEntry) -> ApiResult<String> {
    let canonical = canonical(e)?;
    Ok(secrets.access_log_mac(&format!("{prev_hash}\n{canonical}")))
}

/// Appends an entry (the patient's row is locked by the caller).
pub(super) fn append(c: &mut DbConn, secrets: &Secrets, mut e: LogEntry) -> ApiResult<LogEntry> {
    let (seq, prev) = store::access_log::last_log_entry(c, &e.patient_id)?
        .map_or((1, GENESIS.to_owned()), |(s, h)| (s + 1, h));
    e.seq = seq;
    e.prev_hash = prev;
    e.hash = entry_hash(secrets, &e.prev_hash, &e)?;
    // The log syncs down to the patient's and SDMs' devices (the version is outside the hash:
    // it is where the entry sits in the sync stream, not part of what was recorded).
    e.sync_version = store::sync_scopes::take_versions(c, &e.patient_id, 1)?;
    store::access_log::append_log(c, &e)?;
    Ok(e)
}

/// An entry as the patient sees it. A value that does not parse is a corrupt row, answered as
/// an error rather than shown as something it is not.
fn log_wire(e: LogEntry) -> ApiResult<AccessLogEntry> {
    let corrupt = |what: &str| ApiError::internal(format!("access-log row has an unknown {what}"));
    Ok(AccessLogEntry {
        access_id: e.id,
        seq: e.seq,
        at: rfc3339_ms(e.at),
        outcome: AccessOutcome::parse(&e.outcome).ok_or_else(|| corrupt("outcome"))?,
        reason: e.reason,
        hcp_id: e.hcp_id,
        hcp_name: e.hcp_name,
        staff_name: e.staff_name,
        profession: e
            .profession
            .as_deref()
            .map(|p| Profession::parse(p).ok_or_else(|| corrupt("profession")))
            .transpose()?,
        categories: e
            .categories
            .split(',')
            .filter(|k| !k.is_empty())
            .map(|k| DataCategory::parse(k).ok_or_else(|| corrupt("category")))
            .collect::<ApiResult<_>>()?,
        purpose: e.purpose,
        hash: e.hash,
    })
}

/// Every read of the patient's record, newest first.
pub async fn list(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
) -> ApiResult<AccessLogResponse> {
    let acting = act_for(state, who, patient_id, "read_access_log").await?;
    let rows = acting
        .read(state, move |c, acting| {
            Ok(store::access_log::log_of(c, &acting.patient_id)?)
        })
        .await?;
    Ok(AccessLogResponse {
        checkpoint: checkpoint(&state.log_key, patient_id, rows.last()),
        entries: rows
            .into_iter()
            .rev()
            .map(log_wire)
            .collect::<ApiResult<_>>()?,
    })
}

/// Checks the chain: sequence numbers without gaps, each `prev_hash` the previous entry's hash,
/// each hash recomputed from the entry.
pub fn verify_chain(secrets: &Secrets, entries: &[LogEntry]) -> ApiResult<VerifyAccessLogResponse> {
    let mut prev = GENESIS.to_owned();
    for (i, e) in entries.iter().enumerate() {
        let expected_seq = i64::try_from(i).unwrap_or(i64::MAX) + 1;
        if e.seq != expected_seq || e.prev_hash != prev || entry_hash(secrets, &prev, e)? != e.hash
        {
            return Ok(VerifyAccessLogResponse {
                intact: false,
                entries: i64::try_from(entries.len()).unwrap_or(i64::MAX),
                first_broken_seq: Some(expected_seq.min(e.seq)),
                cut: false,
            });
        }
        prev = e.hash.clone();
    }
    Ok(VerifyAccessLogResponse {
        intact: true,
        entries: i64::try_from(entries.len()).unwrap_or(i64::MAX),
        first_broken_seq: None,
        cut: false,
    })
}

/// The signed checkpoint of the newest entry of `patient_id`'s log, if any.
pub fn checkpoint(
    key: &LogKey,
    patient_id: &str,
    newest: Option<&LogEntry>,
) -> Option<LogCheckpoint> {
    newest.map(|e| LogCheckpoint {
        seq: e.seq,
        hash: e.hash.clone(),
        signature: key.sign(patient_id, e.seq, &e.hash),
        key_id: key.key_id(),
    })
}

/// Verifies the patient's whole chain and, given a checkpoint (`seq` and `hash` a device
/// synced earlier), that its entry is still there unchanged.
pub async fn verify(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
    q: VerifyAccessLogQuery,
) -> ApiResult<VerifyAccessLogResponse> {
    let kept = match (q.seq.as_deref(), q.hash.as_deref()) {
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
    let rows = acting
        .read(state, move |c, acting| {
            Ok(store::access_log::log_of(c, &acting.patient_id)?)
        })
        .await?;
    if kept.is_none() && q.signature.is_some() {
        return Err(ApiError::validation(vec![FieldError::new(
            "seq",
            FieldCode::Required,
        )]));
    }
    if let (Some((seq, hash)), Some(signature)) = (&kept, q.signature.as_deref())
        && !state.log_key.verifies(patient_id, *seq, hash, signature)
    {
        return Err(ApiError::validation(vec![FieldError::new(
            "signature",
            FieldCode::InvalidValue,
        )]));
    }
    let mut verdict = verify_chain(&state.secrets, &rows)?;
    if let Some((seq, hash)) = kept
        && !rows.iter().any(|e| e.seq == seq && e.hash == hash)
    {
        // The log no longer holds the entry the device saw: cut, or rewritten from there.
        verdict.intact = false;
        verdict.cut = true;
        verdict.first_broken_seq = Some(
            verdict
                .first_broken_seq
                .unwrap_or(i64::MAX)
                .min(seq.min(verdict.entries + 1)),
        );
    }
    Ok(verdict)
}

/// What became of an attempt on a patient's record, as its log entry says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Allowed,
    Refused(ErrorCode),
    /// A professional found the patient by identity document (no records read).
    Lookup,
}

/// A professional's attempt as a log entry, before it is chained by [`append`].
pub(super) fn log_entry(
    who: &StaffSession,
    hcp: &Hcp,
    patient_id: &PatientId,
    categories: &[DataCategory],
    purpose: &str,
    outcome: Outcome,
    now: i64,
) -> LogEntry {
    LogEntry {
        patient_id: patient_id.to_string(),
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
        purpose: purpose.trim().to_owned(),
        outcome: match outcome {
            Outcome::Allowed => "allowed",
            Outcome::Refused(_) => "refused",
            Outcome::Lookup => "lookup",
        }
        .to_owned(),
        reason: match outcome {
            Outcome::Refused(code) => Some(code.as_str().to_owned()),
            _ => None,
        },
        at: now,
        prev_hash: String::new(),
        hash: String::new(),
        sync_version: 0,
    }
}

/// Appends the attempt to the patient's log (their row locked by the caller) and tells
/// the family's devices to sync it: with a `record_accessed` notice when the read was allowed
/// and the patient asked to hear of reads (`notify`), with a poke otherwise.
pub(super) fn log_attempt(
    c: &mut DbConn,
    secrets: &Secrets,
    entry: LogEntry,
    notify: bool,
    now: i64,
) -> ApiResult<LogEntry> {
    let entry = append(c, secrets, entry)?;
    let id = entry.patient_id.clone();
    if notify {
        // One outbox row: the notice also tells the family's devices to sync the
        // new log entry (`sync: true`), so no separate poke is queued.
        let mut notice = OutboxRow::notice(&id, notices::record_accessed(&id, &entry.id), now)?;
        notice.scope = Some(id.clone());
        store::outbox::enqueue(c, &notice)?;
    } else {
        crate::services::sync::poke(c, &id, "server", now)?;
    }
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> LogEntry {
        LogEntry {
            patient_id: "p1".into(),
            seq: 3,
            id: "a1".into(),
            staff_id: Some("s1".into()),
            staff_name: Some("陳大文 \"Tai Man\"".into()),
            hcp_id: "h1".into(),
            hcp_name: "Clinic\n1".into(),
            profession: None,
            categories: "allergy_adr,lab_result".into(),
            purpose: "follow-up".into(),
            outcome: "refused".into(),
            reason: Some("no_sharing_consent".into()),
            at: 1_700_000_000_000,
            prev_hash: String::new(),
            hash: String::new(),
            sync_version: 9,
        }
    }

    /// The bytes every stored chain was hashed over: changing them breaks every log.
    #[test]
    fn canonical_bytes_are_the_compact_json_array_they_always_were() {
        let e = entry();
        let legacy = serde_json::json!([
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
        .to_string();
        assert_eq!(canonical(&e).ok(), Some(legacy));
        assert_eq!(
            canonical(&e).ok().as_deref(),
            Some(
                r#"["p1",3,"a1","s1","陳大文 \"Tai Man\"","h1","Clinic\n1",null,"allergy_adr,lab_result","follow-up","refused","no_sharing_consent",1700000000000]"#
            )
        );
    }
}
