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

use std::collections::{BTreeMap, BTreeSet};

use ehealth_contracts::{
    Change, Fields, Mutation, MutationOp, MutationStatus, PullRequest, PullResponse, PushRequest,
    PushResponse,
};

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

    /// Creates or edits a row (restores it if deleted).
    pub fn upsert(
        &mut self,
        table: &str,
        id: &str,
        scope: &str,
        set: Fields,
        now_ms: u64,
    ) -> Mutation {
        let cl = match self.row(table, id) {
            Some(r) if r.state.is_live() => r.state.cl,
            Some(r) => r.state.cl + 1,
            None => 1,
        };
        let base_version = self
            .confirmed
            .get(&(table.to_owned(), id.to_owned()))
            .map(|r| r.state.version);
        self.enqueue(
            MutationOp::Upsert,
            table,
            id,
            scope,
            cl,
            Some(set),
            base_version,
            now_ms,
        )
    }

    pub fn delete(&mut self, table: &str, id: &str, now_ms: u64) -> Result<Mutation, ClientError> {
        let row = self
            .row(table, id)
            .filter(|r| r.state.is_live())
            .ok_or(ClientError::NoLiveRow)?;
        let (scope, cl) = (row.scope.clone(), row.state.cl + 1);
        Ok(self.enqueue(
            MutationOp::Delete,
            table,
            id,
            &scope,
            cl,
            None,
            None,
            now_ms,
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn enqueue(
        &mut self,
        op: MutationOp,
        table: &str,
        id: &str,
        scope: &str,
        cl: i64,
        set: Option<Fields>,
        base_version: Option<i64>,
        now_ms: u64,
    ) -> Mutation {
        self.hlc = self.hlc.tick(now_ms, &self.device_id);
        let m = Mutation {
            seq: self.next_seq,
            op,
            table: table.to_owned(),
            id: id.to_owned(),
            scope: scope.to_owned(),
            cl,
            hlc: self.hlc.to_string(),
            set,
            base_version,
        };
        self.next_seq += 1;
        self.pending.push(m.clone());
        m
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

    /// The next push: up to `max` pending mutations, oldest first.
    pub fn push_request(&self, max: usize) -> Option<PushRequest> {
        (!self.pending.is_empty()).then(|| PushRequest {
            protocol: PROTOCOL,
            device_id: self.device_id.clone(),
            schema_version: SCHEMA_VERSION,
            mutations: self.pending.iter().take(max).cloned().collect(),
        })
    }

    /// Takes a push response: every mutation up to `last_seq` has been consumed. Applied and
    /// merged ones are folded into the confirmed rows (the next pull brings the server's exact
    /// row); rejected and forbidden ones simply disappear from the local view.
    pub fn on_push_response(&mut self, res: &PushResponse, now_ms: u64) {
        for r in &res.results {
            let accepted = matches!(r.status, MutationStatus::Applied | MutationStatus::Merged);
            // The queue is in seq order.
            let Some(m) = self
                .pending
                .binary_search_by_key(&r.seq, |m| m.seq)
                .ok()
                .and_then(|i| self.pending.get(i))
                .cloned()
            else {
                continue;
            };
            let Ok(hlc) = m.hlc.parse::<Hlc>() else {
                continue;
            };
            if !accepted {
                continue;
            }
            let key = (m.table.clone(), m.id.clone());
            let current = self.confirmed.get(&key).map(|r| r.state.clone());
            // A late acknowledgement (a re-sent batch): the pulled row already holds its effect,
            // as the server normalised and stamped it.
            if let (Some(cur), Some(v)) = (&current, r.version)
                && cur.version >= v
            {
                continue;
            }
            let empty = Fields::new();
            let mut out = merge(
                current.as_ref(),
                &Incoming {
                    cl: m.cl,
                    set: m.set.as_ref().unwrap_or(&empty),
                    hlc: &hlc,
                    base_version: m.base_version,
                },
            );
            out.state.version = out.state.version.max(r.version.unwrap_or(0));
            self.confirmed.insert(
                key,
                LocalRow {
                    scope: m.scope.clone(),
                    state: out.state,
                },
            );
        }
        self.pending.retain(|m| m.seq > res.last_seq);
        self.observe(&res.server_hlc, now_ms);
    }

    /// The server answered 409 with the seq it expects: everything before it was consumed.
    pub fn on_seq_gap(&mut self, expected_seq: i64) {
        self.pending.retain(|m| m.seq >= expected_seq);
    }

    pub fn pull_request(&self, limit: i64) -> PullRequest {
        PullRequest {
            protocol: PROTOCOL,
            device_id: self.device_id.clone(),
            schema_version: SCHEMA_VERSION,
            cursor: self.cursor.clone(),
            limit: Some(limit),
        }
    }

    /// Applies a page to the local store; call [`save_cursor`](Self::save_cursor) afterwards.
    pub fn apply_page(&mut self, page: &PullResponse, now_ms: u64) {
        for added in &page.scopes.added {
            self.scopes.insert(added.scope.clone());
        }
        for gone in &page.scopes.removed {
            self.scopes.remove(&gone.scope);
            self.confirmed.retain(|_, r| r.scope != gone.scope);
        }
        for reset in &page.scopes.reset {
            self.confirmed.retain(|_, r| r.scope != reset.scope);
        }
        for change in &page.changes {
            self.apply_change(change);
        }
        self.unsaved_cursor = Some(page.cursor.clone());
        self.observe(&page.server_hlc, now_ms);
    }

    fn apply_change(&mut self, c: &Change) {
        let stamps = c
            .hlc
            .iter()
            .flatten()
            .filter_map(|(k, v)| v.parse::<Hlc>().ok().map(|h| (k.clone(), h)))
            .collect();
        self.confirmed.insert(
            (c.table.clone(), c.id.clone()),
            LocalRow {
                scope: c.scope.clone(),
                state: RowState {
                    cl: c.cl,
                    fields: c.row.clone().unwrap_or_default(),
                    stamps,
                    version: c.version,
                },
            },
        );
    }

    pub fn save_cursor(&mut self) {
        if let Some(c) = self.unsaved_cursor.take() {
            self.cursor = Some(c);
        }
    }

    /// The app was killed: what was not saved is gone. Rows and the queue live in the app's
    /// database and survive; an applied page whose cursor was not saved will be pulled again.
    pub fn crash(&mut self) {
        self.unsaved_cursor = None;
    }

    fn observe(&mut self, server_hlc: &str, now_ms: u64) {
        if let Ok(remote) = server_hlc.parse::<Hlc>() {
            self.hlc = self.hlc.receive(&remote, now_ms, &self.device_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ehealth_contracts::MutationResult;
    use serde_json::json;

    #[test]
    fn mutations_are_numbered_without_gaps_and_applied_locally() {
        let mut c = ClientEngine::new("d1");
        let set: Fields = [("systolic".to_owned(), json!(120))].into_iter().collect();
        let a = c.upsert("bp_readings", "r1", "p1", set, 10);
        let b = c.delete("bp_readings", "r1", 11).map(|m| m.seq);
        assert_eq!((a.seq, a.cl), (1, 1));
        assert_eq!(b, Ok(2));
        assert_eq!(c.row("bp_readings", "r1").map(|r| r.state.cl), Some(2));
        let restore = c.upsert("bp_readings", "r1", "p1", Fields::new(), 12);
        assert_eq!((restore.seq, restore.cl), (3, 3));
    }

    #[test]
    fn acknowledged_mutations_leave_the_queue() {
        let mut c = ClientEngine::new("d1");
        for i in 0..3 {
            c.upsert("bp_readings", &format!("r{i}"), "p1", Fields::new(), 10);
        }
        c.on_push_response(
            &PushResponse {
                results: vec![],
                last_seq: 2,
                server_hlc: "20:0:server".into(),
            },
            11,
        );
        assert_eq!(
            c.pending().iter().map(|m| m.seq).collect::<Vec<_>>(),
            vec![3]
        );
        let next = c.upsert("bp_readings", "r9", "p1", Fields::new(), 5);
        assert!(
            next.hlc.parse::<Hlc>().is_ok_and(|h| h.physical_ms >= 20),
            "HLC advanced past the server's"
        );
    }

    #[test]
    fn a_late_acknowledgement_does_not_move_a_newer_row_back() {
        let mut c = ClientEngine::new("d1");
        let set: Fields = [("systolic".to_owned(), json!(120))].into_iter().collect();
        let m = c.upsert("bp_readings", "r1", "p1", set.clone(), 10);
        // The server has since moved the row to version 2 (pulled), then the old ack arrives.
        let page = PullResponse {
            cursor: "c".into(),
            has_more: false,
            scopes: Default::default(),
            changes: vec![Change {
                table: "bp_readings".into(),
                id: "r1".into(),
                scope: "p1".into(),
                version: 2,
                cl: 1,
                row: Some(set),
                hlc: Some(
                    [("systolic".to_owned(), m.hlc.clone())]
                        .into_iter()
                        .collect(),
                ),
            }],
            server_hlc: "11:0:server".into(),
        };
        c.apply_page(&page, 11);
        let ack = MutationResult {
            seq: 1,
            status: MutationStatus::Applied,
            version: Some(1),
            code: None,
            message: None,
            conflicts: vec![],
        };
        c.on_push_response(
            &PushResponse {
                results: vec![ack],
                last_seq: 1,
                server_hlc: "12:0:server".into(),
            },
            12,
        );
        assert_eq!(c.row("bp_readings", "r1").map(|r| r.state.version), Some(2));
    }

    #[test]
    fn a_crash_before_saving_the_cursor_replays_the_page() {
        let mut c = ClientEngine::new("d1");
        let page = PullResponse {
            cursor: "c-next".into(),
            has_more: false,
            scopes: Default::default(),
            changes: vec![],
            server_hlc: "1:0:server".into(),
        };
        c.apply_page(&page, 1);
        c.crash();
        assert_eq!(c.pull_request(10).cursor, None);
        c.apply_page(&page, 1);
        c.save_cursor();
        assert_eq!(c.pull_request(10).cursor.as_deref(), Some("c-next"));
    }
}
