//! `ehealth import-consents FILE.csv`: the legacy one-year consents of the earlier regime,
//! brought over once by a deployment. New one-year consents cannot be given any other way.
//!
//! The file is UTF-8 with a header line `patient_id,hcp_id,granted_on,valid_until` and one
//! consent a line (ids and Hong Kong dates `YYYY-MM-DD`; no quoting: no field holds a comma).
//! Every line is checked on its own; a refused line is reported with its reason and the rest
//! go on. Importing the same file again changes nothing (each consent already there is counted
//! as such), so an interrupted import can simply be run again.

use chrono::{Months, NaiveDate};
use chrono_tz::Asia::Hong_Kong;
use ehealth_contracts::{ConsentEventType, ConsentMethod, ConsentType};
use uuid::Uuid;

use super::is_valid;
use crate::domain::ids::PatientId;
use crate::error::ApiResult;
use crate::store::consent_events::{publish, record};
use crate::store::consents::{self, ACTIVE, Consent};
use crate::store::{self, Db, DbConn};

pub const HEADER: &str = "patient_id,hcp_id,granted_on,valid_until";

/// One line of the file, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyConsent {
    pub line: usize,
    pub patient_id: String,
    pub hcp_id: String,
    pub granted_on: NaiveDate,
    pub valid_until: NaiveDate,
}

/// What an import did: consents created, consents already there, and the lines refused.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub imported: usize,
    pub already_present: usize,
    pub refused: Vec<(usize, String)>,
}

/// Reads the file's lines; a line that does not parse is refused with its reason.
pub fn parse(text: &str) -> (Vec<LegacyConsent>, Vec<(usize, String)>) {
    let (mut rows, mut refused) = (Vec::new(), Vec::new());
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
    match lines.next() {
        Some((_, h)) if h == HEADER => {}
        _ => {
            refused.push((1, format!("the first line must be `{HEADER}`")));
            return (rows, refused);
        }
    }
    for (line, text) in lines.filter(|(_, l)| !l.is_empty()) {
        let fields: Vec<&str> = text.split(',').map(str::trim).collect();
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        match fields.as_slice() {
            [patient, hcp, granted, until] => match (date(granted), date(until)) {
                (Some(granted_on), Some(valid_until)) => rows.push(LegacyConsent {
                    line,
                    patient_id: (*patient).to_owned(),
                    hcp_id: (*hcp).to_owned(),
                    granted_on,
                    valid_until,
                }),
                _ => refused.push((line, "dates must be YYYY-MM-DD".to_owned())),
            },
            _ => refused.push((line, "expected 4 fields".to_owned())),
        }
    }
    (rows, refused)
}

/// Imports `rows` (each in its own transaction), as of Hong Kong date `today`.
pub async fn import(
    db: &Db,
    rows: Vec<LegacyConsent>,
    today: NaiveDate,
    now: i64,
) -> ApiResult<ImportReport> {
    let mut report = ImportReport::default();
    for row in rows {
        let line = row.line;
        match db
            .transaction(move |c| import_one(c, &row, today, now))
            .await?
        {
            Ok(true) => report.imported += 1,
            Ok(false) => report.already_present += 1,
            Err(reason) => report.refused.push((line, reason)),
        }
    }
    Ok(report)
}

/// `Ok(true)` imported, `Ok(false)` already there, `Err(reason)` refused.
fn import_one(
    c: &mut DbConn,
    row: &LegacyConsent,
    today: NaiveDate,
    now: i64,
) -> ApiResult<Result<bool, String>> {
    let refuse = |why: &str| Ok(Err(why.to_owned()));
    if row.granted_on > row.valid_until
        || row.granted_on.checked_add_months(Months::new(12)) < Some(row.valid_until)
    {
        return refuse("valid_until must be within a year of granted_on");
    }
    if row.valid_until < today {
        return refuse("expired: valid_until is past");
    }
    let patient_id = PatientId::from(row.patient_id.as_str());
    if !store::patients::lock(c, &patient_id)? {
        return refuse("unknown patient");
    }
    let Some(patient) = store::patients::find(c, &patient_id)? else {
        return refuse("unknown patient");
    };
    if super::require_sharable(&patient).is_err() {
        return refuse("the patient is not verified, or has withdrawn");
    }
    if store::hcps::find_hcp(c, &row.hcp_id)?.is_none() {
        return refuse("unknown hcp");
    }
    let until = row.valid_until.format("%Y-%m-%d").to_string();
    if let Some(active) = consents::active(c, &patient_id, &row.hcp_id)? {
        let same = active.consent_type == ConsentType::OneYear.as_str()
            && active.valid_until.as_deref() == Some(until.as_str());
        return match (same, is_valid(&active, today)?) {
            (true, _) => Ok(Ok(false)),
            (false, true) => refuse("another consent to this hcp is active"),
            (false, false) => refuse("an expired consent to this hcp awaits the daily job"),
        };
    }
    let consent = Consent {
        id: Uuid::now_v7().to_string(),
        patient_id: row.patient_id.clone(),
        hcp_id: row.hcp_id.clone(),
        consent_type: ConsentType::OneYear.as_str().to_owned(),
        method: ConsentMethod::Import.as_str().to_owned(),
        status: ACTIVE.to_owned(),
        // 00:00 in Hong Kong on the day it was given.
        granted_at: row
            .granted_on
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(Hong_Kong).single())
            .map_or(now, |t| t.timestamp_millis()),
        valid_until: Some(until),
        granted_by: "import".to_owned(),
        ended_at: None,
        ended_by: None,
        updated_at: now,
        sync_version: 0,
    };
    consents::insert(c, &consent)?;
    record(c, &consent, ConsentEventType::Granted, now)?;
    publish(c, &consent.id, &patient_id, now)?;
    Ok(Ok(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_or_refused_one_by_one() {
        let (rows, refused) = parse(
            "patient_id,hcp_id,granted_on,valid_until\np1,h1,2025-03-01,2026-03-01\n\np2,h1,2025-13-01,2026-03-01\np3,h1\n",
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 2);
        assert_eq!(
            refused,
            vec![
                (4, "dates must be YYYY-MM-DD".to_owned()),
                (5, "expected 4 fields".to_owned())
            ]
        );
        let (rows, refused) = parse("id,hcp\n");
        assert!(rows.is_empty());
        assert_eq!(refused.len(), 1);
    }
}
