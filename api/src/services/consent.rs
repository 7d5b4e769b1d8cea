//! Sharing consent: given in the app (pre-grant), with the access key at the HCP, revoked at
//! once, renewed; every change appended to the HCP's gap-free feed and queued as a notice to
//! the HCP's staff. Whether a consent is valid is decided from the clock on every read.

use ehealth_contracts::ErrorCode;
use ehealth_contracts::FieldCode;
use std::time::Duration;

use chrono::NaiveDate;
use ehealth_contracts::{
    AccessKeyResponse, ConsentByAccessKeyRequest, ConsentEvent, ConsentEventType,
    ConsentEventsQuery, ConsentEventsResponse, ConsentMethod, ConsentResponse, ConsentStatus,
    ConsentType, CreateConsentRequest, ListConsentsResponse,
};
use rand::Rng;
use serde_json::json;
use uuid::Uuid;

use super::family::act_for;
use crate::clock::rfc3339_ms;
use crate::domain::identity::ValidIdentity;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::{PatientSession, StaffSession};
use crate::state::AppState;
use crate::store::consents::{self, ACTIVE, AccessKey, Consent, Event};
use crate::store::patients::Patient;
use crate::store::sync::OutboxRow;
use crate::store::{self, DbConn};

/// Wrong access keys in a row before the key locks, and for how long (our choice).
pub const KEY_ATTEMPTS: i32 = 5;
pub const KEY_LOCK_MS: i64 = 15 * 60 * 1000;
/// Wrong keys since the last right one after which the key is destroyed: the patient makes a
/// new one in the app. Without this cap, five guesses every 15 minutes would go on for ever.
pub const KEY_MAX_FAILURES: i32 = 20;

/// A one-year consent is valid through the Hong Kong day a year on (from 29 February: 1 March,
/// the same anniversary rule as birthdays).
pub fn one_year_from(today: NaiveDate) -> NaiveDate {
    crate::domain::person::anniversary(today, 1).unwrap_or(today)
}

/// Whether a stored consent lets its HCP read today.
pub fn is_valid(c: &Consent, today: NaiveDate) -> bool {
    c.status == ACTIVE
        && c.valid_until
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .is_none_or(|until| today <= until)
}

/// The patient must be verified and not withdrawn to give consent (or be read).
pub fn require_sharable(p: &Patient) -> ApiResult<()> {
    match p.status.as_str() {
        "verified" => Ok(()),
        "withdrawn" => Err(ApiError::forbidden(ErrorCode::AccountWithdrawn)),
        _ => Err(ApiError::forbidden(ErrorCode::PatientNotVerified)),
    }
}

/// Gives a changed consent the next version of the patient's sync scope (consents sync down to
/// the patient's and SDMs' devices) and pokes those devices.
pub fn publish(c: &mut DbConn, consent_id: &str, patient_id: &str, now: i64) -> ApiResult<()> {
    let version = store::sync::take_versions(c, patient_id, 1)?;
    consents::set_consent_version(c, consent_id, version)?;
    crate::services::sync::poke(c, patient_id, "server", now)
}

/// Appends an event to the HCP's feed and queues a notice for its staff (same transaction).
pub fn record_event(
    c: &mut DbConn,
    consent: &Consent,
    event: ConsentEventType,
    now: i64,
) -> ApiResult<()> {
    let seq = store::hcps::take_feed_seq(c, &consent.hcp_id)?;
    consents::insert_event(
        c,
        &Event {
            hcp_id: consent.hcp_id.clone(),
            seq,
            consent_id: consent.id.clone(),
            patient_id: consent.patient_id.clone(),
            event: event.as_str().to_owned(),
            at: now,
        },
    )?;
    let mut notice = OutboxRow::notice(
        "hcp_consent_event",
        &format!("hcp:{}", consent.hcp_id),
        json!({"type": "consent_event", "hcp_id": consent.hcp_id, "seq": seq, "event": event.as_str()}),
        now,
    );
    notice.patient_id = None;
    notice.scope = Some(format!("hcp:{}", consent.hcp_id));
    store::sync::enqueue(c, &notice)?;
    Ok(())
}

fn to_wire(c: Consent, h: &store::hcps::Hcp) -> ApiResult<ConsentResponse> {
    let corrupt = || ApiError::internal("consent row has an unknown value");
    Ok(ConsentResponse {
        consent_type: ConsentType::parse(&c.consent_type).ok_or_else(corrupt)?,
        method: ConsentMethod::parse(&c.method).ok_or_else(corrupt)?,
        status: ConsentStatus::parse(&c.status).ok_or_else(corrupt)?,
        consent_id: c.id,
        patient_id: c.patient_id,
        hcp_id: c.hcp_id,
        hcp_name_en: h.name_en.clone(),
        hcp_name_zh: h.name_zh.clone(),
        granted_at: rfc3339_ms(c.granted_at),
        valid_until: c.valid_until,
        ended_at: c.ended_at.map(rfc3339_ms),
    })
}

fn wire_with_hcp(c: &mut DbConn, consent: Consent) -> ApiResult<ConsentResponse> {
    let hcp = store::hcps::find_hcp(c, &consent.hcp_id)?
        .ok_or_else(|| ApiError::internal("consent to a missing hcp"))?;
    to_wire(consent, &hcp)
}

/// Grants `hcp_id` consent (or returns the consent already active), in the caller's transaction.
#[allow(clippy::too_many_arguments)]
fn grant(
    c: &mut DbConn,
    patient_id: &str,
    hcp_id: &str,
    consent_type: ConsentType,
    method: ConsentMethod,
    by: &str,
    today: NaiveDate,
    now: i64,
) -> ApiResult<ConsentResponse> {
    store::patients::lock(c, patient_id)?;
    let patient = store::patients::find(c, patient_id)?.ok_or_else(ApiError::not_found)?;
    require_sharable(&patient)?;
    store::hcps::find_hcp(c, hcp_id)?.ok_or_else(|| {
        ApiError::validation(vec![FieldError::new("hcp_id", FieldCode::NotFound)])
    })?;
    if let Some(existing) = consents::active(c, patient_id, hcp_id)? {
        if is_valid(&existing, today) {
            return wire_with_hcp(c, existing);
        }
        // Past its last day but not yet tidied by the daily job: it expires now.
        consents::end(c, &existing.id, "expired", "clock", now)?;
        record_event(c, &existing, ConsentEventType::Expired, now)?;
        publish(c, &existing.id, patient_id, now)?;
    }
    let consent = Consent {
        id: Uuid::now_v7().to_string(),
        patient_id: patient_id.to_owned(),
        hcp_id: hcp_id.to_owned(),
        consent_type: consent_type.as_str().to_owned(),
        method: method.as_str().to_owned(),
        status: ACTIVE.to_owned(),
        granted_at: now,
        valid_until: (consent_type == ConsentType::OneYear)
            .then(|| one_year_from(today).format("%Y-%m-%d").to_string()),
        granted_by: by.to_owned(),
        ended_at: None,
        ended_by: None,
        updated_at: now,
        sync_version: 0,
    };
    consents::insert(c, &consent)?;
    record_event(c, &consent, ConsentEventType::Granted, now)?;
    publish(c, &consent.id, patient_id, now)?;
    // Whoever gave it, the patient and their SDMs hear that an HCP may now read the record.
    store::sync::enqueue(
        c,
        &OutboxRow::notice(
            "consent_granted",
            patient_id,
            json!({"type": "consent_granted", "patient_id": patient_id, "consent_id": consent.id, "hcp_id": hcp_id, "method": method.as_str()}),
            now,
        )
        .for_scope(patient_id),
    )?;
    wire_with_hcp(c, consent)
}

/// Pre-grant in the app, by the patient or an active SDM.
pub async fn create(
    state: &AppState,
    who: &PatientSession,
    patient_id: &str,
    req: CreateConsentRequest,
) -> ApiResult<ConsentResponse> {
    let acting = act_for(state, who, patient_id, "grant_consent").await?;
    let today = state.clock.today_hk();
    let now = state.now_ms();
    let response = state
        .db
        .transaction(move |c| {
            grant(
                c,
                &acting.patient_id,
                &req.hcp_id,
                req.consent_type,
                ConsentMethod::App,
                &acting.actor_id,
                today,
                now,
            )
        })
        .await?;
    tracing::info!(consent_id = %response.consent_id, "consent granted in the app");
    Ok(response)
}

pub async fn list(
    state: &AppState,
    who: &PatientSession,
    patient_id: &str,
) -> ApiResult<ListConsentsResponse> {
    let acting = act_for(state, who, patient_id, "list_consents").await?;
    let today = state.clock.today_hk();
    state
        .db
        .run(move |c| {
            let mut out = Vec::new();
            for consent in consents::for_patient(c, &acting.patient_id)? {
                let mut wire = wire_with_hcp(c, consent.clone())?;
                if wire.status == ConsentStatus::Active && !is_valid(&consent, today) {
                    wire.status = ConsentStatus::Expired;
                }
                out.push(wire);
            }
            Ok(ListConsentsResponse { consents: out })
        })
        .await
}

/// Revocation takes effect at once: it commits before this answers, and every read checks the
/// consent inside its own transaction after locking the patient.
pub async fn revoke(
    state: &AppState,
    who: &PatientSession,
    patient_id: &str,
    consent_id: &str,
) -> ApiResult<ConsentResponse> {
    let acting = act_for(state, who, patient_id, "revoke_consent").await?;
    let id = consent_id.to_owned();
    let now = state.now_ms();
    let response = state
        .db
        .transaction(move |c| {
            store::patients::lock(c, &acting.patient_id)?;
            let consent = consents::find(c, &id)?
                .filter(|x| x.patient_id == acting.patient_id)
                .ok_or_else(ApiError::not_found)?;
            if !consents::end(c, &id, "revoked", &acting.actor_id, now)? {
                return Err(ApiError::conflict(ErrorCode::ConsentNotActive));
            }
            record_event(c, &consent, ConsentEventType::Revoked, now)?;
            publish(c, &id, &acting.patient_id, now)?;
            let ended = consents::find(c, &id)?.ok_or_else(ApiError::not_found)?;
            wire_with_hcp(c, ended)
        })
        .await?;
    tracing::info!(%consent_id, "consent revoked");
    Ok(response)
}

/// Renews a one-year consent for another year from today.
pub async fn renew(
    state: &AppState,
    who: &PatientSession,
    patient_id: &str,
    consent_id: &str,
) -> ApiResult<ConsentResponse> {
    let acting = act_for(state, who, patient_id, "renew_consent").await?;
    let id = consent_id.to_owned();
    let today = state.clock.today_hk();
    let now = state.now_ms();
    state
        .db
        .transaction(move |c| {
            store::patients::lock(c, &acting.patient_id)?;
            let consent = consents::find(c, &id)?
                .filter(|x| x.patient_id == acting.patient_id)
                .ok_or_else(ApiError::not_found)?;
            let patient =
                store::patients::find(c, &acting.patient_id)?.ok_or_else(ApiError::not_found)?;
            require_sharable(&patient)?;
            if consent.consent_type != ConsentType::OneYear.as_str() {
                return Err(ApiError::conflict(ErrorCode::ConsentNotRenewable));
            }
            if !is_valid(&consent, today) {
                return Err(ApiError::conflict(ErrorCode::ConsentNotActive));
            }
            let until = one_year_from(today).format("%Y-%m-%d").to_string();
            consents::renew(c, &id, &until, now)?;
            record_event(c, &consent, ConsentEventType::Renewed, now)?;
            publish(c, &id, &acting.patient_id, now)?;
            let renewed = consents::find(c, &id)?.ok_or_else(ApiError::not_found)?;
            wire_with_hcp(c, renewed)
        })
        .await
}

fn key_hash(state: &AppState, patient_id: &str, key: &str) -> String {
    state
        .secrets
        .lookup_hash(&format!("access-key:{patient_id}:{key}"))
}

/// A new 8-digit access key (shown once, stored hashed); the previous key dies at once.
pub async fn new_access_key(
    state: &AppState,
    who: &PatientSession,
    patient_id: &str,
) -> ApiResult<AccessKeyResponse> {
    let acting = act_for(state, who, patient_id, "new_access_key").await?;
    let key = format!("{:08}", rand::thread_rng().gen_range(0..100_000_000u32));
    let hash = key_hash(state, &acting.patient_id, &key);
    let now = state.now_ms();
    state
        .db
        .transaction(move |c| {
            // Same order as the counter: patient, then key (no lost failure counts).
            store::patients::lock(c, &acting.patient_id)?;
            let p =
                store::patients::find(c, &acting.patient_id)?.ok_or_else(ApiError::not_found)?;
            require_sharable(&p)?;
            consents::put_access_key(
                c,
                &AccessKey {
                    patient_id: p.id,
                    key_hash: hash,
                    created_at: now,
                    failures: 0,
                    locked_until: None,
                },
            )?;
            Ok(())
        })
        .await?;
    Ok(AccessKeyResponse { access_key: key })
}

/// At the HCP's counter: identity document + access key give the caller's HCP an indefinite
/// consent. Wrong keys count: every fifth locks the key for 15 minutes, the twentieth since the
/// last right one destroys it (the patient makes a new one).
pub async fn by_access_key(
    state: &AppState,
    who: &StaffSession,
    req: ConsentByAccessKeyRequest,
) -> ApiResult<ConsentResponse> {
    let identity = ValidIdentity::parse(&req.identity_document, "identity_document")
        .map_err(ApiError::validation)?;
    let key = req.access_key.trim().to_owned();
    if key.len() != 8 || !key.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::validation(vec![FieldError::new(
            "access_key",
            FieldCode::InvalidFormat,
        )]));
    }
    super::limits::rate_limit(
        state,
        &format!("access-key:{}", who.staff_id),
        state.config.rate_limit_per_address,
        Duration::from_secs(60),
    )
    .await?;
    let id_hash = state.secrets.lookup_hash(&identity.uniqueness_key());
    let patient = {
        let h = id_hash.clone();
        state
            .db
            .run(move |c| Ok(store::patients::find_by_id_hash(c, &h)?))
            .await?
            .ok_or_else(|| ApiError::forbidden(ErrorCode::AccessKeyInvalid))?
    };
    let given = key_hash(state, &patient.id, &key);
    let hcp = who.hcp_id.clone();
    let staff = who.staff_id.clone();
    let today = state.clock.today_hk();
    let now = state.now_ms();
    // The failure count must survive the refusal, so the check commits either way.
    let outcome = state
        .db
        .transaction(move |c| {
            store::patients::lock(c, &patient.id)?;
            let Some(stored) = consents::access_key(c, &patient.id)? else {
                return Ok(Err(ApiError::forbidden(ErrorCode::AccessKeyInvalid)));
            };
            if stored.locked_until.is_some_and(|t| t > now) {
                return Ok(Err(ApiError::forbidden(ErrorCode::AccessKeyLocked)));
            }
            if !crate::crypto::secrets_equal(&stored.key_hash, &given) {
                let failures = stored.failures + 1;
                if failures >= KEY_MAX_FAILURES {
                    consents::delete_access_key(c, &patient.id)?;
                    tracing::warn!(patient_id = %patient.id, "access key destroyed after too many wrong tries");
                    return Ok(Err(ApiError::forbidden(ErrorCode::AccessKeyLocked)));
                }
                let locked = (failures % KEY_ATTEMPTS == 0).then_some(now + KEY_LOCK_MS);
                consents::set_key_failures(c, &patient.id, failures, locked)?;
                return Ok(Err(ApiError::forbidden(if locked.is_some() {
                    ErrorCode::AccessKeyLocked
                } else {
                    ErrorCode::AccessKeyInvalid
                })));
            }
            consents::set_key_failures(c, &patient.id, 0, None)?;
            Ok(Ok(grant(
                c,
                &patient.id,
                &hcp,
                ConsentType::Indefinite,
                ConsentMethod::AccessKey,
                &format!("staff:{staff}"),
                today,
                now,
            )?))
        })
        .await?;
    let response = outcome?;
    tracing::info!(consent_id = %response.consent_id, "consent given with the access key");
    Ok(response)
}

/// The HCP's consent feed after `cursor`, gap-free and resumable.
pub async fn feed(
    state: &AppState,
    who: &StaffSession,
    q: ConsentEventsQuery,
) -> ApiResult<ConsentEventsResponse> {
    let after = match q.cursor.as_deref() {
        None | Some("") => 0,
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| ApiError::bad_request(ErrorCode::InvalidCursor))?,
    };
    let limit = match q.limit.as_deref().map(str::parse::<i64>) {
        None => 100,
        Some(Ok(n)) if (1..=500).contains(&n) => n,
        Some(_) => {
            return Err(ApiError::validation(vec![FieldError::new(
                "limit",
                FieldCode::OutOfRange,
            )]));
        }
    };
    let hcp = who.hcp_id.clone();
    let mut rows = state
        .db
        .run(move |c| Ok(consents::events_after(c, &hcp, after, limit + 1)?))
        .await?;
    let has_more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let cursor = rows.last().map_or(after, |e| e.seq).to_string();
    let events = rows
        .into_iter()
        .map(|e| {
            Ok(ConsentEvent {
                event: ConsentEventType::parse(&e.event)
                    .ok_or_else(|| ApiError::internal("unknown consent event"))?,
                seq: e.seq,
                consent_id: e.consent_id,
                patient_id: e.patient_id,
                at: rfc3339_ms(e.at),
            })
        })
        .collect::<ApiResult<_>>()?;
    Ok(ConsentEventsResponse {
        events,
        cursor,
        has_more,
    })
}

/// An HCP system reports the patient's smart identity card read at its reader: the system's
/// HCP gets an indefinite consent.
pub async fn by_smart_card(
    state: &AppState,
    who: &crate::extract::HcpSystemSession,
    req: ehealth_contracts::SmartCardConsentRequest,
) -> ApiResult<ConsentResponse> {
    let identity = ValidIdentity::parse(&req.identity_document, "identity_document")
        .map_err(ApiError::validation)?;
    if identity.doc_type != ehealth_contracts::IdentityDocumentType::Hkid {
        return Err(ApiError::validation(vec![FieldError::new(
            "identity_document.type",
            FieldCode::InvalidValue,
        )]));
    }
    let now = state.now_ms();
    let read_at = chrono::DateTime::parse_from_rfc3339(&req.card_read_at)
        .map(|t| t.timestamp_millis())
        .map_err(|_| {
            ApiError::validation(vec![FieldError::new(
                "card_read_at",
                FieldCode::InvalidFormat,
            )])
        })?;
    // The card was in the reader moments ago: not a replay of an old read.
    if read_at < now - 5 * 60 * 1000 || read_at > now + 60 * 1000 {
        return Err(ApiError::validation(vec![FieldError::new(
            "card_read_at",
            FieldCode::OutOfRange,
        )]));
    }
    super::limits::rate_limit(
        state,
        &format!("smart-card:{}", who.system_id),
        state.config.rate_limit_per_address,
        std::time::Duration::from_secs(60),
    )
    .await?;
    let id_hash = state.secrets.lookup_hash(&identity.uniqueness_key());
    let (hcp, system) = (who.hcp_id.clone(), who.system_id.clone());
    let today = state.clock.today_hk();
    let response = state
        .db
        .transaction(move |c| {
            let p =
                store::patients::find_by_id_hash(c, &id_hash)?.ok_or_else(ApiError::not_found)?;
            grant(
                c,
                &p.id,
                &hcp,
                ConsentType::Indefinite,
                ConsentMethod::SmartCard,
                &format!("system:{system}"),
                today,
                now,
            )
        })
        .await?;
    tracing::info!(consent_id = %response.consent_id, "consent given with the smart card");
    Ok(response)
}

fn request_wire(
    c: &mut DbConn,
    r: consents::ConsentRequest,
) -> ApiResult<ehealth_contracts::ConsentRequestResponse> {
    let hcp = store::hcps::find_hcp(c, &r.hcp_id)?
        .ok_or_else(|| ApiError::internal("request from a missing hcp"))?;
    Ok(ehealth_contracts::ConsentRequestResponse {
        status: ehealth_contracts::ConsentRequestStatus::parse(&r.status)
            .ok_or_else(|| ApiError::internal("unknown request status"))?,
        request_id: r.id,
        patient_id: r.patient_id,
        hcp_id: r.hcp_id,
        hcp_name_en: hcp.name_en,
        hcp_name_zh: hcp.name_zh,
        created_at: rfc3339_ms(r.created_at),
        decided_at: r.decided_at.map(rfc3339_ms),
        consent_id: r.consent_id,
    })
}

/// An HCP asks the patient for consent; the patient and their active SDMs are notified.
pub async fn request(
    state: &AppState,
    who: &StaffSession,
    req: ehealth_contracts::CreateConsentRequestRequest,
) -> ApiResult<ehealth_contracts::ConsentRequestResponse> {
    let (hcp, staff) = (who.hcp_id.clone(), who.staff_id.clone());
    let today = state.clock.today_hk();
    let now = state.now_ms();
    state
        .db
        .transaction(move |c| {
            let p = store::patients::find(c, &req.patient_id)?.ok_or_else(ApiError::not_found)?;
            require_sharable(&p)?;
            if consents::active(c, &p.id, &hcp)?.is_some_and(|k| is_valid(&k, today)) {
                return Err(ApiError::conflict(ErrorCode::ConsentAlreadyActive));
            }
            let row = consents::ConsentRequest {
                id: Uuid::now_v7().to_string(),
                hcp_id: hcp.clone(),
                patient_id: p.id.clone(),
                requested_by: format!("staff:{staff}"),
                status: "pending".to_owned(),
                created_at: now,
                decided_at: None,
                decided_by: None,
                consent_id: None,
            };
            consents::insert_request(c, &row)?;
            let payload = json!({"type": "consent_requested", "patient_id": p.id, "request_id": row.id, "hcp_id": hcp});
            let mut to = vec![p.id.clone()];
            to.extend(crate::services::family::dependants::concerned(c, &p.id, "")?);
            to.sort();
            to.dedup();
            for recipient in to {
                store::sync::enqueue(c, &OutboxRow::notice("consent_requested", &recipient, payload.clone(), now))?;
            }
            request_wire(c, row)
        })
        .await
}

pub async fn list_requests(
    state: &AppState,
    who: &PatientSession,
    patient_id: &str,
) -> ApiResult<ehealth_contracts::ListConsentRequestsResponse> {
    let acting = act_for(state, who, patient_id, "list_consent_requests").await?;
    state
        .db
        .run(move |c| {
            let rows = consents::requests_of(c, &acting.patient_id)?;
            let requests = rows
                .into_iter()
                .map(|r| request_wire(c, r))
                .collect::<ApiResult<_>>()?;
            Ok(ehealth_contracts::ListConsentRequestsResponse { requests })
        })
        .await
}

/// The patient (or an SDM) approves (consent given, method `consent_request`) or declines.
pub async fn decide(
    state: &AppState,
    who: &PatientSession,
    patient_id: &str,
    request_id: &str,
    approve: bool,
) -> ApiResult<ehealth_contracts::ConsentRequestResponse> {
    let acting = act_for(
        state,
        who,
        patient_id,
        if approve {
            "approve_consent_request"
        } else {
            "decline_consent_request"
        },
    )
    .await?;
    let id = request_id.to_owned();
    let today = state.clock.today_hk();
    let now = state.now_ms();
    state
        .db
        .transaction(move |c| {
            let r = consents::find_request(c, &id)?
                .filter(|r| r.patient_id == acting.patient_id)
                .ok_or_else(ApiError::not_found)?;
            if r.status != "pending" {
                return Err(ApiError::conflict(ErrorCode::ConsentRequestDecided));
            }
            let consent_id = if approve {
                Some(
                    grant(
                        c,
                        &r.patient_id,
                        &r.hcp_id,
                        ConsentType::Indefinite,
                        ConsentMethod::ConsentRequest,
                        &acting.actor_id,
                        today,
                        now,
                    )?
                    .consent_id,
                )
            } else {
                None
            };
            let status = if approve { "approved" } else { "declined" };
            if !consents::decide_request(
                c,
                &id,
                status,
                &acting.actor_id,
                consent_id.as_deref(),
                now,
            )? {
                return Err(ApiError::conflict(ErrorCode::ConsentRequestDecided));
            }
            let r = consents::find_request(c, &id)?.ok_or_else(ApiError::not_found)?;
            request_wire(c, r)
        })
        .await
}
