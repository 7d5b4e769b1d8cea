//! Validated domain values: once parsed, always valid (no I/O here).

pub mod authority;
pub mod document;
pub mod hkid;
pub mod identity;
pub mod ids;
pub mod notices;
pub mod person;
pub mod reminder;
pub mod schedule;
pub mod text;
