//! `SELECT ... FROM t PARTITION (p1, p2)`: reads only the named partitions (StarRocks
//! `TableRelation.partitionNames`; unknown names fail with `Unknown partition 'x' in table
//! 't'`, as StarRocks's analyzer says).
//!
//! DataFusion has no notion of partitions, so before planning each such table reference is
//! renamed to a per-query name of its own (aliased back to the table's name, so `t.col` still
//! resolves) and the resolver registers, under that name, the table's snapshot restricted to
//! those partitions. Two references to one table with different partition lists stay apart.

use super::source::TableSnapshot;
use crate::error::{SqlError, SqlResult};
use datafusion::sql::sqlparser::ast::{
    Ident, ObjectNamePart, Query, TableAlias, TableFactor, VisitMut, VisitorMut,
};
use std::ops::ControlFlow;

/// One `FROM t PARTITION (...)` reference, renamed to `name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionPick {
    /// The per-query name the reference now carries.
    pub name: String,
    /// The table's name as written.
    pub table: String,
    pub partitions: Vec<String>,
}

/// Takes the PARTITION clauses out of `query`'s table references (renaming them).
pub fn take_partition_picks(query: &mut Query) -> Vec<PartitionPick> {
    struct Taker(Vec<PartitionPick>);
    impl VisitorMut for Taker {
        type Break = ();
        fn pre_visit_table_factor(&mut self, f: &mut TableFactor) -> ControlFlow<()> {
            let TableFactor::Table {
                name,
                alias,
                partitions,
                ..
            } = f
            else {
                return ControlFlow::Continue(());
            };
            if partitions.is_empty() {
                return ControlFlow::Continue(());
            }
            let Some(ObjectNamePart::Identifier(last)) = name.0.last_mut() else {
                return ControlFlow::Continue(());
            };
            let table = last.value.clone();
            let renamed = format!("__starload_partitions_{}_{table}", self.0.len());
            if alias.is_none() {
                *alias = Some(TableAlias {
                    explicit: true,
                    name: last.clone(),
                    columns: Vec::new(),
                    at: None,
                });
            }
            last.value = renamed.clone();
            self.0.push(PartitionPick {
                name: renamed,
                table,
                partitions: std::mem::take(partitions)
                    .into_iter()
                    .map(|p: Ident| p.value)
                    .collect(),
            });
            ControlFlow::Continue(())
        }
    }
    let mut t = Taker(Vec::new());
    let _ = query.visit(&mut t);
    t.0
}

/// `snap` restricted to the pick's partitions (matched ignoring case, as StarRocks's
/// `getPartition(name)`), in the table's order.
pub fn restrict(mut snap: TableSnapshot, pick: &PartitionPick) -> SqlResult<TableSnapshot> {
    for want in &pick.partitions {
        if !snap
            .partitions
            .iter()
            .any(|p| p.name.eq_ignore_ascii_case(want))
        {
            return Err(SqlError::analyzing(format!(
                "Unknown partition '{want}' in table '{}'",
                snap.name
            )));
        }
    }
    snap.partitions.retain(|p| {
        pick.partitions
            .iter()
            .any(|w| w.eq_ignore_ascii_case(&p.name))
    });
    Ok(snap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::sqlparser::dialect::MySqlDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    fn query(sql: &str) -> Query {
        match Parser::parse_sql(&MySqlDialect {}, sql).unwrap().remove(0) {
            datafusion::sql::sqlparser::ast::Statement::Query(q) => *q,
            other => panic!("not a query: {other}"),
        }
    }

    #[test]
    fn partition_clauses_become_aliased_per_query_names() {
        let mut q = query(
            "SELECT t.k FROM d.t PARTITION (p1, P2) JOIN t PARTITION (p3) AS x ON t.k = x.k, u",
        );
        let picks = take_partition_picks(&mut q);
        assert_eq!(
            picks,
            vec![
                PartitionPick {
                    name: "__starload_partitions_0_t".into(),
                    table: "t".into(),
                    partitions: vec!["p1".into(), "P2".into()],
                },
                PartitionPick {
                    name: "__starload_partitions_1_t".into(),
                    table: "t".into(),
                    partitions: vec!["p3".into()],
                },
            ]
        );
        assert_eq!(
            q.to_string(),
            "SELECT t.k FROM d.__starload_partitions_0_t AS t JOIN __starload_partitions_1_t AS x ON t.k = x.k, u"
        );
        let mut plain = query("SELECT * FROM t");
        assert!(take_partition_picks(&mut plain).is_empty());
    }
}
