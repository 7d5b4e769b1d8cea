//! Delivering the outbox: every instance runs the worker; each outbox row is claimed with a
//! lease (a conditional update), sent to the devices it is for, and marked delivered. A worker
//! that dies mid-row leaves the lease to run out and another delivers it again: at least once,
//! with a stable `notification_id` in the data so apps drop duplicates.
//!
//! The sink is FCM HTTP v1 when `FCM_SERVICE_ACCOUNT` is set ([`fcm`]), else the embedded
//! default's log sink, which records every push in `push_log` and the log.

pub mod fcm;
pub mod texts;

use std::collections::BTreeMap;
use std::time::Duration;

use ehealth_contracts::{Language, PushType};
use futures_util::future::BoxFuture;
use serde_json::Value;

use crate::domain::authority::{Standing, standing};
use crate::domain::ids::PatientId;
use crate::domain::person::parse_dob;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::outbox::OutboxRow;
use crate::store::{self, DbConn};

/// One push to one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub notification_id: String,
    pub device_id: String,
    pub token: String,
    pub kind: String,
    /// `None` for a silent data message.
    pub text: Option<(String, String)>,
    /// String values only (FCM's data payload); includes `notification_id` and `type`.
    pub data: BTreeMap<String, String>,
    /// Pushes with the same key replace each other on the device (sync pokes).
    pub collapse_key: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// The token is dead (FCM `UNREGISTERED` or invalid): forget it, do not retry.
    Unregistered,
    /// Try again later (429/5xx), no sooner than this.
    Retry(Duration),
    /// Refused for good for a reason other than the token (logged): not retried.
    Rejected,
}

pub trait Sink: Send + Sync {
    fn send<'a>(&'a self, state: &'a AppState, msg: &'a Message) -> BoxFuture<'a, Outcome>;
}

/// The embedded default: every push recorded in `push_log` and the log (ids and kind only).
pub struct LogSink;

impl Sink for LogSink {
    fn send<'a>(&'a self, state: &'a AppState, msg: &'a Message) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let sent = store::push::Sent {
                notification_id: msg.notification_id.clone(),
                device_id: msg.device_id.clone(),
                kind: msg.kind.clone(),
                title: msg.text.as_ref().map(|t| t.0.clone()).unwrap_or_default(),
                body: msg.text.as_ref().map(|t| t.1.clone()).unwrap_or_default(),
                data: serde_json::to_string(&msg.data).unwrap_or_default(),
                collapse_key: msg.collapse_key.clone(),
                sent_at: state.now_ms(),
            };
            match state
                .db
                .run(move |c| Ok(store::push::record_sent(c, &sent)?))
                .await
            {
                Ok(_) => {
                    tracing::info!(notification_id = %msg.notification_id, device_id = %msg.device_id, kind = %msg.kind, "push (log sink)");
                    Outcome::Sent
                }
                Err(_) => Outcome::Retry(Duration::from_secs(5)),
            }
        })
    }
}

/// The sink this configuration asks for: FCM with a service-account key, else the log sink.
pub fn sink_for(config: &crate::config::Config) -> anyhow::Result<std::sync::Arc<dyn Sink>> {
    Ok(match &config.fcm_service_account {
        Some(key) => std::sync::Arc::new(fcm::FcmSink::from_key_file(key, &config.fcm_base_url)?),
        None => std::sync::Arc::new(LogSink),
    })
}

/// How long a worker holds a row before another may take it.
pub const LEASE: Duration = Duration::from_secs(60);
/// FCM's limit for messages to one device.
pub const PER_DEVICE_PER_MINUTE: u32 = 240;
/// Rows one pass takes.
pub const BATCH: i64 = 100;

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

/// The devices (with their tokens) a row is for: a scope-addressed row reaches the patient's
/// devices and those of every SDM whose link grants authority now; otherwise the recipient's.
fn recipients(
    c: &mut DbConn,
    row: &OutboxRow,
    today: chrono::NaiveDate,
) -> ApiResult<Vec<store::push::PushToken>> {
    let mut people: Vec<PatientId> = Vec::new();
    match (row.scope.as_deref(), row.patient_id.as_deref()) {
        (Some(s), _) if s.starts_with("hcp:") => {
            // An HCP's notices go to its active staff's signed-in apps.
            return Ok(store::push::staff_tokens_of_hcp(c, &s["hcp:".len()..])?);
        }
        (Some(scope), _) => {
            people.push(scope.into());
            if let Some(p) = store::patients::find(c, scope)? {
                let dob = parse_dob(&p.date_of_birth)?;
                for link in store::family::of_patient(c, scope)? {
                    if standing(&link, dob, today) == Standing::Grants {
                        people.push(link.sdm_patient_id);
                    }
                }
            }
        }
        (None, Some(p)) => people.push(p.into()),
        (None, None) => {}
    }
    people.sort();
    people.dedup();
    let mut devices = Vec::new();
    for p in people {
        devices.extend(
            store::devices::list_active(c, &p)?
                .into_iter()
                .map(|d| d.id)
                .filter(|d| row.exclude_device_id.as_deref() != Some(d.as_str())),
        );
    }
    Ok(store::push::tokens_of(c, &devices)?)
}

fn message(row: &OutboxRow, t: &store::push::PushToken) -> Message {
    let lang = if t.locale == "zh-HK" {
        Language::ZhHk
    } else {
        Language::En
    };
    let mut data: BTreeMap<String, String> = BTreeMap::new();
    if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&row.payload) {
        for (k, v) in map {
            data.insert(
                k,
                match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                },
            );
        }
    }
    data.insert("notification_id".to_owned(), row.id.clone());
    data.entry("type".to_owned())
        .or_insert_with(|| row.kind.clone());
    // The payload's type is the wire's truth (rows queued before notices were typed kept a
    // storage-only kind, e.g. `hcp_consent_event`, beside the payload's `consent_event`).
    let push_type = data.get("type").and_then(|t| PushType::parse(t));
    if push_type.is_none() {
        tracing::warn!(notification_id = %row.id, kind = %row.kind, "notice of unknown type sent without text");
    }
    Message {
        notification_id: row.id.clone(),
        device_id: t.device_id.clone(),
        token: t.token.clone(),
        kind: row.kind.clone(),
        text: push_type
            .and_then(|t| texts::text(t, lang))
            .map(|(a, b)| (a.to_owned(), b.to_owned())),
        data,
        collapse_key: (push_type == Some(PushType::SyncPoke))
            .then(|| format!("sync:{}", row.scope.clone().unwrap_or_default())),
    }
}

/// Rows of one pass delivered at the same time (each row's devices in turn).
pub const PARALLEL: usize = 16;

/// One pass: claims due rows, delivers them (up to [`PARALLEL`] rows at once), and records the
/// outcome of the whole batch in one transaction; returns how many rows were finished.
pub async fn deliver_due(state: &AppState, sink: &dyn Sink) -> ApiResult<usize> {
    use futures_util::stream::{self, StreamExt};
    let now = state.now_ms();
    let lease_until = now + ms(LEASE);
    let claimed = state
        .db
        .transaction(move |c| Ok(store::outbox::claim_outbox(c, now, lease_until, BATCH)?))
        .await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    // Rows for the same people share their devices: looked up once per pass.
    let today = state.clock.today_hk();
    let rows = claimed.clone();
    let devices = state
        .db
        .run(move |c| {
            let mut by_audience: BTreeMap<Audience, Vec<store::push::PushToken>> = BTreeMap::new();
            for row in &rows {
                if let std::collections::btree_map::Entry::Vacant(e) =
                    by_audience.entry(audience(row))
                {
                    e.insert(recipients(c, row, today)?);
                }
            }
            Ok(by_audience)
        })
        .await?;
    let settled: Vec<ApiResult<Settled>> = stream::iter(claimed)
        .map(|row| {
            let targets = devices.get(&audience(&row)).map_or(&[][..], Vec::as_slice);
            deliver_row(state, sink, row, targets, now)
        })
        .buffer_unordered(PARALLEL)
        .collect()
        .await;
    let mut done = Vec::new();
    let mut later = Vec::new();
    for s in settled {
        match s {
            Ok(Settled::Done(id)) => done.push(id),
            Ok(Settled::Later {
                id,
                attempts,
                next,
                sent_to,
            }) => later.push((id, attempts, next, sent_to)),
            // The row keeps its lease and is taken again when it runs out.
            Err(e) => tracing::warn!(error = %e, "push row failed; retried after its lease"),
        }
    }
    let finished = done.len();
    state
        .db
        .transaction(move |c| {
            store::outbox::mark_delivered_many(c, &done, now)?;
            for (id, attempts, next, sent_to) in later {
                store::outbox::retry_later(c, &id, attempts, next, sent_to.as_deref())?;
            }
            Ok(())
        })
        .await?;
    Ok(finished)
}

/// Who a row is for: rows with the same audience go to the same devices.
type Audience = (Option<String>, Option<String>, Option<String>);

fn audience(row: &OutboxRow) -> Audience {
    (
        row.scope.clone(),
        row.patient_id.clone(),
        row.exclude_device_id.clone(),
    )
}

enum Settled {
    Done(String),
    Later {
        id: String,
        attempts: i32,
        next: i64,
        /// The devices that got it (or refused it for good): the retry skips them.
        sent_to: Option<String>,
    },
}

/// Sends one row to its devices: done, or put off (backoff, at least the server's Retry-After).
/// A retry goes only to the devices that did not get it.
async fn deliver_row(
    state: &AppState,
    sink: &dyn Sink,
    row: OutboxRow,
    targets: &[store::push::PushToken],
    now: i64,
) -> ApiResult<Settled> {
    let mut retry: Option<Duration> = None;
    let mut sent: Vec<String> = row
        .sent_to
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter(|d| !d.is_empty())
        .map(str::to_owned)
        .collect();
    for t in targets {
        if sent.contains(&t.device_id) {
            continue;
        }
        // At most 240 messages a minute to one device, counted across instances (Redis
        // when configured); past it the notice waits for the next window.
        let limited = state
            .ephemeral
            .hit(
                &format!("push:{}", t.device_id),
                PER_DEVICE_PER_MINUTE,
                Duration::from_secs(60),
                now,
            )
            .await?;
        if let Err(after) = limited {
            let after = Duration::from_secs(after);
            retry = Some(retry.map_or(after, |r| r.max(after)));
            continue;
        }
        match sink.send(state, &message(&row, t)).await {
            Outcome::Sent | Outcome::Rejected => sent.push(t.device_id.clone()),
            Outcome::Unregistered => {
                let token = t.token.clone();
                state
                    .db
                    .run(move |c| Ok(store::push::remove_token(c, &token)?))
                    .await?;
                tracing::info!(device_id = %t.device_id, "push token unregistered: removed");
            }
            Outcome::Retry(after) => retry = Some(retry.map_or(after, |r| r.max(after))),
        }
    }
    let attempts = row.attempts + 1;
    Ok(match retry {
        None => Settled::Done(row.id),
        Some(after) => {
            // Exponential backoff with jitter, at least what the server asked for.
            let backoff = Duration::from_millis(
                500u64.saturating_mul(1 << attempts.clamp(0, 10)) + rand::random::<u64>() % 500,
            );
            Settled::Later {
                id: row.id,
                attempts,
                next: now + ms(after.max(backoff)),
                sent_to: (!sent.is_empty()).then(|| sent.join(",")),
            }
        }
    })
}

/// Runs the worker until the process ends: a pass every second (sooner while there is work).
pub async fn run_worker(state: actix_web::web::Data<AppState>, sink: std::sync::Arc<dyn Sink>) {
    loop {
        let busy = match deliver_due(&state, sink.as_ref()).await {
            Ok(n) => n > 0,
            Err(e) => {
                tracing::warn!(error = %e, "push worker pass failed; retrying");
                false
            }
        };
        if !busy {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}
