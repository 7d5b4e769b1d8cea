//! `sdm_links`, `sdm_documents` and `sdm_actions`: who may act for whom, on what evidence, and
//! what they did.

use diesel::prelude::*;
use ehealth_contracts::{SdmBasis, SdmLinkStatus};

use super::DbConn;
use super::schema::{patients, sdm_actions, sdm_documents, sdm_links};
use crate::domain::ids::{LinkId, PatientId};

const PENDING: &str = SdmLinkStatus::PendingReview.as_str();
const ACTIVE: &str = SdmLinkStatus::Active.as_str();
const ENDED: &str = SdmLinkStatus::Ended.as_str();

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
        self.is(SdmLinkStatus::PendingReview) || self.is(SdmLinkStatus::Active)
    }

    pub fn is_child(&self) -> bool {
        self.basis == SdmBasis::Child.as_str()
    }
}

pub fn insert(conn: &mut DbConn, link: &Link) -> QueryResult<()> {
    diesel::insert_into(sdm_links::table)
        .values(link)
        .execute(conn)
        .map(drop)
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
        .filter(sdm_links::status.eq_any([PENDING, ACTIVE]))
        .filter(sdm_links::basis.eq(SdmBasis::Child.as_str()))
        .filter(patients::date_of_birth.le(born_by))
        .select((sdm_links::all_columns, patients::date_of_birth))
        .order(sdm_links::id.asc())
        .load(conn)
}

/// Links waiting for the registration office, oldest first.
pub fn pending(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Link>> {
    sdm_links::table
        .filter(sdm_links::status.eq(PENDING))
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
            .filter(sdm_links::status.eq(PENDING)),
    )
    .set(sdm_links::status.eq(PENDING))
    .execute(conn)
    .map(|n| n == 1)
}

/// Approves or rejects a pending link. Returns false when it was no longer pending.
pub fn review(
    conn: &mut DbConn,
    id: &str,
    status: SdmLinkStatus,
    by: &str,
    reason: Option<&str>,
    at: i64,
) -> QueryResult<bool> {
    diesel::update(
        sdm_links::table
            .find(id)
            .filter(sdm_links::status.eq(PENDING)),
    )
    .set((
        sdm_links::status.eq(status.as_str()),
        sdm_links::reviewed_at.eq(at),
        sdm_links::reviewed_by.eq(by),
        sdm_links::review_reason.eq(reason),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Ends an open link. Returns false when it was already closed.
pub fn end(conn: &mut DbConn, id: &str, reason: &str, by: &str, at: i64) -> QueryResult<bool> {
    diesel::update(
        sdm_links::table
            .find(id)
            .filter(sdm_links::status.eq_any([PENDING, ACTIVE])),
    )
    .set((
        sdm_links::status.eq(ENDED),
        sdm_links::ended_at.eq(at),
        sdm_links::ended_reason.eq(reason),
        sdm_links::ended_by.eq(by),
    ))
    .execute(conn)
    .map(|n| n == 1)
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
