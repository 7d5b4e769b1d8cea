//! Identity documents: validation, normalisation, the uniqueness key and masking.

use ehealth_contracts::{FieldCode, IdentityDocument, IdentityDocumentType};

use super::hkid::{Hkid, HkidError};
use crate::error::FieldError;

/// A validated identity document. The number never appears in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct ValidIdentity {
    pub doc_type: IdentityDocumentType,
    pub issuing_country: Option<String>,
    /// Normalised number (HKID without brackets, others upper case without spaces).
    number: String,
    masked: String,
}

impl std::fmt::Debug for ValidIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidIdentity")
            .field("doc_type", &self.doc_type)
            .field("masked", &self.masked)
            .finish()
    }
}

impl ValidIdentity {
    /// Validates `doc`, reporting problems under `prefix` (e.g. `identity_document`).
    pub fn parse(doc: &IdentityDocument, prefix: &str) -> Result<Self, Vec<FieldError>> {
        let field = |name: &str| format!("{prefix}.{name}");
        // A country given with any document must be an ISO 3166-1 code, even where it is unused
        // (an empty one on a passport is reported as `required` below).
        let malformed = match doc.issuing_country.as_deref().map(str::trim) {
            Some("") => doc.doc_type != IdentityDocumentType::Passport,
            Some(c) => !((2..=3).contains(&c.len()) && c.chars().all(|x| x.is_ascii_alphabetic())),
            None => false,
        };
        if malformed {
            return Err(vec![FieldError::new(
                field("issuing_country"),
                FieldCode::InvalidFormat,
            )]);
        }
        match doc.doc_type {
            IdentityDocumentType::Hkid | IdentityDocumentType::HkBirthCert => {
                Self::hong_kong(doc, &field)
            }
            other => Self::other_document(doc, other, &field),
        }
    }

    /// A Hong Kong identity card or birth certificate: the HKID rules, check digit included.
    fn hong_kong(
        doc: &IdentityDocument,
        field: &dyn Fn(&str) -> String,
    ) -> Result<Self, Vec<FieldError>> {
        let hkid = Hkid::parse(&doc.number).map_err(|e| {
            vec![FieldError::new(
                field("number"),
                match e {
                    HkidError::Format => FieldCode::InvalidFormat,
                    HkidError::CheckDigit => FieldCode::InvalidCheckDigit,
                },
            )]
        })?;
        Ok(Self {
            doc_type: doc.doc_type,
            issuing_country: None,
            masked: hkid.masked(),
            number: hkid.normalised().to_owned(),
        })
    }

    /// A passport or another document: letters and digits, with the issuing country.
    fn other_document(
        doc: &IdentityDocument,
        other: IdentityDocumentType,
        field: &dyn Fn(&str) -> String,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let number: String = doc
            .number
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if number.is_empty() {
            errors.push(FieldError::new(field("number"), FieldCode::Required));
        } else if number.len() > 20 || !number.chars().all(|c| c.is_ascii_alphanumeric()) {
            errors.push(FieldError::new(field("number"), FieldCode::InvalidFormat));
        }
        let country = match (other, doc.issuing_country.as_deref().map(str::trim)) {
            (IdentityDocumentType::Passport, None | Some("")) => {
                errors.push(FieldError::new(
                    field("issuing_country"),
                    FieldCode::Required,
                ));
                None
            }
            (_, Some(c)) if !c.is_empty() => {
                let c = c.to_ascii_uppercase();
                if !(2..=3).contains(&c.len()) || !c.chars().all(|x| x.is_ascii_uppercase()) {
                    errors.push(FieldError::new(
                        field("issuing_country"),
                        FieldCode::InvalidFormat,
                    ));
                }
                Some(c)
            }
            _ => None,
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let shown: String = number.chars().take(3).collect();
        Ok(Self {
            doc_type: other,
            issuing_country: country,
            masked: format!(
                "{shown}{}",
                "*".repeat(number.len().saturating_sub(3).max(3))
            ),
            number,
        })
    }

    /// The text hashed for uniqueness. An HKID and a Hong Kong birth certificate carry the same
    /// number for the same person, so they share one namespace.
    pub fn uniqueness_key(&self) -> String {
        match self.doc_type {
            IdentityDocumentType::Hkid | IdentityDocumentType::HkBirthCert => {
                format!("hk:{}", self.number)
            }
            other => format!(
                "{}:{}:{}",
                other.as_str(),
                self.issuing_country.as_deref().unwrap_or("-"),
                self.number
            ),
        }
    }

    pub fn number(&self) -> &str {
        &self.number
    }

    pub fn masked(&self) -> &str {
        &self.masked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(t: IdentityDocumentType, number: &str, country: Option<&str>) -> IdentityDocument {
        IdentityDocument {
            doc_type: t,
            number: number.to_owned(),
            issuing_country: country.map(str::to_owned),
        }
    }

    #[test]
    fn an_hkid_and_a_birth_certificate_with_one_number_are_one_person() {
        let a = ValidIdentity::parse(&doc(IdentityDocumentType::Hkid, "A123456(3)", None), "d");
        let b = ValidIdentity::parse(
            &doc(IdentityDocumentType::HkBirthCert, "a1234563", None),
            "d",
        );
        assert_eq!(
            a.map(|v| v.uniqueness_key()).ok(),
            b.map(|v| v.uniqueness_key()).ok()
        );
    }

    #[test]
    fn a_country_given_with_any_document_must_be_an_iso_code() {
        for (doc_type, country) in [
            (IdentityDocumentType::Hkid, ""),
            (IdentityDocumentType::Hkid, "Hong Kong"),
            (IdentityDocumentType::Passport, "G1"),
        ] {
            let number = if doc_type == IdentityDocumentType::Hkid {
                "A123456(3)"
            } else {
                "K1234567"
            };
            assert_eq!(
                ValidIdentity::parse(&doc(doc_type, number, Some(country)), "d").err(),
                Some(vec![FieldError::new(
                    "d.issuing_country",
                    FieldCode::InvalidFormat
                )]),
                "{country:?}"
            );
        }
    }

    #[test]
    fn a_passport_needs_its_issuing_country() {
        let e = ValidIdentity::parse(&doc(IdentityDocumentType::Passport, "E1234567", None), "d");
        assert_eq!(
            e.err(),
            Some(vec![FieldError::new(
                "d.issuing_country",
                FieldCode::Required
            )])
        );
        let ok = ValidIdentity::parse(
            &doc(IdentityDocumentType::Passport, "e 123 4567", Some("gbr")),
            "d",
        );
        assert_eq!(
            ok.map(|v| (v.uniqueness_key(), v.masked().to_owned())).ok(),
            Some(("passport:GBR:E1234567".to_owned(), "E12*****".to_owned()))
        );
    }

    #[test]
    fn a_wrong_check_digit_names_the_field() {
        let e = ValidIdentity::parse(
            &doc(IdentityDocumentType::Hkid, "A123456(4)", None),
            "identity_document",
        );
        assert_eq!(
            e.err(),
            Some(vec![FieldError::new(
                "identity_document.number",
                FieldCode::InvalidCheckDigit
            )])
        );
    }
}
