//! Model-based tests of the tablet store: random batches of inserts, upserts, deletes and
//! aggregates over several transactions (published out of txn-id order, some aborted), with
//! reopen, compared at every version with a simple in-memory model.

use super::*;
use arrow::array::{Int32Array, Int64Array, Int8Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use proptest::prelude::*;
use starload_proto::be::CompareOp;
use starload_proto::types::{AggType, ColumnDef, KeysType, PrimitiveType};
use std::collections::BTreeMap;
use std::sync::Arc;

fn col(name: &str, t: PrimitiveType, key: bool, agg: AggType) -> ColumnDef {
    ColumnDef::of(name, t, -1, true).keyed(key, agg)
}

/// k1 INT, k2 VARCHAR (keys); v1 BIGINT SUM, v2 VARCHAR REPLACE, v3 INT MAX, v4 INT MIN,
/// v5 INT REPLACE_IF_NOT_NULL (agg types only for AGGREGATE).
pub fn test_schema(keys: KeysType) -> TabletSchema {
    let a = |x| {
        if keys == KeysType::AggKeys {
            x
        } else {
            AggType::Unspecified
        }
    };
    TabletSchema {
        keys_type: keys as i32,
        columns: vec![
            col("k1", PrimitiveType::Int, true, AggType::Unspecified),
            col("k2", PrimitiveType::Varchar, true, AggType::Unspecified),
            col("v1", PrimitiveType::Bigint, false, a(AggType::Sum)),
            col("v2", PrimitiveType::Varchar, false, a(AggType::Replace)),
            col("v3", PrimitiveType::Int, false, a(AggType::Max)),
            col("v4", PrimitiveType::Int, false, a(AggType::Min)),
            col(
                "v5",
                PrimitiveType::Int,
                false,
                a(AggType::ReplaceIfNotNull),
            ),
        ],
        sort_key_idx: vec![0, 1],
        distribution_idx: vec![0],
        bucket_num: 4,
        schema_version: 0,
    }
}

type Key = (i32, Option<String>);

#[derive(Debug, Clone, PartialEq, PartialOrd)]
struct Row {
    k1: i32,
    k2: Option<String>,
    v1: Option<i64>,
    v2: Option<String>,
    v3: Option<i32>,
    v4: Option<i32>,
    v5: Option<i32>,
    delete: bool,
}

impl Row {
    fn key(&self) -> Key {
        (self.k1, self.k2.clone())
    }
}

fn to_batch(rows: &[Row], with_op: bool) -> RecordBatch {
    let mut fields = vec![
        Field::new("k1", DataType::Int32, true),
        Field::new("k2", DataType::Utf8, true),
        Field::new("v1", DataType::Int64, true),
        Field::new("v2", DataType::Utf8, true),
        Field::new("v3", DataType::Int32, true),
        Field::new("v4", DataType::Int32, true),
        Field::new("v5", DataType::Int32, true),
    ];
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(Int32Array::from(
            rows.iter().map(|r| r.k1).collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(
            rows.iter().map(|r| r.k2.clone()).collect::<Vec<_>>(),
        )),
        Arc::new(Int64Array::from(
            rows.iter().map(|r| r.v1).collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(
            rows.iter().map(|r| r.v2.clone()).collect::<Vec<_>>(),
        )),
        Arc::new(Int32Array::from(
            rows.iter().map(|r| r.v3).collect::<Vec<_>>(),
        )),
        Arc::new(Int32Array::from(
            rows.iter().map(|r| r.v4).collect::<Vec<_>>(),
        )),
        Arc::new(Int32Array::from(
            rows.iter().map(|r| r.v5).collect::<Vec<_>>(),
        )),
    ];
    if with_op {
        fields.push(Field::new("__op", DataType::Int8, false));
        cols.push(Arc::new(Int8Array::from(
            rows.iter().map(|r| r.delete as i8).collect::<Vec<_>>(),
        )));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap()
}

fn from_batches(bs: &[RecordBatch]) -> Vec<Row> {
    let mut out = vec![];
    for b in bs {
        let c = |i: usize| b.column(i).clone();
        let k1 = c(0);
        let k1 = k1.as_any().downcast_ref::<Int32Array>().unwrap();
        let k2 = c(1);
        let k2 = k2.as_any().downcast_ref::<StringArray>().unwrap();
        let v1 = c(2);
        let v1 = v1.as_any().downcast_ref::<Int64Array>().unwrap();
        let v2 = c(3);
        let v2 = v2.as_any().downcast_ref::<StringArray>().unwrap();
        let i32s: Vec<ArrayRef> = (4..7).map(c).collect();
        let i32c = |j: usize| {
            i32s[j]
                .as_any()
                .downcast_ref::<Int32Array>()
                .unwrap()
                .clone()
        };
        let (v3, v4, v5) = (i32c(0), i32c(1), i32c(2));
        let o = |a: &dyn Array, i| a.is_valid(i);
        for i in 0..b.num_rows() {
            out.push(Row {
                k1: k1.value(i),
                k2: o(k2, i).then(|| k2.value(i).to_string()),
                v1: o(v1, i).then(|| v1.value(i)),
                v2: o(v2, i).then(|| v2.value(i).to_string()),
                v3: o(&v3, i).then(|| v3.value(i)),
                v4: o(&v4, i).then(|| v4.value(i)),
                v5: o(&v5, i).then(|| v5.value(i)),
                delete: false,
            });
        }
    }
    out
}

/// The in-memory model: published versions' rows, folded on read.
fn model_read(keys: KeysType, versions: &[Vec<Row>]) -> Vec<Row> {
    if keys == KeysType::DupKeys {
        let mut all: Vec<Row> = versions.iter().flatten().cloned().collect();
        for r in &mut all {
            r.delete = false;
        }
        all.sort_by(|a, b| a.partial_cmp(b).unwrap());
        return all;
    }
    let mut m: BTreeMap<Key, Row> = BTreeMap::new();
    for r in versions.iter().flatten() {
        let mut r = r.clone();
        if keys == KeysType::AggKeys {
            r.delete = false;
            match m.get_mut(&r.key()) {
                None => {
                    m.insert(r.key(), r);
                }
                Some(cur) => {
                    cur.v1 = match (cur.v1, r.v1) {
                        (Some(a), Some(b)) => Some(a.wrapping_add(b)),
                        (a, b) => a.or(b),
                    };
                    cur.v2 = r.v2.clone();
                    cur.v3 = match (cur.v3, r.v3) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        (a, b) => a.or(b),
                    };
                    cur.v4 = match (cur.v4, r.v4) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    if r.v5.is_some() {
                        cur.v5 = r.v5;
                    }
                }
            }
        } else if r.delete {
            m.remove(&r.key());
        } else {
            m.insert(r.key(), r);
        }
    }
    m.into_values().collect()
}

fn read_all(s: &TabletStore, tablet: i64, version: i64, keys: KeysType) -> Vec<Row> {
    let mut rows = from_batches(&s.scan(tablet, version, &[], &[]).unwrap());
    if keys == KeysType::DupKeys {
        rows.sort_by(|a, b| a.partial_cmp(b).unwrap());
    }
    rows
}

fn arb_row() -> impl Strategy<Value = Row> {
    (
        -3i32..3,
        proptest::option::weighted(0.9, "[ab\\x00]{0,2}"),
        proptest::option::weighted(0.8, -100i64..100),
        proptest::option::weighted(0.8, "[xyz]{0,3}"),
        proptest::option::weighted(0.8, -50i32..50),
        proptest::option::weighted(0.8, -50i32..50),
        proptest::option::weighted(0.6, -50i32..50),
        proptest::bool::weighted(0.25),
    )
        .prop_map(|(k1, k2, v1, v2, v3, v4, v5, delete)| Row {
            k1,
            k2,
            v1,
            v2,
            v3,
            v4,
            v5,
            delete,
        })
}

#[derive(Debug, Clone)]
struct TxnPlan {
    batches: Vec<Vec<Row>>,
    publish: bool,
    reopen_after: bool,
    /// After this txn: compact to (visible - .0 % 3); `.1`: interrupt after that many write
    /// batches of one row op each (as a crash would), then reopen and finish it.
    compact_after: Option<(u8, Option<u8>)>,
}

fn arb_txn() -> impl Strategy<Value = TxnPlan> {
    (
        proptest::collection::vec(proptest::collection::vec(arb_row(), 0..8), 1..3),
        proptest::bool::weighted(0.8),
        proptest::bool::weighted(0.2),
        proptest::option::weighted(0.35, (any::<u8>(), proptest::option::weighted(0.4, 0u8..6))),
    )
        .prop_map(|(batches, publish, reopen_after, compact_after)| TxnPlan {
            batches,
            publish,
            reopen_after,
            compact_after,
        })
}

fn run_model(keys: KeysType, plan: Vec<TxnPlan>, ids_desc: bool) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let mut store = TabletStore::open(dir.path()).unwrap();
    let tablet = 10001;
    store
        .create_tablet(tablet, 1, 2, test_schema(keys))
        .unwrap();
    let upsert = matches!(keys, KeysType::UniqueKeys | KeysType::PrimaryKeys);
    let mut published: Vec<Vec<Row>> = vec![vec![]]; // version 1 = empty
    let mut compacted = 0i64;
    let n = plan.len() as i64;
    // Pairs of txns are staged together, then resolved in order: ids descending makes
    // version order differ from txn-id order.
    for (pair_no, pair) in plan.chunks(2).enumerate() {
        let ids: Vec<i64> = (0..pair.len() as i64)
            .map(|j| {
                let i = pair_no as i64 * 2 + j;
                if ids_desc {
                    1000 + n - i
                } else {
                    1000 + i
                }
            })
            .collect();
        for (t, id) in pair.iter().zip(&ids) {
            for b in &t.batches {
                store
                    .write_batch(*id, tablet, &to_batch(b, upsert), &WriteOptions::default())
                    .unwrap();
            }
        }
        for (t, id) in pair.iter().zip(&ids) {
            if t.publish {
                let v = published.len() as i64 + 1;
                store.publish(*id, tablet, v).unwrap();
                // Idempotent.
                store.publish(*id, tablet, v).unwrap();
                let mut rows: Vec<Row> = t.batches.iter().flatten().cloned().collect();
                if !upsert {
                    rows.iter_mut().for_each(|r| r.delete = false);
                }
                published.push(rows);
            } else {
                store.abort(*id, tablet).unwrap();
                prop_assert!(store
                    .write_batch(
                        *id,
                        tablet,
                        &to_batch(&[], upsert),
                        &WriteOptions::default()
                    )
                    .is_err());
            }
            if t.reopen_after {
                store.sweep().unwrap();
                drop(store);
                store = TabletStore::open(dir.path()).unwrap();
            }
            if let Some((back, interrupt)) = t.compact_after {
                let visible = published.len() as i64;
                let target = (visible - (back % 3) as i64).max(1);
                let tab = store.tablet(tablet).unwrap();
                if let Some(n) = interrupt {
                    // Half a compaction, then a "crash": every read must already be the same.
                    let r =
                        compaction::compact_limited(&store.engine, &tab, target, 1, Some(n as u64));
                    drop(tab);
                    if r.is_err() {
                        drop(store);
                        store = TabletStore::open(dir.path()).unwrap();
                        check_versions(&store, tablet, keys, &published)?;
                    }
                    let tab = store.tablet(tablet).unwrap();
                    compaction::compact(&store.engine, &tab, target, 3).unwrap();
                } else {
                    compaction::compact(&store.engine, &tab, target, 3).unwrap();
                }
                compacted = compacted.max(target);
                prop_assert!(
                    store
                        .tablet(tablet)
                        .unwrap()
                        .state
                        .lock()
                        .unwrap()
                        .compacted_version
                        >= compacted.min(visible)
                );
                check_versions(&store, tablet, keys, &published)?;
            }
        }
    }
    let check = |store: &TabletStore| -> Result<(), TestCaseError> {
        check_versions(store, tablet, keys, &published)?;
        let above = published.len() as i64 + 1;
        let missing = matches!(
            store.scan(tablet, above, &[], &[]),
            Err(BeError::VersionMissing { .. })
        );
        prop_assert!(missing, "read above the visible version must fail");
        Ok(())
    };
    check(&store)?;
    store.sweep().unwrap();
    drop(store);
    let store = TabletStore::open(dir.path()).unwrap();
    check(&store)?;
    prop_assert!(store.staged_txns().is_empty());
    Ok(())
}

/// Compares every readable version with the model; versions below the compacted one must
/// be refused.
fn check_versions(
    store: &TabletStore,
    tablet: i64,
    keys: KeysType,
    published: &[Vec<Row>],
) -> Result<(), TestCaseError> {
    let compacted = store
        .tablet(tablet)
        .unwrap()
        .state
        .lock()
        .unwrap()
        .compacted_version;
    for v in 1..=published.len() as i64 {
        if v < compacted {
            let refused = matches!(
                store.scan(tablet, v, &[], &[]),
                Err(BeError::VersionCompacted { .. })
            );
            prop_assert!(
                refused,
                "version {} below compacted {} must be refused",
                v,
                compacted
            );
            continue;
        }
        let want = model_read(keys, &published[..v as usize]);
        let got = read_all(store, tablet, v, keys);
        prop_assert_eq!(got, want, "version {} (compacted {})", v, compacted);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn duplicate_matches_model(plan in proptest::collection::vec(arb_txn(), 1..6), desc in any::<bool>()) {
        run_model(KeysType::DupKeys, plan, desc)?;
    }

    #[test]
    fn aggregate_matches_model(plan in proptest::collection::vec(arb_txn(), 1..6), desc in any::<bool>()) {
        run_model(KeysType::AggKeys, plan, desc)?;
    }

    #[test]
    fn unique_matches_model(plan in proptest::collection::vec(arb_txn(), 1..6), desc in any::<bool>()) {
        run_model(KeysType::UniqueKeys, plan, desc)?;
    }

    #[test]
    fn primary_matches_model(plan in proptest::collection::vec(arb_txn(), 1..6), desc in any::<bool>()) {
        run_model(KeysType::PrimaryKeys, plan, desc)?;
    }
}

fn row(k1: i32, v1: i64) -> Row {
    Row {
        k1,
        k2: Some("a".into()),
        v1: Some(v1),
        v2: None,
        v3: None,
        v4: None,
        v5: None,
        delete: false,
    }
}

#[test]
fn publish_needs_previous_version_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let s = TabletStore::open(dir.path()).unwrap();
    s.create_tablet(1, 1, 1, test_schema(KeysType::DupKeys))
        .unwrap();
    s.write_batch(
        7,
        1,
        &to_batch(&[row(1, 1)], false),
        &WriteOptions::default(),
    )
    .unwrap();
    assert!(matches!(
        s.publish(7, 1, 3),
        Err(BeError::VersionMissing {
            visible: 1,
            version: 3,
            ..
        })
    ));
    s.publish(7, 1, 2).unwrap();
    s.publish(7, 1, 2).unwrap();
    assert!(s.publish(7, 1, 3).is_err(), "same txn at another version");
    assert!(
        s.publish(8, 1, 2).is_err(),
        "another txn at a published version"
    );
    assert!(s.abort(7, 1).is_err(), "published txn cannot be aborted");
    // A txn this replica never staged cannot be published here (it missed the load).
    assert!(s.publish(9, 1, 3).is_err());
    assert_eq!(s.tablet(1).unwrap().visible_version(), 2);
    // A txn that staged no rows on this tablet (the empty eos write) still advances it.
    s.write_batch(9, 1, &to_batch(&[], false), &WriteOptions::default())
        .unwrap();
    s.publish(9, 1, 3).unwrap();
    assert_eq!(s.tablet(1).unwrap().visible_version(), 3);
    assert!(s
        .write_batch(
            7,
            1,
            &to_batch(&[row(1, 1)], false),
            &WriteOptions::default()
        )
        .is_err());
}

#[test]
fn staged_rows_survive_reopen_until_decided() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = TabletStore::open(dir.path()).unwrap();
        s.create_tablet(1, 1, 1, test_schema(KeysType::DupKeys))
            .unwrap();
        s.write_batch(
            5,
            1,
            &to_batch(&[row(1, 1), row(2, 2)], false),
            &WriteOptions::default(),
        )
        .unwrap();
        s.write_batch(
            6,
            1,
            &to_batch(&[row(3, 3)], false),
            &WriteOptions::default(),
        )
        .unwrap();
    }
    let s = TabletStore::open(dir.path()).unwrap();
    let staged = s.staged_txns();
    assert_eq!(staged.keys().copied().collect::<Vec<_>>(), vec![5, 6]);
    // A later batch of txn 5 continues its sequence (no overwrite of earlier rows).
    s.write_batch(
        5,
        1,
        &to_batch(&[row(1, 1)], false),
        &WriteOptions::default(),
    )
    .unwrap();
    s.publish(5, 1, 2).unwrap();
    s.abort(6, 1).unwrap();
    assert_eq!(s.sweep().unwrap(), 1);
    assert_eq!(read_all(&s, 1, 2, KeysType::DupKeys).len(), 3);
    assert!(s.staged_txns().is_empty());
}

#[test]
fn projection_predicates_and_limit() {
    let dir = tempfile::tempdir().unwrap();
    let s = TabletStore::open(dir.path()).unwrap();
    s.create_tablet(1, 1, 1, test_schema(KeysType::AggKeys))
        .unwrap();
    let rows: Vec<Row> = (0..100).map(|i| row(i % 10, i as i64)).collect();
    s.write_batch(5, 1, &to_batch(&rows, false), &WriteOptions::default())
        .unwrap();
    s.publish(5, 1, 2).unwrap();
    let p = |c: &str, op: CompareOp, lit: &str| ScanPredicate {
        column: c.into(),
        op: op as i32,
        literal: lit.into(),
    };
    let cols = vec!["v1".to_string(), "k1".to_string()];
    let bs = s
        .scan(
            1,
            2,
            &cols,
            &[p("k1", CompareOp::Ge, "3"), p("k1", CompareOp::Lt, "5")],
        )
        .unwrap();
    assert_eq!(bs[0].schema().field(0).name(), "v1");
    let v1 = bs[0]
        .column(0)
        .as_any()
        .downcast_ref::<Int64Array>()
        .unwrap();
    let k1 = bs[0]
        .column(1)
        .as_any()
        .downcast_ref::<Int32Array>()
        .unwrap();
    assert_eq!(k1.values().to_vec(), vec![3, 4]);
    // SUM over the ten rows of each key: k + (k+10) + ... + (k+90).
    assert_eq!(v1.values().to_vec(), vec![3 * 10 + 450, 4 * 10 + 450]);
    let bs = s
        .scan(1, 2, &cols, &[p("v1", CompareOp::Gt, "490")])
        .unwrap();
    assert_eq!(bs.iter().map(|b| b.num_rows()).sum::<usize>(), 5);
    let bs = s.scan(1, 2, &cols, &[p("k1", CompareOp::Eq, "7")]).unwrap();
    assert_eq!(bs.iter().map(|b| b.num_rows()).sum::<usize>(), 1);
    assert!(s.scan(1, 2, &["nope".to_string()], &[]).is_err());
    assert!(s.scan(1, 2, &cols, &[p("k1", CompareOp::Eq, "x")]).is_err());
    let mut got = 0;
    let req = ScanRequest {
        version: 2,
        columns: &cols,
        predicates: &[],
        limit: 3,
        batch_rows: 2,
    };
    s.scan_with(1, &req, &mut |b| {
        got += b.num_rows();
        Ok(true)
    })
    .unwrap();
    assert_eq!(got, 3);
}

#[test]
fn partial_update_and_merge_condition() {
    let dir = tempfile::tempdir().unwrap();
    let s = TabletStore::open(dir.path()).unwrap();
    let mut schema = test_schema(KeysType::PrimaryKeys);
    schema.columns[6].default_value = Some("9".into());
    s.create_tablet(1, 1, 1, schema).unwrap();
    s.write_batch(
        5,
        1,
        &to_batch(&[row(1, 10)], true),
        &WriteOptions::default(),
    )
    .unwrap();
    s.publish(5, 1, 2).unwrap();
    // Partial: only k1, k2, v2 for an existing key (1) and a new key (2).
    let partial = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("k1", DataType::Int32, true),
            Field::new("k2", DataType::Utf8, true),
            Field::new("v2", DataType::Utf8, true),
        ])),
        vec![
            Arc::new(Int32Array::from(vec![1, 2])),
            Arc::new(StringArray::from(vec!["a", "a"])),
            Arc::new(StringArray::from(vec!["p", "q"])),
        ],
    )
    .unwrap();
    let opts = WriteOptions {
        partial_update_columns: vec!["v2".into()],
        merge_condition: None,
    };
    s.write_batch(6, 1, &partial, &opts).unwrap();
    s.publish(6, 1, 3).unwrap();
    let got = read_all(&s, 1, 3, KeysType::PrimaryKeys);
    assert_eq!(got[0].v1, Some(10));
    assert_eq!(got[0].v2.as_deref(), Some("p"));
    assert_eq!(
        (got[1].v1, got[1].v2.as_deref(), got[1].v5),
        (None, Some("q"), Some(9))
    );
    // merge_condition on v1: an older (smaller) v1 does not replace the stored row.
    let cond = WriteOptions {
        partial_update_columns: vec![],
        merge_condition: Some("v1".into()),
    };
    s.write_batch(7, 1, &to_batch(&[row(1, 5)], true), &cond)
        .unwrap();
    s.publish(7, 1, 4).unwrap();
    assert_eq!(read_all(&s, 1, 4, KeysType::PrimaryKeys)[0].v1, Some(10));
    s.write_batch(8, 1, &to_batch(&[row(1, 11)], true), &cond)
        .unwrap();
    s.publish(8, 1, 5).unwrap();
    assert_eq!(read_all(&s, 1, 5, KeysType::PrimaryKeys)[0].v1, Some(11));
    // The routine load path hands a partial update over at full width (the columns it does not
    // name hold defaults): only the named columns are stored.
    let mut full = row(1, 999);
    full.v2 = Some("named".into());
    let named = WriteOptions {
        partial_update_columns: vec!["k1".into(), "k2".into(), "v2".into()],
        merge_condition: None,
    };
    s.write_batch(9, 1, &to_batch(&[full], false), &named)
        .unwrap();
    s.publish(9, 1, 6).unwrap();
    let got = read_all(&s, 1, 6, KeysType::PrimaryKeys);
    assert_eq!((got[0].v1, got[0].v2.as_deref()), (Some(11), Some("named")));
}

#[test]
fn truncate_and_drop() {
    let dir = tempfile::tempdir().unwrap();
    let s = TabletStore::open(dir.path()).unwrap();
    s.create_tablet(1, 1, 1, test_schema(KeysType::DupKeys))
        .unwrap();
    s.write_batch(
        5,
        1,
        &to_batch(&[row(1, 1)], false),
        &WriteOptions::default(),
    )
    .unwrap();
    s.publish(5, 1, 2).unwrap();
    s.truncate_tablet(1, 2).unwrap();
    assert!(read_all(&s, 1, 2, KeysType::DupKeys).is_empty());
    s.write_batch(
        6,
        1,
        &to_batch(&[row(2, 1)], false),
        &WriteOptions::default(),
    )
    .unwrap();
    s.publish(6, 1, 3).unwrap();
    assert_eq!(read_all(&s, 1, 3, KeysType::DupKeys).len(), 1);
    s.drop_tablet(1).unwrap();
    assert!(matches!(
        s.scan(1, 3, &[], &[]),
        Err(BeError::TabletNotFound(1))
    ));
    drop(s);
    let s = TabletStore::open(dir.path()).unwrap();
    assert_eq!(s.tablet_count(), 0);
}

#[test]
fn buckets_are_stable_and_spread() {
    let schema = test_schema(KeysType::DupKeys);
    let rows: Vec<Row> = (0..1000).map(|i| row(i, 0)).collect();
    let b = to_batch(&rows, false);
    let a = buckets(&b, &schema).unwrap();
    assert_eq!(a, buckets(&b, &schema).unwrap());
    let mut counts = [0usize; 4];
    for x in &a {
        counts[*x as usize] += 1;
    }
    assert!(counts.iter().all(|c| *c > 150), "{counts:?}");
    assert_eq!(bucket_of(&b, &schema, 17).unwrap(), a[17]);
    // Same value as Int64 or as text hashes the same after the cast to the column type.
    let other = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new("k1", DataType::Utf8, true)])),
        vec![Arc::new(StringArray::from(vec!["17"]))],
    )
    .unwrap();
    assert_eq!(buckets(&other, &schema).unwrap()[0], a[17]);
}

#[test]
fn agg_txn_continued_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = TabletStore::open(dir.path()).unwrap();
        s.create_tablet(1, 1, 1, test_schema(KeysType::AggKeys))
            .unwrap();
        s.write_batch(
            200,
            1,
            &to_batch(&[row(1, 1)], false),
            &WriteOptions::default(),
        )
        .unwrap();
        s.write_batch(
            203,
            1,
            &to_batch(&[row(4, 4)], false),
            &WriteOptions::default(),
        )
        .unwrap();
    }
    let s = TabletStore::open(dir.path()).unwrap();
    s.publish(200, 1, 2).unwrap();
    s.write_batch(
        203,
        1,
        &to_batch(&[row(5, 5)], false),
        &WriteOptions::default(),
    )
    .unwrap();
    s.publish(203, 1, 3).unwrap();
    let got: Vec<(i32, Option<i64>)> = read_all(&s, 1, 3, KeysType::AggKeys)
        .iter()
        .map(|r| (r.k1, r.v1))
        .collect();
    assert_eq!(got, vec![(1, Some(1)), (4, Some(4)), (5, Some(5))]);
}

#[test]
fn agg_bigint_varchar_recovery_sequence() {
    let schema = TabletSchema {
        keys_type: KeysType::AggKeys as i32,
        columns: vec![
            col(
                "order_id",
                PrimitiveType::Bigint,
                true,
                AggType::Unspecified,
            ),
            col(
                "customer_name",
                PrimitiveType::Varchar,
                true,
                AggType::Unspecified,
            ),
            col("price", PrimitiveType::Int, false, AggType::Sum),
        ],
        sort_key_idx: vec![0, 1],
        distribution_idx: vec![0],
        bucket_num: 1,
        schema_version: 0,
    };
    let b = |id: i64, name: &str, p: i32| {
        RecordBatch::try_new(
            Arc::new(Schema::new(vec![
                Field::new("order_id", DataType::Int64, true),
                Field::new("customer_name", DataType::Utf8, true),
                Field::new("price", DataType::Int32, true),
            ])),
            vec![
                Arc::new(Int64Array::from(vec![id])),
                Arc::new(StringArray::from(vec![name])),
                Arc::new(Int32Array::from(vec![p])),
            ],
        )
        .unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    {
        let s = TabletStore::open(dir.path()).unwrap();
        s.create_tablet(1, 1, 1, schema).unwrap();
        for (txn, id, n) in [(200, 1, "a"), (201, 2, "b"), (202, 3, "c"), (203, 4, "d")] {
            s.write_batch(txn, 1, &b(id, n, id as i32), &WriteOptions::default())
                .unwrap();
        }
        s.sync().unwrap();
    }
    let s = TabletStore::open(dir.path()).unwrap();
    s.abort(201, 1).unwrap();
    s.abort(202, 1).unwrap();
    s.publish(200, 1, 2).unwrap();
    s.sweep().unwrap();
    s.publish(203, 1, 3).unwrap();
    let out = s.scan(1, 3, &[], &[]).unwrap();
    let p = out[0]
        .column(2)
        .as_any()
        .downcast_ref::<Int32Array>()
        .unwrap();
    assert_eq!(p.values().to_vec(), vec![1, 4]);
}

/// Reads every version from `from` to `to` of tablet 1.
fn snapshot(s: &TabletStore, keys: KeysType, from: i64, to: i64) -> Vec<Vec<Row>> {
    (from..=to).map(|v| read_all(s, 1, v, keys)).collect()
}

#[test]
fn compaction_keeps_partial_conditional_and_deleted_results() {
    let dir = tempfile::tempdir().unwrap();
    let s = TabletStore::open(dir.path()).unwrap();
    let mut schema = test_schema(KeysType::PrimaryKeys);
    schema.columns[6].default_value = Some("9".into());
    s.create_tablet(1, 1, 1, schema).unwrap();
    let full = |rows: &[Row]| to_batch(rows, true);
    let mut del = row(3, 0);
    del.delete = true;
    s.write_batch(
        5,
        1,
        &full(&[row(1, 10), row(3, 1)]),
        &WriteOptions::default(),
    )
    .unwrap();
    s.publish(5, 1, 2).unwrap();
    let partial = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("k1", DataType::Int32, true),
            Field::new("k2", DataType::Utf8, true),
            Field::new("v2", DataType::Utf8, true),
        ])),
        vec![
            Arc::new(Int32Array::from(vec![1, 2])),
            Arc::new(StringArray::from(vec!["a", "a"])),
            Arc::new(StringArray::from(vec!["p", "q"])),
        ],
    )
    .unwrap();
    let popts = WriteOptions {
        partial_update_columns: vec!["v2".into()],
        merge_condition: None,
    };
    s.write_batch(6, 1, &partial, &popts).unwrap();
    s.publish(6, 1, 3).unwrap();
    let cond = WriteOptions {
        partial_update_columns: vec![],
        merge_condition: Some("v1".into()),
    };
    s.write_batch(7, 1, &full(&[row(1, 5), del.clone()]), &cond)
        .unwrap();
    s.publish(7, 1, 4).unwrap();
    s.write_batch(8, 1, &full(&[row(1, 11), row(4, 4)]), &cond)
        .unwrap();
    s.publish(8, 1, 5).unwrap();
    let before = snapshot(&s, KeysType::PrimaryKeys, 1, 5);
    for target in [3, 4, 5] {
        let st = s.compact_tablet(1, target).unwrap().unwrap();
        assert_eq!(st.to_version, target);
        assert_eq!(
            snapshot(&s, KeysType::PrimaryKeys, target, 5),
            before[target as usize - 1..].to_vec()
        );
        assert!(matches!(
            s.scan(1, target - 1, &[], &[]),
            Err(BeError::VersionCompacted { .. })
        ));
    }
    // The deleted key left no base row; the conditional update of key 1 held (11 > 10).
    let last = &before[4];
    assert_eq!(
        last.iter().map(|r| (r.k1, r.v1)).collect::<Vec<_>>(),
        vec![(1, Some(11)), (2, None), (4, Some(4))]
    );
    assert_eq!(
        last[1].v5,
        Some(9),
        "partial row on a new key takes DEFAULTs"
    );
    // Survives a reopen; a later conditional row still compares with the folded row.
    drop(s);
    let s = TabletStore::open(dir.path()).unwrap();
    assert_eq!(
        snapshot(&s, KeysType::PrimaryKeys, 5, 5),
        before[4..].to_vec()
    );
    s.write_batch(9, 1, &full(&[row(1, 7)]), &cond).unwrap();
    s.publish(9, 1, 6).unwrap();
    assert_eq!(read_all(&s, 1, 6, KeysType::PrimaryKeys)[0].v1, Some(11));
    // A repeated publish of a folded txn is still accepted.
    s.publish(8, 1, 5).unwrap();
}

#[test]
fn running_reads_hold_compaction_back() {
    let dir = tempfile::tempdir().unwrap();
    let s = TabletStore::open(dir.path()).unwrap();
    s.create_tablet(1, 1, 1, test_schema(KeysType::AggKeys))
        .unwrap();
    for (txn, v) in [(5, 2), (6, 3), (7, 4)] {
        s.write_batch(
            txn,
            1,
            &to_batch(&[row(1, v)], false),
            &WriteOptions::default(),
        )
        .unwrap();
        s.publish(txn, 1, v).unwrap();
    }
    let mut during = None;
    let req = ScanRequest {
        version: 3,
        columns: &[],
        predicates: &[],
        limit: 0,
        batch_rows: 8192,
    };
    s.scan_with(1, &req, &mut |b| {
        during = Some(s.compact_tablet(1, 4).unwrap().map(|st| st.to_version));
        assert_eq!(from_batches(&[b])[0].v1, Some(5));
        Ok(true)
    })
    .unwrap();
    assert_eq!(
        during,
        Some(Some(3)),
        "compaction stopped at the running read's version"
    );
    assert_eq!(read_all(&s, 1, 3, KeysType::AggKeys)[0].v1, Some(5));
    assert_eq!(s.compact_tablet(1, 4).unwrap().unwrap().to_version, 4);
    assert_eq!(read_all(&s, 1, 4, KeysType::AggKeys)[0].v1, Some(9));
}

#[test]
fn policy_slows_loads_down_before_the_limit() {
    let p = compaction::CompactionPolicy {
        max_versions: 100,
        max_delay: std::time::Duration::from_millis(1000),
        ..Default::default()
    };
    assert!(p.load_delay(50).is_zero());
    assert_eq!(p.load_delay(75), std::time::Duration::from_millis(500));
    assert_eq!(p.load_delay(100), std::time::Duration::from_millis(1000));
    assert_eq!(p.load_delay(10_000), std::time::Duration::from_millis(1000));
}

#[test]
fn due_compaction_respects_the_read_grace() {
    let dir = tempfile::tempdir().unwrap();
    let policy = compaction::CompactionPolicy {
        read_grace: std::time::Duration::from_secs(3600),
        min_versions: 1,
        ..Default::default()
    };
    let s = TabletStore::open_with(dir.path(), policy).unwrap();
    s.create_tablet(1, 1, 1, test_schema(KeysType::DupKeys))
        .unwrap();
    for (txn, v) in [(5, 2), (6, 3)] {
        s.write_batch(
            txn,
            1,
            &to_batch(&[row(1, v)], false),
            &WriteOptions::default(),
        )
        .unwrap();
        s.publish(txn, 1, v).unwrap();
    }
    assert!(
        s.compact_due().unwrap().is_empty(),
        "nothing is older than the grace"
    );
    drop(s);
    let s = TabletStore::open_with(
        dir.path(),
        compaction::CompactionPolicy {
            read_grace: std::time::Duration::ZERO,
            min_versions: 2,
            ..Default::default()
        },
    )
    .unwrap();
    let done = s.compact_due().unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!((done[0].to_version, done[0].rows_written), (3, 2));
    assert_eq!(read_all(&s, 1, 3, KeysType::DupKeys).len(), 2);
}

#[test]
fn clone_rebuilds_a_replica_that_missed_a_version() {
    for keys in [KeysType::DupKeys, KeysType::AggKeys, KeysType::UniqueKeys] {
        let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let a = TabletStore::open(da.path()).unwrap();
        let b = TabletStore::open(db.path()).unwrap();
        let upsert = keys != KeysType::DupKeys && keys != KeysType::AggKeys;
        for s in [&a, &b] {
            s.create_tablet(1, 1, 1, test_schema(keys)).unwrap();
        }
        let batch = |k: i32, v: i64| to_batch(&[row(k, v), row(k + 1, v)], upsert);
        // v2 on both; v3 only on A (B was down); v4 staged on both.
        for s in [&a, &b] {
            s.write_batch(5, 1, &batch(1, 1), &WriteOptions::default())
                .unwrap();
            s.publish(5, 1, 2).unwrap();
        }
        a.write_batch(6, 1, &batch(2, 10), &WriteOptions::default())
            .unwrap();
        a.publish(6, 1, 3).unwrap();
        a.compact_tablet(1, 3).unwrap();
        for s in [&a, &b] {
            s.write_batch(7, 1, &batch(1, 100), &WriteOptions::default())
                .unwrap();
        }
        a.publish(7, 1, 4).unwrap();
        assert!(b.publish(7, 1, 4).is_err(), "B misses version 3");
        assert!(b.publish(6, 1, 3).is_err(), "B never staged txn 6");
        // Clone B at 3 from A's merged rows, then publish 4 as usual.
        let mut w = b.clone_begin(1).unwrap();
        for batch in a.scan(1, 3, &[], &[]).unwrap() {
            w.write(&batch).unwrap();
        }
        assert!(matches!(
            b.scan(1, 2, &[], &[]),
            Err(BeError::VersionMissing { .. })
        ));
        w.finish(3).unwrap();
        b.publish(6, 1, 3).unwrap();
        b.publish(7, 1, 4).unwrap();
        assert_eq!(
            read_all(&b, 1, 4, keys),
            read_all(&a, 1, 4, keys),
            "{keys:?}"
        );
        assert_eq!(
            read_all(&b, 1, 3, keys),
            read_all(&a, 1, 3, keys),
            "{keys:?}"
        );
        drop(b);
        let b = TabletStore::open(db.path()).unwrap();
        assert_eq!(
            read_all(&b, 1, 4, keys),
            read_all(&a, 1, 4, keys),
            "{keys:?}"
        );
        assert_eq!(b.tablet_versions()[0].visible_version, 4);
    }
}

#[test]
fn interrupted_clone_leaves_no_readable_version() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = TabletStore::open(dir.path()).unwrap();
        s.create_tablet(1, 1, 1, test_schema(KeysType::DupKeys))
            .unwrap();
        s.write_batch(
            5,
            1,
            &to_batch(&[row(1, 1)], false),
            &WriteOptions::default(),
        )
        .unwrap();
        s.publish(5, 1, 2).unwrap();
        let mut w = s.clone_begin(1).unwrap();
        w.write(&to_batch(&[row(9, 9)], false)).unwrap();
        // Crash before finish.
    }
    let s = TabletStore::open(dir.path()).unwrap();
    assert!(s.scan(1, 2, &[], &[]).is_err());
    assert_eq!(s.tablet_versions()[0].visible_version, 0);
    let mut w = s.clone_begin(1).unwrap();
    w.write(&to_batch(&[row(1, 1), row(2, 2)], false)).unwrap();
    w.finish(3).unwrap();
    assert_eq!(read_all(&s, 1, 3, KeysType::DupKeys).len(), 2);
}

#[test]
fn write_rows_stages_many_tablets_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = TabletStore::open(dir.path()).unwrap();
    for id in [1, 2, 3] {
        s.create_tablet(id, id, 1, test_schema(KeysType::DupKeys))
            .unwrap();
    }
    let batch = to_batch(&[row(1, 10), row(2, 20), row(3, 30), row(4, 40)], false);
    let opts = WriteOptions::default();
    // Rows 0 and 2 to tablet 2, row 3 to tablet 1, row 1 nowhere (its partition was missing).
    assert_eq!(
        s.write_rows(7, &batch, &[(2, &[0, 2]), (1, &[3])], &opts)
            .unwrap(),
        3
    );
    // A second write of the same txn continues the sequence (rows are not overwritten).
    assert_eq!(s.write_rows(7, &batch, &[(2, &[0])], &opts).unwrap(), 1);
    // One refused tablet (txn 8 is aborted on tablet 3) fails the whole write: tablet 1
    // stages nothing for txn 8 either.
    s.write_batch(8, 3, &to_batch(&[], false), &opts).unwrap();
    s.abort(8, 3).unwrap();
    assert!(s
        .write_rows(8, &batch, &[(1, &[0]), (3, &[1])], &opts)
        .is_err());
    // The same tablet twice would self-deadlock on its write lock: refused.
    assert!(s
        .write_rows(9, &batch, &[(1, &[0]), (1, &[1])], &opts)
        .is_err());
    for (id, version) in [(1, 2), (2, 2)] {
        s.publish(7, id, version).unwrap();
    }
    let mut t2: Vec<i32> = read_all(&s, 2, 2, KeysType::DupKeys)
        .iter()
        .map(|r| r.k1)
        .collect();
    t2.sort();
    assert_eq!(t2, vec![1, 1, 3]);
    let t1: Vec<i64> = read_all(&s, 1, 2, KeysType::DupKeys)
        .iter()
        .filter_map(|r| r.v1)
        .collect();
    assert_eq!(t1, vec![40]);
    // Txn 8 left nothing on tablet 1: publishing it there is refused (never staged).
    assert!(s.publish(8, 1, 3).is_err());
}

/// Rows are encoded outside the tablets' write locks (`txn::write_rows`): concurrent writers
/// of other txns and of the same txn must still stage every row once, with distinct row
/// sequence numbers (a same-txn race re-encodes under the locks).
#[test]
fn concurrent_write_rows_stage_every_row_once() {
    let dir = tempfile::tempdir().unwrap();
    let s = Arc::new(TabletStore::open(dir.path()).unwrap());
    for id in [1, 2] {
        s.create_tablet(id, id, 1, test_schema(KeysType::DupKeys))
            .unwrap();
    }
    const WRITES: i32 = 200;
    // Threads 0 and 1 share txn 10; threads 2 and 3 write txns 11 and 12.
    let txns = [10, 10, 11, 12];
    std::thread::scope(|scope| {
        for (thread, txn) in txns.iter().enumerate() {
            let s = s.clone();
            scope.spawn(move || {
                let opts = WriteOptions::default();
                for w in 0..WRITES {
                    let k = thread as i32 * 10_000 + w;
                    let batch = to_batch(&[row(k, 1), row(k, 2)], false);
                    s.write_rows(*txn, &batch, &[(1, &[0]), (2, &[1])], &opts)
                        .unwrap();
                }
            });
        }
    });
    for (version, txn) in [(2, 10), (3, 11), (4, 12)] {
        for tablet in [1, 2] {
            s.publish(txn, tablet, version).unwrap();
        }
    }
    for (tablet, v1) in [(1, 1), (2, 2)] {
        let rows = read_all(&s, tablet, 4, KeysType::DupKeys);
        let mut keys: Vec<i32> = rows.iter().map(|r| r.k1).collect();
        keys.sort();
        let mut want: Vec<i32> = (0..txns.len() as i32)
            .flat_map(|t| (0..WRITES).map(move |w| t * 10_000 + w))
            .collect();
        want.sort();
        assert_eq!(keys, want, "tablet {tablet}");
        assert!(rows.iter().all(|r| r.v1 == Some(v1)), "tablet {tablet}");
    }
}
