//! starload's test harness and golden-case runner.
//!
//! Integration tests in `fe/tests` and `be/tests` use this crate as a dev-dependency:
//!
//! ```ignore
//! use starload_compat_tests::{Broker, Cluster, sql::*};
//! let broker = Broker::start().await?;           // Tansu, SQLite storage, free port
//! broker.create_topic("t1", 3).await?;
//! broker.produce("t1", 0, &["1,a", "2,b"]).await?;
//! let mut cluster = Cluster::start(3).await?;     // FE + 3 BEs, all alive
//! let mut conn = cluster.conn().await?;
//! must_exec(&mut conn, "CREATE DATABASE d").await;
//! must_reach_state(&mut conn, "d.job", "RUNNING", Duration::from_secs(60)).await;
//! cluster.kill_be(1); cluster.restart_be(1).await?;
//! ```
//!
//! Modules: [`paths`] (binaries), [`ports`], [`process`] (kill-on-drop children), [`poll`]
//! (deadlines), [`cluster`], [`broker`] (Tansu, mock cluster, producer), [`kafka_front`] (TLS
//! and SASL PLAIN in front of Tansu, a run-time test CA), [`registry`] (a
//! Confluent-API schema registry and Avro framing), [`sql`] (client and `must_*` assertions),
//! [`runner`] (the `starload-compat` golden-case runner).

// Without the default `harness` feature only what `starload-kafka` needs is built (broker
// helpers, processes, ports, polling): the quickstart builds that tool, and the MySQL client,
// schema registry and TLS front stay out of a first run's build (issue 19).
pub mod broker;
#[cfg(feature = "harness")]
pub mod chaos;
#[cfg(feature = "harness")]
pub mod cluster;
#[cfg(feature = "harness")]
pub mod kafka_front;
pub mod module_graph;
pub mod netns;
pub mod paths;
pub mod poll;
pub mod ports;
pub mod process;
pub mod prom;
#[cfg(feature = "harness")]
pub mod registry;
#[cfg(feature = "harness")]
pub mod runner;
#[cfg(feature = "harness")]
pub mod sql;

pub use broker::{create_topic, high_watermarks, Broker, MockBroker, Producer};
#[cfg(feature = "harness")]
pub use cluster::{BeNode, Cluster, ClusterOptions, FeNode};
#[cfg(feature = "harness")]
pub use kafka_front::{FrontOptions, KafkaFront, TestCa};
pub use poll::{poll_until, Deadline};
#[cfg(feature = "harness")]
pub use registry::SchemaRegistry;
