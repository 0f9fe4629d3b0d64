//! `information_schema.tables` (StarRocks `TablesSystemTable`): every table the user holds any
//! privilege on, then the system tables of information_schema itself (SYSTEM VIEW), sorted by
//! schema then name.

use super::cells::SystemTable;
use super::cells::{bigint, datetime, schema_of, varchar, Value, INFORMATION_SCHEMA};
use crate::query::source::{CatalogSource, TableSnapshot};
use datafusion::arrow::datatypes::SchemaRef;

pub fn schema() -> SchemaRef {
    schema_of(vec![
        varchar("TABLE_CATALOG"),
        varchar("TABLE_SCHEMA"),
        varchar("TABLE_NAME"),
        varchar("TABLE_TYPE"),
        varchar("ENGINE"),
        bigint("VERSION"),
        varchar("ROW_FORMAT"),
        bigint("TABLE_ROWS"),
        bigint("AVG_ROW_LENGTH"),
        bigint("DATA_LENGTH"),
        bigint("MAX_DATA_LENGTH"),
        bigint("INDEX_LENGTH"),
        bigint("DATA_FREE"),
        bigint("AUTO_INCREMENT"),
        datetime("CREATE_TIME"),
        datetime("UPDATE_TIME"),
        datetime("CHECK_TIME"),
        varchar("TABLE_COLLATION"),
        bigint("CHECKSUM"),
        varchar("CREATE_OPTIONS"),
        varchar("TABLE_COMMENT"),
    ])
}

/// Every (db, table) the user may see, by db then table name.
pub fn visible_tables(catalog: &dyn CatalogSource) -> Vec<(String, TableSnapshot)> {
    let mut out = Vec::new();
    for db in catalog.database_names() {
        for t in catalog.table_names(&db).unwrap_or_default() {
            if !catalog.can_see_table(&db, &t) {
                continue;
            }
            if let Some(snap) = catalog.table(&db, &t) {
                out.push((db.clone(), snap));
            }
        }
    }
    out
}

fn row(db: &str, name: &str, ty: &str, engine: &str, created_s: i64, comment: &str) -> Vec<Value> {
    let mut r = vec![Value::Null; 21];
    r[0] = Value::str("def");
    r[1] = Value::str(db);
    r[2] = Value::str(name);
    r[3] = Value::str(ty);
    r[4] = Value::str(engine);
    r[14] = Value::Time(created_s);
    r[17] = Value::str("utf8_general_ci");
    r[19] = Value::str("");
    r[20] = Value::str(comment);
    r
}

/// `system`: the information_schema registry, whose own tables are listed too.
pub fn rows(catalog: &dyn CatalogSource, system: &[SystemTable]) -> Vec<Vec<Value>> {
    let mut rows: Vec<(String, String, Vec<Value>)> = visible_tables(catalog)
        .into_iter()
        .map(|(db, t)| {
            let r = row(
                &db,
                &t.name,
                "BASE TABLE",
                "StarRocks",
                t.create_time_s,
                &t.comment,
            );
            (db, t.name, r)
        })
        .collect();
    for (db, v) in catalog.visible_views() {
        let r = row(&db, &v.name, "VIEW", "", v.create_time_s, &v.comment);
        rows.push((db, v.name, r));
    }
    for t in system {
        rows.push((
            INFORMATION_SCHEMA.to_string(),
            t.name.to_string(),
            row(INFORMATION_SCHEMA, t.name, "SYSTEM VIEW", "MEMORY", 0, ""),
        ));
    }
    rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    rows.into_iter().map(|(_, _, r)| r).collect()
}
