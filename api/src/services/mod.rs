//! Domain services: the business rules. Handlers call one function here; these call the store.
//!
//! `ceremony`, `checks`, `limits` and `tokens` are helpers one level down, shared by the
//! services above them; they import no other service. Areas may call each other (most call
//! `family` for `act_for`), but never in a circle: `family` imports only the helpers.

pub mod access_log;
pub mod account;
pub(crate) mod ceremony;
pub(crate) mod checks;
pub mod conflicts;
pub mod consent;
pub mod counter;
pub mod diary;
pub mod family;
pub mod hcp;
pub(crate) mod limits;
pub mod lookup;
pub mod officer;
pub mod officers;
pub(crate) mod passkey_accounts;
pub mod provider;
pub mod records;
pub mod registration;
pub mod reminders;
pub mod sessions;
pub mod sync;
pub mod systems;
pub(crate) mod tokens;
