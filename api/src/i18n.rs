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
    (
        "sdm_not_verified",
        "Your identity must be verified first",
        "A substitute decision maker must be a verified patient. Have your identity checked at a registration centre or with iAM Smart.",
        "請先核實你的身份",
        "代決人必須是已核實身份的登記者。請到登記中心或透過「智方便」核實身份。",
    ),
    (
        "sdm_not_eligible",
        "You cannot act as a substitute decision maker",
        "A substitute decision maker must be 16 or over.",
        "你不可以擔任代決人",
        "代決人必須年滿16歲。",
    ),
    (
        "incapable_of_consent_required",
        "This person is 16 or over",
        "A person of 16 or over registers themselves, unless they are incapable of giving consent: then set `incapable_of_consent`.",
        "此人已年滿16歲",
        "年滿16歲人士須自行登記；如其無能力給予同意，請設定「無能力給予同意」。",
    ),
    (
        "cannot_be_own_sdm",
        "You cannot be your own substitute decision maker",
        "The identity document is your own.",
        "你不可以成為自己的代決人",
        "此身份證明文件屬於你本人。",
    ),
    (
        "identity_proof_mismatch",
        "The details do not match a registration",
        "This identity document is registered with other details. Check the document number and date of birth.",
        "資料與登記紀錄不符",
        "此身份證明文件已以其他資料登記。請檢查證件號碼及出生日期。",
    ),
    (
        "sdm_link_exists",
        "You are already a substitute decision maker for this person",
        "Your existing link is pending review or active.",
        "你已是此人的代決人",
        "你現有的代決人連結正在審核或已生效。",
    ),
    (
        "sdm_authority_ended",
        "Your authority as substitute decision maker has ended",
        "The person has turned 16 and now manages their own record.",
        "你作為代決人的權限已終止",
        "此人已年滿16歲，現自行管理其紀錄。",
    ),
    (
        "sdm_priority_insufficient",
        "You cannot remove this substitute decision maker",
        "Only a substitute decision maker of higher priority can remove another.",
        "你不可以移除此代決人",
        "只有優先次序較高的代決人才可移除其他代決人。",
    ),
    (
        "sdm_link_closed",
        "This link has already ended",
        "Nothing was changed.",
        "此連結已經終止",
        "未有任何更改。",
    ),
    (
        "sdm_link_not_pending",
        "This link is not waiting for review",
        "Documents and decisions apply only while a link is pending review.",
        "此連結並非正在審核",
        "只可在連結審核期間上載文件或作出決定。",
    ),
    (
        "document_missing",
        "No supporting document has been uploaded",
        "Upload the supporting document before the link can be approved.",
        "尚未上載證明文件",
        "須先上載證明文件，連結方可獲批核。",
    ),
    (
        "unsupported_document_type",
        "This document type is not accepted",
        "Upload a PDF, JPEG or PNG file.",
        "不接受此文件類型",
        "請上載 PDF、JPEG 或 PNG 檔案。",
    ),
    (
        "document_type_mismatch",
        "The file's content does not match its type",
        "The Content-Type says one format but the file is another (or is damaged).",
        "檔案內容與類型不符",
        "Content-Type 所示格式與檔案實際格式不同（或檔案已損壞）。",
    ),
    (
        "document_too_large",
        "The document is too large",
        "A supporting document can be at most 10 MB.",
        "文件過大",
        "證明文件不可超過10MB。",
    ),
    (
        "claim_code_not_available",
        "A claim code cannot be issued now",
        "A substitute decision maker can ask for one in the 30 days before the 16th birthday; the registration office from the birthday on.",
        "現時不可發出領取碼",
        "代決人可於16歲生日前30日內申請；登記辦事處可於生日當日起發出。",
    ),
    (
        "already_claimed",
        "This account already has its own sign-in",
        "The person already holds a passkey for this account.",
        "此帳戶已可自行登入",
        "此人已為此帳戶設定通行密鑰。",
    ),
    (
        "claim_invalid",
        "The account cannot be claimed with these details",
        "Check the identity document, date of birth and claim code.",
        "無法以此資料領取帳戶",
        "請檢查身份證明文件、出生日期及領取碼。",
    ),
    (
        "claim_too_early",
        "The account can be claimed from the 16th birthday",
        "Until then your substitute decision maker manages it.",
        "須年滿16歲方可領取帳戶",
        "在此之前，帳戶由你的代決人管理。",
    ),
    (
        "document_changed",
        "The document has changed since it was examined",
        "The SDM uploaded a new document. Examine the current one and approve with its sha256.",
        "文件在審閱後已被更改",
        "代決人已上載新文件。請審閱最新文件，並以其 sha256 批核。",
    ),
    (
        "user_admin_required",
        "Only a user administrator can do this",
        "Ask your HCP's user administrator.",
        "只有用戶管理員可以進行此操作",
        "請聯絡你所屬醫護提供者的用戶管理員。",
    ),
    (
        "staff_deactivated",
        "This staff account is deactivated",
        "Ask your HCP's user administrator.",
        "此職員帳戶已停用",
        "請聯絡你所屬醫護提供者的用戶管理員。",
    ),
    (
        "enrolment_code_invalid",
        "The enrolment code is not valid",
        "It is unknown, used or expired. Ask for a new one.",
        "登記碼無效",
        "登記碼不存在、已使用或已過期。請索取新的登記碼。",
    ),
    (
        "access_key_invalid",
        "The access key is not valid",
        "Check the identity document and the 8-digit access key.",
        "存取密碼無效",
        "請檢查身份證明文件及8位數字存取密碼。",
    ),
    (
        "access_key_locked",
        "The access key is locked",
        "Too many wrong attempts. Try again in 15 minutes or make a new key in the app.",
        "存取密碼已被鎖定",
        "錯誤嘗試次數過多。請於15分鐘後再試，或在應用程式產生新密碼。",
    ),
    (
        "patient_not_verified",
        "The patient's identity is not verified",
        "Sharing starts once the identity has been verified.",
        "登記者身份尚未核實",
        "身份核實後方可開始互通。",
    ),
    (
        "patient_withdrawn",
        "The patient has withdrawn",
        "The record is no longer shared.",
        "登記者已退出",
        "其紀錄已停止互通。",
    ),
    (
        "no_sharing_consent",
        "There is no valid sharing consent",
        "The patient has not given your HCP consent, or it was revoked or has expired.",
        "沒有有效的互通同意",
        "登記者未有給予你的醫護提供者同意，或同意已被撤回或過期。",
    ),
    (
        "category_not_permitted",
        "Your profession may not read this data",
        "Ask only for the categories your role allows.",
        "你的專業不可查閱此類資料",
        "請只查閱你的角色獲准查閱的類別。",
    ),
    (
        "care_relationship_required",
        "The patient must be under your care",
        "State that the patient is under your care.",
        "登記者須在你的照顧下",
        "請聲明登記者正在你的照顧下。",
    ),
    (
        "purpose_required",
        "State the purpose of the read",
        "Give the purpose in a few words.",
        "請說明查閱目的",
        "請簡述查閱目的。",
    ),
    (
        "consent_not_active",
        "This consent is not active",
        "It was revoked, has expired or ended.",
        "此同意並非有效",
        "此同意已被撤回、過期或終止。",
    ),
    (
        "consent_not_renewable",
        "Only one-year consents are renewed",
        "An indefinite consent lasts until revoked.",
        "只有一年期同意可續期",
        "無限期同意在撤回前一直有效。",
    ),
    (
        "unsupported_grant_type",
        "The grant type is not supported",
        "Use `client_credentials`.",
        "不支援此授權類型",
        "請使用 client_credentials。",
    ),
    (
        "invalid_client",
        "The client credentials are not valid",
        "Check the client id and secret.",
        "用戶端憑證無效",
        "請檢查用戶端編號及密鑰。",
    ),
    (
        "consent_already_active",
        "A consent is already active",
        "The patient has already given your HCP consent.",
        "已有有效同意",
        "登記者已給予你的醫護提供者同意。",
    ),
    (
        "consent_request_decided",
        "This request has already been decided",
        "Nothing was changed.",
        "此請求已有決定",
        "未有任何更改。",
    ),
    (
        "system_revoked",
        "This system is already revoked",
        "Nothing was changed.",
        "此系統已被撤銷",
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
    (
        "not_found",
        "Nothing with this id exists.",
        "沒有此編號的項目。",
    ),
    (
        "not_eligible",
        "This relationship cannot act for this person (see the priority tables).",
        "此關係不可代此人行事（見優先次序表）。",
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
