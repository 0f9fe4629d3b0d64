//! `information_schema.session_variables` (StarRocks `SessionVariablesSystemTable`): the rows
//! of SHOW SESSION VARIABLES for the querying session.

use super::cells::{schema_of, varchar, Value};
use crate::query::source::{SystemVariables, VarScope};
use datafusion::arrow::datatypes::SchemaRef;

pub fn schema() -> SchemaRef {
    schema_of(vec![varchar("VARIABLE_NAME"), varchar("VARIABLE_VALUE")])
}

pub fn rows(vars: &dyn SystemVariables) -> Vec<Vec<Value>> {
    vars.dump(VarScope::Session)
        .into_iter()
        .map(|(n, v)| vec![Value::Str(n), Value::Str(v)])
        .collect()
}
