//! Session-bound SQL: `@@system_variables` (a DataFusion `VarProvider` over the FE's variable
//! table) and the information functions StarRocks folds to constants during analysis
//! (`DATABASE()`, `SCHEMA()`, `USER()`, `CURRENT_USER()`, `CONNECTION_ID()`), plus
//! `VERSION()` and `current_version()`. Mirrors StarRocks `ExpressionAnalyzer.visitInformationFunction`
//! and `VariableMgr.fillValue` (typed values, not text).

use super::source::{SessionInfo, SysVarValue, SystemVariables, VarScope};
use crate::error::SqlError;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::variable::VarProvider;
use std::sync::{Arc, Mutex};

/// `@@x`, `@@session.x`, `@@global.x`, `@@local.x` for one query. The first lookup error is kept
/// so the caller can report StarRocks's text instead of DataFusion's.
pub struct SystemVarProvider {
    vars: Arc<dyn SystemVariables>,
    first_error: Mutex<Option<SqlError>>,
}

impl std::fmt::Debug for SystemVarProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SystemVarProvider")
    }
}

impl SystemVarProvider {
    pub fn new(vars: Arc<dyn SystemVariables>) -> Self {
        Self {
            vars,
            first_error: Mutex::new(None),
        }
    }

    /// The first error a lookup raised, if any.
    pub fn take_error(&self) -> Option<SqlError> {
        match self.first_error.lock() {
            Ok(mut g) => g.take(),
            Err(p) => p.into_inner().take(),
        }
    }

    fn lookup(&self, var_names: &[String]) -> Result<SysVarValue, SqlError> {
        let (scope, name) = split_variable(var_names);
        let r = self.vars.get(&name, scope);
        if let Err(e) = &r {
            let mut g = match self.first_error.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            if g.is_none() {
                *g = Some(e.clone());
            }
        }
        r
    }
}

/// Splits DataFusion's variable path (`["@@session", "x"]` or `["@@x"]`) into scope and the
/// lower-case name.
pub fn split_variable(var_names: &[String]) -> (VarScope, String) {
    let joined = var_names.join(".");
    let body = joined.trim_start_matches('@').to_ascii_lowercase();
    for (prefix, scope) in [
        ("global.", VarScope::Global),
        ("session.", VarScope::Session),
        ("local.", VarScope::Session),
    ] {
        if let Some(rest) = body.strip_prefix(prefix) {
            return (scope, rest.to_string());
        }
    }
    (VarScope::Session, body)
}

fn sysvar_type(v: &SysVarValue) -> DataType {
    match v {
        SysVarValue::Bool(_) => DataType::Boolean,
        SysVarValue::Int(_) => DataType::Int32,
        SysVarValue::BigInt(_) => DataType::Int64,
        SysVarValue::Double(_) => DataType::Float64,
        SysVarValue::Str(_) => DataType::Utf8,
    }
}

fn sysvar_scalar(v: SysVarValue) -> ScalarValue {
    match v {
        SysVarValue::Bool(b) => ScalarValue::Boolean(Some(b)),
        SysVarValue::Int(i) => ScalarValue::Int32(Some(i)),
        SysVarValue::BigInt(i) => ScalarValue::Int64(Some(i)),
        SysVarValue::Double(d) => ScalarValue::Float64(Some(d)),
        SysVarValue::Str(s) => ScalarValue::Utf8(Some(s)),
    }
}

impl VarProvider for SystemVarProvider {
    fn get_value(&self, var_names: Vec<String>) -> DfResult<ScalarValue> {
        self.lookup(&var_names)
            .map(sysvar_scalar)
            .map_err(|e| datafusion::error::DataFusionError::External(Box::new(e)))
    }

    fn get_type(&self, var_names: &[String]) -> Option<DataType> {
        self.lookup(var_names).ok().map(|v| sysvar_type(&v))
    }
}

/// A zero-argument function whose value is fixed for the whole query.
#[derive(Debug, PartialEq, Eq, Hash)]
struct ConstFunction {
    name: &'static str,
    value: ConstValue,
    signature: Signature,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ConstValue {
    Utf8(String),
    Int64(i64),
}

impl ScalarUDFImpl for ConstFunction {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(match self.value {
            ConstValue::Utf8(_) => DataType::Utf8,
            ConstValue::Int64(_) => DataType::Int64,
        })
    }

    fn invoke_with_args(&self, _args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        Ok(ColumnarValue::Scalar(match &self.value {
            ConstValue::Utf8(s) => ScalarValue::Utf8(Some(s.clone())),
            ConstValue::Int64(i) => ScalarValue::Int64(Some(*i)),
        }))
    }
}

fn const_fn(name: &'static str, value: ConstValue) -> ScalarUDF {
    ScalarUDF::new_from_impl(ConstFunction {
        name,
        value,
        signature: Signature::nullary(Volatility::Immutable),
    })
}

/// The session's information functions, to register on the query's context. They replace
/// DataFusion's own `version()`.
pub fn information_functions(info: &SessionInfo) -> Vec<ScalarUDF> {
    let s = |v: &str| ConstValue::Utf8(v.to_string());
    vec![
        const_fn("database", s(&info.current_db)),
        const_fn("schema", s(&info.current_db)),
        const_fn("user", s(&info.user)),
        const_fn("current_user", s(&info.current_user)),
        const_fn(
            "connection_id",
            ConstValue::Int64(i64::from(info.connection_id)),
        ),
        const_fn("version", s(&info.server_version)),
        const_fn("current_version", s(&info.current_version)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_paths_split_into_scope_and_name() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            split_variable(&v(&["@@version_comment"])),
            (VarScope::Session, "version_comment".into())
        );
        assert_eq!(
            split_variable(&v(&["@@SESSION", "Auto_Increment_Increment"])),
            (VarScope::Session, "auto_increment_increment".into())
        );
        assert_eq!(
            split_variable(&v(&["@@global", "time_zone"])),
            (VarScope::Global, "time_zone".into())
        );
        assert_eq!(
            split_variable(&v(&["@@local.sql_mode"])),
            (VarScope::Session, "sql_mode".into())
        );
    }
}
