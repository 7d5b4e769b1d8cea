//! `sdm_links`, `sdm_documents` and `sdm_actions`: who may act for whom, on what evidence, and
//! what they did.

use diesel::prelude::*;
use ehealth_contracts::{SdmBasis, SdmLinkStatus};

use super::DbConn;
use super::schema::{patients, sdm_actions, sdm_documents, sdm_links};
use crate::domain::ids::{LinkId, PatientId};

const PENDING: &str = SdmLinkStatus::PendingReview.as_str();
const APPROVAL: &str = SdmLinkStatus::PendingApproval.as_str();
const ACTIVE: &str = SdmLinkStatus::Active.as_str();
const ENDED: &str = SdmLinkStatus::Ended.as_str();
/// Every status a link can still change from.
const OPEN: [&str; 3] = [PENDING, APPROVAL, ACTIVE];

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = sdm_links)]
pub struct Link {
    pub id: LinkId,
    pub patient_id: PatientId,
    pub sdm_patient_id: PatientId,
    pub basis: String,
    pub relationship: String,
    pub priority: i32,
    pub status: String,
    pub created_at: i64,
    pub reviewed_at: Option<i64>,
    pub reviewed_by: Option<String>,
    pub review_reason: Option<String>,
    pub ended_at: Option<i64>,
    pub ended_reason: Option<String>,
    pub ended_by: Option<String>,
    /// When the registration office ended the link: its stated reason.
    pub ended_detail: Option<String>,
    /// The version of the dependant's scope that last changed the link (`sdm_links` syncs down).
    pub sync_version: i64,
    /// When the link first became active (granted authority); `None` if it never did.
    pub granted_at: Option<i64>,
}

impl Link {
    /// The stored status; a value no version of the server writes is a fault, not a guess.
    pub fn status(&self) -> QueryResult<SdmLinkStatus> {
        SdmLinkStatus::parse(&self.status).ok_or_else(|| {
            diesel::result::Error::DeserializationError(
                format!("unknown link status {:?}", self.status).into(),
            )
        })
    }

    /// Whether the stored status is `status`.
    pub fn is(&self, status: SdmLinkStatus) -> bool {
        self.status == status.as_str()
    }

    pub fn is_open(&self) -> bool {
        OPEN.contains(&self.status.as_str())
    }

    pub fn is_pending(&self) -> bool {
        self.is(SdmLinkStatus::PendingReview) || self.is(SdmLinkStatus::PendingApproval)
    }

    pub fn is_child(&self) -> bool {
        self.basis == SdmBasis::Child.as_str()
    }
}

pub fn insert(conn: &mut DbConn, link: &Link) -> QueryResult<()> {
    diesel::insert_into(sdm_links::table)
        .values(link)
        .execute(conn)?;
    publish(conn, &link.id, link.created_at)
}

/// Gives a changed link the next version of its dependant's scope and pokes that scope's
/// devices, in the transaction of the change: the SDMs' phones pull it in order with the rest.
fn publish(conn: &mut DbConn, id: &str, now: i64) -> QueryResult<()> {
    let scope: String = sdm_links::table
        .find(id)
        .select(sdm_links::patient_id)
        .first(conn)?;
    let version = super::sync_scopes::take_versions(conn, &scope, 1)?;
    diesel::update(sdm_links::table.find(id))
        .set(sdm_links::sync_version.eq(version))
        .execute(conn)?;
    super::outbox::enqueue(
        conn,
        &super::outbox::OutboxRow::poke(&scope, "server", now)?,
    )
}

/// Links of the dependant `scope` changed after version `after`, each with its SDM's English
/// surname and given names, in version order.
pub fn links_changed(
    conn: &mut DbConn,
    scope: &str,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<(Link, String, String)>> {
    sdm_links::table
        .inner_join(patients::table.on(patients::id.eq(sdm_links::sdm_patient_id)))
        .filter(sdm_links::patient_id.eq(scope))
        .filter(sdm_links::sync_version.gt(after))
        .order(sdm_links::sync_version.asc())
        .limit(limit)
        .select((
            sdm_links::all_columns,
            patients::english_surname,
            patients::english_given_names,
        ))
        .load(conn)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Link>> {
    sdm_links::table.find(id).first(conn).optional()
}

/// Every link between `sdm` and `patient`, newest first.
pub fn between(conn: &mut DbConn, sdm: &str, patient: &str) -> QueryResult<Vec<Link>> {
    sdm_links::table
        .filter(sdm_links::sdm_patient_id.eq(sdm))
        .filter(sdm_links::patient_id.eq(patient))
        .order(sdm_links::created_at.desc())
        .load(conn)
}

/// Every link of a dependant, oldest first.
pub fn of_patient(conn: &mut DbConn, patient: &str) -> QueryResult<Vec<Link>> {
    sdm_links::table
        .filter(sdm_links::patient_id.eq(patient))
        .order((sdm_links::created_at.asc(), sdm_links::id.asc()))
        .load(conn)
}

/// Every link held by `sdm`, oldest first.
pub fn of_sdm(conn: &mut DbConn, sdm: &str) -> QueryResult<Vec<Link>> {
    sdm_links::table
        .filter(sdm_links::sdm_patient_id.eq(sdm))
        .order((sdm_links::created_at.asc(), sdm_links::id.asc()))
        .load(conn)
}

/// Active links held by `sdm`, each with the dependant's date of birth.
pub fn active_of_sdm(conn: &mut DbConn, sdm: &str) -> QueryResult<Vec<(Link, String)>> {
    sdm_links::table
        .inner_join(patients::table)
        .filter(sdm_links::sdm_patient_id.eq(sdm))
        .filter(sdm_links::status.eq(ACTIVE))
        .select((sdm_links::all_columns, patients::date_of_birth))
        .order(sdm_links::patient_id.asc())
        .load(conn)
}

/// Open (pending or active) child links whose dependant was born on or before `born_by` (ISO
/// date), with the date of birth: the links that come of age soon or have.
pub fn open_child_links_born_by(
    conn: &mut DbConn,
    born_by: &str,
) -> QueryResult<Vec<(Link, String)>> {
    sdm_links::table
        .inner_join(patients::table)
        .filter(sdm_links::status.eq_any(OPEN))
        .filter(sdm_links::basis.eq(SdmBasis::Child.as_str()))
        .filter(patients::date_of_birth.le(born_by))
        .select((sdm_links::all_columns, patients::date_of_birth))
        .order(sdm_links::id.asc())
        .load(conn)
}

/// Links waiting for a decision (the registration office's, or an SDM's), oldest first.
pub fn pending(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Link>> {
    sdm_links::table
        .filter(sdm_links::status.eq_any([PENDING, APPROVAL]))
        .order((sdm_links::created_at.asc(), sdm_links::id.asc()))
        .limit(limit)
        .load(conn)
}

/// Locks a pending link's row for the rest of the transaction (a no-op update: PostgreSQL takes
/// the row lock, SQLite's write transaction already excludes other writers), so a document
/// upload and a review of the same link run one after the other. False when not pending.
pub fn lock_pending(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    diesel::update(
        sdm_links::table
            .find(id)
            .filter(sdm_links::status.eq_any([PENDING, APPROVAL])),
    )
    .set(sdm_links::id.eq(id))
    .execute(conn)
    .map(|n| n == 1)
}

/// Joins nobody decided on, asked for at or before `cutoff` (ms), oldest first.
pub fn approvals_asked_by(conn: &mut DbConn, cutoff: i64) -> QueryResult<Vec<Link>> {
    sdm_links::table
        .filter(sdm_links::status.eq(APPROVAL))
        .filter(sdm_links::created_at.le(cutoff))
        .order((sdm_links::created_at.asc(), sdm_links::id.asc()))
        .load(conn)
}

/// Approves or rejects a pending link (either kind). Returns false when it was no longer
/// pending. `by` is the officer, or `sdm:<patient id>` for an SDM's decision on a join.
pub fn review(
    conn: &mut DbConn,
    id: &str,
    status: SdmLinkStatus,
    by: &str,
    reason: Option<&str>,
    at: i64,
) -> QueryResult<bool> {
    let changed = diesel::update(
        sdm_links::table
            .find(id)
            .filter(sdm_links::status.eq_any([PENDING, APPROVAL])),
    )
    .set((
        sdm_links::status.eq(status.as_str()),
        sdm_links::reviewed_at.eq(at),
        sdm_links::reviewed_by.eq(by),
        sdm_links::review_reason.eq(reason),
        sdm_links::granted_at.eq((status == SdmLinkStatus::Active).then_some(at)),
    ))
    .execute(conn)?
        == 1;
    if changed {
        publish(conn, id, at)?;
    }
    Ok(changed)
}

/// Ends an open link. Returns false when it was already closed.
pub fn end(conn: &mut DbConn, id: &str, reason: &str, by: &str, at: i64) -> QueryResult<bool> {
    let changed = diesel::update(
        sdm_links::table
            .find(id)
            .filter(sdm_links::status.eq_any(OPEN)),
    )
    .set((
        sdm_links::status.eq(ENDED),
        sdm_links::ended_at.eq(at),
        sdm_links::ended_reason.eq(reason),
        sdm_links::ended_by.eq(by),
    ))
    .execute(conn)?
        == 1;
    if changed {
        publish(conn, id, at)?;
    }
    Ok(changed)
}

/// Keeps the registration office's stated reason on a link it ended.
pub fn set_ended_detail(conn: &mut DbConn, id: &str, detail: &str) -> QueryResult<()> {
    diesel::update(sdm_links::table.find(id))
        .set(sdm_links::ended_detail.eq(detail))
        .execute(conn)
        .map(drop)
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = sdm_documents)]
pub struct Document {
    pub link_id: LinkId,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub content: Vec<u8>,
    pub uploaded_at: i64,
}

/// Stores (or replaces) a link's supporting document.
pub fn put_document(conn: &mut DbConn, doc: &Document) -> QueryResult<()> {
    diesel::delete(sdm_documents::table.find(&doc.link_id)).execute(conn)?;
    diesel::insert_into(sdm_documents::table)
        .values(doc)
        .execute(conn)
        .map(drop)
}

pub fn document(conn: &mut DbConn, link_id: &str) -> QueryResult<Option<Document>> {
    sdm_documents::table.find(link_id).first(conn).optional()
}

/// Content type, size and SHA-256 of a link's document, without loading it.
pub fn document_meta(
    conn: &mut DbConn,
    link_id: &str,
) -> QueryResult<Option<(String, i64, String)>> {
    sdm_documents::table
        .find(link_id)
        .select((
            sdm_documents::content_type,
            sdm_documents::size_bytes,
            sdm_documents::sha256,
        ))
        .first(conn)
        .optional()
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = sdm_actions)]
pub struct Action {
    pub id: String,
    pub patient_id: PatientId,
    pub sdm_patient_id: PatientId,
    pub link_id: LinkId,
    pub action: String,
    pub at: i64,
}

pub fn record_action(conn: &mut DbConn, a: &Action) -> QueryResult<()> {
    diesel::insert_into(sdm_actions::table)
        .values(a)
        .execute(conn)
        .map(drop)
}

/// What SDMs did for `patient`, newest first, at most `limit`.
pub fn recent_actions(conn: &mut DbConn, patient: &str, limit: i64) -> QueryResult<Vec<Action>> {
    sdm_actions::table
        .filter(sdm_actions::patient_id.eq(patient))
        .order((sdm_actions::at.desc(), sdm_actions::id.desc()))
        .limit(limit)
        .load(conn)
}
