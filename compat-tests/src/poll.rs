//! Waiting by polling a condition up to a deadline (never sleeping to synchronise).

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

/// Interval between two polls.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Calls `check` until it returns `Ok(Some(v))`, then returns `v`. `Ok(None)` and `Err` mean
/// "not yet"; after `timeout` the error names `what` and the last observation.
pub async fn poll_until<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        let last = match check().await {
            Ok(Some(v)) => return Ok(v),
            Ok(None) => "condition not met".to_string(),
            Err(e) => format!("{e:#}"),
        };
        if Instant::now() >= deadline {
            bail!("timed out after {timeout:?} waiting for {what}: {last}");
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// True once a TCP connection to 127.0.0.1:`port` succeeds.
pub async fn port_accepts(port: u16) -> bool {
    port_accepts_at("127.0.0.1", port).await
}

/// True when `host:port` accepts a TCP connection (within a second: a cut network drops the
/// SYN instead of refusing it).
pub async fn port_accepts_at(host: &str, port: u16) -> bool {
    let connect = tokio::net::TcpStream::connect((host, port));
    matches!(
        tokio::time::timeout(std::time::Duration::from_secs(1), connect).await,
        Ok(Ok(_))
    )
}

/// A deadline for hand-written polling loops (when the check needs `&mut` state, such as a
/// connection, which a closure-returned future cannot borrow).
///
/// ```ignore
/// let d = Deadline::after(Duration::from_secs(30));
/// loop {
///     if check().await { break; }
///     if !d.wait().await { panic!("timed out"); }
/// }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    until: Instant,
    timeout: Duration,
}

impl Deadline {
    /// A deadline `timeout` from now.
    pub fn after(timeout: Duration) -> Self {
        Self {
            until: Instant::now() + timeout,
            timeout,
        }
    }

    /// The timeout this deadline was made with.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// True once the deadline has passed.
    pub fn expired(&self) -> bool {
        Instant::now() >= self.until
    }

    /// Sleeps one poll interval; false (without sleeping) if the deadline has passed.
    pub async fn wait(&self) -> bool {
        if self.expired() {
            return false;
        }
        tokio::time::sleep(POLL_INTERVAL).await;
        true
    }
}
