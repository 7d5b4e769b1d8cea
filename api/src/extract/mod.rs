//! Request extractors: validated JSON bodies, the authenticated principal, the client address.

pub mod json;
pub mod principal;

pub use json::{ApiJson, ApiJsonOrEmpty, SyncJson};
pub use principal::{HcpSystemSession, Officer, PatientSession, StaffSession};
