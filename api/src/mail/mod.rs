//! Outgoing email: queued in `emails` inside the change's transaction, sent by a worker over
//! SMTP (`EHEALTH_SMTP_URL`, lettre's URL forms) with retries like push; without a URL, each
//! email is written to the log with its recipient masked.

pub mod templates;

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{self, DbConn, emails::EmailRow};
pub use templates::Mail;

/// Attempts before an email is given up (about a day of backoff).
const MAX_ATTEMPTS: i32 = 12;
const LEASE_MS: i64 = 60_000;

/// Queues `mail` to `recipient` in `locale`, in the caller's transaction.
pub fn queue(
    c: &mut DbConn,
    recipient: &str,
    locale: &str,
    mail: &Mail,
    now: i64,
) -> ApiResult<()> {
    let payload = serde_json::to_value(mail).map_err(ApiError::internal)?;
    store::emails::enqueue(c, recipient, mail.template(), locale, &payload, now)?;
    Ok(())
}

/// Where email goes.
pub enum Mailer {
    Smtp {
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
        from: Mailbox,
    },
    /// No SMTP server configured: the log.
    Log,
}

impl Mailer {
    pub fn from_config(config: &crate::config::Config) -> anyhow::Result<Self> {
        let Some(url) = &config.smtp_url else {
            return Ok(Self::Log);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("EHEALTH_SMTP_URL: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let transport = Box::new(transport);
        let from = config
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("EHEALTH_MAIL_FROM: {e}"))?;
        Ok(Self::Smtp { transport, from })
    }

    async fn send(&self, row: &EmailRow) -> Result<(), String> {
        let mail: Mail = serde_json::from_str(&row.payload).map_err(|e| e.to_string())?;
        let (subject, body) = mail.render(&row.locale);
        match self {
            Self::Log => {
                tracing::info!(
                    to = %templates::masked(&row.recipient),
                    template = %row.template,
                    %subject,
                    "email (no EHEALTH_SMTP_URL: logged, not sent)"
                );
                Ok(())
            }
            Self::Smtp { transport, from } => {
                let to: Mailbox = row
                    .recipient
                    .parse()
                    .map_err(|e| format!("recipient: {e}"))?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(subject)
                    .body(body)
                    .map_err(|e| e.to_string())?;
                transport
                    .send(message)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
        }
    }
}

/// One pass: sends what is due; returns how many were settled (sent or given up).
pub async fn deliver_due(state: &AppState, mailer: &Mailer) -> ApiResult<usize> {
    let now = state.now_ms();
    let rows = state
        .db
        .transaction(move |c| Ok(store::emails::claim_due(c, now, now + LEASE_MS, 20)?))
        .await?;
    let count = rows.len();
    for row in rows {
        let outcome = mailer.send(&row).await;
        let now = state.now_ms();
        let id = row.id.clone();
        match outcome {
            Ok(()) => {
                state
                    .db
                    .run(move |c| Ok(store::emails::mark_sent(c, &id, now)?))
                    .await?;
            }
            Err(error) => {
                let attempts = row.attempts + 1;
                let give_up = attempts >= MAX_ATTEMPTS;
                // 30 s, 1 min, 2 min, ... capped at 4 hours.
                let backoff = (30_000_i64 << (attempts - 1).clamp(0, 20)).min(4 * 3600 * 1000);
                tracing::warn!(
                    to = %templates::masked(&row.recipient),
                    template = %row.template,
                    attempts,
                    give_up,
                    %error,
                    "email not sent"
                );
                state
                    .db
                    .run(move |c| {
                        Ok(store::emails::attempt_failed(
                            c,
                            &id,
                            attempts,
                            now + backoff,
                            give_up,
                            now,
                        )?)
                    })
                    .await?;
            }
        }
    }
    Ok(count)
}

/// Runs the worker until the process ends: a pass every second (sooner while there is work).
pub async fn run_worker(state: actix_web::web::Data<AppState>, mailer: Mailer) {
    loop {
        let busy = match deliver_due(&state, &mailer).await {
            Ok(n) => n > 0,
            Err(e) => {
                tracing::warn!(error = %e, "mail worker pass failed; retrying");
                false
            }
        };
        if !busy {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}
