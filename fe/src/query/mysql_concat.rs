//! `concat()` with StarRocks's (MySQL's) NULL rule: NULL when any argument is NULL.
//! DataFusion's own `concat` skips NULL arguments (PostgreSQL's rule), so `concat('[', NULL, ']')`
//! would give `[]` where a StarRocks user gets NULL. Registered on every query context in
//! place of the built-in; `concat_ws` keeps DataFusion's (already MySQL's) rule.

use datafusion::arrow::array::{Array, ArrayRef, StringArray, StringBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use std::sync::Arc;

#[derive(Debug, PartialEq, Eq, Hash)]
struct MysqlConcat {
    signature: Signature,
}

impl ScalarUDFImpl for MysqlConcat {
    fn name(&self) -> &str {
        "concat"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let all_scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if all_scalar { 1 } else { args.number_rows };
        // One Utf8 column per argument, then one pass over the rows.
        let columns: Vec<StringArray> = args
            .args
            .iter()
            .map(|a| {
                let arr: ArrayRef = a.to_array(rows)?;
                let utf8 = cast(&arr, &DataType::Utf8)?;
                Ok(utf8
                    .as_any()
                    .downcast_ref::<StringArray>()
                    .cloned()
                    .unwrap_or_else(|| StringArray::new_null(rows)))
            })
            .collect::<DfResult<_>>()?;
        let mut out = StringBuilder::with_capacity(rows, rows * 16);
        let mut buf = String::new();
        for r in 0..rows {
            if columns.iter().any(|c| c.is_null(r)) {
                out.append_null();
                continue;
            }
            buf.clear();
            for c in &columns {
                buf.push_str(c.value(r));
            }
            out.append_value(&buf);
        }
        let result: ArrayRef = Arc::new(out.finish());
        Ok(if all_scalar {
            ColumnarValue::Scalar(ScalarValue::try_from_array(&result, 0)?)
        } else {
            ColumnarValue::Array(result)
        })
    }
}

/// The `concat` to register on a query's context.
pub fn concat() -> ScalarUDF {
    ScalarUDF::new_from_impl(MysqlConcat {
        signature: Signature::variadic_any(Volatility::Immutable),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::Int64Array;
    use datafusion::arrow::datatypes::Field;

    fn run(args: Vec<ColumnarValue>, rows: usize) -> Vec<Option<String>> {
        let arg_fields = args
            .iter()
            .map(|a| Arc::new(Field::new("a", a.data_type(), true)))
            .collect();
        let out = concat()
            .invoke_with_args(ScalarFunctionArgs {
                args,
                arg_fields,
                number_rows: rows,
                return_field: Arc::new(Field::new("r", DataType::Utf8, true)),
                config_options: Arc::default(),
            })
            .unwrap()
            .to_array(rows)
            .unwrap();
        let s = out.as_any().downcast_ref::<StringArray>().unwrap();
        (0..rows)
            .map(|i| (!s.is_null(i)).then(|| s.value(i).to_string()))
            .collect()
    }

    #[test]
    fn any_null_argument_makes_null() {
        let col =
            ColumnarValue::Array(Arc::new(StringArray::from(vec![Some("a"), None, Some("")])));
        let num = ColumnarValue::Array(Arc::new(Int64Array::from(vec![Some(1), Some(2), None])));
        let lit = ColumnarValue::Scalar(ScalarValue::Utf8(Some("[".into())));
        assert_eq!(
            run(vec![lit, col, num], 3),
            vec![Some("[a1".to_string()), None, None]
        );
        let null = ColumnarValue::Scalar(ScalarValue::Utf8(None));
        let x = ColumnarValue::Scalar(ScalarValue::Utf8(Some("x".into())));
        assert_eq!(run(vec![x.clone(), null], 1), vec![None]);
        assert_eq!(run(vec![x.clone(), x], 1), vec![Some("xx".to_string())]);
    }
}
