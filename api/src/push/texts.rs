//! What a notification says on a lock screen, in the device's language. Lock screens are
//! public: never a reading, a name, an identity number or a provider's name in the text; the
//! app fetches details after the person unlocks it.

use ehealth_contracts::Language;

/// (title, body) for a notice kind; `None` for silent data messages (sync pokes).
pub fn text(kind: &str, lang: Language) -> Option<(&'static str, &'static str)> {
    let zh = lang == Language::ZhHk;
    let pick = |en: (&'static str, &'static str), hk: (&'static str, &'static str)| {
        Some(if zh { hk } else { en })
    };
    match kind {
        "sync_poke" => None,
        "record_accessed" => pick(
            (
                "eHealth record viewed",
                "A healthcare provider viewed a record. Open the app to see who.",
            ),
            (
                "醫健通紀錄被查閱",
                "有醫護提供者查閱了紀錄。請開啟應用程式查看詳情。",
            ),
        ),
        "reminder_due" => pick(
            (
                "Time to measure",
                "Your measurement reminder is due. Open the app to log it.",
            ),
            ("量度時間到了", "你的量度提示時間已到。請開啟應用程式記錄。"),
        ),
        "consent_granted" => pick(
            (
                "Sharing consent given",
                "A provider can now view the record. Open the app for details.",
            ),
            (
                "已給予互通同意",
                "醫護提供者現可查閱紀錄。請開啟應用程式查看詳情。",
            ),
        ),
        "consent_requested" => pick(
            (
                "Consent requested",
                "A healthcare provider asks for sharing consent. Open the app to answer.",
            ),
            (
                "醫護提供者要求同意",
                "有醫護提供者要求互通同意。請開啟應用程式回覆。",
            ),
        ),
        "consent_expiring" => pick(
            (
                "Sharing consent expiring",
                "A one-year sharing consent ends soon. Open the app to renew it.",
            ),
            (
                "互通同意即將屆滿",
                "一項一年期互通同意即將屆滿。請開啟應用程式續期。",
            ),
        ),
        "consent_expired" => pick(
            (
                "Sharing consent expired",
                "A one-year sharing consent has ended.",
            ),
            ("互通同意已屆滿", "一項一年期互通同意已經屆滿。"),
        ),
        "coming_of_age" => pick(
            (
                "Turning 16 soon",
                "Authority as substitute decision maker ends on the 16th birthday. Open the app.",
            ),
            (
                "即將年滿16歲",
                "代決人權限將於16歲生日終止。請開啟應用程式。",
            ),
        ),
        "sdm_authority_ended" => pick(
            (
                "Substitute decision maker role ended",
                "A dependant has turned 16.",
            ),
            ("代決人身份已終止", "一名受照顧者已年滿16歲。"),
        ),
        "sdm_joined" | "sdm_link_reviewed" | "sdm_link_ended" | "account_claimed" => pick(
            (
                "Family update",
                "There is a change to who manages an eHealth account. Open the app.",
            ),
            (
                "家庭成員更新",
                "管理醫健通帳戶的人有所變更。請開啟應用程式。",
            ),
        ),
        "hcp_consent_event" => pick(
            (
                "Sharing consent changed",
                "A patient's sharing consent has changed. Open the app for details.",
            ),
            (
                "互通同意有變",
                "有病人的互通同意有所變更。請開啟應用程式查看詳情。",
            ),
        ),
        _ => pick(
            ("eHealth", "You have a new notice. Open the app."),
            ("醫健通", "你有新通知。請開啟應用程式。"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_exists_in_both_languages() {
        for kind in [
            "record_accessed",
            "consent_granted",
            "consent_requested",
            "consent_expiring",
            "consent_expired",
            "coming_of_age",
            "sdm_authority_ended",
            "sdm_joined",
            "hcp_consent_event",
            "other",
        ] {
            let en = text(kind, Language::En);
            let zh = text(kind, Language::ZhHk);
            assert!(en.is_some() && zh.is_some() && en != zh, "{kind}");
        }
        assert_eq!(text("sync_poke", Language::En), None);
    }
}
