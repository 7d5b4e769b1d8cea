//! Request extractors: validated JSON bodies, the authenticated principal, the client address.

pub mod json;
pub mod office;
pub mod principal;

pub use json::{ApiJson, ApiJsonOrEmpty, SyncJson};
pub use office::{AnySession, ApplicantSession, Officer, OfficerIn};
pub use principal::{HcpSystemSession, PatientSession, StaffSession};
