//! Pushing: the next batch of pending mutations, and what the server's answer (or its 409
//! `seq_gap`) does to the queue and the confirmed rows.

use ehealth_contracts::{Fields, MutationStatus, PushRequest, PushResponse};

use super::{ClientEngine, LocalRow, PROTOCOL, SCHEMA_VERSION};
use crate::hlc::Hlc;
use crate::merge::{Incoming, merge};

impl ClientEngine {
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
}
