//! Privilege types, object types and privilege objects, named and ordered as StarRocks's
//! `PrivilegeType`, `ObjectType` and `DefaultAuthorizationProvider` (the per-object list of
//! valid privileges, whose order is the order SHOW GRANTS prints them in).

use serde::{Deserialize, Serialize};

/// One privilege (`PrivilegeType`; `name()` is StarRocks's printed name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Priv {
    Grant,
    Node,
    Operate,
    Delete,
    Drop,
    Insert,
    Select,
    Alter,
    Export,
    Update,
    Usage,
    Plugin,
    File,
    Blacklist,
    Repository,
    Refresh,
    Impersonate,
    CreateDatabase,
    CreateTable,
    CreateView,
    CreateFunction,
    CreateGlobalFunction,
    CreateMaterializedView,
    CreateResource,
    CreateResourceGroup,
    CreateExternalCatalog,
    CreateStorageVolume,
    CreatePipe,
    CreateWarehouse,
    Security,
}

/// Every privilege with its StarRocks name.
const NAMES: &[(Priv, &str)] = &[
    (Priv::Grant, "GRANT"),
    (Priv::Node, "NODE"),
    (Priv::Operate, "OPERATE"),
    (Priv::Delete, "DELETE"),
    (Priv::Drop, "DROP"),
    (Priv::Insert, "INSERT"),
    (Priv::Select, "SELECT"),
    (Priv::Alter, "ALTER"),
    (Priv::Export, "EXPORT"),
    (Priv::Update, "UPDATE"),
    (Priv::Usage, "USAGE"),
    (Priv::Plugin, "PLUGIN"),
    (Priv::File, "FILE"),
    (Priv::Blacklist, "BLACKLIST"),
    (Priv::Repository, "REPOSITORY"),
    (Priv::Refresh, "REFRESH"),
    (Priv::Impersonate, "IMPERSONATE"),
    (Priv::CreateDatabase, "CREATE DATABASE"),
    (Priv::CreateTable, "CREATE TABLE"),
    (Priv::CreateView, "CREATE VIEW"),
    (Priv::CreateFunction, "CREATE FUNCTION"),
    (Priv::CreateGlobalFunction, "CREATE GLOBAL FUNCTION"),
    (Priv::CreateMaterializedView, "CREATE MATERIALIZED VIEW"),
    (Priv::CreateResource, "CREATE RESOURCE"),
    (Priv::CreateResourceGroup, "CREATE RESOURCE GROUP"),
    (Priv::CreateExternalCatalog, "CREATE EXTERNAL CATALOG"),
    (Priv::CreateStorageVolume, "CREATE STORAGE VOLUME"),
    (Priv::CreatePipe, "CREATE PIPE"),
    (Priv::CreateWarehouse, "CREATE WAREHOUSE"),
    (Priv::Security, "SECURITY"),
];

impl Priv {
    /// StarRocks's printed name (`PrivilegeType.name()`), e.g. `CREATE TABLE`.
    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(p, _)| *p == self)
            .map(|(_, n)| *n)
            .unwrap_or("UNKNOWN")
    }

    /// Parses a name as written in GRANT (words upper-cased, single spaces).
    pub fn parse(name: &str) -> Option<Priv> {
        NAMES.iter().find(|(_, n)| *n == name).map(|(p, _)| *p)
    }
}

/// The kind of object a privilege is granted on (`ObjectType`, with its id: SHOW GRANTS lists
/// entries in id order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ObjectType {
    Table = 1,
    Database = 2,
    System = 3,
    Catalog = 7,
}

impl ObjectType {
    pub fn name(self) -> &'static str {
        match self {
            ObjectType::Table => "TABLE",
            ObjectType::Database => "DATABASE",
            ObjectType::System => "SYSTEM",
            ObjectType::Catalog => "CATALOG",
        }
    }

    /// The privileges valid on this object type, in `DefaultAuthorizationProvider` order
    /// (also what `ALL` expands to).
    pub fn valid_privs(self) -> &'static [Priv] {
        use Priv::*;
        match self {
            ObjectType::Table => &[Delete, Drop, Insert, Select, Alter, Export, Update],
            ObjectType::Database => &[
                CreateTable,
                Drop,
                Alter,
                CreateView,
                CreateFunction,
                CreateMaterializedView,
                CreatePipe,
            ],
            ObjectType::System => &[
                Grant,
                Node,
                CreateResource,
                Plugin,
                File,
                Blacklist,
                Operate,
                CreateExternalCatalog,
                Repository,
                CreateResourceGroup,
                CreateGlobalFunction,
                CreateStorageVolume,
                CreateWarehouse,
                Security,
            ],
            ObjectType::Catalog => &[Usage, CreateDatabase, Drop, Alter],
        }
    }
}

/// What a grant names. `None` ids are the fuzzy "ALL" forms; ids (not names) are kept, as
/// StarRocks keeps UUIDs, so a dropped and re-created table does not inherit old grants.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PrivObject {
    /// `db = None`: ALL TABLES IN ALL DATABASES; `table = None`: ALL TABLES IN DATABASE db.
    Table {
        db: Option<i64>,
        table: Option<i64>,
    },
    /// `None`: ALL DATABASES.
    Database {
        db: Option<i64>,
    },
    /// `None`: ALL CATALOGS.
    Catalog {
        name: Option<String>,
    },
    System,
}

impl PrivObject {
    pub fn object_type(&self) -> ObjectType {
        match self {
            PrivObject::Table { .. } => ObjectType::Table,
            PrivObject::Database { .. } => ObjectType::Database,
            PrivObject::Catalog { .. } => ObjectType::Catalog,
            PrivObject::System => ObjectType::System,
        }
    }

    /// True when a grant on `self` covers the concrete object `target` (`PEntryObject.match`).
    pub fn covers(&self, target: &PrivObject) -> bool {
        match (self, target) {
            (PrivObject::Table { db: gd, table: gt }, PrivObject::Table { db, table }) => {
                match gd {
                    None => true,
                    Some(gd) => Some(*gd) == *db && (gt.is_none() || *gt == *table),
                }
            }
            (PrivObject::Database { db: gd }, PrivObject::Database { db }) => {
                gd.is_none() || gd == db
            }
            (PrivObject::Catalog { name: gn }, PrivObject::Catalog { name }) => {
                gn.is_none() || gn == name
            }
            (PrivObject::System, PrivObject::System) => true,
            _ => false,
        }
    }

    /// Sort key of SHOW GRANTS within one object type: fuzzy objects first
    /// (`TablePEntryObject.compareTo`), then by id.
    pub fn sort_key(&self) -> (u8, i64, i64, String) {
        match self {
            PrivObject::Table { db, table } => (
                0,
                db.map(|d| d + 1).unwrap_or(0),
                table.map(|t| t + 1).unwrap_or(0),
                String::new(),
            ),
            PrivObject::Database { db } => (0, db.map(|d| d + 1).unwrap_or(0), 0, String::new()),
            PrivObject::Catalog { name } => (0, 0, 0, name.clone().unwrap_or_default()),
            PrivObject::System => (0, 0, 0, String::new()),
        }
    }
}

/// One grant entry: privileges on one object (`PrivilegeEntry`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantEntry {
    pub object: PrivObject,
    pub privs: Vec<Priv>,
    #[serde(default)]
    pub with_grant_option: bool,
}

/// Privileges granted directly to a user or a role (`PrivilegeCollectionV2`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivCollection {
    pub entries: Vec<GrantEntry>,
}

impl PrivCollection {
    /// Adds `privs` on `object`, merged into the entry with the same object and grant option.
    pub fn grant(&mut self, object: &PrivObject, privs: &[Priv], with_grant_option: bool) {
        if let Some(e) = self
            .entries
            .iter_mut()
            .find(|e| e.object == *object && e.with_grant_option == with_grant_option)
        {
            for p in privs {
                if !e.privs.contains(p) {
                    e.privs.push(*p);
                }
            }
            return;
        }
        self.entries.push(GrantEntry {
            object: object.clone(),
            privs: privs.to_vec(),
            with_grant_option,
        });
    }

    /// Removes `privs` from every entry on exactly `object`; empty entries go away.
    pub fn revoke(&mut self, object: &PrivObject, privs: &[Priv]) {
        for e in self.entries.iter_mut().filter(|e| e.object == *object) {
            e.privs.retain(|p| !privs.contains(p));
        }
        self.entries.retain(|e| !e.privs.is_empty());
    }

    /// True when some entry grants `want` on an object covering `target`.
    pub fn allows(&self, want: Priv, target: &PrivObject) -> bool {
        self.entries
            .iter()
            .any(|e| e.privs.contains(&want) && e.object.covers(target))
    }

    /// True when some entry grants anything on an object covering `target`.
    pub fn allows_any(&self, target: &PrivObject) -> bool {
        self.entries
            .iter()
            .any(|e| !e.privs.is_empty() && e.object.covers(target))
    }

    /// True when some entry grants anything on a table of database `db` (or on `db` itself).
    pub fn allows_any_in_db(&self, db: i64) -> bool {
        self.entries.iter().any(|e| match &e.object {
            PrivObject::Table { db: d, .. } | PrivObject::Database { db: d } => {
                d.is_none() || *d == Some(db)
            }
            _ => false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (p, n) in NAMES {
            assert_eq!(Priv::parse(n), Some(*p));
            assert_eq!(p.name(), *n);
        }
        assert_eq!(Priv::parse("CREATE  TABLE"), None);
    }

    #[test]
    fn fuzzy_objects_cover_concrete_ones() {
        let t = PrivObject::Table {
            db: Some(1),
            table: Some(2),
        };
        assert!(PrivObject::Table {
            db: None,
            table: None
        }
        .covers(&t));
        assert!(PrivObject::Table {
            db: Some(1),
            table: None
        }
        .covers(&t));
        assert!(!PrivObject::Table {
            db: Some(3),
            table: None
        }
        .covers(&t));
        assert!(!PrivObject::Table {
            db: Some(1),
            table: Some(5)
        }
        .covers(&t));
        assert!(!PrivObject::Database { db: None }.covers(&t));
    }

    #[test]
    fn grant_merges_and_revoke_removes() {
        let o = PrivObject::Database { db: Some(7) };
        let mut c = PrivCollection::default();
        c.grant(&o, &[Priv::CreateTable], false);
        c.grant(&o, &[Priv::Drop, Priv::CreateTable], false);
        assert_eq!(c.entries.len(), 1);
        assert_eq!(c.entries[0].privs, vec![Priv::CreateTable, Priv::Drop]);
        assert!(c.allows(Priv::Drop, &o));
        c.revoke(&o, &[Priv::Drop, Priv::CreateTable]);
        assert!(c.entries.is_empty());
        assert!(!c.allows(Priv::Drop, &o));
    }
}
