//! Free loopback ports for test processes.
//!
//! Ports are drawn at random from 15000..32000, below Linux's ephemeral range (32768..60999), so
//! a port we hand out is never taken meanwhile as the source port of some outgoing connection
//! (which would break restarting a killed process on the same port). Each candidate must be
//! bindable on 127.0.0.1 now, and a process-wide set keeps one test binary from handing the same
//! port out twice (a killed process's port stays reserved for its restart).

use std::collections::hash_map::RandomState;
use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::net::TcpListener;
use std::sync::Mutex;

use anyhow::{bail, Result};

const LOW: u16 = 15000;
const HIGH: u16 = 32000;

static TAKEN: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

fn random_u64() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(std::process::id() as u64);
    h.finish()
}

/// Returns `n` distinct free ports, reserved for the rest of this process.
pub fn free_ports(n: usize) -> Result<Vec<u16>> {
    free_ports_probed(n, |port| TcpListener::bind(("127.0.0.1", port)).is_ok())
}

/// [`free_ports`] with the "is this port free now" check passed in, so a test can make ports
/// busy deterministically (re-binding a handed-out port later races every other process on a
/// shared machine).
fn free_ports_probed(n: usize, is_free: impl Fn(u16) -> bool) -> Result<Vec<u16>> {
    let mut guard = match TAKEN.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    let taken = guard.get_or_insert_with(HashSet::new);
    let mut out = Vec::with_capacity(n);
    let mut attempts = 0;
    while out.len() < n {
        attempts += 1;
        if attempts > 10_000 {
            bail!("no free port found in {LOW}..{HIGH}");
        }
        let port = LOW + (random_u64() % u64::from(HIGH - LOW)) as u16;
        if taken.contains(&port) {
            continue;
        }
        if is_free(port) {
            taken.insert(port);
            out.push(port);
        }
    }
    Ok(out)
}

/// One free port (see [`free_ports`]).
pub fn free_port() -> Result<u16> {
    Ok(free_ports(1)?[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_distinct_in_range_and_skip_busy_ones() {
        // Every odd port is "busy": none may be handed out.
        let ports = free_ports_probed(50, |p| p % 2 == 0).unwrap();
        let set: HashSet<u16> = ports.iter().copied().collect();
        assert_eq!(set.len(), 50);
        for p in &ports {
            assert!((LOW..HIGH).contains(p), "{p} out of range");
            assert_eq!(p % 2, 0, "busy port {p} handed out");
        }
        // A second call in the same process never repeats a port.
        let more = free_ports_probed(50, |_| true).unwrap();
        assert!(
            more.iter().all(|p| !set.contains(p)),
            "a port was handed out twice"
        );
    }

    #[test]
    fn gives_up_when_nothing_is_free() {
        let err = free_ports_probed(1, |_| false).unwrap_err().to_string();
        assert!(err.contains("no free port"), "{err}");
    }
}
