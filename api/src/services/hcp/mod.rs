//! Healthcare providers: the register (created by the registration office, searched by anyone),
//! staff accounts (by the office or the HCP's user administrator) and staff passkey enrolment.

mod enrolment;
mod providers;
mod staff;

pub use enrolment::{KIND_STAFF, complete_enrolment, start_enrolment};
pub use providers::{create_hcp, search};
pub use staff::{
    admin_create_staff, create_staff, deactivate_staff, list_staff, put_staff_push_token,
    staff_response,
};

use crate::error::FieldError;
use ehealth_contracts::FieldCode;

/// A required free-text field: trimmed, at most `max` characters, no control characters.
fn text(errors: &mut Vec<FieldError>, raw: &str, field: &str, max: usize) -> String {
    let t = raw.trim();
    if t.is_empty() {
        errors.push(FieldError::new(field, FieldCode::Required));
    } else if t.chars().count() > max || t.chars().any(char::is_control) {
        errors.push(FieldError::new(field, FieldCode::InvalidFormat));
    }
    t.to_owned()
}
