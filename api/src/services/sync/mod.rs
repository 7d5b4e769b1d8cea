//! Offline sync (`sync/PROTOCOL.md`): push, pull, tombstone purging and the "sync now" poke.

pub mod pull;
pub mod push;
pub mod tables;

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::extract::PatientSession;
use crate::state::AppState;
use crate::store::{self, DbConn};

pub const PROTOCOL: i64 = 1;
pub const SCHEMA_VERSIONS: (i64, i64) = (1, 1);

/// What the caller may see and write, recomputed on every request from the current clock and
/// links (for now: the caller's own scope; the family issue adds dependants).
#[derive(Debug, Clone)]
pub struct SyncContext {
    pub patient_id: String,
    pub device_id: String,
    /// (scope, patient id) pairs the device sees, in a stable order.
    pub visible: Vec<(String, String)>,
    pub writable_scopes: BTreeSet<String>,
}

/// Checks protocol and schema versions. Whether the device is the caller's is checked by
/// [`check_device`] inside the request's transaction.
pub(crate) fn check_envelope(
    who: &PatientSession,
    protocol: i64,
    schema_version: i64,
    device_id: &str,
) -> ApiResult<SyncContext> {
    if protocol != PROTOCOL {
        return Err(ApiError::upgrade_required(
            "unsupported_protocol",
            PROTOCOL,
            PROTOCOL,
        ));
    }
    let (min, max) = SCHEMA_VERSIONS;
    if !(min..=max).contains(&schema_version) {
        return Err(ApiError::upgrade_required(
            "unsupported_schema_version",
            min,
            max,
        ));
    }
    let own = who.patient_id.clone();
    Ok(SyncContext {
        patient_id: own.clone(),
        device_id: device_id.to_owned(),
        visible: vec![(own.clone(), own.clone())],
        writable_scopes: [own].into_iter().collect(),
    })
}

/// The envelope's device must be an active device of the caller.
pub(crate) fn check_device(c: &mut DbConn, ctx: &SyncContext) -> ApiResult<()> {
    match store::devices::find_active(c, &ctx.patient_id, &ctx.device_id)? {
        Some(_) => Ok(()),
        None => Err(ApiError::new(StatusCode::FORBIDDEN, "unknown_device")),
    }
}

/// Queues a payload-free "sync now" for the scope's other devices (same transaction as the
/// change, so a rolled-back change never pokes and a committed one always does).
pub(crate) fn poke(c: &mut DbConn, scope: &str, from_device: &str, now: i64) -> ApiResult<()> {
    store::sync::enqueue(
        c,
        &store::sync::OutboxRow {
            id: Uuid::now_v7().to_string(),
            kind: "sync_poke".to_owned(),
            scope: Some(scope.to_owned()),
            patient_id: Some(scope.to_owned()),
            exclude_device_id: Some(from_device.to_owned()),
            payload: serde_json::json!({"type": "sync_poke", "scope": scope}).to_string(),
            created_at: now,
            delivered_at: None,
        },
    )?;
    Ok(())
}

/// Deletes tombstones older than the horizon and records, per scope, the highest version
/// purged: a cursor below it can no longer be served incrementally and gets a reset.
pub async fn purge_tombstones(state: &AppState) -> ApiResult<usize> {
    let horizon =
        i64::try_from(state.config.sync_tombstone_horizon.as_millis()).unwrap_or(i64::MAX / 2);
    let before = state.now_ms().saturating_sub(horizon);
    state
        .db
        .transaction(move |c| {
            let mut count = 0;
            for t in tables::TABLES {
                let gone = t.purge_tombstones(c, before)?;
                count += gone.len();
                let mut highest = std::collections::BTreeMap::<String, i64>::new();
                for (scope, v) in gone {
                    let e = highest.entry(scope).or_insert(v);
                    *e = (*e).max(v);
                }
                for (scope, v) in highest {
                    store::sync::raise_purged_version(c, &scope, v)?;
                }
            }
            Ok(count)
        })
        .await
}
