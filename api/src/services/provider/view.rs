//! An application as the applicant and the office see it.

use ehealth_contracts::{
    ApplicationDocument, ApplicationDocuments, ApplicationEvent, ApplicationResponse,
    ApplicationStatus, HcpType, SectionNote, SupportingDocument,
};
use serde::de::DeserializeOwned;

use super::sections::required_documents;
use crate::clock::rfc3339_ms;
use crate::error::{ApiError, ApiResult};
use crate::store::applications::Application;
use crate::store::{self, DbConn};

/// How long after acceptance technical assistance can be asked for.
pub const ASSISTANCE_WINDOW_MS: i64 = 14 * 24 * 3600 * 1000;

pub fn section<T: DeserializeOwned>(raw: Option<&str>) -> ApiResult<Option<T>> {
    raw.map(|s| serde_json::from_str(s).map_err(ApiError::internal))
        .transpose()
}

pub fn status(a: &Application) -> ApiResult<ApplicationStatus> {
    ApplicationStatus::parse(&a.status)
        .ok_or_else(|| ApiError::internal("application with an unknown status"))
}

pub fn hcp_type(a: &Application) -> ApiResult<Option<HcpType>> {
    Ok(section::<ehealth_contracts::ProviderSection>(a.provider.as_deref())?.map(|p| p.hcp_type))
}

pub fn documents(c: &mut DbConn, a: &Application) -> ApiResult<ApplicationDocuments> {
    let required = required_documents(hcp_type(a)?);
    let uploaded: Vec<ApplicationDocument> = store::applications::documents_of(c, &a.id)?
        .into_iter()
        .filter_map(|(kind, content_type, size_bytes, sha256, at)| {
            Some(ApplicationDocument {
                kind: SupportingDocument::parse(&kind)?,
                content_type,
                size_bytes,
                sha256,
                uploaded_at: rfc3339_ms(at),
            })
        })
        .collect();
    let missing = required
        .iter()
        .copied()
        .filter(|k| !uploaded.iter().any(|u| u.kind == *k))
        .collect();
    Ok(ApplicationDocuments {
        required,
        uploaded,
        missing,
    })
}

pub fn response(c: &mut DbConn, a: &Application, now: i64) -> ApiResult<ApplicationResponse> {
    let history = store::applications::events_of(c, &a.id)?
        .into_iter()
        .map(|e| ApplicationEvent {
            at: rfc3339_ms(e.at),
            actor: e.actor,
            kind: e.kind,
            detail: e.detail,
        })
        .collect();
    let supplement: Vec<SectionNote> = section(a.supplement.as_deref())?.unwrap_or_default();
    Ok(ApplicationResponse {
        application_id: a.id.clone(),
        status: status(a)?,
        reference: a.reference.clone(),
        provider: section(a.provider.as_deref())?,
        users: section(a.users.as_deref())?,
        locations: section(a.locations.as_deref())?,
        documents: documents(c, a)?,
        supplement,
        hcp_id: a.hcp_id.clone(),
        registered_on: a.registered_on.clone(),
        assistance_open: assistance_open(a, now),
        history,
        created_at: rfc3339_ms(a.created_at),
        updated_at: rfc3339_ms(a.updated_at),
    })
}

pub fn assistance_open(a: &Application, now: i64) -> bool {
    a.status == ApplicationStatus::Accepted.as_str()
        && a.accepted_at
            .is_some_and(|t| now < t + ASSISTANCE_WINDOW_MS)
}
