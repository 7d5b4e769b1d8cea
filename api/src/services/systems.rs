//! HCP systems: server-to-server clients authenticated with client credentials (the secret is
//! stored only as an argon2 hash), trading them for short-lived bearer tokens.

use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use ehealth_contracts::{
    CreateHcpSystemRequest, ErrorCode, FieldCode, HcpSystemCredentials, SystemTokenRequest,
    SystemTokenResponse,
};
use uuid::Uuid;

use super::limits::rate_limit;
use crate::crypto::new_token;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::state::AppState;
use crate::store::hcp_systems::{HcpSystem, SYSTEM_TOKEN_PREFIX};
use crate::store::hcps;

/// System tokens live an hour (our choice).
pub const SYSTEM_TOKEN_TTL_MS: i64 = 3600 * 1000;

pub async fn create(
    state: &AppState,
    by: &str,
    hcp_id: &str,
    req: CreateHcpSystemRequest,
) -> ApiResult<HcpSystemCredentials> {
    let name = req.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ApiError::validation(vec![FieldError::new(
            "name",
            FieldCode::InvalidFormat,
        )]));
    }
    let secret = new_token("scs_");
    let to_hash = secret.clone();
    let secret_hash = tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(to_hash.as_bytes(), &SaltString::generate(&mut OsRng))
            .map(|h| h.to_string())
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    let system = HcpSystem {
        id: Uuid::now_v7().to_string(),
        hcp_id: hcp_id.to_owned(),
        name,
        secret_hash,
        created_at: state.now_ms(),
        revoked_at: None,
    };
    let client_id = system.id.clone();
    let by = by.to_owned();
    state
        .db
        .transaction(move |c| {
            hcps::find_hcp(c, &system.hcp_id)?.ok_or_else(ApiError::not_found)?;
            crate::store::hcp_systems::insert_system(c, &system)?;
            let (hcp, detail) = (&system.hcp_id, Some(system.id.clone()));
            let at = system.created_at;
            Ok(crate::store::hcp_requests::add_event(
                c,
                hcp,
                &by,
                "system_created",
                detail,
                at,
            )?)
        })
        .await?;
    tracing::info!(%client_id, %hcp_id, "hcp system registered");
    Ok(HcpSystemCredentials {
        client_id,
        client_secret: secret,
    })
}

/// The client-credentials grant.
pub async fn token(
    state: &AppState,
    req: SystemTokenRequest,
    client: &str,
) -> ApiResult<SystemTokenResponse> {
    if req.grant_type != "client_credentials" {
        return Err(ApiError::bad_request(ErrorCode::UnsupportedGrantType));
    }
    rate_limit(
        state,
        &format!("system-token:{client}"),
        state.config.rate_limit_per_address,
        Duration::from_secs(60),
    )
    .await?;
    let id = req.client_id.clone();
    let system = state
        .db
        .run(move |c| Ok(crate::store::hcp_systems::find_system(c, &id)?))
        .await?
        .filter(|s| s.revoked_at.is_none());
    // Verify against a fixed dummy hash when the client is unknown, so timing tells nothing.
    let stored = system.as_ref().map(|s| s.secret_hash.clone());
    let secret = req.client_secret.clone();
    let ok = tokio::task::spawn_blocking(move || {
        let dummy = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0jm7hF7n8Zbp9eBGeGQk1g1b8N9j1m6rZ0H7YV7x3Xw";
        let parsed = PasswordHash::new(stored.as_deref().unwrap_or(dummy));
        parsed.is_ok_and(|h| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &h)
                .is_ok()
        }) && stored.is_some()
    })
    .await
    .map_err(ApiError::internal)?;
    let system = system
        .filter(|_| ok)
        .ok_or_else(|| ApiError::unauthorized(ErrorCode::InvalidClient))?;
    let token = new_token(SYSTEM_TOKEN_PREFIX);
    let expires = state.now_ms() + SYSTEM_TOKEN_TTL_MS;
    let (t, sid) = (token.clone(), system.id.clone());
    state
        .db
        .run(move |c| {
            Ok(crate::store::hcp_systems::insert_system_token(
                c, &sid, &t, expires,
            )?)
        })
        .await?;
    Ok(SystemTokenResponse {
        access_token: token,
        token_type: "Bearer".to_owned(),
        expires_in: SYSTEM_TOKEN_TTL_MS / 1000,
        hcp_id: system.hcp_id,
    })
}

/// Registration office: a system's secret leaked or the device was retired.
pub async fn revoke(state: &AppState, by: &str, hcp_id: &str, client_id: &str) -> ApiResult<()> {
    let (hcp, id, now) = (hcp_id.to_owned(), client_id.to_owned(), state.now_ms());
    let by = by.to_owned();
    match state
        .db
        .transaction(move |c| {
            let revoked = crate::store::hcp_systems::revoke_system(c, &hcp, &id, now)?;
            if revoked == Some(true) {
                let detail = Some(id.clone());
                crate::store::hcp_requests::add_event(c, &hcp, &by, "system_revoked", detail, now)?;
            }
            Ok(revoked)
        })
        .await?
    {
        None => Err(ApiError::not_found()),
        Some(false) => Err(ApiError::conflict(ErrorCode::SystemRevoked)),
        Some(true) => {
            tracing::info!(%client_id, "hcp system revoked");
            Ok(())
        }
    }
}
