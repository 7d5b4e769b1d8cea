//! Tables that sync down only: the patient's consents, records, access log and SDM links. The server
//! writes them (giving each change the next version of the patient's scope); devices receive
//! every change and can never push one (`read_only_table`).

use ehealth_contracts::Fields;
use ehealth_sync::{Hlc, RowState};
use serde_json::{Value, json};

use super::sync_table::{StoredRow, SyncTable};
use crate::clock::rfc3339_ms;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::store::DbConn;
use crate::store::access_log::LogEntry;
use crate::store::consents::{self, Consent};
use crate::store::family::Link;
use crate::store::records::Record;

pub struct Consents;
pub struct Records;
pub struct AccessLog;
pub struct SdmLinks;

/// A server-written row: every field stamped with the server's time of the change, so a
/// device's merge always takes it whole. Fields that do not decode, or a time before 1970,
/// are an error rather than an empty row or a stamp that would lose to every device's.
fn row(id: String, scope: String, version: i64, at: i64, fields: Value) -> ApiResult<StoredRow> {
    let fields: Fields = serde_json::from_value(fields).map_err(ApiError::internal)?;
    let at = u64::try_from(at).map_err(ApiError::internal)?;
    let stamp = Hlc::new(at, 0, "server");
    Ok(StoredRow {
        id,
        scope,
        state: RowState {
            cl: 1,
            stamps: fields.keys().map(|k| (k.clone(), stamp.clone())).collect(),
            fields,
            version,
        },
    })
}

fn consent_row(c: Consent) -> ApiResult<StoredRow> {
    row(
        c.id,
        c.patient_id,
        c.sync_version,
        c.updated_at,
        json!({"hcp_id": c.hcp_id, "type": c.consent_type, "method": c.method, "status": c.status,
            "granted_at": rfc3339_ms(c.granted_at), "valid_until": c.valid_until,
            "ended_at": c.ended_at.map(rfc3339_ms)}),
    )
}

fn record_row(r: Record) -> ApiResult<StoredRow> {
    row(
        r.id,
        r.patient_id,
        r.sync_version,
        r.created_at,
        json!({"hcp_id": r.hcp_id, "category": r.category, "code": r.code, "display": r.display,
            "value": r.value, "recorded_at": r.recorded_at, "location_id": r.location_id}),
    )
}

fn log_row(e: LogEntry) -> ApiResult<StoredRow> {
    row(
        e.id,
        e.patient_id,
        e.sync_version,
        e.at,
        json!({"seq": e.seq, "at": rfc3339_ms(e.at), "outcome": e.outcome, "reason": e.reason,
            "hcp_id": e.hcp_id, "hcp_name": e.hcp_name, "staff_name": e.staff_name,
            "profession": e.profession, "categories": e.categories, "purpose": e.purpose,
            "hash": e.hash}),
    )
}

/// A link of the dependant whose scope this is, with its SDM's English name: what the SDMs'
/// phones show offline (who acts, who asks to, who stepped down).
fn link_row((l, surname, given_names): (Link, String, String)) -> ApiResult<StoredRow> {
    let changed_at = l.ended_at.or(l.reviewed_at).unwrap_or(l.created_at);
    row(
        l.id.into(),
        l.patient_id.into(),
        l.sync_version,
        changed_at,
        json!({"sdm_patient_id": l.sdm_patient_id, "sdm_name": {"surname": surname,
            "given_names": given_names}, "relationship": l.relationship, "basis": l.basis,
            "priority": l.priority, "status": l.status, "created_at": rfc3339_ms(l.created_at),
            "ended_at": l.ended_at.map(rfc3339_ms), "ended_reason": l.ended_reason,
            "ended_detail": l.ended_detail}),
    )
}

macro_rules! read_only_table {
    ($ty:ident, $name:literal, $changed:path, $to_row:ident) => {
        impl SyncTable for $ty {
            fn name(&self) -> &'static str {
                $name
            }

            fn writable(&self) -> bool {
                false
            }

            fn normalize(&self, _: &Fields) -> Result<Fields, Vec<FieldError>> {
                Err(Vec::new())
            }

            fn check_live(&self, _: &Fields, _: bool) -> Result<(), Vec<FieldError>> {
                Err(Vec::new())
            }

            fn load_many(&self, _: &mut DbConn, _: &[String]) -> ApiResult<Vec<StoredRow>> {
                Err(ApiError::internal(concat!($name, " is read-only")))
            }

            fn save_many(&self, _: &mut DbConn, _: &[StoredRow], _: &str, _: i64) -> ApiResult<()> {
                Err(ApiError::internal(concat!($name, " is read-only")))
            }

            fn changes(
                &self,
                c: &mut DbConn,
                scope: &str,
                after: i64,
                limit: i64,
            ) -> ApiResult<Vec<StoredRow>> {
                $changed(c, scope, after, limit)?
                    .into_iter()
                    .map($to_row)
                    .collect()
            }
        }
    };
}

read_only_table!(
    Consents,
    "consents",
    consents::consents_changed,
    consent_row
);
read_only_table!(
    Records,
    "records",
    crate::store::records::records_changed,
    record_row
);
read_only_table!(
    AccessLog,
    "access_log",
    crate::store::access_log::log_changed,
    log_row
);
read_only_table!(
    SdmLinks,
    "sdm_links",
    crate::store::family::links_changed,
    link_row
);
