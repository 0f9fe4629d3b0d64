//! Arrow IPC stream encoding of batches on the wire (WriteTabletBatch, ScanTablets).

use crate::error::BeError;
use arrow::ipc::reader::StreamReader;
use arrow::ipc::writer::StreamWriter;
use arrow::record_batch::RecordBatch;
use std::io::Cursor;

/// Every batch of one IPC stream.
pub fn decode(bytes: &[u8]) -> Result<Vec<RecordBatch>, BeError> {
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    let bad = |e: arrow::error::ArrowError| {
        BeError::InvalidArgument(format!("bad Arrow IPC stream: {e}"))
    };
    let reader = StreamReader::try_new(Cursor::new(bytes), None).map_err(bad)?;
    reader.map(|b| b.map_err(bad)).collect()
}

/// One IPC stream holding `batch`.
pub fn encode(batch: &RecordBatch) -> Result<Vec<u8>, BeError> {
    let err = |e: arrow::error::ArrowError| BeError::Storage(format!("encode Arrow IPC: {e}"));
    let mut w = StreamWriter::try_new(Vec::new(), &batch.schema()).map_err(err)?;
    w.write(batch).map_err(err)?;
    w.finish().map_err(err)?;
    w.into_inner().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Int32Array;
    use arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;

    #[test]
    fn round_trip_and_garbage() {
        let b = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new("a", DataType::Int32, false)])),
            vec![Arc::new(Int32Array::from(vec![1, 2]))],
        )
        .unwrap();
        assert_eq!(decode(&encode(&b).unwrap()).unwrap(), vec![b]);
        assert!(decode(b"garbage").is_err());
        assert!(decode(b"").unwrap().is_empty());
    }
}
