//! Pulling: applying a page of changes and scope events to the confirmed rows, then saving its
//! cursor (a crash in between only replays the page).

use ehealth_contracts::{Change, PullRequest, PullResponse};

use super::{ClientEngine, LocalRow, PROTOCOL, SCHEMA_VERSION};
use crate::hlc::Hlc;
use crate::merge::RowState;

impl ClientEngine {
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
}
