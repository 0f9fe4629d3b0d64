//! Wall-clock time as StarRocks's FE records it: milliseconds since the Unix epoch, UTC. One
//! definition for every module (catalog create times, transaction and job timestamps,
//! heartbeats), so they all agree on the clock and its unit.

/// Now, in milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
