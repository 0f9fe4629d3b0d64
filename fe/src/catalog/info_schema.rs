//! Rows of information_schema.schemata, .tables and .columns from the catalog, for the query
//! module (which owns information_schema as a whole). Column lists follow
//! `fe/catalog/system/information/{Schemata,Tables,Columns}SystemTable.java`; values follow
//! `be/src/exec/schema_scanner/schema_{schemata,tables,columns}_scanner.cpp`, with two
//! deliberate fixes BI tools need: TABLE_CATALOG is `def` (MySQL) and IS_NULLABLE /
//! COLUMN_DEFAULT carry the column's real nullability and default (older StarRocks scanners
//! print `NO` / NULL for every column).

use super::table::Table;
use super::Catalog;
use crate::result::{ColumnKind, ResultColumn, ResultSet};

/// The tables of the `information_schema` database as SHOW TABLES lists them (SYSTEM VIEW).
pub const INFORMATION_SCHEMA_TABLES: &[&str] = &[
    "character_sets",
    "collations",
    "columns",
    "engines",
    "global_variables",
    "routine_load_jobs",
    "schemata",
    "session_variables",
    "tables",
    "views",
];

fn cols(spec: &[(&str, ColumnKind)]) -> Vec<ResultColumn> {
    spec.iter()
        .map(|(n, k)| ResultColumn::new(*n, *k))
        .collect()
}

fn datetime(ms: i64) -> Option<String> {
    if ms <= 0 {
        return None;
    }
    chrono::DateTime::from_timestamp_millis(ms).map(|t| {
        t.with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    })
}

fn s(v: impl Into<String>) -> Option<String> {
    Some(v.into())
}

/// information_schema.schemata: `CATALOG_NAME, SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME,
/// DEFAULT_COLLATION_NAME, SQL_PATH`; one row per database SHOW DATABASES lists.
pub fn schemata(catalog: &Catalog) -> ResultSet {
    use ColumnKind::Varchar as V;
    ResultSet {
        columns: cols(&[
            ("CATALOG_NAME", V),
            ("SCHEMA_NAME", V),
            ("DEFAULT_CHARACTER_SET_NAME", V),
            ("DEFAULT_COLLATION_NAME", V),
            ("SQL_PATH", V),
        ]),
        rows: catalog
            .list_database_names()
            .into_iter()
            .map(|db| vec![s("def"), Some(db), s("utf8"), s("utf8_general_ci"), None])
            .collect(),
    }
}

/// Titles and types of information_schema.tables.
pub fn tables_columns() -> Vec<ResultColumn> {
    use ColumnKind::{Bigint as B, Datetime as D, Varchar as V};
    cols(&[
        ("TABLE_CATALOG", V),
        ("TABLE_SCHEMA", V),
        ("TABLE_NAME", V),
        ("TABLE_TYPE", V),
        ("ENGINE", V),
        ("VERSION", B),
        ("ROW_FORMAT", V),
        ("TABLE_ROWS", B),
        ("AVG_ROW_LENGTH", B),
        ("DATA_LENGTH", B),
        ("MAX_DATA_LENGTH", B),
        ("INDEX_LENGTH", B),
        ("DATA_FREE", B),
        ("AUTO_INCREMENT", B),
        ("CREATE_TIME", D),
        ("UPDATE_TIME", D),
        ("CHECK_TIME", D),
        ("TABLE_COLLATION", V),
        ("CHECKSUM", B),
        ("CREATE_OPTIONS", V),
        ("TABLE_COMMENT", V),
    ])
}

fn table_row(db: &str, t: &Table) -> Vec<Option<String>> {
    vec![
        s("def"),
        s(db),
        s(t.name.clone()),
        s("BASE TABLE"),
        s("StarRocks"),
        None,
        None,
        // Row counts live on the BEs; the FE does not track them (0 as for an empty table).
        s("0"),
        s("0"),
        s("0"),
        None,
        None,
        None,
        None,
        datetime(t.create_time_ms),
        datetime(t.update_time_ms().max(t.create_time_ms)),
        None,
        s("utf8_general_ci"),
        None,
        s(""),
        s(t.comment.clone()),
    ]
}

/// information_schema.tables: every user table, then the information_schema views.
pub fn tables(catalog: &Catalog) -> ResultSet {
    let mut rows = Vec::new();
    for db in catalog.list_databases() {
        for t in catalog.list_tables(&db.name).unwrap_or_default() {
            rows.push(table_row(&db.name, &t));
        }
    }
    for name in INFORMATION_SCHEMA_TABLES {
        let mut r = vec![None; 21];
        r[0] = s("def");
        r[1] = s("information_schema");
        r[2] = s(*name);
        r[3] = s("SYSTEM VIEW");
        r[4] = s("");
        r[17] = s("utf8_general_ci");
        r[19] = s("");
        r[20] = s("");
        rows.push(r);
    }
    ResultSet {
        columns: tables_columns(),
        rows,
    }
}

/// Titles and types of information_schema.columns.
pub fn columns_columns() -> Vec<ResultColumn> {
    use ColumnKind::{Bigint as B, Varchar as V};
    cols(&[
        ("TABLE_CATALOG", V),
        ("TABLE_SCHEMA", V),
        ("TABLE_NAME", V),
        ("COLUMN_NAME", V),
        ("ORDINAL_POSITION", B),
        ("COLUMN_DEFAULT", V),
        ("IS_NULLABLE", V),
        ("DATA_TYPE", V),
        ("CHARACTER_MAXIMUM_LENGTH", B),
        ("CHARACTER_OCTET_LENGTH", B),
        ("NUMERIC_PRECISION", B),
        ("NUMERIC_SCALE", B),
        ("DATETIME_PRECISION", B),
        ("CHARACTER_SET_NAME", V),
        ("COLLATION_NAME", V),
        ("COLUMN_TYPE", V),
        ("COLUMN_KEY", V),
        ("EXTRA", V),
        ("PRIVILEGES", V),
        ("COLUMN_COMMENT", V),
        ("COLUMN_SIZE", B),
        ("DECIMAL_DIGITS", B),
        ("GENERATION_EXPRESSION", V),
        ("SRS_ID", B),
    ])
}

/// The information_schema.columns rows of one table.
pub fn column_rows(db: &str, t: &Table) -> Vec<Vec<Option<String>>> {
    let num = |v: Option<i64>| v.map(|v| v.to_string());
    t.columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let dt = &c.data_type;
            vec![
                s("def"),
                s(db),
                s(t.name.clone()),
                s(c.name.clone()),
                s((i + 1).to_string()),
                c.meta_default(),
                s(if c.nullable { "YES" } else { "NO" }),
                s(dt.mysql_data_type()),
                num(dt.char_length()),
                // "currently we save string use UTF-8 so * 3" (schema_columns_scanner.cpp)
                num(dt.char_length().map(|l| l * 3)),
                num(dt.numeric_precision()),
                num(dt.decimal_digits()),
                None,
                None,
                None,
                s(dt.mysql_column_type()),
                s(if c.is_key {
                    t.keys_type.column_key()
                } else {
                    ""
                }),
                s(""),
                s(""),
                s(c.comment.clone()),
                num(dt.column_size()),
                num(dt.decimal_digits()),
                None,
                None,
            ]
        })
        .collect()
}

/// information_schema.columns: every column of every user table, in table then column order.
pub fn columns(catalog: &Catalog) -> ResultSet {
    let mut rows = Vec::new();
    for db in catalog.list_databases() {
        for t in catalog.list_tables(&db.name).unwrap_or_default() {
            rows.extend(column_rows(&db.name, &t));
        }
    }
    ResultSet {
        columns: columns_columns(),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handler::create_table::analyze_create_table;
    use crate::sql::ddl::{try_parse, DdlStmt};

    fn table(sql: &str) -> Table {
        let DdlStmt::CreateTable(stmt) = try_parse(sql).unwrap().unwrap() else {
            unreachable!()
        };
        analyze_create_table(&stmt, 1, 1, 1, false).unwrap().table
    }

    #[test]
    fn columns_rows_mark_primary_keys_and_booleans() {
        let t = table(
            "CREATE TABLE t (id bigint NOT NULL, flag boolean, name varchar(20) DEFAULT \"x\", amount decimal(10, 2)) PRIMARY KEY(id) DISTRIBUTED BY HASH(id)",
        );
        let rows = column_rows("d", &t);
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].len(), columns_columns().len());
        assert_eq!(rows[0][16].as_deref(), Some("PRI"));
        assert_eq!(rows[0][6].as_deref(), Some("NO"));
        assert_eq!(rows[1][7].as_deref(), Some("tinyint"));
        assert_eq!(rows[1][20], None);
        assert_eq!(rows[1][16].as_deref(), Some(""));
        assert_eq!(rows[2][5].as_deref(), Some("x"));
        assert_eq!(rows[2][8].as_deref(), Some("20"));
        assert_eq!(rows[2][9].as_deref(), Some("60"));
        assert_eq!(rows[3][15].as_deref(), Some("decimal(10,2)"));
        assert_eq!(rows[3][10].as_deref(), Some("10"));
        assert_eq!(rows[3][11].as_deref(), Some("2"));
    }

    #[test]
    fn table_rows_have_every_column() {
        let t = table("CREATE TABLE t (id bigint) DISTRIBUTED BY HASH(id)");
        let r = table_row("d", &t);
        assert_eq!(r.len(), tables_columns().len());
        assert_eq!(r[3].as_deref(), Some("BASE TABLE"));
        assert_eq!(r[4].as_deref(), Some("StarRocks"));
    }
}
