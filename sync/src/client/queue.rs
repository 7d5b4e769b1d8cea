//! Local edits: each becomes a pending mutation, numbered by the gap-free `seq` and stamped with
//! the device's HLC, and shows in the local view at once.

use ehealth_contracts::{Fields, Mutation, MutationOp};

use super::{ClientEngine, ClientError};

impl ClientEngine {
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
}
