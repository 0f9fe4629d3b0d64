//! The socket writer of one connection.
//!
//! Two jobs:
//! - Buffering: opensrv writes every packet with its own `write_vectored`; collecting them until
//!   opensrv flushes (end of a command) turns a result set into one or a few syscalls.
//! - Exact error packets: opensrv only writes ERR packets for its `ErrorKind` enum, with that
//!   enum's SQLSTATE and without StarRocks's codes (5xxx) or states (HY000 for 1064). Before
//!   asking opensrv for an error, the shim puts our payload into the connection's [`ErrSlot`];
//!   the next ERR packet opensrv writes is replaced by it, keeping opensrv's sequence id.
//!   opensrv 0.7 writes each packet as `[4-byte header, payload]` in one `write_vectored`
//!   call (packet_writer.rs `end_packet`); a packet not written that way is left unchanged,
//!   so the client still gets an error, only opensrv's.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};
use tokio::io::AsyncWrite;

/// Buffered bytes above which a write first drains to the socket.
const HIGH_WATER: usize = 64 * 1024;

/// The payload of the next ERR packet to send instead of opensrv's.
#[derive(Debug, Clone, Default)]
pub struct ErrSlot(Arc<Mutex<Option<Vec<u8>>>>);

impl ErrSlot {
    /// Arms the slot with an ERR payload (starting with 0xFF).
    pub fn set(&self, payload: Vec<u8>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(payload);
    }

    /// Disarms and returns the payload, if still armed.
    pub fn take(&self) -> Option<Vec<u8>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Buffering writer with ERR-packet replacement (see module docs).
pub struct ConnWriter<W> {
    inner: W,
    buf: Vec<u8>,
    /// Bytes of `buf` already written to `inner`.
    written: usize,
    slot: ErrSlot,
}

impl<W: AsyncWrite + Unpin> ConnWriter<W> {
    pub fn new(inner: W, slot: ErrSlot) -> Self {
        Self {
            inner,
            buf: Vec::with_capacity(16 * 1024),
            written: 0,
            slot,
        }
    }

    /// Writes out everything buffered.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.buf.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.buf[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.buf.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }

    fn poll_room(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.buf.len() - self.written >= HIGH_WATER {
            ready!(self.poll_drain(cx))?;
        }
        Poll::Ready(Ok(()))
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for ConnWriter<W> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_room(cx))?;
        this.buf.extend_from_slice(data);
        Poll::Ready(Ok(data.len()))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_room(cx))?;
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        if bufs.len() == 2 && bufs[0].len() == 4 && bufs[1].first() == Some(&0xFF) {
            if let Some(payload) = this.slot.take() {
                let len = payload.len().min(crate::server::result_writer::MAX_PAYLOAD) as u32;
                let l = len.to_le_bytes();
                this.buf.extend_from_slice(&[l[0], l[1], l[2], bufs[0][3]]);
                this.buf.extend_from_slice(&payload[..len as usize]);
                return Poll::Ready(Ok(total));
            }
        }
        for b in bufs {
            this.buf.extend_from_slice(b);
        }
        Poll::Ready(Ok(total))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn buffers_until_flush_and_replaces_err_packets() {
        let slot = ErrSlot::default();
        let mut out = Vec::new();
        {
            let mut w = ConnWriter::new(&mut out, slot.clone());
            w.write_all(b"abc").await.unwrap();
            // An ERR packet with the slot empty passes through unchanged.
            let header = [3u8, 0, 0, 5];
            let n = w
                .write_vectored(&[io::IoSlice::new(&header), io::IoSlice::new(&[0xFF, 1, 2])])
                .await
                .unwrap();
            assert_eq!(n, 7);
            slot.set(vec![
                0xFF, 0x41, 0x04, b'#', b'H', b'Y', b'0', b'0', b'0', b'x',
            ]);
            let header = [3u8, 0, 0, 9];
            let written = w
                .write_vectored(&[io::IoSlice::new(&header), io::IoSlice::new(&[0xFF, 1, 2])])
                .await
                .unwrap();
            assert!(written > 0);
            w.flush().await.unwrap();
        }
        assert_eq!(&out[..3], b"abc");
        assert_eq!(&out[3..10], &[3, 0, 0, 5, 0xFF, 1, 2]);
        assert_eq!(&out[10..14], &[10, 0, 0, 9]);
        assert_eq!(
            &out[14..],
            &[0xFF, 0x41, 0x04, b'#', b'H', b'Y', b'0', b'0', b'0', b'x']
        );
        assert!(slot.take().is_none());
    }
}
