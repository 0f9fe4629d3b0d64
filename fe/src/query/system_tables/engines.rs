//! `information_schema.engines` (StarRocks `EnginesSystemTable`): the rows SHOW ENGINES prints.

use super::cells::{schema_of, varchar, Value};
use datafusion::arrow::datatypes::SchemaRef;

pub fn schema() -> SchemaRef {
    schema_of(vec![
        varchar("ENGINE"),
        varchar("SUPPORT"),
        varchar("COMMENT"),
        varchar("TRANSACTIONS"),
        varchar("XA"),
        varchar("SAVEPOINTS"),
    ])
}

pub fn rows() -> Vec<Vec<Value>> {
    [
        ("OLAP", "Default storage engine of StarRocks"),
        ("MySQL", "MySQL server which data is in it"),
        ("ELASTICSEARCH", "ELASTICSEARCH cluster which data is in it"),
        ("HIVE", "HIVE database which data is in it"),
        ("ICEBERG", "ICEBERG data lake which data is in it"),
    ]
    .into_iter()
    .map(|(engine, comment)| {
        [engine, "YES", comment, "NO", "NO", "NO"]
            .into_iter()
            .map(Value::str)
            .collect()
    })
    .collect()
}
