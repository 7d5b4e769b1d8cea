//! `hcps` and `hcp_locations`: the provider register and each HCP's consent-feed counter.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{hcp_locations, hcp_staff, hcps};
use super::staff::STAFF_ACTIVE;

diesel::define_sql_function! {
    /// SQL `lower()` (the same in SQLite and PostgreSQL for ASCII).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = hcps)]
pub struct Hcp {
    pub id: String,
    pub name_en: String,
    pub name_zh: String,
    pub sector: String,
    pub feed_seq: i64,
    pub created_at: i64,
    /// `accepted` (its staff can enrol) or `registered` (on the register, takes consents).
    pub status: String,
    /// The Hong Kong date it is (or becomes) registered, for providers that applied.
    pub registered_on: Option<String>,
    pub hcp_type: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address_en: Option<String>,
    pub address_zh: Option<String>,
}

pub const HCP_ACCEPTED: &str = "accepted";
pub const HCP_REGISTERED: &str = "registered";

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = hcp_locations)]
pub struct Location {
    pub id: String,
    pub hcp_id: String,
    pub name_en: String,
    pub address_en: String,
    pub district: String,
    pub phone: String,
    pub name_zh: Option<String>,
    pub address_zh: Option<String>,
}

pub fn insert_hcp(conn: &mut DbConn, h: &Hcp, locations: &[Location]) -> QueryResult<()> {
    diesel::insert_into(hcps::table).values(h).execute(conn)?;
    for l in locations {
        diesel::insert_into(hcp_locations::table)
            .values(l)
            .execute(conn)?;
    }
    Ok(())
}

pub fn find_hcp(conn: &mut DbConn, id: &str) -> QueryResult<Option<Hcp>> {
    hcps::table.find(id).first(conn).optional()
}

pub fn locations_of(conn: &mut DbConn, hcp_ids: &[String]) -> QueryResult<Vec<Location>> {
    hcp_locations::table
        .filter(hcp_locations::hcp_id.eq_any(hcp_ids))
        .order((hcp_locations::hcp_id.asc(), hcp_locations::id.asc()))
        .load(conn)
}

/// (hcp id, profession) of every active staff member of these HCPs.
pub fn professions_of(conn: &mut DbConn, hcp_ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    hcp_staff::table
        .filter(hcp_staff::hcp_id.eq_any(hcp_ids))
        .filter(hcp_staff::status.eq(STAFF_ACTIVE))
        .select((hcp_staff::hcp_id, hcp_staff::profession))
        .distinct()
        .load(conn)
}

/// The register in id order, filtered: `name_like` is a lower-case `LIKE` pattern matched
/// against the lower-cased English name and the Chinese name; districts and professions exactly.
pub fn search(
    conn: &mut DbConn,
    name_like: Option<&str>,
    district: Option<&str>,
    profession: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Hcp>> {
    let mut q = hcps::table
        .filter(hcps::status.eq(HCP_REGISTERED))
        .into_boxed();
    if let Some(pattern) = name_like {
        q = q.filter(
            lower(hcps::name_en)
                .like(pattern.to_owned())
                .or(hcps::name_zh.like(pattern.to_owned())),
        );
    }
    if let Some(d) = district {
        q = q.filter(
            hcps::id.eq_any(
                hcp_locations::table
                    .filter(hcp_locations::district.eq(d.to_owned()))
                    .select(hcp_locations::hcp_id),
            ),
        );
    }
    if let Some(p) = profession {
        q = q.filter(
            hcps::id.eq_any(
                hcp_staff::table
                    .filter(hcp_staff::profession.eq(p.to_owned()))
                    .filter(hcp_staff::status.eq(STAFF_ACTIVE))
                    .select(hcp_staff::hcp_id),
            ),
        );
    }
    if let Some(a) = after {
        q = q.filter(hcps::id.gt(a.to_owned()));
    }
    q.order(hcps::id.asc()).limit(limit).load(conn)
}

/// Takes the next `n` sequence numbers of the HCP's consent feed; the row lock is held until
/// commit, so the feed's order is commit order and no reader sees a gap that later fills.
pub fn take_feed_seq(conn: &mut DbConn, hcp_id: &str) -> QueryResult<i64> {
    diesel::update(hcps::table.find(hcp_id))
        .set(hcps::feed_seq.eq(hcps::feed_seq + 1))
        .execute(conn)?;
    hcps::table.find(hcp_id).select(hcps::feed_seq).first(conn)
}

/// Makes every accepted provider whose registration date has come registered; returns their
/// ids.
pub fn register_due(conn: &mut DbConn, today: &str) -> QueryResult<Vec<String>> {
    let due: Vec<String> = hcps::table
        .filter(hcps::status.eq(HCP_ACCEPTED))
        .filter(hcps::registered_on.le(today))
        .select(hcps::id)
        .load(conn)?;
    if !due.is_empty() {
        diesel::update(hcps::table.filter(hcps::id.eq_any(&due)))
            .set(hcps::status.eq(HCP_REGISTERED))
            .execute(conn)?;
    }
    Ok(due)
}

pub fn update_hcp(conn: &mut DbConn, h: &Hcp) -> QueryResult<()> {
    diesel::update(hcps::table.find(&h.id))
        .set((
            hcps::name_en.eq(&h.name_en),
            hcps::name_zh.eq(&h.name_zh),
            hcps::address_en.eq(&h.address_en),
            hcps::address_zh.eq(&h.address_zh),
            hcps::phone.eq(&h.phone),
            hcps::email.eq(&h.email),
        ))
        .execute(conn)
        .map(drop)
}

pub fn insert_location(conn: &mut DbConn, l: &Location) -> QueryResult<()> {
    diesel::insert_into(hcp_locations::table)
        .values(l)
        .execute(conn)
        .map(drop)
}

pub fn replace_location(conn: &mut DbConn, l: &Location) -> QueryResult<bool> {
    diesel::update(
        hcp_locations::table
            .find(&l.id)
            .filter(hcp_locations::hcp_id.eq(&l.hcp_id)),
    )
    .set((
        hcp_locations::name_en.eq(&l.name_en),
        hcp_locations::address_en.eq(&l.address_en),
        hcp_locations::district.eq(&l.district),
        hcp_locations::phone.eq(&l.phone),
        hcp_locations::name_zh.eq(&l.name_zh),
        hcp_locations::address_zh.eq(&l.address_zh),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn remove_location(conn: &mut DbConn, hcp_id: &str, id: &str) -> QueryResult<bool> {
    diesel::delete(
        hcp_locations::table
            .find(id)
            .filter(hcp_locations::hcp_id.eq(hcp_id)),
    )
    .execute(conn)
    .map(|n| n == 1)
}
