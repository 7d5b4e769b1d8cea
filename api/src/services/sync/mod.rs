//! Offline sync (`sync/PROTOCOL.md`): push, pull, the server's own writes and the "sync now"
//! poke. Tombstones are purged by a job (`jobs::tombstones`, `store::tombstones`).

pub mod pull;
pub mod push;
pub mod tables;

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use ehealth_contracts::ErrorCode;

use crate::domain::ids::{DeviceId, LinkId, PatientId};
use crate::error::{ApiError, ApiResult};
use crate::extract::PatientSession;
use crate::store::{self, DbConn};

pub const PROTOCOL: i64 = 1;
pub const SCHEMA_VERSIONS: (i64, i64) = (1, 1);

/// What the caller may see and write, recomputed on every request from the current clock and
/// links: their own scope and those of the dependants they may act for today.
#[derive(Debug, Clone)]
pub struct SyncContext {
    pub patient_id: PatientId,
    pub device_id: DeviceId,
    /// Today's Hong Kong date, which decides whether a child link still grants anything.
    pub today: chrono::NaiveDate,
    /// (scope, patient id) pairs the device sees, in a stable order.
    pub visible: Vec<(String, PatientId)>,
    pub writable_scopes: BTreeSet<String>,
    /// For each dependant's scope: the SDM link the caller acts through.
    pub acting_links: std::collections::BTreeMap<String, LinkId>,
}

/// Checks protocol and schema versions. Whether the device is the caller's is checked by
/// [`check_device`] inside the request's transaction.
pub(crate) fn check_envelope(
    who: &PatientSession,
    protocol: i64,
    schema_version: i64,
    device_id: &str,
    today: chrono::NaiveDate,
) -> ApiResult<SyncContext> {
    if protocol != PROTOCOL {
        return Err(ApiError::upgrade_required(
            ErrorCode::UnsupportedProtocol,
            PROTOCOL,
            PROTOCOL,
        ));
    }
    let (min, max) = SCHEMA_VERSIONS;
    if !(min..=max).contains(&schema_version) {
        return Err(ApiError::upgrade_required(
            ErrorCode::UnsupportedSchemaVersion,
            min,
            max,
        ));
    }
    let own = who.patient_id.clone();
    Ok(SyncContext {
        patient_id: own,
        device_id: device_id.into(),
        today,
        visible: Vec::new(),
        writable_scopes: BTreeSet::new(),
        acting_links: Default::default(),
    })
}

/// Inside the request's transaction: the envelope's device must be an active device of the
/// caller; then the scopes they may see and write now are filled in.
pub(crate) fn authorise(c: &mut DbConn, ctx: &mut SyncContext) -> ApiResult<()> {
    if store::devices::find_active(c, &ctx.patient_id, &ctx.device_id)?.is_none() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::UnknownDevice,
        ));
    }
    let (visible, links) = crate::services::family::visible_scopes(c, &ctx.patient_id, ctx.today)?;
    ctx.visible = visible;
    ctx.acting_links = links;
    ctx.writable_scopes = ctx.visible.iter().map(|(s, _)| s.clone()).collect();
    Ok(())
}

/// Queues a payload-free "sync now" for the scope's other devices (same transaction as the
/// change, so a rolled-back change never pokes and a committed one always does).
pub(crate) fn poke(c: &mut DbConn, scope: &str, from_device: &str, now: i64) -> ApiResult<()> {
    let row = store::outbox::OutboxRow::poke(scope, from_device, now)?;
    store::outbox::enqueue(c, &row)?;
    Ok(())
}

/// A change the server makes itself (REST endpoints) to a synced row, as if from one more
/// device: merged under the server's stamp, given the next version of the scope, saved, and
/// the scope's devices poked. `create` makes a new row (the id must be unused); otherwise the
/// live row of this scope is edited, or deleted with `set: None`. Answers 404 for a missing row
/// or one of another scope, and 422 with the fields when the resulting row is invalid.
#[allow(clippy::too_many_arguments)]
pub(crate) fn server_write(
    c: &mut DbConn,
    table: &'static dyn tables::SyncTable,
    scope: &str,
    id: &str,
    create: bool,
    set: Option<&ehealth_contracts::Fields>,
    hlc: &ehealth_sync::Hlc,
    now: i64,
) -> ApiResult<tables::StoredRow> {
    store::sync_scopes::lock_scope(c, scope)?;
    let current = table.load_many(c, &[id.to_owned()])?.into_iter().next();
    // A row never changes scope, and nobody reaches another patient's row through theirs.
    if current.as_ref().is_some_and(|r| r.scope != scope) {
        return Err(ApiError::not_found());
    }
    let live = current.as_ref().is_some_and(|r| r.state.is_live());
    let empty = ehealth_contracts::Fields::new();
    let (cl, fields) = match (set, &current, create) {
        (Some(f), None, true) => (1, f),
        (Some(f), Some(cur), false) if live => (cur.state.cl, f),
        (None, Some(cur), false) if live => (cur.state.cl + 1, &empty),
        (_, Some(_), true) => return Err(ApiError::conflict(ErrorCode::Conflict)),
        _ => return Err(ApiError::not_found()),
    };
    let normalized = table.normalize(fields).map_err(ApiError::validation)?;
    let outcome = ehealth_sync::merge(
        current.as_ref().map(|r| &r.state),
        &ehealth_sync::Incoming {
            cl,
            set: &normalized,
            hlc,
            base_version: current.as_ref().map(|r| r.state.version),
        },
    );
    let mut state = outcome.state;
    if state.is_live() {
        table
            .check_live(&state.fields, true)
            .map_err(ApiError::validation)?;
    }
    state.version = store::sync_scopes::take_versions(c, scope, 1)?;
    let row = tables::StoredRow {
        id: id.to_owned(),
        scope: scope.to_owned(),
        state,
    };
    table.save_many(c, std::slice::from_ref(&row), "server", now)?;
    poke(c, scope, "server", now)?;
    Ok(row)
}
