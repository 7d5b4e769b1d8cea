//! The offline-sync protocol: pure logic shared by the server and clients.
//!
//! So far this holds the hybrid logical clock that stamps every synced field (SYNC.md
//! requirement 4). The merge rule, cursor codec and the reference client engine arrive with
//! the sync issue; they build on [`Hlc`].

pub mod hlc;

pub use hlc::{Hlc, HlcParseError};
