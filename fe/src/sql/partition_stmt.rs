//! Partition statements, dispatched by `sql::parse` before the DDL family: `ALTER TABLE t ADD
//! [TEMPORARY] PARTITION ...`, `ALTER TABLE t ADD PARTITIONS START .. END .. EVERY ..`,
//! `ALTER TABLE t DROP [TEMPORARY] PARTITION [IF EXISTS] p [FORCE]` and
//! `SHOW [TEMPORARY] PARTITIONS FROM [db.]t`, after StarRocks's `StarRocks.g4`
//! (`addPartitionClause`, `dropPartitionClause`, `showPartitionsStatement`). The AST prints
//! back as parseable SQL.

use crate::error::SqlResult;
use crate::sql::ddl::{distribution_desc, DistributionDesc, TableRef};
use crate::sql::lexer::Cursor;
use crate::sql::partition::{
    batch_partition, list_partition_def, single_range_partition, BatchRangePartition,
    ListPartitionDef, SingleRangePartition,
};
use std::fmt;

/// What ADD PARTITION adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddPartitionDef {
    /// `PARTITION p VALUES LESS THAN ... | [..)`.
    Range(SingleRangePartition),
    /// `PARTITIONS START .. END .. EVERY ..`.
    Batch(BatchRangePartition),
    /// `PARTITION p VALUES IN (...)`.
    List(ListPartitionDef),
}

/// A partition statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartitionStmt {
    AddPartition {
        table: TableRef,
        temporary: bool,
        partition: AddPartitionDef,
        distribution: Option<DistributionDesc>,
    },
    DropPartition {
        table: TableRef,
        temporary: bool,
        if_exists: bool,
        name: String,
        force: bool,
    },
    ShowPartitions {
        table: TableRef,
        temporary: bool,
    },
}

/// Parses a partition statement; None when `sql` is none of them.
pub fn try_parse(sql: &str) -> Option<SqlResult<PartitionStmt>> {
    let words = crate::sql::ddl::leading_words(sql, 8);
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    let show =
        w(0) == "SHOW" && (w(1) == "PARTITIONS" || (w(1) == "TEMPORARY" && w(2) == "PARTITIONS"));
    // ALTER TABLE [db.]t ADD|DROP [TEMPORARY] PARTITION(S)
    let alter = w(0) == "ALTER"
        && w(1) == "TABLE"
        && words
            .iter()
            .skip(3)
            .take(5)
            .any(|x| x == "PARTITION" || x == "PARTITIONS");
    if !(show || alter) {
        return None;
    }
    Some(Cursor::new(sql).and_then(|mut c| parse(&mut c)))
}

fn table_ref(c: &mut Cursor) -> SqlResult<TableRef> {
    let (db, table) = c.qualified_name()?;
    Ok(TableRef { db, table })
}

fn parse(c: &mut Cursor) -> SqlResult<PartitionStmt> {
    let stmt = if c.accept_kw("SHOW") {
        let temporary = c.accept_kw("TEMPORARY");
        c.expect_kw("PARTITIONS")?;
        if !(c.accept_kw("FROM") || c.accept_kw("IN")) {
            return Err(c.unexpected(&["FROM", "IN"]));
        }
        PartitionStmt::ShowPartitions {
            table: table_ref(c)?,
            temporary,
        }
    } else {
        c.expect_kw("ALTER")?;
        c.expect_kw("TABLE")?;
        let table = table_ref(c)?;
        if c.accept_kw("ADD") {
            let temporary = c.accept_kw("TEMPORARY");
            let partition = if c.peek().is_kw("PARTITIONS") {
                c.next_token();
                AddPartitionDef::Batch(batch_partition(c)?)
            } else if c.peek().is_kw("PARTITION") {
                // LIST (VALUES IN) or RANGE (VALUES LESS THAN / [).
                let mut i = 1;
                if c.peek_at(i).is_kw("IF") {
                    i += 3;
                }
                if c.peek_at(i + 2).is_kw("IN") {
                    AddPartitionDef::List(list_partition_def(c)?)
                } else {
                    AddPartitionDef::Range(single_range_partition(c)?)
                }
            } else {
                return Err(c.unexpected(&["PARTITION", "PARTITIONS"]));
            };
            let distribution = distribution_desc(c)?;
            PartitionStmt::AddPartition {
                table,
                temporary,
                partition,
                distribution,
            }
        } else if c.accept_kw("DROP") {
            let temporary = c.accept_kw("TEMPORARY");
            c.expect_kw("PARTITION")?;
            let if_exists = c.accept_kws(&["IF", "EXISTS"]);
            let name = c.ident()?;
            let force = c.accept_kw("FORCE");
            PartitionStmt::DropPartition {
                table,
                temporary,
                if_exists,
                name,
                force,
            }
        } else {
            return Err(c.unexpected(&["ADD", "DROP"]));
        }
    };
    c.expect_eof()?;
    Ok(stmt)
}

impl fmt::Display for PartitionStmt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let temp = |t: bool| if t { "TEMPORARY " } else { "" };
        match self {
            PartitionStmt::AddPartition {
                table,
                temporary,
                partition,
                distribution,
            } => {
                write!(f, "ALTER TABLE {table} ADD {}", temp(*temporary))?;
                match partition {
                    AddPartitionDef::Range(p) => write!(f, "{p}")?,
                    AddPartitionDef::Batch(b) => write!(f, "PARTITIONS {b}")?,
                    AddPartitionDef::List(l) => write!(f, "{l}")?,
                }
                if let Some(d) = distribution {
                    match &d.hash {
                        Some(cols) => {
                            let cols: Vec<String> = cols.iter().map(|c| format!("`{c}`")).collect();
                            write!(f, " DISTRIBUTED BY HASH({})", cols.join(", "))?
                        }
                        None => write!(f, " DISTRIBUTED BY RANDOM")?,
                    }
                    if let Some(b) = d.buckets {
                        write!(f, " BUCKETS {b}")?;
                    }
                }
                Ok(())
            }
            PartitionStmt::DropPartition {
                table,
                temporary,
                if_exists,
                name,
                force,
            } => {
                write!(f, "ALTER TABLE {table} DROP {}PARTITION ", temp(*temporary))?;
                if *if_exists {
                    write!(f, "IF EXISTS ")?;
                }
                write!(f, "`{name}`")?;
                if *force {
                    write!(f, " FORCE")?;
                }
                Ok(())
            }
            PartitionStmt::ShowPartitions { table, temporary } => {
                write!(f, "SHOW {}PARTITIONS FROM {table}", temp(*temporary))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::partition::{Every, ListValues, PartitionKeyDesc, PartitionValueAst};

    fn p(sql: &str) -> PartitionStmt {
        let a = try_parse(sql).expect("owned").expect("parses");
        let printed = a.to_string();
        let b = try_parse(&printed).expect("owned").expect("reparses");
        assert_eq!(a, b, "{printed}");
        a
    }

    fn t(db: Option<&str>, name: &str) -> TableRef {
        TableRef {
            db: db.map(str::to_string),
            table: name.into(),
        }
    }

    #[test]
    fn add_range_list_and_batch_partitions() {
        let s = p("ALTER TABLE d.t ADD PARTITION p4 VALUES LESS THAN (\"2020-09-01\")");
        let PartitionStmt::AddPartition {
            table, partition, ..
        } = s
        else {
            panic!()
        };
        assert_eq!(table, t(Some("d"), "t"));
        assert_eq!(
            partition,
            AddPartitionDef::Range(SingleRangePartition {
                if_not_exists: false,
                name: "p4".into(),
                key: PartitionKeyDesc::LessThan(vec![PartitionValueAst::Literal(
                    "2020-09-01".into()
                )]),
                properties: vec![],
            })
        );
        let s = p(
            "ALTER TABLE t ADD PARTITION IF NOT EXISTS p5 VALUES [(\"1\"), (\"5\")) DISTRIBUTED BY HASH(k) BUCKETS 4",
        );
        assert!(matches!(
            s,
            PartitionStmt::AddPartition {
                distribution: Some(DistributionDesc {
                    buckets: Some(4),
                    ..
                }),
                ..
            }
        ));
        let s = p("ALTER TABLE t ADD PARTITION pX VALUES IN (\"a\", \"b\")");
        let PartitionStmt::AddPartition {
            partition: AddPartitionDef::List(l),
            ..
        } = s
        else {
            panic!()
        };
        assert_eq!(l.values, ListValues::Single(vec!["a".into(), "b".into()]));
        let s = p(
            "ALTER TABLE t ADD PARTITIONS START (\"2021-01-01\") END (\"2021-01-05\") EVERY (INTERVAL 1 DAY)",
        );
        let PartitionStmt::AddPartition {
            partition: AddPartitionDef::Batch(b),
            ..
        } = s
        else {
            panic!()
        };
        assert_eq!(
            b.every,
            Every::Interval {
                step: 1,
                unit: "DAY".into()
            }
        );
        p("ALTER TABLE t ADD TEMPORARY PARTITION tp1 VALUES LESS THAN MAXVALUE");
    }

    #[test]
    fn drop_and_show_partitions() {
        assert_eq!(
            p("ALTER TABLE t DROP PARTITION IF EXISTS p1 FORCE"),
            PartitionStmt::DropPartition {
                table: t(None, "t"),
                temporary: false,
                if_exists: true,
                name: "p1".into(),
                force: true
            }
        );
        assert_eq!(
            p("alter table t drop partition p1"),
            PartitionStmt::DropPartition {
                table: t(None, "t"),
                temporary: false,
                if_exists: false,
                name: "p1".into(),
                force: false
            }
        );
        assert_eq!(
            p("SHOW PARTITIONS FROM db1.t"),
            PartitionStmt::ShowPartitions {
                table: t(Some("db1"), "t"),
                temporary: false
            }
        );
        assert!(matches!(
            p("SHOW TEMPORARY PARTITIONS IN t"),
            PartitionStmt::ShowPartitions {
                temporary: true,
                ..
            }
        ));
        assert!(try_parse("ALTER TABLE t ADD COLUMN c int").is_none());
        assert!(try_parse("SHOW TABLES").is_none());
        let e = try_parse("ALTER TABLE t DROP PARTITION")
            .unwrap()
            .unwrap_err();
        assert!(e.message.contains("'<EOF>'"), "{}", e.message);
        let e = try_parse("SHOW PARTITIONS t").unwrap().unwrap_err();
        assert!(e.message.contains("{'FROM', 'IN'}"), "{}", e.message);
    }
}
