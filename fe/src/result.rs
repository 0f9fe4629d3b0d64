//! What a statement returns, in the shape the MySQL protocol sends it (OK packet or a text
//! result set). Every layer that answers a statement (handler, SHOW formatters, information_schema,
//! queries, variables) builds these, so they sit at the bottom of the FE, below all of them.

/// MySQL column type of a result column (what the client is told in the column definition).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ColumnKind {
    Varchar,
    Tinyint,
    Smallint,
    Int,
    Bigint,
    Float,
    Double,
    Decimal,
    Date,
    Datetime,
    /// BOOLEAN is sent as TINYINT(1) values 1/0.
    Boolean,
}

/// One result column.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ResultColumn {
    pub name: String,
    pub kind: ColumnKind,
}

impl ResultColumn {
    pub fn varchar(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            kind: ColumnKind::Varchar,
        }
    }
    pub fn new(name: impl Into<String>, kind: ColumnKind) -> Self {
        Self {
            name: name.into(),
            kind,
        }
    }
}

/// A result set in text-protocol form: every value is its text, `None` is SQL NULL.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ResultSet {
    pub columns: Vec<ResultColumn>,
    pub rows: Vec<Vec<Option<String>>>,
}

impl ResultSet {
    /// An all-VARCHAR result with the given titles.
    pub fn with_titles(titles: &[&str]) -> Self {
        Self {
            columns: titles.iter().map(|t| ResultColumn::varchar(*t)).collect(),
            rows: Vec::new(),
        }
    }
}

/// What a statement returns.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum QueryResult {
    /// OK packet.
    Ok { affected_rows: u64, info: String },
    /// A result set.
    Rows(ResultSet),
}

impl QueryResult {
    pub fn ok() -> Self {
        QueryResult::Ok {
            affected_rows: 0,
            info: String::new(),
        }
    }
}
