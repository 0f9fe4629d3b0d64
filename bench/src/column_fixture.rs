//! The one `ColumnDef` constructor the load benchmarks share (`decode_bench`, `be_load`):
//! precision and scale 0, because their tables have no DECIMAL column.

use starload_proto::types::{ColumnDef, ColumnType, PrimitiveType};

pub fn col(name: &str, t: PrimitiveType, len: i32, nullable: bool) -> ColumnDef {
    ColumnDef {
        name: name.into(),
        r#type: Some(ColumnType {
            r#type: t as i32,
            len,
            precision: 0,
            scale: 0,
            item: None,
        }),
        nullable,
        ..Default::default()
    }
}
