//! A job's load clauses (COLUMNS TERMINATED BY, ROWS TERMINATED BY, COLUMNS, WHERE,
//! PARTITION) as the job persists them (inside the job record, key 0x30) and SHOW prints them.
//! Routine load owns the type: the parser (`sql::routine_load`) fills it, the job stores it,
//! and the scheduler hands it to the BE.

pub mod include_metadata;

use include_metadata::MetadataItem;
use serde::{Deserialize, Serialize};

/// One COLUMNS item: a bare name or `name = expr`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnItem {
    pub name: String,
    /// The expression as StarRocks prints it, when given.
    pub expr: Option<String>,
}

impl ColumnItem {
    /// `ImportColumnDesc.toString()`: `name` or `name=<expr>`.
    pub fn to_show(&self) -> String {
        match &self.expr {
            Some(e) => format!("{}={}", self.name, e),
            None => self.name.clone(),
        }
    }
}

/// `[TEMPORARY] PARTITION(S) (p1, p2)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionNames {
    pub temporary: bool,
    pub names: Vec<String>,
}

/// The load clauses of CREATE/ALTER (each at most once).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadDesc {
    /// COLUMNS TERMINATED BY, as written.
    pub column_separator: Option<String>,
    /// ROWS TERMINATED BY, as written.
    pub row_delimiter: Option<String>,
    pub columns: Option<Vec<ColumnItem>>,
    /// WHERE, as StarRocks prints it.
    pub where_sql: Option<String>,
    pub partitions: Option<PartitionNames>,
    /// INCLUDE METADATA (StarRocks 4.1; `include_metadata.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Vec<MetadataItem>>,
}

impl LoadDesc {
    /// Replaces the clauses that `other` sets (ALTER).
    pub fn merge(&mut self, other: &LoadDesc) {
        if other.column_separator.is_some() {
            self.column_separator = other.column_separator.clone();
        }
        if other.row_delimiter.is_some() {
            self.row_delimiter = other.row_delimiter.clone();
        }
        if other.columns.is_some() {
            self.columns = other.columns.clone();
        }
        if other.where_sql.is_some() {
            self.where_sql = other.where_sql.clone();
        }
        if other.partitions.is_some() {
            self.partitions = other.partitions.clone();
        }
        if other.metadata.is_some() {
            self.metadata = other.metadata.clone();
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == LoadDesc::default()
    }
}
