//! The registration office's named officers: a supervisor creates them (or `ehealth officer
//! add`), each enrols a passkey with a one-time code, and a supervisor deactivates leavers.
//! The office can never lose its last active supervisor.

use ehealth_contracts::{
    CompleteEnrolmentRequest, CreateOfficerRequest, CreateOfficerResponse, ErrorCode, FieldCode,
    OfficerList, OfficerResponse, OfficerRole, SessionTokens, StartEnrolmentRequest,
    StartEnrolmentResponse,
};

use super::passkey_accounts::{self, new_account};
use super::tokens::account_tokens;
use crate::clock::rfc3339_ms;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::Officer;
use crate::services::checks::text;
use crate::state::AppState;
use crate::store;
use crate::store::accounts::{ACCOUNT_ACTIVE, ACCOUNT_DEACTIVATED, Account, KIND_OFFICER};

/// Checks an officer's name and roles: (name, stored roles).
fn checked(name: &str, roles: &[OfficerRole]) -> ApiResult<(String, String)> {
    let mut errors = Vec::new();
    let name = text(&mut errors, name, "name", 100);
    if roles.is_empty() {
        errors.push(FieldError::new("roles", FieldCode::Required));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    roles.sort_unstable();
    roles.dedup();
    Ok((name, roles.join(",")))
}

/// Creates an officer account waiting for its passkey (supervisor, or the bootstrap token).
pub async fn create(
    state: &AppState,
    by: &Officer,
    req: CreateOfficerRequest,
) -> ApiResult<CreateOfficerResponse> {
    by.require(OfficerRole::Supervisor)?;
    let (name, roles) = checked(&req.name, &req.roles)?;
    add(state, name, roles, by.actor()).await
}

/// `ehealth officer add`: the first supervisor, created from the command line.
pub async fn add_from_cli(
    state: &AppState,
    name: &str,
    roles: &[OfficerRole],
) -> ApiResult<CreateOfficerResponse> {
    let (name, roles) = checked(name, roles)?;
    add(state, name, roles, "cli".to_owned()).await
}

async fn add(
    state: &AppState,
    name: String,
    roles: String,
    created_by: String,
) -> ApiResult<CreateOfficerResponse> {
    let (account, code) = new_account(state, KIND_OFFICER, name, roles, created_by);
    let expires_at = account.enrolment_expires_at.unwrap_or(account.created_at);
    let officer_id = account.id.clone();
    state
        .db
        .run(move |c| Ok(store::accounts::insert(c, &account)?))
        .await?;
    tracing::info!(%officer_id, "officer account created");
    Ok(CreateOfficerResponse {
        officer_id,
        enrolment_code: code,
        enrolment_expires_at: rfc3339_ms(expires_at),
    })
}

pub async fn list(state: &AppState, by: &Officer) -> ApiResult<OfficerList> {
    by.require(OfficerRole::Supervisor)?;
    let rows = state
        .db
        .run(|c| Ok(store::accounts::list(c, KIND_OFFICER)?))
        .await?;
    Ok(OfficerList {
        officers: rows.iter().map(response).collect(),
    })
}

/// Deactivates an officer and ends their sessions; 409 `last_supervisor` when that would leave
/// the office without an active supervisor.
pub async fn deactivate(
    state: &AppState,
    by: &Officer,
    officer_id: &str,
) -> ApiResult<OfficerResponse> {
    by.require(OfficerRole::Supervisor)?;
    let id = officer_id.to_owned();
    let actor = by.actor();
    let now = state.now_ms();
    let row = state
        .db
        .transaction(move |c| {
            let account = store::accounts::find(c, &id)?
                .filter(|a| a.kind == KIND_OFFICER)
                .ok_or_else(ApiError::not_found)?;
            if account.status == ACCOUNT_DEACTIVATED {
                return Ok(account);
            }
            let supervisor = OfficerRole::Supervisor.as_str();
            if account.status == ACCOUNT_ACTIVE
                && account.roles().iter().any(|r| r == supervisor)
                && store::accounts::count_active_with_role(c, KIND_OFFICER, supervisor)? <= 1
            {
                return Err(ApiError::conflict(ErrorCode::LastSupervisor));
            }
            store::accounts::deactivate(c, &id, &actor, now)?;
            store::accounts::find(c, &id)?.ok_or_else(ApiError::not_found)
        })
        .await?;
    tracing::info!(officer_id = %row.id, "officer deactivated");
    Ok(response(&row))
}

pub async fn start_enrolment(
    state: &AppState,
    req: StartEnrolmentRequest,
) -> ApiResult<StartEnrolmentResponse> {
    passkey_accounts::start_with_code(state, KIND_OFFICER, &req.enrolment_code).await
}

pub async fn complete_enrolment(
    state: &AppState,
    enrolment_id: &str,
    req: CompleteEnrolmentRequest,
) -> ApiResult<SessionTokens> {
    let (account, issued) =
        passkey_accounts::complete(state, KIND_OFFICER, enrolment_id, &req.credential).await?;
    tracing::info!(officer_id = %account.id, "officer passkey enrolled");
    Ok(account_tokens(&account, issued, state))
}

fn response(a: &Account) -> OfficerResponse {
    OfficerResponse {
        officer_id: a.id.clone(),
        name: a.name.clone(),
        roles: a
            .roles()
            .iter()
            .filter_map(|r| OfficerRole::parse(r))
            .collect(),
        status: a.status.clone(),
        created_at: rfc3339_ms(a.created_at),
        created_by: a.created_by.clone(),
        deactivated_at: a.deactivated_at.map(rfc3339_ms),
        deactivated_by: a.deactivated_by.clone(),
    }
}
