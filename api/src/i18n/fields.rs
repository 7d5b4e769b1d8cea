//! The message of every field code, in English and Traditional Chinese (Hong Kong): one
//! exhaustive `match` on [`FieldCode`], so a new code without both texts does not compile.

use ehealth_contracts::FieldCode;

use super::Lang;

macro_rules! field_texts {
    ($($code:ident { en: $en:literal, zh: $zh:literal, })+) => {
        /// The message for one invalid field.
        pub fn field_text(code: FieldCode, lang: Lang) -> &'static str {
            match (code, lang) {
                $((FieldCode::$code, Lang::En) => $en,
                (FieldCode::$code, Lang::ZhHk) => $zh,)+
            }
        }
    };
}

field_texts! {
    Required {
        en: "This field is required.",
        zh: "此欄位必須填寫。",
    }
    InvalidType {
        en: "This field has the wrong type.",
        zh: "此欄位類型錯誤。",
    }
    InvalidValue {
        en: "This value is not one of the allowed values.",
        zh: "此值不在允許的選項之內。",
    }
    InvalidFormat {
        en: "This value is not in the expected format.",
        zh: "此值格式不正確。",
    }
    InvalidCheckDigit {
        en: "The check digit does not match the identity number.",
        zh: "核對數字與身份證號碼不符。",
    }
    TooLong {
        en: "This value is too long.",
        zh: "此值過長。",
    }
    TooShort {
        en: "This value is too short.",
        zh: "此值過短。",
    }
    InFuture {
        en: "This date is in the future.",
        zh: "此日期在將來。",
    }
    OutOfRange {
        en: "This value is out of range.",
        zh: "此值超出範圍。",
    }
    NotAboveDiastolic {
        en: "Systolic pressure must be higher than diastolic.",
        zh: "上壓必須高於下壓。",
    }
    UnknownField {
        en: "This field is not recognised.",
        zh: "無法識別此欄位。",
    }
    NotFound {
        en: "Nothing with this id exists.",
        zh: "沒有此編號的項目。",
    }
    NotEligible {
        en: "This relationship cannot act for this person (see the priority tables).",
        zh: "此關係不可代此人行事（見優先次序表）。",
    }
    InvalidCharacters {
        en: "Contains a control character or a direction override.",
        zh: "含有控制字元或文字方向控制字元。",
    }
    Duplicate {
        en: "Already in the list.",
        zh: "已在列表中。",
    }
}
