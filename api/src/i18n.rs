//! Human text for error codes, in English and Traditional Chinese (Hong Kong).
//!
//! Apps branch on the stable `code`; these strings are what a person reads. A code missing
//! here falls back to a generic text, and a test checks that every code the API can produce
//! has both languages.

use actix_web::http::header::{ACCEPT_LANGUAGE, HeaderMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    ZhHk,
}

impl Lang {
    /// Picks the most preferred language we speak from an `Accept-Language` header.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let Some(value) = headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()) else {
            return Self::En;
        };
        let mut best: Option<(f32, Lang)> = None;
        for item in value.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let lang = if tag.starts_with("zh") {
                Lang::ZhHk
            } else if tag.starts_with("en") {
                Lang::En
            } else {
                continue;
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or(Lang::En)
    }
}

/// Every problem code the API produces, with (English title, English detail, Chinese title,
/// Chinese detail).
pub const PROBLEMS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "bad_request",
        "The request is not valid",
        "Check the request and try again.",
        "請求無效",
        "請檢查請求後再試。",
    ),
    (
        "malformed_json",
        "The request body is not valid JSON",
        "Send a well-formed JSON document.",
        "請求內容不是有效的 JSON",
        "請傳送格式正確的 JSON 文件。",
    ),
    (
        "unsupported_media_type",
        "Unsupported content type",
        "Send the body as application/json.",
        "不支援的內容類型",
        "請以 application/json 格式傳送內容。",
    ),
    (
        "payload_too_large",
        "The request body is too large",
        "Send a smaller body.",
        "請求內容過大",
        "請傳送較小的內容。",
    ),
    (
        "not_found",
        "Not found",
        "There is nothing at this address, or you may not see it.",
        "找不到",
        "此位址沒有內容，或你無權查看。",
    ),
    (
        "method_not_allowed",
        "Method not allowed",
        "This address does not accept this HTTP method.",
        "不允許的方法",
        "此位址不接受此 HTTP 方法。",
    ),
    (
        "request_timeout",
        "The request took too long",
        "Try again.",
        "請求逾時",
        "請再試一次。",
    ),
    (
        "validation_failed",
        "The request has invalid fields",
        "Correct the listed fields and try again.",
        "請求有無效的欄位",
        "請更正所列欄位後再試。",
    ),
    (
        "rate_limited",
        "Too many attempts",
        "Wait a moment before trying again.",
        "嘗試次數過多",
        "請稍候再試。",
    ),
    (
        "service_unavailable",
        "The service is temporarily unavailable",
        "Try again shortly.",
        "服務暫時無法使用",
        "請稍後再試。",
    ),
    (
        "internal_error",
        "Something went wrong on our side",
        "Try again later. If it keeps happening, contact support.",
        "系統發生錯誤",
        "請稍後再試。如問題持續，請聯絡我們。",
    ),
    (
        "requires_substitute_decision_maker",
        "A substitute decision maker must register this person",
        "People under 16 cannot register themselves. A parent or other substitute decision maker must register them.",
        "須由代決人登記",
        "未滿16歲人士不能自行登記，須由父母或其他代決人代為登記。",
    ),
    (
        "already_registered",
        "This identity document is already registered",
        "Sign in instead, or contact the registration office.",
        "此身份證明文件已經登記",
        "請直接登入，或聯絡登記辦事處。",
    ),
    (
        "registration_expired",
        "This registration has expired",
        "Start the registration again.",
        "此登記已逾時",
        "請重新開始登記。",
    ),
    (
        "registration_already_completed",
        "This registration is already complete",
        "Sign in with your passkey.",
        "此登記已經完成",
        "請使用你的通行密鑰登入。",
    ),
    (
        "credential_already_registered",
        "This passkey is already registered",
        "Use a different passkey.",
        "此通行密鑰已經登記",
        "請使用另一個通行密鑰。",
    ),
    (
        "invalid_credential",
        "The passkey response could not be verified",
        "Try the passkey step again.",
        "無法驗證通行密鑰回應",
        "請重新進行通行密鑰步驟。",
    ),
    (
        "origin_mismatch",
        "The passkey response came from an origin we do not accept",
        "Use the official app or website.",
        "通行密鑰回應來自不被接受的來源",
        "請使用官方應用程式或網站。",
    ),
    (
        "rp_id_mismatch",
        "The passkey was made for another service",
        "Use a passkey created for this service.",
        "此通行密鑰屬於其他服務",
        "請使用為本服務建立的通行密鑰。",
    ),
    (
        "challenge_mismatch",
        "The passkey response answers a different challenge",
        "Start again.",
        "通行密鑰回應與驗證挑戰不符",
        "請重新開始。",
    ),
    (
        "user_verification_required",
        "The passkey did not verify the user",
        "Unlock with your fingerprint, face or screen lock.",
        "通行密鑰未有驗證使用者",
        "請使用指紋、面容或螢幕鎖解鎖。",
    ),
    (
        "challenge_invalid",
        "This sign-in challenge is unknown, used or expired",
        "Start the sign-in again.",
        "此登入驗證挑戰無效、已使用或已逾時",
        "請重新登入。",
    ),
    (
        "unknown_credential",
        "This passkey is not registered",
        "Register first, or use another passkey.",
        "此通行密鑰未有登記",
        "請先登記，或使用另一個通行密鑰。",
    ),
    (
        "counter_regression",
        "This passkey may have been copied",
        "The passkey's signature counter went backwards. Contact support.",
        "此通行密鑰可能已被複製",
        "通行密鑰的簽署計數倒退，請聯絡我們。",
    ),
    (
        "account_withdrawn",
        "This account has been withdrawn",
        "Contact the registration office to rejoin.",
        "此帳戶已退出",
        "請聯絡登記辦事處重新參加。",
    ),
    (
        "unauthenticated",
        "Sign-in required",
        "Send an access token in the Authorization header.",
        "需要登入",
        "請在 Authorization 標頭中提供存取權杖。",
    ),
    (
        "invalid_token",
        "The token is invalid or expired",
        "Refresh the session or sign in again.",
        "權杖無效或已過期",
        "請更新工作階段或重新登入。",
    ),
    (
        "refresh_token_reused",
        "This refresh token was already used",
        "For your safety the session has been ended. Sign in again.",
        "此更新權杖已被使用",
        "為保障安全，工作階段已結束。請重新登入。",
    ),
    (
        "conflict",
        "The request conflicts with the current state",
        "Reload and try again.",
        "請求與目前狀態衝突",
        "請重新載入後再試。",
    ),
    (
        "unsupported_protocol",
        "This app speaks a sync protocol the server does not",
        "Update the app.",
        "伺服器不支援此應用程式的同步協定",
        "請更新應用程式。",
    ),
    (
        "unsupported_schema_version",
        "This app's data schema is not supported",
        "Update the app.",
        "不支援此應用程式的資料結構版本",
        "請更新應用程式。",
    ),
    (
        "seq_gap",
        "Mutations are missing before this batch",
        "Send the pending mutations from the expected seq.",
        "此批次之前有遺漏的變更",
        "請由預期的序號開始傳送待處理的變更。",
    ),
    (
        "invalid_seq",
        "The mutation numbers are not valid",
        "Number mutations 1, 2, 3... without repeats.",
        "變更序號無效",
        "請以 1、2、3… 為變更編號，不可重複。",
    ),
    (
        "invalid_cursor",
        "The cursor is not valid",
        "Start again without a cursor.",
        "游標無效",
        "請不帶游標重新開始。",
    ),
    (
        "batch_too_large",
        "Too many mutations in one push",
        "Send at most the configured number of mutations per push.",
        "單次推送的變更過多",
        "請減少每次推送的變更數目。",
    ),
    (
        "unknown_device",
        "This device is not one of yours",
        "Sign in again on this device.",
        "此裝置不屬於你",
        "請在此裝置重新登入。",
    ),
    (
        "invalid_range",
        "The date range is not valid",
        "Give `from` before `to`, at most 366 days apart.",
        "日期範圍無效",
        "「由」須早於「至」，相隔不超過366日。",
    ),
    (
        "forbidden",
        "Not allowed",
        "You may not do this.",
        "不允許",
        "你不可以進行此操作。",
    ),
    (
        "officer_api_disabled",
        "The registration office API is not enabled",
        "Set EHEALTH_OFFICER_TOKEN to enable it.",
        "登記辦事處介面未啟用",
        "請設定 EHEALTH_OFFICER_TOKEN 以啟用。",
    ),
    (
        "already_verified",
        "This patient is already verified",
        "Nothing was changed.",
        "此病人已經核實身份",
        "未有任何更改。",
    ),
];

/// Field reason codes: (code, English, Chinese).
pub const FIELDS: &[(&str, &str, &str)] = &[
    ("required", "This field is required.", "此欄位必須填寫。"),
    (
        "invalid_type",
        "This field has the wrong type.",
        "此欄位類型錯誤。",
    ),
    (
        "invalid_value",
        "This value is not one of the allowed values.",
        "此值不在允許的選項之內。",
    ),
    (
        "invalid_format",
        "This value is not in the expected format.",
        "此值格式不正確。",
    ),
    (
        "invalid_check_digit",
        "The check digit does not match the identity number.",
        "核對數字與身份證號碼不符。",
    ),
    ("too_long", "This value is too long.", "此值過長。"),
    ("too_short", "This value is too short.", "此值過短。"),
    ("in_future", "This date is in the future.", "此日期在將來。"),
    (
        "out_of_range",
        "This value is out of range.",
        "此值超出範圍。",
    ),
    (
        "not_above_diastolic",
        "Systolic pressure must be higher than diastolic.",
        "上壓必須高於下壓。",
    ),
    (
        "unknown_field",
        "This field is not recognised.",
        "無法識別此欄位。",
    ),
];

pub fn problem_text(code: &str, lang: Lang) -> (&'static str, Option<&'static str>) {
    let entry = PROBLEMS
        .iter()
        .find(|p| p.0 == code)
        .or_else(|| PROBLEMS.iter().find(|p| p.0 == "bad_request"));
    match (entry, lang) {
        (Some(p), Lang::En) => (p.1, Some(p.2)),
        (Some(p), Lang::ZhHk) => (p.3, Some(p.4)),
        (None, _) => ("Error", None),
    }
}

pub fn field_text(code: &str, lang: Lang) -> &'static str {
    match (FIELDS.iter().find(|f| f.0 == code), lang) {
        (Some(f), Lang::En) => f.1,
        (Some(f), Lang::ZhHk) => f.2,
        (None, Lang::En) => "This value is not valid.",
        (None, Lang::ZhHk) => "此值無效。",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn lang(v: &str) -> Lang {
        let mut h = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(ACCEPT_LANGUAGE, v);
        }
        Lang::from_headers(&h)
    }

    #[test]
    fn accept_language_picks_the_preferred_language_we_speak() {
        assert_eq!(lang("zh-HK"), Lang::ZhHk);
        assert_eq!(lang("zh-Hant-HK,zh;q=0.9,en;q=0.8"), Lang::ZhHk);
        assert_eq!(lang("en-GB,zh-HK;q=0.5"), Lang::En);
        assert_eq!(lang("fr-FR,zh-HK;q=0.7"), Lang::ZhHk);
        assert_eq!(lang("fr"), Lang::En);
        assert_eq!(lang(""), Lang::En);
    }

    #[test]
    fn every_code_has_distinct_text_in_both_languages() {
        let mut seen = std::collections::HashSet::new();
        for (code, en_t, en_d, zh_t, zh_d) in PROBLEMS {
            assert!(seen.insert(*code), "{code} listed twice");
            assert!(!en_t.is_empty() && !en_d.is_empty() && !zh_t.is_empty() && !zh_d.is_empty());
            assert_ne!(en_t, zh_t, "{code} is not translated");
        }
        for (code, en, zh) in FIELDS {
            assert_ne!(en, zh, "{code} is not translated");
        }
    }
}
