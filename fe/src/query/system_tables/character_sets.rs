//! `information_schema.character_sets` (StarRocks `CharacterSetsSystemTable`): the one
//! character set SHOW CHARSET lists.

use super::cells::{bigint, schema_of, varchar, Value};
use datafusion::arrow::datatypes::SchemaRef;

pub fn schema() -> SchemaRef {
    schema_of(vec![
        varchar("CHARACTER_SET_NAME"),
        varchar("DEFAULT_COLLATE_NAME"),
        varchar("DESCRIPTION"),
        bigint("MAXLEN"),
    ])
}

pub fn rows() -> Vec<Vec<Value>> {
    vec![vec![
        Value::str("utf8"),
        Value::str("utf8_general_ci"),
        Value::str("UTF-8 Unicode"),
        Value::Int(3),
    ]]
}
