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
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
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
    fn ports_are_distinct_and_bindable() {
        let ports = free_ports(50).unwrap();
        let set: HashSet<u16> = ports.iter().copied().collect();
        assert_eq!(set.len(), 50);
        for p in ports {
            assert!((LOW..HIGH).contains(&p));
            TcpListener::bind(("127.0.0.1", p)).unwrap();
        }
    }
}
