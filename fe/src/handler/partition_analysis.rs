//! Partition analysis: the parsed clause of CREATE TABLE (or an ALTER TABLE ADD PARTITION) ->
//! the catalog's [`PartitionInfo`] plus the partitions to create, with StarRocks's checks and
//! error texts, in StarRocks's order (`RangePartitionDesc.analyze`, `ListPartitionDesc.analyze`,
//! `SingleRangePartitionDesc.analyze`, `PartitionKeyDesc.analyze`, `PartitionDescAnalyzer`,
//! then `RangePartitionInfo.checkAndCreateRange` for each partition in order).
//!
//! Pure functions over the statement and the table's columns; ids come from the caller
//! (`next_id`). CREATE TABLE (`handler/ddl.rs`) and ALTER TABLE ADD / DROP PARTITION
//! (`handler/partition_ddl.rs`) call them. The one exception is [`analyze_partition_desc`],
//! which reads the clock for dynamic partitioning (`handler/dynamic_partition.rs`); tests
//! call [`analyze_partition_desc_at`] with a fixed moment.
//!
//! Departures (StarRocks behaviour not modelled): temporary partitions share the formal
//! partitions' ranges (StarRocks keeps `idToTempRange` apart); per-partition properties
//! (`replication_num`, `storage_medium`) are parsed but not stored; the date alignment check
//! of batches added to expression-partitioned tables (`checkManualAddPartitionDateAligned`)
//! is not made.

use crate::catalog::partition_error::PartitionError;
use crate::catalog::partition_info::{
    ExpressionPartitionInfo, ListItem, ListPartitionInfo, NewRange, PartitionColumn, PartitionInfo,
    PartitionKey, RangePartitionInfo, TimeFunction,
};
use crate::catalog::partition_value::{
    is_date_type, primitive_type_name, PartitionValue, TimeUnit,
};
use crate::catalog::table::Column;
use crate::catalog::types::DataType;
use crate::clock::now_ms;
use crate::handler::dynamic_partition::{self, DynamicPartitionProperty, Zone};
use crate::handler::partition_batch::{
    check_batch, check_partition_name, expand_batch, BatchContext, MAX_PARTITIONS_IN_ONE_BATCH,
};
use crate::sql::partition::{
    BatchRangePartition, Every, FunctionArg, FunctionCallAst, ListPartitionDef, ListValues,
    PartitionDesc, PartitionKeyDesc, PartitionValueAst, RangePartitionDef, SingleRangePartition,
};
use crate::sql::partition_stmt::AddPartitionDef;
use crate::variables::host_time_zone;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// A partition to create: its id (from `next_id`) and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPartition {
    pub id: i64,
    pub name: String,
}

/// The result of analysis: the table's partitioning and the partitions to create, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzedPartitions {
    pub info: PartitionInfo,
    pub partitions: Vec<NamedPartition>,
}

/// How partition column names are matched: RANGE ignores case (`equalsIgnoreCase`), LIST does
/// not (`ListPartitionDesc` uses `equals`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Match {
    IgnoreCase,
    Exact,
}

/// Resolves and checks partition columns. `Match::IgnoreCase` (RANGE and time expressions)
/// also selects RangePartitionDesc's check order (aggregated column first), `Match::Exact`
/// ListPartitionDesc's (type first).
fn resolve_columns(
    names: &[String],
    columns: &[Column],
    how: Match,
) -> Result<Vec<PartitionColumn>, PartitionError> {
    if names.is_empty() {
        return Err(PartitionError::NoPartitionColumns);
    }
    let mut out: Vec<PartitionColumn> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for n in names {
        if seen.iter().any(|s| s.eq_ignore_ascii_case(n)) {
            return Err(PartitionError::DuplicatedColumn(n.clone()));
        }
        seen.push(n.clone());
        let col = columns
            .iter()
            .find(|c| match how {
                Match::IgnoreCase => c.name.eq_ignore_ascii_case(n),
                Match::Exact => c.name == *n,
            })
            .ok_or_else(|| PartitionError::UnknownColumn(n.clone()))?;
        let aggregated = !col.is_key && col.agg.is_some();
        // Type.toString spelling is unverified; the primitive name is used.
        let bad_type = col.data_type.is_floating() || col.data_type.is_complex();
        let type_err = || PartitionError::InvalidColumnType {
            name: col.name.clone(),
            type_name: primitive_type_name(&col.data_type),
        };
        if how == Match::IgnoreCase {
            if aggregated {
                return Err(PartitionError::AggregatedColumn);
            }
            if bad_type {
                return Err(type_err());
            }
        } else {
            if bad_type {
                return Err(type_err());
            }
            if aggregated {
                return Err(PartitionError::AggregatedColumn);
            }
        }
        out.push(PartitionColumn {
            name: col.name.clone(),
            data_type: col.data_type.clone(),
        });
    }
    Ok(out)
}

/// `RangePartitionInfo.checkRangeColumnType`: integers, DATE, DATETIME.
fn check_range_column_types(cols: &[PartitionColumn]) -> Result<(), PartitionError> {
    for c in cols {
        let ok = matches!(
            c.data_type,
            DataType::Tinyint
                | DataType::Smallint
                | DataType::Int
                | DataType::Bigint
                | DataType::Largeint
                | DataType::Date
                | DataType::Datetime
        );
        if !ok {
            return Err(PartitionError::NotRangeColumnType {
                name: c.name.clone(),
                type_name: primitive_type_name(&c.data_type),
            });
        }
    }
    Ok(())
}

/// LESS THAN vs fixed (`PartitionKeyDesc.PartitionRangeType`).
fn is_less_than(k: &PartitionKeyDesc) -> bool {
    !matches!(k, PartitionKeyDesc::Fixed { .. })
}

/// `PartitionKeyDesc.toString()` of the AST (for errors): `('a', 'b')`, `[('a'), ('b'))`.
fn key_desc_string(k: &PartitionKeyDesc) -> String {
    let vals = |v: &[PartitionValueAst]| {
        let p: Vec<String> = v
            .iter()
            .map(|x| match x {
                PartitionValueAst::MaxValue => "MAXVALUE".to_string(),
                PartitionValueAst::Literal(s) => format!("'{s}'"),
            })
            .collect();
        format!("({})", p.join(", "))
    };
    match k {
        PartitionKeyDesc::LessThanMaxValue => "MAXVALUE".into(),
        PartitionKeyDesc::LessThan(v) => vals(v),
        PartitionKeyDesc::Fixed { lower, upper } => format!("[{}, {})", vals(lower), vals(upper)),
    }
}

/// `PartitionKeyDesc.analyze(partColNum)`.
fn check_key_desc(k: &PartitionKeyDesc, ncols: usize) -> Result<(), PartitionError> {
    let (lower, upper): (&[PartitionValueAst], &[PartitionValueAst]) = match k {
        PartitionKeyDesc::LessThanMaxValue => return Ok(()),
        PartitionKeyDesc::LessThan(u) => (&[], u.as_slice()),
        PartitionKeyDesc::Fixed { lower, upper } => (lower.as_slice(), upper.as_slice()),
    };
    if upper.is_empty() || upper.len() > ncols || lower.len() > ncols {
        return Err(PartitionError::TooManyValues(key_desc_string(k)));
    }
    if ncols > 1
        && lower
            .iter()
            .chain(upper)
            .any(|v| *v == PartitionValueAst::MaxValue)
    {
        return Err(PartitionError::MultiColumnMaxValue);
    }
    Ok(())
}

/// `PartitionKey.createPartitionKey`: values parsed per column, the rest filled with minimums.
fn partition_key(
    values: &[PartitionValueAst],
    cols: &[PartitionColumn],
) -> Result<PartitionKey, PartitionError> {
    let mut key = Vec::with_capacity(cols.len());
    for (i, c) in cols.iter().enumerate() {
        let v = match values.get(i) {
            Some(PartitionValueAst::MaxValue) => PartitionValue::Max,
            Some(PartitionValueAst::Literal(s)) => PartitionValue::parse(s, &c.data_type)?,
            None => PartitionValue::min_of(&c.data_type).unwrap_or(PartitionValue::Null),
        };
        key.push(v);
    }
    Ok(PartitionKey(key))
}

/// The typed range of a single partition (`Invalid range value format: ...` on a bad value).
fn new_range(k: &PartitionKeyDesc, cols: &[PartitionColumn]) -> Result<NewRange, PartitionError> {
    let wrap = |e: PartitionError| PartitionError::InvalidRangeValue(Box::new(e));
    Ok(match k {
        PartitionKeyDesc::LessThanMaxValue => NewRange::LessThan(PartitionKey::max_key(cols)),
        PartitionKeyDesc::LessThan(u) => NewRange::LessThan(partition_key(u, cols).map_err(wrap)?),
        PartitionKeyDesc::Fixed { lower, upper } => NewRange::Fixed {
            lower: partition_key(lower, cols).map_err(wrap)?,
            upper: partition_key(upper, cols).map_err(wrap)?,
        },
    })
}

/// A batch expanded into fixed single partitions.
fn batch_singles(
    batch: &BatchRangePartition,
    cols: &[PartitionColumn],
    properties: &[(String, String)],
    ctx: BatchContext,
) -> Result<Vec<SingleRangePartition>, PartitionError> {
    let first = cols.first().ok_or(PartitionError::NoPartitionColumns)?;
    if let Every::Interval { unit, .. } = &batch.every {
        if TimeUnit::from_name(unit) == Some(TimeUnit::Hour)
            && first.data_type != DataType::Datetime
        {
            return Err(PartitionError::BatchHourNeedsDatetime);
        }
    }
    let parts = expand_batch(
        batch,
        &first.data_type,
        properties,
        ctx,
        MAX_PARTITIONS_IN_ONE_BATCH,
    )?;
    Ok(parts
        .into_iter()
        .map(|p| SingleRangePartition::fixed(p.name, p.lower, p.upper))
        .collect())
}

/// Range partitions of CREATE TABLE (`RangePartitionDesc.analyze`, then creation in order).
fn analyze_ranges(
    cols: Vec<PartitionColumn>,
    defs: &[RangePartitionDef],
    properties: &[(String, String)],
    automatic: bool,
    next_id: &mut dyn FnMut() -> i64,
) -> Result<(RangePartitionInfo, Vec<NamedPartition>), PartitionError> {
    let batches: Vec<&BatchRangePartition> = defs
        .iter()
        .filter_map(|d| match d {
            RangePartitionDef::Batch(b) => Some(b),
            RangePartitionDef::Single(_) => None,
        })
        .collect();
    for b in &batches {
        check_batch(b)?;
    }
    let mut singles: Vec<SingleRangePartition> = defs
        .iter()
        .filter_map(|d| match d {
            RangePartitionDef::Single(s) => Some(s.clone()),
            RangePartitionDef::Batch(_) => None,
        })
        .collect();
    if !batches.is_empty() {
        if cols.len() > 1 {
            return Err(PartitionError::BatchMultiColumn);
        }
        let ctx = BatchContext {
            temporary: false,
            automatic,
        };
        for b in batches {
            singles.extend(batch_singles(b, &cols, properties, ctx)?);
        }
    }
    let mut names: Vec<&str> = Vec::new();
    let mut less_than: Option<bool> = None;
    for s in &singles {
        if names.iter().any(|n| n.eq_ignore_ascii_case(&s.name)) {
            return Err(PartitionError::DuplicatedName(s.name.clone()));
        }
        names.push(&s.name);
        match less_than {
            None => less_than = Some(is_less_than(&s.key)),
            Some(lt) if lt != is_less_than(&s.key) => return Err(PartitionError::MixedRangeForms),
            Some(_) => {}
        }
        check_partition_name(&s.name)?;
        check_key_desc(&s.key, cols.len())?;
    }
    check_range_column_types(&cols)?;
    let mut info = RangePartitionInfo::new(cols);
    let mut created = Vec::with_capacity(singles.len());
    for s in &singles {
        let range = new_range(&s.key, &info.columns)?;
        let id = next_id();
        info.add_range(id, &range)?;
        created.push(NamedPartition {
            id,
            name: s.name.clone(),
        });
    }
    Ok((info, created))
}

/// The value tuples of one list partition, parsed per column.
fn list_tuples(
    def: &ListPartitionDef,
    cols: &[PartitionColumn],
) -> Result<Vec<Vec<PartitionValue>>, PartitionError> {
    let raw: Vec<Vec<String>> = match &def.values {
        ListValues::Single(v) => {
            if cols.len() != 1 {
                return Err(PartitionError::ListValueCount {
                    columns: cols.len(),
                    values: 1,
                });
            }
            v.iter().map(|x| vec![x.clone()]).collect()
        }
        ListValues::Multi(ts) => ts.clone(),
    };
    raw.iter()
        .map(|t| {
            if t.len() != cols.len() {
                return Err(PartitionError::ListValueCount {
                    columns: cols.len(),
                    values: t.len(),
                });
            }
            t.iter()
                .zip(cols)
                .map(|(v, c)| PartitionValue::parse(v, &c.data_type))
                .collect()
        })
        .collect()
}

fn analyze_lists(
    cols: Vec<PartitionColumn>,
    defs: &[ListPartitionDef],
    next_id: &mut dyn FnMut() -> i64,
) -> Result<(ListPartitionInfo, Vec<NamedPartition>), PartitionError> {
    let mut names: Vec<&str> = Vec::new();
    for d in defs {
        if names.iter().any(|n| n.eq_ignore_ascii_case(&d.name)) {
            return Err(PartitionError::DuplicatedName(d.name.clone()));
        }
        names.push(&d.name);
        check_partition_name(&d.name)?;
    }
    let mut info = ListPartitionInfo::new(cols);
    let mut created = Vec::new();
    for d in defs {
        let values = list_tuples(d, &info.columns)?;
        let id = next_id();
        info.add_item(ListItem {
            partition_id: id,
            values,
        })?;
        created.push(NamedPartition {
            id,
            name: d.name.clone(),
        });
    }
    Ok((info, created))
}

/// `date_trunc('unit', col)` / `time_slice(col, INTERVAL n unit[, floor])` -> the function and
/// its column name. Units: hour, day, month, year (StarRocks docs of expression partitioning;
/// the texts of the failures are unverified).
fn time_function(call: &FunctionCallAst) -> Result<(TimeFunction, String), PartitionError> {
    let unsupported = || PartitionError::UnsupportedExpression(call.to_string());
    let unit_of = |u: &str| -> Result<TimeUnit, PartitionError> {
        match TimeUnit::from_name(u) {
            Some(t @ (TimeUnit::Hour | TimeUnit::Day | TimeUnit::Month | TimeUnit::Year)) => Ok(t),
            _ => Err(PartitionError::UnsupportedExprUnit {
                function: call.name.clone(),
                unit: u.to_string(),
            }),
        }
    };
    match (call.name.as_str(), call.args.as_slice()) {
        ("date_trunc", [FunctionArg::Str(u), FunctionArg::Column(c)]) => {
            Ok((TimeFunction::DateTrunc { unit: unit_of(u)? }, c.clone()))
        }
        ("time_slice", [FunctionArg::Column(c), FunctionArg::Interval { n, unit }, rest @ ..]) => {
            match rest {
                [] => {}
                [FunctionArg::Column(b) | FunctionArg::Str(b)]
                    if b.eq_ignore_ascii_case("floor") => {}
                _ => return Err(unsupported()),
            }
            if *n <= 0 {
                return Err(unsupported());
            }
            Ok((
                TimeFunction::TimeSlice {
                    interval: *n,
                    unit: unit_of(unit)?,
                },
                c.clone(),
            ))
        }
        _ => Err(unsupported()),
    }
}

/// Analyses the partition clause of CREATE TABLE over the table's `columns` (after the
/// table's own analysis: keys and aggregate types known). `properties` are the table's
/// (`dynamic_partition.*` shape batch names, are checked against the partitioning, and add
/// the partitions dynamic partitioning wants now). `next_id` gives each partition its id.
pub fn analyze_partition_desc(
    desc: &PartitionDesc,
    columns: &[Column],
    properties: &[(String, String)],
    next_id: &mut dyn FnMut() -> i64,
) -> Result<AnalyzedPartitions, PartitionError> {
    let now = DateTime::from_timestamp_millis(now_ms()).unwrap_or_default();
    analyze_partition_desc_at(desc, columns, properties, now, next_id)
}

/// [`analyze_partition_desc`] at the moment `now`.
pub fn analyze_partition_desc_at(
    desc: &PartitionDesc,
    columns: &[Column],
    properties: &[(String, String)],
    now: DateTime<Utc>,
    next_id: &mut dyn FnMut() -> i64,
) -> Result<AnalyzedPartitions, PartitionError> {
    let mut analyzed = analyze_partition_clause(desc, columns, properties, next_id)?;
    // StarRocks checks the dynamic properties after the partition clause (OlapTableFactory).
    let props: BTreeMap<String, String> = properties.iter().cloned().collect();
    dynamic_partition::check_properties(&props, &analyzed.info)?;
    add_dynamic_partitions(&mut analyzed, &props, now, next_id);
    Ok(analyzed)
}

/// The first dynamic partitioning pass of a new table: the partitions for offsets up to
/// `dynamic_partition.end` that intersect none of the statement's, so that the table has them
/// when CREATE TABLE answers (StarRocks runs the same pass on a background thread right after
/// creating the table). Old partitions of the statement are left to the scheduler loop, which
/// looks at a new table within a second, as StarRocks's pass would drop them then too. With
/// `dynamic_partition.buckets` given the loop creates them as well: every partition of the
/// statement gets the table's bucket count. A pass that cannot plan (HOUR on an integer
/// column) creates nothing, as in StarRocks, where only the background pass fails.
fn add_dynamic_partitions(
    analyzed: &mut AnalyzedPartitions,
    props: &BTreeMap<String, String>,
    now: DateTime<Utc>,
    next_id: &mut dyn FnMut() -> i64,
) {
    if !dynamic_partition::is_enabled(props) {
        return;
    }
    let zone = Zone::parse(&host_time_zone()).unwrap_or(Zone::Region(chrono_tz::UTC));
    let Some(prop) = DynamicPartitionProperty::from_properties(props, zone) else {
        return;
    };
    if !prop.enable || prop.buckets != 0 {
        return;
    }
    let PartitionInfo::Range(ranges) = &mut analyzed.info else {
        return;
    };
    let Ok(planned) = dynamic_partition::plan_additions(&prop, ranges, now) else {
        return;
    };
    for p in planned {
        let taken = analyzed
            .partitions
            .iter()
            .any(|n| n.name.eq_ignore_ascii_case(&p.name));
        if taken || check_partition_name(&p.name).is_err() {
            continue;
        }
        let key = PartitionKeyDesc::Fixed {
            lower: vec![PartitionValueAst::Literal(p.lower)],
            upper: vec![PartitionValueAst::Literal(p.upper)],
        };
        let Ok(range) = new_range(&key, &ranges.columns) else {
            continue;
        };
        let id = next_id();
        if ranges.add_range(id, &range).is_ok() {
            analyzed
                .partitions
                .push(NamedPartition { id, name: p.name });
        }
    }
}

/// The partitioning a CREATE TABLE partition clause describes, with its partitions.
fn analyze_partition_clause(
    desc: &PartitionDesc,
    columns: &[Column],
    properties: &[(String, String)],
    next_id: &mut dyn FnMut() -> i64,
) -> Result<AnalyzedPartitions, PartitionError> {
    match desc {
        PartitionDesc::Range {
            columns: names,
            partitions,
        } => {
            let cols = resolve_columns(names, columns, Match::IgnoreCase)?;
            let (info, partitions) = analyze_ranges(cols, partitions, properties, false, next_id)?;
            Ok(AnalyzedPartitions {
                info: PartitionInfo::Range(info),
                partitions,
            })
        }
        PartitionDesc::List {
            columns: names,
            partitions,
        } => {
            let cols = resolve_columns(names, columns, Match::Exact)?;
            if partitions.is_empty() {
                // `PARTITION BY LIST (c)` without partitions: automatic, as `PARTITION BY (c)`.
                return Ok(AnalyzedPartitions {
                    info: PartitionInfo::Expression(ExpressionPartitionInfo::Columns(
                        ListPartitionInfo::new(cols),
                    )),
                    partitions: Vec::new(),
                });
            }
            let (info, partitions) = analyze_lists(cols, partitions, next_id)?;
            Ok(AnalyzedPartitions {
                info: PartitionInfo::List(info),
                partitions,
            })
        }
        PartitionDesc::Function { call, partitions } => {
            let (function, column) = time_function(call)?;
            let cols = resolve_columns(std::slice::from_ref(&column), columns, Match::IgnoreCase)?;
            if let Some(c) = cols.first() {
                if !is_date_type(&c.data_type) {
                    return Err(PartitionError::NotRangeExprType {
                        expr: function.to_sql(&c.name),
                        type_name: primitive_type_name(&c.data_type),
                    });
                }
            }
            let (ranges, partitions) = analyze_ranges(cols, partitions, properties, true, next_id)?;
            Ok(AnalyzedPartitions {
                info: PartitionInfo::Expression(ExpressionPartitionInfo::Time { function, ranges }),
                partitions,
            })
        }
        PartitionDesc::Columns { columns: names, .. } => {
            let cols = resolve_columns(names, columns, Match::Exact)?;
            Ok(AnalyzedPartitions {
                info: PartitionInfo::Expression(ExpressionPartitionInfo::Columns(
                    ListPartitionInfo::new(cols),
                )),
                partitions: Vec::new(),
            })
        }
    }
}

/// Analyses ALTER TABLE ADD [TEMPORARY] PARTITION(S) against the table's partitioning `info`
/// and its partition names (`PartitionDescAnalyzer.analyzePartitionDescWithExistsTable`, then
/// creation). Returns the new partitioning and the partitions to create; an existing name
/// with IF NOT EXISTS adds nothing.
pub fn analyze_add_partition(
    info: &PartitionInfo,
    existing_names: &[String],
    def: &AddPartitionDef,
    temporary: bool,
    properties: &[(String, String)],
    next_id: &mut dyn FnMut() -> i64,
) -> Result<AnalyzedPartitions, PartitionError> {
    if matches!(info, PartitionInfo::Unpartitioned) {
        return Err(PartitionError::AddToUnpartitioned);
    }
    let exists = |name: &str| existing_names.iter().any(|n| n.eq_ignore_ascii_case(name));
    let mut next = info.clone();
    let mut created = Vec::new();
    match def {
        AddPartitionDef::Range(_) | AddPartitionDef::Batch(_) if info.range_info().is_none() => {
            Err(PartitionError::AddRangeToNonRange)
        }
        AddPartitionDef::List(_) if info.list_info().is_none() => {
            Err(PartitionError::AddListToNonList)
        }
        AddPartitionDef::Range(single) => {
            if info.is_automatic() {
                return Err(PartitionError::AutoRangeSingleAdd);
            }
            if exists(&single.name) {
                if single.if_not_exists {
                    return Ok(AnalyzedPartitions {
                        info: next,
                        partitions: created,
                    });
                }
                return Err(PartitionError::SameNamePartition(single.name.clone()));
            }
            let ranges = range_info_mut(&mut next)?;
            check_partition_name(&single.name)?;
            check_key_desc(&single.key, ranges.columns.len())?;
            let range = new_range(&single.key, &ranges.columns)?;
            let id = next_id();
            ranges.add_range(id, &range)?;
            created.push(NamedPartition {
                id,
                name: single.name.clone(),
            });
            Ok(AnalyzedPartitions {
                info: next,
                partitions: created,
            })
        }
        AddPartitionDef::Batch(batch) => {
            check_batch(batch)?;
            let automatic = info.is_automatic();
            if let PartitionInfo::Expression(ExpressionPartitionInfo::Time { function, .. }) = info
            {
                check_auto_batch(batch, *function)?;
            }
            let ranges = range_info_mut(&mut next)?;
            if ranges.columns.len() != 1 {
                return Err(PartitionError::AddBatchToMultiColumn);
            }
            let ctx = BatchContext {
                temporary,
                automatic,
            };
            for s in batch_singles(batch, &ranges.columns, properties, ctx)? {
                if exists(&s.name)
                    || created
                        .iter()
                        .any(|c: &NamedPartition| c.name.eq_ignore_ascii_case(&s.name))
                {
                    return Err(PartitionError::SameNamePartition(s.name));
                }
                check_partition_name(&s.name)?;
                let range = new_range(&s.key, &ranges.columns)?;
                let id = next_id();
                ranges.add_range(id, &range)?;
                created.push(NamedPartition { id, name: s.name });
            }
            Ok(AnalyzedPartitions {
                info: next,
                partitions: created,
            })
        }
        AddPartitionDef::List(list) => {
            let values_count = match &list.values {
                ListValues::Single(v) => v.len(),
                ListValues::Multi(v) => v.len(),
            };
            if info.is_automatic() && values_count > 1 {
                return Err(PartitionError::AutoListMultipleValues);
            }
            if exists(&list.name) {
                if list.if_not_exists {
                    return Ok(AnalyzedPartitions {
                        info: next,
                        partitions: created,
                    });
                }
                return Err(PartitionError::SameNamePartition(list.name.clone()));
            }
            check_partition_name(&list.name)?;
            let lists = match &mut next {
                PartitionInfo::List(l) => l,
                PartitionInfo::Expression(ExpressionPartitionInfo::Columns(l)) => l,
                _ => return Err(PartitionError::AddListToNonList),
            };
            let values = list_tuples(list, &lists.columns)?;
            let id = next_id();
            lists.add_item(ListItem {
                partition_id: id,
                values,
            })?;
            created.push(NamedPartition {
                id,
                name: list.name.clone(),
            });
            Ok(AnalyzedPartitions {
                info: next,
                partitions: created,
            })
        }
    }
}

/// ALTER TABLE DROP PARTITION (`LocalMetastore.dropPartition`): the partitioning without
/// partition `name` and the dropped partition's id; None when it does not exist and
/// `if_exists`. `partitions` are the table's `(id, name)`.
pub fn analyze_drop_partition(
    info: &PartitionInfo,
    table_name: &str,
    partitions: &[(i64, String)],
    name: &str,
    if_exists: bool,
) -> Result<Option<(PartitionInfo, i64)>, PartitionError> {
    // `LocalMetastore.dropPartition` (batch drop, StarRocks 3.3+): the table must be
    // partitioned first, then the missing names are reported as a list (`[p9]`).
    if matches!(info, PartitionInfo::Unpartitioned) {
        return Err(PartitionError::DropFromUnpartitioned(
            table_name.to_string(),
        ));
    }
    // Partition names are case-insensitive in StarRocks (`getPartition(name)` ignores case).
    let Some((id, _)) = partitions
        .iter()
        .find(|(_, n)| n.eq_ignore_ascii_case(name))
    else {
        if if_exists {
            return Ok(None);
        }
        return Err(PartitionError::DropNonExistent(format!("[{name}]")));
    };
    let mut next = info.clone();
    next.remove_partition(*id);
    Ok(Some((next, *id)))
}

fn range_info_mut(info: &mut PartitionInfo) -> Result<&mut RangePartitionInfo, PartitionError> {
    match info {
        PartitionInfo::Range(r) => Ok(r),
        PartitionInfo::Expression(ExpressionPartitionInfo::Time { ranges, .. }) => Ok(ranges),
        _ => Err(PartitionError::AddRangeToNonRange),
    }
}

/// `analyzeMultiRangePartitionDescWithExistsTable` for expression-partitioned tables: step 1,
/// the table's granularity, the table's step.
fn check_auto_batch(
    batch: &BatchRangePartition,
    function: TimeFunction,
) -> Result<(), PartitionError> {
    let (step, unit) = match &batch.every {
        Every::Interval { step, unit } => (*step, unit.as_str()),
        Every::Number(_) => return Err(PartitionError::BatchMissingUnit),
    };
    if step > 1 {
        return Err(PartitionError::AutoStepNotOne);
    }
    let table_unit = function.unit().name();
    if !unit.eq_ignore_ascii_case(table_unit) {
        return Err(PartitionError::AutoGranularityMismatch {
            table: table_unit.to_string(),
            added: unit.to_string(),
        });
    }
    if step != function.interval() {
        return Err(PartitionError::AddStepMismatch {
            added: step,
            table: function.interval(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::partition_show::partition_clause_sql;
    use crate::catalog::table::AggType;
    use crate::error::SqlError;
    use crate::sql::lexer::Cursor;
    use crate::sql::partition::parse_partition_desc;
    use crate::sql::partition_stmt::{try_parse, PartitionStmt};

    fn col(name: &str, t: DataType, key: bool) -> Column {
        Column {
            name: name.into(),
            data_type: t,
            is_key: key,
            nullable: true,
            agg: None,
            agg_implicit: false,
            default: None,
            comment: String::new(),
        }
    }

    fn columns() -> Vec<Column> {
        let mut v = col("v", DataType::Int, false);
        v.agg = Some(AggType::Sum);
        vec![
            col("dt", DataType::Date, true),
            col("ts", DataType::Datetime, true),
            col("id", DataType::Bigint, true),
            col("k2", DataType::Smallint, true),
            col("city", DataType::Varchar(Some(20)), true),
            col("price", DataType::Double, true),
            col("name", DataType::Varchar(Some(20)), false),
            v,
        ]
    }

    fn analyze(clause: &str) -> Result<AnalyzedPartitions, PartitionError> {
        analyze_with(clause, &[])
    }

    fn analyze_with(
        clause: &str,
        props: &[(String, String)],
    ) -> Result<AnalyzedPartitions, PartitionError> {
        let mut c = Cursor::new(clause).unwrap();
        let desc = parse_partition_desc(&mut c).unwrap();
        let mut id = 100;
        analyze_partition_desc(&desc, &columns(), props, &mut || {
            id += 1;
            id
        })
    }

    fn err(clause: &str) -> String {
        analyze(clause).unwrap_err().to_string()
    }

    fn names(a: &AnalyzedPartitions) -> Vec<&str> {
        a.partitions.iter().map(|p| p.name.as_str()).collect()
    }

    fn sql(a: &AnalyzedPartitions) -> String {
        let parts = a.partitions.clone();
        partition_clause_sql(&a.info, &move |id| {
            parts.iter().find(|p| p.id == id).map(|p| p.name.clone())
        })
        .unwrap()
    }

    #[test]
    fn range_table_from_docs_example() {
        let a = analyze(
            "PARTITION BY RANGE (dt) (PARTITION p1 VALUES LESS THAN (\"2020-06-01\"), PARTITION p2 VALUES LESS THAN (\"2020-07-01\"), PARTITION p3 VALUES LESS THAN (MAXVALUE))",
        )
        .unwrap();
        assert_eq!(names(&a), vec!["p1", "p2", "p3"]);
        assert_eq!(a.partitions[0].id, 101);
        assert_eq!(
            sql(&a),
            "PARTITION BY RANGE(`dt`)\n(PARTITION p1 VALUES [(\"0000-01-01\"), (\"2020-06-01\")),\nPARTITION p2 VALUES [(\"2020-06-01\"), (\"2020-07-01\")),\nPARTITION p3 VALUES [(\"2020-07-01\"), (MAXVALUE)))"
        );
    }

    #[test]
    fn printed_clause_parses_back_to_the_same_partitioning() {
        for clause in [
            "PARTITION BY RANGE (dt) (PARTITION p1 VALUES LESS THAN (\"2020-06-01\"), PARTITION p2 VALUES LESS THAN MAXVALUE)",
            "PARTITION BY RANGE (id, k2) (PARTITION p1 VALUES LESS THAN (\"10\"), PARTITION p2 VALUES LESS THAN (\"20\", \"5\"))",
            "PARTITION BY RANGE (dt) (START (\"2021-01-01\") END (\"2021-01-04\") EVERY (INTERVAL 1 DAY))",
            "PARTITION BY LIST (city) (PARTITION a VALUES IN (\"x\", \"y\"), PARTITION b VALUES IN (\"z\"))",
            "PARTITION BY date_trunc('month', dt)",
            "PARTITION BY (city, dt)",
        ] {
            let a = analyze(clause).unwrap();
            let printed = sql(&a);
            // SHOW CREATE TABLE's clause is itself a valid partition clause.
            let b = analyze(&printed).unwrap();
            assert_eq!(a.info, b.info, "{printed}");
            assert_eq!(names(&a), names(&b));
        }
    }

    #[test]
    fn batch_and_single_partitions_mix_in_order() {
        let a = analyze(
            "PARTITION BY RANGE (dt) (PARTITION p0 VALUES [(\"2020-12-01\"), (\"2021-01-01\")), START (\"2021-01-01\") END (\"2021-01-03\") EVERY (INTERVAL 1 DAY))",
        )
        .unwrap();
        assert_eq!(names(&a), vec!["p0", "p20210101", "p20210102"]);
        let a = analyze("PARTITION BY RANGE (id) (START (\"0\") END (\"30\") EVERY (10))").unwrap();
        assert_eq!(names(&a), vec!["p0", "p10", "p20"]);
        // A batch makes fixed ranges: it cannot mix with LESS THAN.
        assert_eq!(
            err("PARTITION BY RANGE (dt) (PARTITION p0 VALUES LESS THAN (\"2021-01-01\"), START (\"2021-01-01\") END (\"2021-01-03\") EVERY (INTERVAL 1 DAY))"),
            "You can only use one of these methods to create partitions"
        );
        assert_eq!(
            err("PARTITION BY RANGE (dt) (START (\"2021-01-01\") END (\"2021-01-03\") EVERY (INTERVAL 1 HOUR))"),
            "Batch build partition for hour interval only supports partition column as DATETIME type"
        );
        let a = analyze(
            "PARTITION BY RANGE (ts) (START (\"2021-01-01 00:00:00\") END (\"2021-01-01 03:00:00\") EVERY (INTERVAL 1 HOUR))",
        )
        .unwrap();
        assert_eq!(names(&a), vec!["p2021010100", "p2021010101", "p2021010102"]);
        assert_eq!(
            err("PARTITION BY RANGE (id, k2) (START (\"0\") END (\"30\") EVERY (10))"),
            "Batch build partition only support single range column."
        );
        assert_eq!(
            err("PARTITION BY RANGE (dt) (START (\"2021-01-01\") END (\"2021-01-03\") EVERY (INTERVAL 1 DAY), START (\"2021-01-02\") END (\"2021-01-04\") EVERY (INTERVAL 1 DAY))"),
            "Duplicated partition name: p20210102"
        );
    }

    #[test]
    fn column_errors() {
        assert_eq!(
            err("PARTITION BY RANGE (nope) (PARTITION p VALUES LESS THAN (\"1\"))"),
            "Partition column[nope] does not exist in column list."
        );
        assert_eq!(
            err("PARTITION BY RANGE (dt, DT) (PARTITION p VALUES LESS THAN (\"2020-01-01\"))"),
            "Duplicated partition column DT"
        );
        assert_eq!(
            err("PARTITION BY RANGE (v) (PARTITION p VALUES LESS THAN (\"1\"))"),
            "The partition column could not be aggregated column and unique table's partition column must be key column"
        );
        assert_eq!(
            err("PARTITION BY RANGE (price) (PARTITION p VALUES LESS THAN (\"1\"))"),
            "Invalid partition column 'price': invalid data type DOUBLE"
        );
        assert_eq!(
            err("PARTITION BY RANGE (city) (PARTITION p VALUES LESS THAN (\"a\"))"),
            "Column[city] type[VARCHAR] cannot be a range partition key."
        );
        // RANGE matches column names ignoring case; LIST does not.
        assert!(
            analyze("PARTITION BY RANGE (DT) (PARTITION p VALUES LESS THAN (\"2020-01-01\"))")
                .is_ok()
        );
        assert_eq!(
            err("PARTITION BY LIST (CITY) (PARTITION p VALUES IN (\"a\"))"),
            "Partition column[CITY] does not exist in column list."
        );
        // A non-key column of a DUPLICATE table (no aggregate) may partition.
        assert!(analyze("PARTITION BY LIST (name) (PARTITION p VALUES IN (\"a\"))").is_ok());
    }

    #[test]
    fn range_value_and_name_errors() {
        assert_eq!(
            err("PARTITION BY RANGE (dt) (PARTITION p1 VALUES LESS THAN (\"2020-01-01\"), PARTITION P1 VALUES LESS THAN (\"2020-02-01\"))"),
            "Duplicated partition name: P1"
        );
        assert_eq!(
            err("PARTITION BY RANGE (dt) (PARTITION 1p VALUES LESS THAN (\"2020-01-01\"))"),
            "Incorrect partition name '1p'"
        );
        assert_eq!(
            err("PARTITION BY RANGE (dt) (PARTITION placeholder_x VALUES LESS THAN (\"2020-01-01\"))"),
            "Incorrect partition name 'placeholder_x'"
        );
        assert_eq!(
            err("PARTITION BY RANGE (dt) (PARTITION p1 VALUES LESS THAN (\"2020-01-01\", \"x\"))"),
            "Partition values number is more than partition column number: ('2020-01-01', 'x')"
        );
        assert_eq!(
            err("PARTITION BY RANGE (id, k2) (PARTITION p1 VALUES LESS THAN (\"1\", MAXVALUE))"),
            "Not support MAXVALUE in multi partition range values."
        );
        assert_eq!(
            err("PARTITION BY RANGE (dt) (PARTITION p1 VALUES LESS THAN (\"2020-13-01\"))"),
            "Invalid range value format: date literal [2020-13-01] is invalid"
        );
        assert_eq!(
            err("PARTITION BY RANGE (k2) (PARTITION p1 VALUES LESS THAN (\"40000\"))"),
            "Invalid range value format: Number out of range[40000]. type: SMALLINT"
        );
        assert_eq!(
            err("PARTITION BY RANGE (dt) (PARTITION p1 VALUES LESS THAN (\"2020-02-01\"), PARTITION p2 VALUES LESS THAN (\"2020-01-01\"))"),
            "Range [types: [DATE]; keys: [0000-01-01]; ..types: [DATE]; keys: [2020-01-01]; ) is intersected with range: [types: [DATE]; keys: [0000-01-01]; ..types: [DATE]; keys: [2020-02-01]; )"
        );
        assert_eq!(
            err("PARTITION BY RANGE (dt) (PARTITION p1 VALUES [(\"2020-02-01\"), (\"2020-01-01\")))"),
            "Invalid range value format: The lower values must smaller than upper values"
        );
        // Multi-column LESS THAN chains lexicographically; MAXVALUE alone is allowed.
        let a = analyze(
            "PARTITION BY RANGE (id, k2) (PARTITION p1 VALUES LESS THAN (\"10\"), PARTITION p2 VALUES LESS THAN (\"10\", \"5\"), PARTITION p3 VALUES LESS THAN MAXVALUE)",
        )
        .unwrap();
        assert_eq!(names(&a), vec!["p1", "p2", "p3"]);
        // Errors reach the client with StarRocks's wrapper.
        let e: SqlError =
            analyze("PARTITION BY RANGE (dt) (PARTITION 1p VALUES LESS THAN (\"2020-01-01\"))")
                .unwrap_err()
                .into();
        assert_eq!(
            e.message,
            "Getting analyzing error. Detail message: Incorrect partition name '1p'."
        );
    }

    #[test]
    fn list_partitions_and_their_errors() {
        let a = analyze(
            "PARTITION BY LIST (city, id) (PARTITION p1 VALUES IN ((\"a\", \"1\"), (\"b\", \"2\")), PARTITION p2 VALUES IN ((\"a\", \"2\")))",
        )
        .unwrap();
        assert_eq!(names(&a), vec!["p1", "p2"]);
        assert_eq!(
            err("PARTITION BY LIST (city) (PARTITION p1 VALUES IN (\"a\", \"b\"), PARTITION p2 VALUES IN (\"b\"))"),
            "Duplicated value b"
        );
        assert_eq!(
            err("PARTITION BY LIST (city, id) (PARTITION p1 VALUES IN ((\"a\", \"1\")), PARTITION p2 VALUES IN ((\"a\", \"01\")))"),
            "Duplicate values (\"a\",\"1\") not allow"
        );
        assert_eq!(
            err("PARTITION BY LIST (id) (PARTITION p1 VALUES IN (\"x\"))"),
            "Invalid number format: x"
        );
        assert_eq!(
            err("PARTITION BY LIST (price) (PARTITION p1 VALUES IN (\"1\"))"),
            "Invalid partition column 'price': invalid data type DOUBLE"
        );
        assert!(matches!(
            analyze("PARTITION BY LIST (city, id) (PARTITION p1 VALUES IN (\"a\"))"),
            Err(PartitionError::ListValueCount { .. })
        ));
        assert_eq!(
            err("PARTITION BY LIST (city) (PARTITION p1 VALUES IN (\"a\"), PARTITION p1 VALUES IN (\"b\"))"),
            "Duplicated partition name: p1"
        );
    }

    #[test]
    fn expression_partitioning() {
        let a = analyze("PARTITION BY date_trunc('day', dt)").unwrap();
        assert!(a.partitions.is_empty());
        assert_eq!(sql(&a), "PARTITION BY date_trunc('day', `dt`)");
        let a = analyze("PARTITION BY time_slice(ts, INTERVAL 7 day)").unwrap();
        assert_eq!(
            a.info,
            PartitionInfo::Expression(ExpressionPartitionInfo::Time {
                function: TimeFunction::TimeSlice {
                    interval: 7,
                    unit: TimeUnit::Day
                },
                ranges: RangePartitionInfo::new(vec![PartitionColumn {
                    name: "ts".into(),
                    data_type: DataType::Datetime
                }])
            })
        );
        let a = analyze("PARTITION BY city, dt").unwrap();
        assert_eq!(sql(&a), "PARTITION BY (`city`,`dt`)");
        assert_eq!(analyze("PARTITION BY (city, dt)").unwrap().info, a.info);
        assert!(matches!(
            analyze("PARTITION BY date_trunc('week', dt)"),
            Err(PartitionError::UnsupportedExprUnit { .. })
        ));
        assert!(matches!(
            analyze("PARTITION BY upper(city)"),
            Err(PartitionError::UnsupportedExpression(_))
        ));
        assert_eq!(
            err("PARTITION BY date_trunc('day', id)"),
            "Expr[date_trunc('day', `id`)] type[BIGINT] cannot be a range partition key."
        );
        assert!(matches!(
            analyze("PARTITION BY time_slice(ts, INTERVAL 1 day, ceil)"),
            Err(PartitionError::UnsupportedExpression(_))
        ));
        // Partitions made up front must step by 1.
        let a = analyze(
            "PARTITION BY date_trunc('day', dt) (START (\"2021-01-01\") END (\"2021-01-03\") EVERY (INTERVAL 1 DAY))",
        )
        .unwrap();
        assert_eq!(names(&a), vec!["p20210101", "p20210102"]);
        assert_eq!(
            err("PARTITION BY date_trunc('day', dt) (START (\"2021-01-01\") END (\"2021-01-05\") EVERY (INTERVAL 2 DAY))"),
            "Automatically create partition tables and create partitions in advance only supports an interval of 1"
        );
    }

    fn add(
        info: &PartitionInfo,
        existing: &[&str],
        stmt: &str,
    ) -> Result<AnalyzedPartitions, PartitionError> {
        let PartitionStmt::AddPartition {
            partition,
            temporary,
            ..
        } = try_parse(stmt).unwrap().unwrap()
        else {
            panic!("not add")
        };
        let existing: Vec<String> = existing.iter().map(|s| s.to_string()).collect();
        let mut id = 500;
        analyze_add_partition(info, &existing, &partition, temporary, &[], &mut || {
            id += 1;
            id
        })
    }

    #[test]
    fn add_partition_checks_existing_table() {
        let base = analyze(
            "PARTITION BY RANGE (dt) (PARTITION p1 VALUES LESS THAN (\"2020-06-01\"), PARTITION p2 VALUES LESS THAN (\"2020-07-01\"))",
        )
        .unwrap();
        let a = add(
            &base.info,
            &["p1", "p2"],
            "ALTER TABLE t ADD PARTITION p3 VALUES LESS THAN (\"2020-08-01\")",
        )
        .unwrap();
        assert_eq!(names(&a), vec!["p3"]);
        assert_eq!(
            a.info
                .range_info()
                .unwrap()
                .range_of(501)
                .unwrap()
                .lower
                .to_sql(),
            "(\"2020-07-01\")"
        );
        assert_eq!(
            add(
                &base.info,
                &["p1", "p2"],
                "ALTER TABLE t ADD PARTITION P2 VALUES LESS THAN (\"2020-08-01\")"
            )
            .unwrap_err()
            .to_string(),
            "Duplicate partition name P2"
        );
        let a = add(
            &base.info,
            &["p1", "p2"],
            "ALTER TABLE t ADD PARTITION IF NOT EXISTS p2 VALUES LESS THAN (\"2020-08-01\")",
        )
        .unwrap();
        assert!(a.partitions.is_empty());
        assert_eq!(a.info, base.info);
        assert!(matches!(
            add(
                &base.info,
                &["p1", "p2"],
                "ALTER TABLE t ADD PARTITION p0 VALUES [(\"2020-05-01\"), (\"2020-06-15\"))"
            ),
            Err(PartitionError::RangeIntersected { .. })
        ));
        let a = add(
            &base.info,
            &["p1", "p2"],
            "ALTER TABLE t ADD PARTITIONS START (\"2020-07-01\") END (\"2020-09-01\") EVERY (INTERVAL 1 MONTH)",
        )
        .unwrap();
        assert_eq!(names(&a), vec!["p202007", "p202008"]);
        assert_eq!(
            add(
                &base.info,
                &[],
                "ALTER TABLE t ADD PARTITION x VALUES IN (\"a\")"
            )
            .unwrap_err()
            .to_string(),
            "Cannot add a List partition to a table that partition type is not of List"
        );
        assert_eq!(
            add(
                &PartitionInfo::Unpartitioned,
                &[],
                "ALTER TABLE t ADD PARTITION x VALUES LESS THAN (\"1\")"
            )
            .unwrap_err(),
            PartitionError::AddToUnpartitioned
        );
    }

    #[test]
    fn drop_partition_removes_bounds() {
        let base = analyze(
            "PARTITION BY RANGE (dt) (PARTITION p1 VALUES LESS THAN (\"2020-06-01\"), PARTITION p2 VALUES LESS THAN (\"2020-07-01\"))",
        )
        .unwrap();
        let parts: Vec<(i64, String)> = base
            .partitions
            .iter()
            .map(|p| (p.id, p.name.clone()))
            .collect();
        let (info, id) = analyze_drop_partition(&base.info, "t", &parts, "P1", false)
            .unwrap()
            .unwrap();
        assert_eq!(id, 101);
        assert_eq!(info.range_info().unwrap().ranges.len(), 1);
        // A dropped range leaves a gap: its rows now fall in no partition.
        assert_eq!(
            info.range_info().unwrap().find(&[PartitionValue::parse(
                "2020-01-01",
                &DataType::Date
            )
            .unwrap()]),
            None
        );
        assert_eq!(
            analyze_drop_partition(&base.info, "t", &parts, "p9", true).unwrap(),
            None
        );
        let e: SqlError = analyze_drop_partition(&base.info, "t", &parts, "p9", false)
            .unwrap_err()
            .into();
        assert_eq!(
            (e.errno, e.message.as_str()),
            (1507, "Error in list of partitions to [p9]")
        );
        assert_eq!(
            analyze_drop_partition(
                &PartitionInfo::Unpartitioned,
                "t",
                &[(1, "t".to_string())],
                "t",
                false
            )
            .unwrap_err()
            .to_string(),
            "Alter table [t] failed. Not a partitioned table"
        );
    }

    #[test]
    fn add_partition_to_list_and_expression_tables() {
        let list = analyze("PARTITION BY LIST (city) (PARTITION p1 VALUES IN (\"a\"))").unwrap();
        let e: SqlError = add(
            &list.info,
            &["p1"],
            "ALTER TABLE t ADD PARTITION p2 VALUES LESS THAN (\"1\")",
        )
        .unwrap_err()
        .into();
        assert_eq!(
            (e.errno, e.message.as_str()),
            (
                5700,
                "Cannot add a Range partition to a table that partition type is not of Range"
            )
        );
        assert_eq!(
            add(
                &list.info,
                &["p1"],
                "ALTER TABLE t ADD PARTITION p2 VALUES IN (\"a\")"
            )
            .unwrap_err()
            .to_string(),
            "Duplicated value a"
        );
        assert_eq!(
            names(
                &add(
                    &list.info,
                    &["p1"],
                    "ALTER TABLE t ADD PARTITION p2 VALUES IN (\"b\", \"c\")"
                )
                .unwrap()
            ),
            vec!["p2"]
        );
        let auto_list = analyze("PARTITION BY (city)").unwrap();
        assert_eq!(
            add(
                &auto_list.info,
                &[],
                "ALTER TABLE t ADD PARTITION p2 VALUES IN (\"b\", \"c\")"
            )
            .unwrap_err(),
            PartitionError::AutoListMultipleValues
        );
        let auto = analyze("PARTITION BY date_trunc('day', dt)").unwrap();
        assert_eq!(
            add(
                &auto.info,
                &[],
                "ALTER TABLE t ADD PARTITION p VALUES LESS THAN (\"2020-01-01\")"
            )
            .unwrap_err(),
            PartitionError::AutoRangeSingleAdd
        );
        assert_eq!(
            add(&auto.info, &[], "ALTER TABLE t ADD PARTITIONS START (\"2020-01-01\") END (\"2020-03-01\") EVERY (INTERVAL 1 MONTH)")
                .unwrap_err()
                .to_string(),
            "The granularity of the auto-partitioned table granularity(day) should be consistent with the increased partition granularity(MONTH)."
        );
        assert_eq!(
            add(&auto.info, &[], "ALTER TABLE t ADD PARTITIONS START (\"2020-01-01\") END (\"2020-03-01\") EVERY (INTERVAL 2 DAY)").unwrap_err(),
            PartitionError::AutoStepNotOne
        );
        let a = add(&auto.info, &[], "ALTER TABLE t ADD PARTITIONS START (\"2020-01-01\") END (\"2020-01-03\") EVERY (INTERVAL 1 DAY)").unwrap();
        assert_eq!(names(&a), vec!["p20200101", "p20200102"]);
        let multi = analyze("PARTITION BY RANGE (id, k2) (PARTITION p1 VALUES LESS THAN (\"10\"))")
            .unwrap();
        let e: SqlError = add(
            &multi.info,
            &["p1"],
            "ALTER TABLE t ADD PARTITIONS START (\"10\") END (\"20\") EVERY (5)",
        )
        .unwrap_err()
        .into();
        assert_eq!(
            (e.errno, e.message.as_str()),
            (
                5702,
                "Can't add multi range partition to multi partition column table"
            )
        );
    }

    /// CREATE TABLE's partition analysis with dynamic properties (as `add_defaults` leaves
    /// them) at `now` (UTC).
    fn analyze_dynamic(
        clause: &str,
        kv: &[(&str, &str)],
        now: &str,
    ) -> Result<AnalyzedPartitions, PartitionError> {
        let mut props: BTreeMap<String, String> = kv
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        dynamic_partition::add_defaults(&mut props, "UTC");
        let props: Vec<(String, String)> = props.into_iter().collect();
        let now = chrono::NaiveDateTime::parse_from_str(now, "%Y-%m-%d %H:%M:%S")
            .unwrap()
            .and_utc();
        let mut c = Cursor::new(clause).unwrap();
        let desc = parse_partition_desc(&mut c).unwrap();
        let mut id = 100;
        analyze_partition_desc_at(&desc, &columns(), &props, now, &mut || {
            id += 1;
            id
        })
    }

    #[test]
    fn create_table_adds_the_dynamic_partitions_of_now() {
        let kv = [
            ("dynamic_partition.time_unit", "DAY"),
            ("dynamic_partition.start", "-3"),
            ("dynamic_partition.end", "3"),
            ("dynamic_partition.time_zone", "Asia/Shanghai"),
        ];
        // 2024-02-27 20:00 UTC is 2024-02-28 04:00 in Shanghai: today there is the 28th.
        let a = analyze_dynamic("PARTITION BY RANGE (dt) ()", &kv, "2024-02-27 20:00:00").unwrap();
        assert_eq!(
            names(&a),
            vec!["p20240228", "p20240229", "p20240301", "p20240302"]
        );
        assert_eq!(a.partitions[0].id, 101);
        assert_eq!(
            sql(&a),
            "PARTITION BY RANGE(`dt`)\n(PARTITION p20240228 VALUES [(\"2024-02-28\"), (\"2024-02-29\")),\nPARTITION p20240229 VALUES [(\"2024-02-29\"), (\"2024-03-01\")),\nPARTITION p20240301 VALUES [(\"2024-03-01\"), (\"2024-03-02\")),\nPARTITION p20240302 VALUES [(\"2024-03-02\"), (\"2024-03-03\")))"
        );
        // The statement's partitions stay; dynamic ones that would intersect them are skipped,
        // old ones are left for the loop to drop.
        let a = analyze_dynamic(
            "PARTITION BY RANGE (dt) (PARTITION p_old VALUES [(\"2020-01-01\"), (\"2020-01-02\")), PARTITION p_two VALUES [(\"2024-02-29\"), (\"2024-03-02\")))",
            &kv,
            "2024-02-27 20:00:00",
        )
        .unwrap();
        assert_eq!(names(&a), vec!["p_old", "p_two", "p20240228", "p20240302"]);
        // DATETIME columns, HOUR unit, in UTC.
        let kv_hour = [
            ("dynamic_partition.time_unit", "HOUR"),
            ("dynamic_partition.end", "1"),
            ("dynamic_partition.time_zone", "UTC"),
        ];
        let a = analyze_dynamic(
            "PARTITION BY RANGE (ts) ()",
            &kv_hour,
            "2024-02-27 20:15:00",
        )
        .unwrap();
        assert_eq!(names(&a), vec!["p2024022720", "p2024022721"]);
        // Disabled, or with its own bucket count (the loop creates those): none now.
        let mut off = kv.to_vec();
        off.push(("dynamic_partition.enable", "false"));
        assert!(
            analyze_dynamic("PARTITION BY RANGE (dt) ()", &off, "2024-02-27 20:00:00")
                .unwrap()
                .partitions
                .is_empty()
        );
        let mut buckets = kv.to_vec();
        buckets.push(("dynamic_partition.buckets", "4"));
        assert!(analyze_dynamic(
            "PARTITION BY RANGE (dt) ()",
            &buckets,
            "2024-02-27 20:00:00"
        )
        .unwrap()
        .partitions
        .is_empty());
    }

    #[test]
    fn dynamic_properties_are_checked_after_the_partition_clause() {
        let kv = [
            ("dynamic_partition.time_unit", "DAY"),
            ("dynamic_partition.end", "3"),
        ];
        let now = "2024-02-27 20:00:00";
        let e = |clause: &str, kv: &[(&str, &str)]| {
            analyze_dynamic(clause, kv, now).unwrap_err().to_string()
        };
        assert_eq!(
            e(
                "PARTITION BY LIST (city) (PARTITION p VALUES IN (\"a\"))",
                &kv
            ),
            "Dynamic partition only support single-column range partition"
        );
        assert_eq!(
            e("PARTITION BY RANGE (id, k2) ()", &kv),
            "Dynamic partition only support single-column range partition"
        );
        assert_eq!(
            e("PARTITION BY date_trunc('day', dt)", &kv),
            "Dynamic partition only support single-column range partition"
        );
        // A bad clause is reported first.
        assert_eq!(
            e("PARTITION BY RANGE (nope) ()", &kv),
            "Partition column[nope] does not exist in column list."
        );
        assert_eq!(
            e(
                "PARTITION BY RANGE (dt) ()",
                &[
                    ("dynamic_partition.time_unit", "HOUR"),
                    ("dynamic_partition.end", "3")
                ]
            ),
            "Date type partition does not support dynamic partitioning granularity of hour"
        );
        // Integer columns take yyyyMMdd bounds.
        let a = analyze_dynamic(
            "PARTITION BY RANGE (id) ()",
            &[
                ("dynamic_partition.time_unit", "MONTH"),
                ("dynamic_partition.end", "1"),
                ("dynamic_partition.time_zone", "UTC"),
            ],
            now,
        )
        .unwrap();
        assert_eq!(
            sql(&a),
            "PARTITION BY RANGE(`id`)\n(PARTITION p202402 VALUES [(\"20240201\"), (\"20240301\")),\nPARTITION p202403 VALUES [(\"20240301\"), (\"20240401\")))"
        );
    }
}
