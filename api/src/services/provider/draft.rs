//! The applicant's side of an application: a resumable draft saved step by step, documents,
//! the review, submission (with a reference number and an acknowledgement email), withdrawal
//! and technical-assistance requests. An applicant only ever sees their own applications.

use actix_web::http::StatusCode;
use ehealth_contracts::{
    ApplicationDocuments, ApplicationResponse, ApplicationReview, ApplicationSection,
    ApplicationStatus, AssistanceMessage, AssistanceRequestResponse, ErrorCode, FieldCode,
    SectionNote, SupportingDocument,
};
use sha2::{Digest, Sha256};

use super::applicant::{new_id, require_confirmed};
use super::view::{self, assistance_open, documents, status};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::ApplicantSession;
use crate::mail::{self, Mail};
use crate::services::checks::unique_as;
use crate::services::family::documents::accepted_document;
use crate::state::AppState;
use crate::store::applications::{Application, Assistance, StoredDocument};
use crate::store::{self, DbConn};

/// A checked section of steps 1-3, as stored.
pub struct Section {
    pub which: ApplicationSection,
    pub json: String,
}

/// The applicant's own application, locked; 404 for anyone else's.
fn own(c: &mut DbConn, who: &str, id: &str) -> ApiResult<Application> {
    store::applications::lock(c, id)?
        .filter(|a| a.applicant_id == who)
        .ok_or_else(ApiError::not_found)
}

/// 409 `application_not_editable` unless `section` may change now: anything in a draft, only
/// the sections the office named while a supplement is requested.
fn editable(a: &Application, section: ApplicationSection) -> ApiResult<()> {
    let open = match status(a)? {
        ApplicationStatus::Draft => true,
        ApplicationStatus::SupplementRequested => {
            let asked: Vec<SectionNote> =
                view::section(a.supplement.as_deref())?.unwrap_or_default();
            // A changed provider type can change which documents are required.
            asked.iter().any(|n| {
                n.section == section
                    || (section == ApplicationSection::Documents
                        && n.section == ApplicationSection::Provider)
            })
        }
        _ => false,
    };
    if open {
        Ok(())
    } else {
        Err(ApiError::conflict(ErrorCode::ApplicationNotEditable))
    }
}

pub async fn create(state: &AppState, who: &ApplicantSession) -> ApiResult<ApplicationResponse> {
    require_confirmed(who)?;
    let applicant = who.applicant_id.clone();
    let now = state.now_ms();
    state
        .db
        .transaction(move |c| {
            let open = store::applications::of_applicant(c, &applicant)?
                .into_iter()
                .any(|a| {
                    ["draft", "submitted", "supplement_requested"].contains(&a.status.as_str())
                });
            if open {
                return Err(ApiError::conflict(ErrorCode::ApplicationExists));
            }
            let a = Application {
                id: new_id(),
                applicant_id: applicant.clone(),
                reference: None,
                status: ApplicationStatus::Draft.as_str().to_owned(),
                provider: None,
                users: None,
                locations: None,
                supplement: None,
                hcp_id: None,
                submitted_at: None,
                accepted_at: None,
                registered_on: None,
                created_at: now,
                updated_at: now,
            };
            store::applications::insert(c, &a)?;
            store::applications::add_event(c, &a.id, "applicant", "created", None, now)?;
            view::response(c, &a, now)
        })
        .await
}

pub async fn get(
    state: &AppState,
    who: &ApplicantSession,
    id: &str,
) -> ApiResult<ApplicationResponse> {
    let (applicant, id, now) = (who.applicant_id.clone(), id.to_owned(), state.now_ms());
    state
        .db
        .transaction(move |c| {
            let a = own(c, &applicant, &id)?;
            view::response(c, &a, now)
        })
        .await
}

/// Saves one of steps 1-3 (already checked field by field).
pub async fn save(
    state: &AppState,
    who: &ApplicantSession,
    id: &str,
    section: Section,
) -> ApiResult<ApplicationResponse> {
    let (applicant, id, now) = (who.applicant_id.clone(), id.to_owned(), state.now_ms());
    state
        .db
        .transaction(move |c| {
            let mut a = own(c, &applicant, &id)?;
            editable(&a, section.which)?;
            match section.which {
                ApplicationSection::Provider => a.provider = Some(section.json),
                ApplicationSection::Users => a.users = Some(section.json),
                ApplicationSection::Locations => a.locations = Some(section.json),
                ApplicationSection::Documents => {
                    return Err(ApiError::internal("not a form section"));
                }
            }
            a.updated_at = now;
            store::applications::save(c, &a)?;
            let detail = Some(section.which.as_str().to_owned());
            store::applications::add_event(c, &a.id, "applicant", "section_saved", detail, now)?;
            view::response(c, &a, now)
        })
        .await
}

/// Wraps a checked section for [`save`].
pub fn section<T: serde::Serialize>(which: ApplicationSection, value: &T) -> ApiResult<Section> {
    Ok(Section {
        which,
        json: serde_json::to_string(value).map_err(ApiError::internal)?,
    })
}

/// Step 4: stores (or replaces) a supporting document, checked as SDM documents are.
pub async fn put_document(
    state: &AppState,
    who: &ApplicantSession,
    id: &str,
    kind: &str,
    declared: Option<String>,
    bytes: Vec<u8>,
) -> ApiResult<ApplicationDocuments> {
    let kind = SupportingDocument::parse(kind).ok_or_else(ApiError::not_found)?;
    let content_type = accepted_document(declared.as_deref(), &bytes).await?;
    let now = state.now_ms();
    let doc = StoredDocument {
        application_id: id.to_owned(),
        kind: kind.as_str().to_owned(),
        content_type: content_type.to_owned(),
        size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sha256: crate::crypto::hex(&Sha256::digest(&bytes)),
        content: bytes,
        uploaded_at: now,
    };
    let applicant = who.applicant_id.clone();
    state
        .db
        .transaction(move |c| {
            let mut a = own(c, &applicant, &doc.application_id)?;
            editable(&a, ApplicationSection::Documents)?;
            store::applications::put_document(c, &doc)?;
            a.updated_at = now;
            store::applications::save(c, &a)?;
            store::applications::add_event(
                c,
                &a.id,
                "applicant",
                "document_uploaded",
                Some(doc.kind.clone()),
                now,
            )?;
            documents(c, &a)
        })
        .await
}

pub async fn list_documents(
    state: &AppState,
    who: &ApplicantSession,
    id: &str,
) -> ApiResult<ApplicationDocuments> {
    Ok(get(state, who, id).await?.documents)
}

/// What still stops a submission.
fn incomplete(r: &ApplicationResponse) -> Vec<SectionNote> {
    let mut notes = Vec::new();
    let mut missing = |section, message: &str| {
        notes.push(SectionNote {
            section,
            message: message.to_owned(),
        })
    };
    if r.provider.is_none() {
        missing(
            ApplicationSection::Provider,
            "Provide healthcare provider information",
        );
    }
    if r.users.is_none() {
        missing(ApplicationSection::Users, "Provide user information");
    }
    if r.locations.is_none() {
        missing(
            ApplicationSection::Locations,
            "Provide healthcare service location information",
        );
    }
    for kind in &r.documents.missing {
        missing(
            ApplicationSection::Documents,
            &format!("Upload {}", kind.as_str()),
        );
    }
    notes
}

/// Step 5: everything, and what is incomplete.
pub async fn review(
    state: &AppState,
    who: &ApplicantSession,
    id: &str,
) -> ApiResult<ApplicationReview> {
    let application = get(state, who, id).await?;
    Ok(ApplicationReview {
        incomplete: incomplete(&application),
        application,
    })
}

/// Submits (or resubmits after a supplement): the first submission gets a reference number;
/// each one is acknowledged by email.
pub async fn submit(
    state: &AppState,
    who: &ApplicantSession,
    id: &str,
) -> ApiResult<ApplicationResponse> {
    let year = state.clock.today_hk().format("%Y").to_string();
    let (to, lang) = (who.email.clone(), who.locale.clone());
    // Two first submissions at once may pick the same number; the unique index refuses the
    // second, which tries the next one.
    for _ in 0..3 {
        let (applicant, id, now, year) = (
            who.applicant_id.clone(),
            id.to_owned(),
            state.now_ms(),
            year.clone(),
        );
        let (to, lang) = (to.clone(), lang.clone());
        let result = state
            .db
            .transaction(move |c| {
                let mut a = own(c, &applicant, &id)?;
                let current = status(&a)?;
                if !matches!(
                    current,
                    ApplicationStatus::Draft | ApplicationStatus::SupplementRequested
                ) {
                    return Err(ApiError::conflict(ErrorCode::ApplicationNotEditable));
                }
                let shown = view::response(c, &a, now)?;
                let gaps = incomplete(&shown);
                if !gaps.is_empty() {
                    return Err(ApiError {
                        fields: gaps
                            .iter()
                            .map(|g| FieldError::new(g.section.as_str(), FieldCode::Required))
                            .collect(),
                        ..ApiError::new(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            ErrorCode::ApplicationIncomplete,
                        )
                    });
                }
                if a.reference.is_none() {
                    let prefix = format!("HCPA-{year}-");
                    let n = store::applications::references_with(c, &prefix)? + 1;
                    a.reference = Some(format!("{prefix}{n:06}"));
                }
                a.status = ApplicationStatus::Submitted.as_str().to_owned();
                a.supplement = None;
                a.submitted_at = Some(now);
                a.updated_at = now;
                store::applications::save(c, &a).map_err(|e| unique_as(e, ErrorCode::Conflict))?;
                store::applications::add_event(
                    c,
                    &a.id,
                    "applicant",
                    "submitted",
                    a.reference.clone(),
                    now,
                )?;
                let reference = a.reference.clone().unwrap_or_default();
                mail::queue(
                    c,
                    &to,
                    &lang,
                    &Mail::ApplicationSubmitted { reference },
                    now,
                )?;
                view::response(c, &a, now)
            })
            .await;
        match result {
            Err(e) if e.code == ErrorCode::Conflict => continue,
            other => return other,
        }
    }
    Err(ApiError::conflict(ErrorCode::Conflict))
}

/// Withdraws an application before a decision.
pub async fn withdraw(
    state: &AppState,
    who: &ApplicantSession,
    id: &str,
) -> ApiResult<ApplicationResponse> {
    let (applicant, id, now) = (who.applicant_id.clone(), id.to_owned(), state.now_ms());
    state
        .db
        .transaction(move |c| {
            let mut a = own(c, &applicant, &id)?;
            if matches!(
                status(&a)?,
                ApplicationStatus::Accepted
                    | ApplicationStatus::Rejected
                    | ApplicationStatus::Withdrawn
            ) {
                return Err(ApiError::conflict(ErrorCode::ApplicationDecided));
            }
            a.status = ApplicationStatus::Withdrawn.as_str().to_owned();
            a.supplement = None;
            a.updated_at = now;
            store::applications::save(c, &a)?;
            store::applications::add_event(c, &a.id, "applicant", "withdrawn", None, now)?;
            view::response(c, &a, now)
        })
        .await
}

/// Technical assistance within 14 days of the acceptance email.
pub async fn ask_assistance(
    state: &AppState,
    who: &ApplicantSession,
    id: &str,
    req: AssistanceMessage,
) -> ApiResult<AssistanceRequestResponse> {
    let message = super::message(&req.message)?;
    let (applicant, id, now) = (who.applicant_id.clone(), id.to_owned(), state.now_ms());
    state
        .db
        .transaction(move |c| {
            let a = own(c, &applicant, &id)?;
            if !assistance_open(&a, now) {
                return Err(ApiError::conflict(ErrorCode::AssistanceWindowClosed));
            }
            let row = Assistance {
                id: new_id(),
                application_id: a.id.clone(),
                message,
                created_at: now,
                answer: None,
                answered_at: None,
                answered_by: None,
            };
            store::applications::insert_assistance(c, &row)?;
            store::applications::add_event(
                c,
                &a.id,
                "applicant",
                "assistance_requested",
                None,
                now,
            )?;
            Ok(super::assistance_response(&row, a.reference.clone()))
        })
        .await
}
