use actix_web::{HttpResponse, web};
use ehealth_contracts::{
    CompletePasskeyRequest, CreatePasskeyResponse, ListDevicesResponse, MeResponse,
    PasskeyResponse, PreferencesResponse, Problem, PushTokenResponse, PutPushTokenRequest,
    UpdatePreferencesRequest,
};

use super::operation::{Operation, operations};
use super::responses::{InvalidFields, MalformedJson, NotSignedIn, NotYourPatient};
use super::{PROBLEM, created};
use crate::domain::ids::PatientId;
use crate::error::ApiResult;
use crate::extract::{ApiJson, PatientSession};
use crate::services::account;
use crate::state::AppState;

/// This area's operations: `routes::configure` registers them, `openapi` documents them.
pub(super) const ROUTES: &[Operation] = operations! {
    get_me, list_devices, delete_device, put_push_token, create_passkey, complete_passkey,
    update_preferences,
};

/// The signed-in patient's profile (identity number masked), status, devices and passkeys.
#[utoipa::path(get, path = "/v1/me", tag = "account", operation_id = "get_me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Profile", body = MeResponse),
        NotSignedIn,
    ))]
pub async fn get_me(
    state: web::Data<AppState>,
    who: PatientSession,
) -> ApiResult<web::Json<MeResponse>> {
    Ok(web::Json(account::me(&state, &who).await?))
}

/// The signed-in patient's active devices.
#[utoipa::path(get, path = "/v1/me/devices", tag = "account", operation_id = "list_devices",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Devices", body = ListDevicesResponse),
        NotSignedIn,
    ))]
pub async fn list_devices(
    state: web::Data<AppState>,
    who: PatientSession,
) -> ApiResult<web::Json<ListDevicesResponse>> {
    let devices = account::list_devices(&state, &who).await?;
    Ok(web::Json(ListDevicesResponse { devices }))
}

/// Remove a device; its sessions end at once.
#[utoipa::path(delete, path = "/v1/me/devices/{device_id}", tag = "account", operation_id = "delete_device",
    security(("bearer" = [])),
    params(("device_id" = String, Path, description = "One of your devices")),
    responses(
        (status = 204, description = "Removed"),
        NotSignedIn,
        (status = 404, description = "Not one of your devices", body = Problem, content_type = PROBLEM),
    ))]
pub async fn delete_device(
    state: web::Data<AppState>,
    who: PatientSession,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    account::remove_device(&state, &who, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Register the device's FCM token (and the language of its notifications); a token reported
/// as unregistered by FCM is removed at once.
#[utoipa::path(put, path = "/v1/me/devices/{device_id}/push-token", tag = "account", operation_id = "put_push_token",
    security(("bearer" = [])),
    params(("device_id" = String, Path, description = "One of your devices")),
    request_body = PutPushTokenRequest,
    responses(
        (status = 200, description = "Stored", body = PushTokenResponse),
        NotSignedIn,
        (status = 404, description = "Not one of your devices", body = Problem, content_type = PROBLEM),
        InvalidFields,
    ))]
pub async fn put_push_token(
    state: web::Data<AppState>,
    who: PatientSession,
    path: web::Path<String>,
    ApiJson(body): ApiJson<PutPushTokenRequest>,
) -> ApiResult<web::Json<PushTokenResponse>> {
    Ok(web::Json(
        account::put_push_token(&state, &who, &path, body).await?,
    ))
}

/// Start adding a passkey (for example for a new phone) while signed in.
#[utoipa::path(post, path = "/v1/me/passkeys", tag = "account", operation_id = "create_passkey",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Create the passkey with these options", body = CreatePasskeyResponse),
        NotSignedIn,
    ))]
pub async fn create_passkey(
    state: web::Data<AppState>,
    who: PatientSession,
) -> ApiResult<HttpResponse> {
    let started = account::start_passkey_enrolment(&state, &who).await?;
    Ok(created(&started))
}

/// Finish adding a passkey.
#[utoipa::path(post, path = "/v1/me/passkeys/{registration_id}/complete", tag = "account",
    operation_id = "complete_passkey",
    security(("bearer" = [])),
    params(("registration_id" = String, Path, description = "From `create_passkey`")),
    request_body = CompletePasskeyRequest,
    responses(
        (status = 201, description = "Passkey added", body = PasskeyResponse),
        (status = 400, description = "The passkey response fails verification", body = Problem, content_type = PROBLEM),
        NotSignedIn,
        (status = 404, description = "Not your passkey registration", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`registration_already_completed` or `credential_already_registered`", body = Problem, content_type = PROBLEM),
        (status = 410, description = "`registration_expired`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn complete_passkey(
    state: web::Data<AppState>,
    who: PatientSession,
    path: web::Path<String>,
    ApiJson(body): ApiJson<CompletePasskeyRequest>,
) -> ApiResult<HttpResponse> {
    let passkey = account::complete_passkey_enrolment(&state, &who, &path, body).await?;
    Ok(created(&passkey))
}

/// Change whether the patient is told of every attempt to read their record (allowed or
/// refused), and the language of their notices; by the patient or an SDM with authority.
#[utoipa::path(patch, path = "/v1/patients/{patient_id}/preferences", tag = "account",
    operation_id = "update_preferences",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "Yourself or your dependant")),
    request_body = UpdatePreferencesRequest,
    responses(
        (status = 200, description = "The preferences as stored", body = PreferencesResponse),
        MalformedJson,
        NotSignedIn,
        (status = 403, description = "`sdm_authority_ended`: the child has turned 16", body = Problem, content_type = PROBLEM),
        NotYourPatient,
        InvalidFields,
    ))]
pub async fn update_preferences(
    state: web::Data<AppState>,
    who: PatientSession,
    path: web::Path<PatientId>,
    ApiJson(body): ApiJson<UpdatePreferencesRequest>,
) -> ApiResult<web::Json<PreferencesResponse>> {
    Ok(web::Json(
        account::preferences::update(&state, &who, &path, body).await?,
    ))
}
