//! `information_schema.global_variables` (StarRocks `GlobalVariablesSystemTable`): the rows of
//! SHOW GLOBAL VARIABLES.

use super::cells::{schema_of, varchar, Value};
use crate::query::source::{SystemVariables, VarScope};
use datafusion::arrow::datatypes::SchemaRef;

pub fn schema() -> SchemaRef {
    schema_of(vec![varchar("VARIABLE_NAME"), varchar("VARIABLE_VALUE")])
}

pub fn rows(vars: &dyn SystemVariables) -> Vec<Vec<Value>> {
    vars.dump(VarScope::Global)
        .into_iter()
        .map(|(n, v)| vec![Value::Str(n), Value::Str(v)])
        .collect()
}
