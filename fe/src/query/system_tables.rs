//! `information_schema`: one registry of the system tables StarRocks 3.4 has
//! (`fe/catalog/system/information/*SystemTable.java`) that starload serves. SHOW TABLES FROM
//! information_schema, DESC, SELECT and the information_schema.tables / .columns rows of
//! information_schema itself all read [`TABLES`]; each child module owns one table: its
//! columns (names, types and order as the 3.4 Java class declares them; VARCHAR -> Utf8,
//! BIGINT -> Int64, INT -> Int32, DATETIME -> timestamp, BOOLEAN -> Boolean, DOUBLE ->
//! Float64, JSON -> Utf8) and its rows, built from [`CatalogSource`] for each query that names
//! it. Rows are already filtered by privilege (the source only hands out what the user may
//! see, as StarRocks's `InformationSchemaDataSource` checks each table).

pub mod be_configs;
pub mod cells;
pub mod character_sets;
pub mod collations;
pub mod columns;
pub mod engines;
pub mod global_variables;
pub mod load_tracking_logs;
pub mod loads;
pub mod materialized_views;
pub mod partitions_meta;
pub mod routine_load_jobs;
pub mod routine_load_lag;
pub mod routine_load_rejected_rows;
pub mod routines;
pub mod schemata;
pub mod session_variables;
pub mod statistics;
pub mod tables;
pub mod tables_config;
pub mod task_runs;
pub mod views;

pub use cells::{batch, local_datetime_micros, mysql_type, SystemTable, Value, INFORMATION_SCHEMA};

use super::source::{CatalogSource, SystemVariables};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{MemTable, TableProvider};
use datafusion::error::Result as DfResult;
use std::sync::Arc;

/// True if `db` names information_schema.
pub fn is_information_schema(db: &str) -> bool {
    db.eq_ignore_ascii_case(INFORMATION_SCHEMA)
}

/// Every table of information_schema, sorted by name (SHOW TABLES order).
pub const TABLES: &[SystemTable] = &[
    SystemTable {
        name: "be_configs",
        schema: be_configs::schema,
    },
    SystemTable {
        name: "character_sets",
        schema: character_sets::schema,
    },
    SystemTable {
        name: "collations",
        schema: collations::schema,
    },
    SystemTable {
        name: "columns",
        schema: columns::schema,
    },
    SystemTable {
        name: "engines",
        schema: engines::schema,
    },
    SystemTable {
        name: "global_variables",
        schema: global_variables::schema,
    },
    SystemTable {
        name: "load_tracking_logs",
        schema: load_tracking_logs::schema,
    },
    SystemTable {
        name: "loads",
        schema: loads::schema,
    },
    SystemTable {
        name: "materialized_views",
        schema: materialized_views::schema,
    },
    SystemTable {
        name: "partitions_meta",
        schema: partitions_meta::schema,
    },
    SystemTable {
        name: "routine_load_jobs",
        schema: routine_load_jobs::schema,
    },
    SystemTable {
        name: "routine_load_lag",
        schema: routine_load_lag::schema,
    },
    SystemTable {
        name: "routine_load_rejected_rows",
        schema: routine_load_rejected_rows::schema,
    },
    SystemTable {
        name: "routines",
        schema: routines::schema,
    },
    SystemTable {
        name: "schemata",
        schema: schemata::schema,
    },
    SystemTable {
        name: "session_variables",
        schema: session_variables::schema,
    },
    SystemTable {
        name: "statistics",
        schema: statistics::schema,
    },
    SystemTable {
        name: "tables",
        schema: tables::schema,
    },
    SystemTable {
        name: "tables_config",
        schema: tables_config::schema,
    },
    SystemTable {
        name: "task_runs",
        schema: task_runs::schema,
    },
    SystemTable {
        name: "views",
        schema: views::schema,
    },
];

/// The table named `name` (case-insensitive).
pub fn find(name: &str) -> Option<&'static SystemTable> {
    TABLES.iter().find(|t| t.name.eq_ignore_ascii_case(name))
}

/// Every table name, for SHOW TABLES FROM information_schema.
pub fn names() -> impl Iterator<Item = &'static str> {
    TABLES.iter().map(|t| t.name)
}

/// Column names of `information_schema.<name>`, for case-insensitive column matching.
pub fn column_names(name: &str) -> Vec<String> {
    find(name)
        .map(|t| {
            (t.schema)()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Builds `information_schema.<name>` for one query; `None` if there is no such table.
pub async fn table(
    catalog: &dyn CatalogSource,
    variables: &dyn SystemVariables,
    name: &str,
) -> Option<DfResult<Arc<dyn TableProvider>>> {
    let t = find(name)?;
    let schema = (t.schema)();
    let rows = match t.name {
        // These two build their batch themselves.
        "loads" => return Some(mem_table(loads::build(catalog, &local_datetime_micros))),
        "partitions_meta" => {
            return Some(mem_table(partitions_meta::build(
                catalog,
                &local_datetime_micros,
            )))
        }
        "be_configs" => be_configs::rows(catalog).await,
        "character_sets" => character_sets::rows(),
        "collations" => collations::rows(),
        "columns" => columns::rows(catalog, TABLES),
        "engines" => engines::rows(),
        "global_variables" => global_variables::rows(variables),
        "load_tracking_logs" => load_tracking_logs::rows(catalog).await,
        "routine_load_jobs" => routine_load_jobs::rows(catalog),
        "routine_load_lag" => routine_load_lag::rows(catalog),
        "routine_load_rejected_rows" => routine_load_rejected_rows::rows(catalog).await,
        "schemata" => schemata::rows(catalog),
        "session_variables" => session_variables::rows(variables),
        "tables" => tables::rows(catalog, TABLES),
        "tables_config" => tables_config::rows(catalog),
        "views" => views::rows(catalog),
        // materialized_views, routines, statistics, task_runs, views: starload has none.
        _ => Vec::new(),
    };
    Some(mem_table(batch(&schema, rows).map(|b| (schema, b))))
}

fn mem_table(built: DfResult<(SchemaRef, RecordBatch)>) -> DfResult<Arc<dyn TableProvider>> {
    let (schema, b) = built?;
    let t = MemTable::try_new(schema, vec![vec![b]])?;
    Ok(Arc::new(t) as Arc<dyn TableProvider>)
}

/// DESC information_schema.<name>: `Field, Type, Null, Key, Default, Extra` rows (every
/// column nullable, none a key, as StarRocks describes a SCHEMA table).
pub fn desc_rows(name: &str) -> Option<Vec<Vec<Option<String>>>> {
    let t = find(name)?;
    Some(
        (t.schema)()
            .fields()
            .iter()
            .map(|f| {
                vec![
                    Some(f.name().clone()),
                    Some(mysql_type(f.data_type()).1.to_string()),
                    Some("YES".into()),
                    Some("false".into()),
                    None,
                    Some(String::new()),
                ]
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::cells::{bigint, schema_of};
    use super::*;

    #[test]
    fn registry_is_sorted_and_every_schema_builds_an_empty_batch() {
        let names: Vec<&str> = names().collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        for t in TABLES {
            let schema = (t.schema)();
            let b = batch(&schema, Vec::new()).unwrap();
            assert_eq!(b.num_rows(), 0, "{}", t.name);
            assert_eq!(column_names(t.name).len(), schema.fields().len());
        }
        assert!(find("ROUTINE_LOAD_JOBS").is_some());
        assert!(find("nosuch").is_none());
    }

    #[test]
    fn a_cell_of_the_wrong_kind_is_an_error_not_a_panic() {
        let schema = schema_of(vec![bigint("A")]);
        assert!(batch(&schema, vec![vec![Value::str("x")]]).is_err());
        let b = batch(&schema, vec![vec![Value::Int(7)], vec![]]).unwrap();
        assert_eq!(b.num_rows(), 2);
    }
}
