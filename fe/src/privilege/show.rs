//! SHOW GRANTS and SHOW USERS rows (`ShowGrantsExecutor`, `AstToStringBuilder`).
//!
//! SHOW GRANTS: columns `UserIdentity, Catalog, Grants`. First a role row
//! (`GRANT 'r1', 'r2' TO 'u'@'%'`, Catalog NULL) when the user holds roles, then one row per
//! grant entry in object-type order (TABLE, DATABASE, SYSTEM, CATALOG), fuzzy objects first:
//! `GRANT SELECT, INSERT ON TABLE db.t TO USER 'u'@'%'`, `... ON ALL TABLES IN DATABASE db`,
//! `... ON ALL TABLES IN ALL DATABASES`, `... ON DATABASE db`, `... ON SYSTEM`. Entries on
//! dropped objects are left out (StarRocks skips them on MetaNotFound).

use super::mgr::PrivilegeMgr;
use super::store::identity;
use super::types::{GrantEntry, ObjectType, PrivObject};
use crate::catalog::Catalog;

/// SHOW GRANTS titles.
pub const GRANTS_TITLES: &[&str] = &["UserIdentity", "Catalog", "Grants"];

/// The internal catalog's name.
pub const DEFAULT_CATALOG: &str = "default_catalog";

/// Whose grants to show.
pub enum GrantsOf<'a> {
    User { name: &'a str, host: &'a str },
    Role(&'a str),
}

impl PrivilegeMgr {
    /// SHOW GRANTS rows for a user or a role (None when unknown).
    pub fn show_grants(
        &self,
        of: &GrantsOf<'_>,
        catalog: &Catalog,
    ) -> Option<Vec<Vec<Option<String>>>> {
        let st = self.read();
        let (who, to, roles, entries) = match of {
            GrantsOf::User { name, host } => {
                let u = st.users.get(&(name.to_string(), host.to_string()))?;
                let id = identity(name, host);
                (
                    id.clone(),
                    format!("USER {id}"),
                    u.roles.iter().cloned().collect::<Vec<_>>(),
                    u.privs.entries.clone(),
                )
            }
            GrantsOf::Role(r) => {
                let entries = st
                    .roles
                    .get(*r)
                    .map(|role| role.privs.entries.clone())
                    .or_else(|| super::roles::is_builtin(r).then(Vec::new))?;
                (r.to_string(), format!("ROLE '{r}'"), Vec::new(), entries)
            }
        };
        let mut rows = Vec::new();
        if !roles.is_empty() {
            let list = roles
                .iter()
                .map(|r| format!("'{r}'"))
                .collect::<Vec<_>>()
                .join(", ");
            rows.push(vec![
                Some(who.clone()),
                None,
                Some(format!("GRANT {list} TO {who}")),
            ]);
        }
        let mut entries = entries;
        entries.sort_by_key(|e| (e.object.object_type(), e.object.sort_key()));
        for e in &entries {
            let Some(object) = object_text(&e.object, catalog) else {
                continue;
            };
            rows.push(vec![
                Some(who.clone()),
                catalog_column(&e.object),
                Some(grant_text(e, &object, &to)),
            ]);
        }
        Some(rows)
    }
}

/// `GRANT p1, p2 ON <object> TO <to>[ WITH GRANT OPTION]`, privileges in the object type's
/// order (`AuthorizationMgr.analyzeActionSet`).
fn grant_text(e: &GrantEntry, object: &str, to: &str) -> String {
    let privs: Vec<&str> = e
        .object
        .object_type()
        .valid_privs()
        .iter()
        .filter(|p| e.privs.contains(p))
        .map(|p| p.name())
        .collect();
    let mut s = format!("GRANT {} ON {object} TO {to}", privs.join(", "));
    if e.with_grant_option {
        s.push_str(" WITH GRANT OPTION");
    }
    s
}

/// The printed object, or None when it no longer exists.
fn object_text(o: &PrivObject, catalog: &Catalog) -> Option<String> {
    let db_name = |id: i64| catalog.get_db_by_id(id).map(|d| d.name.clone());
    Some(match o {
        PrivObject::System => ObjectType::System.name().to_string(),
        PrivObject::Table { db: None, .. } => "ALL TABLES IN ALL DATABASES".into(),
        PrivObject::Table {
            db: Some(d),
            table: None,
        } => format!("ALL TABLES IN DATABASE {}", db_name(*d)?),
        PrivObject::Table {
            db: Some(d),
            table: Some(t),
        } => {
            let table = catalog.get_table_by_id(*t)?;
            format!("TABLE {}.{}", db_name(*d)?, table.name)
        }
        PrivObject::Database { db: None } => "ALL DATABASES".into(),
        PrivObject::Database { db: Some(d) } => format!("DATABASE {}", db_name(*d)?),
        PrivObject::Catalog { name: None } => "ALL CATALOGS".into(),
        PrivObject::Catalog { name: Some(n) } => format!("CATALOG {n}"),
    })
}

/// The Catalog column: NULL for all-catalog objects, else the catalog's name.
fn catalog_column(o: &PrivObject) -> Option<String> {
    match o {
        PrivObject::Catalog { name: None } => None,
        PrivObject::Catalog { name: Some(n) } => Some(n.clone()),
        _ => Some(DEFAULT_CATALOG.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::types::Priv;
    use super::*;

    #[test]
    fn grant_text_orders_privileges_as_starrocks() {
        let e = GrantEntry {
            object: PrivObject::Table {
                db: None,
                table: None,
            },
            privs: vec![Priv::Select, Priv::Insert, Priv::Alter],
            with_grant_option: true,
        };
        assert_eq!(
            grant_text(&e, "ALL TABLES IN ALL DATABASES", "ROLE 'r'"),
            "GRANT INSERT, SELECT, ALTER ON ALL TABLES IN ALL DATABASES TO ROLE 'r' WITH GRANT OPTION"
        );
        assert_eq!(
            catalog_column(&e.object).as_deref(),
            Some("default_catalog")
        );
    }
}
