//! Random and truncated CSV/JSON/Avro messages never panic a decoder or the transform, and
//! every message is accounted for (loaded + filtered + unselected = total).
//!
//! CI runs 2000 cases per property (`STARLOAD_FUZZ_CASES` changes it); the bench mode with a
//! million and more cases is `bench/src/bin/fuzz_decode.rs`.
#![allow(clippy::unwrap_used)] // an integration test crate: a failed unwrap is a failed test

use proptest::prelude::*;
use starload_be::load::decode::avro::AvroDecoder;
use starload_be::load::decode::csv::{CsvDecoder, CsvOptions};
use starload_be::load::decode::json::{parse_jsonpaths, JsonDecoder, JsonOptions};
use starload_be::load::decode::{Decoder, MessageChunk};
use starload_be::load::error_rows::ErrorRows;
use starload_be::load::transform::LoadPlan;
use starload_compat_tests::registry::confluent_frame;
use starload_compat_tests::SchemaRegistry;
use starload_proto::be::ColumnMapping;
use starload_proto::types::{ColumnDef, KeysType, PrimitiveType, TabletSchema};
use std::sync::OnceLock;
use std::time::Duration;

/// Cases per property: `STARLOAD_FUZZ_CASES`, else 2000.
fn cases() -> u32 {
    std::env::var("STARLOAD_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

const AVRO_SCHEMA: &str = r#"{"type":"record","name":"r","fields":[{"name":"a","type":"long"},{"name":"b","type":["null","string"]},{"name":"t","type":{"type":"array","items":"int"}},{"name":"d","type":{"type":"map","values":"double"}}]}"#;

/// One registry for the whole test binary, with the schema registered (id 1).
fn registry() -> &'static (SchemaRegistry, u32, apache_avro::Schema) {
    static R: OnceLock<(SchemaRegistry, u32, apache_avro::Schema)> = OnceLock::new();
    R.get_or_init(|| {
        let r = SchemaRegistry::start().unwrap();
        let id = r.register("fuzz-value", AVRO_SCHEMA).unwrap();
        (r, id, apache_avro::Schema::parse_str(AVRO_SCHEMA).unwrap())
    })
}

fn col(name: &str, t: PrimitiveType, len: i32, nullable: bool) -> ColumnDef {
    ColumnDef::of(name, t, len, nullable).with_decimal(10, 2)
}

fn schema() -> TabletSchema {
    TabletSchema {
        keys_type: KeysType::DupKeys as i32,
        columns: vec![
            col("a", PrimitiveType::Bigint, -1, false),
            col("b", PrimitiveType::Datetime, -1, true),
            col("c", PrimitiveType::Varchar, 8, true),
            col("d", PrimitiveType::Decimal64, -1, true),
        ],
        sort_key_idx: vec![0],
        distribution_idx: vec![0],
        bucket_num: 3,
        schema_version: 0,
    }
}

fn plan(strict: bool) -> LoadPlan {
    let m = |n: &str, e: &str| ColumnMapping {
        name: n.into(),
        expr_sql: e.into(),
    };
    LoadPlan::new(
        &schema(),
        &[
            m("a", ""),
            m("b", ""),
            m("t", ""),
            m("d", ""),
            m("c", "concat(substr(t, 1, 3), upper(t))"),
        ],
        "a > -5 or c is null",
        strict,
        "UTC",
        0,
    )
    .unwrap()
}

fn chunk(msgs: &[Vec<u8>]) -> MessageChunk {
    let mut c = MessageChunk::default();
    for (i, m) in msgs.iter().enumerate() {
        c.push(0, i as i64, -1, m);
    }
    c
}

fn check(d: &mut dyn Decoder, p: &LoadPlan, msgs: &[Vec<u8>]) {
    let c = chunk(msgs);
    let mut e = ErrorRows::new(-1);
    let Ok(b) = d.decode(&c, &mut e) else { return };
    let out = p.apply(&b, &c, &mut e).unwrap();
    assert_eq!(out.num_rows() as u64, e.loaded());
    assert_eq!(e.total, e.loaded() + e.filtered + e.unselected);
}

fn csv_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        proptest::collection::vec(
            prop_oneof![
                Just(b','),
                Just(b'\n'),
                Just(b'"'),
                Just(b'\\'),
                Just(b'N'),
                Just(b'1'),
                Just(b'-'),
                Just(b' '),
                Just(b':'),
                any::<u8>()
            ],
            0..80
        ),
        "([0-9-]{0,12},[0-9: -]{0,20},[a-z\\\\N]{0,12},[0-9.e-]{0,10}\n){0,4}"
            .prop_map(|s| s.into_bytes()),
    ]
}

fn json_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        r#"\{("a": ?(-?[0-9]{1,20}|"[^"]{0,6}"|null|true|\[1,2\]),? ?)?("b": ?"[0-9: -]{0,20}",?)?("t": ?\{"x":[0-9]\},?)?("d": ?[0-9.e]{1,8})?\}"#.prop_map(|s| s.into_bytes()),
        r#"\[\{"a":[0-9]\}(,\{"a":"x"\})?\]"#.prop_map(|s| s.into_bytes()),
    ]
    .prop_flat_map(|v| {
        let n = v.len();
        (Just(v), 0..=n)
    })
    .prop_map(|(v, cut)| if cut % 3 == 0 { v[..cut].to_vec() } else { v })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), .. ProptestConfig::default() })]

    #[test]
    fn csv_never_panics(msgs in proptest::collection::vec(csv_bytes(), 0..8), strict in any::<bool>(), enclose in any::<bool>(), trim in any::<bool>()) {
        let p = plan(strict);
        let opts = CsvOptions {
            column_separator: b",".to_vec(),
            row_delimiter: b"\n".to_vec(),
            enclose: enclose.then_some(b'"'),
            escape: enclose.then_some(b'\\'),
            trim_space: trim,
        };
        let mut d = CsvDecoder::new(opts, p.source_names().len());
        check(&mut d, &p, &msgs);
        let mut d = CsvDecoder::new(CsvOptions { column_separator: b"||".to_vec(), row_delimiter: b"\r\n".to_vec(), ..CsvOptions::default() }, p.source_names().len());
        check(&mut d, &p, &msgs);
    }

    #[test]
    fn json_never_panics(msgs in proptest::collection::vec(json_bytes(), 0..8), strict in any::<bool>(), strip in any::<bool>(), paths in any::<bool>()) {
        let p = plan(strict);
        let jsonpaths = if paths { parse_jsonpaths(r#"["$.a","$.b","$.t.x","$.d"]"#).unwrap() } else { Vec::new() };
        let mut d = JsonDecoder::new(p.source_names().to_vec(), JsonOptions { jsonpaths, json_root: None, strip_outer_array: strip });
        check(&mut d, &p, &msgs);
    }

    #[test]
    fn avro_framing_never_panics(msgs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..16), 0..8)) {
        // Unframed messages are row errors; framed ones need the (absent) registry and fail
        // the decode with an error, never a panic.
        let p = plan(false);
        let msgs: Vec<Vec<u8>> = msgs.into_iter().map(|mut m| { if !m.is_empty() { m[0] |= 1; } m }).collect();
        let mut d = AvroDecoder::new(p.source_names().to_vec(), JsonOptions::default(), "http://127.0.0.1:1".into(), Duration::from_millis(50));
        check(&mut d, &p, &msgs);
    }

    #[test]
    fn avro_datums_truncated_or_flipped_never_panic(
        a in any::<i64>(),
        b in proptest::option::of("[0-9: -]{0,20}"),
        t in proptest::collection::vec(any::<i32>(), 0..4),
        cut in any::<proptest::sample::Index>(),
        flip in any::<proptest::sample::Index>(),
        mode in 0..3u8,
        paths in any::<bool>(),
    ) {
        let (reg, id, schema) = registry();
        let b = match b { Some(s) => format!("{s:?}"), None => "null".into() };
        let datum = format!(r#"{{"a": {a}, "b": {b}, "t": {t:?}, "d": {{"k": 0.5}}}}"#);
        let mut m = confluent_frame(*id, schema, &datum).unwrap();
        match mode {
            0 => {}
            1 => { let n = 5 + cut.index(m.len() - 4); m.truncate(n.min(m.len())); }
            _ => { let i = 5 + flip.index(m.len() - 5); m[i] ^= 0x80; }
        }
        let p = plan(false);
        let jsonpaths = if paths { parse_jsonpaths(r#"["$.a","$.b","$.t[1]","$.d.k"]"#).unwrap() } else { Vec::new() };
        let mut d = AvroDecoder::new(p.source_names().to_vec(), JsonOptions { jsonpaths, ..JsonOptions::default() }, reg.url(), Duration::from_secs(5));
        check(&mut d, &p, &[m]);
    }
}
