//! The two database backends have the same schema.

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel::sql_types::Text;
use ehealth_api::store::{Db, DbConn};
use ehealth_tests::{Backend, Env};

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

fn columns(backend: Backend) -> BTreeSet<(String, String)> {
    let env = Env::fresh(backend).unwrap_or_else(|e| panic!("{e}"));
    let config = env.config().unwrap_or_else(|e| panic!("{e}"));
    let db = Db::connect(&config.database_url, 1).unwrap_or_else(|e| panic!("{e:#}"));
    let mut conn = db.pool().get().unwrap_or_else(|e| panic!("{e}"));
    let rows: Vec<Column> = match &mut *conn {
        DbConn::Sqlite(c) => diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '__diesel%'",
        )
        .load(c),
        DbConn::Postgres(c) => diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name \
             FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '__diesel%'",
        )
        .load(c),
    }
    .unwrap_or_else(|e| panic!("{e}"));
    let _ = env.drop_database();
    rows.into_iter()
        .map(|c| (c.table_name, c.column_name))
        .collect()
}

#[test]
fn sqlite_and_postgres_have_the_same_tables_and_columns() {
    let sqlite = columns(Backend::Sqlite);
    let postgres = columns(Backend::Postgres);
    assert!(sqlite.len() > 40, "schema looks empty: {sqlite:?}");
    assert_eq!(sqlite, postgres);
}

#[test]
fn migrations_are_idempotent() {
    let env = Env::fresh(Backend::Sqlite).unwrap_or_else(|e| panic!("{e}"));
    let config = env.config().unwrap_or_else(|e| panic!("{e}"));
    let db = Db::connect(&config.database_url, 1).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(db.migrate().ok(), Some(0), "a second run applies nothing");
}
