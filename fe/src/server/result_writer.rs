//! Turns statement results into MySQL packets: OK packets, result sets with MySQL column
//! types (text protocol for COM_QUERY, binary for COM_STMT_EXECUTE) and ERR packets.
//!
//! [`err_payload`] is the one place a [`SqlError`] becomes (errno, SQLSTATE, message) bytes
//! (StarRocks MysqlErrPacket: 0xFF, code int2, `#`, 5-byte state, message; an empty message
//! becomes `Unknown error`).

use crate::error::SqlError;
use crate::result::{ColumnKind, QueryResult, ResultSet};
use crate::server::conn_io::ErrSlot;
use chrono::{NaiveDate, NaiveDateTime};
use opensrv_mysql::{
    Column, ColumnFlags, ColumnType, ErrorKind, InitWriter, OkResponse, QueryResultWriter,
    RowWriter, StatementMetaWriter,
};
use std::io;
use tokio::io::AsyncWrite;

/// Largest payload one packet carries (2^24 - 1).
pub const MAX_PAYLOAD: usize = 16_777_215;

/// The ERR packet payload for `e`.
pub fn err_payload(e: &SqlError) -> Vec<u8> {
    let msg = if e.message.is_empty() {
        "Unknown error"
    } else {
        e.message.as_str()
    };
    let mut state = [b'H', b'Y', b'0', b'0', b'0'];
    if e.sqlstate.len() == 5 && e.sqlstate.is_ascii() {
        state.copy_from_slice(e.sqlstate.as_bytes());
    }
    let mut p = Vec::with_capacity(9 + msg.len());
    p.push(0xFF);
    p.extend_from_slice(&e.errno.to_le_bytes());
    p.push(b'#');
    p.extend_from_slice(&state);
    // Keep the packet in one frame; a multi-frame ERR packet confuses clients.
    let room = MAX_PAYLOAD - p.len();
    let mut end = msg.len().min(room);
    while !msg.is_char_boundary(end) {
        end -= 1;
    }
    p.extend_from_slice(&msg.as_bytes()[..end]);
    p
}

/// The wire type of a result column.
pub fn column_type(kind: ColumnKind) -> ColumnType {
    match kind {
        ColumnKind::Varchar => ColumnType::MYSQL_TYPE_VAR_STRING,
        ColumnKind::Tinyint | ColumnKind::Boolean => ColumnType::MYSQL_TYPE_TINY,
        ColumnKind::Smallint => ColumnType::MYSQL_TYPE_SHORT,
        ColumnKind::Int => ColumnType::MYSQL_TYPE_LONG,
        ColumnKind::Bigint => ColumnType::MYSQL_TYPE_LONGLONG,
        ColumnKind::Float => ColumnType::MYSQL_TYPE_FLOAT,
        ColumnKind::Double => ColumnType::MYSQL_TYPE_DOUBLE,
        ColumnKind::Decimal => ColumnType::MYSQL_TYPE_NEWDECIMAL,
        ColumnKind::Date => ColumnType::MYSQL_TYPE_DATE,
        ColumnKind::Datetime => ColumnType::MYSQL_TYPE_DATETIME,
    }
}

/// Sends `e` through one of opensrv's error writers. The slot holds StarRocks's errno and
/// SQLSTATE while the writer runs, so the connection layer rewrites the packet opensrv emits.
async fn send_error<'e, F, Fut>(e: &'e SqlError, slot: &ErrSlot, send: F) -> io::Result<()>
where
    F: FnOnce(ErrorKind, &'e [u8]) -> Fut,
    Fut: std::future::Future<Output = io::Result<()>>,
{
    slot.set(err_payload(e));
    let r = send(ErrorKind::ER_UNKNOWN_ERROR, e.message.as_bytes()).await;
    slot.take();
    r
}

/// Writes `e` as the answer to a query.
pub async fn write_error<W: AsyncWrite + Unpin + Send>(
    results: QueryResultWriter<'_, W>,
    e: &SqlError,
    slot: &ErrSlot,
) -> io::Result<()> {
    send_error(e, slot, |k, m| results.error(k, m)).await
}

/// Writes `e` as the answer to COM_INIT_DB.
pub async fn write_init_error<W: AsyncWrite + Unpin + Send>(
    w: InitWriter<'_, W>,
    e: &SqlError,
    slot: &ErrSlot,
) -> io::Result<()> {
    send_error(e, slot, |k, m| w.error(k, m)).await
}

/// Writes `e` as the answer to COM_STMT_PREPARE.
pub async fn write_prepare_error<W: AsyncWrite + Unpin + Send>(
    w: StatementMetaWriter<'_, W>,
    e: &SqlError,
    slot: &ErrSlot,
) -> io::Result<()> {
    send_error(e, slot, |k, m| w.error(k, m)).await
}

/// Writes a statement's outcome. `binary` selects the prepared-statement row format.
pub async fn write_result<W: AsyncWrite + Unpin + Send>(
    results: QueryResultWriter<'_, W>,
    result: Result<QueryResult, SqlError>,
    slot: &ErrSlot,
    binary: bool,
    session_track: bool,
) -> io::Result<()> {
    match result {
        Err(e) => write_error(results, &e, slot).await,
        Ok(QueryResult::Ok {
            affected_rows,
            info,
        }) => {
            results
                .completed(OkResponse {
                    affected_rows,
                    info: if session_track {
                        info
                    } else {
                        lenenc_info(info)
                    },
                    ..Default::default()
                })
                .await
        }
        Ok(QueryResult::Rows(rs)) => write_rows(results, &rs, binary).await,
    }
}

/// The OK packet's info for a client without CLIENT_SESSION_TRACK, length-encoded as MySQL's
/// `net_send_ok` writes it (and as mysql_common / mysql_async parse it); opensrv would write it
/// raw. A one-byte length is a char below 0x80, so up to 127 bytes; a longer info is left out
/// rather than sent in a form such clients cannot parse (the affected rows still arrive).
fn lenenc_info(info: String) -> String {
    match info.len() {
        0 => info,
        n if n < 0x80 => {
            let mut s = String::with_capacity(n + 1);
            s.push(char::from(n as u8));
            s.push_str(&info);
            s
        }
        _ => String::new(),
    }
}

/// Column kinds for the wire: in binary mode a column whose values do not all parse as its
/// type is sent as VARCHAR, so a bad value can never break the connection.
fn wire_kinds(rs: &ResultSet, binary: bool) -> Vec<ColumnKind> {
    rs.columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if !binary || c.kind == ColumnKind::Varchar || c.kind == ColumnKind::Decimal {
                return c.kind;
            }
            let all_ok = rs.rows.iter().all(|r| match r.get(i) {
                Some(Some(v)) => BinValue::parse(c.kind, v).is_some(),
                _ => true,
            });
            if all_ok {
                c.kind
            } else {
                ColumnKind::Varchar
            }
        })
        .collect()
}

async fn write_rows<W: AsyncWrite + Unpin + Send>(
    results: QueryResultWriter<'_, W>,
    rs: &ResultSet,
    binary: bool,
) -> io::Result<()> {
    let kinds = wire_kinds(rs, binary);
    let columns: Vec<Column> = rs
        .columns
        .iter()
        .zip(&kinds)
        .map(|(c, k)| Column {
            table: String::new(),
            column: c.name.clone(),
            coltype: column_type(*k),
            colflags: ColumnFlags::empty(),
        })
        .collect();
    let mut w = results.start(&columns).await?;
    for row in &rs.rows {
        for (i, kind) in kinds.iter().enumerate() {
            let cell = row.get(i).and_then(|c| c.as_deref());
            write_cell(&mut w, *kind, cell, binary)?;
        }
        w.end_row().await?;
    }
    w.finish().await
}

fn write_cell<W: AsyncWrite + Unpin + Send>(
    w: &mut RowWriter<'_, W>,
    kind: ColumnKind,
    cell: Option<&str>,
    binary: bool,
) -> io::Result<()> {
    let Some(v) = cell else {
        return w.write_col(None::<&str>);
    };
    if !binary {
        // BOOLEAN travels as TINYINT 1/0 (StarRocks), whatever text the handler used.
        if kind == ColumnKind::Boolean {
            return w.write_col(match v {
                "true" | "TRUE" => "1",
                "false" | "FALSE" => "0",
                other => other,
            });
        }
        return w.write_col(v);
    }
    match BinValue::parse(kind, v) {
        Some(BinValue::I8(x)) => w.write_col(x),
        Some(BinValue::I16(x)) => w.write_col(x),
        Some(BinValue::I32(x)) => w.write_col(x),
        Some(BinValue::I64(x)) => w.write_col(x),
        Some(BinValue::F32(x)) => w.write_col(x),
        Some(BinValue::F64(x)) => w.write_col(x),
        Some(BinValue::Date(x)) => w.write_col(x),
        Some(BinValue::DateTime(x)) => w.write_col(x),
        Some(BinValue::Text) | None => w.write_col(v),
    }
}

/// A text value converted for the binary protocol.
enum BinValue {
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    Text,
}

impl BinValue {
    fn parse(kind: ColumnKind, v: &str) -> Option<BinValue> {
        Some(match kind {
            ColumnKind::Varchar | ColumnKind::Decimal => BinValue::Text,
            ColumnKind::Boolean => match v {
                "true" | "TRUE" | "1" => BinValue::I8(1),
                "false" | "FALSE" | "0" => BinValue::I8(0),
                _ => return None,
            },
            ColumnKind::Tinyint => BinValue::I8(v.parse().ok()?),
            ColumnKind::Smallint => BinValue::I16(v.parse().ok()?),
            ColumnKind::Int => BinValue::I32(v.parse().ok()?),
            ColumnKind::Bigint => BinValue::I64(v.parse().ok()?),
            ColumnKind::Float => BinValue::F32(v.parse().ok()?),
            ColumnKind::Double => BinValue::F64(v.parse().ok()?),
            ColumnKind::Date => BinValue::Date(NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()?),
            ColumnKind::Datetime => {
                BinValue::DateTime(NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S%.f").ok()?)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::ResultColumn;

    #[test]
    fn err_payload_layout() {
        let e = SqlError::code(starload_proto::error_code::ERR_BAD_DB_ERROR, &["x"]);
        let p = err_payload(&e);
        assert_eq!(p[0], 0xFF);
        assert_eq!(u16::from_le_bytes([p[1], p[2]]), 5501);
        assert_eq!(&p[3..9], b"#3F000");
        assert_eq!(&p[9..], b"Unknown database 'x'");
        let empty = SqlError::plain("");
        assert_eq!(&err_payload(&empty)[3..], b"#HY000Unknown error");
    }

    #[test]
    fn binary_kinds_fall_back_to_varchar() {
        let rs = ResultSet {
            columns: vec![
                ResultColumn::new("a", ColumnKind::Bigint),
                ResultColumn::new("b", ColumnKind::Int),
                ResultColumn::new("c", ColumnKind::Datetime),
            ],
            rows: vec![vec![
                Some("1".into()),
                Some("x".into()),
                Some("2024-01-02 03:04:05".into()),
            ]],
        };
        assert_eq!(
            wire_kinds(&rs, true),
            vec![
                ColumnKind::Bigint,
                ColumnKind::Varchar,
                ColumnKind::Datetime
            ]
        );
        assert_eq!(
            wire_kinds(&rs, false),
            vec![ColumnKind::Bigint, ColumnKind::Int, ColumnKind::Datetime]
        );
    }
}
