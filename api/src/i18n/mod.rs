//! Human text for error codes, in English and Traditional Chinese (Hong Kong).
//!
//! Apps branch on the stable `code`; these strings are what a person reads. The tables are
//! exhaustive matches on the code enums of `ehealth_contracts`, so every code has both
//! languages or the build fails.

mod fields;
mod problems;

pub use fields::field_text;
pub use problems::ProblemText;

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

/// A title and a detail in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    pub title: &'static str,
    pub detail: &'static str,
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
        use ehealth_contracts::{ErrorCode, FieldCode};
        for code in ErrorCode::ALL {
            let text = ProblemText::of(*code);
            for t in [text.en, text.zh_hk] {
                assert!(!t.title.is_empty() && !t.detail.is_empty(), "{code}");
            }
            assert_ne!(text.en.title, text.zh_hk.title, "{code} is not translated");
        }
        for code in FieldCode::ALL {
            assert_ne!(
                field_text(*code, Lang::En),
                field_text(*code, Lang::ZhHk),
                "{code} is not translated"
            );
        }
    }
}
