//! Healthcare providers: the register (created by the registration office, searched by anyone),
//! staff accounts (by the office or the HCP's user administrator) and staff passkey enrolment.

use ehealth_contracts::ErrorCode;
use ehealth_contracts::FieldCode;
use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ehealth_contracts::{
    CompleteEnrolmentRequest, CreateHcpRequest, CreateStaffRequest, CreateStaffResponse, District,
    HcpLocation, HcpResponse, ListHcpsQuery, ListHcpsResponse, Profession, Sector, StaffResponse,
    StaffRole, StaffTokenResponse, StartEnrolmentRequest, StartEnrolmentResponse,
};
use uuid::Uuid;

use super::expires_at_ms;
use super::registration::{open_ceremony, unique_as};
use crate::auth::webauthn::{ceremony_error, start_passkey};
use crate::clock::rfc3339_ms;
use crate::domain::person;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::StaffSession;
use crate::state::AppState;
use crate::store;
use crate::store::hcps::{self, Hcp, Location, STAFF_PENDING, Staff, StaffPasskey};
use crate::store::registrations::Registration;
use crate::store::sessions::IssuedTokens;

/// How long an enrolment code can be used (our choice).
const ENROLMENT_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
pub const KIND_STAFF: &str = "staff";

fn text(errors: &mut Vec<FieldError>, raw: &str, field: &str, max: usize) -> String {
    let t = raw.trim();
    if t.is_empty() {
        errors.push(FieldError::new(field, FieldCode::Required));
    } else if t.chars().count() > max || t.chars().any(char::is_control) {
        errors.push(FieldError::new(field, FieldCode::InvalidFormat));
    }
    t.to_owned()
}

pub async fn create_hcp(state: &AppState, req: CreateHcpRequest) -> ApiResult<HcpResponse> {
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
    };
    let (h, l) = (hcp.clone(), locations.clone());
    state
        .db
        .transaction(move |c| Ok(hcps::insert_hcp(c, &h, &l)?))
        .await?;
    tracing::info!(hcp_id = %hcp.id, "hcp registered");
    to_wire(hcp, locations, Vec::new())
}

fn to_wire(h: Hcp, locations: Vec<Location>, professions: Vec<String>) -> ApiResult<HcpResponse> {
    let corrupt = || ApiError::internal("hcp row has an unknown value");
    let mut professions: Vec<Profession> = professions
        .iter()
        .filter_map(|p| Profession::parse(p))
        .collect();
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
                })
            })
            .collect::<ApiResult<_>>()?,
        professions,
    })
}

/// The public register: by name (English or Chinese, any part), district and profession.
pub async fn search(state: &AppState, q: ListHcpsQuery) -> ApiResult<ListHcpsResponse> {
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
    let (district, profession) = (district.map(str::to_owned), profession.map(str::to_owned));
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

fn enrolment_code() -> String {
    crate::crypto::random_code(4)
}

fn code_hash(state: &AppState, code: &str) -> String {
    let normalised: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    state
        .secrets
        .lookup_hash(&format!("staff-enrolment:{normalised}"))
}

/// Creates a staff account of `hcp_id` waiting for its passkey. `roles` only from the office.
pub async fn create_staff(
    state: &AppState,
    hcp_id: &str,
    req: CreateStaffRequest,
) -> ApiResult<CreateStaffResponse> {
    let mut errors = Vec::new();
    let name = text(&mut errors, &req.english_name, "english_name", 100);
    let number = text(
        &mut errors,
        &req.registration_number,
        "registration_number",
        30,
    );
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let code = enrolment_code();
    let now = state.now_ms();
    let mut roles: Vec<&str> = req.roles.iter().map(|r| r.as_str()).collect();
    roles.sort_unstable();
    roles.dedup();
    let staff = Staff {
        id: Uuid::now_v7().to_string(),
        hcp_id: hcp_id.to_owned(),
        english_name: name,
        profession: req.profession.as_str().to_owned(),
        registration_number: number,
        roles: roles.join(","),
        status: STAFF_PENDING.to_owned(),
        enrolment_code_hash: Some(code_hash(state, &code)),
        enrolment_expires_at: Some(now + ENROLMENT_TTL_MS),
        created_at: now,
        deactivated_at: None,
    };
    let row = staff.clone();
    state
        .db
        .transaction(move |c| {
            hcps::find_hcp(c, &row.hcp_id)?.ok_or_else(ApiError::not_found)?;
            Ok(hcps::insert_staff(c, &row)?)
        })
        .await?;
    tracing::info!(staff_id = %staff.id, hcp_id = %staff.hcp_id, "staff account created");
    Ok(CreateStaffResponse {
        staff_id: staff.id,
        enrolment_code: code,
        enrolment_expires_at: rfc3339_ms(now + ENROLMENT_TTL_MS),
    })
}

/// A user administrator creates staff of their own HCP (no roles).
pub async fn admin_create_staff(
    state: &AppState,
    who: &StaffSession,
    mut req: CreateStaffRequest,
) -> ApiResult<CreateStaffResponse> {
    require_admin(who)?;
    req.roles.clear();
    create_staff(state, &who.hcp_id, req).await
}

fn require_admin(who: &StaffSession) -> ApiResult<()> {
    if who.roles.iter().any(|r| r == StaffRole::UserAdmin.as_str()) {
        Ok(())
    } else {
        Err(ApiError::forbidden(ErrorCode::UserAdminRequired))
    }
}

pub fn staff_response(s: Staff) -> ApiResult<StaffResponse> {
    Ok(StaffResponse {
        profession: Profession::parse(&s.profession)
            .ok_or_else(|| ApiError::internal("staff row has an unknown profession"))?,
        roles: s.roles.split(',').filter_map(StaffRole::parse).collect(),
        staff_id: s.id,
        hcp_id: s.hcp_id,
        english_name: s.english_name,
        registration_number: s.registration_number,
        status: s.status,
    })
}

pub async fn list_staff(state: &AppState, who: &StaffSession) -> ApiResult<Vec<StaffResponse>> {
    require_admin(who)?;
    let hcp = who.hcp_id.clone();
    state
        .db
        .run(move |c| Ok(hcps::list_staff(c, &hcp)?))
        .await?
        .into_iter()
        .map(staff_response)
        .collect()
}

/// Deactivates a staff member of the administrator's own HCP; their sessions end at once.
pub async fn deactivate_staff(
    state: &AppState,
    who: &StaffSession,
    staff_id: &str,
) -> ApiResult<StaffResponse> {
    require_admin(who)?;
    let hcp = who.hcp_id.clone();
    let id = staff_id.to_owned();
    let now = state.now_ms();
    let staff = state
        .db
        .transaction(move |c| {
            let s = hcps::find_staff(c, &id)?
                .filter(|s| s.hcp_id == hcp)
                .ok_or_else(ApiError::not_found)?;
            if !hcps::deactivate_staff(c, &s.id, now)? {
                return Err(ApiError::conflict(ErrorCode::StaffDeactivated));
            }
            hcps::find_staff(c, &s.id)?.ok_or_else(ApiError::not_found)
        })
        .await?;
    tracing::info!(%staff_id, "staff deactivated");
    staff_response(staff)
}

/// The enrolment code starts a passkey ceremony for the staff account.
pub async fn start_enrolment(
    state: &AppState,
    req: StartEnrolmentRequest,
) -> ApiResult<StartEnrolmentResponse> {
    let hash = code_hash(state, &req.enrolment_code);
    let now = state.now_ms();
    let staff = state
        .db
        .run(move |c| Ok(hcps::staff_by_enrolment_code(c, &hash)?))
        .await?
        .filter(|s| s.status == STAFF_PENDING && s.enrolment_expires_at.is_some_and(|e| e > now))
        .ok_or_else(|| ApiError::forbidden(ErrorCode::EnrolmentCodeInvalid))?;
    let handle = Uuid::parse_str(&staff.id).map_err(ApiError::internal)?;
    let (options, ceremony) = start_passkey(
        &state.webauthn,
        handle,
        &staff.english_name,
        &staff.english_name,
        vec![],
    )?;
    let expires_at = expires_at_ms(now, state.config.registration_ttl);
    let row = Registration {
        id: Uuid::now_v7().to_string(),
        kind: KIND_STAFF.to_owned(),
        patient_id: None,
        user_handle: staff.id.clone(),
        id_hash: staff.enrolment_code_hash.clone(),
        profile: None,
        ceremony: serde_json::to_string(&ceremony).map_err(ApiError::internal)?,
        created_at: now,
        expires_at,
        completed_at: None,
    };
    let enrolment_id = row.id.clone();
    state
        .db
        .run(move |c| Ok(store::registrations::insert(c, &row)?))
        .await?;
    Ok(StartEnrolmentResponse {
        enrolment_id,
        creation_options: options,
        expires_at: rfc3339_ms(expires_at),
    })
}

pub async fn complete_enrolment(
    state: &AppState,
    enrolment_id: &str,
    req: CompleteEnrolmentRequest,
) -> ApiResult<StaffTokenResponse> {
    let (reg, ceremony) = open_ceremony(state, enrolment_id, KIND_STAFF, None).await?;
    let passkey = state
        .webauthn
        .finish_passkey_registration(&req.credential, &ceremony)
        .map_err(|e| ceremony_error(&e, actix_web::http::StatusCode::BAD_REQUEST))?;
    let now = state.now_ms();
    let row = StaffPasskey {
        id: Uuid::now_v7().to_string(),
        credential_id: URL_SAFE_NO_PAD.encode(passkey.cred_id()),
        staff_id: reg.user_handle.clone(),
        passkey: serde_json::to_string(&passkey).map_err(ApiError::internal)?,
        created_at: now,
        last_used_at: None,
    };
    let life = state.token_lifetimes();
    let (staff, issued) = state
        .db
        .transaction(move |c| {
            if !store::registrations::mark_completed(c, &reg.id, now)? {
                return Err(ApiError::conflict(ErrorCode::RegistrationAlreadyCompleted));
            }
            let code = reg.id_hash.clone().unwrap_or_default();
            if !hcps::activate_staff(c, &row.staff_id, &code)? {
                return Err(ApiError::forbidden(ErrorCode::EnrolmentCodeInvalid));
            }
            if store::passkeys::credential_taken(c, &row.credential_id)? {
                return Err(ApiError::conflict(ErrorCode::CredentialAlreadyRegistered));
            }
            hcps::insert_passkey(c, &row)
                .map_err(|e| unique_as(e, ErrorCode::CredentialAlreadyRegistered))?;
            let staff = hcps::find_staff(c, &row.staff_id)?.ok_or_else(ApiError::not_found)?;
            let issued = hcps::create_session(c, &staff.id, now, life)?;
            Ok((staff, issued))
        })
        .await?;
    tracing::info!(staff_id = %staff.id, "staff passkey enrolled");
    Ok(staff_tokens(&staff, issued, state))
}

pub fn staff_tokens(staff: &Staff, issued: IssuedTokens, state: &AppState) -> StaffTokenResponse {
    let life = state.token_lifetimes();
    StaffTokenResponse {
        principal: "staff".to_owned(),
        staff_id: staff.id.clone(),
        hcp_id: staff.hcp_id.clone(),
        access_token: issued.access_token,
        refresh_token: issued.refresh_token,
        token_type: "Bearer".to_owned(),
        access_expires_in: life.access_ms / 1000,
        refresh_expires_in: life.refresh_ms / 1000,
    }
}

/// A staff app registers its push token for this session: the HCP's consent events reach it
/// while the session lasts and the staff member is active.
pub async fn put_staff_push_token(
    state: &AppState,
    who: &StaffSession,
    req: ehealth_contracts::PutPushTokenRequest,
) -> ApiResult<ehealth_contracts::StaffPushTokenResponse> {
    let token = crate::services::account::checked_push_token(&req.token)?;
    let now = state.now_ms();
    let row = store::push::PushToken {
        device_id: store::push::staff_device(&who.session_id),
        token,
        platform: req.platform.as_str().to_owned(),
        locale: req.locale.as_str().to_owned(),
        updated_at: now,
    };
    let session = who.session_id.clone();
    state
        .db
        .transaction(move |c| Ok(store::push::put_staff_token(c, &session, &row)?))
        .await?;
    Ok(ehealth_contracts::StaffPushTokenResponse {
        session_id: who.session_id.clone(),
        platform: req.platform,
        locale: req.locale,
        updated_at: crate::clock::rfc3339_ms(now),
    })
}
