//! A BE cut off from the network (its link down: packets vanish, no RST) comes back into the
//! FE's view as soon as the network heals, not when TCP's backed-off retransmission of the
//! old connection happens to fire (up to tens of seconds later).
//!
//! Needs network namespaces (root, as in CI); where they cannot be made the test prints
//! SKIPPED with the reason.

use starload_compat_tests::netns::Network;
use starload_compat_tests::{Cluster, ClusterOptions};
use std::sync::Arc;
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread")]
async fn an_isolated_backend_is_alive_again_right_after_the_network_heals() -> anyhow::Result<()> {
    let net = match Network::create() {
        Ok(n) => Arc::new(n),
        Err(e) => {
            eprintln!("SKIPPED: network namespaces are not available here: {e:#}");
            return Ok(());
        }
    };
    let c = Cluster::start_with(ClusterOptions::new(2).network(net.clone())).await?;
    c.wait_backends_alive().await?;
    let node = c.bes[1].net.clone().expect("BE in the network");
    net.set_attached(&node, false)?;
    c.wait_backend_alive(1, false, T).await?;
    // Long enough for TCP to back its retransmissions off to several seconds.
    tokio::time::sleep(Duration::from_secs(25)).await;
    net.set_attached(&node, true)?;
    let healed = Instant::now();
    c.wait_backend_alive(1, true, T).await?;
    let took = healed.elapsed();
    println!("BE alive again {took:?} after the network healed");
    // Heartbeats run every second; a new connection per failed round answers in the next one.
    assert!(
        took < Duration::from_secs(6),
        "the BE came back {took:?} after the heal: the FE kept its dead connection"
    );
    Ok(())
}
