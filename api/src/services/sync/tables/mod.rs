//! The synced tables. Adding one is: a migration, a store model file, an implementation of
//! [`SyncTable`] listed in [`TABLES`] and, if devices write it (so it holds tombstones), its
//! store module listed in `store::tombstones::TABLES`; push, pull, conflicts and paging need
//! no change.
//!
//! Modules, each reaching only further down: this registry -> one file per table (or close
//! group) -> `storage` (columns to protocol rows) and `fields` (field checks) -> `sync_table`
//! (the trait and [`StoredRow`]).

mod bp_readings;
mod fields;
mod glucose_readings;
mod readonly;
mod reminders;
mod storage;
mod sync_table;

pub(crate) use fields::instant_ms;
pub(crate) use reminders::Reminders;
pub use sync_table::{StoredRow, SyncTable};

pub static TABLES: &[&dyn SyncTable] = &[
    &bp_readings::BpReadings,
    &glucose_readings::GlucoseReadings,
    &Reminders,
    &readonly::Consents,
    &readonly::Records,
    &readonly::AccessLog,
    &readonly::SdmLinks,
];

pub fn table(name: &str) -> Option<&'static dyn SyncTable> {
    TABLES.iter().copied().find(|t| t.name() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The purge knows the tables by their store modules: every table devices write (the only
    /// ones that delete) must be listed there, and only those.
    #[test]
    fn every_writable_table_has_its_tombstones_purged() {
        let writable: Vec<&str> = TABLES
            .iter()
            .filter(|t| t.writable())
            .map(|t| t.name())
            .collect();
        let purged: Vec<&str> = crate::store::tombstones::TABLES
            .iter()
            .map(|t| t.table)
            .collect();
        assert_eq!(writable, purged);
    }
}
