//! The applicant's account: signed up with a name and an email address, a passkey, and the
//! email confirmed by a code we send.

use ehealth_contracts::{
    CompleteEnrolmentRequest, ConfirmEmailRequest, CreateApplicantRequest, CreateApplicantResponse,
    ErrorCode, FieldCode, SessionTokens,
};
use uuid::Uuid;

use crate::domain::person;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::ApplicantSession;
use crate::mail::{self, Mail};
use crate::services::ceremony::one_time_code_hash;
use crate::services::checks::text;
use crate::services::limits::rate_limit;
use crate::services::passkey_accounts::{self, new_account};
use crate::services::tokens::account_tokens;
use crate::state::AppState;
use crate::store::{self, DbConn, accounts::Account, accounts::KIND_APPLICANT};

/// How long an email confirmation code is valid.
const EMAIL_CODE_TTL_MS: i64 = 30 * 60 * 1000;

/// `en` or `zh-HK`.
fn locale(raw: Option<&str>) -> String {
    match raw {
        Some(l) if l.to_ascii_lowercase().starts_with("zh") => "zh-HK".to_owned(),
        _ => "en".to_owned(),
    }
}

/// Creates the applicant's account and starts its passkey ceremony.
pub async fn sign_up(
    state: &AppState,
    req: CreateApplicantRequest,
    client: &str,
) -> ApiResult<CreateApplicantResponse> {
    rate_limit(
        state,
        &format!("applicant:{client}"),
        state.config.rate_limit_per_address,
        std::time::Duration::from_secs(60),
    )
    .await?;
    let mut errors = Vec::new();
    let name = text(&mut errors, &req.name, "name", 100);
    let email = match person::email(&req.email, "email") {
        Ok(Some(e)) => e,
        Ok(None) => {
            errors.push(FieldError::new("email", FieldCode::Required));
            String::new()
        }
        Err(e) => {
            errors.push(e);
            String::new()
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let (mut account, _code) = new_account(
        state,
        KIND_APPLICANT,
        name,
        String::new(),
        "self".to_owned(),
    );
    account.email = Some(email);
    account.locale = Some(locale(req.locale.as_deref()));
    let row = account.clone();
    state
        .db
        .run(move |c| Ok(store::accounts::insert(c, &row)?))
        .await?;
    let started = passkey_accounts::start_ceremony(state, &account, account.id.clone()).await?;
    Ok(CreateApplicantResponse {
        applicant_id: account.id,
        creation_options: started.creation_options,
        expires_at: started.expires_at,
    })
}

/// Finishes the passkey: the applicant is signed in, and the confirmation code is emailed.
pub async fn complete(
    state: &AppState,
    applicant_id: &str,
    req: CompleteEnrolmentRequest,
) -> ApiResult<SessionTokens> {
    let (account, issued) =
        passkey_accounts::complete(state, KIND_APPLICANT, applicant_id, &req.credential).await?;
    let code = crate::crypto::random_digits(6);
    let hash = one_time_code_hash(state, "applicant-email", &code);
    let now = state.now_ms();
    let id = account.id.clone();
    let (to, lang) = recipient(&account);
    state
        .db
        .transaction(move |c| send_code(c, &id, &to, &lang, &code, &hash, now))
        .await?;
    tracing::info!(applicant_id = %account.id, "applicant passkey enrolled");
    Ok(account_tokens(&account, issued, state))
}

fn recipient(a: &Account) -> (String, String) {
    (
        a.email.clone().unwrap_or_default(),
        a.locale.clone().unwrap_or_else(|| "en".to_owned()),
    )
}

fn send_code(
    c: &mut DbConn,
    id: &str,
    to: &str,
    lang: &str,
    code: &str,
    hash: &str,
    now: i64,
) -> ApiResult<()> {
    store::accounts::set_email_code(c, id, hash, now + EMAIL_CODE_TTL_MS)?;
    mail::queue(
        c,
        to,
        lang,
        &Mail::EmailConfirmation {
            code: code.to_owned(),
        },
        now,
    )
}

/// Confirms the applicant's email with the code we sent; five wrong codes in a minute are
/// rate limited.
pub async fn confirm_email(
    state: &AppState,
    who: &ApplicantSession,
    req: ConfirmEmailRequest,
) -> ApiResult<()> {
    if who.email_confirmed {
        return Ok(());
    }
    rate_limit(
        state,
        &format!("email-code:{}", who.applicant_id),
        5,
        std::time::Duration::from_secs(60),
    )
    .await?;
    let hash = one_time_code_hash(state, "applicant-email", &req.code);
    let now = state.now_ms();
    let id = who.applicant_id.clone();
    let confirmed = state
        .db
        .run(move |c| Ok(store::accounts::confirm_email(c, &id, &hash, now)?))
        .await?;
    if !confirmed {
        return Err(ApiError::bad_request(ErrorCode::EmailCodeInvalid));
    }
    Ok(())
}

/// Sends a new confirmation code (the old one stops working).
pub async fn resend_code(state: &AppState, who: &ApplicantSession) -> ApiResult<()> {
    if who.email_confirmed {
        return Ok(());
    }
    rate_limit(
        state,
        &format!("email-resend:{}", who.applicant_id),
        3,
        std::time::Duration::from_secs(600),
    )
    .await?;
    let code = crate::crypto::random_digits(6);
    let hash = one_time_code_hash(state, "applicant-email", &code);
    let now = state.now_ms();
    let (id, to, lang) = (
        who.applicant_id.clone(),
        who.email.clone(),
        who.locale.clone(),
    );
    state
        .db
        .transaction(move |c| send_code(c, &id, &to, &lang, &code, &hash, now))
        .await
}

/// The applicant's email must be confirmed before they start an application.
pub fn require_confirmed(who: &ApplicantSession) -> ApiResult<()> {
    if who.email_confirmed {
        Ok(())
    } else {
        Err(ApiError::forbidden(ErrorCode::EmailNotConfirmed))
    }
}

/// A fresh id for things the applicant creates.
pub(super) fn new_id() -> String {
    Uuid::now_v7().to_string()
}
