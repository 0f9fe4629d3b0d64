//! Views (StarRocks `View`): a name in a database's table namespace bound to a query text,
//! persisted under key `0x12 view_id` (`meta/keys.rs`) with the same crash-safety as tables:
//! one fsynced `MetaBatch` before the in-memory state changes. The catalog keeps the text and
//! the output columns the analyzer found at creation; the query engine re-plans the text on
//! every read, so a view always reads the current tables.

use super::{Catalog, CatalogError, DataType};
use crate::meta::{keys, MetaBatch};
use std::sync::Arc;

/// One output column of a view (only name, type and comment: StarRocks's view columns).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ViewColumn {
    pub name: String,
    pub data_type: DataType,
    #[serde(default)]
    pub comment: String,
}

/// A persisted view.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct View {
    pub id: i64,
    pub db_id: i64,
    pub name: String,
    pub columns: Vec<ViewColumn>,
    #[serde(default)]
    pub comment: String,
    /// The query text after `AS`, as written (StarRocks's `inlineViewDef`).
    pub query: String,
    /// The database bare table names in `query` resolve against (the session's database at
    /// CREATE time, as StarRocks's analyzer qualified them).
    pub resolve_db: String,
    /// Column names given as `(c1, c2, ...)`: the query's own names are replaced by them.
    #[serde(default)]
    pub column_aliases: Vec<String>,
    /// `'user'@'host'` of the creator (information_schema.views.DEFINER).
    #[serde(default)]
    pub definer: String,
    pub create_time_ms: i64,
}

impl View {
    /// `SHOW CREATE VIEW`'s `Create View` cell (`GlobalStateMgr.getDdlStmt` for a view).
    pub fn create_stmt(&self) -> String {
        let cols: Vec<String> = self
            .columns
            .iter()
            .map(|c| {
                if c.comment.is_empty() {
                    format!("`{}`", c.name)
                } else {
                    format!("`{}` COMMENT \"{}\"", c.name, c.comment)
                }
            })
            .collect();
        let mut s = format!("CREATE VIEW `{}` ({})", self.name, cols.join(", "));
        if !self.comment.is_empty() {
            s.push_str(&format!(" COMMENT \"{}\"", self.comment));
        }
        s.push_str(" AS ");
        s.push_str(&self.query);
        s.push(';');
        s
    }
}

impl Catalog {
    /// A view by database and name.
    pub fn get_view(&self, db: &str, name: &str) -> Option<Arc<View>> {
        let s = self.read();
        let db = s.dbs.get(db)?;
        s.views.get(&(db.id, name.to_string())).cloned()
    }

    /// The views of database `db`, sorted by name (empty when it does not exist).
    pub fn list_views(&self, db: &str) -> Vec<Arc<View>> {
        let s = self.read();
        let Some(db) = s.dbs.get(db) else {
            return Vec::new();
        };
        let mut v: Vec<Arc<View>> = s
            .views
            .iter()
            .filter(|((db_id, _), _)| *db_id == db.id)
            .map(|(_, v)| v.clone())
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    /// CREATE [OR REPLACE] VIEW. Returns false (nothing changed) when the name is taken and
    /// `if_not_exists` is set. A table of that name is never replaced.
    pub fn create_view(
        &self,
        mut view: View,
        or_replace: bool,
        if_not_exists: bool,
    ) -> Result<bool, CatalogError> {
        let _g = self.lock_writes();
        let key = (view.db_id, view.name.clone());
        let (table_exists, old) = {
            let s = self.read();
            if !s.db_names.contains_key(&view.db_id) {
                return Err(CatalogError::UnknownDb(view.db_id.to_string()));
            }
            (s.table_ids.contains_key(&key), s.views.get(&key).cloned())
        };
        if table_exists || (old.is_some() && !or_replace) {
            return if if_not_exists {
                Ok(false)
            } else {
                Err(CatalogError::TableExists(view.name.clone()))
            };
        }
        if let Some(old) = &old {
            // REPLACE keeps the object's identity (StarRocks alters the view in place).
            view.id = old.id;
        }
        let mut b = MetaBatch::new();
        b.put(&keys::id_key(keys::VIEW, view.id), &view)?;
        self.meta.write(b)?;
        self.write_state().views.insert(key, Arc::new(view));
        Ok(true)
    }

    /// DROP VIEW: removes it and returns it.
    pub fn drop_view(&self, db: &str, name: &str) -> Result<Arc<View>, CatalogError> {
        let _g = self.lock_writes();
        let v = self
            .get_view(db, name)
            .ok_or_else(|| CatalogError::UnknownTable(name.to_string()))?;
        let mut b = MetaBatch::new();
        b.delete(&keys::id_key(keys::VIEW, v.id));
        self.meta.write(b)?;
        self.write_state().views.remove(&(v.db_id, v.name.clone()));
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::MetaStore;

    fn view(db_id: i64, id: i64, name: &str, query: &str) -> View {
        View {
            id,
            db_id,
            name: name.into(),
            columns: vec![ViewColumn {
                name: "k".into(),
                data_type: DataType::Int,
                comment: "c".into(),
            }],
            comment: "vc".into(),
            query: query.into(),
            resolve_db: "d1".into(),
            column_aliases: Vec::new(),
            definer: "'root'@'%'".into(),
            create_time_ms: 0,
        }
    }

    #[test]
    fn views_survive_reopen_share_the_table_namespace_and_drop_with_the_db() {
        let dir = tempfile::tempdir().unwrap();
        {
            let meta = Arc::new(MetaStore::open(dir.path()).unwrap());
            let c = Catalog::load(meta).unwrap();
            c.create_database("d1", false).unwrap();
            let db_id = c.get_db("d1").unwrap().id;
            assert!(c
                .create_view(view(db_id, 900, "v", "SELECT 1"), false, false)
                .unwrap());
            assert!(matches!(
                c.create_view(view(db_id, 901, "v", "SELECT 2"), false, false),
                Err(CatalogError::TableExists(_))
            ));
            assert!(!c
                .create_view(view(db_id, 901, "v", "SELECT 2"), false, true)
                .unwrap());
            assert!(c
                .create_view(view(db_id, 902, "v", "SELECT 3"), true, false)
                .unwrap());
            assert!(c
                .create_view(view(db_id, 903, "w", "SELECT 4"), false, false)
                .unwrap());
            c.drop_view("d1", "w").unwrap();
            assert!(matches!(
                c.drop_view("d1", "w"),
                Err(CatalogError::UnknownTable(_))
            ));
        }
        let meta = Arc::new(MetaStore::open(dir.path()).unwrap());
        let c = Catalog::load(meta.clone()).unwrap();
        let v = c.get_view("d1", "v").unwrap();
        assert_eq!((v.id, v.query.as_str()), (900, "SELECT 3"));
        assert_eq!(c.list_views("d1").len(), 1);
        assert_eq!(
            v.create_stmt(),
            "CREATE VIEW `v` (`k` COMMENT \"c\") COMMENT \"vc\" AS SELECT 3;"
        );
        c.drop_database("d1", false).unwrap();
        let c = Catalog::load(meta).unwrap();
        assert!(c.get_view("d1", "v").is_none());
        assert!(c.read().views.is_empty());
    }
}
