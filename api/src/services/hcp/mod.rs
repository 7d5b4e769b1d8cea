//! Healthcare providers: the register (created by the registration office, searched by anyone),
//! staff accounts (by the office or the HCP's user administrator) and staff passkey enrolment.

mod enrolment;
mod providers;
mod staff;

pub use enrolment::{KIND_STAFF, complete_enrolment, link_enrolment, start_enrolment, switch_hcp};
pub use providers::{create_hcp, search};
pub use staff::{
    admin_create_staff, create_staff, deactivate_staff, list_staff, pending_staff,
    put_staff_push_token, require_admin, staff_response,
};
