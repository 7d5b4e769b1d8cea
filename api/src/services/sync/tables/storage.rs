//! The storage half shared by the tables devices write: a store row's columns to the protocol's
//! row and back (the per-field stamps kept as one JSON column, `hlc`, null for a tombstone).

use std::collections::BTreeMap;

use ehealth_sync::{Hlc, RowState};
use serde_json::Value;

use super::sync_table::StoredRow;
use crate::error::{ApiError, ApiResult};

/// The storage half of a synced table's [`SyncTable`](super::SyncTable) impl, the same for
/// every table: its store module's queries (`synced_table_queries!`) and the table's two
/// conversions, `to_row(&StoredRow, device, now) -> ApiResult<Row>` and
/// `to_stored(Row) -> ApiResult<StoredRow>`.
macro_rules! synced_storage {
    ($module:ident, $to_row:path, $to_stored:path) => {
        fn load_many(&self, c: &mut DbConn, ids: &[String]) -> ApiResult<Vec<StoredRow>> {
            $module::find_many(c, ids)?
                .into_iter()
                .map($to_stored)
                .collect()
        }

        fn save_many(
            &self,
            c: &mut DbConn,
            rows: &[StoredRow],
            device: &str,
            now: i64,
        ) -> ApiResult<()> {
            let rows = rows
                .iter()
                .map(|r| $to_row(r, device, now))
                .collect::<ApiResult<Vec<_>>>()?;
            Ok($module::upsert_many(c, &rows)?)
        }

        fn changes(
            &self,
            c: &mut DbConn,
            scope: &str,
            after: i64,
            limit: i64,
        ) -> ApiResult<Vec<StoredRow>> {
            $module::changed_since(c, scope, after, limit)?
                .into_iter()
                .map($to_stored)
                .collect()
        }
    };
}
pub(super) use synced_storage;

/// Builds the protocol row from columns: every stamped field is present (null when cleared).
/// Stamps of fields the table no longer knows are dropped; a stamp that does not parse is an
/// error (the field would otherwise silently vanish from the row).
pub(super) fn stored<const N: usize>(
    id: String,
    scope: String,
    version: i64,
    cl: i64,
    hlc: Option<&str>,
    known: &[&str],
    columns: [(&str, Option<Value>); N],
) -> ApiResult<StoredRow> {
    let stamps: BTreeMap<String, Hlc> = match hlc {
        None => Default::default(),
        Some(json) => serde_json::from_str::<BTreeMap<String, String>>(json)
            .map_err(ApiError::internal)?
            .into_iter()
            .filter(|(k, _)| known.contains(&k.as_str()))
            .map(|(k, v)| {
                v.parse::<Hlc>()
                    .map(|h| (k, h))
                    .map_err(|_| ApiError::internal("a stored field stamp does not parse"))
            })
            .collect::<ApiResult<_>>()?,
    };
    let fields = columns
        .into_iter()
        .filter(|(k, _)| stamps.contains_key(*k))
        .map(|(k, v)| (k.to_owned(), v.unwrap_or(Value::Null)))
        .collect();
    Ok(StoredRow {
        id,
        scope,
        state: RowState {
            cl,
            fields,
            stamps,
            version,
        },
    })
}

/// The row's stamps as its `hlc` column holds them (`None` for a tombstone).
pub(super) fn stamps_json(state: &RowState) -> ApiResult<Option<String>> {
    if !state.is_live() {
        return Ok(None);
    }
    let map: BTreeMap<&String, String> = state
        .stamps
        .iter()
        .map(|(k, h)| (k, h.to_string()))
        .collect();
    serde_json::to_string(&map)
        .map(Some)
        .map_err(ApiError::internal)
}
