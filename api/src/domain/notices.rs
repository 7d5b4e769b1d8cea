//! Every notice the server queues, built in one place from the contract's [`PushData`]: one
//! function per [`PushType`], so a notice's kind and its fields cannot drift apart, and a
//! misspelt kind does not compile. Values are strings, as FCM's data payload carries them.
//! The outbox row around a notice (recipient, scope, once-only key) is `store::outbox`'s.

use ehealth_contracts::{PushData, PushType, SdmLinkStatus};

use crate::domain::ids::{LinkId, PatientId};

fn some(v: impl ToString) -> Option<String> {
    Some(v.to_string())
}

/// Silent: the devices of `scope` should pull it now.
pub fn sync_poke(scope: &str) -> PushData {
    PushData {
        scope: some(scope),
        ..PushData::new(PushType::SyncPoke)
    }
}

/// A provider's read of the patient's record was logged (`sync`: the entry is in the next pull).
pub fn record_accessed(patient_id: &str, access_id: &str) -> PushData {
    PushData {
        patient_id: some(patient_id),
        access_id: some(access_id),
        sync: some(true),
        ..PushData::new(PushType::RecordAccessed)
    }
}

pub fn reminder_due(
    patient_id: &str,
    reminder_id: &str,
    kind: Option<&str>,
    due_at: &str,
) -> PushData {
    PushData {
        patient_id: some(patient_id),
        reminder_id: some(reminder_id),
        kind: kind.map(str::to_owned),
        due_at: some(due_at),
        ..PushData::new(PushType::ReminderDue)
    }
}

pub fn consent_granted(patient_id: &str, consent_id: &str, hcp_id: &str, method: &str) -> PushData {
    PushData {
        patient_id: some(patient_id),
        consent_id: some(consent_id),
        hcp_id: some(hcp_id),
        method: some(method),
        ..PushData::new(PushType::ConsentGranted)
    }
}

pub fn consent_requested(patient_id: &str, request_id: &str, hcp_id: &str) -> PushData {
    PushData {
        patient_id: some(patient_id),
        request_id: some(request_id),
        hcp_id: some(hcp_id),
        ..PushData::new(PushType::ConsentRequested)
    }
}

pub fn consent_expiring(
    patient_id: &str,
    consent_id: &str,
    hcp_id: &str,
    valid_until: Option<&str>,
    notice_days_before: i64,
) -> PushData {
    PushData {
        patient_id: some(patient_id),
        consent_id: some(consent_id),
        hcp_id: some(hcp_id),
        valid_until: valid_until.map(str::to_owned),
        notice_days_before: some(notice_days_before),
        ..PushData::new(PushType::ConsentExpiring)
    }
}

pub fn consent_expired(patient_id: &str, consent_id: &str, hcp_id: &str) -> PushData {
    PushData {
        patient_id: some(patient_id),
        consent_id: some(consent_id),
        hcp_id: some(hcp_id),
        ..PushData::new(PushType::ConsentExpired)
    }
}

/// To an HCP's staff apps: its consent feed has event `seq` (read it there).
pub fn consent_event(hcp_id: &str, seq: i64, event: &str) -> PushData {
    PushData {
        hcp_id: some(hcp_id),
        seq: some(seq),
        event: some(event),
        ..PushData::new(PushType::ConsentEvent)
    }
}

pub fn coming_of_age(
    patient_id: &PatientId,
    link_id: &LinkId,
    notice_days_before: i64,
    days_left: i64,
    authority_ends_on: &str,
) -> PushData {
    PushData {
        patient_id: some(patient_id),
        link_id: some(link_id),
        notice_days_before: some(notice_days_before),
        days_left: some(days_left),
        authority_ends_on: some(authority_ends_on),
        ..PushData::new(PushType::ComingOfAge)
    }
}

pub fn sdm_authority_ended(patient_id: &PatientId, link_id: &LinkId, reason: &str) -> PushData {
    PushData {
        patient_id: some(patient_id),
        link_id: some(link_id),
        reason: some(reason),
        ..PushData::new(PushType::SdmAuthorityEnded)
    }
}

pub fn sdm_joined(
    patient_id: &PatientId,
    link_id: &LinkId,
    link_status: SdmLinkStatus,
) -> PushData {
    PushData {
        patient_id: some(patient_id),
        link_id: some(link_id),
        link_status: some(link_status.as_str()),
        ..PushData::new(PushType::SdmJoined)
    }
}

pub fn sdm_join_requested(patient_id: &PatientId, link_id: &LinkId) -> PushData {
    PushData {
        patient_id: some(patient_id),
        link_id: some(link_id),
        link_status: some(SdmLinkStatus::PendingApproval.as_str()),
        ..PushData::new(PushType::SdmJoinRequested)
    }
}

pub fn sdm_link_reviewed(
    patient_id: &PatientId,
    link_id: &LinkId,
    status: SdmLinkStatus,
) -> PushData {
    PushData {
        patient_id: some(patient_id),
        link_id: some(link_id),
        status: some(status.as_str()),
        ..PushData::new(PushType::SdmLinkReviewed)
    }
}

pub fn sdm_link_ended(patient_id: &PatientId, link_id: &LinkId, reason: &str) -> PushData {
    PushData {
        patient_id: some(patient_id),
        link_id: some(link_id),
        reason: some(reason),
        ..PushData::new(PushType::SdmLinkEnded)
    }
}

pub fn account_claimed(patient_id: &PatientId, link_id: &LinkId) -> PushData {
    PushData {
        patient_id: some(patient_id),
        link_id: some(link_id),
        ..PushData::new(PushType::AccountClaimed)
    }
}
