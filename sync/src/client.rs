//! The reference client engine: what an app does, without the I/O.
//!
//! It keeps a local store (rows as last confirmed by the server, plus the effect of pending
//! mutations), a queue of pending mutations numbered by a gap-free `seq`, and the cursor. The
//! caller moves requests and responses; the tests drive several engines as simulated devices.
//!
//! Obligations it demonstrates (see `sync/PROTOCOL.md`):
//! - number mutations 1, 2, 3... and never drop one: a rejected or forbidden mutation is still
//!   consumed by the server, so it leaves the queue only when `last_seq` covers it;
//! - apply a pulled page, *then* save its cursor (a crash in between only replays the page);
//! - on `reset`, forget the scope's confirmed rows and keep pending mutations;
//! - advance the HLC past every `server_hlc`.
//!
//! Split by what it does: `queue` numbers and keeps local edits, `push` builds pushes and takes
//! their answers, `pull` applies pulled pages and keeps the cursor.

mod pull;
mod push;
mod queue;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use ehealth_contracts::{Fields, Mutation};

use crate::hlc::Hlc;
use crate::merge::{Incoming, RowState, merge};

pub const PROTOCOL: i64 = 1;
pub const SCHEMA_VERSION: i64 = 1;

type RowKey = (String, String);

#[derive(Debug, Clone, PartialEq)]
pub struct LocalRow {
    pub scope: String,
    pub state: RowState,
}

#[derive(Debug, Clone)]
pub struct ClientEngine {
    pub device_id: String,
    next_seq: i64,
    pending: Vec<Mutation>,
    /// Rows as the server last confirmed them.
    confirmed: BTreeMap<RowKey, LocalRow>,
    /// The cursor saved to "disk".
    cursor: Option<String>,
    /// A page's cursor applied but not yet saved.
    unsaved_cursor: Option<String>,
    hlc: Hlc,
    pub scopes: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("no such live row")]
    NoLiveRow,
}

impl ClientEngine {
    pub fn new(device_id: impl Into<String>) -> Self {
        let device_id = device_id.into();
        Self {
            hlc: Hlc::new(0, 0, device_id.clone()),
            device_id,
            next_seq: 1,
            pending: Vec::new(),
            confirmed: BTreeMap::new(),
            cursor: None,
            unsaved_cursor: None,
            scopes: BTreeSet::new(),
        }
    }

    /// The local view of a row: the confirmed state with pending mutations applied on top.
    pub fn row(&self, table: &str, id: &str) -> Option<LocalRow> {
        let key = (table.to_owned(), id.to_owned());
        let mut row = self.confirmed.get(&key).cloned();
        for m in self
            .pending
            .iter()
            .filter(|m| m.table == table && m.id == id)
        {
            let Ok(hlc) = m.hlc.parse::<Hlc>() else {
                continue;
            };
            let empty = Fields::new();
            let out = merge(
                row.as_ref().map(|r| &r.state),
                &Incoming {
                    cl: m.cl,
                    set: m.set.as_ref().unwrap_or(&empty),
                    hlc: &hlc,
                    base_version: m.base_version,
                },
            );
            row = Some(LocalRow {
                scope: m.scope.clone(),
                state: out.state,
            });
        }
        row
    }

    /// Every row the device shows, keyed by (table, id).
    pub fn rows(&self) -> BTreeMap<RowKey, LocalRow> {
        let keys: BTreeSet<RowKey> = self
            .confirmed
            .keys()
            .cloned()
            .chain(self.pending.iter().map(|m| (m.table.clone(), m.id.clone())))
            .collect();
        keys.into_iter()
            .filter_map(|(t, i)| self.row(&t, &i).map(|r| ((t, i), r)))
            .collect()
    }

    /// Rows as the server confirmed them (what must equal the server after quiescence).
    pub fn confirmed(&self) -> &BTreeMap<RowKey, LocalRow> {
        &self.confirmed
    }

    pub fn pending(&self) -> &[Mutation] {
        &self.pending
    }

    fn observe(&mut self, server_hlc: &str, now_ms: u64) {
        if let Ok(remote) = server_hlc.parse::<Hlc>() {
            self.hlc = self.hlc.receive(&remote, now_ms, &self.device_id);
        }
    }
}
