//! Network namespaces for fault tests: every process of a cluster (FEs, BEs, the broker) in its
//! own namespace, joined to one bridge by a veth pair, so a nemesis can cut the network
//! between two processes, or isolate one from everything, while the processes keep running
//! (a network partition, which neither kill -9 nor SIGSTOP is: the peer's sockets stay open and
//! silently lose packets).
//!
//! - Addresses: bridge `slbr<k>` holds `10.197.<k>.1` in the harness's own namespace (so the
//!   harness reaches every process); node `n` is `10.197.<k>.<10 + n>` in namespace
//!   `sl<k>-<label>`. `k` is claimed by creating the bridge (creation fails if it exists),
//!   so concurrent test processes never share a subnet.
//! - A cut between two nodes is a blackhole route to the other's address in each namespace:
//!   packets vanish (no RST, no ICMP), as in a real partition. This kernel has no netem or prio
//!   qdisc, and no iptables; routes need neither.
//! - Isolation sets the node's bridge-side veth down: nothing in or out, the harness included.
//!
//! Needs root and iproute2; [`Network::create`] fails otherwise (callers then say so).

use anyhow::{bail, Context, Result};
use std::process::Command;
use std::sync::Mutex;

/// One process's place in the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetNode {
    /// Namespace name (`ip netns exec <ns>`).
    pub ns: String,
    /// Its address on the bridge.
    pub ip: String,
    /// The bridge-side end of its veth pair.
    veth: String,
}

/// A bridge and the namespaces on it; dropping it deletes them all.
#[derive(Debug)]
pub struct Network {
    k: u8,
    nodes: Mutex<Vec<NetNode>>,
}

fn ip(args: &[&str]) -> Result<()> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .with_context(|| format!("run ip {}", args.join(" ")))?;
    if !out.status.success() {
        bail!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Where the owner pid of subnet `k` is recorded (a crashed test leaves its bridge behind; the
/// next one reclaims it when that pid is gone).
fn owner_file(k: u8) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("starload-netns-{k}.pid"))
}

fn pid_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Deletes what a dead owner left of subnet `k`: its namespaces and its bridge.
fn reclaim(k: u8) {
    let owner = std::fs::read_to_string(owner_file(k))
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok());
    if owner.is_some_and(pid_alive) || owner.is_none() {
        return;
    }
    let prefix = format!("sl{k}-");
    if let Ok(dir) = std::fs::read_dir("/var/run/netns") {
        for e in dir.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with(&prefix) {
                ip(&["netns", "del", &name]).ok();
            }
        }
    }
    ip(&["link", "del", &format!("slbr{k}")]).ok();
    std::fs::remove_file(owner_file(k)).ok();
}

impl Network {
    /// Claims a free subnet and creates its bridge.
    pub fn create() -> Result<Self> {
        let mut last = String::new();
        for k in 1..=250u8 {
            reclaim(k);
            let bridge = format!("slbr{k}");
            match ip(&["link", "add", &bridge, "type", "bridge"]) {
                Ok(()) => {
                    std::fs::write(owner_file(k), std::process::id().to_string())?;
                    let net = Network {
                        k,
                        nodes: Mutex::new(Vec::new()),
                    };
                    ip(&[
                        "addr",
                        "add",
                        &format!("{}/24", net.gateway()),
                        "dev",
                        &bridge,
                    ])?;
                    ip(&["link", "set", &bridge, "up"])?;
                    return Ok(net);
                }
                Err(e) => last = format!("{e:#}"),
            }
        }
        bail!("no free bridge for a test network (needs root and iproute2): {last}")
    }

    /// The harness's address on the bridge.
    pub fn gateway(&self) -> String {
        format!("10.197.{}.1", self.k)
    }

    /// A new namespace `sl<k>-<label>` on the bridge, with loopback and its address up.
    pub fn add(&self, label: &str) -> Result<NetNode> {
        let mut nodes = self.nodes.lock().unwrap_or_else(|e| e.into_inner());
        let n = nodes.len();
        if n >= 200 {
            bail!("a test network holds at most 200 nodes");
        }
        let node = NetNode {
            ns: format!("sl{}-{label}", self.k),
            ip: format!("10.197.{}.{}", self.k, 10 + n),
            veth: format!("slv{}x{n}", self.k),
        };
        // This subnet's bridge is ours, so a namespace or veth of its names is a leftover
        // (a run that exited without its Drop, or whose namespace outlived it while a
        // process still ran inside): remove it instead of failing on "File exists".
        ip(&["netns", "del", &node.ns]).ok();
        ip(&["link", "del", &node.veth]).ok();
        ip(&["netns", "add", &node.ns])?;
        ip(&[
            "link", "add", &node.veth, "type", "veth", "peer", "name", "eth0", "netns", &node.ns,
        ])?;
        ip(&[
            "link",
            "set",
            &node.veth,
            "master",
            &format!("slbr{}", self.k),
            "up",
        ])?;
        ip(&[
            "-n",
            &node.ns,
            "addr",
            "add",
            &format!("{}/24", node.ip),
            "dev",
            "eth0",
        ])?;
        ip(&["-n", &node.ns, "link", "set", "eth0", "up"])?;
        ip(&["-n", &node.ns, "link", "set", "lo", "up"])?;
        nodes.push(node.clone());
        Ok(node)
    }

    /// Cuts the network between `a` and `b` in both directions (blackhole routes).
    pub fn cut(&self, a: &NetNode, b: &NetNode) -> Result<()> {
        for (from, to) in [(a, b), (b, a)] {
            let dst = format!("{}/32", to.ip);
            // Already cut is fine (a nemesis may cut a pair twice).
            if let Err(e) = ip(&["-n", &from.ns, "route", "add", "blackhole", &dst]) {
                if !format!("{e}").contains("File exists") {
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Removes every cut of `a` (its blackhole routes, and the others' routes to it).
    pub fn heal(&self, a: &NetNode) -> Result<()> {
        let nodes = self.nodes.lock().unwrap_or_else(|e| e.into_inner()).clone();
        ip(&["-n", &a.ns, "route", "flush", "type", "blackhole"])?;
        for n in nodes.iter().filter(|n| *n != a) {
            // Absent is fine: only cut pairs have the route.
            ip(&[
                "-n",
                &n.ns,
                "route",
                "del",
                "blackhole",
                &format!("{}/32", a.ip),
            ])
            .ok();
        }
        Ok(())
    }

    /// Takes `a` off the bridge (`up = false`) or puts it back.
    pub fn set_attached(&self, a: &NetNode, up: bool) -> Result<()> {
        ip(&["link", "set", &a.veth, if up { "up" } else { "down" }])
    }

    /// Removes every cut and isolation.
    pub fn heal_all(&self) -> Result<()> {
        let nodes = self.nodes.lock().unwrap_or_else(|e| e.into_inner()).clone();
        for n in &nodes {
            self.set_attached(n, true)?;
            ip(&["-n", &n.ns, "route", "flush", "type", "blackhole"])?;
        }
        Ok(())
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        let nodes = self.nodes.lock().unwrap_or_else(|e| e.into_inner()).clone();
        for n in &nodes {
            ip(&["netns", "del", &n.ns]).ok();
        }
        ip(&["link", "del", &format!("slbr{}", self.k)]).ok();
        std::fs::remove_file(owner_file(self.k)).ok();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Root only (CI runs as root); elsewhere the test says why it did nothing.
    fn network() -> Option<Network> {
        match Network::create() {
            Ok(n) => Some(n),
            Err(e) => {
                eprintln!("skipping: {e:#}");
                None
            }
        }
    }

    /// A listener in `node`'s namespace answering one byte per connection.
    fn echo_in(node: &NetNode, port: u16) -> std::process::Child {
        let code = format!(
            "import socket\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n\
             s.bind(('{}',{port}))\ns.listen()\nwhile True:\n  c,_=s.accept()\n  c.sendall(b'x')\n  c.close()\n",
            node.ip
        );
        Command::new("ip")
            .args(["netns", "exec", &node.ns, "python3", "-c", &code])
            .spawn()
            .unwrap()
    }

    fn reaches(from: Option<&NetNode>, to: &NetNode, port: u16) -> bool {
        let code = format!(
            "import socket\ntry:\n  s=socket.create_connection(('{}',{port}),timeout=1)\n  print(s.recv(1).decode())\nexcept Exception:\n  print('no')\n",
            to.ip
        );
        let out = match from {
            Some(f) => Command::new("ip")
                .args(["netns", "exec", &f.ns, "python3", "-c", &code])
                .output(),
            None => Command::new("python3").args(["-c", &code]).output(),
        }
        .unwrap();
        String::from_utf8_lossy(&out.stdout).trim() == "x"
    }

    fn wait_reaches(from: Option<&NetNode>, to: &NetNode, port: u16) -> bool {
        for _ in 0..100 {
            if reaches(from, to, port) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    #[test]
    fn cut_heal_and_isolate_between_namespaces() {
        let Some(net) = network() else { return };
        let a = net.add("a").unwrap();
        let b = net.add("b").unwrap();
        let c = net.add("c").unwrap();
        let mut server = echo_in(&b, 7301);
        assert!(wait_reaches(Some(&a), &b, 7301), "a reaches b");
        assert!(reaches(None, &b, 7301), "the harness reaches b");
        net.cut(&a, &b).unwrap();
        net.cut(&a, &b).unwrap();
        assert!(!reaches(Some(&a), &b, 7301), "a is cut from b");
        assert!(reaches(Some(&c), &b, 7301), "c still reaches b");
        net.heal(&a).unwrap();
        assert!(reaches(Some(&a), &b, 7301), "healed");
        net.set_attached(&b, false).unwrap();
        assert!(!reaches(None, &b, 7301), "b is isolated from the harness");
        assert!(!reaches(Some(&c), &b, 7301), "and from c");
        net.heal_all().unwrap();
        assert!(wait_reaches(Some(&c), &b, 7301), "attached again");
        server.kill().ok();
        server.wait().ok();
    }
}
