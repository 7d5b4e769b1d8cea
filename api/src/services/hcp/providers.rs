//! The register of healthcare providers: created by the registration office, searched by
//! anyone.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ehealth_contracts::{
    CreateHcpRequest, District, ErrorCode, FieldCode, HcpLocation, HcpResponse, ListHcpsQuery,
    ListHcpsResponse, Profession, Sector,
};
use uuid::Uuid;

use crate::domain::person;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::services::checks::text;
use crate::state::AppState;
use crate::store::hcps::{self, Hcp, Location};

pub async fn create_hcp(
    state: &AppState,
    by: &str,
    req: CreateHcpRequest,
) -> ApiResult<HcpResponse> {
    let mut errors = Vec::new();
    let name_en = text(&mut errors, &req.name_en, "name_en", 200);
    let name_zh = text(&mut errors, &req.name_zh, "name_zh", 100);
    if req.locations.is_empty() {
        errors.push(FieldError::new("locations", FieldCode::Required));
    }
    let id = Uuid::now_v7().to_string();
    let mut locations = Vec::new();
    for (i, l) in req.locations.iter().enumerate() {
        let f = |n: &str| format!("locations[{i}].{n}");
        let phone = match person::phone(&l.phone, &f("phone")) {
            Ok(p) => p,
            Err(e) => {
                errors.push(e);
                String::new()
            }
        };
        locations.push(Location {
            id: Uuid::now_v7().to_string(),
            hcp_id: id.clone(),
            name_en: text(&mut errors, &l.name_en, &f("name_en"), 200),
            address_en: text(&mut errors, &l.address_en, &f("address_en"), 300),
            district: l.district.as_str().to_owned(),
            phone,
            name_zh: None,
            address_zh: None,
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let hcp = Hcp {
        id,
        name_en,
        name_zh,
        sector: req.sector.as_str().to_owned(),
        feed_seq: 0,
        created_at: state.now_ms(),
        status: hcps::HCP_REGISTERED.to_owned(),
        registered_on: None,
        hcp_type: None,
        email: None,
        phone: None,
        address_en: None,
        address_zh: None,
    };
    let (h, l, by) = (hcp.clone(), locations.clone(), by.to_owned());
    state
        .db
        .transaction(move |c| {
            hcps::insert_hcp(c, &h, &l)?;
            let at = h.created_at;
            Ok(crate::store::hcp_requests::add_event(
                c, &h.id, &by, "created", None, at,
            )?)
        })
        .await?;
    tracing::info!(hcp_id = %hcp.id, "hcp registered");
    to_wire(hcp, locations, Vec::new())
}

fn to_wire(h: Hcp, locations: Vec<Location>, professions: Vec<String>) -> ApiResult<HcpResponse> {
    let corrupt = || ApiError::internal("hcp row has an unknown value");
    let mut professions: Vec<Profession> = professions
        .iter()
        .map(|p| Profession::parse(p).ok_or_else(corrupt))
        .collect::<ApiResult<_>>()?;
    professions.sort_by_key(|p| p.as_str());
    professions.dedup();
    Ok(HcpResponse {
        hcp_id: h.id,
        name_en: h.name_en,
        name_zh: h.name_zh,
        sector: Sector::parse(&h.sector).ok_or_else(corrupt)?,
        locations: locations
            .into_iter()
            .map(|l| {
                Ok(HcpLocation {
                    location_id: l.id,
                    name_en: l.name_en,
                    address_en: l.address_en,
                    district: District::parse(&l.district).ok_or_else(corrupt)?,
                    phone: l.phone,
                    name_zh: l.name_zh,
                    address_zh: l.address_zh,
                })
            })
            .collect::<ApiResult<_>>()?,
        professions,
    })
}

/// The public register: by name (English or Chinese, any part), district and profession.
pub async fn search(state: &AppState, q: ListHcpsQuery) -> ApiResult<ListHcpsResponse> {
    let SearchFilter {
        pattern,
        district,
        profession,
        after,
        limit,
    } = search_filter(&q)?;
    let (rows, locations, professions) = state
        .db
        .run(move |c| {
            let rows = hcps::search(
                c,
                pattern.as_deref(),
                district.as_deref(),
                profession.as_deref(),
                after.as_deref(),
                limit + 1,
            )?;
            let ids: Vec<String> = rows.iter().map(|h| h.id.clone()).collect();
            Ok((
                rows,
                hcps::locations_of(c, &ids)?,
                hcps::professions_of(c, &ids)?,
            ))
        })
        .await?;
    page(rows, locations, professions, limit)
}

/// A register search that passed every rule.
struct SearchFilter {
    /// A lower-case `LIKE` pattern.
    pattern: Option<String>,
    district: Option<String>,
    profession: Option<String>,
    /// The id of the last HCP of the previous page.
    after: Option<String>,
    limit: i64,
}

/// Checks the query, reporting all invalid fields together (an unreadable cursor first).
fn search_filter(q: &ListHcpsQuery) -> ApiResult<SearchFilter> {
    let mut errors = Vec::new();
    let district = q.district.as_deref().filter(|d| !d.is_empty());
    if district.is_some_and(|d| District::parse(d).is_none()) {
        errors.push(FieldError::new("district", FieldCode::InvalidValue));
    }
    let profession = q.profession.as_deref().filter(|p| !p.is_empty());
    if profession.is_some_and(|p| Profession::parse(p).is_none()) {
        errors.push(FieldError::new("profession", FieldCode::InvalidValue));
    }
    let limit = match q.limit.as_deref().map(str::parse::<i64>) {
        None => 20,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => {
            errors.push(FieldError::new("limit", FieldCode::OutOfRange));
            20
        }
    };
    let name = q.q.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if name.is_some_and(|n| n.chars().count() > 100) {
        errors.push(FieldError::new("q", FieldCode::TooLong));
    }
    let after = match q.cursor.as_deref() {
        None => None,
        Some(c) => Some(
            URL_SAFE_NO_PAD
                .decode(c)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| ApiError::bad_request(ErrorCode::InvalidCursor))?,
        ),
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    // LIKE wildcards typed by the user are matched literally.
    let pattern = name.map(|n| {
        let escaped: String = n
            .to_lowercase()
            .chars()
            .filter(|c| !matches!(c, '%' | '_' | '\\'))
            .collect();
        format!("%{escaped}%")
    });
    Ok(SearchFilter {
        pattern,
        district: district.map(str::to_owned),
        profession: profession.map(str::to_owned),
        after,
        limit,
    })
}

/// One page of the register: `rows` holds one HCP more than `limit` when a next page exists.
fn page(
    rows: Vec<Hcp>,
    locations: Vec<Location>,
    professions: Vec<(String, String)>,
    limit: i64,
) -> ApiResult<ListHcpsResponse> {
    let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    let mut by_hcp: BTreeMap<String, Vec<Location>> = BTreeMap::new();
    for l in locations {
        by_hcp.entry(l.hcp_id.clone()).or_default().push(l);
    }
    let mut profs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (h, p) in professions {
        profs.entry(h).or_default().push(p);
    }
    let rows: Vec<Hcp> = rows
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(0))
        .collect();
    let next_cursor = more
        .then(|| rows.last().map(|h| URL_SAFE_NO_PAD.encode(&h.id)))
        .flatten();
    let hcps = rows
        .into_iter()
        .map(|h| {
            let l = by_hcp.remove(&h.id).unwrap_or_default();
            let p = profs.remove(&h.id).unwrap_or_default();
            to_wire(h, l, p)
        })
        .collect::<ApiResult<_>>()?;
    Ok(ListHcpsResponse { hcps, next_cursor })
}
