//! StarRocks column types as the catalog stores them, and the three ways StarRocks prints them:
//! `to_sql` (SHOW CREATE TABLE, `ScalarType.toSql`), `canonical_name` (DESC / SHOW COLUMNS,
//! `ScalarType.canonicalName().toLowerCase()`), and the MySQL-flavoured names of
//! information_schema.columns (`be/src/exec/schema_scanner/schema_columns_scanner.cpp`).
//! Mirrors `fe/fe-core/src/main/java/com/starrocks/catalog/ScalarType.java`.

use serde::{Deserialize, Serialize};
use starload_proto::types::{ColumnType, PrimitiveType};

/// VARCHAR length of `STRING` (StarRocks `ScalarType.DEFAULT_STRING_LENGTH`).
pub const STRING_LENGTH: u32 = 65533;
/// Longest VARCHAR (`ScalarType.MAX_VARCHAR_LENGTH`, since 2.1).
pub const MAX_VARCHAR_LENGTH: u32 = 1_048_576;
/// Longest CHAR.
pub const MAX_CHAR_LENGTH: u32 = 255;
/// Widest decimal.
pub const MAX_DECIMAL_PRECISION: u32 = 38;

/// Physical width of a decimal (StarRocks DECIMALV3 picks the narrowest by precision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DecimalKind {
    /// Legacy DECIMALV2 (printed `decimal(p, s)`).
    V2,
    D32,
    D64,
    D128,
}

impl DecimalKind {
    /// The narrowest DECIMALV3 type holding `precision` digits (`createDecimalV3NarrowestType`).
    pub fn narrowest(precision: u32) -> Self {
        if precision <= 9 {
            DecimalKind::D32
        } else if precision <= 18 {
            DecimalKind::D64
        } else {
            DecimalKind::D128
        }
    }

    fn sql_name(self) -> &'static str {
        match self {
            DecimalKind::V2 => "decimal",
            DecimalKind::D32 => "decimal32",
            DecimalKind::D64 => "decimal64",
            DecimalKind::D128 => "decimal128",
        }
    }
}

/// A column type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DataType {
    Boolean,
    Tinyint,
    Smallint,
    Int,
    Bigint,
    Largeint,
    Float,
    Double,
    Decimal {
        kind: DecimalKind,
        precision: u32,
        scale: u32,
    },
    Date,
    Datetime,
    /// CHAR(n); `None` = no length given (printed bare).
    Char(Option<u32>),
    /// VARCHAR(n); `None` = no length given (printed bare).
    Varchar(Option<u32>),
    Json,
    Array(Box<DataType>),
}

impl DataType {
    /// `ScalarType.toSql()`: the spelling of SHOW CREATE TABLE (`bigint(20)`, `decimal64(10, 2)`).
    pub fn to_sql(&self) -> String {
        match self {
            DataType::Boolean => "boolean".into(),
            DataType::Tinyint => "tinyint(4)".into(),
            DataType::Smallint => "smallint(6)".into(),
            DataType::Int => "int(11)".into(),
            DataType::Bigint => "bigint(20)".into(),
            DataType::Largeint => "largeint(40)".into(),
            DataType::Float => "float".into(),
            DataType::Double => "double".into(),
            DataType::Decimal {
                kind,
                precision,
                scale,
            } => format!("{}({}, {})", kind.sql_name(), precision, scale),
            DataType::Date => "date".into(),
            DataType::Datetime => "datetime".into(),
            DataType::Char(None) => "char".into(),
            DataType::Char(Some(n)) => format!("char({n})"),
            DataType::Varchar(None) => "varchar".into(),
            DataType::Varchar(Some(n)) => format!("varchar({n})"),
            DataType::Json => "json".into(),
            DataType::Array(item) => format!("array<{}>", item.to_sql()),
        }
    }

    /// `canonicalName().toLowerCase()`: the spelling of DESC and SHOW COLUMNS (`bigint`,
    /// `decimal(10,2)`, `varchar(26)`).
    pub fn canonical_name(&self) -> String {
        match self {
            DataType::Boolean => "boolean".into(),
            DataType::Tinyint => "tinyint".into(),
            DataType::Smallint => "smallint".into(),
            DataType::Int => "int".into(),
            DataType::Bigint => "bigint".into(),
            DataType::Largeint => "largeint".into(),
            DataType::Float => "float".into(),
            DataType::Double => "double".into(),
            DataType::Decimal {
                precision, scale, ..
            } => format!("decimal({precision},{scale})"),
            DataType::Date => "date".into(),
            DataType::Datetime => "datetime".into(),
            DataType::Char(None) => "char".into(),
            DataType::Char(Some(n)) => format!("char({n})"),
            DataType::Varchar(None) => "varchar".into(),
            DataType::Varchar(Some(n)) => format!("varchar({n})"),
            DataType::Json => "json".into(),
            // ArrayType.toString() is `ARRAY<item>`, lower-cased by DESC.
            DataType::Array(item) => format!("array<{}>", item.canonical_name()),
        }
    }

    /// information_schema.columns DATA_TYPE (`to_mysql_data_type_string`): BOOLEAN is
    /// `tinyint`, LARGEINT `bigint unsigned`, every decimal `decimal`.
    pub fn mysql_data_type(&self) -> &'static str {
        match self {
            DataType::Boolean | DataType::Tinyint => "tinyint",
            DataType::Smallint => "smallint",
            DataType::Int => "int",
            DataType::Bigint => "bigint",
            DataType::Largeint => "bigint unsigned",
            DataType::Float => "float",
            DataType::Double => "double",
            DataType::Decimal { .. } => "decimal",
            DataType::Date => "date",
            DataType::Datetime => "datetime",
            DataType::Char(_) => "char",
            DataType::Varchar(_) => "varchar",
            DataType::Json => "json",
            DataType::Array(_) => "array",
        }
    }

    /// information_schema.columns COLUMN_TYPE (`type_to_string`).
    pub fn mysql_column_type(&self) -> String {
        match self {
            DataType::Boolean => "tinyint(1)".into(),
            DataType::Largeint => "bigint(20) unsigned".into(),
            DataType::Decimal {
                precision, scale, ..
            } => format!("decimal({precision},{scale})"),
            DataType::Char(n) => format!("char({})", n.unwrap_or(1)),
            DataType::Varchar(n) => format!("varchar({})", n.unwrap_or(1)),
            DataType::Array(_) => self.canonical_name(),
            other => other.to_sql(),
        }
    }

    /// JDBC-style precision (`Type.getPrecision`): integer digits of numeric types.
    pub fn numeric_precision(&self) -> Option<i64> {
        match self {
            DataType::Tinyint => Some(3),
            DataType::Smallint => Some(5),
            DataType::Int => Some(10),
            DataType::Bigint => Some(19),
            DataType::Largeint => Some(39),
            DataType::Float => Some(7),
            DataType::Double => Some(15),
            DataType::Decimal { precision, .. } => Some(*precision as i64),
            _ => None,
        }
    }

    /// JDBC-style decimal digits (`Type.getDecimalDigits`).
    pub fn decimal_digits(&self) -> Option<i64> {
        match self {
            DataType::Tinyint
            | DataType::Smallint
            | DataType::Int
            | DataType::Bigint
            | DataType::Largeint => Some(0),
            DataType::Float => Some(7),
            DataType::Double => Some(15),
            DataType::Decimal { scale, .. } => Some(*scale as i64),
            _ => None,
        }
    }

    /// JDBC-style column size (`Type.getColumnSize`); NULL for BOOLEAN (BI tools rely on it).
    pub fn column_size(&self) -> Option<i64> {
        match self {
            DataType::Date => Some(10),
            DataType::Datetime => Some(19),
            DataType::Char(n) | DataType::Varchar(n) => Some(n.unwrap_or(1) as i64),
            other => other.numeric_precision(),
        }
    }

    /// CHAR/VARCHAR length, if any.
    pub fn char_length(&self) -> Option<i64> {
        match self {
            DataType::Char(n) | DataType::Varchar(n) => Some(n.unwrap_or(1) as i64),
            _ => None,
        }
    }

    /// Types that may not be key, sort or distribution columns.
    pub fn is_floating(&self) -> bool {
        matches!(self, DataType::Float | DataType::Double)
    }

    /// JSON and ARRAY: no keys, no defaults.
    pub fn is_complex(&self) -> bool {
        matches!(self, DataType::Json | DataType::Array(_))
    }

    /// True for CHAR/VARCHAR.
    pub fn is_string(&self) -> bool {
        matches!(self, DataType::Char(_) | DataType::Varchar(_))
    }

    /// Short-key bytes of a key column (`Type.getIndexSize`), used to pick default DUPLICATE
    /// keys.
    pub fn index_size(&self) -> u32 {
        match self {
            DataType::Boolean | DataType::Tinyint => 1,
            DataType::Smallint => 2,
            DataType::Int | DataType::Float => 4,
            DataType::Bigint | DataType::Double | DataType::Datetime => 8,
            DataType::Largeint => 16,
            DataType::Date => 3,
            DataType::Decimal { kind, .. } => match kind {
                DecimalKind::D32 => 4,
                DecimalKind::D64 => 8,
                DecimalKind::V2 => 12,
                DecimalKind::D128 => 16,
            },
            DataType::Char(n) => n.unwrap_or(1),
            DataType::Varchar(_) => 20,
            DataType::Json | DataType::Array(_) => 16,
        }
    }

    /// The FE<->BE contract type.
    pub fn to_proto(&self) -> ColumnType {
        let mut t = ColumnType {
            r#type: PrimitiveType::Unspecified as i32,
            len: -1,
            precision: 0,
            scale: 0,
            item: None,
        };
        let p = match self {
            DataType::Boolean => PrimitiveType::Boolean,
            DataType::Tinyint => PrimitiveType::Tinyint,
            DataType::Smallint => PrimitiveType::Smallint,
            DataType::Int => PrimitiveType::Int,
            DataType::Bigint => PrimitiveType::Bigint,
            DataType::Largeint => PrimitiveType::Largeint,
            DataType::Float => PrimitiveType::Float,
            DataType::Double => PrimitiveType::Double,
            DataType::Decimal {
                kind,
                precision,
                scale,
            } => {
                t.precision = *precision as i32;
                t.scale = *scale as i32;
                match kind {
                    DecimalKind::V2 => PrimitiveType::Decimalv2,
                    DecimalKind::D32 => PrimitiveType::Decimal32,
                    DecimalKind::D64 => PrimitiveType::Decimal64,
                    DecimalKind::D128 => PrimitiveType::Decimal128,
                }
            }
            DataType::Date => PrimitiveType::Date,
            DataType::Datetime => PrimitiveType::Datetime,
            DataType::Char(n) => {
                t.len = n.map(|n| n as i32).unwrap_or(-1);
                PrimitiveType::Char
            }
            DataType::Varchar(n) => {
                t.len = n.map(|n| n as i32).unwrap_or(-1);
                PrimitiveType::Varchar
            }
            DataType::Json => PrimitiveType::Json,
            DataType::Array(item) => {
                t.item = Some(Box::new(item.to_proto()));
                PrimitiveType::Array
            }
        };
        t.r#type = p as i32;
        t
    }
}

impl std::fmt::Display for DataType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_sql())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(p: u32, s: u32) -> DataType {
        DataType::Decimal {
            kind: DecimalKind::narrowest(p),
            precision: p,
            scale: s,
        }
    }

    #[test]
    fn show_create_spellings_follow_to_sql() {
        assert_eq!(DataType::Bigint.to_sql(), "bigint(20)");
        assert_eq!(DataType::Int.to_sql(), "int(11)");
        assert_eq!(DataType::Tinyint.to_sql(), "tinyint(4)");
        assert_eq!(DataType::Largeint.to_sql(), "largeint(40)");
        assert_eq!(dec(10, 2).to_sql(), "decimal64(10, 2)");
        assert_eq!(dec(9, 0).to_sql(), "decimal32(9, 0)");
        assert_eq!(dec(38, 9).to_sql(), "decimal128(38, 9)");
        assert_eq!(DataType::Varchar(Some(26)).to_sql(), "varchar(26)");
        assert_eq!(DataType::Varchar(None).to_sql(), "varchar");
        assert_eq!(
            DataType::Array(Box::new(DataType::Int)).to_sql(),
            "array<int(11)>"
        );
    }

    #[test]
    fn desc_spellings_follow_canonical_name() {
        assert_eq!(DataType::Bigint.canonical_name(), "bigint");
        assert_eq!(dec(10, 2).canonical_name(), "decimal(10,2)");
        assert_eq!(DataType::Varchar(Some(26)).canonical_name(), "varchar(26)");
        assert_eq!(DataType::Boolean.canonical_name(), "boolean");
        assert_eq!(DataType::Json.canonical_name(), "json");
    }

    #[test]
    fn information_schema_spellings() {
        assert_eq!(DataType::Boolean.mysql_data_type(), "tinyint");
        assert_eq!(DataType::Boolean.column_size(), None);
        assert_eq!(DataType::Largeint.mysql_data_type(), "bigint unsigned");
        assert_eq!(dec(10, 2).mysql_column_type(), "decimal(10,2)");
        assert_eq!(DataType::Int.numeric_precision(), Some(10));
    }

    #[test]
    fn proto_mapping_keeps_lengths_and_items() {
        let t = DataType::Array(Box::new(DataType::Varchar(Some(10)))).to_proto();
        assert_eq!(t.r#type, PrimitiveType::Array as i32);
        assert_eq!(t.item.as_ref().map(|i| i.len), Some(10));
        let d = dec(10, 2).to_proto();
        assert_eq!(
            (d.r#type, d.precision, d.scale),
            (PrimitiveType::Decimal64 as i32, 10, 2)
        );
    }
}
