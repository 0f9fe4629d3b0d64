//! The routes a load's sink finds partitions by (`PartitionRouting` in `types.proto`, StarRocks
//! `OlapTablePartitionParam`), built from the catalog's partitioning: bounds and list values in
//! the BE's Arrow representation of the partition column (DATE as days since 1970-01-01,
//! DATETIME as microseconds since 1970-01-01 00:00:00, integers as integers, text as text).
//!
//! A lower bound at the column type's minimum travels as `min`, so that NULL rows land in that
//! partition on the BE as StarRocks's sink puts them ("NULL value would be put in the MIN_VALUE
//! partition"); for time-expression tables this is the `p00000101` partition NULL rows make.

use crate::catalog::partition_info::{PartitionColumn, PartitionKey};
use crate::catalog::partition_value::PartitionValue;
use crate::catalog::table::Table;
use starload_proto::types::{
    partition_key_value::Value, PartitionKeyTuple, PartitionKeyValue, PartitionKind,
    PartitionRoute, PartitionRouting,
};

fn epoch() -> chrono::NaiveDateTime {
    chrono::DateTime::UNIX_EPOCH.naive_utc()
}

/// One value as the BE compares it.
pub fn key_value(v: &PartitionValue) -> PartitionKeyValue {
    let value = match v {
        // Bounds never hold NULL; a NULL list value matches nothing on the BE either way.
        PartitionValue::Null => Value::Min(true),
        PartitionValue::Bool(b) => Value::Int(*b as i64),
        PartitionValue::Int(i) => match i64::try_from(*i) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Largeint(i.to_string()),
        },
        PartitionValue::Date(d) => Value::Int(
            d.to_naive()
                .signed_duration_since(epoch().date())
                .num_days(),
        ),
        PartitionValue::Datetime(d) => Value::Int(
            d.to_naive()
                .signed_duration_since(epoch())
                .num_microseconds()
                .unwrap_or(i64::MIN),
        ),
        PartitionValue::Str(s) => Value::Text(s.clone()),
        PartitionValue::Max => Value::Max(true),
    };
    PartitionKeyValue { value: Some(value) }
}

fn lower_tuple(k: &PartitionKey, columns: &[PartitionColumn]) -> PartitionKeyTuple {
    if k.is_min_value(columns) {
        return PartitionKeyTuple {
            values: vec![
                PartitionKeyValue {
                    value: Some(Value::Min(true))
                };
                columns.len()
            ],
        };
    }
    PartitionKeyTuple {
        values: k.0.iter().map(key_value).collect(),
    }
}

fn tuple(vals: &[PartitionValue]) -> PartitionKeyTuple {
    PartitionKeyTuple {
        values: vals.iter().map(key_value).collect(),
    }
}

/// The route of partition `id` of `table` (None when the partitioning does not know it).
pub fn route_of(table: &Table, id: i64) -> Option<PartitionRoute> {
    let p = table.partition(id)?;
    let bucket_num = p.tablets.len() as u32;
    let info = &table.partition_info;
    if let Some(r) = info.range_info() {
        let item = r.range_of(id)?;
        return Some(PartitionRoute {
            partition_id: id,
            lower: Some(lower_tuple(&item.lower, &r.columns)),
            upper: Some(tuple(&item.upper.0)),
            values: Vec::new(),
            bucket_num,
        });
    }
    if let Some(l) = info.list_info() {
        let item = l.item_of(id)?;
        return Some(PartitionRoute {
            partition_id: id,
            lower: None,
            upper: None,
            values: item.values.iter().map(|v| tuple(v)).collect(),
            bucket_num,
        });
    }
    Some(PartitionRoute {
        partition_id: id,
        bucket_num,
        ..Default::default()
    })
}

/// The routing of a load into `table`, limited to partitions `only` when given (CREATE
/// ROUTINE LOAD's `PARTITION(p1, p2)`: rows of other partitions are error rows).
pub fn routing(table: &Table, only: Option<&[i64]>) -> PartitionRouting {
    let info = &table.partition_info;
    let kind = if info.range_info().is_some() {
        PartitionKind::Range
    } else if info.list_info().is_some() {
        PartitionKind::List
    } else {
        PartitionKind::Unpartitioned
    };
    let column_idx = info
        .columns()
        .iter()
        .filter_map(|c| table.column_index(&c.name).map(|i| i as u32))
        .collect();
    let partitions = table
        .partitions
        .iter()
        .filter(|p| only.is_none_or(|o| o.contains(&p.id)))
        .filter_map(|p| route_of(table, p.id))
        .collect();
    PartitionRouting {
        kind: kind as i32,
        column_idx,
        partitions,
        // With an explicit target list nothing is created: rows outside it are errors.
        automatic: only.is_none() && info.is_automatic(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::partition_value::{Date, Datetime};

    #[test]
    fn dates_and_datetimes_travel_as_arrow_units() {
        let d = PartitionValue::Date(Date::from_ymd(1970, 1, 11).unwrap());
        assert_eq!(key_value(&d).value, Some(Value::Int(10)));
        let before = PartitionValue::Date(Date::from_ymd(1969, 12, 31).unwrap());
        assert_eq!(key_value(&before).value, Some(Value::Int(-1)));
        let dt = PartitionValue::Datetime(Datetime::parse("1970-01-01 00:00:01.5").unwrap());
        assert_eq!(key_value(&dt).value, Some(Value::Int(1_500_000)));
        let big = PartitionValue::Int(i128::from(i64::MAX) + 1);
        assert_eq!(
            key_value(&big).value,
            Some(Value::Largeint("9223372036854775808".into()))
        );
    }
}
