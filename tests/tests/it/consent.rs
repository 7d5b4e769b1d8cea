//! Providers and staff, sharing consent, consented reads and the access log, one file per
//! service: the provider register and staff, consent in the app, one-year expiry, access keys,
//! smart cards, consent requests, consented reads, the access log, and sync to the devices.

mod access_key;
mod access_log;
mod earned;
mod expiry;
mod grant;
mod providers;
mod reads;
mod requests;
mod smart_card;
mod sync_down;

use ehealth_contracts::{AccessLogResponse, ConsentEventsResponse, RecordReadResponse};

/// The outcome of each access-log entry, newest first.
fn outcomes(log: &AccessLogResponse) -> Vec<&'static str> {
    log.entries.iter().map(|e| e.outcome.as_str()).collect()
}

/// The kind of each event in an HCP's consent feed.
fn events(feed: &ConsentEventsResponse) -> Vec<&'static str> {
    feed.events.iter().map(|e| e.event.as_str()).collect()
}

/// The category of each record a read returned.
fn categories(read: &RecordReadResponse) -> Vec<&'static str> {
    read.records.iter().map(|r| r.category.as_str()).collect()
}
