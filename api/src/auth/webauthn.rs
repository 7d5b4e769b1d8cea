//! WebAuthn relying-party set-up and the mapping of ceremony failures to API errors.

use actix_web::http::StatusCode;
use anyhow::Context;
use ehealth_contracts::ErrorCode;
use webauthn_rs::prelude::{
    CreationChallengeResponse, CredentialID, PasskeyRegistration, PublicKeyCredential, Uuid,
    Webauthn, WebauthnBuilder, WebauthnError,
};
use webauthn_rs_proto::ResidentKeyRequirement;

use crate::config::Config;
use crate::error::ApiError;

pub fn build(cfg: &Config) -> anyhow::Result<Webauthn> {
    let mut builder = WebauthnBuilder::new(&cfg.rp_id, &cfg.rp_origin)
        .context("EHEALTH_RP_ID must be the origin's host or a parent domain of it")?
        .rp_name(&cfg.rp_name);
    for origin in &cfg.extra_origins {
        builder = builder.append_allowed_origin(origin);
    }
    builder
        .build()
        .context("building the WebAuthn relying party")
}

/// Creation options for a discoverable passkey (resident key required) with user verification
/// required, so the person can later sign in without typing anything.
pub fn start_passkey(
    webauthn: &Webauthn,
    user_handle: Uuid,
    name: &str,
    display_name: &str,
    exclude: Vec<CredentialID>,
) -> Result<(CreationChallengeResponse, PasskeyRegistration), ApiError> {
    let exclude = (!exclude.is_empty()).then_some(exclude);
    let (mut ccr, state) = webauthn
        .start_passkey_registration(user_handle, name, display_name, exclude)
        .map_err(ApiError::internal)?;
    if let Some(sel) = ccr.public_key.authenticator_selection.as_mut() {
        sel.resident_key = Some(ResidentKeyRequirement::Required);
        sel.require_resident_key = true;
    }
    Ok((ccr, state))
}

/// A sign-in whose client data says it ran in a frame of another site (`crossOrigin: true`) is
/// refused (401 `origin_mismatch`) unless the deployment allows it: webauthn-rs checks this
/// for registrations only. Client data that does not parse is left to the ceremony to refuse.
pub fn refuse_cross_origin(cred: &PublicKeyCredential, allowed: bool) -> Result<(), ApiError> {
    if allowed {
        return Ok(());
    }
    let data: serde_json::Value =
        serde_json::from_slice(cred.response.client_data_json.as_ref()).unwrap_or_default();
    if data.get("crossOrigin") == Some(&serde_json::Value::Bool(true)) {
        tracing::info!("webauthn assertion from a cross-origin frame refused");
        return Err(ApiError::unauthorized(ErrorCode::OriginMismatch));
    }
    Ok(())
}

/// A failed ceremony: `status` is 400 for registration, 401 for sign-in.
pub fn ceremony_error(e: &WebauthnError, status: StatusCode) -> ApiError {
    let code = match e {
        WebauthnError::InvalidRPOrigin => ErrorCode::OriginMismatch,
        WebauthnError::InvalidRPIDHash => ErrorCode::RpIdMismatch,
        WebauthnError::MismatchedChallenge => ErrorCode::ChallengeMismatch,
        WebauthnError::UserNotVerified | WebauthnError::UserNotPresent => {
            ErrorCode::UserVerificationRequired
        }
        WebauthnError::CredentialPossibleCompromise => ErrorCode::CounterRegression,
        _ => ErrorCode::InvalidCredential,
    };
    tracing::info!(error = ?e, code = code.as_str(), "webauthn ceremony refused");
    ApiError::new(status, code)
}
