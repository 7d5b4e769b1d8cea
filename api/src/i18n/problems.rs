//! The title and detail of every problem code, in English and Traditional Chinese (Hong Kong).
//! The table is one exhaustive `match` on [`ErrorCode`]: a new code without both texts does not
//! compile.

use ehealth_contracts::ErrorCode;

use super::{Lang, Text};

/// What a person reads for one problem code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProblemText {
    pub en: Text,
    pub zh_hk: Text,
}

impl ProblemText {
    pub fn of(code: ErrorCode) -> Self {
        problem_text(code)
    }

    pub fn in_lang(self, lang: Lang) -> Text {
        match lang {
            Lang::En => self.en,
            Lang::ZhHk => self.zh_hk,
        }
    }
}

macro_rules! problem_texts {
    ($($code:ident { en: $en_t:literal / $en_d:literal, zh: $zh_t:literal / $zh_d:literal, })+) => {
        fn problem_text(code: ErrorCode) -> ProblemText {
            match code {
                $(ErrorCode::$code => ProblemText {
                    en: Text { title: $en_t, detail: $en_d },
                    zh_hk: Text { title: $zh_t, detail: $zh_d },
                },)+
            }
        }
    };
}

problem_texts! {
    BadRequest {
        en: "The request is not valid" / "Check the request and try again.",
        zh: "請求無效" / "請檢查請求後再試。",
    }
    MalformedJson {
        en: "The request body is not valid JSON" / "Send a well-formed JSON document.",
        zh: "請求內容不是有效的 JSON" / "請傳送格式正確的 JSON 文件。",
    }
    UnsupportedMediaType {
        en: "Unsupported content type" / "Send the body as application/json.",
        zh: "不支援的內容類型" / "請以 application/json 格式傳送內容。",
    }
    PayloadTooLarge {
        en: "The request body is too large" / "Send a smaller body.",
        zh: "請求內容過大" / "請傳送較小的內容。",
    }
    NotFound {
        en: "Not found" / "There is nothing at this address, or you may not see it.",
        zh: "找不到" / "此位址沒有內容，或你無權查看。",
    }
    MethodNotAllowed {
        en: "Method not allowed" / "This address does not accept this HTTP method.",
        zh: "不允許的方法" / "此位址不接受此 HTTP 方法。",
    }
    RequestTimeout {
        en: "The request took too long" / "Try again.",
        zh: "請求逾時" / "請再試一次。",
    }
    ValidationFailed {
        en: "The request has invalid fields" / "Correct the listed fields and try again.",
        zh: "請求有無效的欄位" / "請更正所列欄位後再試。",
    }
    RateLimited {
        en: "Too many attempts" / "Wait a moment before trying again.",
        zh: "嘗試次數過多" / "請稍候再試。",
    }
    ServiceUnavailable {
        en: "The service is temporarily unavailable" / "Try again shortly.",
        zh: "服務暫時無法使用" / "請稍後再試。",
    }
    InternalError {
        en: "Something went wrong on our side" / "Try again later. If it keeps happening, contact support.",
        zh: "系統發生錯誤" / "請稍後再試。如問題持續，請聯絡我們。",
    }
    RequiresSubstituteDecisionMaker {
        en: "A substitute decision maker must register this person" / "People under 16 cannot register themselves. A parent or other substitute decision maker must register them.",
        zh: "須由代決人登記" / "未滿16歲人士不能自行登記，須由父母或其他代決人代為登記。",
    }
    AlreadyRegistered {
        en: "This identity document is already registered" / "Sign in instead, or contact the registration office.",
        zh: "此身份證明文件已經登記" / "請直接登入，或聯絡登記辦事處。",
    }
    RegistrationExpired {
        en: "This registration has expired" / "Start the registration again.",
        zh: "此登記已逾時" / "請重新開始登記。",
    }
    RegistrationAlreadyCompleted {
        en: "This registration is already complete" / "Sign in with your passkey.",
        zh: "此登記已經完成" / "請使用你的通行密鑰登入。",
    }
    CredentialAlreadyRegistered {
        en: "This passkey is already registered" / "Use a different passkey.",
        zh: "此通行密鑰已經登記" / "請使用另一個通行密鑰。",
    }
    InvalidCredential {
        en: "The passkey response could not be verified" / "Try the passkey step again.",
        zh: "無法驗證通行密鑰回應" / "請重新進行通行密鑰步驟。",
    }
    OriginMismatch {
        en: "The passkey response came from an origin we do not accept" / "Use the official app or website.",
        zh: "通行密鑰回應來自不被接受的來源" / "請使用官方應用程式或網站。",
    }
    RpIdMismatch {
        en: "The passkey was made for another service" / "Use a passkey created for this service.",
        zh: "此通行密鑰屬於其他服務" / "請使用為本服務建立的通行密鑰。",
    }
    ChallengeMismatch {
        en: "The passkey response answers a different challenge" / "Start again.",
        zh: "通行密鑰回應與驗證挑戰不符" / "請重新開始。",
    }
    UserVerificationRequired {
        en: "The passkey did not verify the user" / "Unlock with your fingerprint, face or screen lock.",
        zh: "通行密鑰未有驗證使用者" / "請使用指紋、面容或螢幕鎖解鎖。",
    }
    ChallengeInvalid {
        en: "This sign-in challenge is unknown, used or expired" / "Start the sign-in again.",
        zh: "此登入驗證挑戰無效、已使用或已逾時" / "請重新登入。",
    }
    UnknownCredential {
        en: "This passkey is not registered" / "Register first, or use another passkey.",
        zh: "此通行密鑰未有登記" / "請先登記，或使用另一個通行密鑰。",
    }
    CounterRegression {
        en: "This passkey may have been copied" / "The passkey's signature counter went backwards. Contact support.",
        zh: "此通行密鑰可能已被複製" / "通行密鑰的簽署計數倒退，請聯絡我們。",
    }
    AccountWithdrawn {
        en: "This account has been withdrawn" / "Contact the registration office to rejoin.",
        zh: "此帳戶已退出" / "請聯絡登記辦事處重新參加。",
    }
    Unauthenticated {
        en: "Sign-in required" / "Send an access token in the Authorization header.",
        zh: "需要登入" / "請在 Authorization 標頭中提供存取權杖。",
    }
    InvalidToken {
        en: "The token is invalid or expired" / "Refresh the session or sign in again.",
        zh: "權杖無效或已過期" / "請更新工作階段或重新登入。",
    }
    RefreshTokenReused {
        en: "This refresh token was already used" / "For your safety the session has been ended. Sign in again.",
        zh: "此更新權杖已被使用" / "為保障安全，工作階段已結束。請重新登入。",
    }
    Conflict {
        en: "The request conflicts with the current state" / "Reload and try again.",
        zh: "請求與目前狀態衝突" / "請重新載入後再試。",
    }
    UnsupportedProtocol {
        en: "This app speaks a sync protocol the server does not" / "Update the app.",
        zh: "伺服器不支援此應用程式的同步協定" / "請更新應用程式。",
    }
    UnsupportedSchemaVersion {
        en: "This app's data schema is not supported" / "Update the app.",
        zh: "不支援此應用程式的資料結構版本" / "請更新應用程式。",
    }
    SeqGap {
        en: "Mutations are missing before this batch" / "Send the pending mutations from the expected seq.",
        zh: "此批次之前有遺漏的變更" / "請由預期的序號開始傳送待處理的變更。",
    }
    InvalidSeq {
        en: "The mutation numbers are not valid" / "Number mutations 1, 2, 3... without repeats.",
        zh: "變更序號無效" / "請以 1、2、3… 為變更編號，不可重複。",
    }
    InvalidCursor {
        en: "The cursor is not valid" / "Start again without a cursor.",
        zh: "游標無效" / "請不帶游標重新開始。",
    }
    BatchTooLarge {
        en: "Too many mutations in one push" / "Send at most the configured number of mutations per push.",
        zh: "單次推送的變更過多" / "請減少每次推送的變更數目。",
    }
    UnknownDevice {
        en: "This device is not one of yours" / "Sign in again on this device.",
        zh: "此裝置不屬於你" / "請在此裝置重新登入。",
    }
    InvalidRange {
        en: "The date range is not valid" / "Give `from` before `to`, at most 366 days apart.",
        zh: "日期範圍無效" / "「由」須早於「至」，相隔不超過366日。",
    }
    Forbidden {
        en: "Not allowed" / "You may not do this.",
        zh: "不允許" / "你不可以進行此操作。",
    }
    OfficerApiDisabled {
        en: "The registration office API is not enabled" / "Set EHEALTH_OFFICER_TOKEN to enable it.",
        zh: "登記辦事處介面未啟用" / "請設定 EHEALTH_OFFICER_TOKEN 以啟用。",
    }
    OfficerRoleRequired {
        en: "Your officer role does not allow this" / "Ask a supervisor for the role this needs.",
        zh: "你的職員角色不可進行此操作" / "請向主管申請所需的角色。",
    }
    LastSupervisor {
        en: "The last supervisor cannot be removed" / "Give another officer the supervisor role first.",
        zh: "不可移除最後一位主管" / "請先把主管角色給予另一位職員。",
    }
    AlreadyVerified {
        en: "This patient is already verified" / "Nothing was changed.",
        zh: "此病人已經核實身份" / "未有任何更改。",
    }
    SdmNotVerified {
        en: "Your identity must be verified first" / "A substitute decision maker must be a verified patient. Have your identity checked at a registration centre or with iAM Smart.",
        zh: "請先核實你的身份" / "代決人必須是已核實身份的登記者。請到登記中心或透過「智方便」核實身份。",
    }
    SdmNotEligible {
        en: "You cannot act as a substitute decision maker" / "A substitute decision maker must be 16 or over.",
        zh: "你不可以擔任代決人" / "代決人必須年滿16歲。",
    }
    IncapableOfConsentRequired {
        en: "This person is 16 or over" / "A person of 16 or over registers themselves, unless they are incapable of giving consent: then set `incapable_of_consent`.",
        zh: "此人已年滿16歲" / "年滿16歲人士須自行登記；如其無能力給予同意，請設定「無能力給予同意」。",
    }
    CannotBeOwnSdm {
        en: "You cannot be your own substitute decision maker" / "The identity document is your own.",
        zh: "你不可以成為自己的代決人" / "此身份證明文件屬於你本人。",
    }
    IdentityProofMismatch {
        en: "The details do not match a registration" / "This identity document is registered with other details. Check the document number and date of birth.",
        zh: "資料與登記紀錄不符" / "此身份證明文件已以其他資料登記。請檢查證件號碼及出生日期。",
    }
    SdmLinkExists {
        en: "You are already a substitute decision maker for this person" / "Your existing link is pending review or active.",
        zh: "你已是此人的代決人" / "你現有的代決人連結正在審核或已生效。",
    }
    SdmAuthorityEnded {
        en: "Your authority as substitute decision maker has ended" / "The person has turned 16 and now manages their own record.",
        zh: "你作為代決人的權限已終止" / "此人已年滿16歲，現自行管理其紀錄。",
    }
    SdmPriorityInsufficient {
        en: "You cannot remove this substitute decision maker" / "Only a substitute decision maker of higher priority can remove another.",
        zh: "你不可以移除此代決人" / "只有優先次序較高的代決人才可移除其他代決人。",
    }
    SdmLinkClosed {
        en: "This link has already ended" / "Nothing was changed.",
        zh: "此連結已經終止" / "未有任何更改。",
    }
    SdmLinkNotPending {
        en: "This link is not waiting for review" / "Documents and decisions apply only while a link is pending review.",
        zh: "此連結並非正在審核" / "只可在連結審核期間上載文件或作出決定。",
    }
    DocumentMissing {
        en: "No supporting document has been uploaded" / "Upload the supporting document before the link can be approved.",
        zh: "尚未上載證明文件" / "須先上載證明文件，連結方可獲批核。",
    }
    UnsupportedDocumentType {
        en: "This document type is not accepted" / "Upload a PDF, JPEG or PNG file.",
        zh: "不接受此文件類型" / "請上載 PDF、JPEG 或 PNG 檔案。",
    }
    DocumentTypeMismatch {
        en: "The file's content does not match its type" / "The Content-Type says one format but the file is another (or is damaged).",
        zh: "檔案內容與類型不符" / "Content-Type 所示格式與檔案實際格式不同（或檔案已損壞）。",
    }
    DocumentTooLarge {
        en: "The document is too large" / "A supporting document can be at most 10 MB.",
        zh: "文件過大" / "證明文件不可超過10MB。",
    }
    ClaimCodeNotAvailable {
        en: "A claim code cannot be issued now" / "A substitute decision maker can ask for one in the 30 days before the 16th birthday; the registration office from the birthday on.",
        zh: "現時不可發出領取碼" / "代決人可於16歲生日前30日內申請；登記辦事處可於生日當日起發出。",
    }
    AlreadyClaimed {
        en: "This account already has its own sign-in" / "The person already holds a passkey for this account.",
        zh: "此帳戶已可自行登入" / "此人已為此帳戶設定通行密鑰。",
    }
    ClaimInvalid {
        en: "The account cannot be claimed with these details" / "Check the identity document, date of birth and claim code.",
        zh: "無法以此資料領取帳戶" / "請檢查身份證明文件、出生日期及領取碼。",
    }
    ClaimTooEarly {
        en: "The account can be claimed from the 16th birthday" / "Until then your substitute decision maker manages it.",
        zh: "須年滿16歲方可領取帳戶" / "在此之前，帳戶由你的代決人管理。",
    }
    DocumentChanged {
        en: "The document has changed since it was examined" / "The SDM uploaded a new document. Examine the current one and approve with its sha256.",
        zh: "文件在審閱後已被更改" / "代決人已上載新文件。請審閱最新文件，並以其 sha256 批核。",
    }
    UserAdminRequired {
        en: "Only a user administrator can do this" / "Ask your HCP's user administrator.",
        zh: "只有用戶管理員可以進行此操作" / "請聯絡你所屬醫護提供者的用戶管理員。",
    }
    StaffDeactivated {
        en: "This staff account is deactivated" / "Ask your HCP's user administrator.",
        zh: "此職員帳戶已停用" / "請聯絡你所屬醫護提供者的用戶管理員。",
    }
    AccountDeactivated {
        en: "This account is deactivated" / "Ask the registration office's supervisor.",
        zh: "此帳戶已停用" / "請聯絡登記辦事處主管。",
    }
    EmailNotConfirmed {
        en: "Confirm your email address first" / "Enter the code we emailed you.",
        zh: "請先確認你的電郵地址" / "請輸入我們以電郵發出的確認碼。",
    }
    EmailCodeInvalid {
        en: "The confirmation code is wrong or has expired" / "Check the latest email, or ask for a new code.",
        zh: "確認碼錯誤或已過期" / "請查看最新的電郵，或申請新的確認碼。",
    }
    ApplicationExists {
        en: "You already have an application in progress" / "Continue that one, or withdraw it first.",
        zh: "你已有一份處理中的申請" / "請繼續該申請，或先撤回。",
    }
    ApplicationNotEditable {
        en: "This part of the application cannot be changed now" / "Only a draft, or the parts the office asked to supplement, can be changed.",
        zh: "申請的這部分現時不可更改" / "只有草稿或辦事處要求補充的部分可以更改。",
    }
    ApplicationIncomplete {
        en: "The application is not complete" / "The review lists what is still missing.",
        zh: "申請尚未完成" / "請查看審閱頁列出的欠缺資料。",
    }
    ApplicationDecided {
        en: "The application is already decided" / "Nothing was changed.",
        zh: "申請已有決定" / "未有任何更改。",
    }
    AssistanceWindowClosed {
        en: "Technical assistance can be asked for only within 14 days of acceptance" / "Contact the registration office by phone.",
        zh: "只可在申請獲接納後 14 日內申請技術支援" / "請致電登記辦事處。",
    }
    HcpNotRegistered {
        en: "This healthcare provider is not registered yet" / "Its registration becomes successful 14 days after acceptance.",
        zh: "此醫護提供者尚未完成登記" / "登記於申請獲接納後 14 日生效。",
    }
    LastUserAdmin {
        en: "A provider must keep an active user administrator" / "Add or enrol another user administrator first.",
        zh: "醫護提供者必須保留一位有效的用戶管理員" / "請先加入或登記另一位用戶管理員。",
    }
    LastLocation {
        en: "A provider must keep at least one service location" / "Add another location first.",
        zh: "醫護提供者必須保留最少一個服務地點" / "請先加入另一個地點。",
    }
    RequestDecided {
        en: "This request is already decided" / "Nothing was changed.",
        zh: "此申請已有決定" / "未有任何更改。",
    }
    NotSameProfessional {
        en: "This account is for another professional" / "Enrol with a new passkey, or use the code meant for you.",
        zh: "此帳戶屬於另一位醫護專業人員" / "請以新的通行密鑰登記，或使用發給你的密碼。",
    }
    EnrolmentCodeInvalid {
        en: "The enrolment code is not valid" / "It is unknown, used or expired. Ask for a new one.",
        zh: "登記碼無效" / "登記碼不存在、已使用或已過期。請索取新的登記碼。",
    }
    AccessKeyInvalid {
        en: "The access key is not valid" / "Check the identity document and the 8-digit access key.",
        zh: "存取密碼無效" / "請檢查身份證明文件及8位數字存取密碼。",
    }
    AccessKeyLocked {
        en: "The access key is locked" / "Too many wrong attempts. Try again in 15 minutes or make a new key in the app.",
        zh: "存取密碼已被鎖定" / "錯誤嘗試次數過多。請於15分鐘後再試，或在應用程式產生新密碼。",
    }
    PatientNotVerified {
        en: "The patient's identity is not verified" / "Sharing starts once the identity has been verified.",
        zh: "登記者身份尚未核實" / "身份核實後方可開始互通。",
    }
    PatientWithdrawn {
        en: "The patient has withdrawn" / "The record is no longer shared.",
        zh: "登記者已退出" / "其紀錄已停止互通。",
    }
    NoSharingConsent {
        en: "There is no valid sharing consent" / "The patient has not given your HCP consent, or it was revoked or has expired.",
        zh: "沒有有效的互通同意" / "登記者未有給予你的醫護提供者同意，或同意已被撤回或過期。",
    }
    CategoryNotPermitted {
        en: "Your profession may not read this data" / "Ask only for the categories your role allows.",
        zh: "你的專業不可查閱此類資料" / "請只查閱你的角色獲准查閱的類別。",
    }
    CareRelationshipRequired {
        en: "The patient must be under your care" / "State that the patient is under your care.",
        zh: "登記者須在你的照顧下" / "請聲明登記者正在你的照顧下。",
    }
    PurposeRequired {
        en: "State the purpose of the read" / "Give the purpose in a few words.",
        zh: "請說明查閱目的" / "請簡述查閱目的。",
    }
    ConsentNotActive {
        en: "This consent is not active" / "It was revoked, has expired or ended.",
        zh: "此同意並非有效" / "此同意已被撤回、過期或終止。",
    }
    ConsentNotRenewable {
        en: "Only one-year consents are renewed" / "An indefinite consent lasts until revoked.",
        zh: "只有一年期同意可續期" / "無限期同意在撤回前一直有效。",
    }
    UnsupportedGrantType {
        en: "The grant type is not supported" / "Use `client_credentials`.",
        zh: "不支援此授權類型" / "請使用 client_credentials。",
    }
    InvalidClient {
        en: "The client credentials are not valid" / "Check the client id and secret.",
        zh: "用戶端憑證無效" / "請檢查用戶端編號及密鑰。",
    }
    ConsentAlreadyActive {
        en: "A consent is already active" / "The patient has already given your HCP consent.",
        zh: "已有有效同意" / "登記者已給予你的醫護提供者同意。",
    }
    ConsentRequestDecided {
        en: "This request has already been decided" / "Nothing was changed.",
        zh: "此請求已有決定" / "未有任何更改。",
    }
    SystemRevoked {
        en: "This system is already revoked" / "Nothing was changed.",
        zh: "此系統已被撤銷" / "未有任何更改。",
    }
    DocumentNotAccepted {
        en: "This document cannot be accepted" / "Upload a plain PDF (no scripts, actions or attached files) or a photo that opens.",
        zh: "無法接受此文件" / "請上載不含程式、動作或附件的 PDF，或可正常開啟的相片。",
    }
    OneYearConsentDiscontinued {
        en: "One-year consents are no longer given" / "Give an indefinite consent; it stays valid until revoked.",
        zh: "已不再提供一年期互通同意" / "請給予無限期互通同意；在撤回前一直有效。",
    }
    IdentityHasAccount {
        en: "This person holds their own account" / "Only a record nobody has signed in to can give up its identity.",
        zh: "此人已有自己的帳戶" / "只有從未有人登入的紀錄才可釋出其身份證明文件。",
    }
    CardReadUsed {
        en: "This card read was already used" / "Insert the card again to start a new read.",
        zh: "此讀卡紀錄已使用" / "請重新插入智能身份證以開始新的讀卡。",
    }
    CardReadExpired {
        en: "This card read has expired" / "Report a card read within two minutes of inserting the card.",
        zh: "此讀卡紀錄已過期" / "請於插入智能身份證後兩分鐘內提交讀卡紀錄。",
    }
    InvalidCharacters {
        en: "Text contains characters that are not allowed" / "Remove control characters (such as NUL) and direction overrides from the field named.",
        zh: "文字含有不允許的字元" / "請從所列欄位中刪除控制字元（例如 NUL）及文字方向控制字元。",
    }
}
