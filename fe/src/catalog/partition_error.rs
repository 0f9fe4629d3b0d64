//! Every failure of partition analysis, range checks and lookups, with StarRocks's texts, and
//! how each reaches the client (analysis errors get the `Getting analyzing error` wrapper,
//! DDL errors are plain 1064/HY000, a few carry their own ErrorCode).
//!
//! Texts checked in the StarRocks FE source (fe/fe-core/src/main/java/com/starrocks/...):
//! `sql/ast/RangePartitionDesc.java`, `sql/ast/ListPartitionDesc.java`,
//! `sql/ast/MultiRangePartitionDesc.java`, `sql/ast/PartitionKeyDesc.java`,
//! `sql/analyzer/PartitionDescAnalyzer.java`, `catalog/RangePartitionInfo.java`
//! (`checkAndCreateRange`, `checkRangeColumnType`), `common/util/RangeUtils.java`
//! (`checkRangeIntersect`), `common/FeNameFormat.java`, `common/ErrorCode.java` (5700-5703,
//! 1517, 1567). Texts marked "unverified" below were not found in the source.
//!
//! Dynamic partitioning (`common/util/DynamicPartitionUtil.java`: `checkInputDynamicPartition
//! Properties`, `analyzeDynamicPartition`, `checkStartDayOfWeek`/`Month`, `checkAlterAllowed`,
//! `getPartitionFormat`; `common/ErrorCode.java` ERROR_DYNAMIC_PARTITION_* 5065-5072, 5092;
//! `common/util/TimeUtils.checkTimeZoneValidAndStandardize`, ERR_UNKNOWN_TIME_ZONE 1298):
//! `DdlException`s reach the client as plain 1064 texts, `ErrorReport.reportDdlException`
//! with the ErrorCode's errno and SQLSTATE, the `SemanticException` wrapped.

use crate::error::SqlError;

/// How StarRocks reports an error class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// AnalysisException / SemanticException at analysis: `Getting analyzing error. ...`.
    Analysis,
    /// DdlException from the metastore: the text as is, 1064/HY000.
    Ddl,
    /// An ErrorCode with its own errno and SQLSTATE.
    Code(u16, &'static str),
}

/// A partition failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartitionError {
    #[error("No partition columns.")]
    NoPartitionColumns,
    #[error("Duplicated partition column {0}")]
    DuplicatedColumn(String),
    #[error("Partition column[{0}] does not exist in column list.")]
    UnknownColumn(String),
    #[error("The partition column could not be aggregated column and unique table's partition column must be key column")]
    AggregatedColumn,
    /// Floating point or complex column (`Type.toString` spelling, e.g. `DOUBLE`).
    #[error("Invalid partition column '{name}': invalid data type {type_name}")]
    InvalidColumnType { name: String, type_name: String },
    #[error("Column[{name}] type[{type_name}] cannot be a range partition key.")]
    NotRangeColumnType { name: String, type_name: String },
    #[error("Duplicated partition name: {0}")]
    DuplicatedName(String),
    /// ErrorCode ERR_SAME_NAME_PARTITION (ADD PARTITION of an existing name).
    #[error("Duplicate partition name {0}")]
    SameNamePartition(String),
    #[error("You can only use one of these methods to create partitions")]
    MixedRangeForms,
    /// `{0}` is the partition key description (`('a', 'b')`).
    #[error("Partition values number is more than partition column number: {0}")]
    TooManyValues(String),
    #[error("Not support MAXVALUE in multi partition range values.")]
    MultiColumnMaxValue,
    /// ErrorCode ERR_WRONG_PARTITION_NAME.
    #[error("Incorrect partition name '{0}'")]
    IncorrectName(String),

    #[error("Batch build partition only support single range column.")]
    BatchMultiColumn,
    #[error(
        "Batch build partition for hour interval only supports partition column as DATETIME type"
    )]
    BatchHourNeedsDatetime,
    /// ErrorCode ERR_MULTI_PARTITION_STEP_LQ_ZERO.
    #[error("The interval of the Multi-Range Partition must be greater than 0")]
    BatchStepNotPositive,
    #[error("Batch build partition does not support time interval type: {0}")]
    BatchUnsupportedUnit(String),
    #[error("Batch build partition does not support time interval type.")]
    BatchUnknownUnit,
    /// Numeric `EVERY (n)` on a DATE/DATETIME column.
    #[error("Unknown timeunit for batch build partition.")]
    BatchMissingUnit,
    #[error("Automatically create partition tables and create partitions in advance only supports an interval of 1")]
    AutoBatchStep,
    /// A `dynamic_partition.*` property a batch clause reads failed its check: StarRocks's
    /// `convertToSingle` rethrows the DdlException as an AnalysisException (same text,
    /// analysis class).
    #[error("{0}")]
    BatchProperty(Box<PartitionError>),
    #[error("Batch build partition EVERY is date type but START or END does not type match.")]
    BatchDateMismatch,
    #[error("Batch build partition start date should less than end date.")]
    BatchDateOrder,
    #[error("Batch build partition EVERY is number type but START or END does not type match.")]
    BatchNumberMismatch,
    #[error("Batch build partition start value should less then end value.")]
    BatchNumberOrder,
    #[error("Unsupported batch partition build type:{0}.")]
    BatchUnsupportedType(String),
    #[error("The number of batch partitions should not exceed:{0}")]
    BatchTooMany(u64),

    #[error("Duplicated value {0}")]
    DuplicatedListValue(String),
    /// `{0}` is `"a","1"`.
    #[error("Duplicate values ({0}) not allow")]
    DuplicatedListValues(String),
    /// A row of a multi-column list partition with the wrong number of values. Text unverified.
    #[error("Partition column size {columns} is not equal to the value size {values}")]
    ListValueCount { columns: usize, values: usize },

    /// Literal parsing (IntLiteral / LargeIntLiteral / DateLiteral). Texts from
    /// `analysis/IntLiteral.java` and `LiteralExpr.create`; the date text is the 3.x one.
    #[error("Invalid number format: {0}")]
    InvalidNumber(String),
    #[error("Number out of range[{value}]. type: {type_name}")]
    NumberOutOfRange { value: String, type_name: String },
    #[error("date literal [{0}] is invalid")]
    InvalidDate(String),
    /// A literal for a column type a partition value cannot have. Text unverified.
    #[error("Type[{0}] not supported.")]
    UnsupportedValueType(String),

    /// `RangePartitionInfo.checkAndCreateRange` wraps analysis failures of a new range.
    #[error("Invalid range value format: {0}")]
    InvalidRangeValue(Box<PartitionError>),
    #[error("The lower values must smaller than upper values")]
    LowerNotBelowUpper,
    #[error("Partition's upper value should not be MIN VALUE: {0}")]
    UpperIsMinValue(String),
    /// Both ranges as Guava prints them (`[types: [DATE]; keys: [2020-01-01]; ..types: ...)`).
    #[error("Range {new} is intersected with range: {existing}")]
    RangeIntersected { new: String, existing: String },

    /// Expression partitioning. Texts of the unsupported forms are unverified.
    #[error("Unsupported partition expression: {0}")]
    UnsupportedExpression(String),
    #[error("Unsupported time unit {unit} of partition function {function}")]
    UnsupportedExprUnit { function: String, unit: String },
    #[error("Expr[{expr}] type[{type_name}] cannot be a range partition key.")]
    NotRangeExprType { expr: String, type_name: String },

    /// ALTER TABLE ADD PARTITION on a table that is not range/list partitioned.
    #[error("Only support adding partition to range/list partitioned table")]
    AddToUnpartitioned,
    /// ErrorCode ERR_ADD_PARTITION_WITH_ERROR_PARTITION_TYPE.
    #[error("Cannot add a Range partition to a table that partition type is not of Range")]
    AddRangeToNonRange,
    /// ErrorCode ERR_MULTI_PARTITION_COLUMN_NOT_SUPPORT_ADD_MULTI_RANGE.
    #[error("Can't add multi range partition to multi partition column table")]
    AddBatchToMultiColumn,
    #[error(
        "Automatically partitioned tables does not support multiple values in the same partition"
    )]
    AutoListMultipleValues,
    #[error("Currently, you cannot manually add a single range partition to a table that is automatically partition")]
    AutoRangeSingleAdd,
    #[error("The step of the auto-partitioned table should be 1")]
    AutoStepNotOne,
    /// ErrorCode ERR_ADD_PARTITION_WITH_ERROR_STEP_LENGTH.
    #[error("Step length [{added}] in the operation is not equal to the partition step length [{table}] stored in the table")]
    AddStepMismatch { added: i64, table: i64 },
    #[error("The granularity of the auto-partitioned table granularity({table}) should be consistent with the increased partition granularity({added}).")]
    AutoGranularityMismatch { table: String, added: String },
    /// ErrorCode ERR_DROP_PARTITION_NON_EXISTENT; the names as Java prints a list (`[p9]`).
    #[error("Error in list of partitions to {0}")]
    DropNonExistent(String),
    /// DROP PARTITION on an unpartitioned table (`LocalMetastore.dropPartition`, checked
    /// before the names).
    #[error("Alter table [{0}] failed. Not a partitioned table")]
    DropFromUnpartitioned(String),
    /// A list partition added to a range table. Text unverified.
    #[error("Cannot add a List partition to a table that partition type is not of List")]
    AddListToNonList,

    /// `dynamic_partition.*` on a LIST, multi-column or expression-partitioned table. For
    /// expression partitioning StarRocks checks earlier (`checkIfAutomaticPartitionAllowed`,
    /// text unverified); starload answers with this one.
    #[error("Dynamic partition only support single-column range partition")]
    DynamicNotSingleRange,
    #[error("Must assign dynamic_partition.time_unit properties")]
    DynamicMissingTimeUnit,
    #[error("Must assign dynamic_partition.end properties")]
    DynamicMissingEnd,
    /// A SemanticException in StarRocks.
    #[error("Date type partition does not support dynamic partitioning granularity of hour")]
    DynamicHourOnDate,
    /// ERROR_DYNAMIC_PARTITION_TIME_UNIT (the 3.x text still lists four units).
    #[error("Unsupported time unit {0}. Expect DAY/WEEK/MONTH/YEAR.")]
    DynamicTimeUnit(String),
    /// ERROR_DYNAMIC_PARTITION_PREFIX.
    #[error("Invalid dynamic partition prefix: {0}.")]
    DynamicPrefix(String),
    /// ERROR_DYNAMIC_PARTITION_BUCKETS_EMPTY.
    #[error("Dynamic partition buckets is empty")]
    DynamicBucketsEmpty,
    /// ERROR_DYNAMIC_PARTITION_BUCKETS_FORMAT.
    #[error("Invalid dynamic partition buckets {0}")]
    DynamicBucketsFormat(String),
    /// ERROR_DYNAMIC_PARTITION_ENABLE.
    #[error("Invalid dynamic partition enable: {0}. Expected true or false")]
    DynamicEnable(String),
    /// ERROR_DYNAMIC_PARTITION_START_ZERO (the format has no argument).
    #[error("Dynamic partition start must less than 0")]
    DynamicStartNotNegative,
    /// ERROR_DYNAMIC_PARTITION_START_FORMAT.
    #[error("Invalid dynamic partition start {0}")]
    DynamicStartFormat(String),
    /// ERROR_DYNAMIC_PARTITION_END_ZERO.
    #[error("Dynamic partition end must greater than 0")]
    DynamicEndNotPositive,
    /// ERROR_DYNAMIC_PARTITION_END_EMPTY (an empty end among otherwise non-dynamic keys).
    #[error("Dynamic partition end is empty")]
    DynamicEndEmpty,
    /// ERROR_DYNAMIC_PARTITION_END_FORMAT.
    #[error("Invalid dynamic partition end {0}")]
    DynamicEndFormat(String),
    /// ERROR_DYNAMIC_PARTITION_HISTORY_PARTITION_NUM_ZERO.
    #[error("Dynamic history partition num must greater than 0")]
    DynamicHistoryNegative,
    /// ERROR_DYNAMIC_PARTITION_REPLICATION_NUM_ZERO.
    #[error("Dynamic partition replication num must greater than 0")]
    DynamicReplicationNumZero,
    /// ERROR_DYNAMIC_PARTITION_REPLICATION_NUM_FORMAT.
    #[error("Invalid dynamic partition replication num: {0}.")]
    DynamicReplicationNumFormat(String),
    /// An empty or non-numeric history_partition_num, start_day_of_week, start_day_of_month
    /// or replication_num (`{0}` is the property key).
    #[error("Invalid properties: {0}")]
    DynamicInvalidProperty(&'static str),
    #[error("dynamic_partition.start_day_of_week should between 1 and 7")]
    DynamicStartDayOfWeekRange,
    #[error("dynamic_partition.start_day_of_month should between 1 and 28")]
    DynamicStartDayOfMonthRange,
    /// `end + history_partition_num` above FE config `max_dynamic_partition_num`.
    #[error("Too many dynamic partitions: {count}. Limit: {limit}")]
    DynamicTooMany { count: i64, limit: i64 },
    /// ErrorCode ERR_UNKNOWN_TIME_ZONE from `checkTimeZoneValidAndStandardize`.
    #[error("Unknown or incorrect time zone: '{0}'")]
    DynamicUnknownTimeZone(String),
    /// `getPartitionFormat` of a column that is not DATE, DATETIME or an integer.
    #[error("Dynamic Partition Only Support DATE, DATETIME and INTEGER Type Now.")]
    DynamicColumnType,
    /// HOUR on an integer column: its `yyyyMMdd` bounds cannot hold an hour (StarRocks fails
    /// with a Java StringIndexOutOfBoundsException there; text unverified).
    #[error("Dynamic partition time unit HOUR needs a DATETIME partition column")]
    DynamicHourOnInteger,
    /// `checkAlterAllowed`, called by `AlterJobExecutor` before a (non-temporary) ADD / DROP
    /// PARTITION.
    #[error("Cannot add/drop partition on a Dynamic Partition Table, Use command `ALTER TABLE tbl_name SET (\"dynamic_partition.enable\" = \"false\")` firstly.")]
    DynamicAlterNotAllowed,
}

impl PartitionError {
    /// How StarRocks reports this error.
    pub fn class(&self) -> ErrorClass {
        use PartitionError::*;
        match self {
            BatchStepNotPositive => ErrorClass::Code(5703, "42000"),
            AddRangeToNonRange => ErrorClass::Code(5700, "42000"),
            AddStepMismatch { .. } => ErrorClass::Code(5701, "42000"),
            DropNonExistent(_) => ErrorClass::Code(1507, "HY000"),
            DropFromUnpartitioned(_) => ErrorClass::Ddl,
            AddBatchToMultiColumn => ErrorClass::Code(5702, "42000"),
            SameNamePartition(_) => ErrorClass::Code(1517, "HY000"),
            InvalidRangeValue(_)
            | RangeIntersected { .. }
            | UpperIsMinValue(_)
            | NotRangeColumnType { .. } => ErrorClass::Ddl,
            DynamicTimeUnit(_) => ErrorClass::Code(5065, "42000"),
            DynamicStartNotNegative
            | DynamicStartFormat(_)
            | DynamicEndNotPositive
            | DynamicEndFormat(_)
            | DynamicEndEmpty
            | DynamicBucketsEmpty => ErrorClass::Code(5066, "42000"),
            DynamicBucketsFormat(_) => ErrorClass::Code(5067, "42000"),
            DynamicEnable(_) => ErrorClass::Code(5068, "42000"),
            DynamicPrefix(_) => ErrorClass::Code(5069, "42000"),
            DynamicReplicationNumZero => ErrorClass::Code(5071, "42000"),
            DynamicReplicationNumFormat(_) => ErrorClass::Code(5072, "42000"),
            DynamicHistoryNegative => ErrorClass::Code(5092, "42000"),
            DynamicUnknownTimeZone(_) => ErrorClass::Code(1298, "HY000"),
            DynamicNotSingleRange
            | DynamicMissingTimeUnit
            | DynamicMissingEnd
            | DynamicInvalidProperty(_)
            | DynamicStartDayOfWeekRange
            | DynamicStartDayOfMonthRange
            | DynamicTooMany { .. }
            | DynamicColumnType
            | DynamicHourOnInteger
            | DynamicAlterNotAllowed => ErrorClass::Ddl,
            // DynamicHourOnDate (a SemanticException) and BatchProperty stay analysis errors.
            _ => ErrorClass::Analysis,
        }
    }
}

impl From<PartitionError> for SqlError {
    fn from(e: PartitionError) -> Self {
        match e.class() {
            ErrorClass::Analysis => SqlError::analyzing(e.to_string()),
            ErrorClass::Ddl => SqlError::plain(e.to_string()),
            ErrorClass::Code(errno, sqlstate) => SqlError {
                errno,
                sqlstate: sqlstate.to_string(),
                message: e.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_shape_the_client_error() {
        let e: SqlError = PartitionError::DuplicatedName("p1".into()).into();
        assert_eq!(
            e.message,
            "Getting analyzing error. Detail message: Duplicated partition name: p1."
        );
        let e: SqlError = PartitionError::RangeIntersected {
            new: "a".into(),
            existing: "b".into(),
        }
        .into();
        assert_eq!(
            (e.errno, e.message.as_str()),
            (1064, "Range a is intersected with range: b")
        );
        let e: SqlError = PartitionError::BatchStepNotPositive.into();
        assert_eq!((e.errno, e.sqlstate.as_str()), (5703, "42000"));
        let e: SqlError =
            PartitionError::InvalidRangeValue(Box::new(PartitionError::LowerNotBelowUpper)).into();
        assert_eq!(
            e.message,
            "Invalid range value format: The lower values must smaller than upper values"
        );
    }
}
