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
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Buffered bytes above which a write first drains to the socket.
const HIGH_WATER: usize = 64 * 1024;

/// Bytes read from the socket at once (then handed out a packet at a time).
const READ_CHUNK: usize = 64 * 1024;

/// The socket reader of one connection: hands opensrv at most the rest of the current MySQL
/// packet per read.
///
/// Why: opensrv-mysql 0.7's `PacketReader::next_async` returns a packet that borrows its read
/// buffer through an unchecked slice, and when that buffer held more than one packet
/// (pipelined packets, or a truncated packet followed by the next) it replaces the buffer with
/// the rest before the packet is parsed: a use-after-free. The handshake/command fuzz test
/// (`fe/tests/server_fuzz.rs`) crashed the FE with SIGSEGV that way. Never giving it bytes
/// past the end of a packet keeps its buffer at one packet. Reads from the socket stay large
/// (one syscall still brings many packets); only the hand-over is cut at packet ends.
pub struct ConnReader<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    /// Header bytes of the next packet seen so far (when `body_left` is 0).
    header: [u8; 4],
    header_have: usize,
    /// Payload bytes of the current packet not yet handed out.
    body_left: usize,
}

impl<R> ConnReader<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            buf: Vec::new(),
            pos: 0,
            header: [0; 4],
            header_have: 0,
            body_left: 0,
        }
    }

    /// How many buffered bytes may be handed out now, and accounts for them.
    fn take(&mut self, want: usize) -> usize {
        let avail = (self.buf.len() - self.pos).min(want);
        if self.body_left > 0 {
            let n = avail.min(self.body_left);
            self.body_left -= n;
            return n;
        }
        let n = avail.min(4 - self.header_have);
        self.header[self.header_have..self.header_have + n]
            .copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.header_have += n;
        if self.header_have == 4 {
            let h = self.header;
            self.body_left = u32::from_le_bytes([h[0], h[1], h[2], 0]) as usize;
            self.header_have = 0;
        }
        n
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for ConnReader<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.pos == this.buf.len() {
            this.buf.resize(READ_CHUNK, 0);
            let mut rb = ReadBuf::new(&mut this.buf);
            let r = Pin::new(&mut this.inner).poll_read(cx, &mut rb);
            let filled = rb.filled().len();
            this.buf.truncate(filled);
            this.pos = 0;
            ready!(r)?;
            if filled == 0 {
                return Poll::Ready(Ok(()));
            }
        }
        let n = this.take(out.remaining());
        out.put_slice(&this.buf[this.pos..this.pos + n]);
        this.pos += n;
        Poll::Ready(Ok(()))
    }
}

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
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn reads_stop_at_packet_ends() {
        // Two pipelined packets and the header of a third in one socket read.
        let wire: Vec<u8> = [
            &[3u8, 0, 0, 0, b'a', b'b', b'c'][..],
            &[1, 0, 0, 1, b'z'],
            &[2, 0, 0, 2, b'x', b'y'],
        ]
        .concat();
        let mut r = ConnReader::new(&wire[..]);
        let mut chunks = Vec::new();
        loop {
            let mut b = [0u8; 100];
            let n = r.read(&mut b).await.unwrap();
            if n == 0 {
                break;
            }
            chunks.push(b[..n].to_vec());
        }
        assert_eq!(
            chunks,
            vec![
                vec![3, 0, 0, 0],
                vec![b'a', b'b', b'c'],
                vec![1, 0, 0, 1],
                vec![b'z'],
                vec![2, 0, 0, 2],
                vec![b'x', b'y'],
            ]
        );
        assert_eq!(chunks.concat(), wire);
    }

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
