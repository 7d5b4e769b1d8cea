//! The offline-sync protocol (`sync/PROTOCOL.md`): pure logic shared by the server and clients.
//!
//! - [`hlc`]: hybrid logical clock stamps;
//! - [`merge`]: the conflict rule (causal length, then per-field last-writer-wins by HLC);
//! - [`cursor`]: the opaque, MAC-protected pull cursor;
//! - [`client`]: the reference client engine (local store, pending queue, page application).
//!
//! No I/O happens here; the server (`ehealth-api`) and the tests move the bytes.

pub mod client;
pub mod cursor;
pub mod hlc;
pub mod merge;

pub use client::ClientEngine;
pub use cursor::{Cursor, CursorError};
pub use hlc::{Hlc, HlcParseError};
pub use merge::{Incoming, Loss, MergeOutcome, RowState, merge};
