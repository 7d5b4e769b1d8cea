//! `reminders`: measurement reminders (synced both ways; scope = the patient).

use diesel::prelude::*;

use super::schema::reminders;

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = reminders, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct ReminderRow {
    pub id: String,
    pub scope: String,
    pub version: i64,
    pub cl: i64,
    pub kind: Option<String>,
    pub text: Option<String>,
    /// JSON array of `HH:MM`.
    pub times: Option<String>,
    /// JSON array of `mon`..`sun`.
    pub days: Option<String>,
    pub time_zone: Option<String>,
    pub enabled: Option<bool>,
    /// The next occurrence (epoch ms), null when disabled or deleted.
    pub next_due_at: Option<i64>,
    pub hlc: Option<String>,
    pub updated_at: i64,
    pub updated_by: String,
}

crate::synced_table_queries!(
    reminders,
    ReminderRow,
    time = next_due_at,
    [kind, text, times, days, time_zone, enabled]
);

/// The live reminders of a patient, oldest first.
pub fn live_of(conn: &mut super::DbConn, scope: &str) -> QueryResult<Vec<ReminderRow>> {
    reminders::table
        .filter(reminders::scope.eq(scope))
        .filter(reminders::hlc.is_not_null())
        .order(reminders::id.asc())
        .load(conn)
}

/// Every reminder with a next occurrence, and when: what the due-queue must hold.
pub fn due_times(conn: &mut super::DbConn) -> QueryResult<Vec<(String, i64)>> {
    reminders::table
        .filter(reminders::hlc.is_not_null())
        .filter(reminders::enabled.eq(true))
        .filter(reminders::next_due_at.is_not_null())
        .select((reminders::id, reminders::next_due_at.assume_not_null()))
        .load(conn)
}

/// The due times of `ids` (`None` for a reminder with no next occurrence or no longer there).
pub fn due_times_of(
    conn: &mut super::DbConn,
    ids: &[String],
) -> QueryResult<Vec<(String, Option<i64>)>> {
    let found: std::collections::HashMap<String, Option<i64>> = reminders::table
        .filter(reminders::id.eq_any(ids))
        .filter(reminders::hlc.is_not_null())
        .filter(reminders::enabled.eq(true))
        .select((reminders::id, reminders::next_due_at))
        .load::<(String, Option<i64>)>(conn)?
        .into_iter()
        .collect();
    Ok(ids
        .iter()
        .map(|id| (id.clone(), found.get(id).copied().flatten()))
        .collect())
}

/// Moves a reminder to its next occurrence, only if it is still at `from` (so of several
/// instances exactly one fires each occurrence). A server-side field: no new sync version.
pub fn advance(
    conn: &mut super::DbConn,
    id: &str,
    from: i64,
    to: Option<i64>,
) -> QueryResult<bool> {
    diesel::update(
        reminders::table
            .find(id)
            .filter(reminders::next_due_at.eq(from)),
    )
    .set(reminders::next_due_at.eq(to))
    .execute(conn)
    .map(|n| n == 1)
}
