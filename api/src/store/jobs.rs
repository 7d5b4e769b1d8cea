//! `job_runs` and `claim_codes`.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{claim_codes, job_runs};

/// Claims occurrence `run_key` of `job` for `instance`. The first instance to insert the row
/// does the work; a run that started before `stale_before` and never finished (its instance
/// died) may be taken over. Returns whether this instance holds the run.
pub fn claim_run(
    conn: &mut DbConn,
    job: &str,
    run_key: &str,
    instance: &str,
    now: i64,
    stale_before: i64,
) -> QueryResult<bool> {
    let inserted = crate::on_inner!(conn, |c| diesel::insert_into(job_runs::table)
        .values((
            job_runs::job.eq(job),
            job_runs::run_key.eq(run_key),
            job_runs::instance.eq(instance),
            job_runs::started_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    if inserted == 1 {
        return Ok(true);
    }
    diesel::update(
        job_runs::table
            .find((job, run_key))
            .filter(job_runs::finished_at.is_null())
            .filter(job_runs::started_at.lt(stale_before)),
    )
    .set((
        job_runs::instance.eq(instance),
        job_runs::started_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn finish_run(
    conn: &mut DbConn,
    job: &str,
    run_key: &str,
    instance: &str,
    now: i64,
) -> QueryResult<()> {
    diesel::update(
        job_runs::table
            .find((job, run_key))
            .filter(job_runs::instance.eq(instance)),
    )
    .set(job_runs::finished_at.eq(now))
    .execute(conn)
    .map(drop)
}

/// Deletes an unfinished claim (its work failed), so the next trigger can take it.
pub fn release_run(conn: &mut DbConn, job: &str, run_key: &str, instance: &str) -> QueryResult<()> {
    diesel::delete(
        job_runs::table
            .find((job, run_key))
            .filter(job_runs::finished_at.is_null())
            .filter(job_runs::instance.eq(instance)),
    )
    .execute(conn)
    .map(drop)
}

/// Forgets the runs that started before `before`: their occurrences (a day, a minute) are long
/// past, so no instance can claim them again. Returns how many were removed.
pub fn prune_runs(conn: &mut DbConn, before: i64) -> QueryResult<usize> {
    diesel::delete(job_runs::table.filter(job_runs::started_at.lt(before))).execute(conn)
}

/// (instance, finished) of every run of `job`, by key.
pub fn runs(conn: &mut DbConn, job: &str) -> QueryResult<Vec<(String, String, Option<i64>)>> {
    job_runs::table
        .filter(job_runs::job.eq(job))
        .select((job_runs::run_key, job_runs::instance, job_runs::finished_at))
        .order(job_runs::run_key.asc())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = claim_codes)]
pub struct ClaimCode {
    pub id: String,
    pub patient_id: String,
    pub code_hash: String,
    pub issued_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// Stores a new code, revoking the patient's earlier unused ones.
pub fn issue_claim_code(conn: &mut DbConn, code: &ClaimCode) -> QueryResult<()> {
    revoke_claim_codes(conn, &code.patient_id, code.created_at)?;
    diesel::insert_into(claim_codes::table)
        .values(code)
        .execute(conn)
        .map(drop)
}

pub fn revoke_claim_codes(conn: &mut DbConn, patient_id: &str, at: i64) -> QueryResult<usize> {
    diesel::update(
        claim_codes::table
            .filter(claim_codes::patient_id.eq(patient_id))
            .filter(claim_codes::used_at.is_null())
            .filter(claim_codes::revoked_at.is_null()),
    )
    .set(claim_codes::revoked_at.eq(at))
    .execute(conn)
}

/// The usable code with this hash for this patient.
pub fn live_claim_code(
    conn: &mut DbConn,
    patient_id: &str,
    code_hash: &str,
    now: i64,
) -> QueryResult<Option<ClaimCode>> {
    claim_codes::table
        .filter(claim_codes::code_hash.eq(code_hash))
        .filter(claim_codes::patient_id.eq(patient_id))
        .filter(claim_codes::used_at.is_null())
        .filter(claim_codes::revoked_at.is_null())
        .filter(claim_codes::expires_at.gt(now))
        .first(conn)
        .optional()
}

/// Marks a code used. Returns false when it was used or revoked meanwhile.
pub fn use_claim_code(conn: &mut DbConn, id: &str, at: i64) -> QueryResult<bool> {
    diesel::update(
        claim_codes::table
            .find(id)
            .filter(claim_codes::used_at.is_null())
            .filter(claim_codes::revoked_at.is_null()),
    )
    .set(claim_codes::used_at.eq(at))
    .execute(conn)
    .map(|n| n == 1)
}
