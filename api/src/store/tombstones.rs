//! Purging sync tombstones past the horizon. Only the tables devices write hold tombstones
//! (the read-only ones never delete), so only their store modules are listed here; the sync
//! service's table registry checks in a test that the two lists agree.

use std::collections::{BTreeMap, BTreeSet};

use diesel::QueryResult;

use super::{DbConn, bp_readings, glucose_readings, reminders};

/// The scopes holding tombstones last changed before a time (epoch ms).
type ScopesQuery = fn(&mut DbConn, i64) -> QueryResult<Vec<String>>;
/// Deletes the tombstones last changed before a time; returns (scope, version) of each.
type PurgeQuery = fn(&mut DbConn, i64) -> QueryResult<Vec<(String, i64)>>;

/// A synced table's tombstone queries (from `synced_table_queries!`).
pub struct Tombstones {
    /// The table's sync name.
    pub table: &'static str,
    scopes: ScopesQuery,
    purge: PurgeQuery,
}

pub const TABLES: &[Tombstones] = &[
    Tombstones {
        table: "bp_readings",
        scopes: bp_readings::tombstone_scopes,
        purge: bp_readings::purge_tombstones,
    },
    Tombstones {
        table: "glucose_readings",
        scopes: glucose_readings::tombstone_scopes,
        purge: glucose_readings::purge_tombstones,
    },
    Tombstones {
        table: "reminders",
        scopes: reminders::tombstone_scopes,
        purge: reminders::purge_tombstones,
    },
];

/// Deletes tombstones last changed before `before_ms` and records, per scope, the highest
/// version purged: a cursor below it can no longer be served incrementally and gets a reset.
/// Returns how many were purged. Run inside a transaction.
pub fn purge(c: &mut DbConn, before_ms: i64) -> QueryResult<usize> {
    // Lock every affected scope first, in one sorted pass (as pushes do), so a purge and a
    // push can never wait for each other's scopes in opposite orders.
    let mut scopes = BTreeSet::new();
    for t in TABLES {
        scopes.extend((t.scopes)(c, before_ms)?);
    }
    for scope in &scopes {
        super::sync_scopes::lock_scope(c, scope)?;
    }
    let mut count = 0;
    for t in TABLES {
        let gone = (t.purge)(c, before_ms)?;
        count += gone.len();
        let mut highest = BTreeMap::<String, i64>::new();
        for (scope, v) in gone {
            let e = highest.entry(scope).or_insert(v);
            *e = (*e).max(v);
        }
        for (scope, v) in highest {
            super::sync_scopes::raise_purged_version(c, &scope, v)?;
        }
    }
    Ok(count)
}
