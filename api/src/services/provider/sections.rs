//! Checks of each step's fields (422 lists every field at fault), and what a provider of
//! each type must upload.

use ehealth_contracts::{
    FieldCode, HcpType, LocationsSection, ProviderSection, StaffEntry, SupportingDocument,
    UsersSection,
};

use crate::domain::person;
use crate::error::FieldError;
use crate::services::checks::text;

fn optional(
    errors: &mut Vec<FieldError>,
    raw: &Option<String>,
    field: &str,
    max: usize,
) -> Option<String> {
    raw.as_deref()
        .filter(|v| !v.trim().is_empty())
        .map(|v| text(errors, v, field, max))
}

fn phone(errors: &mut Vec<FieldError>, raw: &str, field: &str) -> String {
    person::phone(raw, field).unwrap_or_else(|e| {
        errors.push(e);
        String::new()
    })
}

fn email(errors: &mut Vec<FieldError>, raw: &str, field: &str) -> String {
    match person::email(raw, field) {
        Ok(Some(e)) => e,
        Ok(None) => {
            errors.push(FieldError::new(field, FieldCode::Required));
            String::new()
        }
        Err(e) => {
            errors.push(e);
            String::new()
        }
    }
}

/// 8 digits, optionally `-` and a 3-digit branch number.
fn business_registration(errors: &mut Vec<FieldError>, raw: &str) -> String {
    let v = raw.trim();
    let (main, branch) = v.split_once('-').unwrap_or((v, "000"));
    let digits = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
    if v.is_empty() {
        errors.push(FieldError::new(
            "business_registration_number",
            FieldCode::Required,
        ));
    } else if !(digits(main, 8) && digits(branch, 3)) {
        errors.push(FieldError::new(
            "business_registration_number",
            FieldCode::InvalidFormat,
        ));
    }
    v.to_owned()
}

pub fn provider(p: ProviderSection) -> Result<ProviderSection, Vec<FieldError>> {
    let mut e = Vec::new();
    let checked = ProviderSection {
        hcp_type: p.hcp_type,
        name_en: text(&mut e, &p.name_en, "name_en", 200),
        name_zh: text(&mut e, &p.name_zh, "name_zh", 100),
        business_registration_number: business_registration(
            &mut e,
            &p.business_registration_number,
        ),
        address_en: text(&mut e, &p.address_en, "address_en", 300),
        address_zh: optional(&mut e, &p.address_zh, "address_zh", 200),
        phone: phone(&mut e, &p.phone, "phone"),
        email: email(&mut e, &p.email, "email"),
    };
    if e.is_empty() { Ok(checked) } else { Err(e) }
}

/// One staff entry checked field by field, its fields named under `at`.
pub fn staff_entry(e: &mut Vec<FieldError>, s: &StaffEntry, at: &str) -> StaffEntry {
    let f = |n: &str| format!("{at}.{n}");
    StaffEntry {
        name_en: text(e, &s.name_en, &f("name_en"), 100),
        name_zh: optional(e, &s.name_zh, &f("name_zh"), 50),
        position: text(e, &s.position, &f("position"), 100),
        profession: s.profession,
        registration_number: text(e, &s.registration_number, &f("registration_number"), 30),
        mobile: phone(e, &s.mobile, &f("mobile")),
    }
}

pub fn users(u: UsersSection) -> Result<UsersSection, Vec<FieldError>> {
    let mut e = Vec::new();
    let a = &u.authorised_person;
    let authorised_person = ehealth_contracts::AuthorisedPerson {
        name_en: text(&mut e, &a.name_en, "authorised_person.name_en", 100),
        name_zh: optional(&mut e, &a.name_zh, "authorised_person.name_zh", 50),
        position: text(&mut e, &a.position, "authorised_person.position", 100),
        mobile: phone(&mut e, &a.mobile, "authorised_person.mobile"),
        email: email(&mut e, &a.email, "authorised_person.email"),
    };
    if u.user_admins.is_empty() {
        e.push(FieldError::new("user_admins", FieldCode::Required));
    }
    if u.user_admins.len() + u.staff.len() > 200 {
        e.push(FieldError::new("staff", FieldCode::TooLong));
    }
    let user_admins = u
        .user_admins
        .iter()
        .enumerate()
        .map(|(i, s)| staff_entry(&mut e, s, &format!("user_admins[{i}]")))
        .collect();
    let others = u
        .staff
        .iter()
        .enumerate()
        .map(|(i, s)| staff_entry(&mut e, s, &format!("staff[{i}]")))
        .collect();
    // One account per person: the same profession and registration number twice is a mistake.
    let mut seen = std::collections::HashSet::new();
    let listed = u
        .user_admins
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("user_admins[{i}]"), s))
        .chain(
            u.staff
                .iter()
                .enumerate()
                .map(|(i, s)| (format!("staff[{i}]"), s)),
        );
    for (at, s) in listed {
        let key = (
            s.profession,
            s.registration_number.trim().to_ascii_uppercase(),
        );
        if !seen.insert(key) {
            let field = format!("{at}.registration_number");
            e.push(FieldError::new(field, FieldCode::Duplicate));
        }
    }
    let checked = UsersSection {
        authorised_person,
        user_admins,
        staff: others,
    };
    if e.is_empty() { Ok(checked) } else { Err(e) }
}

pub fn locations(l: LocationsSection) -> Result<LocationsSection, Vec<FieldError>> {
    let mut e = Vec::new();
    if l.locations.is_empty() {
        e.push(FieldError::new("locations", FieldCode::Required));
    }
    if l.locations.len() > 100 {
        e.push(FieldError::new("locations", FieldCode::TooLong));
    }
    let locations = l
        .locations
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let f = |n: &str| format!("locations[{i}].{n}");
            ehealth_contracts::LocationEntry {
                name_en: text(&mut e, &x.name_en, &f("name_en"), 200),
                name_zh: text(&mut e, &x.name_zh, &f("name_zh"), 100),
                room_floor: optional(&mut e, &x.room_floor, &f("room_floor"), 100),
                building: optional(&mut e, &x.building, &f("building"), 200),
                street_en: text(&mut e, &x.street_en, &f("street_en"), 300),
                street_zh: optional(&mut e, &x.street_zh, &f("street_zh"), 200),
                district: x.district,
                phone: phone(&mut e, &x.phone, &f("phone")),
            }
        })
        .collect();
    if e.is_empty() {
        Ok(LocationsSection { locations })
    } else {
        Err(e)
    }
}

/// The documents a provider of `kind` must upload.
pub fn required_documents(kind: Option<HcpType>) -> Vec<SupportingDocument> {
    let mut required = vec![SupportingDocument::BusinessRegistrationCertificate];
    if matches!(
        kind,
        Some(HcpType::PrivateHospital | HcpType::NursingHome | HcpType::Pharmacy)
    ) {
        required.push(SupportingDocument::Licence);
    }
    required
}

/// An address line as the register shows it: room/floor, building, street.
pub fn address(room: Option<&str>, building: Option<&str>, street: &str) -> String {
    [room, building, Some(street)]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}
