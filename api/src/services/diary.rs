//! Diary reads: readings in a time range, newest first, paged, with per-period summaries in
//! Hong Kong time over the whole range.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Hong_Kong;
use ehealth_contracts::{
    BpDiaryResponse, BpPeriodSummary, BpReading, DiaryQuery, ErrorCode, FieldCode,
    GlucoseDiaryResponse, GlucosePeriodSummary, GlucoseReading, Stat, SummaryPeriod,
};

use crate::clock::rfc3339_ms;
use crate::domain::ids::PatientId;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::PatientSession;
use crate::services::family::Acting;
use crate::state::AppState;
use crate::store::{bp_readings, glucose_readings};

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 500;
const MAX_RANGE_DAYS: i64 = 366;

/// A validated diary query.
#[derive(Clone)]
struct Window {
    scope: String,
    /// Who reads, recorded once the read succeeded.
    acting: Acting,
    from_ms: i64,
    to_ms: i64,
    limit: i64,
    before: Option<(i64, String)>,
    period: SummaryPeriod,
}

/// Checks the query, then that the caller may read this patient's diary (themselves or an
/// active SDM, recorded), so a malformed query costs no database work.
async fn window(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
    q: &DiaryQuery,
) -> ApiResult<Window> {
    let mut errors = Vec::new();
    let to_ms = match q.to.as_deref() {
        None => state.now_ms(),
        Some(raw) => bound(raw, true).unwrap_or_else(|| {
            errors.push(FieldError::new("to", FieldCode::InvalidFormat));
            0
        }),
    };
    let from_ms = match q.from.as_deref() {
        None => to_ms - Duration::days(30).num_milliseconds(),
        Some(raw) => bound(raw, false).unwrap_or_else(|| {
            errors.push(FieldError::new("from", FieldCode::InvalidFormat));
            0
        }),
    };
    let limit = match q.limit.as_deref().map(str::parse::<i64>) {
        None => DEFAULT_LIMIT,
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            errors.push(FieldError::new("limit", FieldCode::OutOfRange));
            DEFAULT_LIMIT
        }
    };
    let period = match q.period.as_deref() {
        None | Some("day") => SummaryPeriod::Day,
        Some("week") => SummaryPeriod::Week,
        Some("month") => SummaryPeriod::Month,
        Some(_) => {
            errors.push(FieldError::new("period", FieldCode::InvalidValue));
            SummaryPeriod::Day
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if from_ms >= to_ms || to_ms - from_ms > Duration::days(MAX_RANGE_DAYS).num_milliseconds() {
        return Err(ApiError::unprocessable(ErrorCode::InvalidRange));
    }
    let before = q.cursor.as_deref().map(decode_cursor).transpose()?;
    let acting = super::family::act_for(state, who, patient_id, "read_diary").await?;
    Ok(Window {
        scope: acting.patient_id.to_string(),
        acting,
        from_ms,
        to_ms,
        limit,
        before,
        period,
    })
}

/// A date is a Hong Kong calendar day (an inclusive `to` ends at the next midnight); otherwise
/// an RFC 3339 instant.
fn bound(raw: &str, end: bool) -> Option<i64> {
    if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        let day = if end { d.succ_opt()? } else { d };
        return hk_midnight_ms(day);
    }
    DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|d| d.timestamp_millis())
}

fn hk_midnight_ms(d: NaiveDate) -> Option<i64> {
    Hong_Kong
        .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
        .single()
        .map(|t| t.timestamp_millis())
}

fn decode_cursor(raw: &str) -> ApiResult<(i64, String)> {
    let bytes = URL_SAFE_NO_PAD
        .decode(raw)
        .map_err(|_| ApiError::bad_request(ErrorCode::InvalidCursor))?;
    let text =
        String::from_utf8(bytes).map_err(|_| ApiError::bad_request(ErrorCode::InvalidCursor))?;
    let (ms, id) = text
        .split_once(':')
        .ok_or_else(|| ApiError::bad_request(ErrorCode::InvalidCursor))?;
    Ok((
        ms.parse()
            .map_err(|_| ApiError::bad_request(ErrorCode::InvalidCursor))?,
        id.to_owned(),
    ))
}

fn encode_cursor(ms: i64, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{ms}:{id}"))
}

/// The first Hong Kong date of the period holding `ms`.
fn period_start(ms: i64, period: SummaryPeriod) -> NaiveDate {
    let day = DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&Hong_Kong)
        .date_naive();
    match period {
        SummaryPeriod::Day => day,
        SummaryPeriod::Week => {
            day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
        }
        SummaryPeriod::Month => day.with_day(1).unwrap_or(day),
    }
}

/// Accumulates count, sum, min and max.
#[derive(Default, Clone)]
struct Acc {
    n: i64,
    sum: f64,
    min: f64,
    max: f64,
}

impl Acc {
    fn add(&mut self, v: f64) {
        if self.n == 0 {
            self.min = v;
            self.max = v;
        }
        self.n += 1;
        self.sum += v;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    fn stat(&self) -> Option<Stat> {
        #[allow(clippy::cast_precision_loss)] // counts are far below 2^52
        (self.n > 0).then(|| Stat {
            mean: (self.sum / self.n as f64 * 10.0).round() / 10.0,
            min: self.min,
            max: self.max,
        })
    }
}

pub async fn blood_pressure(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
    q: DiaryQuery,
) -> ApiResult<BpDiaryResponse> {
    let w = window(state, who, patient_id, &q).await?;
    let (q, limit, period) = (w.clone(), w.limit, w.period);
    let (rows, values) = state
        .db
        .read_snapshot(move |c| {
            let before = q.before.as_ref().map(|(ms, id)| (*ms, id.as_str()));
            let rows = bp_readings::in_range(c, &q.scope, q.from_ms, q.to_ms, before, q.limit + 1)?;
            Ok((
                rows,
                bp_readings::values_in_range(c, &q.scope, q.from_ms, q.to_ms)?,
            ))
        })
        .await?;
    w.acting.read_done(state).await?;
    let mut buckets: BTreeMap<NaiveDate, [Acc; 3]> = BTreeMap::new();
    for (ms, s, d, p) in values {
        let Some(ms) = ms else { continue };
        let b = buckets.entry(period_start(ms, period)).or_default();
        for (acc, v) in b.iter_mut().zip([s, d, p]) {
            if let Some(v) = v {
                acc.add(f64::from(v));
            }
        }
    }
    let summary = buckets
        .into_iter()
        .filter_map(|(start, [s, d, p])| {
            Some(BpPeriodSummary {
                period_start: start.to_string(),
                count: s.n,
                systolic: s.stat()?,
                diastolic: d.stat()?,
                pulse: p.stat(),
            })
        })
        .collect();
    let next_cursor = next_cursor(&rows, limit, |r| (r.measured_at_ms, &r.id));
    let readings = rows
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(0))
        .filter_map(|r| {
            Some(BpReading {
                id: r.id,
                systolic: r.systolic?,
                diastolic: r.diastolic?,
                pulse: r.pulse,
                measured_at: r.measured_at?,
                arm: r.arm,
                note: r.note,
            })
        })
        .collect();
    Ok(BpDiaryResponse {
        from: rfc3339_ms(w.from_ms),
        to: rfc3339_ms(w.to_ms),
        readings,
        next_cursor,
        period,
        summary,
    })
}

pub async fn glucose(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
    q: DiaryQuery,
) -> ApiResult<GlucoseDiaryResponse> {
    let w = window(state, who, patient_id, &q).await?;
    let (q, limit, period) = (w.clone(), w.limit, w.period);
    let (rows, values) = state
        .db
        .read_snapshot(move |c| {
            let before = q.before.as_ref().map(|(ms, id)| (*ms, id.as_str()));
            let rows =
                glucose_readings::in_range(c, &q.scope, q.from_ms, q.to_ms, before, q.limit + 1)?;
            Ok((
                rows,
                glucose_readings::values_in_range(c, &q.scope, q.from_ms, q.to_ms)?,
            ))
        })
        .await?;
    w.acting.read_done(state).await?;
    let mut buckets: BTreeMap<NaiveDate, Acc> = BTreeMap::new();
    for (ms, tenths) in values {
        if let (Some(ms), Some(t)) = (ms, tenths) {
            buckets
                .entry(period_start(ms, period))
                .or_default()
                .add(f64::from(t) / 10.0);
        }
    }
    let summary = buckets
        .into_iter()
        .filter_map(|(start, a)| {
            Some(GlucosePeriodSummary {
                period_start: start.to_string(),
                count: a.n,
                mmol_l: a.stat()?,
            })
        })
        .collect();
    let next_cursor = next_cursor(&rows, limit, |r| (r.measured_at_ms, &r.id));
    let readings = rows
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(0))
        .filter_map(|r| {
            Some(GlucoseReading {
                id: r.id,
                mmol_l: f64::from(r.mmol_tenths?) / 10.0,
                meal_context: r.meal_context?,
                measured_at: r.measured_at?,
                note: r.note,
            })
        })
        .collect();
    Ok(GlucoseDiaryResponse {
        from: rfc3339_ms(w.from_ms),
        to: rfc3339_ms(w.to_ms),
        readings,
        next_cursor,
        period,
        summary,
    })
}

/// The cursor after the last row of a page, when a further row exists.
fn next_cursor<R>(
    rows: &[R],
    limit: i64,
    key: impl Fn(&R) -> (Option<i64>, &String),
) -> Option<String> {
    let limit = usize::try_from(limit).ok()?;
    if rows.len() <= limit {
        return None;
    }
    let (ms, id) = key(rows.get(limit - 1)?);
    Some(encode_cursor(ms?, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_follow_the_hong_kong_calendar() {
        // 2026-11-22T16:30Z is 00:30 on Monday 23 November in Hong Kong.
        let ms = DateTime::parse_from_rfc3339("2026-11-22T16:30:00Z")
            .map(|d| d.timestamp_millis())
            .unwrap_or(0);
        assert_eq!(
            period_start(ms, SummaryPeriod::Day).to_string(),
            "2026-11-23"
        );
        assert_eq!(
            period_start(ms, SummaryPeriod::Week).to_string(),
            "2026-11-23"
        );
        assert_eq!(
            period_start(ms, SummaryPeriod::Month).to_string(),
            "2026-11-01"
        );
    }

    #[test]
    fn a_date_bound_is_hong_kong_midnight_and_an_end_date_is_inclusive() {
        assert_eq!(
            bound("2026-11-23", false).map(rfc3339_ms).as_deref(),
            Some("2026-11-22T16:00:00.000Z")
        );
        assert_eq!(
            bound("2026-11-23", true).map(rfc3339_ms).as_deref(),
            Some("2026-11-23T16:00:00.000Z")
        );
        assert_eq!(bound("yesterday", false), None);
    }
}
