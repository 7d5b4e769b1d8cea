use actix_web::{HttpResponse, web};
use ehealth_contracts::{
    CreateReminderRequest, ListRemindersResponse, Problem, ReminderResponse, UpdateReminderRequest,
};

use super::operation::{Operation, operations};
use super::responses::{InvalidFields, NotSignedIn, NotYourPatient};
use super::{PROBLEM, created};
use crate::domain::ids::PatientId;
use crate::error::ApiResult;
use crate::extract::{ApiJson, PatientSession};
use crate::services::reminders;
use crate::state::AppState;

/// This area's operations: `routes::configure` registers them, `openapi` documents them.
pub(super) const ROUTES: &[Operation] = operations! {
    create_reminder, list_reminders, update_reminder, delete_reminder,
};

/// Create a measurement reminder (it syncs to the family's devices like a diary row).
#[utoipa::path(post, path = "/v1/patients/{patient_id}/reminders", tag = "reminders", operation_id = "create_reminder",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "Yourself or your dependant")),
    request_body = CreateReminderRequest,
    responses(
        (status = 201, description = "Created, with its next occurrence", body = ReminderResponse),
        NotSignedIn,
        NotYourPatient,
        (status = 422, description = "Invalid times, days, zone or text (a `custom` reminder needs `text`)", body = Problem, content_type = PROBLEM),
    ))]
pub async fn create_reminder(
    state: web::Data<AppState>,
    who: PatientSession,
    path: web::Path<PatientId>,
    ApiJson(body): ApiJson<CreateReminderRequest>,
) -> ApiResult<HttpResponse> {
    Ok(created(
        &reminders::create(&state, &who, &path, body).await?,
    ))
}

/// The patient's reminders.
#[utoipa::path(get, path = "/v1/patients/{patient_id}/reminders", tag = "reminders", operation_id = "list_reminders",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "Yourself or your dependant")),
    responses(
        (status = 200, description = "Reminders", body = ListRemindersResponse),
        NotSignedIn,
        NotYourPatient,
    ))]
pub async fn list_reminders(
    state: web::Data<AppState>,
    who: PatientSession,
    path: web::Path<PatientId>,
) -> ApiResult<web::Json<ListRemindersResponse>> {
    Ok(web::Json(reminders::list(&state, &who, &path).await?))
}

/// Change any of a reminder's fields (e.g. switch it off).
#[utoipa::path(patch, path = "/v1/patients/{patient_id}/reminders/{reminder_id}", tag = "reminders", operation_id = "update_reminder",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "Yourself or your dependant"), ("reminder_id" = String, Path, description = "The reminder")),
    request_body = UpdateReminderRequest,
    responses(
        (status = 200, description = "Updated", body = ReminderResponse),
        NotSignedIn,
        (status = 404, description = "No such reminder of this patient", body = Problem, content_type = PROBLEM),
        InvalidFields,
    ))]
pub async fn update_reminder(
    state: web::Data<AppState>,
    who: PatientSession,
    path: web::Path<(PatientId, String)>,
    ApiJson(body): ApiJson<UpdateReminderRequest>,
) -> ApiResult<web::Json<ReminderResponse>> {
    let (patient, id) = path.into_inner();
    Ok(web::Json(
        reminders::update(&state, &who, &patient, &id, body).await?,
    ))
}

/// Delete a reminder.
#[utoipa::path(delete, path = "/v1/patients/{patient_id}/reminders/{reminder_id}", tag = "reminders", operation_id = "delete_reminder",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "Yourself or your dependant"), ("reminder_id" = String, Path, description = "The reminder")),
    responses(
        (status = 204, description = "Deleted"),
        NotSignedIn,
        (status = 404, description = "No such reminder of this patient", body = Problem, content_type = PROBLEM),
    ))]
pub async fn delete_reminder(
    state: web::Data<AppState>,
    who: PatientSession,
    path: web::Path<(PatientId, String)>,
) -> ApiResult<HttpResponse> {
    let (patient, id) = path.into_inner();
    reminders::delete(&state, &who, &patient, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
