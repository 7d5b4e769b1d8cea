//! What every synced table is to the protocol: [`SyncTable`], over rows seen as [`StoredRow`].

use ehealth_contracts::Fields;
use ehealth_sync::RowState;

use crate::error::{ApiResult, FieldError};
use crate::store::DbConn;

/// A synced row as the protocol sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRow {
    pub id: String,
    pub scope: String,
    pub state: RowState,
}

pub trait SyncTable: Sync {
    fn name(&self) -> &'static str;

    /// Read-only tables (records, consents, access log) sync down only.
    fn writable(&self) -> bool {
        true
    }

    /// Validates the fields a mutation sets, converting units; unknown fields are refused.
    fn normalize(&self, set: &Fields) -> Result<Fields, Vec<FieldError>>;

    /// Checks `fields`: the whole row of a new life (`complete`: required fields present), or the
    /// fields one edit sets (cross-field rules among them).
    fn check_live(&self, fields: &Fields, complete: bool) -> Result<(), Vec<FieldError>>;

    /// The rows with these ids (one query).
    fn load_many(&self, c: &mut DbConn, ids: &[String]) -> ApiResult<Vec<StoredRow>>;

    /// Inserts or replaces rows (one statement).
    fn save_many(
        &self,
        c: &mut DbConn,
        rows: &[StoredRow],
        device: &str,
        now: i64,
    ) -> ApiResult<()>;

    /// Rows of `scope` changed after `version`, in version order.
    fn changes(
        &self,
        c: &mut DbConn,
        scope: &str,
        after: i64,
        limit: i64,
    ) -> ApiResult<Vec<StoredRow>>;
}
