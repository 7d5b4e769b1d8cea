//! `provider_applications`, their documents, history and technical-assistance requests.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{
    application_documents, application_events, assistance_requests, provider_applications,
};

#[derive(Debug, Clone, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = provider_applications, treat_none_as_null = true)]
pub struct Application {
    pub id: String,
    pub applicant_id: String,
    pub reference: Option<String>,
    pub status: String,
    pub provider: Option<String>,
    pub users: Option<String>,
    pub locations: Option<String>,
    pub supplement: Option<String>,
    pub hcp_id: Option<String>,
    pub submitted_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub registered_on: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub fn insert(conn: &mut DbConn, a: &Application) -> QueryResult<()> {
    diesel::insert_into(provider_applications::table)
        .values(a)
        .execute(conn)
        .map(drop)
}

/// The application, locked for the rest of the transaction on PostgreSQL (SQLite's writer
/// lock serialises anyway).
pub fn lock(conn: &mut DbConn, id: &str) -> QueryResult<Option<Application>> {
    match conn {
        DbConn::Postgres(pg) => provider_applications::table
            .find(id)
            .for_update()
            .first(pg)
            .optional(),
        DbConn::Sqlite(_) => find(conn, id),
    }
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Application>> {
    provider_applications::table.find(id).first(conn).optional()
}

pub fn save(conn: &mut DbConn, a: &Application) -> QueryResult<()> {
    diesel::update(provider_applications::table.find(&a.id))
        .set(a)
        .execute(conn)
        .map(drop)
}

pub fn of_applicant(conn: &mut DbConn, applicant_id: &str) -> QueryResult<Vec<Application>> {
    provider_applications::table
        .filter(provider_applications::applicant_id.eq(applicant_id))
        .order(provider_applications::created_at.asc())
        .load(conn)
}

/// Applications for the office, oldest submission first: only those ever submitted (a draft,
/// or one withdrawn before submission, is the applicant's own).
pub fn list(conn: &mut DbConn, status: Option<&str>) -> QueryResult<Vec<Application>> {
    let mut q = provider_applications::table
        .filter(provider_applications::submitted_at.is_not_null())
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(provider_applications::status.eq(s.to_owned()));
    }
    q.order((
        provider_applications::submitted_at.asc(),
        provider_applications::id.asc(),
    ))
    .load(conn)
}

/// How many references of `prefix` (e.g. `HCPA-2026-`) were given.
pub fn references_with(conn: &mut DbConn, prefix: &str) -> QueryResult<i64> {
    provider_applications::table
        .filter(provider_applications::reference.like(format!("{prefix}%")))
        .count()
        .get_result(conn)
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = application_documents)]
pub struct StoredDocument {
    pub application_id: String,
    pub kind: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub content: Vec<u8>,
    pub uploaded_at: i64,
}

/// Stores (or replaces) a document.
pub fn put_document(conn: &mut DbConn, d: &StoredDocument) -> QueryResult<()> {
    diesel::delete(application_documents::table.find((&d.application_id, &d.kind)))
        .execute(conn)?;
    diesel::insert_into(application_documents::table)
        .values(d)
        .execute(conn)
        .map(drop)
}

/// (kind, content type, size, sha256, uploaded at) of a stored document.
pub type DocumentMeta = (String, String, i64, String, i64);

/// The metadata of each document, by kind.
pub fn documents_of(conn: &mut DbConn, application_id: &str) -> QueryResult<Vec<DocumentMeta>> {
    application_documents::table
        .filter(application_documents::application_id.eq(application_id))
        .select((
            application_documents::kind,
            application_documents::content_type,
            application_documents::size_bytes,
            application_documents::sha256,
            application_documents::uploaded_at,
        ))
        .order(application_documents::kind.asc())
        .load(conn)
}

pub fn document(
    conn: &mut DbConn,
    application_id: &str,
    kind: &str,
) -> QueryResult<Option<StoredDocument>> {
    application_documents::table
        .find((application_id, kind))
        .first(conn)
        .optional()
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = application_events)]
pub struct Event {
    pub id: String,
    pub application_id: String,
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub detail: Option<String>,
}

pub fn add_event(
    conn: &mut DbConn,
    application_id: &str,
    actor: &str,
    kind: &str,
    detail: Option<String>,
    at: i64,
) -> QueryResult<()> {
    diesel::insert_into(application_events::table)
        .values(Event {
            id: uuid::Uuid::now_v7().to_string(),
            application_id: application_id.to_owned(),
            at,
            actor: actor.to_owned(),
            kind: kind.to_owned(),
            detail,
        })
        .execute(conn)
        .map(drop)
}

pub fn events_of(conn: &mut DbConn, application_id: &str) -> QueryResult<Vec<Event>> {
    application_events::table
        .filter(application_events::application_id.eq(application_id))
        .order((application_events::at.asc(), application_events::id.asc()))
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = assistance_requests)]
pub struct Assistance {
    pub id: String,
    pub application_id: String,
    pub message: String,
    pub created_at: i64,
    pub answer: Option<String>,
    pub answered_at: Option<i64>,
    pub answered_by: Option<String>,
}

pub fn insert_assistance(conn: &mut DbConn, a: &Assistance) -> QueryResult<()> {
    diesel::insert_into(assistance_requests::table)
        .values(a)
        .execute(conn)
        .map(drop)
}

pub fn assistance_requests(conn: &mut DbConn) -> QueryResult<Vec<Assistance>> {
    assistance_requests::table
        .order((
            assistance_requests::answered_at.is_not_null(),
            assistance_requests::created_at.asc(),
        ))
        .load(conn)
}

pub fn find_assistance(conn: &mut DbConn, id: &str) -> QueryResult<Option<Assistance>> {
    assistance_requests::table.find(id).first(conn).optional()
}

/// Answers a request once; false when it was answered already.
pub fn answer_assistance(
    conn: &mut DbConn,
    id: &str,
    answer: &str,
    by: &str,
    now: i64,
) -> QueryResult<bool> {
    diesel::update(
        assistance_requests::table
            .find(id)
            .filter(assistance_requests::answered_at.is_null()),
    )
    .set((
        assistance_requests::answer.eq(answer),
        assistance_requests::answered_at.eq(now),
        assistance_requests::answered_by.eq(by),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// The application that created provider `hcp_id`, if any.
pub fn of_hcp(conn: &mut DbConn, hcp_id: &str) -> QueryResult<Option<Application>> {
    provider_applications::table
        .filter(provider_applications::hcp_id.eq(hcp_id))
        .first(conn)
        .optional()
}
