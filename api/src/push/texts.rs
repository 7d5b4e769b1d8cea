//! What a notification says on a lock screen, in the device's language. Lock screens are
//! public: never a reading, a name, an identity number or a provider's name in the text; the
//! app fetches details after the person unlocks it.

use ehealth_contracts::{Language, PushType};

/// (title, body) for a notice kind; `None` for silent data messages (sync pokes). Each
/// language's table is an exhaustive match: a new kind does not compile without its text.
pub fn text(kind: PushType, lang: Language) -> Option<(&'static str, &'static str)> {
    match lang {
        Language::En => english(kind),
        Language::ZhHk => chinese(kind),
    }
}

fn english(kind: PushType) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        PushType::SyncPoke => return None,
        PushType::RecordAccessed => (
            "eHealth record viewed",
            "A healthcare provider viewed a record. Open the app to see who.",
        ),
        PushType::ReminderDue => (
            "Time to measure",
            "Your measurement reminder is due. Open the app to log it.",
        ),
        PushType::ConsentGranted => (
            "Sharing consent given",
            "A provider can now view the record. Open the app for details.",
        ),
        PushType::ConsentRequested => (
            "Consent requested",
            "A healthcare provider asks for sharing consent. Open the app to answer.",
        ),
        PushType::ConsentExpiring => (
            "Sharing consent expiring",
            "A one-year sharing consent ends soon. Open the app to renew it.",
        ),
        PushType::ConsentExpired => (
            "Sharing consent expired",
            "A one-year sharing consent has ended.",
        ),
        PushType::ComingOfAge => (
            "Turning 16 soon",
            "Authority as substitute decision maker ends on the 16th birthday. Open the app.",
        ),
        PushType::SdmAuthorityEnded => (
            "Substitute decision maker role ended",
            "A dependant has turned 16.",
        ),
        PushType::SdmJoinRequested => (
            "Request to act for your dependant",
            "Someone asks to become a substitute decision maker. Open the app to approve or decline.",
        ),
        PushType::SdmJoined
        | PushType::SdmLinkReviewed
        | PushType::SdmLinkEnded
        | PushType::AccountClaimed => (
            "Family update",
            "There is a change to who manages an eHealth account. Open the app.",
        ),
        PushType::ConsentEvent => (
            "Sharing consent changed",
            "A patient's sharing consent has changed. Open the app for details.",
        ),
    })
}

fn chinese(kind: PushType) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        PushType::SyncPoke => return None,
        PushType::RecordAccessed => (
            "醫健通紀錄被查閱",
            "有醫護提供者查閱了紀錄。請開啟應用程式查看詳情。",
        ),
        PushType::ReminderDue => ("量度時間到了", "你的量度提示時間已到。請開啟應用程式記錄。"),
        PushType::ConsentGranted => (
            "已給予互通同意",
            "醫護提供者現可查閱紀錄。請開啟應用程式查看詳情。",
        ),
        PushType::ConsentRequested => (
            "醫護提供者要求同意",
            "有醫護提供者要求互通同意。請開啟應用程式回覆。",
        ),
        PushType::ConsentExpiring => (
            "互通同意即將屆滿",
            "一項一年期互通同意即將屆滿。請開啟應用程式續期。",
        ),
        PushType::ConsentExpired => ("互通同意已屆滿", "一項一年期互通同意已經屆滿。"),
        PushType::ComingOfAge => (
            "即將年滿16歲",
            "代決人權限將於16歲生日終止。請開啟應用程式。",
        ),
        PushType::SdmAuthorityEnded => ("代決人身份已終止", "一名受照顧者已年滿16歲。"),
        PushType::SdmJoinRequested => (
            "代決人加入申請",
            "有人申請成為受照顧者的代決人。請開啟應用程式批准或拒絕。",
        ),
        PushType::SdmJoined
        | PushType::SdmLinkReviewed
        | PushType::SdmLinkEnded
        | PushType::AccountClaimed => (
            "家庭成員更新",
            "管理醫健通帳戶的人有所變更。請開啟應用程式。",
        ),
        PushType::ConsentEvent => (
            "互通同意有變",
            "有病人的互通同意有所變更。請開啟應用程式查看詳情。",
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_but_the_silent_poke_has_text_in_both_languages() {
        for kind in PushType::ALL.iter().copied() {
            let en = text(kind, Language::En);
            let zh = text(kind, Language::ZhHk);
            if kind == PushType::SyncPoke {
                assert_eq!((en, zh), (None, None));
            } else {
                assert!(
                    en.is_some() && zh.is_some() && en != zh,
                    "{}",
                    kind.as_str()
                );
            }
        }
    }
}
