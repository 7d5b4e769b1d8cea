//! The eHealth patient-app backend: an actix-web server over diesel (SQLite or PostgreSQL),
//! with Redis for shared ephemeral state when configured.
//!
//! Layers, never reversed: `routes -> services -> store`; storage never imports actix and
//! handlers never build SQL. See `docs/ARCHITECTURE.md`.

pub mod auth;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod ephemeral;
pub mod error;
pub mod extract;
pub mod hygiene;
pub mod i18n;
pub mod jobs;
pub mod log_key;
pub mod mail;
pub mod openapi;
pub mod push;
pub mod queue;
pub mod routes;
pub mod services;
pub mod startup;
pub mod state;
pub mod store;

pub use clock::{Clock, SystemClock};
pub use config::Config;
pub use startup::Application;
