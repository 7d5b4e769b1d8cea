//! Reads of stored rows that only the tests need (what the server queued, recorded or kept),
//! so the server's storage modules hold only what the server uses.

use diesel::prelude::*;
use ehealth_api::store::DbConn;
use ehealth_api::store::family::Action;
use ehealth_api::store::outbox::OutboxRow;
use ehealth_api::store::push::PushToken;
use ehealth_api::store::schema::{outbox, push_tokens, sdm_actions, sync_conflicts};
use ehealth_api::store::sync_conflicts::ConflictRow;

/// What SDMs did for `patient`, oldest first.
pub fn actions_for(conn: &mut DbConn, patient: &str) -> QueryResult<Vec<Action>> {
    sdm_actions::table
        .filter(sdm_actions::patient_id.eq(patient))
        .order((sdm_actions::at.asc(), sdm_actions::id.asc()))
        .load(conn)
}

/// Every notice queued for `recipient`, oldest first.
pub fn outbox_for_patient(conn: &mut DbConn, recipient: &str) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::patient_id.eq(recipient))
        .order(outbox::created_at.asc())
        .load(conn)
}

/// Every notice queued for the devices of `scope`, oldest first.
pub fn outbox_for_scope(conn: &mut DbConn, scope: &str) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::scope.eq(scope))
        .order(outbox::created_at.asc())
        .load(conn)
}

/// The push token registered for a device, if any.
pub fn token_of(conn: &mut DbConn, device_id: &str) -> QueryResult<Option<PushToken>> {
    push_tokens::table.find(device_id).first(conn).optional()
}

/// The conflicts recorded for one row, oldest first.
pub fn conflicts_for_row(
    conn: &mut DbConn,
    table: &str,
    row_id: &str,
) -> QueryResult<Vec<ConflictRow>> {
    sync_conflicts::table
        .filter(sync_conflicts::table_name.eq(table))
        .filter(sync_conflicts::row_id.eq(row_id))
        .order(sync_conflicts::created_at.asc())
        .load(conn)
}
