//! `information_schema.collations` (StarRocks `CollationsSystemTable`): the rows SHOW COLLATION
//! lists.

use super::cells::{bigint, schema_of, varchar, Value};
use datafusion::arrow::datatypes::SchemaRef;

pub fn schema() -> SchemaRef {
    schema_of(vec![
        varchar("COLLATION_NAME"),
        varchar("CHARACTER_SET_NAME"),
        bigint("ID"),
        varchar("IS_DEFAULT"),
        varchar("IS_COMPILED"),
        bigint("SORTLEN"),
    ])
}

pub fn rows() -> Vec<Vec<Value>> {
    [
        ("utf8_general_ci", "utf8", 33),
        ("binary", "binary", 63),
        ("gbk_chinese_ci", "gbk", 28),
    ]
    .into_iter()
    .map(|(name, charset, id)| {
        vec![
            Value::str(name),
            Value::str(charset),
            Value::Int(id),
            Value::str("Yes"),
            Value::str("Yes"),
            Value::Int(1),
        ]
    })
    .collect()
}
