//! Every email we send, in English and Traditional Chinese. None carries an identity number or
//! health data: only names of providers, reference numbers, dates and one-time codes.

use serde::{Deserialize, Serialize};

/// One item the office asked an applicant to supplement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub section: String,
    pub message: String,
}

/// A staff account's one-time set-up code (the seed's "set-up password").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupCode {
    pub name: String,
    pub code: String,
}

/// An email's content; stored as its JSON (`template` names the variant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "template", rename_all = "snake_case")]
pub enum Mail {
    EmailConfirmation {
        code: String,
    },
    ApplicationSubmitted {
        reference: String,
    },
    SupplementRequested {
        reference: String,
        items: Vec<Item>,
    },
    ApplicationAccepted {
        reference: String,
        provider: String,
        registered_on: String,
    },
    SetupCodes {
        reference: String,
        accounts: Vec<SetupCode>,
    },
    ApplicationRejected {
        reference: String,
        reason: String,
    },
    AssistanceAnswered {
        reference: String,
        message: String,
    },
}

impl Mail {
    /// The template's name, as stored.
    pub fn template(&self) -> &'static str {
        match self {
            Self::EmailConfirmation { .. } => "email_confirmation",
            Self::ApplicationSubmitted { .. } => "application_submitted",
            Self::SupplementRequested { .. } => "supplement_requested",
            Self::ApplicationAccepted { .. } => "application_accepted",
            Self::SetupCodes { .. } => "setup_codes",
            Self::ApplicationRejected { .. } => "application_rejected",
            Self::AssistanceAnswered { .. } => "assistance_answered",
        }
    }

    /// (subject, plain-text body) in `locale` (`zh-HK` or English).
    pub fn render(&self, locale: &str) -> (String, String) {
        let [subject_en, subject_zh, body_en, body_zh] = self
            .first_texts()
            .or_else(|| self.later_texts())
            .unwrap_or_default();
        if locale.starts_with("zh") {
            (subject_zh, body_zh)
        } else {
            (subject_en, body_en)
        }
    }

    /// [subject en, subject zh, body en, body zh] of the confirmation, submission and
    /// acceptance emails.
    fn first_texts(&self) -> Option<[String; 4]> {
        Some(match self {
            Self::EmailConfirmation { code } => [
                "Confirm your email address".into(),
                "確認你的電郵地址".into(),
                format!("Your confirmation code is {code}. It is valid for 30 minutes.\n"),
                format!("你的確認碼是 {code}，30 分鐘內有效。\n"),
            ],
            Self::ApplicationSubmitted { reference } => [
                format!("Application {reference} received"),
                format!("已收到申請 {reference}"),
                format!(
                    "We have received your application {reference}. You can follow its progress after signing in.\n"
                ),
                format!("我們已收到你的申請 {reference}。登入後可查閱申請進度。\n"),
            ],
            Self::ApplicationAccepted {
                reference,
                provider,
                registered_on,
            } => [
                format!("Application {reference} accepted"),
                format!("申請 {reference} 已獲接納"),
                format!(
                    "The application of {provider} is accepted. The registration becomes successful on {registered_on}. Until then your user administrator can set up staff accounts and systems; set-up codes follow in a separate email. Technical assistance is available until that date.\n"
                ),
                format!(
                    "{provider} 的申請已獲接納，登記將於 {registered_on} 生效。在此之前，你的用戶管理員可設定職員帳戶及系統；設定密碼將另以電郵發出。在該日期前可申請技術支援。\n"
                ),
            ],
            _ => return None,
        })
    }

    /// The same for the supplement, set-up, rejection and assistance emails.
    fn later_texts(&self) -> Option<[String; 4]> {
        let list = |items: Vec<(String, String)>| -> String {
            items.iter().map(|(a, b)| format!("- {a}: {b}\n")).collect()
        };
        Some(match self {
            Self::SupplementRequested { reference, items } => {
                let list = list(
                    items
                        .iter()
                        .map(|i| (i.section.clone(), i.message.clone()))
                        .collect(),
                );
                [
                    format!("Application {reference}: information needed"),
                    format!("申請 {reference}：需補充資料"),
                    format!("Please supplement the following and submit again:\n{list}"),
                    format!("請補充以下資料並再次遞交：\n{list}"),
                ]
            }
            Self::SetupCodes {
                reference,
                accounts,
            } => {
                let list = list(
                    accounts
                        .iter()
                        .map(|a| (a.name.clone(), a.code.clone()))
                        .collect(),
                );
                [
                    format!("Application {reference}: set-up codes"),
                    format!("申請 {reference}：設定密碼"),
                    format!(
                        "Each person enrols a passkey with their own code (valid for 7 days):\n{list}"
                    ),
                    format!("每位人員以自己的密碼登記通行密鑰（7 日內有效）：\n{list}"),
                ]
            }
            Self::ApplicationRejected { reference, reason } => [
                format!("Application {reference} not accepted"),
                format!("申請 {reference} 未獲接納"),
                format!("Your application was not accepted: {reason}\n"),
                format!("你的申請未獲接納：{reason}\n"),
            ],
            Self::AssistanceAnswered { reference, message } => [
                format!("Application {reference}: technical assistance"),
                format!("申請 {reference}：技術支援"),
                format!("{message}\n"),
                format!("{message}\n"),
            ],
            _ => return None,
        })
    }
}

/// `a***@example.com`: enough to tell addresses apart in a log, not to write to them.
pub fn masked(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mail_renders_in_both_languages_and_keeps_its_values() {
        let mail = Mail::ApplicationAccepted {
            reference: "HCPA-2026-000001".into(),
            provider: "Harbour Clinic".into(),
            registered_on: "2026-12-14".into(),
        };
        let (subject, body) = mail.render("en");
        assert!(subject.contains("HCPA-2026-000001") && body.contains("2026-12-14"));
        let (subject, body) = mail.render("zh-HK");
        assert!(subject.contains("接納") && body.contains("Harbour Clinic"));
        let back: Mail = serde_json::from_value(serde_json::to_value(&mail).unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, mail);
    }

    #[test]
    fn every_kind_of_mail_has_a_subject_and_a_body() {
        let all = [
            Mail::EmailConfirmation { code: "1".into() },
            Mail::ApplicationSubmitted {
                reference: "R".into(),
            },
            Mail::SupplementRequested {
                reference: "R".into(),
                items: vec![],
            },
            Mail::ApplicationAccepted {
                reference: "R".into(),
                provider: "P".into(),
                registered_on: "D".into(),
            },
            Mail::SetupCodes {
                reference: "R".into(),
                accounts: vec![],
            },
            Mail::ApplicationRejected {
                reference: "R".into(),
                reason: "X".into(),
            },
            Mail::AssistanceAnswered {
                reference: "R".into(),
                message: "M".into(),
            },
        ];
        for mail in all {
            for locale in ["en", "zh-HK"] {
                let (subject, body) = mail.render(locale);
                assert!(!subject.is_empty() && !body.is_empty(), "{mail:?} {locale}");
            }
        }
    }

    #[test]
    fn recipients_are_masked() {
        assert_eq!(masked("chan.tai.man@example.com"), "c***@example.com");
        assert_eq!(masked("nonsense"), "***");
    }
}
