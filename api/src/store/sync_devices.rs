//! `sync_devices` and `sync_results`: each device's last seq and its stored push results.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{sync_devices, sync_results};

/// Locks the device's sequence record for this transaction (creating it on the first push) and
/// returns its last consumed seq. Concurrent pushes of one device queue here.
pub fn lock_device(conn: &mut DbConn, device_id: &str, now: i64) -> QueryResult<i64> {
    let locked = diesel::update(sync_devices::table.find(device_id))
        .set(sync_devices::updated_at.eq(now))
        .execute(conn)?;
    if locked == 0 {
        crate::on_inner!(conn, |c| {
            diesel::insert_into(sync_devices::table)
                .values((
                    sync_devices::device_id.eq(device_id),
                    sync_devices::last_seq.eq(0),
                    sync_devices::updated_at.eq(now),
                ))
                .on_conflict_do_nothing()
                .execute(c)
        })?;
        diesel::update(sync_devices::table.find(device_id))
            .set(sync_devices::updated_at.eq(now))
            .execute(conn)?;
    }
    sync_devices::table
        .find(device_id)
        .select(sync_devices::last_seq)
        .first(conn)
}

pub fn set_last_seq(conn: &mut DbConn, device_id: &str, seq: i64) -> QueryResult<()> {
    diesel::update(sync_devices::table.find(device_id))
        .set(sync_devices::last_seq.eq(seq))
        .execute(conn)
        .map(drop)
}

/// Stores the results of a batch, `(seq, result JSON)`, in one statement.
pub fn store_results(
    conn: &mut DbConn,
    device_id: &str,
    results: &[(i64, String)],
    now: i64,
) -> QueryResult<()> {
    if results.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = results
        .iter()
        .map(|(seq, json)| {
            (
                sync_results::device_id.eq(device_id),
                sync_results::seq.eq(*seq),
                sync_results::result.eq(json),
                sync_results::created_at.eq(now),
            )
        })
        .collect();
    crate::on_inner!(conn, |c| diesel::insert_into(sync_results::table)
        .values(&rows)
        .execute(c))
    .map(drop)
}

pub fn stored_results(
    conn: &mut DbConn,
    device_id: &str,
    seqs: &[i64],
) -> QueryResult<Vec<(i64, String)>> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    sync_results::table
        .filter(sync_results::device_id.eq(device_id))
        .filter(sync_results::seq.eq_any(seqs))
        .select((sync_results::seq, sync_results::result))
        .load(conn)
}

/// Forgets stored results at or below `seq` (re-sends that old are answered generically).
pub fn prune_results(conn: &mut DbConn, device_id: &str, seq: i64) -> QueryResult<usize> {
    diesel::delete(
        sync_results::table
            .filter(sync_results::device_id.eq(device_id))
            .filter(sync_results::seq.le(seq)),
    )
    .execute(conn)
}
