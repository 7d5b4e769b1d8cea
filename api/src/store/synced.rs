//! The queries every synced table needs, written once. A synced table has `id`, `scope`,
//! `version`, `cl`, a time column (`measured_at_ms` for diaries), `hlc` (null for a tombstone)
//! and `updated_at` columns.
//!
//! `synced_table_queries!(table, Row, [data columns])` (time column `measured_at_ms`) or
//! `synced_table_queries!(table, Row, time = column, [data columns])` defines, in the calling
//! module: `find_many`, `upsert_many`, `changed_since`, `in_range`, `tombstone_scopes` and
//! `purge_tombstones`.

#[macro_export]
macro_rules! synced_table_queries {
    ($t:ident, $row:ty, [$($col:ident),* $(,)?]) => {
        $crate::synced_table_queries!($t, $row, time = measured_at_ms, [$($col),*]);
    };
    ($t:ident, $row:ty, time = $time:ident, [$($col:ident),* $(,)?]) => {
        /// The rows with these ids.
        pub fn find_many(conn: &mut $crate::store::DbConn, ids: &[String]) -> diesel::QueryResult<Vec<$row>> {
            $t::table.filter($t::id.eq_any(ids)).load(conn)
        }

        /// Inserts or replaces `rows` in one statement.
        pub fn upsert_many(conn: &mut $crate::store::DbConn, rows: &[$row]) -> diesel::QueryResult<()> {
            use diesel::upsert::excluded;
            if rows.is_empty() {
                return Ok(());
            }
            $crate::on_inner!(conn, |c| {
                diesel::insert_into($t::table)
                    .values(rows)
                    .on_conflict($t::id)
                    .do_update()
                    .set((
                        $t::version.eq(excluded($t::version)),
                        $t::cl.eq(excluded($t::cl)),
                        $t::$time.eq(excluded($t::$time)),
                        $t::hlc.eq(excluded($t::hlc)),
                        $t::updated_at.eq(excluded($t::updated_at)),
                        $t::updated_by.eq(excluded($t::updated_by)),
                        $($t::$col.eq(excluded($t::$col)),)*
                    ))
                    .execute(c)
            })
            .map(drop)
        }

        /// Rows of `scope` changed after `version`, in version order.
        pub fn changed_since(
            conn: &mut $crate::store::DbConn,
            scope: &str,
            version: i64,
            limit: i64,
        ) -> diesel::QueryResult<Vec<$row>> {
            $t::table
                .filter($t::scope.eq(scope))
                .filter($t::version.gt(version))
                .order($t::version.asc())
                .limit(limit)
                .load(conn)
        }

        /// Live rows of `scope` measured in [from_ms, to_ms), newest first, after a page
        /// position `(measured_at_ms, id)`.
        pub fn in_range(
            conn: &mut $crate::store::DbConn,
            scope: &str,
            from_ms: i64,
            to_ms: i64,
            before: Option<(i64, &str)>,
            limit: i64,
        ) -> diesel::QueryResult<Vec<$row>> {
            let mut q = $t::table
                .filter($t::scope.eq(scope))
                .filter($t::$time.ge(from_ms))
                .filter($t::$time.lt(to_ms))
                .filter($t::hlc.is_not_null())
                .into_boxed();
            if let Some((ms, id)) = before {
                q = q.filter(
                    $t::$time
                        .lt(ms)
                        .or($t::$time.eq(ms).and($t::id.lt(id.to_owned()))),
                );
            }
            q.order(($t::$time.desc(), $t::id.desc())).limit(limit).load(conn)
        }

        /// The scopes holding tombstones last changed before `before_ms`.
        pub fn tombstone_scopes(
            conn: &mut $crate::store::DbConn,
            before_ms: i64,
        ) -> diesel::QueryResult<Vec<String>> {
            $t::table
                .filter($t::hlc.is_null())
                .filter($t::updated_at.lt(before_ms))
                .select($t::scope)
                .distinct()
                .load(conn)
        }

        /// Deletes tombstones last changed before `before_ms`; returns (scope, version) of each.
        pub fn purge_tombstones(
            conn: &mut $crate::store::DbConn,
            before_ms: i64,
        ) -> diesel::QueryResult<Vec<(String, i64)>> {
            let gone: Vec<(String, i64)> = $t::table
                .filter($t::hlc.is_null())
                .filter($t::updated_at.lt(before_ms))
                .select(($t::scope, $t::version))
                .load(conn)?;
            diesel::delete($t::table.filter($t::hlc.is_null()).filter($t::updated_at.lt(before_ms)))
                .execute(conn)?;
            Ok(gone)
        }
    };
}
