//! How StarRocks column types map to Arrow types. FE (DataFusion) and BE (tablets, decoders)
//! both use this one mapping so that scanned batches and planned schemas always agree.

use crate::types::{AggType, ColumnDef, ColumnType, PrimitiveType, TabletSchema};
use ::arrow_schema::{DataType, Field, Schema, TimeUnit};

/// Arrow type that carries values of `t`.
///
/// LARGEINT is carried as Decimal128(38, 0): Arrow has no 128-bit integer type.
/// DATETIME is microseconds without a time zone (StarRocks DATETIME has no zone).
/// JSON is carried as its text.
pub fn arrow_type(t: &ColumnType) -> DataType {
    match PrimitiveType::try_from(t.r#type).unwrap_or(PrimitiveType::Varchar) {
        PrimitiveType::Boolean => DataType::Boolean,
        PrimitiveType::Tinyint => DataType::Int8,
        PrimitiveType::Smallint => DataType::Int16,
        PrimitiveType::Int => DataType::Int32,
        PrimitiveType::Bigint => DataType::Int64,
        PrimitiveType::Largeint => DataType::Decimal128(38, 0),
        PrimitiveType::Float => DataType::Float32,
        PrimitiveType::Double => DataType::Float64,
        PrimitiveType::Decimal32
        | PrimitiveType::Decimal64
        | PrimitiveType::Decimal128
        | PrimitiveType::Decimalv2 => {
            DataType::Decimal128(t.precision.clamp(1, 38) as u8, t.scale.clamp(0, 38) as i8)
        }
        PrimitiveType::Date => DataType::Date32,
        PrimitiveType::Datetime => DataType::Timestamp(TimeUnit::Microsecond, None),
        PrimitiveType::Char
        | PrimitiveType::Varchar
        | PrimitiveType::Json
        | PrimitiveType::Unspecified => DataType::Utf8,
        PrimitiveType::Array => {
            let item = t.item.as_deref().map(arrow_type).unwrap_or(DataType::Utf8);
            DataType::List(std::sync::Arc::new(Field::new("item", item, true)))
        }
    }
}

/// Arrow field for one column (nullability as declared).
pub fn arrow_field(c: &ColumnDef) -> Field {
    let t = c.r#type.clone().unwrap_or_default();
    Field::new(&c.name, arrow_type(&t), c.nullable)
}

/// Arrow schema of a tablet's full rows, in column order.
pub fn arrow_schema(s: &TabletSchema) -> Schema {
    Schema::new(s.columns.iter().map(arrow_field).collect::<Vec<_>>())
}

/// Builders for column definitions (tests, benchmarks and fixtures build many).
impl ColumnDef {
    /// A value column `name` of type `t`; `len` is the CHAR/VARCHAR length (-1 for none).
    pub fn of(name: &str, t: PrimitiveType, len: i32, nullable: bool) -> Self {
        ColumnDef {
            name: name.into(),
            r#type: Some(ColumnType {
                r#type: t as i32,
                len,
                ..Default::default()
            }),
            nullable,
            ..Default::default()
        }
    }

    /// The same column with DECIMAL precision and scale set.
    pub fn with_decimal(mut self, precision: i32, scale: i32) -> Self {
        if let Some(t) = self.r#type.as_mut() {
            t.precision = precision;
            t.scale = scale;
        }
        self
    }

    /// The same column as a key column (`key`) with aggregate `agg` (value columns of an
    /// AGGREGATE table).
    pub fn keyed(mut self, key: bool, agg: AggType) -> Self {
        self.is_key = key;
        self.agg = agg as i32;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_and_largeint_map_to_decimal128() {
        let t = ColumnType {
            r#type: PrimitiveType::Decimal64 as i32,
            len: -1,
            precision: 10,
            scale: 2,
            item: None,
        };
        assert_eq!(arrow_type(&t), DataType::Decimal128(10, 2));
        let t = ColumnType {
            r#type: PrimitiveType::Largeint as i32,
            len: -1,
            precision: 0,
            scale: 0,
            item: None,
        };
        assert_eq!(arrow_type(&t), DataType::Decimal128(38, 0));
    }
}
