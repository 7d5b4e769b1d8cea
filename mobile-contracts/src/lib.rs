//! Every type that crosses the wire between the eHealth backend and its apps.
//!
//! This crate is the single source of the public contract: request and response bodies, the
//! error body, and (later) sync envelopes and push payloads. It does no I/O and never depends on
//! the web framework or the database, so app teams and code generators can rely on it alone.
//!
//! Naming: `<Action><Resource>Request` / `...Response`. New fields are added as optional with
//! `#[serde(default)]`; nothing is renamed within v1.

pub mod access_log;
pub mod account;
pub mod application;
pub mod auth;
pub mod consent;
pub mod diary;
pub mod error_code;
pub mod family;
pub mod fixtures;
pub mod forms;
pub mod hcp;
pub mod office;
pub mod problem;
pub mod push;
pub mod registration;
pub mod rows;
pub mod sync;
pub mod system;

pub use access_log::*;
pub use account::*;
pub use application::*;
pub use auth::*;
pub use consent::*;
pub use diary::*;
pub use error_code::*;
pub use family::*;
pub use forms::*;
pub use hcp::*;
pub use office::*;
pub use problem::*;
pub use push::*;
pub use registration::*;
pub use rows::*;
pub use sync::*;
pub use system::*;
